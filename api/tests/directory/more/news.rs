//! Breaking news edited and reopened; notices edited and deleted.

use super::super::*;
use super::{position, refused_quietly, send};
use reqwest::Method;

#[test]
fn news_edit_reopen_and_notices() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let agent = &desk.agent.1;
    let requester = &desk.requester.1;
    let group = created(desk.post(admin, "/api/groups", json!({"name": "Ops"})));
    let news = created(desk.post(
        agent,
        "/api/news",
        json!({"title": "Mail down", "body": "Looking", "group_ids": [group["id"]]}),
    ));
    let nid = news["id"].as_str().unwrap().to_owned();
    let npath = format!("/api/news/{nid}");
    let edited = ok(
        send(
            &desk,
            Method::PATCH,
            agent,
            &npath,
            json!({"title": "Mail slow", "importance": "high"}),
        ),
        StatusCode::OK,
    );
    let one = read(&desk, requester, &npath, position(&edited));
    assert_eq!(one["news"]["title"], "Mail slow", "{one}");
    assert_eq!(one["news"]["body"], "Looking", "{one}");
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::PATCH,
            requester,
            &npath,
            json!({"title": "Mine"}),
        ),
        StatusCode::FORBIDDEN,
        None,
    );
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::PATCH,
            agent,
            &npath,
            json!({"importance": "urgent"}),
        ),
        StatusCode::BAD_REQUEST,
        Some("importance"),
    );
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::PATCH,
            agent,
            &npath,
            json!({"group_ids": []}),
        ),
        StatusCode::BAD_REQUEST,
        Some("group_ids"),
    );
    ok(
        desk.post(agent, &format!("{npath}/close"), json!({})),
        StatusCode::OK,
    );
    refused_quietly(
        &desk,
        desk.post(requester, &format!("{npath}/reopen"), json!({})),
        StatusCode::FORBIDDEN,
        None,
    );
    let reopened = ok(
        desk.post(agent, &format!("{npath}/reopen"), json!({})),
        StatusCode::OK,
    );
    let one = read(&desk, requester, &npath, position(&reopened));
    assert_eq!(one["news"]["open"], true, "{one}");

    let notice = created(desk.post(
        admin,
        "/api/notices",
        json!({"name": "maint", "message": "Down at 22:00"}),
    ));
    let path = format!("/api/notices/{}", notice["id"].as_str().unwrap());
    let edited = ok(
        send(
            &desk,
            Method::PATCH,
            admin,
            &path,
            json!({"message": "Down at 23:00"}),
        ),
        StatusCode::OK,
    );
    let all = read(&desk, admin, "/api/notices?all=true", position(&edited));
    assert!(all.to_string().contains("Down at 23:00"), "{all}");
    refused_quietly(
        &desk,
        send(&desk, Method::PATCH, agent, &path, json!({"message": "x"})),
        StatusCode::FORBIDDEN,
        None,
    );
    refused_quietly(
        &desk,
        send(&desk, Method::PATCH, admin, &path, json!({"message": ""})),
        StatusCode::BAD_REQUEST,
        Some("message"),
    );
    refused_quietly(
        &desk,
        send(&desk, Method::DELETE, agent, &path, json!({})),
        StatusCode::FORBIDDEN,
        None,
    );
    let gone = ok(
        send(&desk, Method::DELETE, admin, &path, json!({})),
        StatusCode::OK,
    );
    let all = read(&desk, admin, "/api/notices?all=true", position(&gone));
    assert!(!all.to_string().contains("Down at 23:00"), "{all}");
}
