//! End-to-end tests of the ticket routes beyond the basics: a lifecycle through an approval
//! and a proposed solution the requester accepts and rates, time tracking and its reports, and
//! an idempotent retry of a vote. Attachments are in `ticket_attachments.rs`, the roles in
//! `ticket_roles.rs`.

mod common;

use common::desk::*;
use common::error_of;
use common::launch::open_desk_with;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn delete(desk: &Desk, token: &str, path: &str) -> reqwest::blocking::RequestBuilder {
    common::client()
        .delete(desk.server.url(path))
        .bearer_auth(token)
}

fn bare(id: &str) -> String {
    id.split_once('-').map_or(id, |(_, u)| u).to_owned()
}

fn pending(desk: &Desk, token: &str, position: u64) -> Vec<Value> {
    let body = ok(
        desk.get(
            token,
            &format!("/api/approvals/pending?min_position={position}"),
        ),
        StatusCode::OK,
    );
    assert!(body["position"].as_u64().unwrap() >= position, "{body}");
    body["items"].as_array().unwrap().clone()
}

#[test]
fn a_ticket_goes_through_an_approval_and_an_accepted_rated_solution_to_closure() {
    let (desk, category) = open_desk_with(&[]);
    let (agent_id, agent) = (&desk.agent.0, &desk.agent.1);
    let (requester_id, requester) = (&desk.requester.0, &desk.requester.1);
    let opened = created(desk.post(
        agent,
        "/api/tickets",
        json!({"subject": "Need a new laptop", "requester_id": requester_id}),
    ));
    let number = opened["number"].as_u64().unwrap();
    let path = |suffix: &str| format!("/api/tickets/{number}{suffix}");

    // An approval of two voters that both must accept.
    let asked = ok(
        desk.post(
            agent,
            &path("/approvals"),
            json!({
                "template_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
                "description": "Laptop purchase",
                "voter_ids": [agent_id, requester_id],
                "rule": "all",
            }),
        ),
        StatusCode::OK,
    );
    let approval = asked["item_id"].as_str().unwrap().to_owned();
    let position = asked["position"].as_u64().unwrap();
    for token in [agent, requester] {
        let items = pending(&desk, token, position);
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0]["approval"]["approval_id"], approval.as_str());
        assert_eq!(items[0]["ticket_id"], bare(opened["id"].as_str().unwrap()));
    }

    // The agent votes; a retry with the same key answers the same and writes nothing.
    let vote_path = path(&format!("/approvals/{approval}/vote"));
    let vote = || {
        desk.post(
            agent,
            &vote_path,
            json!({"decision": "approve", "comment": "fine"}),
        )
        .header("Idempotency-Key", "vote-1")
    };
    let first = ok(vote(), StatusCode::OK);
    let head = desk.head();
    let again = ok(vote(), StatusCode::OK);
    assert_eq!(again, first);
    assert_eq!(desk.head(), head, "the retry wrote nothing");
    // Without the key, a second vote is refused by the domain.
    let (status, body) = error_of(
        desk.post(agent, &vote_path, json!({"decision": "approve"}))
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(pending(&desk, agent, first["position"].as_u64().unwrap()).is_empty());

    // The requester's vote decides it.
    let decided = ok(
        desk.post(requester, &vote_path, json!({"decision": "approve"})),
        StatusCode::OK,
    );
    let position = decided["position"].as_u64().unwrap();
    assert!(pending(&desk, requester, position).is_empty());
    let listed = ok(
        desk.get(
            requester,
            &format!("{}?min_position={position}", path("/approvals")),
        ),
        StatusCode::OK,
    );
    let approvals = listed["approvals"].as_array().unwrap();
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0]["status"], "Approved");
    assert_eq!(
        approvals[0]["voters"][bare(agent_id)]["note"],
        "fine",
        "{listed}"
    );

    // Work is logged: 45 minutes in the category.
    let logged = ok(
        desk.post(
            agent,
            &path("/time"),
            json!({"minutes": 45, "to": "2024-03-05T10:00:00Z", "category_id": category, "comment": "setup"}),
        ),
        StatusCode::OK,
    );
    let position = logged["position"].as_u64().unwrap();
    let time = ok(
        desk.get(agent, &format!("{}?min_position={position}", path("/time"))),
        StatusCode::OK,
    );
    assert_eq!(
        time["time"]["total"],
        json!({"seconds": 2700, "entries": 1})
    );
    assert_eq!(time["time"]["entries"][0]["entry_id"], logged["item_id"]);
    let report = ok(
        desk.get(
            agent,
            &format!("/api/time?agent=me&from=2024-03-01&to=2024-03-31&min_position={position}"),
        ),
        StatusCode::OK,
    );
    assert_eq!(report["total"], json!({"seconds": 2700, "entries": 1}));
    assert_eq!(report["by_day"][0]["date"], "2024-03-05");
    assert_eq!(report["by_category"][0]["key"], bare(&category));
    let elsewhere = ok(
        desk.get(agent, "/api/time?from=2024-04-01&to=2024-04-30"),
        StatusCode::OK,
    );
    assert_eq!(elsewhere["total"], json!({"seconds": 0, "entries": 0}));

    // A first solution is rejected by the requester, which reopens the ticket.
    ok(
        desk.post(
            agent,
            &path("/solution"),
            json!({"body": "Use the old one."}),
        ),
        StatusCode::OK,
    );
    let (status, body) = error_of(
        desk.post(requester, &path("/solution/reject"), json!({"reason": ""}))
            .send()
            .unwrap(),
    );
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a rejection needs a reason: {body}"
    );
    let rejected = ok(
        desk.post(
            requester,
            &path("/solution/reject"),
            json!({"reason": "It is broken too."}),
        ),
        StatusCode::OK,
    );
    let s = summary(&desk, agent, number, rejected["position"].as_u64().unwrap());
    assert_eq!(s["status_category"], "Open");

    // A second one is proposed; the requester accepts and rates it, which closes the ticket.
    let proposed = ok(
        desk.post(
            agent,
            &path("/solution"),
            json!({"body": "Ordered and delivered to your desk."}),
        ),
        StatusCode::OK,
    );
    let s = summary(&desk, agent, number, proposed["position"].as_u64().unwrap());
    assert_eq!(s["status_category"], "Resolved");
    let (status, body) = error_of(
        desk.post(requester, &path("/solution/accept"), json!({"rating": 6}))
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "rating");
    let (status, _) = error_of(
        desk.post(requester, &path("/solution/accept"), json!({"rating": 2}))
            .send()
            .unwrap(),
    );
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a low rating needs a comment"
    );
    let accepted = ok(
        desk.post(
            requester,
            &path("/solution/accept"),
            json!({"rating": 5, "comment": "quick"}),
        ),
        StatusCode::OK,
    );
    let s = summary(
        &desk,
        requester,
        number,
        accepted["position"].as_u64().unwrap(),
    );
    assert_eq!(s["status_category"], "Closed");
    let history = ok(
        desk.get(
            agent,
            &format!(
                "{}?min_position={}",
                path("/history"),
                accepted["position"].as_u64().unwrap()
            ),
        ),
        StatusCode::OK,
    );
    let actions = actions(&history);
    for expected in [
        "approval_requested",
        "solution_rejected",
        "solution_accepted",
    ] {
        assert!(
            actions.iter().any(|a| a.contains(expected)),
            "{expected} not in {actions:?}"
        );
    }
}

