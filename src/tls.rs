//! TLS for the HTTP client, configured so that a process that never opens an
//! https connection never reads a certificate, and one that does reads only
//! the roots its server's chain needs.
//!
//! reqwest gets a preconfigured rustls `ClientConfig` whose cryptography is
//! the system's OpenSSL (`rustls-openssl`: nothing like ring or aws-lc is
//! compiled) and whose certificate check is [`SystemRoots`]: OpenSSL's own
//! chain verification against the system trust store, looked up *by subject
//! hash* in the certificate directories (`/etc/ssl/certs/<hash>.0`, the layout
//! `update-ca-certificates` / `openssl rehash` keep), the way OpenSSL's
//! `-CApath` works. That store is set up on the first certificate to verify,
//! not when the client is built, so:
//!
//! * with only `http://` services (the sandbox) no trust root is ever read,
//!   whatever the environment says: no need to point `SSL_CERT_FILE` anywhere;
//! * against an https service one or two small files are read, where native-tls
//!   made OpenSSL 3 parse the whole bundle (about 140 certificates, ~20 ms,
//!   twice: once for its default paths, once for the file openssl-probe finds).
//!
//! `SSL_CERT_DIR` and `SSL_CERT_FILE` are honoured as OpenSSL honours them
//! (read, never written). When no directory holds the issuer (a system without
//! hashed links, or a root only in `SSL_CERT_FILE`), the bundle file is loaded
//! once and the check repeated: slower, still correct.
//!
//! The blocking client (the binaries, the notebooks) and the web app's async
//! one get this same configuration: one TLS stack, native-tls nowhere.
//!
//! Why not `rustls-platform-verifier` (reqwest pulls it in anyway): on Linux
//! its `Verifier::new` loads every system root through rustls-native-certs,
//! the bundle (144 certificates here) and each of the 292 entries of
//! `/etc/ssl/certs`, and parses them all, which is the work that makes curl
//! cost 24 ms of CPU against 8 ms with one `--cacert` (BENCHMARKS.md section
//! 5); built lazily, every https step would still pay it once. Whether that
//! keeps steps 2 and 3 within 1.5x of curl was to be measured with
//! `scripts/bench-https.sh`, and could not be on 2026-12-05: the 2-core
//! machine was shared with about six other builders (load average 15.5 to
//! 17.8), the release build the bench needs was stopped unfinished, and the
//! disk ran full (3.6 GB free after freeing our own incremental cache), so
//! the hand-written verifier stays until a quiet machine runs the bench.

use crate::core::error::{Error, Result};
use openssl::stack::Stack;
use openssl::x509::store::{X509Lookup, X509Store, X509StoreBuilder};
use openssl::x509::{X509PurposeId, X509StoreContext, X509VerifyResult, X509};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// A blocking `ClientBuilder` with this crate's TLS: rustls over OpenSSL,
/// roots looked up lazily in the system store (see the module docs). Building
/// it reads no certificate.
pub(crate) fn client_builder() -> Result<reqwest::blocking::ClientBuilder> {
    Ok(reqwest::blocking::Client::builder().tls_backend_preconfigured(client_config()?))
}

/// The async `ClientBuilder` (the web app's) with the same TLS as
/// [`client_builder`]: one stack for every front end.
pub(crate) fn async_client_builder() -> Result<reqwest::ClientBuilder> {
    Ok(reqwest::Client::builder().tls_backend_preconfigured(client_config()?))
}

/// The one rustls configuration of the crate, trusting the system's roots.
fn client_config() -> Result<rustls::ClientConfig> {
    config_trusting(
        SYSTEM_ROOTS
            .get_or_init(|| Arc::new(Roots::system()))
            .clone(),
    )
}

fn config_trusting(roots: Arc<Roots>) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls_openssl::default_provider());
    let verifier = Arc::new(SystemRoots {
        roots,
        algorithms: provider.signature_verification_algorithms,
    });
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::HttpClient(Box::new(e)))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// Where trust roots are found, and the OpenSSL stores built from them on
/// first use.
struct Roots {
    /// Hashed certificate directories (`<subject hash>.<n>` files).
    dirs: Vec<PathBuf>,
    /// A bundle to fall back on when no directory has the issuer.
    bundle: Option<PathBuf>,
    by_hash: OnceLock<std::result::Result<X509Store, String>>,
    from_bundle: OnceLock<std::result::Result<X509Store, String>>,
}

