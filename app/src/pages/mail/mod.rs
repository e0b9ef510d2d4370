//! Mail screens every signed-in person has: their quarantine and their mail log.

pub mod mail_log;
pub mod quarantine;
pub mod quarantine_message;
