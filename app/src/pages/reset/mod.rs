//! Password reset: asking for a link, and using it.

pub mod complete;
pub mod request;
