//! STARTTLS (RFC 3207): the listener's certificate and key, from PEM files named in the
//! configuration, and the connection that turns from plain TCP into TLS halfway.
//!
//! Certificates are renewed every few weeks (ACME clients replace the files in place), so
//! the files are looked at again, at most once a minute, when a client asks for TLS: a
//! renewal needs no restart. SIGHUP reads them at once (`reload`). A renewed pair that
//! does not load is logged and the one in use stays.
//!
//! The portal's HTTPS listener uses the same identity handling.

use std::{
    io,
    path::{Path, PathBuf},
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::{Duration, Instant, SystemTime},
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::{
    rustls::{
        self,
        pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
        ServerConfig,
    },
    server::TlsStream,
    TlsAcceptor,
};

/// How often the files are looked at for a renewal.
const RECHECK: Duration = Duration::from_secs(60);

/// The listener's TLS identity.
pub struct Tls {
    certificate: PathBuf,
    key: PathBuf,
    current: Mutex<Loaded>,
}

struct Loaded {
    acceptor: TlsAcceptor,
    /// The files' modification times when they were read.
    stamps: (Option<SystemTime>, Option<SystemTime>),
    checked: Instant,
}

impl Tls {
    /// Reads the certificate chain and its private key; the error names the file at fault
    /// and what is wrong with it.
    pub fn load(certificate: &Path, key: &Path) -> Result<Tls, String> {
        let stamps = (modified(certificate), modified(key));
        let acceptor = acceptor(certificate, key)?;
        Ok(Tls {
            certificate: certificate.to_path_buf(),
            key: key.to_path_buf(),
            current: Mutex::new(Loaded {
                acceptor,
                stamps,
                checked: Instant::now(),
            }),
        })
    }

    /// The acceptor for the next handshake, read again first when the files changed.
    pub fn acceptor(&self) -> TlsAcceptor {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if current.checked.elapsed() >= RECHECK {
            current.checked = Instant::now();
            let stamps = (modified(&self.certificate), modified(&self.key));
            if stamps != current.stamps {
                match acceptor(&self.certificate, &self.key) {
                    Ok(acceptor) => {
                        tracing::info!(certificate = %self.certificate.display(), "TLS certificate reloaded");
                        current.acceptor = acceptor;
                        current.stamps = stamps;
                    }
                    // A renewal caught halfway (certificate written, key not yet) loads at
                    // the next look; meanwhile the old pair serves.
                    Err(e) => tracing::warn!(error = %e, "TLS certificate not reloaded"),
                }
            }
        }
        current.acceptor.clone()
    }

    /// Reads the files now (on SIGHUP: the operator says they changed). When the new pair
    /// does not load, the one in use stays and the error says why.
    pub fn reload(&self) -> Result<(), String> {
        let stamps = (modified(&self.certificate), modified(&self.key));
        let acceptor = acceptor(&self.certificate, &self.key)?;
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        *current = Loaded {
            acceptor,
            stamps,
            checked: Instant::now(),
        };
        Ok(())
    }

    /// The certificate file, for the log.
    pub fn certificate(&self) -> &Path {
        &self.certificate
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn acceptor(certificate: &Path, key: &Path) -> Result<TlsAcceptor, String> {
    let chain = CertificateDer::pem_file_iter(certificate)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {}", certificate.display(), pem_error(e)))?;
    if chain.is_empty() {
        return Err(format!(
            "{}: no certificate in it (a PEM file with BEGIN CERTIFICATE)",
            certificate.display()
        ));
    }
    let key_der = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("{}: {}", key.display(), pem_error(e)))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| {
            format!(
                "{} does not go with {}: {e}",
                key.display(),
                certificate.display()
            )
        })?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn pem_error(e: rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error;
    match e {
        Error::Io(e) => format!("cannot read it: {e}"),
        Error::NoItemsFound => "no PEM item of the expected kind in it".into(),
        other => format!("not valid PEM: {other:?}"),
    }
}

/// What the Received header and the log say about a TLS session, e.g.
/// `TLSv1.3 with cipher TLS13_AES_256_GCM_SHA384`.
pub fn describe<S>(stream: &TlsStream<S>) -> String {
    let (_, session) = stream.get_ref();
    let version = match session.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_string(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_string(),
        Some(other) => format!("{other:?}"),
        None => "TLS".to_string(),
    };
    match session.negotiated_cipher_suite() {
        Some(suite) => {
            let name = suite.suite();
            let name = name
                .as_str()
                .map(str::to_string)
                .unwrap_or(format!("{name:?}"));
            format!("{version} with cipher {name}")
        }
        None => version,
    }
}

/// A connection in the clear, then, after STARTTLS, in TLS.
pub enum Stream<S> {
    Plain(S),
    Tls(Box<TlsStream<S>>),
    /// Only while the handshake has the connection, or after it failed.
    Gone,
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the TLS handshake failed")
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Stream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Stream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Stream::Gone => Poll::Ready(Ok(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// A self-signed pair made by Debian's openssl, as a host would make a test one.
    fn pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
        let cert = dir.join(format!("{name}.crt"));
        let key = dir.join(format!("{name}.key"));
        let status = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .arg("ec_paramgen_curve:prime256v1")
            .args([
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=mx.portal.test",
                "-keyout",
            ])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("openssl");
        assert!(status.success());
        (cert, key)
    }

    #[test]
    fn bad_files_are_named_with_what_is_wrong() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let (cert, key) = pair(dir, "a");
        let (_, other_key) = pair(dir, "b");
        assert!(Tls::load(&cert, &key).is_ok());

        let missing = dir.join("missing.pem");
        let e = Tls::load(&missing, &key).err().unwrap();
        assert!(
            e.starts_with(&format!("{}: cannot read it", missing.display())),
            "{e}"
        );
        let e = Tls::load(&key, &key).err().unwrap();
        assert!(e.contains("no certificate in it"), "{e}");
        let e = Tls::load(&cert, &cert).err().unwrap();
        assert!(
            e.starts_with(&format!("{}: no PEM item", cert.display())),
            "{e}"
        );
        let e = Tls::load(&cert, &other_key).err().unwrap();
        assert!(e.contains("does not go with"), "{e}");
    }
}
