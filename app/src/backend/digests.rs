//! Quarantine digests: a periodic message to each person listing the mail newly kept in
//! quarantine for them (a domain admin: for the whole domain), with a link per message
//! that releases it or deletes it.
//!
//! A link names the action, the message, the person and when it expires, and is signed
//! with the server key (HMAC), so it cannot be altered or made up; its random nonce goes to
//! `digest_links_used` when it is used, so it works once. Opening a link only shows the
//! message and a button: mail scanners and previews follow links, and must not release
//! spam by doing so. The button acts as the person the digest was for, within what they
//! may read now (an admin who lost the domain, or a disabled account, gets nothing).

use super::{
    auth::ctx::UserCtx,
    mail::smtp::Server,
    notify::Notice,
    quarantine,
    store::{self, digests::Recipient, quarantine::Stored, reader::Reader},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        digest::{DigestChoice, DigestLinkView, LinkAction, LINK_DAYS, MAX_LISTED},
        email::EmailAddress,
        grant::{Access, Area, Grant, Need},
        role::Role,
        time::{format_utc, UnixTime},
    },
};
use rand::{rngs::OsRng, RngCore};
use subtle::ConstantTimeEq;

use super::keys::Purpose;

/// A digest due at the next ten-minute tick is sent at this one: without the slack a daily
/// digest would come a little later each day.
const TICK_SLACK_SECS: i64 = 600;

/// Which digests to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Those whose day or week has passed (the server, every ten minutes).
    Due,
    /// Everyone's with new mail, now (`mailportal quarantine digests --now`).
    Now,
}

/// What one round sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    pub digests: usize,
    pub messages: i64,
}

/// Sends the digests `when` asks for. A person whose digest could not be handed over is
/// tried again at the next round; the others are not held up.
pub async fn send(backend: &Backend, when: When, now: UnixTime) -> Result<Sent, AppError> {
    let mut sent = Sent::default();
    for r in store::digests::recipients(&backend.pool).await? {
        let Some(period) = r.every.period_secs() else {
            continue;
        };
        let due = r
            .sent_at
            .is_none_or(|at| now - at >= period - TICK_SLACK_SECS);
        if when == When::Due && !due {
            continue;
        }
        // A first digest looks one period back. Mail kept in this very second may still be
        // under way: it waits for the next digest, which starts after `until`.
        let since = r.sent_at.unwrap_or(now - period);
        let until = now - 1;
        if !store::digests::claim(&backend.pool, r.account_id, r.domain_id, r.sent_at, until)
            .await?
        {
            // Another instance sends this one.
            continue;
        }
        let (kept, total) = store::quarantine::kept_between(
            &backend.pool,
            &reader_of(&r),
            since,
            until,
            MAX_LISTED,
        )
        .await?;
        if total > 0 {
            let delivered = match compose(backend, &r, &kept, total, now) {
                Some(notice) => match backend.notifier.deliver(notice).await {
                    Ok(()) => true,
                    Err(e) => {
                        tracing::warn!(error = %e, to = %r.email, "quarantine digest not sent; tried again later");
                        false
                    }
                },
                None => false,
            };
            if !delivered {
                store::digests::unclaim(&backend.pool, r.account_id, r.domain_id, until, r.sent_at)
                    .await?;
                continue;
            }
            sent.digests += 1;
            sent.messages += total;
        }
    }
    if let Err(e) = store::digests::purge_used(&backend.pool, now).await {
        tracing::warn!(error = %e, "could not forget expired digest links");
    }
    Ok(sent)
}

fn reader_of(r: &Recipient) -> Reader {
    if r.admin {
        Reader::Domains(vec![r.domain_id])
    } else {
        Reader::Address(r.email.clone())
    }
}

