//! SLA routes: one ticket's clocks, the overdue list as of any time, compliance.

use super::*;

#[test]
fn sla_routes_show_due_times_overdue_lists_as_of_any_time_and_compliance() {
    let desk = Desk::open();
    let agent = &desk.agent.1;
    let blitz = priority(
        &desk,
        "Blitz",
        json!({"first_response_minutes": 1, "overdue_in_minutes": 2, "resolution_minutes": 3}),
    );

    // Arrange: two Blitz tickets and one without targets; the agent answers the first.
    let a = open(&desk, "printer on fire", Some(&blitz));
    let c = open(&desk, "printer smoking", Some(&blitz));
    let b = open(&desk, "printer quiet", None);
    let (na, nb, nc) = (
        a["number"].as_u64().unwrap(),
        b["number"].as_u64().unwrap(),
        c["number"].as_u64().unwrap(),
    );
    let replied = act(
        &desk,
        na,
        "/replies",
        json!({"body": "Extinguisher on its way."}),
    );
    let at = pos(&replied);

    // One ticket's clocks: due times are the creation plus the targets (round the clock).
    let sla_of = |token: &str, number: u64| {
        ok(
            desk.get(
                token,
                &format!("/api/tickets/{number}/sla?min_position={at}"),
            ),
            StatusCode::OK,
        )
    };
    let sla_c = sla_of(agent, nc);
    assert!(sla_c["position"].as_u64().unwrap() >= at);
    let s = &sla_c["sla"];
    let created_c = s["created_at"].as_i64().unwrap();
    assert_eq!(
        s["first_response"]["due"].as_i64(),
        Some(created_c + 60_000_000),
        "{s}"
    );
    assert_eq!(
        s["resolution"]["due"].as_i64(),
        Some(created_c + 180_000_000),
        "{s}"
    );
    assert_eq!(sla_c["overdue"], json!([]));
    let sla_a = sla_of(&desk.requester.1, na);
    assert_eq!(
        sla_a["sla"]["first_response"]["outcome"]["met"], true,
        "{sla_a}"
    );
    let sla_b = sla_of(agent, nb);
    assert!(sla_b["sla"]["first_response"]["due"].is_null(), "{sla_b}");
    let created_a = sla_a["sla"]["created_at"].as_i64().unwrap();

    // Overdue two hours from now if nothing happens: C's first response (A's was met) and
    // both resolutions; never B, which has no targets.
    let later = rfc3339(created_c + 2 * 3_600_000_000);
    let overdue = |kind: &str, as_of: &str, extra: &str| {
        ok(
            desk.get(
                &desk.auditor.1,
                &format!("/api/sla/overdue?kind={kind}&as_of={as_of}&min_position={at}{extra}"),
            ),
            StatusCode::OK,
        )
    };
    let tickets = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["ticket_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = overdue("first_response", &later, "");
    assert_eq!(
        tickets(&first),
        vec![bare(c["id"].as_str().unwrap())],
        "{first}"
    );
    assert_eq!(first["items"][0]["priority_id"], bare(&blitz).as_str());
    let page1 = overdue("resolution", &later, "&limit=1");
    assert_eq!(
        tickets(&page1),
        vec![bare(a["id"].as_str().unwrap())],
        "{page1}"
    );
    let next = page1["next"].as_str().unwrap();
    let page2 = overdue("resolution", &later, &format!("&limit=1&cursor={next}"));
    assert_eq!(
        tickets(&page2),
        vec![bare(c["id"].as_str().unwrap())],
        "{page2}"
    );
    assert!(page2["next"].is_null(), "{page2}");
    // The first-response target falls due exactly one minute after creation: overdue only
    // strictly after it.
    let due = created_c + 60_000_000;
    let at_due = overdue("first_response", &rfc3339(due), "");
    assert!(
        !tickets(&at_due).contains(&bare(c["id"].as_str().unwrap())),
        "{at_due}"
    );
    let just_after = overdue("first_response", &rfc3339(due + 1), "");
    assert!(
        tickets(&just_after).contains(&bare(c["id"].as_str().unwrap())),
        "{just_after}"
    );
    // Before anything was created, nothing was overdue.
    let before = rfc3339(created_a - 1_000_000);
    for kind in ["first_response", "next_update", "resolution"] {
        assert_eq!(tickets(&overdue(kind, &before, "")), Vec::<String>::new());
    }

    // Compliance so far: A's first response met, nothing breached yet (the test runs in
    // well under a minute).
    let from = rfc3339(created_a - 1_000_000);
    let report = ok(
        desk.get(
            agent,
            &format!("/api/sla/compliance?from={from}&by=priority&min_position={at}"),
        ),
        StatusCode::OK,
    );
    assert_eq!(report["by"], "priority");
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{report}");
    assert_eq!(rows[0]["key"], bare(&blitz).as_str());
    assert_eq!(rows[0]["first_response"], json!({"met": 1, "breached": 0}));
    assert_eq!(rows[0]["resolution"], json!({"met": 0, "breached": 0}));
    let by_agent = ok(
        desk.get(agent, &format!("/api/sla/compliance?from={from}&by=agent")),
        StatusCode::OK,
    );
    assert_eq!(by_agent["rows"][0]["key"], Value::Null, "{by_agent}");

    // Refusals.
    refused(
        desk.get(&desk.other_requester.1, &format!("/api/tickets/{na}/sla")),
        StatusCode::NOT_FOUND,
        None,
    );
    refused(
        desk.get(agent, "/api/tickets/99999/sla"),
        StatusCode::NOT_FOUND,
        None,
    );
    for path in ["/api/sla/overdue?kind=resolution", "/api/sla/compliance"] {
        refused(
            desk.get(&desk.requester.1, path),
            StatusCode::FORBIDDEN,
            None,
        );
    }
    for (path, field) in [
        ("/api/sla/overdue", "kind"),
        ("/api/sla/overdue?kind=eventually", "kind"),
        ("/api/sla/overdue?kind=resolution&as_of=soon", "as_of"),
        ("/api/sla/overdue?kind=resolution&cursor=nope", "cursor"),
        ("/api/sla/overdue?kind=resolution&limit=0", "limit"),
        ("/api/sla/overdue?kind=resolution&limit=501", "limit"),
        ("/api/sla/compliance?by=team", "by"),
        ("/api/sla/compliance?from=last-week", "from"),
        ("/api/sla/compliance?to=2026-13-40", "to"),
        ("/api/sla/compliance?from=2026-02-01&to=2026-01-01", "from"),
        ("/api/sla/compliance?from=2999-01-01", "from"),
    ] {
        refused(desk.get(agent, path), StatusCode::BAD_REQUEST, Some(field));
    }
}

/// SLA targets are whole minutes, so seeing a real breach end to end takes one: this test
/// waits 61 s (sleeping, no load) for a first response to fall due, then answers late.
#[test]
fn a_late_first_response_was_overdue_in_the_past_and_counts_as_breached() {
    let desk = Desk::open();
    let agent = &desk.agent.1;
    let minute = priority(
        &desk,
        "Minute",
        json!({"first_response_minutes": 1, "resolution_minutes": 1}),
    );
    let t = open(&desk, "server down", Some(&minute));
    let number = t["number"].as_u64().unwrap();
    let id = bare(t["id"].as_str().unwrap());
    std::thread::sleep(std::time::Duration::from_secs(61));
    let replied = act(&desk, number, "/replies", json!({"body": "Restarting it."}));
    let at = pos(&replied);

    let sla = ok(
        desk.get(
            agent,
            &format!("/api/tickets/{number}/sla?min_position={at}"),
        ),
        StatusCode::OK,
    );
    let created_at = sla["sla"]["created_at"].as_i64().unwrap();
    let due = created_at + 60_000_000;
    let outcome = &sla["sla"]["first_response"]["outcome"];
    assert_eq!(outcome["met"], false, "{sla}");
    assert_eq!(outcome["due"].as_i64(), Some(due), "{sla}");
    let replied_at = outcome["at"].as_i64().unwrap();
    assert!(replied_at > due, "{sla}");
    // The resolution clock still runs, past its due time: overdue now.
    assert_eq!(sla["overdue"], json!(["resolution"]), "{sla}");

    // The overdue list as of the past: not yet due, then overdue until the reply, then not.
    let listed = |as_of: i64| -> bool {
        let page = ok(
            desk.get(
                &desk.auditor.1,
                &format!(
                    "/api/sla/overdue?kind=first_response&as_of={}&min_position={at}",
                    rfc3339(as_of)
                ),
            ),
            StatusCode::OK,
        );
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["ticket_id"] == id.as_str())
    };
    assert!(!listed(created_at + 30_000_000));
    assert!(!listed(due));
    assert!(listed(due + 1));
    assert!(listed(replied_at - 1));
    assert!(!listed(replied_at + 1));

    // Compliance: the first response breached (late), the running resolution too.
    let report = ok(
        desk.get(
            agent,
            &format!(
                "/api/sla/compliance?from={}&min_position={at}",
                rfc3339(created_at)
            ),
        ),
        StatusCode::OK,
    );
    let row = &report["rows"][0];
    assert_eq!(row["key"], bare(&minute).as_str(), "{report}");
    assert_eq!(row["first_response"], json!({"met": 0, "breached": 1}));
    assert_eq!(row["resolution"], json!({"met": 0, "breached": 1}));
    // A period that ends before the due time has nothing decided yet.
    let early = ok(
        desk.get(
            agent,
            &format!(
                "/api/sla/compliance?from={}&to={}",
                rfc3339(created_at),
                rfc3339(due)
            ),
        ),
        StatusCode::OK,
    );
    assert_eq!(early["rows"], json!([]), "{early}");
}
