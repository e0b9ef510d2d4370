//! Statistics → Blocked senders: the people blocked from sending for going over their
//! domain's hourly limit (`mail::submission`), as their domains' admins see them (a master
//! admin everyone), each unblocked by an admin.

use super::{
    auth::ctx::UserCtx,
    mail_scope::admin_reader,
    store::{self, audit::AuditAction},
    Backend,
};
use crate::{
    error::AppError,
    model::{submission::BlockedSender, time::UnixTime},
};

/// How long sent messages are counted: the hourly limit reads the last hour, the security
/// incidents the last day.
const SENT_KEPT_SECS: i64 = 2 * 86_400;

pub async fn list(
    backend: &Backend,
    user: UserCtx,
    now: UnixTime,
) -> Result<Vec<BlockedSender>, AppError> {
    let (_, reader) = admin_reader(backend, user, "read the blocked senders", now).await?;
    Ok(store::submission::list_blocked(&backend.pool, &reader, now).await?)
}

/// Lets a blocked person send again; their address.
pub async fn unblock(
    backend: &Backend,
    user: UserCtx,
    account_id: i64,
    now: UnixTime,
) -> Result<String, AppError> {
    let (user, reader) = admin_reader(backend, user, "unblock a sender", now).await?;
    let mine = store::submission::list_blocked(&backend.pool, &reader, now).await?;
    let Some(blocked) = mine.into_iter().find(|b| b.account_id == account_id) else {
        if store::submission::blocked(&backend.pool, account_id)
            .await?
            .is_some()
        {
            let what = format!("unblock the sender {account_id}, not of their domains");
            return Err(user.deny(backend, &what, now).await);
        }
        return Err(AppError::NotAllowed(
            "This person is not blocked from sending (any more): reload the list.".into(),
        ));
    };
    store::submission::unblock(&backend.pool, account_id).await?;
    let domain_id = store::accounts::find_by_id(&backend.pool, account_id)
        .await?
        .and_then(|a| a.domain_id);
    let detail = format!("{} may send again", blocked.email);
    user.audit_in(
        backend,
        domain_id,
        AuditAction::SenderUnblocked,
        &detail,
        now,
    )
    .await?;
    Ok(blocked.email)
}

/// Forgets sent messages no count reads any more; how many.
pub async fn purge_sent(backend: &Backend, now: UnixTime) -> Result<u64, AppError> {
    Ok(store::submission::purge_sent(&backend.pool, now - SENT_KEPT_SECS).await?)
}