#[test]
fn time_entries_are_deleted_and_bad_time_input_writes_nothing() {
    let (desk, category) = open_desk_with(&[]);
    let agent = &desk.agent.1;
    let opened = created(desk.post(
        agent,
        "/api/tickets",
        json!({"subject": "Printer", "requester_id": desk.requester.0}),
    ));
    let number = opened["number"].as_u64().unwrap();
    let path = format!("/api/tickets/{number}/time");
    let head = desk.head();
    for (body, field) in [
        (json!({"minutes": 0}), "minutes"),
        (
            json!({"minutes": 30, "from": "2024-01-01T00:00:00Z"}),
            "minutes",
        ),
        (json!({"from": "yesterday"}), "from"),
        (
            json!({"minutes": 5, "category_id": "timecategory-01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
            "category_id",
        ),
        (
            json!({"minutes": 5, "user_id": desk.requester.0}),
            "user_id",
        ),
    ] {
        let (status, err) = error_of(desk.post(agent, &path, body.clone()).send().unwrap());
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {err}");
        assert_eq!(err["error"]["field"], field, "{body}: {err}");
    }
    assert_eq!(desk.head(), head);
    let logged = ok(
        desk.post(
            agent,
            &path,
            json!({"from": "2024-01-02T09:00:00Z", "to": "2024-01-02T11:00:00Z", "category_id": category}),
        ),
        StatusCode::OK,
    );
    let entry = logged["item_id"].as_str().unwrap();
    let deleted = ok(
        delete(&desk, agent, &format!("{path}/{entry}")),
        StatusCode::OK,
    );
    let time = ok(
        desk.get(
            agent,
            &format!(
                "{path}?min_position={}",
                deleted["position"].as_u64().unwrap()
            ),
        ),
        StatusCode::OK,
    );
    assert_eq!(time["time"]["total"], json!({"seconds": 0, "entries": 0}));
    let (status, _) = error_of(
        delete(&desk, agent, &format!("{path}/{entry}"))
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::NOT_FOUND);
}