impl Roots {
    fn new(dirs: Vec<PathBuf>, bundle: Option<PathBuf>) -> Roots {
        Roots {
            dirs,
            bundle,
            by_hash: OnceLock::new(),
            from_bundle: OnceLock::new(),
        }
    }

    /// The system's: `SSL_CERT_DIR` / `SSL_CERT_FILE` if set, else the usual
    /// places (openssl-probe's list; checking they exist is all it does).
    fn system() -> Roots {
        let probe = openssl_probe::probe();
        Roots::new(probe.cert_dir, probe.cert_file)
    }

    fn loaded(&self) -> bool {
        self.by_hash.get().is_some() || self.from_bundle.get().is_some()
    }

    /// Verifies `leaf` (with the server's `chain`) for a TLS server; on
    /// failure, OpenSSL's verdict.
    fn verify(&self, leaf: &X509, chain: &Stack<X509>) -> std::result::Result<(), Verdict> {
        let by_hash = self
            .by_hash
            .get_or_init(|| store(|builder| self.add_dirs(builder)));
        let verdict = match check(by_hash, leaf, chain) {
            Ok(()) => return Ok(()),
            Err(verdict) => verdict,
        };
        let issuer_missing = matches!(
            verdict.code(),
            Some(ISSUER_NOT_FOUND | ISSUER_NOT_FOUND_LOCALLY)
        );
        match &self.bundle {
            Some(bundle) if issuer_missing => {
                let from_bundle = self.from_bundle.get_or_init(|| {
                    store(|builder| {
                        builder
                            .add_lookup(X509Lookup::file())?
                            .load_cert_file(bundle, openssl::ssl::SslFiletype::PEM)
                    })
                });
                check(from_bundle, leaf, chain)
            }
            _ => Err(verdict),
        }
    }

    fn add_dirs(&self, builder: &mut X509StoreBuilder) -> std::result::Result<(), ErrorStack> {
        let lookup = builder.add_lookup(X509Lookup::hash_dir())?;
        for dir in &self.dirs {
            if let Some(dir) = dir.to_str() {
                lookup.add_dir(dir, openssl::ssl::SslFiletype::PEM)?;
            }
        }
        Ok(())
    }
}

type ErrorStack = openssl::error::ErrorStack;

/// `X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT` and `..._LOCALLY`: no trusted root found.
const ISSUER_NOT_FOUND: i32 = 2;
const ISSUER_NOT_FOUND_LOCALLY: i32 = 20;
const CERT_NOT_YET_VALID: i32 = 9;
const CERT_HAS_EXPIRED: i32 = 10;

/// Why a chain was refused.
#[derive(Debug)]
enum Verdict {
    /// OpenSSL refused the chain (`X509_V_ERR_*`).
    Rejected(X509VerifyResult),
    /// The store could not be set up or the check not run.
    Failed(String),
}

impl Verdict {
    fn code(&self) -> Option<i32> {
        match self {
            Verdict::Rejected(result) => Some(result.as_raw()),
            Verdict::Failed(_) => None,
        }
    }
}

/// A store for TLS-server certificates, filled by `fill`.
fn store(
    fill: impl FnOnce(&mut X509StoreBuilder) -> std::result::Result<(), ErrorStack>,
) -> std::result::Result<X509Store, String> {
    let mut builder = X509StoreBuilder::new().map_err(|e| e.to_string())?;
    fill(&mut builder).map_err(|e| e.to_string())?;
    builder
        .set_purpose(X509PurposeId::SSL_SERVER)
        .map_err(|e| e.to_string())?;
    Ok(builder.build())
}

fn check(
    store: &std::result::Result<X509Store, String>,
    leaf: &X509,
    chain: &Stack<X509>,
) -> std::result::Result<(), Verdict> {
    let store = store
        .as_ref()
        .map_err(|e| Verdict::Failed(format!("cannot read the trust store: {e}")))?;
    let mut context = X509StoreContext::new().map_err(|e| Verdict::Failed(e.to_string()))?;
    let result = context
        .init(store, leaf, chain, |context| {
            Ok((context.verify_cert()?, context.error()))
        })
        .map_err(|e| Verdict::Failed(e.to_string()))?;
    match result {
        (true, _) => Ok(()),
        (false, error) => Err(Verdict::Rejected(error)),
    }
}

/// rustls' certificate check, done by OpenSSL against [`Roots`]; the server
/// name by rustls (webpki), the handshake signatures by the crypto provider.
#[derive(Debug)]
struct SystemRoots {
    roots: Arc<Roots>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl std::fmt::Debug for Roots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Roots")
            .field("dirs", &self.dirs)
            .field("bundle", &self.bundle)
            .field("loaded", &self.loaded())
            .finish()
    }
}

