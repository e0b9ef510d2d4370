//! Reading a CSV file into a list. Every row is checked and applied inside one
//! transaction, in file order, so a row may use what the rows above it added (an alias to
//! a mailbox added two rows up). When any row is refused the transaction is rolled back
//! and the report lists every refused row; otherwise the report lists what changed, and
//! each change is in the audit log.

use super::Owner;
use crate::backend::store::db::Conn;
use crate::{
    backend::{
        aliases::{self, checked_targets},
        auth::{
            ctx::{DomainAdminCtx, DomainScope},
            password,
        },
        domains::new_token,
        routing,
        sender_lists::{entry_detail, Checked},
        store::{
            self,
            accounts::{NewAccount, Profile},
            audit::{Actor, AuditAction},
            sender_lists::NewEntry,
            transfer as rows,
        },
        Backend,
    },
    error::AppError,
    model::{
        alias::{parse_targets, AliasAddress},
        domain_settings::DomainSettings,
        local_recipient::parse_recipient,
        mailbox::{check_display_name, check_local_part, Quota},
        route::DomainKind,
        rows::DomainRow,
        sender::parse_users,
        sender_list::{check_description, parse_expiry, List, Sender},
        time::UnixTime,
        transfer::{
            parse_yes_no, restore, Column, Dataset, ImportReport, RowProblem, MAX_IMPORT_BYTES,
            MAX_IMPORT_ROWS,
        },
        DomainName, EmailAddress, Role,
    },
};
use std::collections::HashMap;

