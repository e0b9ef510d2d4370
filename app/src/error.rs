//! The one error type that crosses the wire between the server functions and the pages.
//!
//! Every variant is something the page can act on; its `Display` text is what the person
//! sees, so it says what to do next. Details of internal failures are logged on the server
//! and never sent (see `backend::error`).

use leptos::server_fn::{codec::JsonEncoding, error::FromServerFnError, error::ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("You do not have access to this.")]
    Forbidden,
    /// The caller may not make this change; the reason says why and who can.
    #[error("{0}")]
    NotAllowed(String),
    #[error("Please confirm it's you: enter your current password.")]
    ReauthRequired,
    /// A form field holds a value the server refuses; `field` is the input's `name`.
    #[error("{reason}")]
    Invalid { field: String, reason: String },
    #[error("The email address or password is not correct.")]
    BadCredentials,
    #[error("Too many failed attempts. Please wait {retry_after_secs} seconds and try again.")]
    Throttled { retry_after_secs: u64 },
    #[error("Your sign-in took too long or was already completed. Please start again with your password.")]
    SignInExpired,
    #[error("Admin accounts must use two-factor authentication. Set it up under Two-factor authentication, then come back.")]
    SecondFactorRequired,
    /// Admin access is restricted to the admin IP access list and the caller's address is
    /// not on it; the text names the address and the way back.
    #[error("Admin access is allowed only from the addresses in the admin IP access list, and this request came from {0}. Use a listed network, or ask whoever runs the server to run `mailportal admin unrestrict`.")]
    AdminIpRefused(String),
    /// A passkey ceremony failed; the reason says what to do.
    #[error("{0}")]
    PasskeyRefused(String),
    #[error("Passkeys are not available here: the portal must be opened by its host name, not an IP address.")]
    PasskeysUnavailable,
    /// A domain's TXT record was not found (or DNS could not be asked); says what to do.
    #[error("{0}")]
    NotVerified(String),
    #[error("This link has expired or was already used. Please ask for a new one.")]
    LinkExpired,
    /// A quarantine digest's link cannot be used; the reason says why and what instead.
    #[error("{0}")]
    LinkUnusable(String),
    #[error("That was not found. It may have been removed already.")]
    NotFound,
    /// The thing is not in a state that allows this now (a copy under way already); the
    /// reason says what it is in.
    #[error("{0}")]
    Conflict(String),
    /// Another server this request needs could not be asked; the reason says which and
    /// what to do.
    #[error("{0}")]
    Unavailable(String),
    #[error("Something went wrong on our side. Nothing was changed; please try again.")]
    Internal,
    /// The request did not reach the server or its answer could not be read.
    #[error("The portal could not be reached ({0}). Check your connection and try again.")]
    Transport(String),
}

impl AppError {
    /// An `Invalid` error for one form field.
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.to_string(),
            reason: reason.into(),
        }
    }

    /// The reason shown next to `field`, if this error is about that field.
    pub fn for_field(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { field: f, reason } if f == field => Some(reason.clone()),
            _ => None,
        }
    }

    /// True when the error belongs beside a field rather than above the form.
    pub fn is_field_error(&self) -> bool {
        matches!(self, AppError::Invalid { .. })
    }

    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized | AppError::BadCredentials | AppError::SignInExpired => 401,
            AppError::Forbidden
            | AppError::NotAllowed(_)
            | AppError::ReauthRequired
            | AppError::SecondFactorRequired
            | AppError::AdminIpRefused(_) => 403,
            AppError::Invalid { .. } | AppError::PasskeyRefused(_) => 400,
            AppError::NotVerified(_) | AppError::Conflict(_) => 409,
            AppError::PasskeysUnavailable | AppError::Unavailable(_) => 503,
            AppError::NotFound => 404,
            AppError::LinkExpired | AppError::LinkUnusable(_) => 410,
            AppError::Throttled { .. } => 429,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server: the request's fields did not read as the function's arguments
            // (a script's or a fuzzer's request; the portal's pages send them right).
            ServerFnErrorErr::Args(reason) | ServerFnErrorErr::MissingArg(reason) => {
                let e = AppError::invalid(
                    "request",
                    format!("The request's fields could not be read: {reason}"),
                );
                #[cfg(feature = "ssr")]
                let e = crate::api::ssr::refuse(e);
                e
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}
