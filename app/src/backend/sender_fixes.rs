//! One-click fixes next to a verdict (quarantine and log): allow or block a message's
//! sender for the reader or for the message's domain; and the reader's own lists on their
//! account screen. The sender is read from the message the reader may see, so a request
//! can name neither a sender nor a domain of its own choosing.

use super::{
    auth::ctx::UserCtx,
    mail_log,
    mail_scope::reader,
    quarantine,
    store::{
        self, audit::AuditAction, mail_log::Logged, quarantine::Stored, reader::Reader,
        sender_lists::NewEntry,
    },
    Backend,
};
use crate::{
    error::AppError,
    model::{
        learning::Class,
        sender_fix::{fixed, FixScope, FixSource, PersonalEntry, SPF_FAILED_QUESTION},
        sender_list::{List, Sender},
        time::UnixTime,
        EmailAddress, Role,
    },
};

/// A fix as the button sends it.
#[derive(Debug, Clone, Copy)]
pub struct Fix {
    pub source: FixSource,
    pub id: i64,
    pub list: List,
    pub scope: FixScope,
    /// The reader was told the sender failed SPF and allows it anyway.
    pub confirmed: bool,
}

/// What a fix (and a report) reads of the message.
pub(crate) struct Seen {
    pub from: String,
    pub subject: String,
    pub spf_failed: bool,
    /// The recipients the reader sees.
    pub recipients: Vec<String>,
    /// The message's domain (the main one of a domain alias).
    pub domain_id: Option<i64>,
}

impl From<Logged> for Seen {
    fn from(logged: Logged) -> Seen {
        Seen {
            domain_id: logged.recipients.iter().find_map(|(_, d)| *d),
            recipients: logged.recipients.into_iter().map(|(a, _)| a).collect(),
            from: logged.from_header,
            subject: logged.subject,
            spf_failed: logged.spf_failed,
        }
    }
}

impl From<&Stored> for Seen {
    fn from(stored: &Stored) -> Seen {
        Seen {
            recipients: stored.recipients(),
            from: stored.from_header.clone(),
            subject: stored.subject.clone(),
            spf_failed: stored.spf_failed,
            domain_id: stored.domain_id,
        }
    }
}

const WHAT: &str = "change a sender list from a message";

/// Puts the message's sender on the list; what was done, in words.
pub async fn apply(
    backend: &Backend,
    user: UserCtx,
    fix: Fix,
    now: UnixTime,
) -> Result<String, AppError> {
    let (user, reader, _) = reader(backend, user, WHAT, now).await?;
    let seen = seen(backend, &user, &reader, fix, now).await?;
    let address = EmailAddress::parse(&seen.from).map_err(|_| {
        AppError::NotAllowed(
            "This message has no From address a list could name: add the sender on the \
             sender lists screen instead."
                .into(),
        )
    })?;
    if fix.list == List::Whitelist && seen.spf_failed && !fix.confirmed {
        return Err(AppError::invalid("confirmed", SPF_FAILED_QUESTION));
    }
    let sender = Sender::Address(address);
    match fix.scope {
        FixScope::Me => for_me(backend, &user, &seen, fix.list, &sender, now).await,
        FixScope::Domain => for_domain(backend, user, &seen, fix, &sender, now).await,
    }
}

async fn seen(
    backend: &Backend,
    user: &UserCtx,
    reader: &Reader,
    fix: Fix,
    now: UnixTime,
) -> Result<Seen, AppError> {
    Ok(match fix.source {
        FixSource::Quarantine => {
            Seen::from(&quarantine::find(backend, user, reader, fix.id, now).await?)
        }
        FixSource::Log => {
            let what = "change a sender list";
            Seen::from(mail_log::find(backend, user, reader, fix.id, what, now).await?)
        }
    })
}

