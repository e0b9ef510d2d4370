//! The caller's identity and rights. A backend function that needs admin rights takes the
//! proof (`DomainAdminCtx`, `MasterAdminCtx`) as an argument, so a forgotten check does not
//! compile. Refusals are written to the audit log.
//!
//! The caller is a session (the portal's cookie) or an API token (`Authorization: Bearer`).
//! Either carries a `Grant`: what its admin may do (a sub-admin's areas), within that what
//! the token may. Every admin server function declares the area it belongs to (see
//! `api::admin_fn!`): `domain_admin` and `master_admin` refuse a grant that does not reach
//! it, and `authenticate` refuses a token on any other server function, or outside its
//! grant even where its admin would act as a mail user.

use super::session;
use crate::{
    backend::{
        request::RequestMeta,
        store::{self, audit::AuditAction},
        Backend,
    },
    error::AppError,
    model::{
        cidr::Cidr,
        grant::{Access, Domains, Grant, Need},
        rows::DomainRow,
        time::UnixTime,
        Role,
    },
};
use std::future::Future;

tokio::task_local! {
    /// What the admin server function being served needs; set by `api::admin_fn!`.
    static NEED: Need;
}

/// Runs `work` as an admin server function needing `need`.
pub async fn needing<F: Future>(need: Need, work: F) -> F::Output {
    NEED.scope(need, work).await
}

/// What the server function being served needs, when it is an admin one.
pub fn current_need() -> Option<Need> {
    NEED.try_with(|need| *need).ok()
}

/// A signed-in person with a live session.
#[derive(Debug, Clone)]
pub struct UserCtx {
    pub account_id: i64,
    pub session_id: i64,
    pub email: String,
    pub role: Role,
    /// When this session last proved the password (never, for a token).
    pub authenticated_at: UnixTime,
    pub ip: String,
    /// What the caller may do as an admin: their own rights, within them a token's.
    pub grant: Grant,
    /// The API token the request came with, if it did not come with a session.
    pub token_id: Option<i64>,
}

/// Proof that the caller administers `domains` (every domain for a master admin).
#[derive(Debug, Clone)]
pub struct DomainAdminCtx {
    pub user: UserCtx,
    pub scope: DomainScope,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainScope {
    All,
    Only(Vec<i64>),
}

impl DomainScope {
    /// The account with this address, when it is in one of the scope's domains. An address
    /// outside them answers like an unknown one, so admins learn nothing of other domains.
    pub async fn account(
        &self,
        backend: &Backend,
        email: &str,
        field: &str,
    ) -> Result<store::accounts::Account, AppError> {
        let address =
            crate::model::EmailAddress::parse(email).map_err(|r| AppError::invalid(field, r))?;
        store::accounts::find_by_email(&backend.pool, &address)
            .await?
            .filter(|a| match self {
                DomainScope::All => true,
                DomainScope::Only(ids) => a.domain_id.is_some_and(|d| ids.contains(&d)),
            })
            .ok_or_else(|| {
                AppError::invalid(field, "No account with this address is in your domains.")
            })
    }
}

impl DomainAdminCtx {
    pub fn covers(&self, domain_id: i64) -> bool {
        match &self.scope {
            DomainScope::All => true,
            DomainScope::Only(ids) => ids.contains(&domain_id),
        }
    }

    /// The domain with this id, when the caller administers it (or the domain it is an
    /// alias of). Another domain's id is refused like any forbidden access (403, audited),
    /// and so is an unknown one unless the caller sees every domain (then `NotFound`).
    pub async fn domain(
        &self,
        backend: &Backend,
        id: i64,
        what: &str,
        now: UnixTime,
    ) -> Result<DomainRow, AppError> {
        let row = store::domains::find(&backend.pool, id).await?;
        // A domain alias belongs to whoever administers its main domain.
        let owner = row.as_ref().map(|r| r.alias_of_id.unwrap_or(r.id));
        match (row, owner) {
            (Some(row), Some(owner)) if self.covers(owner) => Ok(row),
            (None, _) if self.scope == DomainScope::All => Err(AppError::NotFound),
            _ => {
                let what = format!("{what} in the domain with id {id}, not one of theirs");
                Err(self.user.deny(backend, &what, now).await)
            }
        }
    }

