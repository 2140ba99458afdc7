//! End-to-end tests of deletes that count references (tickets, users, priorities, time
//! entries), replacements applied by the read models, user profile links and location moves.

mod common;

use common::client;
use common::desk::*;
use common::error_of;
use reqwest::blocking::RequestBuilder;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn refused(request: RequestBuilder, status: StatusCode, field: Option<&str>) -> Value {
    let (got, body) = error_of(request.send().unwrap());
    assert_eq!(got, status, "{body}");
    if let Some(field) = field {
        assert_eq!(body["error"]["field"], json!(field), "{body}");
    }
    body
}

fn id(answer: &Value) -> String {
    answer["id"].as_str().unwrap().to_owned()
}

fn position(answer: &Value) -> u64 {
    answer["position"].as_u64().unwrap()
}

fn del(desk: &Desk, path: &str) -> RequestBuilder {
    client()
        .delete(desk.server.url(path))
        .bearer_auth(&desk.admin)
}

fn patch(desk: &Desk, path: &str, body: Value) -> RequestBuilder {
    client()
        .patch(desk.server.url(path))
        .bearer_auth(&desk.admin)
        .json(&body)
}

/// The numbers of the tickets listed by `query`, once the views reflect `at`.
fn listed(desk: &Desk, query: &str, at: u64) -> Vec<u64> {
    let body = ok(
        desk.get(
            &desk.admin,
            &format!("/api/tickets?{query}&min_position={at}"),
        ),
        StatusCode::OK,
    );
    let mut numbers: Vec<u64> = body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    numbers.sort();
    numbers
}

/// Expects a 409 `still_referenced` that names `count` (references or children).
fn still_referenced(request: RequestBuilder, count: u64) {
    let body = refused(request, StatusCode::CONFLICT, None);
    assert_eq!(body["error"]["code"], "still_referenced", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(&format!(" {count} ")), "{body}");
}

/// One directory entry once the model reflects `at`.
fn entry(desk: &Desk, kind: &str, id: &str, at: u64) -> Value {
    let body = ok(
        desk.get(
            &desk.admin,
            &format!("/api/directory/{kind}/{id}?min_position={at}"),
        ),
        StatusCode::OK,
    );
    body["entry"].clone()
}

