//! The Mailboxes screen of a domain: list and search, add, change the display name and
//! quota, enable and disable, set a new password, delete. Domain admins act on the mail
//! users of their own domains; an admin's account is changed by a master admin.

use super::{
    admin::{self, Operator},
    auth::{ctx::DomainAdminCtx, password},
    store::{self, accounts::Profile, audit::AuditAction},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        list::{like_pattern, page_number, Page},
        mailbox::{check_display_name, check_local_part, Mailboxes, Quota},
        time::UnixTime,
        EmailAddress, Role,
    },
};

pub async fn list(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    search: &str,
    page: Option<i64>,
    now: UnixTime,
) -> Result<Mailboxes, AppError> {
    let domain = ctx
        .domain(backend, domain_id, "list the mailboxes", now)
        .await?;
    let page = page_number(page);
    let (rows, total) =
        store::mailboxes::page(&backend.pool, domain_id, &like_pattern(search), page).await?;
    Ok(Mailboxes {
        domain: domain.name,
        page: Page { rows, total, page },
        usage: store::mailboxes::usage(&backend.pool, domain_id).await?,
    })
}

/// The form's values, checked.
pub struct NewMailbox<'a> {
    pub local_part: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub quota: &'a str,
}

pub async fn add(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    new: NewMailbox<'_>,
    now: UnixTime,
) -> Result<i64, AppError> {
    let domain =
        super::routing::hosted_domain(backend, ctx, domain_id, "add a mailbox", now).await?;
    check_local_part(new.local_part).map_err(|r| AppError::invalid("local_part", r))?;
    let profile = profile(new.display_name, new.quota)?;
    let email = EmailAddress::parse(&format!("{}@{}", new.local_part.trim(), domain.name))
        .map_err(|r| AppError::invalid("local_part", r))?;
    super::domain_settings::check_local_part(backend, domain_id, email.local_part(), "local_part")
        .await?;
    if store::aliases::exists(&backend.pool, email.as_str()).await? {
        return Err(AppError::invalid(
            "local_part",
            format!("{email} is an alias. Delete the alias first, or choose another name."),
        ));
    }
    admin::create_account_with(
        backend,
        &Operator::DomainAdmin(ctx),
        email.as_str(),
        Role::MailUser,
        new.password,
        &profile,
        now,
    )
    .await
    .map_err(|e| match e {
        // The form asks for the local part, not the whole address.
        AppError::Invalid { field, reason } if field == "email" => {
            AppError::invalid("local_part", reason)
        }
        other => other,
    })
}

fn profile(display_name: &str, quota: &str) -> Result<Profile, AppError> {
    check_display_name(display_name).map_err(|r| AppError::invalid("display_name", r))?;
    let quota = Quota::parse(quota).map_err(|r| AppError::invalid("quota", r))?;
    Ok(Profile {
        display_name: display_name.trim().to_string(),
        quota,
    })
}

/// Changes the display name and quota.
pub async fn edit(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    display_name: &str,
    quota: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let account = ctx.mailbox(backend, id, "change the mailbox", now).await?;
    let profile = profile(display_name, quota)?;
    store::mailboxes::set_profile(&backend.pool, id, &profile.display_name, profile.quota).await?;
    let detail = format!(
        "{}: name “{}”, quota {}",
        account.email, profile.display_name, profile.quota
    );
    ctx.user
        .audit_in(
            backend,
            account.domain_id,
            AuditAction::MailboxChanged,
            &detail,
            now,
        )
        .await
}

/// Enables or disables the mailbox. A disabled one cannot sign in or log in from a mail
/// app; its sessions end at their next request.
pub async fn set_enabled(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    enabled: bool,
    now: UnixTime,
) -> Result<(), AppError> {
    let account = ctx.mailbox(backend, id, "enable or disable", now).await?;
    if account.id == ctx.user.account_id {
        return Err(AppError::NotAllowed(
            "You cannot disable your own account. Ask another admin.".into(),
        ));
    }
    let mut tx = store::write(&backend.pool).await?;
    store::mailboxes::set_enabled(&mut tx.conn(), id, enabled).await?;
    if !enabled {
        store::sessions::delete_all_for_account(&mut tx.conn(), id, None).await?;
    }
    tx.commit().await?;
    let action = if enabled {
        AuditAction::MailboxEnabled
    } else {
        AuditAction::MailboxDisabled
    };
    ctx.user
        .audit_in(backend, account.domain_id, action, &account.email, now)
        .await
}

/// Sets a new password chosen by the admin and ends the mailbox's sessions.
pub async fn reset_password(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    new_password: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let account = ctx.mailbox(backend, id, "set the password of", now).await?;
    if account.id == ctx.user.account_id {
        return Err(AppError::NotAllowed(
            "Change your own password under Password, where your current one is asked.".into(),
        ));
    }
    let email = EmailAddress::parse(&account.email).map_err(|_| AppError::Internal)?;
    password::check_new(new_password, &email, "password")?;
    let hash = password::hash(new_password).await?;
    let mut tx = store::write(&backend.pool).await?;
    store::accounts::set_password(&mut tx.conn(), id, &hash, now).await?;
    store::sessions::delete_all_for_account(&mut tx.conn(), id, None).await?;
    tx.commit().await?;
    let detail = format!("{email} by an admin");
    ctx.user
        .audit_in(
            backend,
            account.domain_id,
            AuditAction::PasswordChanged,
            &detail,
            now,
        )
        .await?;
    let set = super::security_notices::Event::PasswordSetByAdmin;
    super::account::tell(backend, &ctx.user.ip, id, set, now).await;
    Ok(())
}

/// Deletes the mailbox. The form asks the admin to type its address, and so does this:
/// a stale or replayed request for another id does nothing.
pub async fn delete(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    typed: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let account = ctx.mailbox(backend, id, "delete", now).await?;
    if account.id == ctx.user.account_id {
        return Err(AppError::NotAllowed(
            "You cannot delete your own account. Ask another admin.".into(),
        ));
    }
    if typed.trim().to_lowercase() != account.email {
        return Err(AppError::invalid(
            "confirm",
            format!("Type {} to confirm.", account.email),
        ));
    }
    store::mailboxes::delete(&backend.pool, id).await?;
    let action = AuditAction::MailboxDeleted;
    ctx.user
        .audit_in(backend, account.domain_id, action, &account.email, now)
        .await
}
