//! Notifications to people (password reset links, later security notices).
//!
//! With an SMTP relay configured they are sent through it in the background; without one
//! they are written as `.eml` files to `<data>/outbox/` so that nothing is lost and an
//! operator (or a test) can read them. Messages are built by lettre, which encodes headers,
//! so a display name or subject cannot inject header lines.

use crate::{error::AppError, model::EmailAddress};
pub use lettre::message::Mailbox;
use lettre::{
    message::header::ContentType, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use std::path::PathBuf;

/// One message to one person.
#[derive(Debug, Clone)]
pub struct Notice {
    pub to: EmailAddress,
    pub subject: String,
    pub body: String,
}

#[derive(Clone)]
pub enum Notifier {
    Outbox {
        dir: PathBuf,
        from: Mailbox,
    },
    Relay {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
}

impl Notifier {
    /// Writes to `dir` (created on first use).
    pub fn outbox(dir: PathBuf, from: Mailbox) -> Self {
        Notifier::Outbox { dir, from }
    }

    /// Sends through a relay at `host:port` (plain SMTP; the relay is on a trusted network).
    pub fn relay(host: &str, port: u16, from: Mailbox) -> Self {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .build();
        Notifier::Relay { transport, from }
    }

    fn from(&self) -> &Mailbox {
        match self {
            Notifier::Outbox { from, .. } | Notifier::Relay { from, .. } => from,
        }
    }

    pub fn build(&self, notice: &Notice) -> Result<Message, AppError> {
        let to: Mailbox = notice.to.as_str().parse().map_err(|e| {
            tracing::error!(error = %e, "notice recipient refused");
            AppError::Internal
        })?;
        Message::builder()
            .from(self.from().clone())
            .to(to)
            .subject(notice.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(notice.body.clone())
            .map_err(|e| {
                tracing::error!(error = %e, "notice could not be built");
                AppError::Internal
            })
    }

    /// Delivers a notice: written to the outbox before returning, or handed to a background
    /// task for the relay (so a slow relay never shows in response times).
    pub async fn deliver(&self, notice: Notice) -> Result<(), AppError> {
        let message = self.build(&notice)?;
        match self {
            Notifier::Outbox { dir, .. } => {
                let path = write_eml(dir, &message.formatted()).await?;
                tracing::info!(to = %notice.to, file = %path.display(), "no SMTP relay configured: notice written to the outbox");
                Ok(())
            }
            Notifier::Relay { transport, .. } => {
                let transport = transport.clone();
                tokio::spawn(async move {
                    match transport.send(message).await {
                        Ok(_) => tracing::info!(to = %notice.to, "notice sent through the relay"),
                        Err(e) => {
                            tracing::error!(to = %notice.to, error = %e, "notice could not be sent")
                        }
                    }
                });
                Ok(())
            }
        }
    }
}

/// Writes `<dir>/<nanos>-<random>.eml` through a temporary name, so a reader never sees half
/// a message.
async fn write_eml(dir: &std::path::Path, bytes: &[u8]) -> Result<PathBuf, AppError> {
    tokio::fs::create_dir_all(dir).await?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let name = format!(
        "{stamp}-{}",
        &super::auth::token::Token::generate().hash()[..12]
    );
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(format!("{name}.eml"));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, &path).await?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_cannot_inject_headers() {
        let n = Notifier::outbox(
            "/nonexistent".into(),
            "Mail Portal <noreply@example.org>".parse().unwrap(),
        );
        let notice = Notice {
            to: EmailAddress::parse("bob@example.org").unwrap(),
            subject: "Hello\r\nBcc: victim@example.net".into(),
            body: "text".into(),
        };
        let text = String::from_utf8(n.build(&notice).unwrap().formatted()).unwrap();
        let headers = text.split("\r\n\r\n").next().unwrap();
        assert!(
            !headers
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{headers}"
        );
    }
}