/// A reader's report on a message addressed to them puts its sender on their own list
/// (spam: blocked, not spam: allowed), so that their marks override the domain's lists for
/// them; what was done, in words. `None` when the message was not addressed to the reader
/// or names no sender. A sender that failed SPF is not allowed this way: the reader is told
/// to allow it from the message, which asks first.
pub(crate) async fn mark_own(
    backend: &Backend,
    user: &UserCtx,
    seen: &Seen,
    class: Class,
    now: UnixTime,
) -> Result<Option<String>, AppError> {
    let mine = seen
        .recipients
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&user.email));
    let Ok(address) = EmailAddress::parse(&seen.from) else {
        return Ok(None);
    };
    if !mine {
        return Ok(None);
    }
    let list = match class {
        Class::Spam => List::Blacklist,
        Class::Ham => List::Whitelist,
    };
    if list == List::Whitelist && seen.spf_failed {
        return Ok(Some(format!(
            "{address} failed SPF, so it was not put on your whitelist: allow it from the \
             message if you trust it."
        )));
    }
    let sender = Sender::Address(address);
    Ok(Some(for_me(backend, user, seen, list, &sender, now).await?))
}

async fn for_me(
    backend: &Backend,
    user: &UserCtx,
    seen: &Seen,
    list: List,
    sender: &Sender,
    now: UnixTime,
) -> Result<String, AppError> {
    let mine = seen
        .recipients
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&user.email));
    if !mine {
        return Err(AppError::NotAllowed(
            "This message was not addressed to you: only its domain's lists can change for it."
                .into(),
        ));
    }
    let was = store::personal_lists::put(&backend.pool, user.account_id, list, sender, now).await?;
    let detail = format!("own {}: {sender}", list.as_str());
    user.audit_in(
        backend,
        seen.domain_id,
        AuditAction::PersonalSenderListed,
        &detail,
        now,
    )
    .await?;
    Ok(fixed(&sender.to_string(), list, FixScope::Me, "", was))
}

async fn for_domain(
    backend: &Backend,
    user: UserCtx,
    seen: &Seen,
    fix: Fix,
    sender: &Sender,
    now: UnixTime,
) -> Result<String, AppError> {
    if user.role == Role::MailUser {
        let what = "change the domain's sender list from a message";
        return Err(user.deny(backend, what, now).await);
    }
    let domain_id = seen.domain_id.ok_or_else(|| {
        AppError::NotAllowed(
            "This message is for no domain here any more: there is no domain list to change."
                .into(),
        )
    })?;
    let ctx = user.domain_admin(backend, WHAT, now).await?;
    let domain = super::sender_lists::owner(backend, &ctx, Some(domain_id), "add to", now)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = store::write(&backend.pool).await?;
    let existing =
        store::sender_lists::find_sender(&mut tx.conn(), Some(domain_id), sender).await?;
    // An expired entry is no entry: it is brought back, without its expiry.
    let was = existing
        .as_ref()
        .filter(|e| !e.expired(now))
        .map(|e| e.list);
    let action = match &existing {
        Some(entry) => {
            store::sender_lists::update(
                &mut tx.conn(),
                entry.id,
                fix.list,
                &entry.description,
                None,
            )
            .await?;
            AuditAction::SenderListEntryChanged
        }
        None => {
            let description = match fix.source {
                FixSource::Log => "from the mail log",
                FixSource::Quarantine => "from the quarantine",
            };
            let new = NewEntry {
                domain_id: Some(domain_id),
                list: fix.list,
                sender,
                description,
                added_by: &ctx.user.email,
                expires_at: None,
            };
            store::sender_lists::insert(&mut tx.conn(), &new, now).await?;
            AuditAction::SenderListEntryAdded
        }
    };
    tx.commit().await?;
    let detail = format!(
        "{} {}: {sender} (one click)",
        domain.name,
        fix.list.as_str()
    );
    ctx.user
        .audit_in(backend, Some(domain_id), action, &detail, now)
        .await?;
    Ok(fixed(
        &sender.to_string(),
        fix.list,
        FixScope::Domain,
        &domain.name,
        was,
    ))
}

/// The caller's own allowed and blocked senders.
pub async fn mine(backend: &Backend, user: &UserCtx) -> Result<Vec<PersonalEntry>, AppError> {
    Ok(store::personal_lists::list(&backend.pool, user.account_id).await?)
}

/// Removes one of the caller's own entries; the sender removed.
pub async fn remove_mine(
    backend: &Backend,
    user: &UserCtx,
    id: i64,
    now: UnixTime,
) -> Result<String, AppError> {
    let Some((list, sender)) =
        store::personal_lists::remove(&backend.pool, user.account_id, id).await?
    else {
        return Err(AppError::NotFound);
    };
    let detail = format!("own {}: {sender}", list.as_str());
    user.audit(backend, AuditAction::PersonalSenderRemoved, &detail, now)
        .await?;
    Ok(sender)
}
