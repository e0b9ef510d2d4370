//! One file per screen.

pub mod account;
pub mod admin;
pub mod home;
pub mod mail;
pub mod not_found;
pub mod reset;
pub mod setup;
pub mod sign_in;
pub mod sign_in_code;
pub mod sign_up;

/// Sets the HTTP status of the server-rendered page (no effect in the browser).
pub fn set_http_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(options), Ok(status)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(code),
    ) {
        options.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}
