//! Security notices: an email to the person (their mailbox and their recovery address)
//! when something happened that a thief would do: a login from a country not seen before
//! for them, a device password or passkey added, two-factor authentication turned off,
//! the recovery email or the password changed. Each says what happened, when, from where,
//! and what to do if it was not them.
//!
//! A notice never stops the change it reports: one that cannot be sent is logged.

use super::{
    countries,
    notify::{Notice, Notifier},
    store::{self, audit::AuditAction},
    Backend,
};
use crate::backend::store::db::Db;
use crate::model::{time::format_utc, time::UnixTime, EmailAddress};

/// What happened to the account.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A successful login from a country the account had not logged in from; `way` is the
    /// protocol ("web", "imap", …).
    NewCountry {
        way: &'a str,
    },
    PasswordChanged,
    PasswordReset,
    /// An admin set a new password for the mailbox.
    PasswordSetByAdmin,
    /// The recovery address before the change; it is told too, in case it was taken away.
    RecoveryEmailChanged {
        old: Option<&'a str>,
    },
    TwoFactorOff,
    DevicePasswordAdded {
        name: &'a str,
    },
    PasskeyAdded {
        name: &'a str,
    },
}

/// Where the change came from.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub ip: &'a str,
    /// The country code of the IP; "" when unknown.
    pub country: &'a str,
}

/// What a notice needs: the store (the account's addresses), the notifier, and the
/// portal's address for the links. The login event writer keeps one of its own.
#[derive(Clone)]
pub struct Notices {
    pub pool: Db,
    pub notifier: Notifier,
    pub public_url: String,
}

impl Backend {
    pub fn notices(&self) -> Notices {
        Notices {
            pool: self.pool.clone(),
            notifier: self.notifier.clone(),
            public_url: self.settings.public_url.clone(),
        }
    }
}

impl Notices {
    /// Tells the account's owner; logs instead of failing.
    pub async fn tell(&self, account_id: i64, event: Event<'_>, from: Origin<'_>, now: UnixTime) {
        if let Err(e) = self.try_tell(account_id, event, from, now).await {
            tracing::error!(account_id, error = %e, "security notice not sent");
        }
    }

    async fn try_tell(
        &self,
        account_id: i64,
        event: Event<'_>,
        from: Origin<'_>,
        now: UnixTime,
    ) -> Result<(), crate::error::AppError> {
        let Some(account) = store::accounts::find_by_id(&self.pool, account_id).await? else {
            return Ok(());
        };
        let (subject, what) = words(event, from);
        if let Event::NewCountry { way } = event {
            // The Security page lists it with the person's other security events.
            let actor = store::audit::Actor {
                account_id: Some(account.id),
                email: Some(&account.email),
                ip: Some(from.ip),
                domain_id: account.domain_id,
            };
            let detail = format!("{}, {}", countries::label(from.country), way_label(way));
            store::audit::record(
                &self.pool,
                &actor,
                AuditAction::LoginFromNewCountry,
                &detail,
                now,
            )
            .await?;
        }
        let url = &self.public_url;
        let body = format!(
            "Hello,\n\n\
             {what}.\n\n\
             When:     {when}\n\
             Where:    {ip} ({country})\n\
             Account:  {account}\n\n\
             If this was you, there is nothing to do.\n\n\
             If it was not you, someone else may know your password:\n\
             - change your password: {url}/account/password\n  \
               (or, if you cannot sign in, reset it: {url}/reset-password)\n\
             - sign out the sessions you do not recognise: {url}/account/sessions\n\
             - look at your recent logins and security changes: {url}/account/security\n\
             - if you cannot get in at all, ask your mail administrator for help.\n\n\
             Mail Portal\n",
            when = format_utc(now),
            ip = from.ip,
            country = countries::label(from.country),
            account = account.email,
        );
        let mut to: Vec<String> = vec![account.email.clone()];
        to.extend(account.recovery_email.clone());
        if let Event::RecoveryEmailChanged { old: Some(old) } = event {
            to.push(old.to_string());
        }
        to.sort();
        to.dedup();
        for address in to {
            let Ok(address) = EmailAddress::parse(&address) else {
                tracing::warn!(%address, "security notice skipped: not an address");
                continue;
            };
            let notice = Notice {
                to: address,
                subject: subject.to_string(),
                body: body.clone(),
            };
            self.notifier.deliver(notice).await?;
        }
        Ok(())
    }
}

/// The subject, and the sentence that starts the body.
fn words(event: Event<'_>, from: Origin<'_>) -> (&'static str, String) {
    match event {
        Event::NewCountry { way } => (
            "Security notice: a login from a new country",
            format!(
                "Someone signed in to your account {} from {}, a country it had not been used from before",
                way_label(way),
                countries::label(from.country)
            ),
        ),
        Event::PasswordChanged => (
            "Security notice: your password was changed",
            "Your password was changed".into(),
        ),
        Event::PasswordReset => (
            "Security notice: your password was reset",
            "Your password was reset with a link sent to your recovery email".into(),
        ),
        Event::PasswordSetByAdmin => (
            "Security notice: your password was changed by an admin",
            "An admin of your domain set a new password for your mailbox".into(),
        ),
        Event::RecoveryEmailChanged { .. } => (
            "Security notice: your recovery email was changed",
            "The recovery email of your account was changed".into(),
        ),
        Event::TwoFactorOff => (
            "Security notice: two-factor authentication was turned off",
            "Two-factor authentication was turned off for your account".into(),
        ),
        Event::DevicePasswordAdded { name } => (
            "Security notice: a device password was added",
            format!("A device password named “{name}” was added to your account"),
        ),
        Event::PasskeyAdded { name } => (
            "Security notice: a passkey was added",
            format!("A passkey named “{name}” was added to your account"),
        ),
    }
}

/// How the login came in, as the sentence says it: "in the portal", "with a mail app (IMAP)".
fn way_label(way: &str) -> String {
    match way {
        "web" => "in the portal".into(),
        other => format!("with a mail app ({})", other.to_uppercase()),
    }
}