    /// A row found with its domain's id (an alias, a sender address), when the caller
    /// administers that domain: unknown → `NotFound`, another domain's → 403 like `domain`.
    pub async fn owned<T>(
        &self,
        backend: &Backend,
        found: Option<(i64, T)>,
        what: &str,
        now: UnixTime,
    ) -> Result<(i64, T), AppError> {
        let (domain_id, row) = found.ok_or(AppError::NotFound)?;
        self.domain(backend, domain_id, what, now).await?;
        Ok((domain_id, row))
    }

    /// The account with this id, when it is in one of the caller's domains and the caller
    /// may manage it: a domain admin manages mail users only (an admin's account is a
    /// master admin's to change).
    pub async fn mailbox(
        &self,
        backend: &Backend,
        id: i64,
        what: &str,
        now: UnixTime,
    ) -> Result<store::accounts::Account, AppError> {
        let account = store::accounts::find_by_id(&backend.pool, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let in_scope = account.domain_id.is_some_and(|d| self.covers(d));
        let above = self.scope != DomainScope::All && account.role != Role::MailUser;
        if !in_scope || above {
            let what = format!("{what} {}", account.email);
            return Err(self.user.deny(backend, &what, now).await);
        }
        Ok(account)
    }
}

/// Proof that the caller is a master admin.
#[derive(Debug, Clone)]
pub struct MasterAdminCtx {
    pub user: UserCtx,
}

/// Re-authentication is asked for when the password was last proved longer ago than this.
pub const REAUTH_WINDOW_SECS: i64 = 10 * 60;

/// The caller, by session or by API token, or `Unauthorized` (none, unknown, expired,
/// disabled account). A token whose grant does not reach the admin server function being
/// served is refused (403, audited), and so is a token on any other server function.
pub async fn authenticate(
    backend: &Backend,
    meta: &RequestMeta,
    now: UnixTime,
) -> Result<UserCtx, AppError> {
    let user = match &meta.bearer {
        Some(secret) => token_user(backend, meta, secret, now).await?,
        None => session_user(backend, meta, now).await?,
    };
    // A token is for admin functions only, and only those its grant reaches; a session's
    // grant is checked where admin rights are used (`domain_admin`, `master_admin`), so a
    // sub-admin still manages their own account on the screens admins share.
    if user.token_id.is_some() {
        match current_need() {
            Some(need) => user.check_need(backend, need, now).await?,
            None => {
                return Err(AppError::NotAllowed(
                    "API tokens work for the admin functions of the API only; sign in to the portal for this."
                        .into(),
                ))
            }
        }
    }
    Ok(user)
}

async fn session_user(
    backend: &Backend,
    meta: &RequestMeta,
    now: UnixTime,
) -> Result<UserCtx, AppError> {
    let s = live_session(backend, meta, now).await?;
    store::sessions::touch(&backend.pool, s.id, now).await?;
    let grant = store::admin_rights::of(&backend.pool, s.account_id, s.role).await?;
    Ok(UserCtx {
        account_id: s.account_id,
        session_id: s.id,
        email: s.email,
        role: s.role,
        authenticated_at: s.authenticated_at,
        ip: meta.ip.clone(),
        grant,
        token_id: None,
    })
}

/// The owner of a live API token, with the token's grant within the owner's rights. A
/// token used from an address outside its networks is refused and audited.
async fn token_user(
    backend: &Backend,
    meta: &RequestMeta,
    secret: &str,
    now: UnixTime,
) -> Result<UserCtx, AppError> {
    let hash = super::token::hash(secret);
    let found = store::api_tokens::find(&backend.pool, &hash)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let role: Role = found.role.parse().map_err(|_| AppError::Unauthorized)?;
    let expired = found.expires_at.is_some_and(|at| now > at);
    if !found.enabled || expired || role == Role::MailUser {
        return Err(AppError::Unauthorized);
    }
    let mut user = UserCtx {
        account_id: found.account_id,
        session_id: 0,
        email: found.email.clone(),
        role,
        authenticated_at: 0,
        ip: meta.ip.clone(),
        grant: Grant::full(),
        token_id: Some(found.id),
    };
    let networks = Cidr::parse_stored(found.allowed_ips.lines());
    if !networks.is_empty() && Cidr::holding(&networks, &meta.ip).is_none() {
        let what = format!(
            "use API token {} from {}, outside its networks",
            found.id, meta.ip
        );
        return Err(user.deny(backend, &what, now).await);
    }
    store::api_tokens::mark_used(&backend.pool, &found, &meta.ip, now).await?;
    let domains = if found.all_domains {
        Domains::All
    } else {
        Domains::Only(store::api_tokens::domain_ids(&backend.pool, found.id).await?)
    };
    let token = Grant {
        areas: crate::model::grant::Areas::from_bits(found.areas),
        write: found.may_write,
        domains,
    };
    let owner = store::admin_rights::of(&backend.pool, found.account_id, role).await?;
    user.grant = token.and(&owner);
    Ok(user)
}

/// Whether the request's session still holds, without counting this as activity: for a
/// long-lived response (the mail log's live view) that must end with its session but must
/// not keep it from going idle.
pub async fn still_signed_in(backend: &Backend, meta: &RequestMeta, now: UnixTime) -> bool {
    live_session(backend, meta, now).await.is_ok()
}

/// The request's session, if it is live; a dead one is deleted.
async fn live_session(
    backend: &Backend,
    meta: &RequestMeta,
    now: UnixTime,
) -> Result<store::sessions::SessionWithAccount, AppError> {
    let token = meta
        .session_token
        .as_deref()
        .ok_or(AppError::Unauthorized)?;
    let hash = super::token::hash(token);
    let s = store::sessions::find(&backend.pool, &hash)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !s.enabled || !session::is_live(&backend.settings, &s, now) {
        store::sessions::delete(&backend.pool, s.id).await?;
        return Err(AppError::Unauthorized);
    }
    Ok(s)
}

impl UserCtx {
    pub fn actor(&self) -> store::audit::Actor<'_> {
        store::audit::Actor {
            account_id: Some(self.account_id),
            email: Some(&self.email),
            ip: Some(&self.ip),
            domain_id: None,
        }
    }

