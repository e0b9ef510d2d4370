//! The signed-in person's own account screens.

pub mod api;
pub mod api_tokens;
pub mod mail_apps;
pub mod migration;
pub mod overview;
pub mod passkeys;
pub mod password;
pub mod recovery_email;
pub mod security;
pub mod sender_lists;
pub mod sessions;
pub mod two_factor;
