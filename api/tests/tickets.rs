//! End-to-end ticket tests: a whole lifecycle with read-your-writes and history, assignment
//! and field updates, and what each role may do. Consistency and refusals (idempotency,
//! `If-Match`, bad input, the catalogue) are in `ticket_refusals.rs`.

mod common;

use common::desk::*;
use common::{client, error_of};
use reqwest::blocking::RequestBuilder;
use reqwest::StatusCode;
use serde_json::json;

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
