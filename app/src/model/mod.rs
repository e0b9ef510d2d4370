//! Types shared by the pages (compiled to WASM) and the server: forms, rows, validation.

pub mod domain;
pub mod email;
pub mod mail_access;
pub mod passkey;
pub mod password;
pub mod role;
pub mod rows;
pub mod time;
pub mod two_factor;

pub use email::{DomainName, EmailAddress};
pub use role::Role;
