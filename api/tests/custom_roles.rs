//! Custom roles act as the built-in role their grants amount to: a role granted `tickets:*`
//! works tickets like an agent; a role with less than a requester's grants is refused
//! everywhere.

mod common;

use common::{client, seed_role, seed_users, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[test]
fn a_custom_role_is_allowed_what_its_grants_amount_to() {
    let dir = tempfile::tempdir().unwrap();
    let first = Server::start(dir.path());
    assert!(first.stop().success());
    seed_role(dir.path(), "triage", &["tickets:*", "comments:*"]);
    seed_role(dir.path(), "kb-reader", &["kb:read:public"]);
    let users = seed_users(
        dir.path(),
        &[
            ("tina", "triage"),
            ("rex", "kb-reader"),
            ("rita", "requester"),
        ],
    );
    let (tina, rex, rita) = (&users[0].1, &users[1].1, &users[2].0);
    let server = Server::start(dir.path());

    // Triage works tickets: opens one for a requester and answers it.
    let opened = client()
        .post(server.url("/api/tickets"))
        .bearer_auth(tina)
        .json(&json!({"subject": "Badge reader dead", "description": "Door 3.", "requester_id": rita}))
        .send()
        .unwrap();
    assert_eq!(opened.status(), StatusCode::CREATED);
    let opened: Value = opened.json().unwrap();
    let number = opened["number"].as_u64().unwrap();
    let replied = client()
        .post(server.url(&format!("/api/tickets/{number}/replies")))
        .bearer_auth(tina)
        .json(&json!({"body": "On my way."}))
        .send()
        .unwrap();
    assert_eq!(replied.status(), StatusCode::OK);

    // A role without ticket grants is refused, with the error shape.
    for request in [
        client().get(server.url("/api/tickets")).bearer_auth(rex),
        client()
            .post(server.url("/api/tickets"))
            .bearer_auth(rex)
            .json(&json!({"subject": "x", "description": "y", "requester_id": rita})),
    ] {
        let response = request.send().unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: Value = response.json().unwrap();
        assert_eq!(body["error"]["code"], "forbidden", "{body}");
    }
    assert!(server.stop().success());
}
