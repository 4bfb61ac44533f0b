//! The Vertex token flow: a test service-account key (generated here), the token
//! endpoint served by the emulator, tokens cached across calls and replaced after
//! expiry or a 401.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::RsaKeyPair;
use base64::Engine;
use serde_json::json;
use tally_gemini::{Backend, FailureKind, GeminiClient, GeminiConfig, Secret, VertexCredentials};

use crate::support::*;

const MODEL: &str = "gemini-2.5-flash";

/// Writes a service-account key file whose `token_uri` is `token_uri`.
fn write_key(dir: &Path, name: &str, token_uri: &str) -> PathBuf {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
    let der: Pkcs8V1Der = pair.as_der().unwrap();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(der.as_ref())
    );
    let key = json!({"type": "service_account", "project_id": "tally-test", "private_key_id": name,
                     "private_key": pem, "client_email": format!("{name}@tally-test.iam.gserviceaccount.com"),
                     "token_uri": token_uri});
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, key.to_string()).unwrap();
    path
}

struct Vertex {
    dir: tempfile::TempDir,
    emulator: gemini_emulator::RunningEmulator,
    inspect: Inspect,
    pages: Vec<tally_gemini::Page>,
    key: PathBuf,
}

/// An emulator that trusts one generated key. The key file names its token endpoint,
/// which is only known once the emulator runs: the file is completed afterwards (the
/// trusted public half does not depend on it).
async fn vertex(token_lifetime_secs: u64) -> Vertex {
    let dir = tempfile::tempdir().unwrap();
    let records = write_dataset(dir.path(), 1).unwrap();
    let key = write_key(dir.path(), "trusted", "http://pending/token");
    let mut config = test_config();
    config.datasets = Some(dir.path().to_path_buf());
    config.token_lifetime_secs = token_lifetime_secs;
    config.service_accounts = vec![key.clone()];
    let emulator = start(config).await;
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&key).unwrap()).unwrap();
    file["token_uri"] = json!(format!("{}/token", emulator.base_url()));
    std::fs::write(&key, file.to_string()).unwrap();
    let inspect = Inspect::new(&emulator);
    let pages = pages(dir.path(), &records[0]);
    Vertex {
        dir,
        emulator,
        inspect,
        pages,
        key,
    }
}

fn vertex_client(base_url: String, credentials: VertexCredentials) -> GeminiClient {
    let mut config = GeminiConfig::developer(Secret::new("unused"));
    config.backend = Backend::Vertex {
        project: "tally-test".into(),
        location: "global".into(),
        credentials,
    };
    config.base_url = Some(base_url);
    config.retry = fast_retries();
    GeminiClient::new(config).unwrap()
}