pub async fn import(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    dataset: Dataset,
    domain_id: Option<i64>,
    text: &str,
    now: UnixTime,
) -> Result<ImportReport, AppError> {
    let owner = Owner::checked(backend, ctx, dataset, domain_id, "import", now).await?;
    let table = Table::read(dataset, text).map_err(|r| AppError::invalid("file", r))?;
    let mut report = ImportReport::default();
    let mut rows = Vec::with_capacity(table.rows.len());
    // The same entry twice would apply the second over the first: refused instead.
    let mut first_seen: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        // `alice` and `alice@example.test` are the same mailbox.
        let key = match &owner {
            Owner::Domain(d) if !row.key().contains('@') => format!("{}@{}", row.key(), d.name),
            _ => row.key().to_string(),
        }
        .to_lowercase();
        match first_seen.get(&key) {
            Some(first) => report.problems.push(RowProblem {
                row: row.number,
                reason: format!("{} is on row {first} already.", row.key()),
            }),
            None => {
                first_seen.insert(key, row.number);
                rows.push(row);
            }
        }
    }
    let settings = match &owner {
        Owner::Domain(d) => store::domains::settings(&backend.pool, d.id).await?,
        Owner::Host => DomainSettings::default(),
    };
    let job = Job {
        backend,
        ctx,
        owner: &owner,
        settings: &settings,
        now,
    };
    // Passwords are hashed before the transaction: argon2 is slow on purpose, and the
    // store should not be locked while it runs.
    let mut hashes = HashMap::new();
    if dataset == Dataset::Mailboxes {
        let mut checked = Vec::with_capacity(rows.len());
        for row in rows {
            match job.new_password(row).await {
                Ok(hash) => {
                    if let Some(hash) = hash {
                        hashes.insert(row.number, hash);
                    }
                    checked.push(row);
                }
                // One problem per row is enough: the row is not looked at again.
                Err(reason) => report.problems.push(RowProblem {
                    row: row.number,
                    reason,
                }),
            }
        }
        rows = checked;
    }
    let mut tx = store::write(&backend.pool).await?;
    if dataset == Dataset::Aliases {
        tx.serialize(aliases::ALIAS_WRITES).await?;
    }
    let mut changes = Vec::new();
    for row in rows {
        let hash = hashes.remove(&row.number);
        let outcome = match dataset {
            Dataset::Mailboxes => job.mailbox(&mut tx.conn(), row, hash).await,
            Dataset::Aliases => job.alias(&mut tx.conn(), row).await,
            Dataset::Senders => job.sender(&mut tx.conn(), row).await,
            Dataset::DomainAliases => job.domain_alias(&mut tx.conn(), row).await,
            Dataset::Domains | Dataset::RelayDomains => {
                job.host_domain(&mut tx.conn(), dataset, row).await
            }
            Dataset::SenderLists | Dataset::GlobalSenderLists => {
                job.sender_list(&mut tx.conn(), row).await
            }
            Dataset::LocalRecipients => job.local_recipient(&mut tx.conn(), row).await,
        };
        match outcome {
            Ok(Outcome::Unchanged) => report.unchanged += 1,
            Ok(Outcome::Added(action, detail)) => {
                report.added.push(detail.clone());
                changes.push((action, detail));
            }
            Ok(Outcome::Changed(action, detail)) => {
                report.changed.push(detail.clone());
                changes.push((action, detail));
            }
            Err(RowError::Refused(reason)) => report.problems.push(RowProblem {
                row: row.number,
                reason,
            }),
            Err(RowError::Failed(e)) => return Err(e),
        }
    }
    report.problems.sort_by_key(|p| p.row);
    if !report.applied() {
        tx.rollback().await?;
        // Nothing was added or changed after all: the report lists the problems only.
        return Ok(ImportReport {
            problems: report.problems,
            ..Default::default()
        });
    }
    let actor = Actor {
        domain_id: owner.domain_id(),
        ..ctx.user.actor()
    };
    for (action, detail) in &changes {
        store::audit::record(&mut tx.conn(), &actor, *action, detail, now).await?;
    }
    let summary = format!(
        "{} of {}: {} added, {} changed, {} unchanged",
        dataset.label(),
        owner.name(),
        report.added.len(),
        report.changed.len(),
        report.unchanged
    );
    store::audit::record(
        &mut tx.conn(),
        &actor,
        AuditAction::CsvImported,
        &summary,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// The file's rows, with the cells under the dataset's columns.
struct Table {
    rows: Vec<Row>,
}

struct Row {
    /// As a spreadsheet numbers it: the header is row 1.
    number: u64,
    /// The cell of the first column, which names the entry.
    key: String,
    cells: HashMap<&'static str, String>,
}

impl Row {
    fn key(&self) -> &str {
        &self.key
    }

    /// The cell under `column`, trimmed; `None` when the file has no such column or the
    /// cell is empty.
    fn get(&self, column: &str) -> Option<&str> {
        self.cells
            .get(column)
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
    }
}

impl Table {
    fn read(dataset: Dataset, text: &str) -> Result<Table, String> {
        if text.len() > MAX_IMPORT_BYTES {
            return Err(format!(
                "The file is larger than {} KB. Split it and import the parts one after another.",
                MAX_IMPORT_BYTES / 1024
            ));
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| format!("Row 1 cannot be read: {e}"))?
            .clone();
        let columns = dataset.columns();
        let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
        let mut at: Vec<Option<&'static str>> = Vec::new();
        for name in header.iter() {
            let name = restore(name).trim().to_lowercase();
            let column = columns.iter().find(|c| c.0 == name).ok_or_else(|| {
                format!(
                    "Row 1 has a column “{name}” that this list does not have. Its columns are: {}.",
                    names.join(", ")
                )
            })?;
            if at.contains(&Some(column.0)) {
                return Err(format!("Row 1 names the column “{name}” twice."));
            }
            at.push((column.1 != Column::Info).then_some(column.0));
        }
        let key = columns[0].0;
        if !at.contains(&Some(key)) {
            return Err(format!(
                "Row 1 must be the header, with at least the column “{key}”. The columns are: {}.",
                names.join(", ")
            ));
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| match e.position() {
                Some(p) => format!("Row {} cannot be read: {e}", p.record() + 1),
                None => format!("The file cannot be read: {e}"),
            })?;
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            // Numbered as a spreadsheet shows it: a cell over several lines is one row.
            let number = record.position().map_or(0, |p| p.record() + 1);
            if record.len() > at.len() {
                return Err(format!(
                    "Row {number} has {} cells but the header names {} columns.",
                    record.len(),
                    at.len()
                ));
            }
            let mut cells = HashMap::new();
            for (cell, column) in record.iter().zip(&at) {
                if let Some(column) = column {
                    cells.insert(*column, restore(cell).to_string());
                }
            }
            let key = cells
                .get(key)
                .map(|k| k.trim().to_string())
                .unwrap_or_default();
            if key.is_empty() {
                return Err(format!(
                    "Row {number} has no {} (the first column).",
                    columns[0].0
                ));
            }
            rows.push(Row { number, key, cells });
            if rows.len() > MAX_IMPORT_ROWS {
                return Err(format!(
                    "The file has more than {MAX_IMPORT_ROWS} rows. Split it and import the parts one after another."
                ));
            }
        }
        if rows.is_empty() {
            return Err("The file has no rows below its header.".into());
        }
        Ok(Table { rows })
    }
}

