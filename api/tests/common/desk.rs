//! A running desk for the ticket tests: the server, and one user of each role, with small
//! helpers to send commands and read answers.

use reqwest::blocking::RequestBuilder;
use reqwest::StatusCode;
use serde_json::Value;

use super::{client, seed_users, Server};

/// A server whose data directory also holds one user per role besides the admin.
pub struct Desk {
    pub server: Server,
    pub _dir: tempfile::TempDir,
    pub admin: String,
    pub agent: (String, String),
    pub requester: (String, String),
    pub other_requester: (String, String),
    pub auditor: (String, String),
}

impl Desk {
    /// Starts once (roles, admin, catalogue), stops, seeds the users, starts again.
    pub fn open() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let first = Server::start(dir.path());
        let admin = first.admin_token();
        assert!(first.stop().success());
        let mut users = seed_users(
            dir.path(),
            &[
                ("agnes", "agent"),
                ("rita", "requester"),
                ("otto", "requester"),
                ("audrey", "auditor"),
            ],
        )
        .into_iter();
        let mut next = || users.next().unwrap();
        let (agent, requester, other_requester, auditor) = (next(), next(), next(), next());
        Desk {
            server: Server::start(dir.path()),
            _dir: dir,
            admin,
            agent,
            requester,
            other_requester,
            auditor,
        }
    }

    pub fn get(&self, token: &str, path: &str) -> RequestBuilder {
        client().get(self.server.url(path)).bearer_auth(token)
    }

    pub fn post(&self, token: &str, path: &str, body: Value) -> RequestBuilder {
        client()
            .post(self.server.url(path))
            .bearer_auth(token)
            .json(&body)
    }

    /// The id of the catalogue status called `name` (from the log: there is no catalogue
    /// query yet).
    pub fn status(&self, name: &str) -> String {
        let events: Value = self
            .get(&self.admin, "/api/events?type=status.created&limit=100")
            .send()
            .unwrap()
            .json()
            .unwrap();
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["data"].as_object()?.values().next().cloned())
            .find(|created| created["name"] == name)
            .and_then(|created| created["status_id"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no status {name} in {events}"))
    }

    /// The log's head.
    pub fn head(&self) -> u64 {
        let events: Value = self
            .get(&self.admin, "/api/events?limit=1")
            .send()
            .unwrap()
            .json()
            .unwrap();
        events["head"].as_u64().unwrap()
    }
}

/// Sends a command, expects `status`, and answers its JSON.
pub fn ok(request: RequestBuilder, status: StatusCode) -> Value {
    let response = request.send().unwrap();
    let got = response.status();
    let body: Value = response.json().unwrap();
    assert_eq!(got, status, "{body}");
    body
}

pub fn created(request: RequestBuilder) -> Value {
    ok(request, StatusCode::CREATED)
}

/// The ticket's summary once the views reflect `position`.
pub fn summary(desk: &Desk, token: &str, number: u64, position: u64) -> Value {
    let body = ok(
        desk.get(
            token,
            &format!("/api/tickets/{number}?min_position={position}"),
        ),
        StatusCode::OK,
    );
    assert!(body["position"].as_u64().unwrap() >= position, "{body}");
    body["ticket"].clone()
}

pub fn actions(history: &Value) -> Vec<String> {
    history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}
