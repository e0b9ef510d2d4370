//! Mail screens: the quarantine, the mail log and teaching the spam filter (everyone's own
//! mail), the delivery queue, the statistics and the blocked senders (admins).

pub mod blocked_senders;
pub mod delivery_queue;
pub mod digest_link;
pub mod learning;
pub mod mail_log;
pub mod quarantine;
pub mod quarantine_message;
pub mod stats;