/// The digest's text: each message with its release and delete links, then what to do
/// about the rest and how to stop digests. `None` (logged) for an account whose address
/// cannot be written to.
fn compose(
    backend: &Backend,
    r: &Recipient,
    kept: &[Stored],
    total: i64,
    now: UnixTime,
) -> Option<Notice> {
    let to = match EmailAddress::parse(&r.email) {
        Ok(to) => to,
        Err(e) => {
            tracing::error!(error = %e, to = %r.email, "digest recipient is not an address");
            return None;
        }
    };
    let messages = match total {
        1 => "1 new message".to_string(),
        n => format!("{n} new messages"),
    };
    let (subject, whose) = if r.admin {
        (
            format!("Quarantine digest for {}: {messages}", r.domain),
            format!("to {}", r.domain),
        )
    } else {
        (
            format!("Quarantine digest: {messages} for you"),
            "to you".to_string(),
        )
    };
    let (them, they) = if total == 1 {
        ("it", "it")
    } else {
        ("them", "they")
    };
    let expires_at = now + LINK_DAYS * 86_400;
    let settings = &backend.settings;
    let mut body = format!(
        "Since your last digest, Mail Portal kept {messages} {whose} in quarantine instead of \
         delivering {them}: {they} looked like spam or broke the domain's rules.\n\n\
         Mail you want? Release it with its link below: it is delivered as it arrived. \
         Each link works once, until {}, and asks you to confirm first.\n",
        format_utc(expires_at)
    );
    for (n, stored) in kept.iter().enumerate() {
        body.push_str(&format!(
            "\n{}. {}\n   From: {}\n   To: {}\n   Kept {}: {}\n   Release: {}\n   Delete:  {}\n",
            n + 1,
            one_line(&stored.subject),
            one_line(stored.from_shown()),
            stored.recipients().join(", "),
            format_utc(stored.at),
            one_line(&stored.reason),
            settings.link(&link_path(
                backend,
                LinkAction::Release,
                stored.id,
                r,
                expires_at
            )),
            settings.link(&link_path(
                backend,
                LinkAction::Delete,
                stored.id,
                r,
                expires_at
            )),
        ));
    }
    let listed = kept.len() as i64;
    if total > listed {
        body.push_str(&format!(
            "\n…and {} more: see them on the Quarantine screen.\n",
            total - listed
        ));
    }
    body.push_str(&format!(
        "\nThe Quarantine screen lists everything kept: {}\n\
         Messages are deleted after the domain's quarantine days. \
         To get no more digests, untick “Send me quarantine digests” on {}\n",
        settings.link("/quarantine"),
        settings.link("/account"),
    ));
    Some(Notice { to, subject, body })
}

/// A subject or sender as one line of the digest: control characters (a folded header's
/// line breaks) become spaces.
fn one_line(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match line.trim() {
        "" => "(none)".into(),
        t => t.to_string(),
    }
}

fn link_path(
    backend: &Backend,
    action: LinkAction,
    quarantine_id: i64,
    r: &Recipient,
    expires_at: UnixTime,
) -> String {
    let mut nonce = [0u8; 16];
    OsRng.fill_bytes(&mut nonce);
    let claim = Claim {
        action,
        quarantine_id,
        account_id: r.account_id,
        expires_at,
        nonce: nonce.iter().map(|b| format!("{b:02x}")).collect(),
    };
    format!("/quarantine/digest/{}", claim.sign(backend))
}

/// What a link says, once its signature is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Claim {
    action: LinkAction,
    quarantine_id: i64,
    account_id: i64,
    expires_at: UnixTime,
    nonce: String,
}

impl Claim {
    /// `release-12-7-1764403200-<nonce>`: only characters a URL path keeps as they are.
    fn payload(&self) -> String {
        format!(
            "{}-{}-{}-{}-{}",
            self.action.as_str(),
            self.quarantine_id,
            self.account_id,
            self.expires_at,
            self.nonce
        )
    }

    fn sign(&self, backend: &Backend) -> String {
        let payload = self.payload();
        let mac = backend.key.mac_hex(Purpose::DigestLink, payload.as_bytes());
        format!("{payload}-{mac}")
    }

    /// The claim of a token this server signed; `None` for anything else.
    fn verify(backend: &Backend, token: &str) -> Option<Claim> {
        let (payload, mac) = token.rsplit_once('-')?;
        let expected = backend.key.mac_hex(Purpose::DigestLink, payload.as_bytes());
        if !bool::from(expected.as_bytes().ct_eq(mac.as_bytes())) {
            return None;
        }
        let mut parts = payload.split('-');
        let claim = Claim {
            action: LinkAction::parse(parts.next()?)?,
            quarantine_id: parts.next()?.parse().ok()?,
            account_id: parts.next()?.parse().ok()?,
            expires_at: parts.next()?.parse().ok()?,
            nonce: parts.next()?.to_string(),
        };
        parts.next().is_none().then_some(claim)
    }
}

/// A checked link: its claim, the person it acts as, whose mail they may touch now, and
/// the message.
struct Usable {
    claim: Claim,
    owner: store::accounts::Account,
    reader: Reader,
    stored: Stored,
}

