//! Admin screens.

pub mod admin_two_factor;
pub mod audit;
pub mod domains;
pub mod mailbox_access;
pub mod unlock_codes;
