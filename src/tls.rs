//! TLS for the HTTP clients: one rustls configuration for the blocking client
//! (the binaries, the notebooks) and the web app's async one, so every front
//! end speaks the same TLS and native-tls is nowhere.
//!
//! Its cryptography is the system's OpenSSL (`rustls-openssl`: nothing like
//! ring or aws-lc is compiled). Its certificate check is
//! rustls-platform-verifier: the operating system's own verifier on macOS and
//! Windows; on Linux, webpki against the system's roots, found where
//! `SSL_CERT_FILE` / `SSL_CERT_DIR` or the usual places say (read, never
//! written). The verifier is built on the first certificate to verify, not
//! with the client, because building it reads every system root: a process
//! that talks only `http://` (the sandbox) never reads one.
//!
//! It replaced a hand-written verifier (OpenSSL's chain check with roots
//! looked up by subject hash, one file read per https process) once measured
//! within the target: `scripts/bench-https.sh`, 2026-12-05, on the 2-core
//! machine shared with about six other builders (load average 11-13, so
//! wall times are noisy), steps 2 and 3 over https took 0.31x and 0.43x of
//! curl's median (26.8 and 36.1 ms against 85.3 and 83.2 ms; target 1.5x)
//! and 11.1 / 11.3 ms of CPU, against 9.2 / 8.2 ms with the hand-written
//! verifier in the same session and 29 ms for curl, which parses the
//! bundle too (BENCHMARKS.md section 5).

use crate::core::error::{Error, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::Verifier;
use std::sync::{Arc, OnceLock};

/// A blocking `ClientBuilder` with this crate's TLS (see the module docs).
/// Building it reads no certificate.
pub fn client_builder() -> Result<reqwest::blocking::ClientBuilder> {
    Ok(reqwest::blocking::Client::builder().tls_backend_preconfigured(client_config()?))
}

/// The async `ClientBuilder` (the web app's) with the same TLS as
/// [`client_builder`]: one stack for every front end.
pub fn async_client_builder() -> Result<reqwest::ClientBuilder> {
    Ok(reqwest::Client::builder().tls_backend_preconfigured(client_config()?))
}

/// One per process: every client shares the verifier, built at most once.
static SYSTEM: OnceLock<Arc<LazyVerifier>> = OnceLock::new();

/// The one rustls configuration of the crate, trusting the system's roots.
fn client_config() -> Result<rustls::ClientConfig> {
    let verifier = SYSTEM.get_or_init(|| Arc::new(LazyVerifier::new(Vec::new())));
    config_with(Arc::clone(verifier))
}

fn config_with(verifier: Arc<LazyVerifier>) -> Result<rustls::ClientConfig> {
    Ok(
        rustls::ClientConfig::builder_with_provider(Arc::clone(&verifier.provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::HttpClient(Box::new(e)))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth(),
    )
}

/// rustls-platform-verifier, built on the first certificate to verify.
#[derive(Debug)]
struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    /// Roots trusted besides the system's (a test's throwaway CA).
    extra_roots: Vec<CertificateDer<'static>>,
    built: OnceLock<std::result::Result<Verifier, rustls::Error>>,
}

impl LazyVerifier {
    fn new(extra_roots: Vec<CertificateDer<'static>>) -> LazyVerifier {
        LazyVerifier {
            provider: Arc::new(rustls_openssl::default_provider()),
            extra_roots,
            built: OnceLock::new(),
        }
    }

    fn verifier(&self) -> std::result::Result<&Verifier, rustls::Error> {
        let built = self.built.get_or_init(|| {
            Verifier::new_with_extra_roots(self.extra_roots.clone(), Arc::clone(&self.provider))
        });
        built.as_ref().map_err(Clone::clone)
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    // Signatures need no roots: checked by the provider, without building the verifier.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
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
    use openssl::x509::X509;
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
        ca: X509,
        leaf: X509,
        leaf_key: PKey<Private>,
    }

    /// A throwaway CA and a leaf for localhost / 127.0.0.1 it signed.
    fn pki() -> Pki {
        let ca_key = key();
        let ca = certificate("spotify-auth test CA", &ca_key, None);
        let leaf_key = key();
        let leaf = certificate("localhost", &leaf_key, Some((&ca, &ca_key)));
        Pki { ca, leaf, leaf_key }
    }

    fn der(certificate: &X509) -> CertificateDer<'static> {
        CertificateDer::from(certificate.to_der().unwrap())
    }

    fn verify(verifier: &LazyVerifier, leaf: &X509, name: &str) -> std::result::Result<(), String> {
        let name = ServerName::try_from(name.to_string()).unwrap();
        verifier
            .verify_server_cert(&der(leaf), &[], &name, &[], UnixTime::now())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn building_a_client_reads_no_trust_root() {
        let client = client_builder().unwrap().build().unwrap();
        drop(client);
        assert!(SYSTEM.get().unwrap().built.get().is_none());
    }

    #[test]
    fn roots_are_read_only_when_a_certificate_is_checked() {
        let pki = pki();
        let verifier = LazyVerifier::new(vec![der(&pki.ca)]);
        assert!(verifier.built.get().is_none());
        assert_eq!(verify(&verifier, &pki.leaf, "localhost"), Ok(()));
        assert_eq!(verify(&verifier, &pki.leaf, "127.0.0.1"), Ok(()));
        assert!(verifier.built.get().is_some());
        let wrong = verify(&verifier, &pki.leaf, "example.com").unwrap_err();
        assert!(wrong.contains("not valid for name"), "{wrong}");
    }

    #[test]
    fn an_unknown_issuer_is_refused() {
        let pki = pki();
        let system_only = LazyVerifier::new(Vec::new());
        let refused = verify(&system_only, &pki.leaf, "localhost").unwrap_err();
        assert!(refused.contains("UnknownIssuer"), "{refused}");
        // A CA certificate is not a server certificate for localhost either.
        let trusting = LazyVerifier::new(vec![der(&pki.ca)]);
        assert!(verify(&trusting, &pki.ca, "localhost").is_err());
    }

    /// The whole path: reqwest with this configuration against a TLS server
    /// on loopback whose CA it trusts.
    #[test]
    fn reqwest_talks_https_to_a_server_whose_root_it_trusts() {
        let pki = pki();
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
        let verifier = Arc::new(LazyVerifier::new(vec![der(&pki.ca)]));
        let config = config_with(Arc::clone(&verifier)).unwrap();
        let client = reqwest::blocking::Client::builder()
            .tls_backend_preconfigured(config)
            .build()
            .unwrap();
        assert!(verifier.built.get().is_none());
        let body = client
            .get(format!("https://localhost:{port}/v1/me"))
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert_eq!(body, "ok");
        assert!(verifier.built.get().is_some());
        assert!(server.join().unwrap().starts_with("GET /v1/me HTTP/1.1"));
    }
}
