//! Types shared by the pages (compiled to WASM) and the server: forms, rows, validation.

pub mod admin_ips;
pub mod alias;
pub mod antispam;
pub mod audit;
pub mod cidr;
pub mod description;
pub mod digest;
pub mod domain;
pub mod domain_settings;
pub mod email;
pub mod filter_settings;
pub mod learning;
pub mod list;
pub mod local_recipient;
pub mod mail_access;
pub mod mail_log;
pub mod mailbox;
pub mod passkey;
pub mod password;
pub mod quarantine;
pub mod queue;
pub mod role;
pub mod route;
pub mod rows;
pub mod security;
pub mod sender;
pub mod sender_fix;
pub mod sender_list;
pub mod stats;
pub mod submission;
pub mod time;
pub mod transfer;
pub mod two_factor;
pub mod verdict_words;

pub use email::{DomainName, EmailAddress};
pub use role::Role;
