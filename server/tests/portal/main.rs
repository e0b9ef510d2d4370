//! Integration tests: the real server on a loopback port with a fresh SQLite file and a
//! clock the test moves, spoken to over HTTP like a browser would.

mod access;
mod aliases;
mod audit;
mod cli;
mod crash;
mod csrf;
mod delivery_queue;
mod dns;
mod domains;
mod filters;
mod harness;
mod lmtp;
mod local_recipients;
mod mail_auth;
mod mail_log;
mod mail_peers;
mod mailboxes;
mod notify;
mod passkeys;
mod quarantine;
mod reset;
mod routing;
mod scope;
mod secrecy;
mod sender_lists;
mod senders;
mod sessions;
mod setup;
mod sign_in;
mod smtp;
mod starttls;
mod stats;
mod threshold_preview;
mod transfer;
mod two_factor;
