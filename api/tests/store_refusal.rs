//! The server over a disk that fails: a command whose append cannot be made durable answers
//! 503 `store_unavailable` with the one error body, and so does every command after it while
//! the disk is failing; nothing unconfirmed becomes visible; reads go on; once the disk
//! recovers, the retry of the refused command (same `Idempotency-Key`) finds what the store
//! kept and answers it, and new commands are accepted.
//!
//! The server runs in this process (its own runtime on a thread), built with a log whose sync
//! fails on demand (`StoreConfig::sync_hook`), as a full disk makes `fdatasync` fail.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{client, error_of};
use ledgerdesk_api::config::{Config, LogFormat};
use ledgerdesk_api::startup::Application;
use ledgerdesk_core::StoreConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};

const PASSWORD: &str = "a disk that fails";

/// Starts the server on a port of its own over `data_dir`; answers its base URL.
fn start(data_dir: std::path::PathBuf, failing: Arc<AtomicBool>) -> String {
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir,
        log_level: "warn".into(),
        log_format: LogFormat::Text,
        body_limit: 1 << 20,
        attachment_limit: 1 << 20,
        admin_password: Some(PASSWORD.into()),
        demo: false,
    };
    let store_config = StoreConfig::with_failing_sync(failing);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let app = Application::build_with_store(config, store_config)
                .await
                .unwrap();
            tx.send(app.address()).unwrap();
            let _ = app.run_until_stopped().await;
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

fn head(base: &str, token: &str) -> u64 {
    let body: Value = client()
        .get(format!("{base}/api/events?limit=1"))
        .bearer_auth(token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    body["head"].as_u64().unwrap_or_else(|| panic!("{body}"))
}

fn create(base: &str, token: &str, key: &str, subject: &str) -> reqwest::blocking::Response {
    client()
        .post(format!("{base}/api/tickets"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({"subject": subject}))
        .send()
        .unwrap()
}

#[test]
fn a_store_that_refuses_writes_answers_503_and_a_retry_after_recovery_finds_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let failing = Arc::new(AtomicBool::new(false));
    let base = start(dir.path().to_path_buf(), failing.clone());
    let login: Value = client()
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    assert_eq!(
        create(&base, &token, "first", "Before the disk filled").status(),
        StatusCode::CREATED
    );
    let before = head(&base, &token);

    failing.store(true, Ordering::SeqCst);
    for (key, subject) in [("refused", "While the disk is full"), ("also", "Again")] {
        let (status, body) = error_of(create(&base, &token, key, subject));
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"]["code"], "store_unavailable", "{body}");
    }
    // Nothing unconfirmed is visible, and reads go on.
    assert_eq!(head(&base, &token), before);
    let list = client()
        .get(format!("{base}/api/tickets"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK);

    failing.store(false, Ordering::SeqCst);
    // The retry of the refused command finds what the store kept (or writes it now): one
    // ticket either way, answered as created.
    let retry = create(&base, &token, "refused", "While the disk is full");
    let status = retry.status();
    assert_eq!(status, StatusCode::CREATED, "{}", retry.text().unwrap());
    let retried: Value = retry.json().unwrap();
    let again: Value = create(&base, &token, "refused", "While the disk is full")
        .json()
        .unwrap();
    assert_eq!(
        again["id"], retried["id"],
        "a second retry is the same ticket"
    );
    let after = create(&base, &token, "later", "After the disk recovered");
    assert_eq!(after.status(), StatusCode::CREATED);
    let subjects: Vec<String> = {
        let body: Value = client()
            .get(format!(
                "{base}/api/tickets?min_position={}",
                head(&base, &token)
            ))
            .bearer_auth(&token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["subject"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut subjects = subjects;
    subjects.sort();
    assert_eq!(
        subjects,
        vec![
            "After the disk recovered",
            "Before the disk filled",
            "While the disk is full"
        ]
    );
}