/// What one row did.
enum Outcome {
    Added(AuditAction, String),
    Changed(AuditAction, String),
    Unchanged,
}

enum RowError {
    /// The row is wrong; the reason is for the person who wrote it.
    Refused(String),
    /// The store failed: the import stops.
    Failed(AppError),
}

impl From<AppError> for RowError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid { reason, .. } | AppError::NotAllowed(reason) => {
                RowError::Refused(reason)
            }
            other => RowError::Failed(other),
        }
    }
}

impl From<sqlx::Error> for RowError {
    fn from(e: sqlx::Error) -> Self {
        RowError::Failed(e.into())
    }
}

impl From<String> for RowError {
    fn from(reason: String) -> Self {
        RowError::Refused(reason)
    }
}

type RowResult = Result<Outcome, RowError>;

/// One import's fixed facts.
struct Job<'a> {
    backend: &'a Backend,
    ctx: &'a DomainAdminCtx,
    owner: &'a Owner,
    settings: &'a DomainSettings,
    now: UnixTime,
}

impl Job<'_> {
    fn domain(&self) -> &DomainRow {
        match self.owner {
            Owner::Domain(d) => d,
            Owner::Host => unreachable!("a domain's list has a domain"),
        }
    }

    fn domain_name(&self) -> Result<DomainName, RowError> {
        DomainName::parse(&self.domain().name).map_err(|_| RowError::Failed(AppError::Internal))
    }

    /// An address of the domain: `alice` or `alice@example.test`.
    fn address(&self, cell: &str) -> Result<EmailAddress, String> {
        let domain = &self.domain().name;
        let full = if cell.contains('@') {
            cell.to_string()
        } else {
            format!("{cell}@{domain}")
        };
        let address = EmailAddress::parse(&full)?;
        if address.domain().as_str() != domain {
            return Err(format!("{address} is not an address of {domain}."));
        }
        self.local_part_allowed(address.local_part())?;
        Ok(address)
    }

    fn local_part_allowed(&self, local: &str) -> Result<(), String> {
        match self.settings.refused_char(local) {
            Some(c) => Err(format!(
                "This domain does not accept “{c}” in addresses (see its Settings)."
            )),
            None => Ok(()),
        }
    }

    /// The hash of a row's password, when it has one.
    async fn new_password(&self, row: &Row) -> Result<Option<password::PasswordHash>, String> {
        let Some(pw) = row.cells.get("password").filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        let address = self.address(row.key())?;
        let reason = |e: AppError| match e {
            AppError::Invalid { reason, .. } => reason,
            other => other.to_string(),
        };
        password::check_new(pw, &address, "password").map_err(reason)?;
        Ok(Some(password::hash(pw).await.map_err(reason)?))
    }

    async fn mailbox(
        &self,
        tx: &mut Conn<'_>,
        row: &Row,
        hash: Option<password::PasswordHash>,
    ) -> RowResult {
        let address = self.address(row.key())?;
        check_local_part(address.local_part())?;
        let name = row.get("display_name");
        if let Some(name) = name {
            check_display_name(name)?;
        }
        let quota = row.get("quota").map(Quota::parse).transpose()?;
        let enabled = parse_yes_no(row.get("enabled").unwrap_or_default())?;
        let Some(line) = rows::mailbox(tx, address.as_str()).await? else {
            if store::aliases::exists(&mut *tx, address.as_str()).await? {
                return Err(format!("{address} is an alias. Delete the alias first.").into());
            }
            let Some(hash) = hash else {
                return Err(format!("{address} is new and needs a password.").into());
            };
            let profile = Profile {
                display_name: name.unwrap_or_default().to_string(),
                quota: quota.unwrap_or_default(),
            };
            let new = NewAccount {
                email: &address,
                role: Role::MailUser,
                domain_id: Some(self.domain().id),
                password_hash: &hash,
                profile: &profile,
            };
            let id = store::accounts::insert(tx, new, self.now).await?;
            if enabled == Some(false) {
                store::mailboxes::set_enabled(tx, id, false).await?;
            }
            let detail = format!("{address} (quota {})", profile.quota);
            return Ok(Outcome::Added(AuditAction::AccountCreated, detail));
        };
        let mut changes = Vec::new();
        let new_name = name.map_or(line.display_name.as_str(), |n| n).to_string();
        if new_name != line.display_name {
            changes.push(format!("name “{new_name}”"));
        }
        let old_quota = Quota::from_bytes(line.quota_bytes);
        let new_quota = quota.unwrap_or(old_quota);
        if new_quota != old_quota {
            changes.push(format!("quota {new_quota}"));
        }
        let new_enabled = enabled.unwrap_or(line.enabled);
        if new_enabled != line.enabled {
            changes.push(if new_enabled { "enabled" } else { "disabled" }.into());
        }
        if hash.is_some() {
            changes.push("new password".into());
        }
        if changes.is_empty() {
            return Ok(Outcome::Unchanged);
        }
        let mine = line.id == self.ctx.user.account_id;
        if self.ctx.scope != DomainScope::All && line.role != Role::MailUser.as_str() {
            return Err(
                format!("{address} is an admin's mailbox: a master admin changes it.").into(),
            );
        }
        if mine && (hash.is_some() || !new_enabled) {
            return Err(
                "Your own account is not disabled or given a password by an import."
                    .to_string()
                    .into(),
            );
        }
        store::mailboxes::set_profile(&mut *tx, line.id, &new_name, new_quota).await?;
        store::mailboxes::set_enabled(tx, line.id, new_enabled).await?;
        if let Some(hash) = &hash {
            store::accounts::set_password(tx, line.id, hash, self.now).await?;
        }
        if hash.is_some() || !new_enabled {
            store::sessions::delete_all_for_account(tx, line.id, None).await?;
        }
        let detail = format!("{address}: {}", changes.join(", "));
        Ok(Outcome::Changed(AuditAction::MailboxChanged, detail))
    }

    async fn alias(&self, tx: &mut Conn<'_>, row: &Row) -> RowResult {
        let address = AliasAddress::parse(row.key(), &self.domain_name()?)?;
        if let AliasAddress::Address(a) = &address {
            self.local_part_allowed(a.local_part())?;
        }
        let key = address.as_key();
        if store::mailboxes::exists(&mut *tx, &key).await? {
            return Err(
                format!("{key} is a mailbox. An alias needs an address of its own.").into(),
            );
        }
        let existing = store::aliases::find_by_address(tx, &key).await?;
        let Some(recipients) = row.get("recipients") else {
            return match existing {
                Some(_) => Ok(Outcome::Unchanged),
                None => Err(format!("{key} is new and needs recipients.").into()),
            };
        };
        let targets = parse_targets(recipients)?;
        let targets = checked_targets(tx, &key, &targets, "recipients").await?;
        let detail = format!("{key} → {}", targets.join(", "));
        match existing {
            None => {
                store::aliases::insert(tx, self.domain().id, &key, &targets, self.now).await?;
                Ok(Outcome::Added(AuditAction::AliasCreated, detail))
            }
            Some((_, old)) if same_members(&old, &targets) => Ok(Outcome::Unchanged),
            Some((id, _)) => {
                store::aliases::set_targets(tx, id, &targets).await?;
                Ok(Outcome::Changed(AuditAction::AliasChanged, detail))
            }
        }
    }

    async fn sender(&self, tx: &mut Conn<'_>, row: &Row) -> RowResult {
        let address = match AliasAddress::parse(row.key(), &self.domain_name()?)? {
            AliasAddress::Address(a) => a,
            AliasAddress::CatchAll(_) => {
                return Err("A sender address is one address, not the whole domain."
                    .to_string()
                    .into())
            }
        };
        self.local_part_allowed(address.local_part())?;
        let existing = store::senders::find_by_address(tx, address.as_str()).await?;
        let Some(users) = row.get("users") else {
            return match existing {
                Some(_) => Ok(Outcome::Unchanged),
                None => Err(format!("{address} is new and needs users.").into()),
            };
        };
        let mut ids = Vec::new();
        let mut names = Vec::new();
        for user in parse_users(users)? {
            let account = rows::mailbox(tx, user.as_str())
                .await?
                .filter(|a| a.domain_id.is_some_and(|d| self.ctx.covers(d)))
                .ok_or_else(|| format!("{user} is not a mailbox in your domains."))?;
            ids.push(account.id);
            names.push(account.email);
        }
        let detail = format!("{address} for {}", names.join(", "));
        match existing {
            None => {
                store::senders::insert(tx, self.domain().id, address.as_str(), &ids, self.now)
                    .await?;
                Ok(Outcome::Added(AuditAction::SenderAddressAdded, detail))
            }
            Some((_, old)) if same_members(&old, &names) => Ok(Outcome::Unchanged),
            Some((id, _)) => {
                store::senders::set_users(tx, id, &ids).await?;
                Ok(Outcome::Changed(AuditAction::SenderAddressChanged, detail))
            }
        }
    }

    /// A whitelist or blacklist entry; an existing one gets the row's list, description and
    /// expiry (those the row has).
    async fn sender_list(&self, tx: &mut Conn<'_>, row: &Row) -> RowResult {
        let domain_id = self.owner.domain_id();
        let sender = Sender::parse(row.key())?.sender;
        if matches!(&sender, Sender::Network(n) if n.is_everything()) {
            return Err(format!(
                "{sender} is every address there is: list it on the screen, which asks you to confirm."
            )
            .into());
        }
        let existing = store::sender_lists::find_sender(tx, domain_id, &sender).await?;
        let list = match row.get("list") {
            Some(cell) => List::parse(cell)?,
            None => existing.as_ref().map_or(List::Blacklist, |e| e.list),
        };
        let description = match row.get("description") {
            Some(cell) => check_description(cell)?,
            None => existing
                .as_ref()
                .map(|e| e.description.clone())
                .unwrap_or_default(),
        };
        let expires_at = match row.get("expires") {
            Some(cell) => parse_expiry(cell, self.now)?,
            None => existing.as_ref().and_then(|e| e.expires_at),
        };
        let entry = Checked {
            list,
            sender,
            description,
            expires_at,
            note: None,
        };
        let owner = match self.owner {
            Owner::Domain(d) => d.name.as_str(),
            Owner::Host => "global",
        };
        let detail = entry_detail(owner, &entry);
        match existing {
            None => {
                let new = NewEntry {
                    domain_id,
                    list,
                    sender: &entry.sender,
                    description: &entry.description,
                    added_by: &self.ctx.user.email,
                    expires_at,
                };
                store::sender_lists::insert(tx, &new, self.now).await?;
                Ok(Outcome::Added(AuditAction::SenderListEntryAdded, detail))
            }
            Some(old)
                if old.list == list
                    && old.description == entry.description
                    && old.expires_at == expires_at =>
            {
                Ok(Outcome::Unchanged)
            }
            Some(old) => {
                store::sender_lists::update(tx, old.id, list, &entry.description, expires_at)
                    .await?;
                Ok(Outcome::Changed(
                    AuditAction::SenderListEntryChanged,
                    detail,
                ))
            }
        }
    }

    async fn local_recipient(&self, tx: &mut Conn<'_>, row: &Row) -> RowResult {
        let address = parse_recipient(row.key(), &self.domain_name()?)?;
        let domain_id = self.domain().id;
        if store::local_recipients::insert(tx, domain_id, address.as_str(), self.now).await? {
            let action = AuditAction::LocalRecipientAdded;
            Ok(Outcome::Added(action, address.as_str().to_string()))
        } else {
            Ok(Outcome::Unchanged)
        }
    }

    async fn domain_alias(&self, tx: &mut Conn<'_>, row: &Row) -> RowResult {
        let name = DomainName::parse(row.key())?;
        let main = self.domain();
        match rows::domain(tx, name.as_str()).await? {
            Some(d) if d.kind == DomainKind::Alias && d.alias_of.as_deref() == Some(&main.name) => {
                Ok(Outcome::Unchanged)
            }
            Some(_) => Err(format!(
                "{name} is served here already, not as an alias of {}.",
                main.name
            )
            .into()),
            None => {
                let token = new_token();
                store::domains::insert(
                    tx,
                    &name,
                    DomainKind::Alias,
                    Some(main.id),
                    &token,
                    self.now,
                )
                .await?;
                let detail = format!("{name} (alias of {})", main.name);
                Ok(Outcome::Added(AuditAction::DomainCreated, detail))
            }
        }
    }

    async fn host_domain(&self, tx: &mut Conn<'_>, dataset: Dataset, row: &Row) -> RowResult {
        let name = DomainName::parse(row.key())?;
        let kind = row.get("kind").map(DomainKind::parse).transpose()?;
        if dataset == Dataset::RelayDomains && kind.is_some_and(|k| k != DomainKind::Relay) {
            return Err("This list holds relay domains: the kind is relay."
                .to_string()
                .into());
        }
        let mut routes = Vec::new();
        for dest in row.get("routes").unwrap_or_default().split([' ', ',', ';']) {
            if dest.trim().is_empty() {
                continue;
            }
            let dest = routing::checked(self.backend, dest, "routes")
                .await?
                .to_string();
            if !routes.contains(&dest) {
                routes.push(dest);
            }
        }
        let alias_of = row.get("alias_of").map(DomainName::parse).transpose()?;
        match rows::domain(tx, name.as_str()).await? {
            Some(d) => {
                if kind.is_some_and(|k| k != d.kind) {
                    return Err(format!(
                        "{name} is a {} domain here; an import does not change a domain's kind.",
                        d.kind.as_str()
                    )
                    .into());
                }
                if alias_of
                    .as_ref()
                    .is_some_and(|m| Some(m.as_str()) != d.alias_of.as_deref())
                {
                    return Err(format!("{name} is an alias of another domain here.").into());
                }
                if routes.is_empty() {
                    return Ok(Outcome::Unchanged);
                }
                if d.kind != DomainKind::Relay {
                    return Err(format!("{name} is not relayed, so it has no routes.").into());
                }
                if rows::routes(tx, d.id).await? == routes {
                    return Ok(Outcome::Unchanged);
                }
                rows::replace_routes(tx, d.id, &routes, self.now).await?;
                let detail = format!("{name}: routes {}", routes.join(" "));
                Ok(Outcome::Changed(AuditAction::RoutesReordered, detail))
            }
            None => {
                let kind = kind.unwrap_or(match dataset {
                    Dataset::RelayDomains => DomainKind::Relay,
                    _ if alias_of.is_some() => DomainKind::Alias,
                    _ => DomainKind::Hosted,
                });
                let main = match (kind, &alias_of) {
                    (DomainKind::Alias, Some(main)) => match rows::domain(tx, main.as_str()).await?
                    {
                        Some(m) if m.kind == DomainKind::Hosted => Some(m.id),
                        _ => return Err(format!("{main} is not a domain hosted here.").into()),
                    },
                    (DomainKind::Alias, None) => {
                        return Err(format!(
                            "{name} is an alias: name its main domain in alias_of."
                        )
                        .into())
                    }
                    (_, Some(_)) => {
                        return Err("Only an alias has a main domain (alias_of)."
                            .to_string()
                            .into())
                    }
                    _ => None,
                };
                match (kind, routes.is_empty()) {
                    (DomainKind::Relay, true) => {
                        return Err(
                            format!("{name} is relayed and needs at least one route.").into()
                        )
                    }
                    (DomainKind::Relay, false) => {}
                    (_, false) => {
                        return Err(format!("{name} is not relayed, so it has no routes.").into())
                    }
                    _ => {}
                }
                let id =
                    store::domains::insert(tx, &name, kind, main, &new_token(), self.now).await?;
                rows::replace_routes(tx, id, &routes, self.now).await?;
                let detail = match kind {
                    DomainKind::Relay => format!("{name} (relayed to {})", routes.join(" ")),
                    DomainKind::Alias => format!(
                        "{name} (alias of {})",
                        alias_of.map(|m| m.to_string()).unwrap_or_default()
                    ),
                    DomainKind::Hosted => name.to_string(),
                };
                Ok(Outcome::Added(AuditAction::DomainCreated, detail))
            }
        }
    }
}

/// True when both lists hold the same addresses, in any order.
fn same_members(old: &[String], new: &[String]) -> bool {
    let mut a = old.to_vec();
    let mut b = new.to_vec();
    a.sort();
    b.sort();
    a == b
}
