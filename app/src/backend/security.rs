//! Security administration: login history, security incidents and trusted login IPs.
//!
//! An incident is a user whose successful logins in the last day came from more than one
//! country, leaving out the IPs an admin marked safe for them: one person is rarely in two
//! countries in a day, a stolen password often is. Logins from unknown countries (no
//! database, private addresses) are not counted: they could only raise false alarms.

use super::{
    auth::{
        ctx::{DomainAdminCtx, DomainScope, UserCtx},
        throttle,
    },
    countries,
    store::{self, audit::AuditAction, login_events::StoredLogin, trusted_ips::NewTrustedIp},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        audit::action_label,
        cidr::Cidr,
        security::{
            Incident, IpStatus, LoginRow, MarkSafe, MySecurity, SecurityEvent, TrustedIpRow,
            TrustedIps, UserLogins, INCIDENT_WINDOW_SECS,
        },
        time::UnixTime,
        Role,
    },
};
use std::collections::{BTreeSet, HashMap};

/// How many logins a history shows.
pub const HISTORY: i64 = 50;
/// How many of their own security changes a person's page shows.
const EVENTS: i64 = 30;

/// The signed-in person's recent logins and security changes.
pub async fn mine(backend: &Backend, user: &UserCtx) -> Result<MySecurity, AppError> {
    let trusted = trusted_networks(backend, user.account_id).await?;
    let logins = store::login_events::recent(&backend.pool, user.account_id, HISTORY).await?;
    let events = store::audit::security_events(&backend.pool, user.account_id, EVENTS)
        .await?
        .into_iter()
        .map(|(at, action, detail, ip)| SecurityEvent {
            at,
            what: action_label(&action),
            detail,
            ip,
        })
        .collect();
    Ok(MySecurity {
        logins: rows(logins, &trusted),
        events,
    })
}

/// An admin's view of one of their users: recent logins and the ranges marked safe.
pub async fn user_logins(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    email: &str,
    now: UnixTime,
) -> Result<UserLogins, AppError> {
    let account = managed(
        backend,
        ctx,
        Named::Address(email),
        "read the logins of",
        now,
    )
    .await?;
    let trusted = store::trusted_ips::of_account(&backend.pool, account.id).await?;
    let networks = Cidr::parse_stored(trusted.iter().map(|t| t.network.as_str()));
    let logins = store::login_events::recent(&backend.pool, account.id, HISTORY).await?;
    Ok(UserLogins {
        email: account.email,
        logins: rows(logins, &networks),
        trusted,
    })
}

/// The incidents among the caller's users, newest login first. Opening the list makes
/// them no longer new to the caller.
pub async fn incidents(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    now: UnixTime,
) -> Result<Vec<Incident>, AppError> {
    let list = find_incidents(backend, ctx, now).await?;
    store::incident_views::mark_seen(&backend.pool, ctx.user.account_id, now).await?;
    Ok(list)
}

/// Whether an incident has a login the caller has not seen in the list yet (the banner on
/// an admin's home).
pub async fn new_incidents(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    now: UnixTime,
) -> Result<bool, AppError> {
    Ok(find_incidents(backend, ctx, now)
        .await?
        .iter()
        .any(|i| i.new))
}

