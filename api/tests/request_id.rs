//! End-to-end: every answer carries an `X-Request-Id` (the client's when sane, else a new
//! ULID), and the server's log lines for a request name that id.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{client, Server};
use reqwest::StatusCode;

fn request_id(response: &reqwest::blocking::Response) -> String {
    response
        .headers()
        .get("x-request-id")
        .expect("an X-Request-Id header")
        .to_str()
        .unwrap()
        .to_owned()
}

#[test]
fn every_answer_carries_a_request_id_and_a_sane_client_id_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());

    // No id given: a fresh ULID, different per request.
    let first = client().get(server.url("/health")).send().unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let second = client().get(server.url("/health")).send().unwrap();
    let (a, b) = (request_id(&first), request_id(&second));
    assert!(ulid::Ulid::from_string(&a).is_ok(), "{a}");
    assert_ne!(a, b);

    // A sane id is echoed, on success and on errors alike (401, 404).
    for (path, status) in [
        ("/health", StatusCode::OK),
        ("/api/events", StatusCode::UNAUTHORIZED),
        ("/no/such/route", StatusCode::NOT_FOUND),
    ] {
        let answer = client()
            .get(server.url(path))
            .header("X-Request-Id", "trace-42.abc_DEF:1")
            .send()
            .unwrap();
        assert_eq!(answer.status(), status, "{path}");
        assert_eq!(request_id(&answer), "trace-42.abc_DEF:1", "{path}");
    }

    // An unreasonable one is replaced, not echoed.
    let long = "x".repeat(500);
    for given in ["has space", "quote\"d", long.as_str()] {
        let answer = client()
            .get(server.url("/health"))
            .header("X-Request-Id", given)
            .send()
            .unwrap();
        let id = request_id(&answer);
        assert_ne!(id, given);
        assert!(ulid::Ulid::from_string(&id).is_ok(), "{id}");
    }
}

#[test]
fn the_log_lines_of_a_request_name_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_ledgerdesk"))
            .args(["--listen", "127.0.0.1:0", "--log-level", "info"])
            .arg("--data-dir")
            .arg(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LEDGERDESK_ADMIN_PASSWORD", common::ADMIN_PASSWORD)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ledgerdesk"),
    );
    let stdout = BufReader::new(child.0.stdout.take().unwrap());
    let stderr = BufReader::new(child.0.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let address = stdout
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.strip_prefix("ledgerdesk listening on ")
                .map(str::to_owned)
        })
        .expect("the server printed its address");

    let answer = client()
        .get(format!("{address}/api/events"))
        .header("X-Request-Id", "find-me-7")
        .send()
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);

    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    let found = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left).map(|l| without_colours(&l)) {
            Ok(line) if line.contains("request_id=find-me-7") && line.contains("status=401") => {
                break true
            }
            Ok(line) => seen.push(line),
            Err(_) => break false,
        }
    };
    drop(child);
    assert!(
        found,
        "no log line names the request id: {}",
        seen.join("\n")
    );
}

/// The server process, killed however the test ends (a failed assertion too).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The line without ANSI colour sequences (the text format may colour field names).
fn without_colours(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn a_commands_events_carry_its_request_id_as_correlation_id() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.admin_token();
    let id = ulid::Ulid::new().to_string();
    let created = client()
        .post(server.url("/api/tickets"))
        .bearer_auth(&token)
        .header("X-Request-Id", &id)
        .json(&serde_json::json!({"subject": "Correlate me", "description": "Please."}))
        .send()
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(request_id(&created), id);
    let answer: serde_json::Value = created.json().unwrap();
    let stream = answer["id"].as_str().unwrap();
    let events: serde_json::Value = client()
        .get(server.url(&format!("/api/streams/{stream}")))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let events = events["events"].as_array().unwrap();
    assert!(!events.is_empty());
    for event in events {
        assert_eq!(event["correlation_id"], id.as_str(), "{event}");
    }
    assert!(server.stop().success());
}