async fn tokens_issued(inspect: &Inspect) -> u64 {
    inspect.get("/_emulator/stats").await["tokens_issued"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn a_token_is_fetched_once_and_reused() {
    let v = vertex(3600).await;
    let client = vertex_client(
        v.emulator.base_url(),
        VertexCredentials::ServiceAccountKey(v.key.clone()),
    );
    for _ in 0..3 {
        let extraction = client.extract(&v.pages, &settings(MODEL)).await.unwrap();
        assert_eq!(extraction.attempts, 1);
    }
    assert_eq!(tokens_issued(&v.inspect).await, 1);
    let logged = v.inspect.logged().await;
    assert_eq!(logged.len(), 3);
    assert!(logged.iter().all(|r| r["api"] == "vertex"));
}

/// gcloud's `authorized_user` file (`gcloud auth application-default login`): a
/// refresh-token grant at the emulator's token endpoint.
#[tokio::test]
async fn authorized_user_credentials_get_a_token_by_refresh_grant() {
    let v = vertex(3600).await;
    let user = v.dir.path().join("application_default_credentials.json");
    let file = json!({"type": "authorized_user", "client_id": "tally.apps.googleusercontent.com",
                      "client_secret": "test-secret", "refresh_token": "1//test-refresh",
                      "quota_project_id": "tally-billing",
                      "token_uri": format!("{}/token", v.emulator.base_url())});
    std::fs::write(&user, file.to_string()).unwrap();
    let client = vertex_client(
        v.emulator.base_url(),
        VertexCredentials::ServiceAccountKey(user.clone()),
    );
    let extraction = client.extract(&v.pages, &settings(MODEL)).await.unwrap();
    assert_eq!(extraction.attempts, 1);
    assert_eq!(tokens_issued(&v.inspect).await, 1);

    // Without its refresh token the grant is refused, clearly and without secrets.
    let broken = v.dir.path().join("broken.json");
    let mut file = file;
    file["refresh_token"] = json!("");
    std::fs::write(&broken, file.to_string()).unwrap();
    let client = vertex_client(
        v.emulator.base_url(),
        VertexCredentials::ServiceAccountKey(broken),
    );
    let failure = client
        .extract(&v.pages, &settings(MODEL))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::Unauthenticated);
    assert!(
        failure
            .message
            .contains("Missing required parameter: refresh_token"),
        "{}",
        failure.message
    );
    assert!(!failure.message.contains("test-secret"));
}

#[tokio::test]
async fn a_401_gets_one_fresh_token() {
    let v = vertex(3600).await;
    let client = vertex_client(
        v.emulator.base_url(),
        VertexCredentials::ServiceAccountKey(v.key.clone()),
    );
    client.extract(&v.pages, &settings(MODEL)).await.unwrap();
    v.inspect.post("/_emulator/tokens/revoke", json!({})).await;
    let extraction = client.extract(&v.pages, &settings(MODEL)).await.unwrap();
    assert_eq!(
        extraction.attempts, 2,
        "refused once, then accepted with a new token"
    );
    assert_eq!(tokens_issued(&v.inspect).await, 2);

    // Refused even with a fresh token: exactly one refresh, then a clear failure.
    v.inspect
        .patch_settings(json!({"reject_tokens": true}))
        .await;
    let failure = client
        .extract(&v.pages, &settings(MODEL))
        .await
        .unwrap_err();
    assert_eq!(
        (failure.kind, failure.attempts),
        (FailureKind::Unauthenticated, 2)
    );
    assert!(
        failure
            .message
            .ends_with("(still refused after a fresh token)"),
        "{}",
        failure.message
    );
    assert_eq!(tokens_issued(&v.inspect).await, 3);
}

#[tokio::test]
async fn an_expired_token_is_replaced() {
    let v = vertex(1).await;
    let client = vertex_client(
        v.emulator.base_url(),
        VertexCredentials::ServiceAccountKey(v.key.clone()),
    );
    client.extract(&v.pages, &settings(MODEL)).await.unwrap();
    assert_eq!(tokens_issued(&v.inspect).await, 1);
    // Keep calling until the one-second token has been replaced.
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokens_issued(&v.inspect).await < 2 {
        assert!(Instant::now() < deadline, "the token was never refreshed");
        client.extract(&v.pages, &settings(MODEL)).await.unwrap();
    }
}

#[tokio::test]
async fn an_untrusted_key_is_refused_by_the_token_endpoint() {
    let v = vertex(3600).await;
    let stranger = write_key(
        v.dir.path(),
        "stranger",
        &format!("{}/token", v.emulator.base_url()),
    );
    let client = vertex_client(
        v.emulator.base_url(),
        VertexCredentials::ServiceAccountKey(stranger),
    );
    let failure = client
        .extract(&v.pages, &settings(MODEL))
        .await
        .unwrap_err();
    assert_eq!(
        (failure.kind, failure.attempts),
        (FailureKind::Unauthenticated, 1)
    );
    assert!(
        failure
            .message
            .contains("invalid_grant: Invalid JWT Signature."),
        "{}",
        failure.message
    );
    assert_eq!(
        v.inspect.requests_to(MODEL).await,
        0,
        "no model call without a token"
    );
}

#[tokio::test]
async fn the_metadata_server_supplies_tokens() {
    let v = vertex(3600).await;
    let host = v.emulator.addr().to_string();
    let client = vertex_client(
        v.emulator.base_url(),
        VertexCredentials::MetadataServer { host },
    );
    client.extract(&v.pages, &settings(MODEL)).await.unwrap();
    client.extract(&v.pages, &settings(MODEL)).await.unwrap();
    assert_eq!(tokens_issued(&v.inspect).await, 1);
}

#[tokio::test]
async fn gs_uris_reach_vertex_as_file_data() {
    let v = vertex(3600).await;
    let client = vertex_client(
        v.emulator.base_url(),
        VertexCredentials::ServiceAccountKey(v.key.clone()),
    );
    let pages = [tally_gemini::Page::from_dataset_path(
        v.dir.path(),
        "gs://forms/unit7_page1.png",
    )];
    let extraction = client.extract(&pages, &settings(MODEL)).await.unwrap();
    assert_eq!(
        extraction.reports[0].form_info.province, "",
        "unknown pages get an empty answer"
    );
    let logged = v.inspect.logged().await;
    assert_eq!(
        logged[0]["body"]["contents"][0]["parts"][1],
        json!({"fileData": {"mimeType": "image/png", "fileUri": "gs://forms/unit7_page1.png"}})
    );
}
