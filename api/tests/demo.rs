//! End-to-end `--demo`: the binary loads a sample desk whose printed agent can log in and
//! work with hundreds of tickets and their histories; a second start with `--demo` adds
//! nothing to the log.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{client, ADMIN_PASSWORD};
use reqwest::StatusCode;
use serde_json::Value;

/// A `ledgerdesk --demo` process, killed when dropped.
struct DemoServer {
    child: Child,
    base: String,
    printed: Vec<String>,
}

impl DemoServer {
    fn start(data_dir: &Path) -> DemoServer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ledgerdesk"))
            .args(["--listen", "127.0.0.1:0", "--log-level", "error", "--demo"])
            .arg("--data-dir")
            .arg(data_dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LEDGERDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ledgerdesk --demo");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut printed = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("no address within 120 s; printed: {printed:?}");
            };
            if let Some(address) = line.strip_prefix("ledgerdesk listening on ") {
                return DemoServer {
                    child,
                    base: address.trim().to_owned(),
                    printed,
                };
            }
            printed.push(line);
        }
    }

    fn printed(&self, prefix: &str) -> Option<String> {
        self.printed
            .iter()
            .find_map(|l| l.strip_prefix(prefix).map(str::to_owned))
    }

    fn get(&self, token: &str, path: &str) -> Value {
        let response = client()
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .unwrap();
        let status = response.status();
        let body: Value = response.json().unwrap();
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    fn login(&self, username: &str, password: &str) -> String {
        let response = client()
            .post(format!("{}/api/auth/login", self.base))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "login {username}");
        let body: Value = response.json().unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// Waits (bounded) until `/ready`: the read models have folded the demo's thousands of
    /// events (a query's own `min_position` wait is shorter than that on a busy machine).
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let ready = client().get(format!("{}/ready", self.base)).send().unwrap();
            if ready.status() == StatusCode::OK {
                return;
            }
            assert!(Instant::now() < deadline, "not ready within 120 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").arg("-TERM").arg(pid).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "no clean stop within 30 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The log's head as the admin sees it.
fn head(server: &DemoServer, admin: &str) -> u64 {
    server.get(admin, "/api/events?limit=1")["head"]
        .as_u64()
        .unwrap()
}

#[test]
fn the_demo_desk_is_loaded_once_and_its_agents_work_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let server = DemoServer::start(dir.path());
    let load_time = started.elapsed();
    let password = server.printed("demo password: ").expect("a demo password");
    let agents = server.printed("demo agents: ").expect("the demo agents");
    let agent = agents
        .split_whitespace()
        .next()
        .expect("an agent")
        .to_owned();
    assert!(server.printed("demo requesters: ").is_some());
    let admin = server
        .printed("admin API token: ")
        .expect("the admin token");
    // The password is in no event of the log.
    let everything = client()
        .get(format!("{}/api/events?limit=1000", server.base))
        .bearer_auth(&admin)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!everything.contains(&password));

    // A printed agent logs in and lists hundreds of tickets, page by page.
    let token = server.login(&agent, &password);
    server.wait_ready();
    let head_before = head(&server, &admin);
    let mut cursor: Option<String> = None;
    let mut tickets = Vec::new();
    loop {
        let mut path = format!("/api/tickets?limit=100&min_position={head_before}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = server.get(&token, &path);
        tickets.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert!(tickets.len() >= 300, "{} tickets", tickets.len());
    let categories: std::collections::BTreeSet<String> = tickets
        .iter()
        .filter_map(|t| t["status_category"].as_str().map(str::to_owned))
        .collect();
    for expected in ["New", "InProgress", "Resolved", "Closed"] {
        assert!(categories.contains(expected), "{categories:?}");
    }

    // Approvals were voted on, and the two breaking news items are in the log.
    let count = |event_type: &str| {
        server.get(&admin, &format!("/api/events?type={event_type}&limit=1000"))["events"]
            .as_array()
            .unwrap()
            .len()
    };
    assert!(count("ticket.approval_vote_cast") > 0);
    assert_eq!(count("breaking_news.created"), 2);

    // The oldest ticket has a history with a reply, and the agent's login works for it.
    let oldest = tickets
        .iter()
        .filter_map(|t| t["number"].as_u64())
        .min()
        .unwrap();
    let history = server.get(&token, &format!("/api/tickets/{oldest}/history?limit=100"));
    let actions: Vec<&str> = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.len() >= 2, "{actions:?}");
    server.stop();

    // A restart with --demo adds nothing.
    let again = DemoServer::start(dir.path());
    assert!(
        again.printed("demo password: ").is_none(),
        "{:?}",
        again.printed
    );
    assert!(again
        .printed
        .iter()
        .any(|l| l.contains("already has the demo desk")));
    assert_eq!(head(&again, &admin), head_before);
    // The demo password still works after the restart.
    again.login(&agent, &password);
    eprintln!("demo load and start took {load_time:?}");
}
