//! SMTP as the listener speaks it.

pub mod data;
