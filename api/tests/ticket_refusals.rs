//! End-to-end ticket tests of consistency and refusals: idempotent retries, stale `If-Match`,
//! bad input with the field at fault (and nothing written), and the default catalogue being
//! installed once.

mod common;

use common::desk::*;
use common::{client, error_of, Server};
use reqwest::blocking::RequestBuilder;
use reqwest::StatusCode;
use serde_json::{json, Value};

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
