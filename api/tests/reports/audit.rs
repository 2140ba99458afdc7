//! The audit feed across tickets, by actor and by time, for auditors and admins only.

use super::*;

#[test]
fn the_audit_feed_lists_each_actors_changes_in_order_for_auditors_and_admins_only() {
    let desk = Desk::open();
    let agent = &desk.agent.1;
    let agent_id = bare(&desk.agent.0);

    // Arrange: the agent works two tickets; the admin notes one in between.
    let t1 = open(&desk, "laptop slow", None);
    let n1 = t1["number"].as_u64().unwrap();
    act(&desk, n1, "/replies", json!({"body": "Rebooting it."}));
    ok(
        desk.post(
            &desk.admin,
            &format!("/api/tickets/{n1}/notes"),
            json!({"body": "Watch this one."}),
        ),
        StatusCode::OK,
    );
    act(&desk, n1, "/notes", json!({"body": "Disk nearly full."}));
    let t2 = open(&desk, "mouse missing", None);
    let last = act(
        &desk,
        t2["number"].as_u64().unwrap(),
        "/close",
        json!({"comments": "found it"}),
    );
    let at = pos(&last);

    let feed = |token: &str, query: &str| {
        ok(
            desk.get(token, &format!("/api/audit?min_position={at}{query}")),
            StatusCode::OK,
        )
    };
    let of_agent = feed(&desk.auditor.1, &format!("&actor={}", desk.agent.0));
    assert!(of_agent["position"].as_u64().unwrap() >= at);
    assert_eq!(of_agent["actor"], desk.agent.0.as_str());
    let entries = of_agent["entries"].as_array().unwrap();
    let seen: Vec<(u64, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["ticket_number"].as_u64().unwrap(),
                e["action"].as_str().unwrap(),
            )
        })
        .collect();
    // Every entry is the agent's, in log order, and the admin's note is not among them.
    let n2 = t2["number"].as_u64().unwrap();
    assert_eq!(
        seen,
        vec![
            (n1, "created"),
            (n1, "reply_added"),
            (n1, "first_response_recorded"),
            (n1, "note_added"),
            (n2, "created"),
            (n2, "closure_recorded"),
            (n2, "status_changed"),
        ]
    );
    for e in entries {
        assert_eq!(e["actor"], json!({"User": agent_id}), "{e}");
    }
    let positions: Vec<u64> = entries
        .iter()
        .map(|e| e["position"].as_u64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");

    // The system itself changed no ticket here.
    let system = feed(&desk.auditor.1, "&actor=system");
    assert_eq!(system["actor"], "system");
    assert_eq!(system["entries"], json!([]), "{system}");

    // Everyone's feed has the admin's note between the agent's reply and note.
    let everyone = feed(&desk.admin, "");
    assert!(everyone["actor"].is_null());
    let all = everyone["entries"].as_array().unwrap();
    let admin_note = all
        .iter()
        .position(|e| e["action"] == "note_added" && e["actor"] != json!({"User": agent_id}))
        .expect("the admin's note");
    let agent_note = all
        .iter()
        .position(|e| e["action"] == "note_added" && e["actor"] == json!({"User": agent_id}))
        .expect("the agent's note");
    assert!(admin_note < agent_note);

    // Paging two at a time gives the same entries; a window [from, to) cuts by time.
    let mut paged = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = feed(&desk.auditor.1, &format!("&limit=2{cursor}"));
        let got = page["entries"].as_array().unwrap();
        assert!(got.len() <= 2);
        paged.extend(got.iter().map(|e| e["position"].clone()));
        match page["next"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    let whole: Vec<Value> = all.iter().map(|e| e["position"].clone()).collect();
    assert_eq!(paged, whole);
    let third = all[2]["recorded_at"].as_i64().unwrap();
    let window = feed(
        &desk.auditor.1,
        &format!(
            "&from={}&to={}",
            rfc3339(all[0]["recorded_at"].as_i64().unwrap()),
            rfc3339(third)
        ),
    );
    let in_window = window["entries"].as_array().unwrap();
    assert!(!in_window.is_empty());
    assert!(in_window
        .iter()
        .all(|e| e["recorded_at"].as_i64().unwrap() < third));
    assert_eq!(in_window[0]["position"], all[0]["position"]);

    // Refusals: agents and requesters may not read the audit feed; bad parameters name theirs.
    for token in [agent, &desk.requester.1] {
        refused(desk.get(token, "/api/audit"), StatusCode::FORBIDDEN, None);
    }
    for (query, field) in [
        ("actor=group-01ARZ3NDEKTSV4RRFFQ69G5FAV", "actor"),
        ("from=noon", "from"),
        ("to=later", "to"),
        ("from=2026-02-01&to=2026-01-01", "from"),
        ("cursor=abc", "cursor"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
    ] {
        refused(
            desk.get(&desk.auditor.1, &format!("/api/audit?{query}")),
            StatusCode::BAD_REQUEST,
            Some(field),
        );
    }
}
