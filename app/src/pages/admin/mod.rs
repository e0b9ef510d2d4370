//! Admin screens.

pub mod admin_two_factor;
pub mod aliases;
pub mod audit;
pub mod domain_admins;
pub mod domain_aliases;
pub mod domain_settings;
pub mod domains;
pub mod global_thresholds;
pub mod mailbox_access;
pub mod mailboxes;
pub mod routes;
pub mod sdr;
pub mod senders;
pub mod thresholds;
pub mod unlock_codes;
