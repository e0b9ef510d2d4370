//! Administration that exists from the start: creating accounts and domains (the command
//! line, and the Domains screen through `domains`), passwords set by an operator, and the
//! audit log.

use super::{
    auth::{
        ctx::{DomainAdminCtx, MasterAdminCtx},
        password,
    },
    store::{
        self,
        accounts::{NewAccount, Profile},
        audit::AuditAction,
        links::Purpose,
    },
    Backend,
};
use crate::{
    error::AppError,
    model::{
        route::{Destination, DomainKind},
        rows::DomainRow,
        time::UnixTime,
        DomainName, EmailAddress, Role,
    },
};

/// Who performs an administrative change. The command line runs with the host's rights.
pub enum Operator<'a> {
    CommandLine,
    MasterAdmin(&'a MasterAdminCtx),
    DomainAdmin(&'a DomainAdminCtx),
}

impl Operator<'_> {
    fn actor(&self) -> store::audit::Actor<'_> {
        match self {
            Operator::CommandLine => store::audit::Actor {
                ip: Some("command line"),
                ..Default::default()
            },
            Operator::MasterAdmin(ctx) => ctx.user.actor(),
            Operator::DomainAdmin(ctx) => ctx.user.actor(),
        }
    }
}

/// A domain to add: hosted here, an alias of a hosted one, or relayed to its first route.
pub struct NewDomain<'a> {
    pub name: &'a str,
    pub kind: DomainKind,
    pub alias_of: Option<&'a DomainRow>,
    pub route: Option<&'a Destination>,
}

pub async fn create_domain(
    backend: &Backend,
    by: &Operator<'_>,
    name: &str,
    now: UnixTime,
) -> Result<i64, AppError> {
    let new = NewDomain {
        name,
        kind: DomainKind::Hosted,
        alias_of: None,
        route: None,
    };
    create_domain_with(backend, by, new, now).await
}

pub async fn create_domain_with(
    backend: &Backend,
    by: &Operator<'_>,
    new: NewDomain<'_>,
    now: UnixTime,
) -> Result<i64, AppError> {
    let name = DomainName::parse(new.name).map_err(|r| AppError::invalid("name", r))?;
    let token = super::domains::new_token();
    let mut tx = store::write(&backend.pool).await?;
    let alias_of = new.alias_of.map(|d| d.id);
    let id = match store::domains::insert(&mut tx.conn(), &name, new.kind, alias_of, &token, now)
        .await
    {
        Err(e) if store::is_unique_violation(&e) => {
            return Err(AppError::invalid(
                "name",
                format!("The domain {name} exists already."),
            ))
        }
        other => other?,
    };
    if let Some(route) = new.route {
        store::routes::insert(&mut tx.conn(), id, &route.to_string(), now).await?;
    }
    tx.commit().await?;
    let detail = match (new.alias_of, new.route) {
        (Some(main), _) => format!("{name} (alias of {})", main.name),
        (None, Some(route)) => format!("{name} (relayed to {route})"),
        (None, None) => name.to_string(),
    };
    let actor = store::audit::Actor {
        domain_id: Some(alias_of.unwrap_or(id)),
        ..by.actor()
    };
    store::audit::record(
        &backend.pool,
        &actor,
        AuditAction::DomainCreated,
        &detail,
        now,
    )
    .await?;
    Ok(id)
}

/// Creates an account. Mail users and domain admins belong to an existing domain (the one
/// of their address); a domain admin administers that domain.
pub async fn create_account(
    backend: &Backend,
    by: &Operator<'_>,
    email: &str,
    role: Role,
    pw: &str,
    now: UnixTime,
) -> Result<i64, AppError> {
    create_account_with(backend, by, email, role, pw, &Profile::default(), now).await
}

/// `create_account` with a display name and quota (the Mailboxes screen).
pub async fn create_account_with(
    backend: &Backend,
    by: &Operator<'_>,
    email: &str,
    role: Role,
    pw: &str,
    profile: &Profile,
    now: UnixTime,
) -> Result<i64, AppError> {
    let email = EmailAddress::parse(email).map_err(|r| AppError::invalid("email", r))?;
    password::check_new(pw, &email, "password")?;
    let domain_id = store::domains::find_id(&backend.pool, &email.domain()).await?;
    if role != Role::MasterAdmin && domain_id.is_none() {
        return Err(AppError::invalid(
            "email",
            format!(
                "The domain {} is not served here yet. Add it first.",
                email.domain()
            ),
        ));
    }
    let hash = password::hash(pw).await?;
    let mut tx = store::write(&backend.pool).await?;
    let new = NewAccount {
        email: &email,
        role,
        domain_id,
        password_hash: &hash,
        profile,
    };
    let id = match store::accounts::insert(&mut tx.conn(), new, now).await {
        Err(e) if store::is_unique_violation(&e) => {
            return Err(AppError::invalid(
                "email",
                format!("An account for {email} exists already."),
            ))
        }
        other => other?,
    };
    if let (Role::DomainAdmin, Some(domain)) = (role, domain_id) {
        store::accounts::make_domain_admin(&mut tx.conn(), id, domain).await?;
    }
    tx.commit().await?;
    if role == Role::MasterAdmin {
        // A master admin exists now: a pending first-start link must not create another.
        store::links::void_all(
            &mut backend.pool.acquire().await?.conn(),
            Purpose::Setup,
            now,
        )
        .await?;
    }
    let detail = format!("{email} as {}", role.label());
    let actor = store::audit::Actor {
        domain_id,
        ..by.actor()
    };
    store::audit::record(
        &backend.pool,
        &actor,
        AuditAction::AccountCreated,
        &detail,
        now,
    )
    .await?;
    Ok(id)
}

/// Sets an account's password from the command line and ends its sessions.
pub async fn set_password(
    backend: &Backend,
    by: &Operator<'_>,
    email: &str,
    pw: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let email = EmailAddress::parse(email).map_err(|r| AppError::invalid("email", r))?;
    let account = store::accounts::find_by_email(&backend.pool, &email)
        .await?
        .ok_or(AppError::NotFound)?;
    password::check_new(pw, &email, "password")?;
    let hash = password::hash(pw).await?;
    let mut tx = store::write(&backend.pool).await?;
    store::accounts::set_password(&mut tx.conn(), account.id, &hash, now).await?;
    store::sessions::delete_all_for_account(&mut tx.conn(), account.id, None).await?;
    tx.commit().await?;
    store::audit::record(
        &backend.pool,
        &by.actor(),
        AuditAction::PasswordChanged,
        &format!("{email} by an operator"),
        now,
    )
    .await?;
    Ok(())
}