#[test]
fn deletes_with_replacements_move_the_tickets() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let agent = &desk.agent.1;
    let make = |path: &str, body: Value| id(&created(desk.post(admin, path, body)));
    let (pa, pb) = (
        make(
            "/api/priorities",
            json!({"name": "P-A", "colour": "#aa0000"}),
        ),
        make(
            "/api/priorities",
            json!({"name": "P-B", "colour": "#00aa00"}),
        ),
    );
    let (ga, gb) = (
        make("/api/groups", json!({"name": "G-A"})),
        make("/api/groups", json!({"name": "G-B"})),
    );
    let (ca, cb) = (
        make(
            "/api/categories",
            json!({"tree": "ticket", "name": "Hardware"}),
        ),
        make(
            "/api/categories",
            json!({"tree": "ticket", "name": "Software"}),
        ),
    );
    let (la, lb) = (
        make("/api/locations", json!({"name": "Paris"})),
        make("/api/locations", json!({"name": "Lyon"})),
    );
    let sub = make(
        "/api/categories",
        json!({"tree": "ticket", "name": "Printers", "parent_id": ca}),
    );
    refused(
        desk.post(
            agent,
            "/api/tickets",
            json!({"subject": "x", "category_id": sub}),
        ),
        StatusCode::BAD_REQUEST,
        Some("category_id"),
    );
    refused(
        desk.post(
            agent,
            "/api/tickets",
            json!({"subject": "x", "location_id": pa}),
        ),
        StatusCode::BAD_REQUEST,
        Some("location_id"),
    );
    let mut numbers = Vec::new();
    for subject in ["Printer", "Scanner"] {
        let t = created(desk.post(
            agent,
            "/api/tickets",
            json!({"subject": subject, "priority_id": pa, "group_id": ga,
                   "category_id": ca, "location_id": la}),
        ));
        numbers.push(t["number"].as_u64().unwrap());
    }
    let other = created(desk.post(
        agent,
        "/api/tickets",
        json!({"subject": "Other", "priority_id": pb}),
    ));
    let other = other["number"].as_u64().unwrap();

    // Priority: refused while tickets use it, moved onto the replacement.
    still_referenced(del(&desk, &format!("/api/priorities/{pa}")), 2);
    let done = ok(
        del(&desk, &format!("/api/priorities/{pa}?replacement_id={pb}")),
        StatusCode::OK,
    );
    let at = position(&done);
    let mut both = numbers.clone();
    both.push(other);
    assert_eq!(listed(&desk, &format!("priority={pb}"), at), both);
    assert!(listed(&desk, &format!("priority={pa}"), at).is_empty());
    let shown = summary(&desk, admin, numbers[0], at);
    assert_eq!(
        shown["priority_id"],
        json!(pb.trim_start_matches("priority-"))
    );

    // Group.
    still_referenced(del(&desk, &format!("/api/groups/{ga}")), 2);
    let at = position(&ok(
        del(&desk, &format!("/api/groups/{ga}?replacement_id={gb}")),
        StatusCode::OK,
    ));
    assert_eq!(listed(&desk, &format!("group={gb}"), at), numbers);
    assert!(listed(&desk, &format!("group={ga}"), at).is_empty());

    // Category: refused while it has a subcategory, then while tickets have it.
    still_referenced(del(&desk, &format!("/api/categories/{ca}")), 1);
    ok(
        del(&desk, &format!("/api/categories/{sub}")),
        StatusCode::OK,
    );
    still_referenced(del(&desk, &format!("/api/categories/{ca}")), 2);
    refused(
        del(&desk, &format!("/api/categories/{ca}?replacement_id={la}")),
        StatusCode::BAD_REQUEST,
        Some("replacement_id"),
    );
    let other_sub = make(
        "/api/categories",
        json!({"tree": "ticket", "name": "Licences", "parent_id": cb}),
    );
    refused(
        del(
            &desk,
            &format!("/api/categories/{ca}?replacement_id={other_sub}"),
        ),
        StatusCode::BAD_REQUEST,
        Some("replacement_id"),
    );
    let at = position(&ok(
        del(&desk, &format!("/api/categories/{ca}?replacement_id={cb}")),
        StatusCode::OK,
    ));
    assert_eq!(listed(&desk, &format!("category={cb}"), at), numbers);
    assert!(listed(&desk, &format!("category={ca}"), at).is_empty());
    let shown = summary(&desk, admin, numbers[1], at);
    assert_eq!(
        shown["category"]["category_id"],
        json!(cb.trim_start_matches("category-"))
    );

    // Location: tickets at it count.
    still_referenced(del(&desk, &format!("/api/locations/{la}")), 2);
    let at = position(&ok(
        del(&desk, &format!("/api/locations/{la}?replacement_id={lb}")),
        StatusCode::OK,
    ));
    assert_eq!(listed(&desk, &format!("location={lb}"), at), numbers);
    assert!(listed(&desk, &format!("location={la}"), at).is_empty());
    still_referenced(del(&desk, &format!("/api/groups/{gb}")), 2);
}

