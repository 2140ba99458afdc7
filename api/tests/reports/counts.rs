//! Ticket counts with the list's filters, counts per value, daily and top statistics.

use super::*;

/// Value → count of a counts answer.
fn counted(answer: &Value) -> Vec<(String, u64)> {
    answer["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["value"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn counts_and_statistics_match_the_tickets_opened_closed_and_trashed() {
    let desk = Desk::open();
    let agent = &desk.agent.1;
    let fast = priority(&desk, "Fast", json!({"first_response_minutes": 60}));
    let slow = priority(&desk, "Slow", json!({}));

    // Arrange: three Fast tickets (one closed), two Slow (one trashed), one without priority.
    let f1 = open(&desk, "fast one", Some(&fast));
    open(&desk, "fast two", Some(&fast));
    let f3 = open(&desk, "fast three", Some(&fast));
    let s1 = open(&desk, "slow one", Some(&slow));
    open(&desk, "slow two", Some(&slow));
    open(&desk, "no priority", None);
    act(
        &desk,
        f3["number"].as_u64().unwrap(),
        "/close",
        json!({"comments": "done"}),
    );
    let last = ok(
        client()
            .post(
                desk.server
                    .url(&format!("/api/tickets/{}/trash", s1["number"])),
            )
            .bearer_auth(agent),
        StatusCode::OK,
    );
    let at = pos(&last);
    let created_at = summary(&desk, agent, f1["number"].as_u64().unwrap(), at)["created_at"]
        .as_i64()
        .unwrap();

    // Exact counts for the list's filters (`/tickets/count` is not taken for a ticket id).
    let count = |query: &str| {
        ok(
            desk.get(
                agent,
                &format!("/api/tickets/count?min_position={at}{query}"),
            ),
            StatusCode::OK,
        )
    };
    let all = count("");
    assert_eq!(all["count"], 5, "{all}");
    assert!(all["position"].as_u64().unwrap() >= at);
    let fast_ones = count(&format!("&priority={fast}"));
    assert_eq!(fast_ones["count"], 3, "{fast_ones}");
    assert_eq!(fast_ones["per_field"]["priority"], 3, "{fast_ones}");
    assert_eq!(
        count(&format!("&priority={fast}&status_category=closed"))["count"],
        1
    );
    assert_eq!(count("&priority=none")["count"], 1);
    assert_eq!(count(&format!("&priority={slow}"))["count"], 1);
    assert_eq!(count("&trashed=true")["count"], 1);
    assert_eq!(count("&status_category=new")["count"], 4);
    // The count agrees with the list it counts.
    let listed = ok(
        desk.get(agent, &format!("/api/tickets?priority={fast}&limit=100")),
        StatusCode::OK,
    );
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);

    // Counts per value, paged one value at a time.
    let mut values = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let page = ok(
            desk.get(
                agent,
                &format!(
                    "/api/tickets/counts/priority?limit=1{}",
                    cursor
                        .as_ref()
                        .map(|c| format!("&cursor={c}"))
                        .unwrap_or_default()
                ),
            ),
            StatusCode::OK,
        );
        assert_eq!(page["field"], "priority");
        values.extend(counted(&page));
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    values.sort();
    let mut expected = vec![(bare(&fast), 3), (bare(&slow), 1), ("none".to_owned(), 1)];
    expected.sort();
    assert_eq!(values, expected);
    let categories = ok(
        desk.get(agent, "/api/tickets/counts/status_category"),
        StatusCode::OK,
    );
    assert_eq!(
        counted(&categories),
        vec![("New".to_owned(), 4), ("Closed".to_owned(), 1)]
    );
    let trash = ok(
        desk.get(agent, "/api/tickets/counts/priority?trashed=true"),
        StatusCode::OK,
    );
    assert_eq!(counted(&trash), vec![(bare(&slow), 1)]);

    // Per day: today's five active tickets, one closed; the day before has none.
    let today = date(created_at);
    let yesterday = date(created_at - 86_400_000_000);
    let daily = ok(
        desk.get(
            &desk.auditor.1,
            &format!("/api/stats/daily?from={yesterday}&to={today}"),
        ),
        StatusCode::OK,
    );
    let days = daily["days"].as_array().unwrap();
    assert_eq!(days.len(), 2, "{daily}");
    assert_eq!(days[0]["date"], yesterday.as_str());
    assert_eq!(
        (&days[0]["created"], &days[0]["closed"]),
        (&json!(0), &json!(0))
    );
    assert_eq!(days[1]["date"], today.as_str());
    assert_eq!(
        (&days[1]["created"], &days[1]["closed"]),
        (&json!(5), &json!(1))
    );

    // The top priorities: Fast first.
    let top = ok(
        desk.get(&desk.admin, "/api/stats/top/priority?n=1"),
        StatusCode::OK,
    );
    assert_eq!(counted(&top), vec![(bare(&fast), 3)]);

    // Refusals: a requester may not count everyone's tickets; bad parameters name their field.
    let requester = &desk.requester.1;
    for path in [
        "/api/tickets/count",
        "/api/tickets/counts/priority",
        "/api/stats/daily",
        "/api/stats/top/tag",
    ] {
        refused(desk.get(requester, path), StatusCode::FORBIDDEN, None);
    }
    for (path, field) in [
        (
            "/api/tickets/count?status_category=done",
            Some("status_category"),
        ),
        ("/api/tickets/count?priority=nope", Some("priority")),
        ("/api/tickets/counts/colour", Some("field")),
        ("/api/tickets/counts/priority?limit=0", Some("limit")),
        ("/api/tickets/counts/priority?limit=101", Some("limit")),
        ("/api/tickets/counts/priority?cursor=zz", Some("cursor")),
        (
            "/api/stats/daily?from=2026-02-01&to=2026-01-01",
            Some("from"),
        ),
        (
            "/api/stats/daily?from=2020-01-01&to=2026-01-01",
            Some("from"),
        ),
        ("/api/stats/daily?to=tomorrow", Some("to")),
        ("/api/stats/top/shoe", Some("field")),
        ("/api/stats/top/tag?n=0", Some("n")),
        ("/api/tickets/count?sort=number", None),
    ] {
        refused(desk.get(agent, path), StatusCode::BAD_REQUEST, field);
    }
    // A cursor of another field's counts is not this one's.
    let by_status = ok(
        desk.get(agent, "/api/tickets/counts/status_category?limit=1"),
        StatusCode::OK,
    );
    let other = by_status["next"].as_str().unwrap();
    refused(
        desk.get(
            agent,
            &format!("/api/tickets/counts/priority?cursor={other}"),
        ),
        StatusCode::BAD_REQUEST,
        Some("cursor"),
    );
}