/// One per process: every client shares the stores, filled at most once.
static SYSTEM_ROOTS: OnceLock<Arc<Roots>> = OnceLock::new();

/// Whether this process has read any trust root yet.
#[cfg(test)]
fn system_roots_loaded() -> bool {
    SYSTEM_ROOTS.get().is_some_and(|roots| roots.loaded())
}

fn bad_der(_: ErrorStack) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::BadEncoding)
}

impl ServerCertVerifier for SystemRoots {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let leaf = X509::from_der(end_entity).map_err(bad_der)?;
        let mut chain = Stack::new().map_err(bad_der)?;
        for certificate in intermediates {
            chain
                .push(X509::from_der(certificate).map_err(bad_der)?)
                .map_err(bad_der)?;
        }
        self.roots
            .verify(&leaf, &chain)
            .map_err(|verdict| match (verdict.code(), verdict) {
                (Some(ISSUER_NOT_FOUND | ISSUER_NOT_FOUND_LOCALLY), _) => {
                    rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
                }
                (Some(CERT_HAS_EXPIRED), _) => {
                    rustls::Error::InvalidCertificate(CertificateError::Expired)
                }
                (Some(CERT_NOT_YET_VALID), _) => {
                    rustls::Error::InvalidCertificate(CertificateError::NotValidYet)
                }
                (_, Verdict::Rejected(result)) => rustls::Error::General(format!(
                    "certificate verify failed: {}",
                    result.error_string()
                )),
                (_, Verdict::Failed(detail)) => rustls::Error::General(detail),
            })?;
        let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_name(&parsed, server_name)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::asn1::Asn1Time;
    use openssl::bn::BigNum;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::{PKey, Private};
    use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
    use openssl::x509::{X509Builder, X509NameBuilder};
    use std::io::{Read, Write};

    fn key() -> PKey<Private> {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
    }

    /// A certificate for `name`, signed by `issuer` (self-signed CA when None).
    fn certificate(
        name: &str,
        key: &PKey<Private>,
        issuer: Option<(&X509, &PKey<Private>)>,
    ) -> X509 {
        let mut subject = X509NameBuilder::new().unwrap();
        subject.append_entry_by_text("CN", name).unwrap();
        let subject = subject.build();
        let mut builder = X509Builder::new().unwrap();
        builder.set_version(2).unwrap();
        let serial = BigNum::from_u32(rand_serial()).unwrap().to_asn1_integer();
        builder.set_serial_number(&serial.unwrap()).unwrap();
        builder.set_subject_name(&subject).unwrap();
        builder.set_pubkey(key).unwrap();
        builder
            .set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        builder
            .set_not_after(&Asn1Time::days_from_now(2).unwrap())
            .unwrap();
        match issuer {
            None => {
                builder.set_issuer_name(&subject).unwrap();
                let ca = BasicConstraints::new().critical().ca().build().unwrap();
                builder.append_extension(ca).unwrap();
                builder.sign(key, MessageDigest::sha256()).unwrap();
            }
            Some((ca, ca_key)) => {
                builder.set_issuer_name(ca.subject_name()).unwrap();
                let context = builder.x509v3_context(Some(ca), None);
                let names = SubjectAlternativeName::new()
                    .dns("localhost")
                    .ip("127.0.0.1")
                    .build(&context)
                    .unwrap();
                builder.append_extension(names).unwrap();
                builder.sign(ca_key, MessageDigest::sha256()).unwrap();
            }
        }
        builder.build()
    }

