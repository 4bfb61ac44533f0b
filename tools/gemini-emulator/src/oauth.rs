//! Vertex credentials: the OAuth token endpoint a service-account key's `token_uri`
//! points at, the metadata server's token path, and the check of bearer tokens.
//!
//! Issued tokens live for `token_lifetime_secs`; `reject_tokens` (runtime setting)
//! or a revocation makes the next request a 401, as an expired credential would.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use tally_gemini::ServiceAccountKey;

use crate::faults::lock;

const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// A refresh-token grant (gcloud's `authorized_user` credentials): the client and
/// the refresh token must all be present, as Google's endpoint requires.
fn check_refresh_grant(form: &HashMap<String, String>) -> Result<(), String> {
    for field in ["client_id", "client_secret", "refresh_token"] {
        if form.get(field).is_none_or(|value| value.is_empty()) {
            return Err(format!("Missing required parameter: {field}"));
        }
    }
    Ok(())
}

pub struct Tokens {
    live: Mutex<HashMap<String, Instant>>,
    issued: AtomicU64,
    /// client_email → public key; empty = signatures are not checked.
    trusted: HashMap<String, Vec<u8>>,
}

impl Tokens {
    /// Loads the trusted service-account keys; a key that cannot be read is an error
    /// naming the file.
    pub fn new(trusted_keys: &[PathBuf]) -> Result<Self, String> {
        let mut trusted = HashMap::new();
        for path in trusted_keys {
            let key = ServiceAccountKey::load(path)?;
            trusted.insert(key.client_email().to_string(), key.public_key_der());
        }
        Ok(Tokens {
            live: Mutex::new(HashMap::new()),
            issued: AtomicU64::new(0),
            trusted,
        })
    }

    pub fn issued(&self) -> u64 {
        self.issued.load(Ordering::Relaxed)
    }

    pub fn issue(&self, lifetime: Duration) -> String {
        let number = self.issued.fetch_add(1, Ordering::Relaxed) + 1;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let token = format!("ya29.emulated-{number}-{nanos:08x}");
        let now = Instant::now();
        let mut live = lock(&self.live);
        live.retain(|_, expiry| *expiry > now);
        live.insert(token.clone(), now + lifetime);
        token
    }

    pub fn is_valid(&self, token: &str) -> bool {
        lock(&self.live)
            .get(token)
            .is_some_and(|expiry| *expiry > Instant::now())
    }

    pub fn revoke_all(&self) {
        lock(&self.live).clear();
    }

    /// Checks a JWT-bearer grant: form fields, RS256 header, claims, expiry, and the
    /// signature when the issuer's key is trusted. The error is the OAuth
    /// `error_description`.
    pub fn check_grant(&self, form: &HashMap<String, String>) -> Result<(), String> {
        if form.get("grant_type").map(String::as_str) == Some("refresh_token") {
            return check_refresh_grant(form);
        }
        if form.get("grant_type").map(String::as_str) != Some(GRANT_TYPE) {
            return Err(format!(
                "Invalid grant_type: {}",
                form.get("grant_type").map_or("", String::as_str)
            ));
        }
        let assertion = form
            .get("assertion")
            .ok_or("Missing required parameter: assertion")?;
        let parts: Vec<&str> = assertion.split('.').collect();
        let [header, claims, signature] = parts.as_slice() else {
            return Err(
                "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe"
                    .into(),
            );
        };
        let decode = |part: &str| -> Result<Value, String> {
            let bytes = URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| "Invalid JWT: not base64url".to_string())?;
            serde_json::from_slice(&bytes).map_err(|_| "Invalid JWT: not JSON".to_string())
        };
        let header = decode(header)?;
        let claims = decode(claims)?;
        if header["alg"] != "RS256" {
            return Err("Invalid JWT: unsupported algorithm".into());
        }
        let iss = claims["iss"].as_str().unwrap_or_default();
        let scopes = claims["scope"].as_str().unwrap_or_default();
        if iss.is_empty() || !scopes.split(' ').any(|s| s == SCOPE) {
            return Err("Invalid JWT: missing iss or the cloud-platform scope".into());
        }
        let (Some(iat), Some(exp)) = (claims["iat"].as_u64(), claims["exp"].as_u64()) else {
            return Err("Invalid JWT: iat and exp are required".into());
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        if exp <= iat || exp - iat > 3600 || exp < now || iat > now + 300 {
            return Err("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. \
                        Check your iat and exp values in the JWT claim."
                .into());
        }
        if !claims["aud"]
            .as_str()
            .is_some_and(|aud| aud.ends_with("/token"))
        {
            return Err("Invalid JWT: aud must be the token_uri".into());
        }
        if self.trusted.is_empty() {
            return Ok(());
        }
        let key = self.trusted.get(iss).ok_or("Invalid JWT Signature.")?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| "Invalid JWT Signature.")?;
        let signed = &assertion[..assertion.rfind('.').unwrap_or(0)];
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key)
            .verify(signed.as_bytes(), &signature)
            .map_err(|_| "Invalid JWT Signature.".to_string())
    }
}
