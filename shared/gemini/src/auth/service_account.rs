//! Access tokens from a service-account JSON key: an RS256-signed JWT assertion
//! exchanged at the key's `token_uri` (OAuth 2 JWT bearer grant).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use tally_core::contract::Secret;

use super::{TokenResponse, read_token_response};
use crate::error::{AttemptError, FailureKind};

const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const NOT_RSA: &str = "private_key is not an RSA key in PKCS#8 or PKCS#1 form";

/// The parts of a service-account key file that signing needs.
pub struct ServiceAccountKey {
    client_email: String,
    private_key_id: Option<String>,
    token_uri: String,
    signer: EncodingKey,
    /// PKCS#1 `RSAPublicKey` DER of the signing key.
    public_key: Vec<u8>,
}

#[derive(Deserialize)]
struct KeyFile {
    client_email: String,
    private_key: Secret,
    #[serde(default)]
    private_key_id: Option<String>,
    token_uri: String,
}

/// The claims Google's token endpoint expects in a JWT-bearer assertion.
#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

impl ServiceAccountKey {
    /// Reads and checks a key file; the message names the file and what is wrong with
    /// it, never the key.
    pub fn load(path: &Path) -> Result<Self, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read service-account key {shown}: {e}"))?;
        ServiceAccountKey::parse(&text).map_err(|e| format!("service-account key {shown}: {e}"))
    }

    pub fn parse(json_text: &str) -> Result<Self, String> {
        let file: KeyFile = serde_json::from_str(json_text).map_err(|e| {
            // serde's message may quote a value; only keep its position.
            format!(
                "not a service-account key file (line {}, column {})",
                e.line(),
                e.column()
            )
        })?;
        let pem = file.private_key.expose();
        // Checked here first so that a broken key gets a precise message, and for
        // the public half that a verifier needs.
        let der = pem_to_der(pem)?;
        let pair = RsaKeyPair::from_pkcs8(&der)
            .or_else(|_| RsaKeyPair::from_der(&der))
            .map_err(|_| NOT_RSA.to_string())?;
        let signer = EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| NOT_RSA.to_string())?;
        Ok(ServiceAccountKey {
            client_email: file.client_email,
            private_key_id: file.private_key_id,
            token_uri: file.token_uri,
            signer,
            public_key: pair.public_key().as_ref().to_vec(),
        })
    }

    pub fn client_email(&self) -> &str {
        &self.client_email
    }

    /// The public half (PKCS#1 `RSAPublicKey` DER), for whoever verifies the JWTs.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.public_key.clone()
    }

    /// The signed assertion: claims iss, scope, aud, iat, exp = iat + 3600.
    pub fn assertion(&self, now_unix: u64) -> Result<String, AttemptError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.private_key_id.clone();
        let claims = Claims {
            iss: &self.client_email,
            scope: SCOPE,
            aud: &self.token_uri,
            iat: now_unix,
            exp: now_unix + 3600,
        };
        jsonwebtoken::encode(&header, &claims, &self.signer).map_err(|_| {
            AttemptError::fatal(
                FailureKind::Unauthenticated,
                "signing the token request failed",
            )
        })
    }

    pub(super) async fn fetch_token(
        &self,
        http: &reqwest::Client,
    ) -> Result<TokenResponse, AttemptError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let assertion = self.assertion(now)?;
        let sent = http
            .post(&self.token_uri)
            .form(&[
                ("grant_type", GRANT_TYPE),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await;
        read_token_response(sent, &self.token_uri).await
    }
}

fn pem_to_der(pem: &str) -> Result<Vec<u8>, String> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("-----"))
        .collect();
    if body.is_empty() {
        return Err("private_key is empty".to_string());
    }
    STANDARD
        .decode(body)
        .map_err(|_| "private_key is not PEM (base64) text".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rsa::KeySize;
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    fn test_key() -> (String, Vec<u8>) {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(der.as_ref())
        );
        let file = json!({"type": "service_account", "client_email": "sa@p.iam.gserviceaccount.com",
            "private_key_id": "k1", "private_key": pem, "token_uri": "http://127.0.0.1:1/token"});
        (file.to_string(), pair.public_key().as_ref().to_vec())
    }

    #[test]
    fn assertion_is_a_verifiable_rs256_jwt_with_the_documented_claims() {
        let (file, public_key) = test_key();
        let key = ServiceAccountKey::parse(&file).unwrap();
        let jwt = key.assertion(1_700_000_000).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let decode = |part: &str| -> serde_json::Value {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
        };
        assert_eq!(
            decode(parts[0]),
            json!({"alg": "RS256", "typ": "JWT", "kid": "k1"})
        );
        assert_eq!(
            decode(parts[1]),
            json!({"iss": "sa@p.iam.gserviceaccount.com", "scope": SCOPE,
                   "aud": "http://127.0.0.1:1/token", "iat": 1_700_000_000u64, "exp": 1_700_003_600u64})
        );
        let signed = format!("{}.{}", parts[0], parts[1]);
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &public_key)
            .verify(signed.as_bytes(), &signature)
            .expect("signature verifies with the key's public half");
    }

    #[test]
    fn broken_key_files_say_what_is_wrong_without_the_key() {
        let (file, _) = test_key();
        let mut value: serde_json::Value = serde_json::from_str(&file).unwrap();
        value["private_key"] =
            json!("-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----");
        let error = ServiceAccountKey::parse(&value.to_string()).err().unwrap();
        assert_eq!(error, "private_key is not PEM (base64) text");
        let error = ServiceAccountKey::parse("{\"client_email\": \"x\"}")
            .err()
            .unwrap();
        assert!(
            error.starts_with("not a service-account key file"),
            "{error}"
        );
    }
}
