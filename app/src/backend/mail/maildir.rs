//! Local delivery into Maildir (the embedded default): `<data>/maildir/<domain>/<local>/`
//! with `tmp/`, `new/` and `cur/`, which Dovecot reads as `maildir:<data>/maildir/%d/%n`.
//!
//! A message is written once into the first mailbox's `tmp/`, flushed to disk, then
//! hard-linked into every recipient's `new/` and the directories flushed: when the listener
//! answers 250, the message is on disk in every mailbox, and a crash at any point leaves
//! either a complete message in `new/` or none (readers never see a partial file: `new/`
//! only ever gets whole files by link). Leftovers in `tmp/` are ordinary Maildir debris.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
};

/// The Maildir of `address` (`local@domain`, as stored: lower case, punycode).
pub fn mailbox_dir(data_dir: &Path, address: &str) -> PathBuf {
    let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
    data_dir.join("maildir").join(domain).join(local)
}

/// Delivers `message` to each Maildir in `mailboxes` under the file name `name` (unique:
/// the caller's queue id). Blocking: run it on a blocking thread.
pub fn deliver(mailboxes: &[PathBuf], name: &str, message: &[u8]) -> io::Result<()> {
    let Some(first) = mailboxes.first() else {
        return Ok(());
    };
    for dir in mailboxes {
        create(dir)?;
    }
    let size = message.len();
    let file_name = format!("{name},S={size}");
    let tmp = first.join("tmp").join(&file_name);
    {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        file.write_all(message)?;
        file.sync_all()?;
    }
    let linked = mailboxes.iter().try_for_each(|dir| {
        let new = dir.join("new").join(&file_name);
        match fs::hard_link(&tmp, &new) {
            // Delivered before a crash and retried: the copy there is the same message.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            other => other,
        }
    });
    let removed = fs::remove_file(&tmp);
    linked?;
    removed?;
    // The links must survive a crash; the removal from tmp/ need not (debris at worst).
    for dir in mailboxes {
        sync_dir(&dir.join("new"))?;
    }
    Ok(())
}

/// Creates the Maildir's three folders when missing.
fn create(dir: &Path) -> io::Result<()> {
    if dir.join("new").is_dir() {
        return Ok(());
    }
    for sub in ["tmp", "new", "cur"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    // The new folders must survive a crash too.
    if let Some(parent) = dir.parent() {
        sync_dir(parent)?;
    }
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_message_reaches_every_mailbox_whole() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let data = std::env::temp_dir().join(format!("maildir-test-{nanos}"));
        let a = mailbox_dir(&data, "alice@example.test");
        let b = mailbox_dir(&data, "bob@example.test");
        assert!(a.ends_with("maildir/example.test/alice"));
        deliver(
            &[a.clone(), b.clone()],
            "1800000000.q1.host",
            b"Subject: hi\r\n\r\nbody\r\n",
        )
        .unwrap();
        for dir in [&a, &b] {
            let files: Vec<_> = fs::read_dir(dir.join("new")).unwrap().flatten().collect();
            assert_eq!(files.len(), 1);
            assert_eq!(
                files[0].file_name().to_string_lossy(),
                "1800000000.q1.host,S=21"
            );
            assert_eq!(
                fs::read(files[0].path()).unwrap(),
                b"Subject: hi\r\n\r\nbody\r\n"
            );
            assert_eq!(fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
        }
        // The same delivery again (a retry after a crash) leaves one copy.
        deliver(
            std::slice::from_ref(&a),
            "1800000000.q1.host",
            b"Subject: hi\r\n\r\nbody\r\n",
        )
        .unwrap();
        assert_eq!(fs::read_dir(a.join("new")).unwrap().count(), 1);
        fs::remove_dir_all(&data).unwrap();
    }
}