    /// Records a change the caller made in the audit log.
    pub async fn audit(
        &self,
        backend: &Backend,
        action: AuditAction,
        detail: &str,
        now: UnixTime,
    ) -> Result<(), AppError> {
        self.audit_in(backend, None, action, detail, now).await
    }

    /// Records a change the caller made in a domain: the domain's admins read it too.
    pub async fn audit_in(
        &self,
        backend: &Backend,
        domain_id: impl Into<Option<i64>>,
        action: AuditAction,
        detail: &str,
        now: UnixTime,
    ) -> Result<(), AppError> {
        let actor = store::audit::Actor {
            domain_id: domain_id.into(),
            ..self.actor()
        };
        store::audit::record(&backend.pool, &actor, action, detail, now).await?;
        Ok(())
    }

    /// True when the password was proved within the re-authentication window.
    pub fn recently_authenticated(&self, now: UnixTime) -> bool {
        now - self.authenticated_at < REAUTH_WINDOW_SECS
    }

    pub async fn domain_admin(
        self,
        backend: &Backend,
        what: &str,
        now: UnixTime,
    ) -> Result<DomainAdminCtx, AppError> {
        if self.role.includes(Role::DomainAdmin) {
            self.require_admin_rights(backend, now).await?;
            self.check_current_need(backend, now).await?;
        }
        if self.role == Role::MailUser {
            return Err(self.deny(backend, what, now).await);
        }
        let scope = self.reach(backend).await?;
        Ok(DomainAdminCtx { user: self, scope })
    }

