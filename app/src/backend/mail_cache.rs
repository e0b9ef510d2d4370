//! The mail login check's success cache. Mail apps log in again and again with the same
//! password; repeating argon2id (tens of milliseconds) and the full rule check each time
//! would cap a host at a few dozen logins a second.
//!
//! An entry is keyed by an HMAC (under the server key) of the address, the password, the
//! protocol and whether the client is a webmail host, so neither the password nor its
//! plain hash is in memory. It holds the account's auth version (migration 0005) as it was
//! before the full check: any change to the account's password, switch, factors or device
//! passwords bumps the stored version, and the next lookup misses. Entries also end after
//! `TTL_SECS`, and a device password's entry no later than the password itself.
//!
//! A hit does not consult the failure throttle or IP blocks: it proves the right password
//! within the last minute, so a stranger's failures cannot shut out a mail app that has it,
//! and guessing gains nothing from it.

use super::keys::{Purpose, ServerKey};
use crate::model::{mail_access::Protocol, time::UnixTime};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// How long a success is trusted without the full check.
pub const TTL_SECS: i64 = 60;
/// Entries kept at most; past this the cache starts afresh.
const MAX_ENTRIES: usize = 100_000;

pub type Key = [u8; 32];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub account_id: i64,
    pub auth_version: i64,
    pub device_password: Option<i64>,
    pub until: UnixTime,
}

#[derive(Debug, Default, Clone)]
pub struct MailLoginCache {
    entries: Arc<Mutex<HashMap<Key, Entry>>>,
}

impl MailLoginCache {
    pub fn key(
        server_key: &ServerKey,
        address: &str,
        password: &str,
        protocol: Protocol,
        from_webmail: bool,
    ) -> Key {
        let data = [
            address.as_bytes(),
            b"\0",
            password.as_bytes(),
            b"\0",
            protocol.as_str().as_bytes(),
            if from_webmail { b"\0w" } else { b"\0-" },
        ]
        .concat();
        server_key.mac(Purpose::MailLoginCache, &data)
    }

    pub fn get(&self, key: &Key, now: UnixTime) -> Option<Entry> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).copied().filter(|e| e.until > now)
    }

    pub fn put(&self, key: Key, entry: Entry) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, entry);
    }

    pub fn remove(&self, key: &Key) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(key);
    }
}
