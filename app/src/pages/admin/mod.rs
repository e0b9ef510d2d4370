//! Admin screens.

pub mod audit;
pub mod domains;
