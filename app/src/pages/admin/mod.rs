//! Admin screens.

pub mod admin_two_factor;
pub mod audit;
pub mod domains;
pub mod unlock_codes;
