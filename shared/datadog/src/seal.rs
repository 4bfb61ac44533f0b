//! A request's own Datadog keys, sealed with the server's key before they touch
//! Redis: XChaCha20-Poly1305 (RustCrypto's `chacha20poly1305`) under
//! `TALLY_SEAL_KEY` (32 random bytes, base64), a fresh random 24-byte nonce per
//! seal, the run id as associated data (a sealed value opens only for its run).
//! The API seals, the worker that exports opens; Redis only ever holds
//! `base64(nonce ‖ ciphertext)`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use tally_core::contract::Secret;

use crate::settings::Credentials;

const NONCE_BYTES: usize = 24;
const KEY_BYTES: usize = 32;

/// The server's sealing key. Its `Debug` names nothing of the key; two are equal
/// when their keys' SHA-256 digests are.
#[derive(Clone)]
pub struct SealKey {
    cipher: XChaCha20Poly1305,
    digest: [u8; 32],
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(redacted)")
    }
}

impl PartialEq for SealKey {
    fn eq(&self, other: &SealKey) -> bool {
        self.digest == other.digest
    }
}

impl Eq for SealKey {}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("must be {KEY_BYTES} bytes in base64 (e.g. `openssl rand -base64 32`)")]
    BadKey,
    /// Wrong server key, another run's value, or a value changed in Redis.
    #[error("the sealed Datadog keys do not open with this server's TALLY_SEAL_KEY")]
    Unopenable,
}

impl SealKey {
    /// The key from its base64 text.
    pub fn parse(text: &str) -> Result<SealKey, SealError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| SealError::BadKey)?;
        if bytes.len() != KEY_BYTES {
            return Err(SealError::BadKey);
        }
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| SealError::BadKey)?;
        Ok(SealKey {
            cipher,
            digest: Sha256::digest(&bytes).into(),
        })
    }

    /// `credentials` sealed for `run`.
    pub fn seal(&self, run: &str, credentials: &Credentials) -> String {
        let plain = serde_json::json!([credentials.api_key.expose(), credentials.app_key.expose()])
            .to_string();
        let nonce = XNonce::generate();
        let payload = Payload {
            msg: plain.as_bytes(),
            aad: run.as_bytes(),
        };
        // Encryption fails only for messages beyond the cipher's limit (256 GiB).
        let sealed = self.cipher.encrypt(&nonce, payload).unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        STANDARD.encode(bytes)
    }

    /// The credentials sealed for `run`.
    pub fn open(&self, run: &str, sealed: &str) -> Result<Credentials, SealError> {
        let bytes = STANDARD.decode(sealed).map_err(|_| SealError::Unopenable)?;
        if bytes.len() <= NONCE_BYTES {
            return Err(SealError::Unopenable);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let nonce = XNonce::try_from(nonce).map_err(|_| SealError::Unopenable)?;
        let payload = Payload {
            msg: ciphertext,
            aad: run.as_bytes(),
        };
        let plain = self
            .cipher
            .decrypt(&nonce, payload)
            .map_err(|_| SealError::Unopenable)?;
        let [api_key, app_key]: [String; 2] =
            serde_json::from_slice(&plain).map_err(|_| SealError::Unopenable)?;
        Ok(Credentials {
            api_key: Secret::new(api_key),
            app_key: Secret::new(app_key),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn credentials() -> Credentials {
        Credentials {
            api_key: Secret::new("request-api-key"),
            app_key: Secret::new("request-app-key"),
        }
    }

    #[test]
    fn sealed_keys_open_for_their_run_only() {
        let key = SealKey::parse(KEY).unwrap();
        let sealed = key.seal("run_a", &credentials());
        assert!(!sealed.contains("request"), "{sealed}");
        assert_ne!(sealed, key.seal("run_a", &credentials()), "a fresh nonce");
        assert_eq!(key.open("run_a", &sealed).unwrap(), credentials());
        assert_eq!(key.open("run_b", &sealed), Err(SealError::Unopenable));
        let other = SealKey::parse(&STANDARD.encode([7u8; 32])).unwrap();
        assert_eq!(other.open("run_a", &sealed), Err(SealError::Unopenable));
        let mut tampered = STANDARD.decode(&sealed).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(
            key.open("run_a", &STANDARD.encode(tampered)),
            Err(SealError::Unopenable)
        );
    }

    #[test]
    fn a_key_is_32_bytes_of_base64() {
        assert_eq!(SealKey::parse("c2hvcnQ="), Err(SealError::BadKey));
        assert_eq!(SealKey::parse("not base64!"), Err(SealError::BadKey));
        assert!(format!("{:?}", SealKey::parse(KEY).unwrap()).contains("redacted"));
    }
}