#[test]
fn catalogue_lists_calendars_and_companies_count_their_references() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let agent = &desk.agent.1;
    let make = |path: &str, body: Value| id(&created(desk.post(admin, path, body)));

    // An urgency nothing uses is deleted outright; a time category with entries needs a
    // replacement of its own kind.
    let urgency = make("/api/catalogue/urgencies", json!({"name": "High"}));
    ok(
        del(&desk, &format!("/api/catalogue/urgencies/{urgency}")),
        StatusCode::OK,
    );
    let (ta, tb) = (
        make("/api/catalogue/time_categories", json!({"name": "Travel"})),
        make("/api/catalogue/time_categories", json!({"name": "Onsite"})),
    );
    let ticket = created(desk.post(agent, "/api/tickets", json!({"subject": "Visit"})));
    let number = ticket["number"].as_u64().unwrap();
    ok(
        desk.post(
            agent,
            &format!("/api/tickets/{number}/time"),
            json!({"minutes": 30, "to": "2024-03-05T10:00:00Z", "category_id": ta}),
        ),
        StatusCode::OK,
    );
    still_referenced(
        del(&desk, &format!("/api/catalogue/time_categories/{ta}")),
        1,
    );
    refused(
        del(
            &desk,
            &format!("/api/catalogue/time_categories/{ta}?replacement_id={urgency}"),
        ),
        StatusCode::BAD_REQUEST,
        Some("replacement_id"),
    );
    ok(
        del(
            &desk,
            &format!("/api/catalogue/time_categories/{ta}?replacement_id={tb}"),
        ),
        StatusCode::OK,
    );

    // A calendar counts the priorities whose SLA counts in it.
    let day = json!([{"start": 540, "end": 1020}]);
    let week = json!([day, day, day, day, day, [], []]);
    let calendar = |name: &str| {
        make(
            "/api/calendars",
            json!({"name": name, "time_zone": "Europe/Paris", "hours": week}),
        )
    };
    let (office, depot) = (calendar("Office"), calendar("Depot"));
    make(
        "/api/priorities",
        json!({"name": "Office hours", "colour": "#123456",
               "sla": {"resolution_minutes": 480, "calendar_id": office}}),
    );
    still_referenced(del(&desk, &format!("/api/calendars/{office}")), 1);
    ok(
        del(
            &desk,
            &format!("/api/calendars/{office}?replacement_id={depot}"),
        ),
        StatusCode::OK,
    );
    // The priority moved to Depot, which now counts it.
    still_referenced(del(&desk, &format!("/api/calendars/{depot}")), 1);

    // A company counts the users whose profile names it; a replacement moves them.
    let (acme, initech) = (
        make("/api/companies", json!({"name": "Acme"})),
        make("/api/companies", json!({"name": "Initech"})),
    );
    let user = &desk.agent.0;
    ok(
        patch(
            &desk,
            &format!("/api/users/{user}"),
            json!({"company_id": acme}),
        ),
        StatusCode::OK,
    );
    still_referenced(del(&desk, &format!("/api/companies/{acme}")), 1);
    let at = position(&ok(
        del(
            &desk,
            &format!("/api/companies/{acme}?replacement_id={initech}"),
        ),
        StatusCode::OK,
    ));
    let moved = entry(&desk, "users", user, at);
    assert_eq!(
        moved["attributes"]["profile"]["company_id"],
        json!(initech.trim_start_matches("company-")),
        "{moved}"
    );
    // A later profile change keeps the replacement (not the deleted company).
    let at = position(&ok(
        patch(
            &desk,
            &format!("/api/users/{user}"),
            json!({"title": "Field agent"}),
        ),
        StatusCode::OK,
    ));
    let later = entry(&desk, "users", user, at);
    assert_eq!(
        later["attributes"]["profile"]["company_id"],
        json!(initech.trim_start_matches("company-")),
        "{later}"
    );
    still_referenced(del(&desk, &format!("/api/companies/{initech}")), 1);
}

