//! Server functions, one file per screen group. Each is thin: it reads the caller's
//! context, calls a plain function in `backend`, and sets the HTTP status from the error.
//! Every endpoint is fixed (`/api/<group>/<name>`), so the browser bundle and the server
//! agree whatever directory they were built in.

pub mod account;
pub mod admin;
pub mod admin_ips;
pub mod aliases;
pub mod antispam;
pub mod auth;
pub mod blocked_senders;
pub mod delivery_queue;
pub mod digests;
pub mod domains;
pub mod filter_settings;
pub mod learning;
pub mod local_recipients;
pub mod mail_access;
pub mod mail_log;
pub mod mailboxes;
pub mod passkeys;
pub mod quarantine;
pub mod reset;
pub mod routing;
pub mod security;
pub mod sender_fixes;
pub mod sender_lists;
pub mod senders;
pub mod setup;
pub mod stats;
pub mod transfer;
pub mod two_factor;

#[cfg(feature = "ssr")]
pub(crate) mod ssr;
