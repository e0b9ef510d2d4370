//! Mail screens: the quarantine and the mail log (everyone's own), the delivery queue and
//! the statistics (admins).

pub mod delivery_queue;
pub mod mail_log;
pub mod quarantine;
pub mod quarantine_message;
pub mod stats;