async fn find_incidents(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    now: UnixTime,
) -> Result<Vec<Incident>, AppError> {
    let pool = &backend.pool;
    let domains = match &ctx.scope {
        DomainScope::All => None,
        DomainScope::Only(ids) => Some(ids.as_slice()),
    };
    let since = now - INCIDENT_WINDOW_SECS;
    let places = store::login_events::success_places(pool, since, domains).await?;
    let mut by_account: HashMap<i64, Vec<_>> = HashMap::new();
    for p in places {
        by_account.entry(p.account_id).or_default().push(p);
    }
    // Only accounts with two countries before trust is applied can be incidents.
    by_account.retain(|_, places| {
        places
            .iter()
            .map(|p| &p.country)
            .collect::<BTreeSet<_>>()
            .len()
            > 1
    });
    let ids: Vec<i64> = by_account.keys().copied().collect();
    let mut trusted: HashMap<i64, Vec<Cidr>> = HashMap::new();
    for (account_id, network) in store::trusted_ips::of_accounts(pool, &ids).await? {
        trusted
            .entry(account_id)
            .or_default()
            .extend(Cidr::parse_stored([network.as_str()]));
    }
    let seen_at = store::incident_views::seen_at(pool, ctx.user.account_id).await?;
    let mut list = Vec::new();
    for (account_id, places) in by_account {
        let safe = trusted.get(&account_id).map_or(&[][..], Vec::as_slice);
        let counted: Vec<_> = places
            .into_iter()
            .filter(|p| !is_trusted(safe, &p.ip))
            .collect();
        let countries: BTreeSet<&str> = counted.iter().map(|p| p.country.as_str()).collect();
        if countries.len() < 2 {
            continue;
        }
        let Some(account) = store::accounts::find_by_id(pool, account_id).await? else {
            continue;
        };
        // A domain admin looks after mail users; admins are a master admin's to look at.
        if ctx.scope != DomainScope::All && account.role != Role::MailUser {
            continue;
        }
        let domain = match account.domain_id {
            Some(id) => store::domains::find(pool, id).await?.map(|d| d.name),
            None => None,
        };
        let last_login_at = counted.iter().map(|p| p.last_at).max().unwrap_or(since);
        list.push(Incident {
            email: account.email,
            domain,
            sent_24h: store::submission::sent_since(pool, account_id, now - 24 * 3600).await?,
            countries: countries.into_iter().map(countries::label).collect(),
            last_login_at,
            new: last_login_at > seen_at,
        });
    }
    list.sort_by(|a, b| {
        b.last_login_at
            .cmp(&a.last_login_at)
            .then(a.email.cmp(&b.email))
    });
    Ok(list)
}

/// Marks an IP range safe for one user: their logins from it raise no incident, and any
/// block on an address in it ends (the mail login check's burst block, and the sign-in
/// throttle's counts for the IP the admin named and for the user).
pub async fn mark_safe(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    user: Named<'_>,
    form: &MarkSafe,
    now: UnixTime,
) -> Result<TrustedIpRow, AppError> {
    let (network, description) = form
        .check()
        .map_err(|(field, reason)| AppError::invalid(field, reason))?;
    let account = managed(backend, ctx, user, "mark as safe an IP of", now).await?;
    let shown = network.to_string();
    let new = NewTrustedIp {
        account_id: account.id,
        network: &shown,
        description: &description,
        created_by: &ctx.user.email,
    };
    if !store::trusted_ips::add(&backend.pool, new, now).await? {
        return Err(AppError::invalid(
            "prefix",
            format!("{shown} is already marked safe for {}.", account.email),
        ));
    }
    let lifted = lift_blocks(backend, ctx, network, form.ip.trim(), now).await?;
    // The admin vouches for this user at this place: their own failure count starts over.
    store::throttle::clear(&backend.pool, &throttle::account_key(&account.email)).await?;
    let mut detail = format!("{shown} for {}: {description}", account.email);
    if !lifted.is_empty() {
        detail.push_str(&format!("; lifted the block on {}", lifted.join(", ")));
    }
    ctx.user
        .audit_in(
            backend,
            account.domain_id,
            AuditAction::TrustedIpAdded,
            &detail,
            now,
        )
        .await?;
    store::trusted_ips::of_account(&backend.pool, account.id)
        .await?
        .into_iter()
        .find(|t| t.network == shown)
        .ok_or(AppError::Internal)
}

/// Ends the blocks on the addresses in `network`, and the throttle count of `ip`; answers
/// the addresses whose block was lifted.
async fn lift_blocks(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    network: Cidr,
    ip: &str,
    now: UnixTime,
) -> Result<Vec<String>, AppError> {
    let pool = &backend.pool;
    let mut lifted = Vec::new();
    for blocked in store::ip_blocks::active(pool, now).await? {
        if is_trusted(&[network], &blocked) {
            store::ip_blocks::lift(pool, &blocked, now, &ctx.user.email).await?;
            store::throttle::clear(pool, &throttle::ip_key(&blocked)).await?;
            lifted.push(blocked);
        }
    }
    store::throttle::clear(pool, &throttle::ip_key(ip)).await?;
    Ok(lifted)
}