    fn rand_serial() -> u32 {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).unwrap();
        u32::from_le_bytes(bytes) >> 1
    }

    struct Pki {
        dir: PathBuf,
        ca: X509,
        leaf: X509,
        leaf_key: PKey<Private>,
    }

    /// A throwaway CA in `dir/hashed/<subject hash>.0` (as `openssl rehash`
    /// leaves it), the same CA as a bundle in `dir/bundle.pem`, an empty
    /// `dir/empty/`, and a leaf for localhost / 127.0.0.1 it signed.
    fn pki(label: &str) -> Pki {
        let dir =
            std::env::temp_dir().join(format!("spotify-auth-tls-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("hashed")).unwrap();
        std::fs::create_dir_all(dir.join("empty")).unwrap();
        let ca_key = key();
        let ca = certificate("spotify-auth test CA", &ca_key, None);
        let pem = ca.to_pem().unwrap();
        let hashed = dir
            .join("hashed")
            .join(format!("{:08x}.0", ca.subject_name_hash()));
        std::fs::write(hashed, &pem).unwrap();
        std::fs::write(dir.join("bundle.pem"), &pem).unwrap();
        let leaf_key = key();
        let leaf = certificate("localhost", &leaf_key, Some((&ca, &ca_key)));
        Pki {
            dir,
            ca,
            leaf,
            leaf_key,
        }
    }

    fn verifier(roots: Roots) -> SystemRoots {
        SystemRoots {
            roots: Arc::new(roots),
            algorithms: rustls_openssl::default_provider().signature_verification_algorithms,
        }
    }

    fn verify(verifier: &SystemRoots, leaf: &X509, name: &str) -> std::result::Result<(), String> {
        let der = CertificateDer::from(leaf.to_der().unwrap());
        let name = ServerName::try_from(name.to_string()).unwrap();
        verifier
            .verify_server_cert(&der, &[], &name, &[], UnixTime::now())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn building_a_client_reads_no_trust_root() {
        let client = client_builder().unwrap().build().unwrap();
        drop(client);
        assert!(!system_roots_loaded());
    }

    #[test]
    fn roots_are_looked_up_by_hash_only_when_a_certificate_is_checked() {
        let pki = pki("hash");
        let verifier = verifier(Roots::new(vec![pki.dir.join("hashed")], None));
        assert!(!verifier.roots.loaded());
        assert_eq!(verify(&verifier, &pki.leaf, "localhost"), Ok(()));
        assert_eq!(verify(&verifier, &pki.leaf, "127.0.0.1"), Ok(()));
        let wrong = verify(&verifier, &pki.leaf, "example.com").unwrap_err();
        assert!(wrong.contains("not valid for name"), "{wrong}");
        // Only the directory store was built: the bundle was never needed.
        assert!(verifier.roots.from_bundle.get().is_none());
        let _ = std::fs::remove_dir_all(&pki.dir);
    }

    #[test]
    fn an_unknown_issuer_is_refused_and_the_bundle_is_the_fallback() {
        let pki = pki("fallback");
        let empty = verifier(Roots::new(vec![pki.dir.join("empty")], None));
        let refused = verify(&empty, &pki.leaf, "localhost").unwrap_err();
        assert!(refused.contains("UnknownIssuer"), "{refused}");
        // A CA certificate is not a server certificate for localhost either.
        let self_signed = verify(&empty, &pki.ca, "localhost").unwrap_err();
        assert!(!self_signed.is_empty());
        let fallback = verifier(Roots::new(
            vec![pki.dir.join("empty")],
            Some(pki.dir.join("bundle.pem")),
        ));
        assert_eq!(verify(&fallback, &pki.leaf, "localhost"), Ok(()));
        assert!(fallback.roots.from_bundle.get().is_some());
        let _ = std::fs::remove_dir_all(&pki.dir);
    }

    /// The whole path: reqwest with this configuration against a TLS server
    /// on loopback whose CA is found by hash in a test directory.
    #[test]
    fn reqwest_talks_https_to_a_server_whose_root_is_in_the_directory() {
        let pki = pki("e2e");
        let server_config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls_openssl::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(pki.leaf.to_der().unwrap())],
            rustls::pki_types::PrivateKeyDer::Pkcs8(
                pki.leaf_key.private_key_to_pkcs8().unwrap().into(),
            ),
        )
        .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (socket, _) = listener.accept().unwrap();
            let connection = rustls::ServerConnection::new(Arc::new(server_config)).unwrap();
            let mut tls = rustls::StreamOwned::new(connection, socket);
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") && tls.read(&mut byte).unwrap() == 1 {
                request.push(byte[0]);
            }
            tls.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                .unwrap();
            tls.conn.send_close_notify();
            let _ = tls.flush();
            String::from_utf8_lossy(&request).into_owned()
        });
        let roots = Arc::new(Roots::new(vec![pki.dir.join("hashed")], None));
        let config = config_trusting(roots.clone()).unwrap();
        let client = reqwest::blocking::Client::builder()
            .tls_backend_preconfigured(config)
            .build()
            .unwrap();
        assert!(!roots.loaded());
        let body = client
            .get(format!("https://localhost:{port}/v1/me"))
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert_eq!(body, "ok");
        assert!(roots.loaded());
        assert!(server.join().unwrap().starts_with("GET /v1/me HTTP/1.1"));
        let _ = std::fs::remove_dir_all(&pki.dir);
    }
}