/// Everything a link must be before it is shown or used, each failure told in words.
async fn check(backend: &Backend, token: &str, now: UnixTime) -> Result<Usable, AppError> {
    let unusable = |why: &str| AppError::LinkUnusable(why.to_string());
    let Some(claim) = Claim::verify(backend, token) else {
        return Err(unusable(
            "This link is not valid: it may have been cut short. Open it again from the digest, \
             or sign in and use the Quarantine screen.",
        ));
    };
    if now > claim.expires_at {
        return Err(AppError::LinkUnusable(format!(
            "This link expired on {}. Sign in and use the Quarantine screen to release or \
             delete the message.",
            format_utc(claim.expires_at)
        )));
    }
    if store::digests::link_used(&backend.pool, &claim.nonce).await? {
        return Err(unusable(
            "This link was used already: each link in a digest works once.",
        ));
    }
    let owner = store::accounts::find_by_id(&backend.pool, claim.account_id)
        .await?
        .filter(|a| a.enabled);
    let Some(owner) = owner else {
        return Err(unusable(
            "The account this digest was for is disabled or gone.",
        ));
    };
    // An admin whose rights no longer include changing the quarantine cannot act by link.
    let rights = store::admin_rights::of(&backend.pool, owner.id, owner.role).await?;
    let acts = Need {
        area: Area::Quarantine,
        access: Access::Write,
    };
    if owner.role != Role::MailUser && !rights.allows(acts) {
        return Err(unusable(
            "Your admin rights no longer include changing the quarantine.",
        ));
    }
    let reader = match owner.role {
        Role::MailUser => Reader::Address(owner.email.clone()),
        Role::MasterAdmin => Reader::All,
        Role::DomainAdmin => {
            Reader::Domains(store::accounts::administered_domains(&backend.pool, owner.id).await?)
        }
    };
    let Some(stored) = store::quarantine::find(&backend.pool, &reader, claim.quarantine_id).await?
    else {
        return Err(unusable(
            "This message is no longer in quarantine: it was released or deleted already, or \
             kept past its domain's quarantine days.",
        ));
    };
    Ok(Usable {
        claim,
        owner,
        reader,
        stored,
    })
}

/// What the link's page shows before the button is pressed. Changes nothing.
pub async fn open_link(
    backend: &Backend,
    token: &str,
    now: UnixTime,
) -> Result<DigestLinkView, AppError> {
    let Usable { claim, stored, .. } = check(backend, token, now).await?;
    Ok(DigestLinkView {
        action: claim.action,
        at: stored.at,
        from: stored.from_shown().to_string(),
        recipients: stored.recipients(),
        subject: stored.subject.clone(),
        score: stored.score,
        reason: stored.reason.clone(),
        expires_at: claim.expires_at,
    })
}

/// Does what the link says, once; what happened, in a sentence.
pub async fn use_link(
    backend: &Backend,
    mail: &Server,
    token: &str,
    ip: &str,
    now: UnixTime,
) -> Result<String, AppError> {
    let Usable {
        claim,
        owner,
        reader,
        stored,
    } = check(backend, token, now).await?;
    // Taken before acting, so two presses at once act once.
    if !store::digests::use_link(&backend.pool, &claim.nonce, now, claim.expires_at).await? {
        return Err(AppError::LinkUnusable(
            "This link was used already: each link in a digest works once.".into(),
        ));
    }
    let user = UserCtx {
        account_id: owner.id,
        session_id: 0,
        email: owner.email.clone(),
        role: owner.role,
        authenticated_at: 0,
        ip: format!("{ip} (quarantine digest link)"),
        grant: Grant::full(),
        token_id: None,
    };
    let ids = vec![stored.id];
    let done = match claim.action {
        LinkAction::Release => {
            quarantine::release_as(backend, mail, &user, &reader, ids, false, now).await
        }
        LinkAction::Delete => quarantine::delete_as(backend, &user, &reader, ids, false, now).await,
    };
    if let Err(e) = done {
        // Nothing happened: the link stays usable.
        store::digests::unuse_link(&backend.pool, &claim.nonce).await?;
        return Err(e);
    }
    let subject = one_line(&stored.subject);
    Ok(match claim.action {
        LinkAction::Release => format!(
            "“{subject}” was released: it is delivered to {}.",
            stored.recipients().join(", ")
        ),
        LinkAction::Delete => format!("“{subject}” was deleted."),
    })
}

/// The signed-in person's digest choice, with how often each of their domains sends one.
pub async fn choice(backend: &Backend, user: &UserCtx) -> Result<DigestChoice, AppError> {
    Ok(DigestChoice {
        wanted: store::digests::wanted(&backend.pool, user.account_id).await?,
        domains: store::digests::domains_of(&backend.pool, user.account_id).await?,
    })
}

pub async fn set_choice(
    backend: &Backend,
    user: &UserCtx,
    wanted: bool,
    now: UnixTime,
) -> Result<(), AppError> {
    store::digests::set_wanted(&backend.pool, user.account_id, wanted).await?;
    let detail = if wanted {
        "quarantine digests on"
    } else {
        "quarantine digests off"
    };
    user.audit(
        backend,
        store::audit::AuditAction::DigestChoiceChanged,
        detail,
        now,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_reads_back_from_its_payload_and_names_only_url_safe_characters() {
        let claim = Claim {
            action: LinkAction::Delete,
            quarantine_id: 12,
            account_id: 7,
            expires_at: 1_764_403_200,
            nonce: "00ff".repeat(8),
        };
        let payload = claim.payload();
        assert!(payload
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert_eq!(
            payload,
            format!("delete-12-7-1764403200-{}", "00ff".repeat(8))
        );
    }

    #[test]
    fn one_line_flattens_folded_headers() {
        assert_eq!(one_line("Win\r\n big"), "Win   big");
        assert_eq!(one_line("  "), "(none)");
    }
}
