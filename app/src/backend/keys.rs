//! The server key: 32 random bytes in the data directory (`server.key`, mode 0600), made
//! on first start. Secrets that must be read back (TOTP seeds) are sealed with a key
//! derived from it; a database copy without the key file reveals none of them.
//!
//! Keys for different uses are derived with HMAC-SHA-256 over a label, so one purpose's
//! key never serves another.

use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};
use hmac::{Hmac, Mac};
use rand::{rngs::OsRng, RngCore};
use sha2::Sha256;
use std::{fmt, io, path::Path};

pub const KEY_FILE: &str = "server.key";
const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

#[derive(Clone)]
pub struct ServerKey([u8; KEY_BYTES]);

impl fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerKey(…)")
    }
}

/// What a sealed value is for; part of the key derivation.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    TotpSecret,
    DevicePassword,
    MailLoginCache,
    DigestLink,
    /// A user's password on the old IMAP server, kept while their mail is copied.
    MigrationPassword,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::TotpSecret => b"mailportal/totp-secret/v1",
            Purpose::DevicePassword => b"mailportal/device-password/v1",
            Purpose::MailLoginCache => b"mailportal/mail-login-cache/v1",
            Purpose::DigestLink => b"mailportal/digest-link/v1",
            Purpose::MigrationPassword => b"mailportal/migration-password/v1",
        }
    }
}

/// A sealed value could not be opened: wrong key file, or the row was altered or moved to
/// another account.
#[derive(Debug, thiserror::Error)]
#[error("a sealed secret could not be opened (was server.key replaced?)")]
pub struct Unsealable;

impl ServerKey {
    /// Reads the key file, or creates it when the data directory has none. A file of the
    /// wrong size stops start-up rather than being replaced: replacing it would make every
    /// sealed secret unreadable.
    pub fn load_or_create(data_dir: &Path) -> io::Result<Self> {
        let path = data_dir.join(KEY_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let key: [u8; KEY_BYTES] = bytes.try_into().map_err(|_| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{} must hold exactly {KEY_BYTES} bytes", path.display()),
                    )
                })?;
                Ok(ServerKey(key))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let mut key = [0u8; KEY_BYTES];
                OsRng.fill_bytes(&mut key);
                match publish_private(&path, &key) {
                    Ok(()) => Ok(ServerKey(key)),
                    // Another instance on the same data directory made it first: use its.
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        Self::load_or_create(data_dir)
                    }
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// A key for tests that need no file.
    pub fn random() -> Self {
        let mut key = [0u8; KEY_BYTES];
        OsRng.fill_bytes(&mut key);
        ServerKey(key)
    }

    fn derive(&self, purpose: Purpose) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        mac.update(purpose.label());
        mac.finalize().into_bytes().into()
    }

    /// HMAC-SHA-256 of `data` under the key for `purpose`, in hex: the stored form of a
    /// random secret that is only ever compared, never read back.
    pub fn mac_hex(&self, purpose: Purpose, data: &[u8]) -> String {
        self.mac(purpose, data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// HMAC-SHA-256 of `data` under the key for `purpose`.
    pub fn mac(&self, purpose: Purpose, data: &[u8]) -> [u8; 32] {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.derive(purpose)).expect("any key length");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// Encrypts `plain`, bound to `context` (for example the account id): a sealed value
    /// copied to another account's row does not open. Output: nonce ‖ ciphertext.
    pub fn seal(&self, purpose: Purpose, context: &[u8], plain: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new(&self.derive(purpose).into());
        let mut nonce = [0u8; NONCE_BYTES];
        OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: context,
                },
            )
            .expect("encryption of a small buffer cannot fail");
        [nonce.as_slice(), &sealed].concat()
    }

    pub fn open(
        &self,
        purpose: Purpose,
        context: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, Unsealable> {
        if sealed.len() < NONCE_BYTES {
            return Err(Unsealable);
        }
        let (nonce, body) = sealed.split_at(NONCE_BYTES);
        XChaCha20Poly1305::new(&self.derive(purpose).into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context,
                },
            )
            .map_err(|_| Unsealable)
    }
}

/// Creates `path` readable by the owner only; fails if it appeared meanwhile.
/// Writes `bytes` to a file of its own first and links it in as `path` only when complete:
/// instances starting together on one (shared) data directory never read a half-written
/// key, and the one that loses the race gets `AlreadyExists` and reads the winner's.
fn publish_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let draft = path.with_extension(format!("new-{:016x}", OsRng.next_u64()));
    write_private(&draft, bytes)?;
    let linked = std::fs::hard_link(&draft, path);
    std::fs::remove_file(&draft).ok();
    linked?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_starting_together_on_one_data_directory_share_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let keys: Vec<[u8; KEY_BYTES]> = std::thread::scope(|s| {
            let starts: Vec<_> = (0..8)
                .map(|_| s.spawn(|| ServerKey::load_or_create(dir.path()).unwrap().0))
                .collect();
            starts.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert!(keys.iter().all(|k| *k == keys[0]), "one key for all");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [KEY_FILE], "no drafts left behind");
    }

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_context() {
        let key = ServerKey::random();
        let sealed = key.seal(Purpose::TotpSecret, b"7", b"seed bytes");
        assert_eq!(
            key.open(Purpose::TotpSecret, b"7", &sealed).unwrap(),
            b"seed bytes"
        );
        assert!(
            key.open(Purpose::TotpSecret, b"8", &sealed).is_err(),
            "another account"
        );
        assert!(ServerKey::random()
            .open(Purpose::TotpSecret, b"7", &sealed)
            .is_err());
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(key.open(Purpose::TotpSecret, b"7", &altered).is_err());
        assert!(!sealed.windows(10).any(|w| w == b"seed bytes"));
    }

    #[test]
    fn the_key_file_is_made_once_and_private() {
        let dir = std::env::temp_dir().join(format!("mailportal-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = ServerKey::load_or_create(&dir).unwrap();
        let again = ServerKey::load_or_create(&dir).unwrap();
        assert_eq!(first.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.join(KEY_FILE), b"short").unwrap();
        assert!(
            ServerKey::load_or_create(&dir).is_err(),
            "a damaged key is not replaced"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
