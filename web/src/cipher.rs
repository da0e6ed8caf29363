//! Tokens sealed at rest with XChaCha20-Poly1305 (RustCrypto's AEAD): a copy
//! of the database without the key gives nobody's token. The key comes from
//! `SPOTIFY_TOKEN_KEY` (32 bytes, base64 or hex) or a key file made once,
//! readable by its owner only.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::path::Path;

const NONCE_LEN: usize = 24;

/// Seals and opens token columns. `context` (the user id and the column) is
/// bound to each ciphertext, so a sealed value copied to another row or column
/// does not open.
#[derive(Clone)]
pub struct TokenCipher {
    aead: XChaCha20Poly1305,
    fingerprint: String,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCipher([redacted])")
    }
}

impl TokenCipher {
    /// A cipher with this 32-byte key.
    pub fn new(key: &[u8; 32]) -> TokenCipher {
        use sha2::{Digest, Sha256};
        // A one-way digest under its own label: it names the key, and gives
        // nothing that seals or opens.
        let digest = Sha256::new()
            .chain_update(b"spotify-auth web_app key fingerprint\0")
            .chain_update(key)
            .finalize();
        TokenCipher {
            aead: XChaCha20Poly1305::new(key.into()),
            fingerprint: digest[..16].iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    /// Which key this is (32 hex digits), recorded by the database whose rows
    /// it seals; never the key, nor anything that opens a row.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The key of `SPOTIFY_TOKEN_KEY` (base64, base64url or hex of 32 bytes).
    pub fn from_text(text: &str) -> Result<TokenCipher, String> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap_or(0))
                .collect()
        } else {
            STANDARD
                .decode(text)
                .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
                .unwrap_or_default()
        };
        let key: [u8; 32] = bytes.try_into().map_err(|_| {
            "SPOTIFY_TOKEN_KEY is not 32 bytes in base64 or hex: make one with `openssl rand -base64 32`".to_string()
        })?;
        Ok(TokenCipher::new(&key))
    }

    /// The key in `path`, made (32 random bytes, base64, mode 0600) when missing.
    pub fn from_key_file(path: &Path) -> Result<TokenCipher, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => TokenCipher::from_text(&text)
                .map_err(|_| format!("{} is not a 32-byte key in base64: delete it only if no token sealed with it must be kept", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).map_err(|e| format!("no random source: {e}"))?;
                write_private(path, STANDARD.encode(key).as_bytes())
                    .map_err(|e| format!("cannot write the key file {}: {e}", path.display()))?;
                Ok(TokenCipher::new(&key))
            }
            Err(e) => Err(format!("cannot read the key file {}: {e}", path.display())),
        }
    }

    /// `plain` sealed: a random nonce followed by the ciphertext and its tag.
    pub fn seal(&self, context: &str, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        // The OS random source does not fail on a running system; a zero nonce
        // would still be sealed, never a panic.
        let _ = getrandom::fill(&mut nonce);
        let sealed = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .unwrap_or_default();
        [nonce.as_slice(), &sealed].concat()
    }

    /// The plain text of `sealed`, or `None` when the key, the context or the bytes differ.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        let (nonce, body) = sealed.split_at_checked(NONCE_LEN)?;
        self.aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .ok()
    }
}

/// Writes a new file readable by its owner only (0600 on Unix), its folder 0700.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
        // Through a link to the folder too, as the start-up's folder check allows it.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_written_in_a_folder_reached_through_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let base = std::env::temp_dir().join(format!("web-app-key-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("real")).unwrap();
        std::os::unix::fs::symlink(base.join("real"), base.join("link")).unwrap();
        write_private(&base.join("link/key"), b"k").unwrap();
        let mode = |p: &str| {
            std::fs::metadata(base.join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!((mode("real"), mode("real/key")), (0o700, 0o600));
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn seal_open_round_trip_and_context_binding() {
        let cipher = TokenCipher::new(&[7u8; 32]);
        let sealed = cipher.seal("alice|refresh", b"AQsecret");
        assert!(!sealed.windows(8).any(|w| w == b"AQsecret"));
        assert_eq!(cipher.open("alice|refresh", &sealed).unwrap(), b"AQsecret");
        assert!(cipher.open("bob|refresh", &sealed).is_none());
        assert!(TokenCipher::new(&[8u8; 32])
            .open("alice|refresh", &sealed)
            .is_none());
        assert_eq!(
            cipher.fingerprint(),
            TokenCipher::new(&[7u8; 32]).fingerprint()
        );
        assert_ne!(
            cipher.fingerprint(),
            TokenCipher::new(&[8u8; 32]).fingerprint()
        );
        assert!(cipher.open("alice|refresh", &sealed[..10]).is_none());
        assert_ne!(
            sealed,
            cipher.seal("alice|refresh", b"AQsecret"),
            "fresh nonce"
        );
    }

    #[test]
    fn keys_from_text_and_file() {
        assert!(TokenCipher::from_text(&STANDARD.encode([1u8; 32])).is_ok());
        assert!(TokenCipher::from_text(&"ab".repeat(32)).is_ok());
        let err = TokenCipher::from_text("short").unwrap_err();
        assert!(err.contains("SPOTIFY_TOKEN_KEY"), "{err}");
        let dir = std::env::temp_dir().join(format!("web-app-key-{}", std::process::id()));
        let path = dir.join("web_app.key");
        let a = TokenCipher::from_key_file(&path).unwrap();
        let b = TokenCipher::from_key_file(&path).unwrap();
        assert_eq!(b.open("x", &a.seal("x", b"v")).unwrap(), b"v");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