    /// The domains an admin's role and grant reach together (none for a mail user),
    /// without the checks of `domain_admin`: for what an admin hands on.
    pub async fn reach(&self, backend: &Backend) -> Result<DomainScope, AppError> {
        let role = match self.role {
            Role::MasterAdmin => Domains::All,
            Role::DomainAdmin => Domains::Only(
                store::accounts::administered_domains(&backend.pool, self.account_id).await?,
            ),
            Role::MailUser => Domains::Only(Vec::new()),
        };
        Ok(match role.and(&self.grant.domains) {
            Domains::All => DomainScope::All,
            Domains::Only(ids) => DomainScope::Only(ids),
        })
    }

    pub async fn master_admin(
        self,
        backend: &Backend,
        what: &str,
        now: UnixTime,
    ) -> Result<MasterAdminCtx, AppError> {
        // What a master admin does here reaches every domain: a grant limited to some
        // domains does not reach it.
        if self.role == Role::MasterAdmin && self.grant.domains == Domains::All {
            self.require_admin_rights(backend, now).await?;
            self.check_current_need(backend, now).await?;
            Ok(MasterAdminCtx { user: self })
        } else {
            Err(self.deny(backend, what, now).await)
        }
    }

    /// `Forbidden` (audited) unless the caller's role includes `role`.
    pub async fn require(
        &self,
        backend: &Backend,
        role: Role,
        what: &str,
        now: UnixTime,
    ) -> Result<(), AppError> {
        if self.role.includes(role) {
            if role != Role::MailUser {
                self.require_admin_rights(backend, now).await?;
            }
            Ok(())
        } else {
            Err(self.deny(backend, what, now).await)
        }
    }

    /// `Forbidden` (audited) unless the caller's grant reaches the admin function being
    /// served. Admin rights used outside one (no need declared) are refused to a grant
    /// that is not full: a path nobody labelled stays closed to sub-admins and tokens.
    async fn check_current_need(&self, backend: &Backend, now: UnixTime) -> Result<(), AppError> {
        match current_need() {
            Some(need) => self.check_need(backend, need, now).await,
            None if self.grant.is_full() => Ok(()),
            None => Err(self
                .deny(backend, "use admin rights outside the admin functions", now)
                .await),
        }
    }

    async fn check_need(
        &self,
        backend: &Backend,
        need: Need,
        now: UnixTime,
    ) -> Result<(), AppError> {
        if self.grant.allows(need) {
            return Ok(());
        }
        let access = match need.access {
            Access::Read => "read",
            Access::Write => "change",
        };
        let what = format!("{access} in {}, outside their rights", need.area.label());
        Err(self.deny(backend, &what, now).await)
    }

    /// What admin rights need besides the role: the request comes from an address in the
    /// admin IP access list when admin access is restricted to it (`AdminIpRefused`,
    /// audited), and the admin has a second factor when the portal's policy requires one
    /// (`SecondFactorRequired`: admin rights wait until it is set up).
    async fn require_admin_rights(&self, backend: &Backend, now: UnixTime) -> Result<(), AppError> {
        if let Err(refused) = crate::backend::admin_ips::check(backend, &self.ip).await {
            if matches!(refused, AppError::AdminIpRefused(_)) {
                tracing::warn!(account = %self.email, ip = %self.ip, "admin request from an address not in the admin IP access list");
                let detail = format!(
                    "admin request from {}, not in the admin IP access list",
                    self.ip
                );
                store::audit::record(
                    &backend.pool,
                    &self.actor(),
                    AuditAction::AccessDenied,
                    &detail,
                    now,
                )
                .await?;
            }
            return Err(refused);
        }
        if crate::backend::two_factor::must_enrol(backend, self.account_id, self.role).await? {
            Err(AppError::SecondFactorRequired)
        } else {
            Ok(())
        }
    }

    /// Records the refusal and returns the error to answer with.
    pub async fn deny(&self, backend: &Backend, what: &str, now: UnixTime) -> AppError {
        tracing::warn!(account = %self.email, role = %self.role, what, "access denied");
        let detail = format!("{} tried: {what}", self.role.label());
        match store::audit::record(
            &backend.pool,
            &self.actor(),
            AuditAction::AccessDenied,
            &detail,
            now,
        )
        .await
        {
            Ok(()) => AppError::Forbidden,
            Err(e) => e.into(),
        }
    }
}
