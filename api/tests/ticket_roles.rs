//! End-to-end: what each role may and may not do on the approval, solution, time, people,
//! link, cancel/reject/purge and query routes. A refused command writes nothing.

mod common;

use common::desk::*;
use common::error_of;
use common::launch::open_desk_with;
use reqwest::blocking::RequestBuilder;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn send(
    desk: &Desk,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> RequestBuilder {
    let request = common::client()
        .request(method, desk.server.url(path))
        .bearer_auth(token);
    match body {
        Some(b) => request.json(&b),
        None => request,
    }
}

/// Expects `status` and that the log did not grow.
fn refused(desk: &Desk, request: RequestBuilder, status: StatusCode, what: &str) {
    let head = desk.head();
    let (got, body) = error_of(request.send().unwrap());
    assert_eq!(got, status, "{what}: {body}");
    assert_eq!(desk.head(), head, "{what} wrote something");
}

#[test]
fn each_role_is_allowed_and_refused_exactly_its_share_of_the_new_routes() {
    let (desk, category) = open_desk_with(&[]);
    let (agent_id, agent) = (&desk.agent.0, &desk.agent.1);
    let (requester_id, requester) = (&desk.requester.0, &desk.requester.1);
    let auditor = &desk.auditor.1;
    let admin = &desk.admin;
    let mine = created(desk.post(
        agent,
        "/api/tickets",
        json!({"subject": "Mine", "requester_id": requester_id}),
    ))["number"]
        .as_u64()
        .unwrap();
    let theirs = created(desk.post(
        agent,
        "/api/tickets",
        json!({"subject": "Theirs", "requester_id": desk.other_requester.0}),
    ))["number"]
        .as_u64()
        .unwrap();
    // Another requester cannot be a voter on this ticket: they could not see it.
    refused(
        &desk,
        desk.post(
            agent,
            &format!("/api/tickets/{theirs}/approvals/spontaneous"),
            json!({"voter_id": requester_id, "description": "ok?"}),
        ),
        StatusCode::BAD_REQUEST,
        "another requester as voter",
    );
    let asked = ok(
        desk.post(
            agent,
            &format!("/api/tickets/{theirs}/approvals/spontaneous"),
            json!({"voter_id": agent_id, "description": "ok?"}),
        ),
        StatusCode::OK,
    );
    let approval = asked["item_id"].as_str().unwrap().to_owned();
    let none = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    let p = |n: u64, s: &str| format!("/api/tickets/{n}{s}");

    // Commands only agents and admins may send.
    let worker_only: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            p(mine, "/approvals"),
            Some(
                json!({"template_id": none, "description": "d", "voter_ids": [agent_id], "rule": "any"}),
            ),
        ),
        (
            Method::POST,
            p(mine, "/approvals/spontaneous"),
            Some(json!({"voter_id": agent_id, "description": "d"})),
        ),
        (
            Method::POST,
            p(mine, &format!("/approvals/{none}/voters")),
            Some(json!({"voter_id": agent_id})),
        ),
        (
            Method::POST,
            p(mine, &format!("/approvals/{none}/cancel")),
            None,
        ),
        (
            Method::POST,
            p(mine, "/solution"),
            Some(json!({"body": "try this"})),
        ),
        (
            Method::POST,
            p(mine, "/resolution"),
            Some(json!({"text": "fixed"})),
        ),
        (
            Method::POST,
            p(mine, "/time"),
            Some(json!({"minutes": 10, "category_id": category})),
        ),
        (Method::DELETE, p(mine, &format!("/time/{none}")), None),
        (
            Method::POST,
            p(mine, "/people"),
            Some(json!({"role": "observer", "user_id": agent_id})),
        ),
        (
            Method::DELETE,
            p(mine, &format!("/people/observer/{agent_id}")),
            None,
        ),
        (
            Method::POST,
            p(mine, "/links"),
            Some(json!({"ticket_id": theirs.to_string()})),
        ),
        (Method::DELETE, p(mine, &format!("/links/{theirs}")), None),
        (
            Method::POST,
            p(mine, "/external-links"),
            Some(json!({"entity_id": "CI-42"})),
        ),
        (
            Method::DELETE,
            p(mine, &format!("/external-links/{none}")),
            None,
        ),
        (
            Method::POST,
            p(mine, "/associations"),
            Some(json!({"kind": "problem", "ticket_id": theirs.to_string()})),
        ),
        (Method::DELETE, p(mine, "/associations/problem"), None),
        (
            Method::PATCH,
            p(mine, &format!("/replies/{none}")),
            Some(json!({"body": "x"})),
        ),
        (Method::DELETE, p(mine, &format!("/notes/{none}")), None),
        (Method::POST, p(mine, "/reject"), None),
        (Method::POST, p(mine, "/promote"), None),
        (Method::POST, p(mine, "/purge"), None),
    ];
    for (method, path, body) in &worker_only {
        for token in [requester, auditor] {
            refused(
                &desk,
                send(&desk, token, method.clone(), path, body.clone()),
                StatusCode::FORBIDDEN,
                &format!("{method} {path}"),
            );
        }
    }
    // Participants' commands: auditors are refused; a requester on another's ticket gets 404.
    let participant: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            p(theirs, &format!("/approvals/{approval}/vote")),
            Some(json!({"decision": "approve"})),
        ),
        (
            Method::POST,
            p(theirs, "/solution/accept"),
            Some(json!({"rating": 5})),
        ),
        (
            Method::POST,
            p(theirs, "/solution/reject"),
            Some(json!({"reason": "no"})),
        ),
        (Method::POST, p(theirs, "/cancel"), None),
    ];
    for (method, path, body) in &participant {
        refused(
            &desk,
            send(&desk, auditor, method.clone(), path, body.clone()),
            StatusCode::FORBIDDEN,
            path,
        );
        refused(
            &desk,
            send(&desk, requester, method.clone(), path, body.clone()),
            StatusCode::NOT_FOUND,
            path,
        );
    }

    // What agents may do.
    for (method, path, body) in [
        (
            Method::POST,
            p(mine, "/people"),
            Some(json!({"role": "collaborator", "user_id": agent_id})),
        ),
        (
            Method::POST,
            p(mine, "/links"),
            Some(json!({"ticket_id": theirs.to_string(), "comment": "same cause"})),
        ),
        (
            Method::POST,
            p(mine, "/associations"),
            Some(json!({"kind": "problem", "ticket_id": theirs.to_string()})),
        ),
        (Method::DELETE, p(mine, "/associations/problem"), None),
        (Method::DELETE, p(mine, &format!("/links/{theirs}")), None),
        (
            Method::POST,
            p(mine, "/external-links"),
            Some(json!({"entity_id": "CI-42"})),
        ),
        (
            Method::POST,
            p(mine, "/time"),
            Some(json!({"minutes": 10, "category_id": category})),
        ),
        (Method::POST, p(mine, "/promote"), None),
    ] {
        ok(send(&desk, agent, method, &path, body), StatusCode::OK);
    }
    // Replies and notes are edited and deleted by agents.
    let replied = ok(
        desk.post(agent, &p(mine, "/replies"), json!({"body": "first"})),
        StatusCode::OK,
    );
    ok(
        desk.post(agent, &p(mine, "/notes"), json!({"body": "internal"})),
        StatusCode::OK,
    );
    let state: Value = desk
        .get(
            agent,
            &format!("{}?position={}", p(mine, "/as-of"), desk.head()),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    let first_key = |map: &str| {
        state["state"][map]
            .as_object()
            .and_then(|m| m.keys().next().cloned())
            .unwrap_or_else(|| panic!("no {map} in {state}"))
    };
    let (reply, note) = (first_key("replies"), first_key("notes"));
    assert!(replied["version"].as_u64().is_some());
    ok(
        send(
            &desk,
            agent,
            Method::PATCH,
            &p(mine, &format!("/replies/{reply}")),
            Some(json!({"body": "second"})),
        ),
        StatusCode::OK,
    );
    ok(
        send(
            &desk,
            admin,
            Method::DELETE,
            &p(mine, &format!("/notes/{note}")),
            None,
        ),
        StatusCode::OK,
    );
    refused(
        &desk,
        send(
            &desk,
            agent,
            Method::DELETE,
            &p(mine, &format!("/notes/{note}")),
            None,
        ),
        StatusCode::CONFLICT,
        "deleting a deleted note",
    );

    // A collaborator must be an agent; a requester cannot be one.
    refused(
        &desk,
        desk.post(
            agent,
            &p(mine, "/people"),
            json!({"role": "collaborator", "user_id": requester_id}),
        ),
        StatusCode::BAD_REQUEST,
        "requester as collaborator",
    );
    // A link to a missing ticket is bad input.
    refused(
        &desk,
        desk.post(agent, &p(mine, "/links"), json!({"ticket_id": "99999"})),
        StatusCode::BAD_REQUEST,
        "link to a missing ticket",
    );

    // Queries: time is internal; pending approvals of someone else are agents' and admins'.
    refused(
        &desk,
        desk.get(requester, &p(mine, "/time")),
        StatusCode::FORBIDDEN,
        "requester ticket time",
    );
    refused(
        &desk,
        desk.get(requester, "/api/time"),
        StatusCode::FORBIDDEN,
        "requester time report",
    );
    ok(desk.get(auditor, &p(mine, "/time")), StatusCode::OK);
    ok(desk.get(auditor, "/api/time"), StatusCode::OK);
    refused(
        &desk,
        desk.get(
            requester,
            &format!("/api/approvals/pending?voter={agent_id}"),
        ),
        StatusCode::FORBIDDEN,
        "requester reading another voter",
    );
    let theirs_pending = ok(
        desk.get(
            agent,
            &format!(
                "/api/approvals/pending?voter={agent_id}&min_position={}",
                asked["position"]
            ),
        ),
        StatusCode::OK,
    );
    assert_eq!(theirs_pending["items"].as_array().unwrap().len(), 1);
    refused(
        &desk,
        desk.get(requester, &p(theirs, "/approvals")),
        StatusCode::NOT_FOUND,
        "another's approvals",
    );
    refused(
        &desk,
        desk.get(agent, "/api/time?from=2024-01-01&to=2025-06-01"),
        StatusCode::BAD_REQUEST,
        "a range over a year",
    );

    // Cancel: the requester withdraws their own ticket. Purge: admins only.
    ok(
        desk.post(
            requester,
            &p(mine, "/cancel"),
            json!({"comment": "no longer needed"}),
        ),
        StatusCode::OK,
    );
    ok(
        desk.post(agent, &p(theirs, "/reject"), json!({})),
        StatusCode::OK,
    );
    ok(
        send(&desk, agent, Method::POST, &p(theirs, "/trash"), None),
        StatusCode::OK,
    );
    refused(
        &desk,
        send(&desk, agent, Method::POST, &p(theirs, "/purge"), None),
        StatusCode::FORBIDDEN,
        "agent purge",
    );
    let purged = ok(
        send(&desk, admin, Method::POST, &p(theirs, "/purge"), None),
        StatusCode::OK,
    );
    let (status, _) = error_of(
        desk.get(
            admin,
            &format!("{}?min_position={}", p(theirs, ""), purged["position"]),
        )
        .send()
        .unwrap(),
    );
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nothing is pending for anyone on a purged ticket.
    let after = ok(
        desk.get(
            agent,
            &format!("/api/approvals/pending?min_position={}", purged["position"]),
        ),
        StatusCode::OK,
    );
    assert!(after["items"].as_array().unwrap().is_empty(), "{after}");
}