#[test]
fn user_profile_links_are_checked_shown_and_filtered() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let make = |path: &str, body: Value| id(&created(desk.post(admin, path, body)));
    let dept = make(
        "/api/departments",
        json!({"name": "Support", "public": true}),
    );
    let company = make("/api/companies", json!({"name": "Acme"}));
    let place = make("/api/locations", json!({"name": "HQ"}));
    let (agent, requester) = (&desk.agent.0, &desk.requester.0);
    let user_path = format!("/api/users/{requester}");

    let nowhere = format!("company-{}", ulid::Ulid::new());
    refused(
        patch(&desk, &user_path, json!({"company_id": nowhere})),
        StatusCode::BAD_REQUEST,
        Some("company_id"),
    );
    refused(
        patch(&desk, &user_path, json!({"company_id": place})),
        StatusCode::BAD_REQUEST,
        Some("company_id"),
    );
    refused(
        patch(&desk, &user_path, json!({"department_id": "nonsense"})),
        StatusCode::BAD_REQUEST,
        Some("department_id"),
    );
    refused(
        patch(&desk, &user_path, json!({"manager_id": requester})),
        StatusCode::BAD_REQUEST,
        Some("manager_id"),
    );
    refused(
        client()
            .patch(desk.server.url(&user_path))
            .bearer_auth(&desk.agent.1)
            .json(&json!({"company_id": company})),
        StatusCode::FORBIDDEN,
        None,
    );
    let at = position(&ok(
        patch(
            &desk,
            &user_path,
            json!({"department_id": dept, "manager_id": agent, "location_id": place,
                   "company_id": company}),
        ),
        StatusCode::OK,
    ));
    let shown = entry(&desk, "users", requester, at);
    let profile = &shown["attributes"]["profile"];
    let bare = |s: &str| json!(s.split('-').next_back().unwrap());
    assert_eq!(profile["department_id"], bare(&dept), "{shown}");
    assert_eq!(profile["manager_id"], bare(agent), "{shown}");
    assert_eq!(profile["location_id"], bare(&place), "{shown}");
    assert_eq!(profile["company_id"], bare(&company), "{shown}");

    let users_of = |filter: &str, at: u64| -> Vec<String> {
        let body = ok(
            desk.get(
                admin,
                &format!("/api/directory/users?{filter}&limit=1&min_position={at}"),
            ),
            StatusCode::OK,
        );
        let mut out: Vec<String> = body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect();
        if let Some(next) = body["next"].as_str() {
            let more = ok(
                desk.get(
                    admin,
                    &format!("/api/directory/users?{filter}&limit=1&after={next}"),
                ),
                StatusCode::OK,
            );
            assert!(more["items"].as_array().unwrap().is_empty(), "{more}");
        }
        out.sort();
        out
    };
    assert_eq!(
        users_of(&format!("company_id={company}"), at),
        vec![requester.to_owned()]
    );
    assert_eq!(
        users_of(&format!("department_id={dept}"), at),
        vec![requester.to_owned()]
    );
    refused(
        desk.get(
            admin,
            &format!("/api/directory/groups?company_id={company}"),
        ),
        StatusCode::BAD_REQUEST,
        Some("company_id"),
    );

    // The department counts the user; a replacement moves them.
    still_referenced(del(&desk, &format!("/api/departments/{dept}")), 1);
    let other_dept = make(
        "/api/departments",
        json!({"name": "Sales", "public": false}),
    );
    let at = position(&ok(
        del(
            &desk,
            &format!("/api/departments/{dept}?replacement_id={other_dept}"),
        ),
        StatusCode::OK,
    ));
    assert_eq!(
        users_of(&format!("department_id={other_dept}"), at),
        vec![requester.to_owned()]
    );
    assert!(users_of(&format!("department_id={dept}"), at).is_empty());
    let dept = other_dept;

    // The location counts the user; `null` clears a link, others stay.
    still_referenced(del(&desk, &format!("/api/locations/{place}")), 1);
    let at = position(&ok(
        patch(
            &desk,
            &user_path,
            json!({"company_id": null, "location_id": null}),
        ),
        StatusCode::OK,
    ));
    let shown = entry(&desk, "users", requester, at);
    let profile = &shown["attributes"]["profile"];
    assert_eq!(profile["company_id"], Value::Null, "{shown}");
    assert_eq!(profile["location_id"], Value::Null, "{shown}");
    assert_eq!(profile["department_id"], bare(&dept), "{shown}");
    assert!(users_of(&format!("company_id={company}"), at).is_empty());
    ok(
        del(&desk, &format!("/api/locations/{place}")),
        StatusCode::OK,
    );
}

