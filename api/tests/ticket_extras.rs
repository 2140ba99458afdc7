//! End-to-end tests of the ticket extras of issue #6: correcting a time entry, the inbound
//! side of ticket links, approval templates from the catalogue, streamed downloads, and the
//! request id on every response.

mod common;

use common::desk::*;
use common::error_of;
use common::launch::open_desk_with;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn patch(desk: &Desk, token: &str, path: &str, body: Value) -> reqwest::blocking::RequestBuilder {
    common::client()
        .patch(desk.server.url(path))
        .bearer_auth(token)
        .json(&body)
}

fn open_ticket(desk: &Desk, subject: &str) -> u64 {
    let opened = created(desk.post(
        &desk.agent.1,
        "/api/tickets",
        json!({"subject": subject, "requester_id": desk.requester.0}),
    ));
    opened["number"].as_u64().unwrap()
}

#[test]
fn a_time_entry_is_corrected_and_the_totals_move() {
    let (desk, category) = open_desk_with(&[]);
    let agent = &desk.agent.1;
    let number = open_ticket(&desk, "Printer");
    let path = format!("/api/tickets/{number}/time");
    let logged = ok(
        desk.post(
            agent,
            &path,
            json!({"minutes": 30, "to": "2024-03-05T10:00:00Z", "comment": "setup"}),
        ),
        StatusCode::OK,
    );
    let entry = logged["item_id"].as_str().unwrap().to_owned();
    let entry_path = format!("{path}/{entry}");

    // Bad input is a 400 on its field and writes nothing; requesters and auditors are refused.
    let head = desk.head();
    for (body, field) in [
        (json!({"minutes": 0}), "minutes"),
        (json!({"to": "soon"}), "to"),
        (json!({"to": "2024-03-05T09:00:00Z"}), "to"),
        (
            json!({"category_id": "timecategory-01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
            "category_id",
        ),
        (json!({"user_id": desk.requester.0}), "user_id"),
    ] {
        let (status, err) = error_of(
            patch(&desk, agent, &entry_path, body.clone())
                .send()
                .unwrap(),
        );
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {err}");
        assert_eq!(err["error"]["field"], field, "{body}: {err}");
    }
    for token in [&desk.requester.1, &desk.auditor.1] {
        let (status, err) = error_of(
            patch(&desk, token, &entry_path, json!({"minutes": 5}))
                .send()
                .unwrap(),
        );
        assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    }
    let unknown = format!("{path}/01ARZ3NDEKTSV4RRFFQ69G5FAV");
    let (status, err) = error_of(
        patch(&desk, agent, &unknown, json!({"comment": "x"}))
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
    assert_eq!(desk.head(), head);

    // 30 minutes become 90 in the category, the day and comment move with them.
    let edited = ok(
        patch(
            &desk,
            agent,
            &entry_path,
            json!({"minutes": 90, "to": "2024-03-06T10:00:00Z", "category_id": category, "comment": "setup and test"}),
        ),
        StatusCode::OK,
    );
    let position = edited["position"].as_u64().unwrap();
    let time = ok(
        desk.get(agent, &format!("{path}?min_position={position}")),
        StatusCode::OK,
    );
    assert_eq!(
        time["time"]["total"],
        json!({"seconds": 5400, "entries": 1}),
        "{time}"
    );
    assert_eq!(time["time"]["entries"][0]["comment"], "setup and test");
    let march = ok(
        desk.get(agent, "/api/time?from=2024-03-01&to=2024-03-31"),
        StatusCode::OK,
    );
    assert_eq!(march["total"], json!({"seconds": 5400, "entries": 1}));
    assert_eq!(march["by_day"].as_array().unwrap().len(), 1, "{march}");
    assert_eq!(march["by_day"][0]["date"], "2024-03-06");

    // The history has the correction with its field changes.
    let history = ok(
        desk.get(
            agent,
            &format!("/api/tickets/{number}/history?min_position={position}"),
        ),
        StatusCode::OK,
    );
    let edit = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "ticket.time_entry_edited")
        .unwrap_or_else(|| panic!("no edit in {history}"));
    assert_eq!(edit["trudesk_action"], "ticket:time:updated");
    assert!(actions(&history).contains(&"time_entry_edited".to_owned()));

    // A deleted entry cannot be corrected.
    ok(
        common::client()
            .delete(desk.server.url(&entry_path))
            .bearer_auth(agent),
        StatusCode::OK,
    );
    let (status, err) = error_of(
        patch(&desk, agent, &entry_path, json!({"comment": "late"}))
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["error"]["code"], "time_entry_deleted");
}

fn links_of(desk: &Desk, token: &str, number: u64, position: u64) -> Vec<Value> {
    let body = ok(
        desk.get(
            token,
            &format!("/api/tickets/{number}?min_position={position}"),
        ),
        StatusCode::OK,
    );
    body["links"].as_array().unwrap().clone()
}

#[test]
fn a_link_shows_on_the_other_ticket_as_inbound_and_either_side_unlinks_it() {
    let desk = Desk::open();
    let agent = &desk.agent.1;
    let a = open_ticket(&desk, "Printer jams");
    let b = open_ticket(&desk, "Printer offline");
    let linked = ok(
        desk.post(
            agent,
            &format!("/api/tickets/{a}/links"),
            json!({"ticket_id": b.to_string(), "comment": "same printer"}),
        ),
        StatusCode::OK,
    );
    let position = linked["position"].as_u64().unwrap();
    let on_b = links_of(&desk, agent, b, position);
    assert_eq!(on_b.len(), 1, "{on_b:?}");
    assert_eq!(on_b[0]["number"], a);
    assert_eq!(on_b[0]["direction"], "inbound");
    assert_eq!(on_b[0]["link_id"], linked["item_id"]);
    assert_eq!(on_b[0]["comment"], "same printer");
    let on_a = links_of(&desk, agent, a, position);
    assert_eq!(on_a.len(), 1, "{on_a:?}");
    assert_eq!(on_a[0]["number"], b);
    assert_eq!(on_a[0]["direction"], "outbound");
    // The requester of both tickets sees the link too.
    assert_eq!(links_of(&desk, &desk.requester.1, b, position).len(), 1);

    // Unlinking from B (which holds no link of its own) removes A's link: gone on both.
    let unlinked = ok(
        common::client()
            .delete(desk.server.url(&format!("/api/tickets/{b}/links/{a}")))
            .bearer_auth(agent),
        StatusCode::OK,
    );
    assert_eq!(unlinked["number"], a);
    let position = unlinked["position"].as_u64().unwrap();
    assert!(links_of(&desk, agent, a, position).is_empty());
    assert!(links_of(&desk, agent, b, position).is_empty());
    let (status, err) = error_of(
        common::client()
            .delete(desk.server.url(&format!("/api/tickets/{b}/links/{a}")))
            .bearer_auth(agent)
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
}

fn bare(id: &str) -> String {
    id.split_once('-').map_or(id, |(_, u)| u).to_owned()
}

#[test]
fn an_approval_template_of_the_catalogue_is_expanded_to_its_voters() {
    let desk = Desk::open();
    let (agent_id, agent) = (&desk.agent.0, &desk.agent.1);
    let admin = &desk.admin;
    let group = created(desk.post(
        admin,
        "/api/groups",
        json!({"name": "CAB", "members": [agent_id, desk.other_requester.0]}),
    ));
    let group_id = group["id"].as_str().unwrap().to_owned();

    // Only admins manage templates; bad voters are a 400 on their field.
    let body = json!({"name": "Purchases", "group_ids": [group_id], "rule": "any"});
    let (status, err) = error_of(
        desk.post(agent, "/api/catalogue/approval-templates", body.clone())
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    for (bad, field) in [
        (
            json!({"name": "X", "user_ids": [desk.requester.0], "rule": "any"}),
            "user_ids",
        ),
        (json!({"name": "X", "rule": "any"}), "user_ids"),
        (
            json!({"name": "X", "user_ids": [agent_id], "rule": {"quorum": 0}}),
            "rule",
        ),
    ] {
        let (status, err) = error_of(
            desk.post(admin, "/api/catalogue/approval-templates", bad.clone())
                .send()
                .unwrap(),
        );
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {err}");
        assert_eq!(err["error"]["field"], field, "{bad}: {err}");
    }
    let template = created(desk.post(admin, "/api/catalogue/approval-templates", body));
    let template_id = template["id"].as_str().unwrap().to_owned();
    let position = template["position"].as_u64().unwrap();
    let listed = ok(
        desk.get(
            agent,
            &format!("/api/directory/approval_templates?min_position={position}"),
        ),
        StatusCode::OK,
    );
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["items"][0]["name"], "Purchases");
    assert_eq!(listed["items"][0]["sets"]["groups"][0], bare(&group_id));

    // Asked by template: the group's agent votes (the other requester cannot); the rule is Any.
    let number = open_ticket(&desk, "New laptop");
    let approvals = format!("/api/tickets/{number}/approvals");
    let asked = ok(
        desk.post(
            agent,
            &approvals,
            json!({"template_id": template_id, "description": "Laptop"}),
        ),
        StatusCode::OK,
    );
    let position = asked["position"].as_u64().unwrap();
    let read = ok(
        desk.get(agent, &format!("{approvals}?min_position={position}")),
        StatusCode::OK,
    );
    let approval = &read["approvals"][0];
    let voters: Vec<&String> = approval["voters"].as_object().unwrap().keys().collect();
    assert_eq!(voters, vec![&bare(agent_id)], "{read}");
    assert_eq!(approval["rule"], "Any", "{read}");

    // Half an inline request is refused; an unknown template is a 400 and writes nothing.
    let head = desk.head();
    for (bad, field) in [
        (
            json!({"template_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "description": "d"}),
            "template_id",
        ),
        (
            json!({"template_id": template_id, "description": "d", "rule": "all"}),
            "voter_ids",
        ),
    ] {
        let (status, err) = error_of(desk.post(agent, &approvals, bad.clone()).send().unwrap());
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {err}");
        assert_eq!(err["error"]["field"], field, "{bad}: {err}");
    }
    assert_eq!(desk.head(), head);

    // The template changes and is deleted; then asking with it is a 400 on template_id.
    let template_path = format!("/api/catalogue/approval-templates/{template_id}");
    ok(
        patch(
            &desk,
            admin,
            &template_path,
            json!({"rule": "all", "user_ids": [agent_id]}),
        ),
        StatusCode::OK,
    );
    ok(
        common::client()
            .delete(desk.server.url(&template_path))
            .bearer_auth(admin),
        StatusCode::OK,
    );
    let (status, err) = error_of(
        desk.post(
            agent,
            &approvals,
            json!({"template_id": template_id, "description": "Again"}),
        )
        .send()
        .unwrap(),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"]["field"], "template_id");
}

#[test]
fn a_multi_mebibyte_attachment_downloads_streamed_with_its_hash_and_headers() {
    use reqwest::blocking::multipart::{Form, Part};
    let desk = Desk::open();
    let agent = &desk.agent.1;
    let number = open_ticket(&desk, "Logs");
    // 6 MiB + 123 bytes of a pattern (not one repeated block, so a misordered chunk shows).
    let data: Vec<u8> = (0..6 * 1024 * 1024 + 123u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let part = Part::bytes(data.clone())
        .file_name("server log.bin")
        .mime_str("application/octet-stream")
        .unwrap();
    let uploaded = ok(
        common::client()
            .post(
                desk.server
                    .url(&format!("/api/tickets/{number}/attachments")),
            )
            .bearer_auth(agent)
            .multipart(Form::new().part("file", part)),
        StatusCode::OK,
    );
    let attachment = uploaded["item_id"].as_str().unwrap();
    let response = desk
        .get(
            agent,
            &format!("/api/tickets/{number}/attachments/{attachment}"),
        )
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "application/octet-stream");
    assert_eq!(header("content-length"), data.len().to_string());
    let disposition = header("content-disposition");
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("server log.bin"), "{disposition}");
    let body = response.bytes().unwrap();
    assert_eq!(body.len(), data.len());
    assert_eq!(blake3::hash(&body), blake3::hash(&data));
}

fn request_id_of(response: &reqwest::blocking::Response) -> Option<String> {
    response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[test]
fn refusals_by_auth_and_body_limits_carry_the_request_id() {
    use reqwest::blocking::multipart::{Form, Part};
    let (desk, _) = open_desk_with(&["--body-limit", "1024", "--attachment-limit", "2048"]);
    let agent = &desk.agent.1;
    let number = open_ticket(&desk, "Limits");
    let with_id = |builder: reqwest::blocking::RequestBuilder, id: &str| {
        builder.header("X-Request-Id", id).send().unwrap()
    };

    // 401: no token, and a wrong one.
    let anonymous = with_id(
        common::client().get(desk.server.url("/api/tickets")),
        "r-401a",
    );
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(request_id_of(&anonymous).as_deref(), Some("r-401a"));
    let wrong = with_id(
        common::client()
            .post(desk.server.url("/api/tickets"))
            .bearer_auth("ldk_not-a-token")
            .json(&json!({"subject": "x"})),
        "r-401b",
    );
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(request_id_of(&wrong).as_deref(), Some("r-401b"));

    // 413: a JSON body over --body-limit, a raw body over it, and an upload over the
    // attachment limit.
    let big = "x".repeat(4096);
    let json_413 = with_id(
        desk.post(
            agent,
            &format!("/api/tickets/{number}/notes"),
            json!({ "body": big }),
        ),
        "r-413a",
    );
    assert_eq!(json_413.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(request_id_of(&json_413).as_deref(), Some("r-413a"));
    let upload = Part::bytes(vec![7u8; 8192]).file_name("big.bin");
    let upload_413 = with_id(
        common::client()
            .post(
                desk.server
                    .url(&format!("/api/tickets/{number}/attachments")),
            )
            .bearer_auth(agent)
            .multipart(Form::new().part("file", upload)),
        "r-413b",
    );
    assert_eq!(upload_413.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(request_id_of(&upload_413).as_deref(), Some("r-413b"));
}