/// What the portal knows of one IP: its block and throttling, and the ranges holding it
/// that are marked safe for the caller's users.
pub async fn ip_status(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    ip: &str,
    now: UnixTime,
) -> Result<IpStatus, AppError> {
    let parsed = Cidr::parse(ip)
        .ok()
        .filter(|p| p.cidr.prefix() == if p.cidr.addr().is_ipv4() { 32 } else { 128 })
        .ok_or_else(|| {
            AppError::invalid("ip", format!("“{}” is not one IP address.", ip.trim()))
        })?;
    let ip = parsed.cidr.addr().to_string();
    let pool = &backend.pool;
    let counter = store::throttle::get(pool, &throttle::ip_key(&ip)).await?;
    let failures = counter
        .filter(|c| c.window_started_at + throttle::WINDOW_SECS > now)
        .map_or(0, |c| c.failures);
    let domains = super::mail_scope::domains_of(backend, &ctx.scope).await?;
    let mut trusted = Vec::new();
    for (id, _) in &domains {
        for row in store::trusted_ips::of_domain(pool, *id).await? {
            if is_trusted(&Cidr::parse_stored([row.network.as_str()]), &ip) {
                trusted.push(row);
            }
        }
    }
    Ok(IpStatus {
        country: countries::label(&backend.countries.code_of(&ip)),
        blocked: store::ip_blocks::block_of(pool, &ip, now).await?,
        throttled_secs: throttle::wait(throttle::IP, counter, now),
        failures,
        trusted,
        domains,
        ip,
    })
}

/// Takes a range off a user's trusted list.
pub async fn remove_trusted(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let (account_id, row) = store::trusted_ips::find(&backend.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let account = ctx
        .mailbox(backend, account_id, "remove a trusted IP of", now)
        .await?;
    if !store::trusted_ips::delete(&backend.pool, id).await? {
        return Err(AppError::NotFound);
    }
    let detail = format!("{} for {}", row.network, account.email);
    ctx.user
        .audit_in(
            backend,
            account.domain_id,
            AuditAction::TrustedIpRemoved,
            &detail,
            now,
        )
        .await
}

/// The caller's domains and, for the one chosen, the ranges marked safe for its users.
pub async fn trusted_in_domain(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: Option<i64>,
    now: UnixTime,
) -> Result<TrustedIps, AppError> {
    let domains = super::mail_scope::domains_of(backend, &ctx.scope).await?;
    let rows = match domain_id {
        Some(id) => {
            let domain = ctx
                .domain(backend, id, "read the trusted login IPs", now)
                .await?;
            let main = domain.alias_of_id.unwrap_or(domain.id);
            store::trusted_ips::of_domain(&backend.pool, main).await?
        }
        None => Vec::new(),
    };
    Ok(TrustedIps {
        domains,
        domain: domain_id,
        rows,
    })
}

/// Whose IP is marked safe: an address, or a user name in one of the caller's domains (the
/// form on the IP search).
#[derive(Debug, Clone, Copy)]
pub enum Named<'a> {
    Address(&'a str),
    InDomain { domain_id: i64, username: &'a str },
}

/// The account named, when the caller may look after it: in their domains, and a mail
/// user unless the caller is a master admin.
async fn managed(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    user: Named<'_>,
    what: &str,
    now: UnixTime,
) -> Result<store::accounts::Account, AppError> {
    let found = match user {
        Named::Address(email) => ctx.scope.account(backend, email, "email").await?,
        Named::InDomain {
            domain_id,
            username,
        } => {
            let domain = ctx.domain(backend, domain_id, what, now).await?;
            let username = username.trim();
            if username.is_empty() || username.contains('@') {
                return Err(AppError::invalid(
                    "username",
                    "Enter the user name: the part of the address before the @.",
                ));
            }
            let email = format!("{username}@{}", domain.name);
            ctx.scope
                .account(backend, &email, "username")
                .await
                .map_err(|_| {
                    AppError::invalid("username", format!("{email} is not a user here."))
                })?
        }
    };
    ctx.mailbox(backend, found.id, what, now).await
}

async fn trusted_networks(backend: &Backend, account_id: i64) -> Result<Vec<Cidr>, AppError> {
    let rows = store::trusted_ips::of_accounts(&backend.pool, &[account_id]).await?;
    Ok(Cidr::parse_stored(rows.iter().map(|(_, n)| n.as_str())))
}

/// Stored ranges were checked when saved; one that no longer parses is left out.
fn is_trusted(networks: &[Cidr], ip: &str) -> bool {
    Cidr::holding(networks, ip).is_some()
}

fn rows(logins: Vec<StoredLogin>, trusted: &[Cidr]) -> Vec<LoginRow> {
    logins
        .into_iter()
        .map(|l| LoginRow {
            id: l.id,
            at: l.at,
            trusted: Cidr::holding(trusted, &l.ip).map(|n| n.to_string()),
            country: countries::label(&l.country),
            success: l.result == "success",
            ip: l.ip,
            protocol: l.protocol,
            credential: l.credential,
            result: l.result,
            client: l.user_agent,
        })
        .collect()
}
