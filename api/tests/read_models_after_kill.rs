//! A `kill -9` right after writes: the read models hold their newest steps in memory for up
//! to ~100 ms before storing them with their checkpoint, so a kill at once loses those steps
//! from the stored models. The restarted server must answer exactly what it answered before:
//! every acknowledged write visible, none applied twice.

mod common;

use common::desk::*;
use common::Server;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// What the agent reads at `position`: the list of every ticket, one ticket's history (the
/// newest: its events are the ones most likely unstored at the kill), and
/// a search that only the replies match.
fn read_back(desk: &Desk, number: u64, position: u64) -> (Value, Value, Value) {
    let agent = &desk.agent.1;
    let list = ok(
        desk.get(
            agent,
            &format!("/api/tickets?limit=100&sort=number&min_position={position}"),
        ),
        StatusCode::OK,
    );
    let history = ok(
        desk.get(
            agent,
            &format!("/api/tickets/{number}/history?min_position={position}"),
        ),
        StatusCode::OK,
    );
    let search = ok(
        desk.get(
            agent,
            &format!("/api/tickets/search?q=wrench&limit=100&min_position={position}"),
        ),
        StatusCode::OK,
    );
    (
        list["items"].clone(),
        history["entries"].clone(),
        search["items"].clone(),
    )
}

#[test]
fn a_server_killed_right_after_writes_restarts_with_each_event_applied_once() {
    let desk = Desk::open();
    let agent = desk.agent.1.clone();
    let requester_id = desk.requester.0.clone();

    // Arrange: twelve tickets with a reply each; the last answer's position.
    let mut numbers = Vec::new();
    let mut last = 0;
    for i in 0..12 {
        let opened = created(desk.post(
            &agent,
            "/api/tickets",
            json!({"subject": format!("Printer {i} jams"), "description": "Paper everywhere.", "requester_id": requester_id}),
        ));
        let number = opened["number"].as_u64().unwrap();
        let replied = ok(
            desk.post(
                &agent,
                &format!("/api/tickets/{number}/replies"),
                json!({"body": format!("Bring a wrench, number {i}.")}),
            ),
            StatusCode::OK,
        );
        last = replied["position"].as_u64().unwrap();
        numbers.push(number);
    }
    let newest = numbers[numbers.len() - 1];
    let before = read_back(&desk, newest, last);
    assert_eq!(before.0.as_array().unwrap().len(), 12, "{}", before.0);
    assert_eq!(before.2.as_array().unwrap().len(), 12, "{}", before.2);
    assert_eq!(
        actions(&json!({"entries": before.1})),
        ["created", "reply_added", "first_response_recorded"]
    );

    // Act: SIGKILL at once, then start again on the same data.
    let mut desk = desk;
    desk.server.kill();
    desk.server = Server::start(desk._dir.path());

    // Assert: the same answers, to the byte.
    let after = read_back(&desk, newest, last);
    assert_eq!(after, before);
}
