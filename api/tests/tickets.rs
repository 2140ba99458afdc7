//! End-to-end: the native ticket routes. A ticket's whole life over HTTP, read back through the
//! read models with read-your-writes, its history, who may do what (agent, requester, auditor),
//! idempotent retries, `If-Match`, and bad input refused with the field at fault.

mod common;

use common::{client, error_of, seed_users, Server};
use reqwest::blocking::RequestBuilder;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A server whose data directory also holds one user per role besides the admin.
struct Desk {
    server: Server,
    _dir: tempfile::TempDir,
    admin: String,
    agent: (String, String),
    requester: (String, String),
    other_requester: (String, String),
    auditor: (String, String),
}

impl Desk {
    /// Starts once (roles, admin, catalogue), stops, seeds the users, starts again.
    fn open() -> Desk {
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

    fn get(&self, token: &str, path: &str) -> RequestBuilder {
        client().get(self.server.url(path)).bearer_auth(token)
    }

    fn post(&self, token: &str, path: &str, body: Value) -> RequestBuilder {
        client()
            .post(self.server.url(path))
            .bearer_auth(token)
            .json(&body)
    }

    /// The id of the catalogue status called `name` (from the log: there is no catalogue
    /// query yet).
    fn status(&self, name: &str) -> String {
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
    fn head(&self) -> u64 {
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
fn ok(request: RequestBuilder, status: StatusCode) -> Value {
    let response = request.send().unwrap();
    let got = response.status();
    let body: Value = response.json().unwrap();
    assert_eq!(got, status, "{body}");
    body
}

fn created(request: RequestBuilder) -> Value {
    ok(request, StatusCode::CREATED)
}

/// The ticket's summary once the views reflect `position`.
fn summary(desk: &Desk, token: &str, number: u64, position: u64) -> Value {
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

fn actions(history: &Value) -> Vec<String> {
    history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_ticket_lives_its_whole_life_and_reads_back_its_own_writes() {
    let desk = Desk::open();
    let agent = &desk.agent.1;
    let (requester_id, _) = &desk.requester;

    // Arrange/act: an agent opens a ticket for the requester, answers, notes, works, closes,
    // reopens; every answer's position reads the write back at once.
    let opened = created(desk.post(
        agent,
        "/api/tickets",
        json!({"subject": "VPN drops every hour", "description": "Since Monday.", "requester_id": requester_id}),
    ));
    let number = opened["number"].as_u64().unwrap();
    assert_eq!(number, 1001);
    assert!(opened["id"].as_str().unwrap().starts_with("ticket-"));
    assert_eq!(opened["version"], 1);
    let first = summary(&desk, agent, number, opened["position"].as_u64().unwrap());
    assert_eq!(first["subject"], "VPN drops every hour");
    assert_eq!(first["status_category"], "New");
    assert_eq!(
        first["requester_id"],
        requester_id.trim_start_matches("user-")
    );
    assert_eq!(first["type_kind"], "Incident");

    let path = |suffix: &str| format!("/api/tickets/{number}{suffix}");
    let replied = ok(
        desk.post(
            agent,
            &path("/replies"),
            json!({"body": "Looking into it."}),
        ),
        StatusCode::OK,
    );
    let noted = ok(
        desk.post(
            agent,
            &path("/notes"),
            json!({"body": "Probably the DHCP lease."}),
        ),
        StatusCode::OK,
    );
    assert!(noted["version"].as_u64() > replied["version"].as_u64());
    let working = ok(
        desk.post(
            agent,
            &path("/status"),
            json!({"status_id": desk.status("In progress"), "comment": "on it"}),
        ),
        StatusCode::OK,
    );
    let s = summary(&desk, agent, number, working["position"].as_u64().unwrap());
    assert_eq!(s["status_category"], "InProgress");
    assert_eq!(s["reply_count"], 1);

    let closed = ok(
        desk.post(
            agent,
            &path("/close"),
            json!({"comments": "fixed the lease"}),
        ),
        StatusCode::OK,
    );
    let s = summary(&desk, agent, number, closed["position"].as_u64().unwrap());
    assert_eq!(s["status_category"], "Closed");
    assert!(s["closed_at"].is_number(), "{s}");
    // A closed ticket is reopened, not edited.
    let (status, body) = error_of(
        desk.post(agent, &path("/replies"), json!({"body": "one more thing"}))
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "ticket_closed");

    let reopened = ok(
        client()
            .post(desk.server.url(&path("/reopen")))
            .bearer_auth(agent),
        StatusCode::OK,
    );
    let s = summary(&desk, agent, number, reopened["position"].as_u64().unwrap());
    assert_eq!(s["status_category"], "Open");
    assert!(s["closed_at"].is_null());
    assert_eq!(s["version"], reopened["version"]);

    // The history tells it all, in order, with old and new values.
    let history = ok(
        desk.get(
            agent,
            &path(&format!("/history?min_position={}", reopened["position"])),
        ),
        StatusCode::OK,
    );
    let seen = actions(&history);
    for expected in [
        "created",
        "reply_added",
        "note_added",
        "status_changed",
        "closure_recorded",
    ] {
        assert!(
            seen.iter().any(|a| a == expected),
            "{expected} missing from {seen:?}"
        );
    }
    assert!(
        history["position"].as_u64() >= reopened["position"].as_u64(),
        "{history}"
    );
    let last = history["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "status_changed", "{last}");

    // Trash and restore: the list leaves a trashed ticket out.
    let trashed = ok(
        client()
            .post(desk.server.url(&path("/trash")))
            .bearer_auth(agent),
        StatusCode::OK,
    );
    let list = ok(
        desk.get(
            agent,
            &format!("/api/tickets?min_position={}", trashed["position"]),
        ),
        StatusCode::OK,
    );
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");
    let in_trash = ok(
        desk.get(
            agent,
            &format!(
                "/api/tickets?trashed=true&min_position={}",
                trashed["position"]
            ),
        ),
        StatusCode::OK,
    );
    assert_eq!(in_trash["items"][0]["number"], number);
    let restored = ok(
        client()
            .post(desk.server.url(&path("/restore")))
            .bearer_auth(agent),
        StatusCode::OK,
    );
    let list = ok(
        desk.get(
            agent,
            &format!("/api/tickets?min_position={}", restored["position"]),
        ),
        StatusCode::OK,
    );
    assert_eq!(list["items"][0]["number"], number);

    // Search finds words of the subject and of public replies.
    let found = ok(
        desk.get(
            agent,
            &format!(
                "/api/tickets/search?q=vpn%20looking&min_position={}",
                restored["position"]
            ),
        ),
        StatusCode::OK,
    );
    assert_eq!(found["items"][0]["number"], number, "{found}");
}

#[test]
fn assignment_and_field_updates_go_through_the_domain() {
    let desk = Desk::open();
    let (agent_id, agent) = &desk.agent;
    let opened = created(desk.post(agent, "/api/tickets", json!({"subject": "Printer jam"})));
    let path = |suffix: &str| format!("/api/tickets/{}{suffix}", opened["id"].as_str().unwrap());

    let picked = ok(
        client()
            .post(desk.server.url(&path("/pickup")))
            .bearer_auth(agent),
        StatusCode::OK,
    );
    let s = summary(&desk, agent, 1001, picked["position"].as_u64().unwrap());
    assert_eq!(s["agent_id"], agent_id.trim_start_matches("user-"));
    let mine = ok(
        desk.get(
            agent,
            &format!("/api/tickets?agent=me&min_position={}", picked["position"]),
        ),
        StatusCode::OK,
    );
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");

    // Someone else holds it now: the admin cannot pick it up.
    let (status, body) = error_of(
        client()
            .post(desk.server.url(&path("/pickup")))
            .bearer_auth(&desk.admin)
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "assigned_to_someone_else");

    ok(
        client()
            .post(desk.server.url(&path("/unassign")))
            .bearer_auth(agent),
        StatusCode::OK,
    );
    let (status, body) = error_of(
        client()
            .post(desk.server.url(&path("/unassign")))
            .bearer_auth(agent)
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "not_assigned");
    ok(
        desk.post(agent, &path("/assign"), json!({"agent_id": agent_id})),
        StatusCode::OK,
    );

    let changed = ok(
        client()
            .patch(desk.server.url(&path("")))
            .bearer_auth(agent)
            .json(&json!({"subject": "Printer jam on floor 2"})),
        StatusCode::OK,
    );
    let s = summary(&desk, agent, 1001, changed["position"].as_u64().unwrap());
    assert_eq!(s["subject"], "Printer jam on floor 2");
    assert_eq!(s["agent_id"], agent_id.trim_start_matches("user-"));
}

#[test]
fn requesters_see_and_touch_only_their_own_tickets_and_auditors_change_nothing() {
    let desk = Desk::open();
    let (rita_id, rita) = &desk.requester;
    let (_, otto) = &desk.other_requester;
    let (_, auditor) = &desk.auditor;
    let agent = &desk.agent.1;

    // A requester opens a ticket for themselves, never for someone else.
    let opened = created(desk.post(
        rita,
        "/api/tickets",
        json!({"subject": "Laptop will not boot"}),
    ));
    let number = opened["number"].as_u64().unwrap();
    let s = summary(&desk, rita, number, opened["position"].as_u64().unwrap());
    assert_eq!(s["requester_id"], rita_id.trim_start_matches("user-"));
    let (status, body) = error_of(
        desk.post(
            otto,
            "/api/tickets",
            json!({"subject": "x", "requester_id": rita_id}),
        )
        .send()
        .unwrap(),
    );
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["field"], "requester_id");

    // The agent answers publicly and notes internally.
    let path = format!("/api/tickets/{number}");
    ok(
        desk.post(
            agent,
            &format!("{path}/replies"),
            json!({"body": "Hold the power button."}),
        ),
        StatusCode::OK,
    );
    let noted = ok(
        desk.post(
            agent,
            &format!("{path}/notes"),
            json!({"body": "Secret: disk is dying."}),
        ),
        StatusCode::OK,
    );
    let at = noted["position"].as_u64().unwrap();

    // The requester replies to their own ticket, but adds no note and changes no status.
    ok(
        desk.post(
            rita,
            &format!("{path}/replies"),
            json!({"body": "Did that, no luck."}),
        ),
        StatusCode::OK,
    );
    let refused: Vec<(&str, RequestBuilder)> = vec![
        (
            "note",
            desk.post(rita, &format!("{path}/notes"), json!({"body": "x"})),
        ),
        (
            "status",
            desk.post(
                rita,
                &format!("{path}/status"),
                json!({"status_id": desk.status("Open")}),
            ),
        ),
        (
            "close",
            client()
                .post(desk.server.url(&format!("{path}/close")))
                .bearer_auth(rita),
        ),
        (
            "solution",
            desk.post(
                rita,
                &format!("{path}/replies"),
                json!({"body": "x", "is_solution": true}),
            ),
        ),
    ];
    for (name, request) in refused {
        let (status, body) = error_of(request.send().unwrap());
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
    }

    // The requester's history has no internal entry; the agent's and the auditor's do.
    let history_of = |token: &str| {
        ok(
            desk.get(token, &format!("{path}/history?min_position={at}")),
            StatusCode::OK,
        )
    };
    let for_rita = history_of(rita);
    assert!(
        !actions(&for_rita).contains(&"note_added".to_owned()),
        "{for_rita}"
    );
    assert!(
        !for_rita.to_string().contains("disk is dying"),
        "{for_rita}"
    );
    assert!(actions(&for_rita).contains(&"reply_added".to_owned()));
    assert!(actions(&history_of(agent)).contains(&"note_added".to_owned()));
    assert!(actions(&history_of(auditor)).contains(&"note_added".to_owned()));

    // Another requester does not even learn that the ticket exists.
    for (name, request) in [
        ("summary", desk.get(otto, &path)),
        ("history", desk.get(otto, &format!("{path}/history"))),
        (
            "reply",
            desk.post(otto, &format!("{path}/replies"), json!({"body": "me too"})),
        ),
    ] {
        let (status, body) = error_of(request.send().unwrap());
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {body}");
    }
    let others = ok(
        desk.get(otto, &format!("/api/tickets?min_position={at}")),
        StatusCode::OK,
    );
    assert_eq!(others["items"].as_array().unwrap().len(), 0, "{others}");
    let searched = ok(
        desk.get(
            otto,
            &format!("/api/tickets/search?q=laptop&min_position={at}"),
        ),
        StatusCode::OK,
    );
    assert_eq!(searched["items"].as_array().unwrap().len(), 0, "{searched}");
    let own = ok(
        desk.get(rita, &format!("/api/tickets?min_position={at}")),
        StatusCode::OK,
    );
    assert_eq!(own["items"].as_array().unwrap().len(), 1, "{own}");

    // Auditors read everything and change nothing.
    let head = desk.head();
    ok(desk.get(auditor, &path), StatusCode::OK);
    for (name, request) in [
        (
            "create",
            desk.post(auditor, "/api/tickets", json!({"subject": "x"})),
        ),
        (
            "reply",
            desk.post(auditor, &format!("{path}/replies"), json!({"body": "x"})),
        ),
        (
            "trash",
            client()
                .post(desk.server.url(&format!("{path}/trash")))
                .bearer_auth(auditor),
        ),
    ] {
        let (status, body) = error_of(request.send().unwrap());
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
    }
    assert_eq!(desk.head(), head, "a refused command wrote something");
}

#[test]
fn an_idempotent_retry_answers_the_first_result_and_writes_nothing() {
    let desk = Desk::open();
    let agent = &desk.agent.1;
    let create = || {
        desk.post(agent, "/api/tickets", json!({"subject": "Mail bounces"}))
            .header("Idempotency-Key", "create-42")
    };
    let first = created(create());
    let head = desk.head();
    let retry = created(create());
    assert_eq!(retry, first);
    assert_eq!(desk.head(), head);

    let reply = || {
        desk.post(
            agent,
            "/api/tickets/1001/replies",
            json!({"body": "Checking the MX."}),
        )
        .header("Idempotency-Key", "reply-1")
    };
    let answered = ok(reply(), StatusCode::OK);
    let head = desk.head();
    assert_eq!(ok(reply(), StatusCode::OK), answered);
    assert_eq!(desk.head(), head);

    // The key is the caller's own: another caller's same key is another command.
    let other = created(
        desk.post(
            &desk.admin,
            "/api/tickets",
            json!({"subject": "Mail bounces"}),
        )
        .header("Idempotency-Key", "create-42"),
    );
    assert_ne!(other["id"], first["id"]);
}

#[test]
fn a_stale_if_match_is_refused_with_409_and_writes_nothing() {
    let desk = Desk::open();
    let agent = &desk.agent.1;
    let opened = created(desk.post(agent, "/api/tickets", json!({"subject": "Wi-Fi slow"})));
    assert_eq!(opened["version"], 1);
    let reply = |version: &str| {
        desk.post(
            agent,
            "/api/tickets/1001/replies",
            json!({"body": "Which floor?"}),
        )
        .header("If-Match", version)
    };
    let fresh = ok(reply("1"), StatusCode::OK);
    assert!(fresh["version"].as_u64().unwrap() > 1);
    let head = desk.head();
    let (status, body) = error_of(reply("1").send().unwrap());
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "version_conflict");
    assert_eq!(desk.head(), head);
    let (status, body) = error_of(reply("\"soon\"").send().unwrap());
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "If-Match");
    // The current version, ETag-quoted, is accepted.
    ok(reply(&format!("\"{}\"", fresh["version"])), StatusCode::OK);
}

#[test]
fn bad_input_is_refused_with_the_field_at_fault_and_writes_nothing() {
    let desk = Desk::open();
    let agent = &desk.agent.1;
    created(desk.post(agent, "/api/tickets", json!({"subject": "Seed"})));
    let head = desk.head();
    let post = |path: &str, body: Value| desk.post(agent, path, body);
    let unknown_status = "status-01ARZ3NDEKTSV4RRFFQ69G5FAV";
    let cases: Vec<(&str, RequestBuilder, StatusCode, Option<&str>)> = vec![
        (
            "blank subject",
            post("/api/tickets", json!({"subject": "  "})),
            StatusCode::BAD_REQUEST,
            Some("subject"),
        ),
        (
            "long subject",
            post("/api/tickets", json!({"subject": "x".repeat(256)})),
            StatusCode::BAD_REQUEST,
            Some("subject"),
        ),
        (
            "missing subject",
            post("/api/tickets", json!({})),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "unknown field",
            post("/api/tickets", json!({"subject": "a", "colour": "red"})),
            StatusCode::BAD_REQUEST,
            Some("colour"),
        ),
        (
            "malformed requester",
            post(
                "/api/tickets",
                json!({"subject": "a", "requester_id": "bob"}),
            ),
            StatusCode::BAD_REQUEST,
            Some("requester_id"),
        ),
        (
            "unknown status",
            post(
                "/api/tickets",
                json!({"subject": "a", "status_id": unknown_status}),
            ),
            StatusCode::BAD_REQUEST,
            Some("status_id"),
        ),
        (
            "closed initial status",
            post(
                "/api/tickets",
                json!({"subject": "a", "status_id": desk.status("Closed")}),
            ),
            StatusCode::BAD_REQUEST,
            Some("status_id"),
        ),
        (
            "status of another kind",
            post(
                "/api/tickets/1001/status",
                json!({"status_id": "group-01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
            ),
            StatusCode::BAD_REQUEST,
            Some("status_id"),
        ),
        (
            "waiting without reason",
            post(
                "/api/tickets/1001/status",
                json!({"status_id": desk.status("Waiting")}),
            ),
            StatusCode::BAD_REQUEST,
            Some("waiting_for"),
        ),
        (
            "empty reply",
            post("/api/tickets/1001/replies", json!({"body": ""})),
            StatusCode::BAD_REQUEST,
            Some("body"),
        ),
        (
            "nothing to assign",
            post("/api/tickets/1001/assign", json!({})),
            StatusCode::BAD_REQUEST,
            Some("agent_id"),
        ),
        (
            "close unknown field",
            post("/api/tickets/1001/close", json!({"why": "x"})),
            StatusCode::BAD_REQUEST,
            Some("why"),
        ),
        (
            "malformed ticket id",
            post("/api/tickets/nope/replies", json!({"body": "x"})),
            StatusCode::BAD_REQUEST,
            Some("id"),
        ),
        (
            "unknown ticket number",
            post("/api/tickets/4242/replies", json!({"body": "x"})),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "unknown ticket ulid",
            post(
                "/api/tickets/ticket-01ARZ3NDEKTSV4RRFFQ69G5FAV/replies",
                json!({"body": "x"}),
            ),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "reopen an open ticket",
            post("/api/tickets/1001/reopen", json!({})),
            StatusCode::CONFLICT,
            None,
        ),
        (
            "restore a ticket not in the trash",
            post("/api/tickets/1001/restore", json!({})),
            StatusCode::CONFLICT,
            None,
        ),
        (
            "bad Idempotency-Key",
            post("/api/tickets/1001/replies", json!({"body": "x"})).header("Idempotency-Key", ""),
            StatusCode::BAD_REQUEST,
            Some("Idempotency-Key"),
        ),
        (
            "no token",
            client()
                .post(desk.server.url("/api/tickets"))
                .json(&json!({"subject": "a"})),
            StatusCode::UNAUTHORIZED,
            None,
        ),
        (
            "list limit 0",
            desk.get(agent, "/api/tickets?limit=0"),
            StatusCode::BAD_REQUEST,
            Some("limit"),
        ),
        (
            "list bad sort",
            desk.get(agent, "/api/tickets?sort=mood"),
            StatusCode::BAD_REQUEST,
            Some("sort"),
        ),
        (
            "list bad category",
            desk.get(agent, "/api/tickets?status_category=sleepy"),
            StatusCode::BAD_REQUEST,
            Some("status_category"),
        ),
        (
            "list bad cursor",
            desk.get(agent, "/api/tickets?cursor=zz"),
            StatusCode::BAD_REQUEST,
            Some("cursor"),
        ),
        (
            "list unknown parameter",
            desk.get(agent, "/api/tickets?colour=red"),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "empty search",
            desk.get(agent, "/api/tickets/search?q=%20"),
            StatusCode::BAD_REQUEST,
            Some("q"),
        ),
        (
            "history bad cursor",
            desk.get(agent, "/api/tickets/1001/history?after=x"),
            StatusCode::BAD_REQUEST,
            Some("after"),
        ),
        (
            "summary of nothing",
            desk.get(agent, "/api/tickets/4242"),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "bad X-Min-Position",
            desk.get(agent, "/api/tickets")
                .header("X-Min-Position", "soon"),
            StatusCode::BAD_REQUEST,
            Some("X-Min-Position"),
        ),
    ];
    for (name, request, status, field) in cases {
        let (got, body) = error_of(request.send().unwrap());
        assert_eq!(got, status, "{name}: {body}");
        if let Some(field) = field {
            assert_eq!(body["error"]["field"], field, "{name}: {body}");
        }
    }
    assert_eq!(desk.head(), head, "a refused command wrote something");

    // A position the read models cannot reach in time: 503, said plainly.
    let (status, body) = error_of(
        desk.get(agent, "/api/tickets/1001")
            .header("X-Min-Position", (head + 1_000).to_string())
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "not_caught_up");
}

#[test]
fn the_default_catalogue_is_installed_once() {
    let dir = tempfile::tempdir().unwrap();
    let count = |server: &Server, token: &str, kind: &str| -> usize {
        let events: Value = client()
            .get(server.url(&format!("/api/events?type={kind}.created&limit=100")))
            .bearer_auth(token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        events["events"].as_array().unwrap().len()
    };
    let first = Server::start(dir.path());
    let token = first.admin_token();
    assert_eq!(count(&first, &token, "status"), 9);
    assert_eq!(count(&first, &token, "ticket_type"), 6);
    assert_eq!(count(&first, &token, "priority"), 5);
    assert!(first.stop().success());
    let second = Server::start(dir.path());
    assert_eq!(count(&second, &token, "status"), 9);
    assert_eq!(count(&second, &token, "ticket_type"), 6);
    assert_eq!(count(&second, &token, "priority"), 5);
}