#[test]
fn locations_move_without_cycles() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let make = |body: Value| id(&created(desk.post(admin, "/api/locations", body)));
    let france = make(json!({"name": "France"}));
    let paris = make(json!({"name": "Paris"}));
    let office = make(json!({"name": "Office", "parent_id": paris}));
    let mv = |what: &str, parent: Value| {
        desk.post(
            admin,
            &format!("/api/locations/{what}/move"),
            json!({"parent_id": parent}),
        )
    };
    let at = position(&ok(mv(&paris, json!(france)), StatusCode::OK));
    let read = entry(&desk, "locations", &paris, at);
    assert_eq!(
        read["attributes"]["parent_id"],
        json!(france.trim_start_matches("location-")),
        "{read}"
    );
    // Under itself or one of its descendants: a cycle.
    refused(
        mv(&paris, json!(paris)),
        StatusCode::BAD_REQUEST,
        Some("parent_id"),
    );
    refused(
        mv(&france, json!(office)),
        StatusCode::BAD_REQUEST,
        Some("parent_id"),
    );
    let nowhere = format!("location-{}", ulid::Ulid::new());
    refused(
        mv(&office, json!(nowhere)),
        StatusCode::BAD_REQUEST,
        Some("parent_id"),
    );
    refused(
        client()
            .post(desk.server.url(&format!("/api/locations/{office}/move")))
            .bearer_auth(&desk.requester.1)
            .json(&json!({"parent_id": null})),
        StatusCode::FORBIDDEN,
        None,
    );
    // France has a child now: its delete is refused; moved back to the root, it is not.
    still_referenced(del(&desk, &format!("/api/locations/{france}")), 1);
    let at = position(&ok(mv(&paris, Value::Null), StatusCode::OK));
    let read = entry(&desk, "locations", &paris, at);
    assert_eq!(read["attributes"]["parent_id"], Value::Null, "{read}");
    ok(
        del(&desk, &format!("/api/locations/{france}")),
        StatusCode::OK,
    );
}

/// A ticket type with tickets needs a replacement that allows every priority it allows; the
/// tickets then list under the replacement.
#[test]
fn a_ticket_type_moves_its_tickets_to_a_replacement_that_allows_their_priorities() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let agent = &desk.agent.1;
    let make = |path: &str, body: Value| id(&created(desk.post(admin, path, body)));
    let urgent = make(
        "/api/priorities",
        json!({"name": "Most urgent", "colour": "#aa0000"}),
    );
    let any_a = make("/api/ticket_types", json!({"name": "Any A"}));
    let any_b = make("/api/ticket_types", json!({"name": "Any B"}));
    let urgent_only = make(
        "/api/ticket_types",
        json!({"name": "Urgent only", "priority_ids": [urgent]}),
    );
    let ticket = created(desk.post(
        agent,
        "/api/tickets",
        json!({"subject": "Typed", "type_id": any_a}),
    ));
    let number = ticket["number"].as_u64().unwrap();

    still_referenced(del(&desk, &format!("/api/ticket_types/{any_a}")), 1);
    // Any priority cannot move to a type that allows one only.
    refused(
        del(
            &desk,
            &format!("/api/ticket_types/{any_a}?replacement_id={urgent_only}"),
        ),
        StatusCode::BAD_REQUEST,
        Some("replacement_id"),
    );
    refused(
        del(
            &desk,
            &format!("/api/ticket_types/{any_a}?replacement_id={any_a}"),
        ),
        StatusCode::BAD_REQUEST,
        Some("replacement_id"),
    );
    let done = ok(
        del(
            &desk,
            &format!("/api/ticket_types/{any_a}?replacement_id={any_b}"),
        ),
        StatusCode::OK,
    );
    let at = position(&done);
    assert_eq!(listed(&desk, &format!("type={any_b}"), at), vec![number]);
    assert!(listed(&desk, &format!("type={any_a}"), at).is_empty());
    // A type nothing uses any more is deleted outright; one that allows a subset can be
    // replaced by one that allows any.
    ok(
        del(
            &desk,
            &format!("/api/ticket_types/{urgent_only}?replacement_id={any_b}"),
        ),
        StatusCode::OK,
    );
}
