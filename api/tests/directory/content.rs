//! KB search, breaking news and notices.

use super::*;

#[test]
fn kb_search_and_breaking_news() {
    let desk = Desk::open();
    let (admin, agent, requester) = (&desk.admin, &desk.agent.1, &desk.requester.1);
    let category = created(desk.post(
        admin,
        "/api/categories",
        json!({"tree": "kb", "name": "Printers"}),
    ));
    let cid = category["id"].as_str().unwrap();
    created(desk.post(
        agent,
        "/api/kb/articles",
        json!({"title": "Paper jams", "content": "Open tray two and clear the fuser unit.",
               "category_id": cid, "private": false}),
    ));
    let draft = created(desk.post(
        agent,
        "/api/kb/articles",
        json!({"title": "Fuser replacement (draft)", "content": "Order part 42.", "category_id": cid}),
    ));
    let position = draft["position"].as_u64().unwrap();
    let found = read(&desk, requester, "/api/kb/articles?q=FUSER", position);
    let titles: Vec<&str> = found["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Paper jams"]);
    let staff = read(&desk, agent, "/api/kb/articles?q=fuser", position);
    let titles: Vec<&str> = staff["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    // The title match weighs more than the body match.
    assert_eq!(titles, ["Fuser replacement (draft)", "Paper jams"]);
    refused(
        desk.get(
            requester,
            &format!("/api/kb/articles/{}", draft["id"].as_str().unwrap()),
        ),
        StatusCode::NOT_FOUND,
        None,
    );
    refused(
        desk.get(requester, "/api/kb/articles?q=%20"),
        StatusCode::BAD_REQUEST,
        Some("q"),
    );

    // Breaking news: visible to requesters, with its update; closed news leaves the list.
    let group = created(desk.post(admin, "/api/groups", json!({"name": "Mail team"})));
    let bad = json!({"title": "Mail down", "body": "No mail", "importance": "urgent", "group_ids": [group["id"]]});
    refused(
        desk.post(agent, "/api/news", bad),
        StatusCode::BAD_REQUEST,
        Some("importance"),
    );
    let nobody = json!({"title": "Mail down", "body": "No mail"});
    refused(
        desk.post(agent, "/api/news", nobody),
        StatusCode::BAD_REQUEST,
        Some("group_ids"),
    );
    let news = created(desk.post(
        agent,
        "/api/news",
        json!({"title": "Mail down", "body": "No mail since 9:00", "importance": "high", "group_ids": [group["id"]]}),
    ));
    let nid = news["id"].as_str().unwrap();
    let active = read(
        &desk,
        requester,
        "/api/news",
        news["position"].as_u64().unwrap(),
    );
    let titles: Vec<&str> = active["news"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Mail down"]);
    let update = ok(
        desk.post(
            agent,
            &format!("/api/news/{nid}/updates"),
            json!({"body": "Relay restarted"}),
        ),
        StatusCode::OK,
    );
    let one = read(
        &desk,
        requester,
        &format!("/api/news/{nid}"),
        update["position"].as_u64().unwrap(),
    );
    assert_eq!(one["news"]["updates"][0]["body"], "Relay restarted");
    assert_eq!(one["news"]["open"], true);
    refused(
        desk.post(
            requester,
            &format!("/api/news/{nid}/updates"),
            json!({"body": "me too"}),
        ),
        StatusCode::FORBIDDEN,
        None,
    );
    let closed = ok(
        desk.post(agent, &format!("/api/news/{nid}/close"), json!({})),
        StatusCode::OK,
    );
    let after = read(
        &desk,
        requester,
        "/api/news",
        closed["position"].as_u64().unwrap(),
    );
    assert_eq!(after["news"], json!([]));
    let earlier = read(
        &desk,
        requester,
        &format!("/api/news?as_of_us={}", one["news"]["updated_at_us"]),
        0,
    );
    assert_eq!(earlier["news"].as_array().unwrap().len(), 1, "{earlier}");
    refused(
        desk.post(
            agent,
            &format!("/api/news/{nid}/updates"),
            json!({"body": "late"}),
        ),
        StatusCode::CONFLICT,
        None,
    );

    // Notices: shown once activated.
    let notice = created(desk.post(
        admin,
        "/api/notices",
        json!({"name": "maint", "message": "Down at 22:00"}),
    ));
    let shown = read(
        &desk,
        requester,
        "/api/notices",
        notice["position"].as_u64().unwrap(),
    );
    assert_eq!(shown["notices"], json!([]));
    let on = ok(
        desk.post(
            admin,
            &format!("/api/notices/{}/activate", notice["id"].as_str().unwrap()),
            json!({}),
        ),
        StatusCode::OK,
    );
    let shown = read(
        &desk,
        requester,
        "/api/notices",
        on["position"].as_u64().unwrap(),
    );
    assert_eq!(shown["notices"][0]["message"], "Down at 22:00");
    refused(
        desk.get(requester, "/api/notices?all=true"),
        StatusCode::FORBIDDEN,
        None,
    );
}
