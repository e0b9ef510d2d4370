//! The caller's identity and rights. A backend function that needs admin rights takes the
//! proof (`DomainAdminCtx`, `MasterAdminCtx`) as an argument, so a forgotten check does not
//! compile. Refusals are written to the audit log.

use super::session;
use crate::{
    backend::{
        request::RequestMeta,
        store::{self, audit::AuditAction},
        Backend,
    },
    error::AppError,
    model::{rows::DomainRow, time::UnixTime, Role},
};

/// A signed-in person with a live session.
#[derive(Debug, Clone)]
pub struct UserCtx {
    pub account_id: i64,
    pub session_id: i64,
    pub email: String,
    pub role: Role,
    /// When this session last proved the password.
    pub authenticated_at: UnixTime,
    pub ip: String,
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

/// The signed-in caller, or `Unauthorized` (no cookie, unknown, expired, disabled account).
pub async fn authenticate(
    backend: &Backend,
    meta: &RequestMeta,
    now: UnixTime,
) -> Result<UserCtx, AppError> {
    let s = live_session(backend, meta, now).await?;
    store::sessions::touch(&backend.pool, s.id, now).await?;
    Ok(UserCtx {
        account_id: s.account_id,
        session_id: s.id,
        email: s.email,
        role: s.role,
        authenticated_at: s.authenticated_at,
        ip: meta.ip.clone(),
    })
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
        }
        match self.role {
            Role::MasterAdmin => Ok(DomainAdminCtx {
                user: self,
                scope: DomainScope::All,
            }),
            Role::DomainAdmin => {
                let domains =
                    store::accounts::administered_domains(&backend.pool, self.account_id).await?;
                Ok(DomainAdminCtx {
                    user: self,
                    scope: DomainScope::Only(domains),
                })
            }
            Role::MailUser => Err(self.deny(backend, what, now).await),
        }
    }

    pub async fn master_admin(
        self,
        backend: &Backend,
        what: &str,
        now: UnixTime,
    ) -> Result<MasterAdminCtx, AppError> {
        if self.role == Role::MasterAdmin {
            self.require_admin_rights(backend, now).await?;
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
