//! The mail plane: the SMTP listener, recipient resolution, what happens to a message after
//! DATA (`inbound`), and local delivery (`maildir`, or `lmtp` to a mail store).

pub mod attachments;
pub mod bayes;
pub mod callout;
pub mod header_rules;
pub mod inbound;
pub mod judge;
pub mod lists;
pub mod lmtp;
pub mod maildir;
pub mod outbound;
pub mod quarantine;
pub mod queue;
pub mod recipients;
pub mod scoring;
pub mod smtp;
pub mod spf;
pub mod submission;
pub mod writer;
