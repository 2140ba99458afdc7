//! What the end-to-end test binaries share: the real server on a loopback port, a client,
//! the error-shape check, and users seeded into a stopped server's data directory (there is
//! no user-admin route yet, so tests create requesters, agents and auditors offline, through
//! the same command service and token issuing as the server).

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod desk;
pub mod launch;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The first admin's password (from the environment, so never printed).
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// A running `ledgerdesk` binary; killed when dropped.
pub struct Server {
    child: Child,
    base: String,
    /// What the server printed before its address (the first start's credentials).
    pub first_start: Vec<String>,
}

impl Server {
    // Every path either hands the child to `Server` (whose Drop kills and waits) or kills and
    // waits before panicking; the lint cannot see through the `expect` on stdout.
    #[allow(clippy::zombie_processes)]
    /// Starts the binary on `data_dir` and waits (bounded) for its address.
    pub fn start(data_dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ledgerdesk"))
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data_dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LEDGERDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env(
                "LEDGERDESK_LOG_LEVEL",
                if std::env::var("TEST_LOG").is_ok() {
                    "info"
                } else {
                    "error"
                },
            )
            .stdout(Stdio::piped())
            .stderr(if std::env::var("TEST_LOG").is_ok() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("start ledgerdesk");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut first_start = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .expect("the server printed its address within 30 s");
            if let Some(address) = line.strip_prefix("ledgerdesk listening on ") {
                return Server {
                    child,
                    base: address.trim().to_owned(),
                    first_start,
                };
            }
            first_start.push(line);
        }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The admin token printed on first start.
    pub fn admin_token(&self) -> String {
        self.first_start
            .iter()
            .find_map(|l| l.strip_prefix("admin API token: "))
            .expect("first start printed a token")
            .to_owned()
    }

    /// SIGKILL, as a crash would, and wait for the process to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait (bounded) for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").arg("-TERM").arg(pid).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking client with a bounded timeout.
pub fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The status and body of an error answer, checking the one error shape.
pub fn error_of(response: reqwest::blocking::Response) -> (StatusCode, Value) {
    let status = response.status();
    let body: Value = response.json().expect("a JSON error body");
    assert!(body["error"]["code"].is_string(), "error shape: {body}");
    assert!(body["error"]["message"].is_string(), "error shape: {body}");
    (status, body)
}

/// `POST /api/auth/login`.
pub fn login(server: &Server, username: &str, password: &str) -> reqwest::blocking::Response {
    client()
        .post(server.url("/api/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .unwrap()
}

/// Creates users with built-in roles in the data directory of a stopped server (after its
/// first start installed the roles) and issues each an API token. `users` are
/// `(username, role)` pairs; answers `(user-ULID, token)` in the same order.
pub fn seed_users(data_dir: &Path, users: &[(&str, &str)]) -> Vec<(String, String)> {
    use ledgerdesk_api::auth::bootstrap::issue_token;
    use ledgerdesk_core::aggregate::CommandContext;
    use ledgerdesk_core::command::{CommandOptions, CommandService};
    use ledgerdesk_core::directory::role;
    use ledgerdesk_core::directory::user::{
        CreateUser, UserAggregate, UserCommand, UserKind, UserProfile,
    };
    use ledgerdesk_core::{
        Actor, EventStore, SledEventStore, StoreConfig, StreamId, StreamKind, Timestamp,
    };
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        let store = SledEventStore::open(data_dir, StoreConfig::default()).expect("open the store");
        let commands = CommandService::new(std::sync::Arc::new(store.clone()), 16);
        let ctx = CommandContext {
            actor: Actor::System,
            now: Timestamp::now(),
        };
        let mut out = Vec::new();
        for (username, role_name) in users {
            let role = store
                .claim_holder(role::NAME_SCOPE, role_name)
                .await
                .expect("read a claim")
                .unwrap_or_else(|| panic!("no role {role_name}: start the server once first"));
            let user = StreamId::generate(StreamKind::User);
            let kind = match *role_name {
                "admin" | "agent" => UserKind::Agent,
                _ => UserKind::Requester,
            };
            let create = UserCommand::Create(CreateUser {
                user_id: user.id,
                kind,
                username: Some((*username).to_owned()),
                email: None,
                full_name: format!("Test {username}"),
                profile: UserProfile::default(),
                role_id: role.id,
                with_password: false,
            });
            commands
                .execute::<UserAggregate>(user, &create, &ctx, CommandOptions::default())
                .await
                .expect("create a user");
            let token = issue_token(&commands, user, "test", None, &ctx)
                .await
                .expect("issue a token");
            out.push((user.to_string(), token));
        }
        store.close().await;
        out
    })
}

/// Creates a custom role `name` with `grants` in a stopped server's data directory.
pub fn seed_role(data_dir: &Path, name: &str, grants: &[&str]) {
    use ledgerdesk_core::aggregate::CommandContext;
    use ledgerdesk_core::command::{CommandOptions, CommandService};
    use ledgerdesk_core::directory::role::{RoleAggregate, RoleCommand};
    use ledgerdesk_core::{Actor, SledEventStore, StoreConfig, StreamId, StreamKind, Timestamp};
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        let store = SledEventStore::open(data_dir, StoreConfig::default()).expect("open the store");
        let commands = CommandService::new(std::sync::Arc::new(store.clone()), 16);
        let role = StreamId::generate(StreamKind::Role);
        let create = RoleCommand::Create {
            role_id: role.id,
            name: name.to_owned(),
            grants: grants.iter().map(|g| (*g).to_owned()).collect(),
            hierarchy: false,
        };
        let ctx = CommandContext {
            actor: Actor::System,
            now: Timestamp::now(),
        };
        commands
            .execute::<RoleAggregate>(role, &create, &ctx, CommandOptions::default())
            .await
            .expect("create a role");
        store.close().await;
    });
}
