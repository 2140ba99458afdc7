//! The directory model against a real log, with hand-computed expectations.

use std::collections::BTreeSet;
use std::sync::Arc;

use ledgerdesk_core::directory::group::{GroupAggregate, GroupCommand, GroupSet};
use ledgerdesk_core::directory::priority::{PriorityAggregate, PriorityCommand, SlaTargets};
use ledgerdesk_core::directory::status::{StatusAggregate, StatusCategory, StatusCommand};
use ledgerdesk_core::directory::user::{
    CreateUser, UserAggregate, UserCommand, UserKind, UserProfile,
};
use ledgerdesk_core::directory::LinkOp;
use ledgerdesk_core::{StreamId, StreamKind};
use serde_json::json;
use ulid::Ulid;

use super::{get, groups_of, list, members_of, DirectoryProjection, Entry, ListError};
use crate::testlog::{rt, TestLog, MIN};

const ANN: Ulid = Ulid(101);
const BOB: Ulid = Ulid(102);
const OPS: Ulid = Ulid(201);
const NET: Ulid = Ulid(202);

fn user(id: Ulid, username: &str, full_name: &str) -> UserCommand {
    UserCommand::Create(CreateUser {
        user_id: id,
        kind: UserKind::Agent,
        username: Some(username.into()),
        email: Some(format!("{username}@example.org")),
        full_name: full_name.into(),
        profile: UserProfile::default(),
        role_id: Ulid(9),
        with_password: true,
    })
}

fn group(id: Ulid, name: &str, members: &[Ulid]) -> GroupCommand {
    GroupCommand::Create {
        group_id: id,
        name: name.into(),
        public: false,
        members: members.iter().copied().collect(),
        recipients: BTreeSet::new(),
    }
}

async fn desk() -> TestLog {
    let mut log = TestLog::new(Arc::new(DirectoryProjection));
    let u = |id| StreamId::new(StreamKind::User, id);
    let g = |id| StreamId::new(StreamKind::Group, id);
    log.exec::<UserAggregate>(u(ANN), user(ANN, "ann", "Ann Archer"))
        .await;
    log.exec::<UserAggregate>(u(BOB), user(BOB, "bob", "Bob Baker"))
        .await;
    log.exec::<GroupAggregate>(g(OPS), group(OPS, "Operations", &[ANN]))
        .await;
    log.clock += MIN;
    log.exec::<GroupAggregate>(g(NET), group(NET, "network", &[ANN, BOB]))
        .await;
    log
}

#[test]
fn users_groups_and_membership() {
    rt().block_on(async {
        let mut log = desk().await;
        let view = log.view().await;
        let ann = get(&view, StreamKind::User, ANN).unwrap().unwrap();
        assert_eq!(ann.name, "Ann Archer");
        assert_eq!(ann.attribute("username"), Some(json!("ann")));
        assert!(ann.attributes.contains_key("password_set_at"), "{ann:?}");
        assert!(!ann
            .attributes
            .keys()
            .any(|k| k.contains("hash") || k.contains("token")));
        // Name order is case-insensitive: network before Operations.
        let page = list(&view, StreamKind::Group, None, 10).unwrap();
        let names: Vec<_> = page.items.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["network", "Operations"]);
        assert_eq!(page.next, None);
        let of_ann: Vec<_> = groups_of(&view, ANN)
            .unwrap()
            .iter()
            .map(|g| g.id)
            .collect();
        assert_eq!(of_ann, [OPS, NET]);
        let net = get(&view, StreamKind::Group, NET).unwrap().unwrap();
        let members: Vec<_> = members_of(&view, &net)
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(members, [ANN, BOB]);

        let g = StreamId::new(StreamKind::Group, OPS);
        let add = GroupCommand::Link {
            set: GroupSet::Members,
            op: LinkOp::Add(BOB),
        };
        log.exec::<GroupAggregate>(g, add).await;
        let remove = GroupCommand::Link {
            set: GroupSet::Members,
            op: LinkOp::Remove(ANN),
        };
        log.exec::<GroupAggregate>(g, remove).await;
        log.exec::<GroupAggregate>(
            g,
            GroupCommand::Rename {
                name: "Apps".into(),
            },
        )
        .await;
        let view = log.view().await;
        let of_ann: Vec<_> = groups_of(&view, ANN)
            .unwrap()
            .iter()
            .map(|g| g.id)
            .collect();
        assert_eq!(of_ann, [NET]);
        let of_bob: Vec<_> = groups_of(&view, BOB)
            .unwrap()
            .iter()
            .map(|g| g.id)
            .collect();
        assert_eq!(of_bob, [OPS, NET]);
        let names: Vec<_> = list(&view, StreamKind::Group, None, 10)
            .unwrap()
            .items
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["Apps", "network"]);
        let delete = GroupCommand::Delete {
            open_ticket_references: 0,
            replacement_id: None,
        };
        log.exec::<GroupAggregate>(g, delete).await;
        let view = log.view().await;
        assert!(get(&view, StreamKind::Group, OPS).unwrap().unwrap().deleted);
        assert_eq!(
            list(&view, StreamKind::Group, None, 10)
                .unwrap()
                .items
                .len(),
            1
        );
        let of_bob: Vec<_> = groups_of(&view, BOB)
            .unwrap()
            .iter()
            .map(|g| g.id)
            .collect();
        assert_eq!(of_bob, [NET]);
        let disable = UserCommand::Disable;
        log.exec::<UserAggregate>(StreamId::new(StreamKind::User, BOB), disable)
            .await;
        let bob = get(&log.view().await, StreamKind::User, BOB)
            .unwrap()
            .unwrap();
        assert_eq!(bob.attribute("enabled"), Some(json!(false)));
        log.assert_rebuild_matches().await;
    });
}

#[test]
fn priorities_statuses_and_pages() {
    rt().block_on(async {
        let mut log = TestLog::new(Arc::new(DirectoryProjection));
        for (i, name) in ["Urgent", "low", "Normal", "High"].iter().enumerate() {
            let id = Ulid(300 + i as u128);
            let sla = SlaTargets {
                first_response_minutes: Some(30 * (i as u32 + 1)),
                ..SlaTargets::default()
            };
            let create = PriorityCommand::Create {
                priority_id: id,
                name: (*name).into(),
                colour: "#ff0000".into(),
                sla,
            };
            log.exec::<PriorityAggregate>(StreamId::new(StreamKind::Priority, id), create)
                .await;
        }
        let p = StreamId::new(StreamKind::Priority, Ulid(301));
        let sla = SlaTargets {
            resolution_minutes: Some(600),
            ..SlaTargets::default()
        };
        log.exec::<PriorityAggregate>(p, PriorityCommand::SetSla { sla })
            .await;
        let status = StatusCommand::Create {
            status_id: Ulid(400),
            name: "Awaiting parts".into(),
            category: StatusCategory::Waiting,
            colour: None,
        };
        log.exec::<StatusAggregate>(StreamId::new(StreamKind::Status, Ulid(400)), status)
            .await;
        let view = log.view().await;
        let first = list(&view, StreamKind::Priority, None, 3).unwrap();
        let names: Vec<_> = first.items.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["High", "low", "Normal"]);
        let rest = list(&view, StreamKind::Priority, first.next.as_deref(), 3).unwrap();
        let names: Vec<_> = rest.items.iter().map(|e| e.name.as_str()).collect();
        assert_eq!((names, rest.next), (vec!["Urgent"], None));
        let low = get(&view, StreamKind::Priority, Ulid(301))
            .unwrap()
            .unwrap();
        let sla = low.attribute("sla").unwrap();
        assert_eq!(sla["resolution_minutes"], json!(600));
        assert_eq!(sla["first_response_minutes"], json!(null));
        assert_eq!(low.version, 2);
        let st = get(&view, StreamKind::Status, Ulid(400)).unwrap().unwrap();
        assert_eq!(st.attribute("category"), Some(json!("Waiting")));
        // A cursor of another kind, garbage and a zero limit are refused.
        let cursor = first.next.unwrap();
        assert!(matches!(
            list(&view, StreamKind::Status, Some(&cursor), 3),
            Err(ListError::InvalidCursor)
        ));
        assert!(matches!(
            list(&view, StreamKind::Status, Some("zz"), 3),
            Err(ListError::InvalidCursor)
        ));
        assert!(matches!(
            list(&view, StreamKind::Status, None, 0),
            Err(ListError::Limit)
        ));
        log.assert_rebuild_matches().await;
    });
}

mod random {
    //! Random histories: the membership and name indexes agree with the entries, and a
    //! rebuild from the log gives the live model's digest.

    use proptest::prelude::*;

    use super::*;

    const USERS: [Ulid; 3] = [Ulid(101), Ulid(102), Ulid(103)];
    const GROUPS: [Ulid; 3] = [Ulid(201), Ulid(202), Ulid(203)];
    const GROUP_NAMES: [&str; 4] = ["alpha", "Beta", "gamma", "ALPHA"];

    async fn step(log: &mut TestLog, op: u8, g: usize, u: usize, n: usize) {
        let stream = StreamId::new(StreamKind::Group, GROUPS[g]);
        let link = |op| GroupCommand::Link {
            set: GroupSet::Members,
            op,
        };
        let command = match op % 6 {
            0 => group(GROUPS[g], GROUP_NAMES[n], &[USERS[u]]),
            1 => link(LinkOp::Add(USERS[u])),
            2 => link(LinkOp::Remove(USERS[u])),
            3 => GroupCommand::Rename {
                name: GROUP_NAMES[n].into(),
            },
            4 => GroupCommand::Delete {
                open_ticket_references: 0,
                replacement_id: None,
            },
            _ => link(LinkOp::Replace(USERS[..u].iter().copied().collect())),
        };
        // Refusals (unknown group, taken name, deleted group...) write nothing.
        let _ = log.try_exec::<GroupAggregate>(stream, command).await;
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn indexes_agree_and_rebuild_matches(
            history in proptest::collection::vec((0u8..6, 0usize..3, 0usize..3, 0usize..4), 1..40),
        ) {
            rt().block_on(async {
                let mut log = TestLog::new(Arc::new(DirectoryProjection));
                for (i, (op, g, u, n)) in history.iter().enumerate() {
                    log.clock += MIN;
                    step(&mut log, *op, *g, *u, *n).await;
                    if i % 7 == 0 {
                        log.runner.catch_up().await.expect("catch up");
                    }
                }
                let view = log.view().await;
                let live: Vec<Entry> = GROUPS
                    .iter()
                    .filter_map(|g| get(&view, StreamKind::Group, *g).unwrap())
                    .filter(|e| !e.deleted)
                    .collect();
                for user in USERS {
                    let mut expected: Vec<Ulid> = live
                        .iter()
                        .filter(|e| e.set("members").contains(&user))
                        .map(|e| e.id)
                        .collect();
                    expected.sort();
                    let listed: Vec<Ulid> =
                        groups_of(&view, user).unwrap().iter().map(|e| e.id).collect();
                    assert_eq!(listed, expected);
                }
                let mut expected: Vec<(String, Ulid)> =
                    live.iter().map(|e| (e.name.to_lowercase(), e.id)).collect();
                expected.sort();
                let mut listed = Vec::new();
                let mut after = None;
                loop {
                    let page = list(&view, StreamKind::Group, after.as_deref(), 2).unwrap();
                    listed.extend(page.items.iter().map(|e| (e.name.to_lowercase(), e.id)));
                    match page.next {
                        Some(next) => after = Some(next),
                        None => break,
                    }
                }
                assert_eq!(listed, expected);
                log.assert_rebuild_matches().await;
            });
        }
    }
}

#[test]
fn location_moves_and_replacements_of_user_links() {
    use ledgerdesk_core::directory::company::{CompanyAggregate, CompanyCommand};
    use ledgerdesk_core::directory::location::{LocationAggregate, LocationCommand};
    const ACME: Ulid = Ulid(301);
    const INITECH: Ulid = Ulid(302);
    const PARIS: Ulid = Ulid(401);
    const LYON: Ulid = Ulid(402);
    rt().block_on(async {
        let mut log = desk().await;
        let c = |id| StreamId::new(StreamKind::Company, id);
        let l = |id| StreamId::new(StreamKind::Location, id);
        for (id, name) in [(ACME, "Acme"), (INITECH, "Initech")] {
            let create = CompanyCommand::Create {
                company_id: id,
                name: name.into(),
                description: None,
                external_id: None,
                members: BTreeSet::new(),
            };
            log.exec::<CompanyAggregate>(c(id), create).await;
        }
        for (id, name) in [(PARIS, "Paris"), (LYON, "Lyon")] {
            let create = LocationCommand::Create {
                location_id: id,
                name: name.into(),
                parent_id: None,
            };
            log.exec::<LocationAggregate>(l(id), create).await;
        }
        // A nested move is folded: the parent changes, the old parent is not kept.
        let to_paris = LocationCommand::Move {
            parent_id: Some(PARIS),
            parent_ancestors: vec![],
        };
        log.exec::<LocationAggregate>(l(LYON), to_paris).await;
        let view = log.view().await;
        let lyon = get(&view, StreamKind::Location, LYON).unwrap().unwrap();
        assert_eq!(lyon.attribute("parent_id"), Some(json!(PARIS.to_string())));
        assert_eq!(lyon.attribute("old_parent_id"), None);
        assert_eq!(lyon.attribute("moved"), None);
        assert_eq!(lyon.name, "Lyon");

        // Ann works for Acme in Paris; Bob for Initech.
        for (who, company) in [(ANN, ACME), (BOB, INITECH)] {
            let profile = UserProfile {
                company_id: Some(company),
                location_id: Some(PARIS),
                ..UserProfile::default()
            };
            let update = UserCommand::UpdateProfile {
                full_name: format!("User {who}"),
                profile,
            };
            log.exec::<UserAggregate>(StreamId::new(StreamKind::User, who), update)
                .await;
        }
        let view = log.view().await;
        assert_eq!(super::users_linked(&view, "company_id", ACME).unwrap(), 1);
        assert_eq!(super::users_linked(&view, "location_id", PARIS).unwrap(), 2);

        // Deleting Acme with Initech as its replacement moves Ann.
        let delete = CompanyCommand::Delete {
            open_ticket_references: 1,
            replacement_id: Some(INITECH),
        };
        log.exec::<CompanyAggregate>(c(ACME), delete).await;
        let view = log.view().await;
        assert_eq!(super::users_linked(&view, "company_id", ACME).unwrap(), 0);
        assert_eq!(
            super::users_linked(&view, "company_id", INITECH).unwrap(),
            2
        );
        let ann = get(&view, StreamKind::User, ANN).unwrap().unwrap();
        assert_eq!(super::user_link(&ann, "company_id"), Some(INITECH));
        assert_eq!(super::user_link(&ann, "location_id"), Some(PARIS));
        log.assert_rebuild_matches().await;
    });
}

/// A calendar deleted with a replacement moves the priorities counted in it (their `sla`
/// shows the replacement), as the sla model moves them; others keep theirs.
#[test]
fn a_deleted_calendar_moves_its_priorities_to_the_replacement() {
    use ledgerdesk_core::directory::calendar::{CalendarAggregate, CalendarCommand, WeeklyHours};
    const OFFICE: Ulid = Ulid(501);
    const DEPOT: Ulid = Ulid(502);
    const OTHER: Ulid = Ulid(503);
    const HIGH: Ulid = Ulid(601);
    const LOW: Ulid = Ulid(602);
    rt().block_on(async {
        let mut log = desk().await;
        let cal = |id| StreamId::new(StreamKind::Calendar, id);
        for (id, name) in [(OFFICE, "Office"), (DEPOT, "Depot"), (OTHER, "Other")] {
            let create = CalendarCommand::Create {
                calendar_id: id,
                name: name.into(),
                time_zone: "UTC".into(),
                hours: WeeklyHours::default(),
                holidays: Vec::new(),
            };
            log.exec::<CalendarAggregate>(cal(id), create).await;
        }
        for (id, name, calendar) in [(HIGH, "High", OFFICE), (LOW, "Low", OTHER)] {
            let create = PriorityCommand::Create {
                priority_id: id,
                name: name.into(),
                colour: "#fff".into(),
                sla: SlaTargets {
                    first_response_minutes: Some(60),
                    overdue_in_minutes: None,
                    resolution_minutes: None,
                    calendar_id: Some(calendar),
                },
            };
            log.exec::<PriorityAggregate>(StreamId::new(StreamKind::Priority, id), create)
                .await;
        }
        let delete = CalendarCommand::Delete {
            open_ticket_references: 1,
            replacement_id: Some(DEPOT),
        };
        log.exec::<CalendarAggregate>(cal(OFFICE), delete).await;
        let view = log.view().await;
        let calendar_of = |id| {
            get(&view, StreamKind::Priority, id)
                .unwrap()
                .unwrap()
                .attribute("sla")
                .and_then(|sla| sla.get("calendar_id").cloned())
        };
        assert_eq!(calendar_of(HIGH), Some(json!(DEPOT.to_string())));
        assert_eq!(calendar_of(LOW), Some(json!(OTHER.to_string())));
        log.assert_rebuild_matches().await;
    });
}

#[test]
fn approval_templates_are_listed_with_their_voters_and_rule() {
    use ledgerdesk_core::directory::approval_template::{TemplateAggregate, TemplateCommand};
    use ledgerdesk_core::ticket::ApprovalRule;
    rt().block_on(async {
        let mut log = desk().await;
        const PURCHASES: Ulid = Ulid(301);
        let t = StreamId::new(StreamKind::ApprovalTemplate, PURCHASES);
        log.exec::<TemplateAggregate>(
            t,
            TemplateCommand::Create {
                template_id: PURCHASES,
                name: "Purchases".into(),
                user_ids: [ANN].into(),
                group_ids: [NET].into(),
                rule: ApprovalRule::Quorum(2),
            },
        )
        .await;
        let view = log.view().await;
        let entry = get(&view, StreamKind::ApprovalTemplate, PURCHASES)
            .unwrap()
            .unwrap();
        assert_eq!(entry.name, "Purchases");
        assert_eq!(entry.set("users"), [ANN].into());
        assert_eq!(entry.set("groups"), [NET].into());
        assert_eq!(entry.attribute("rule"), Some(json!({"Quorum": 2})));

        log.exec::<TemplateAggregate>(
            t,
            TemplateCommand::LinkUsers {
                op: LinkOp::Add(BOB),
            },
        )
        .await;
        log.exec::<TemplateAggregate>(
            t,
            TemplateCommand::SetRule {
                rule: ApprovalRule::Any,
            },
        )
        .await;
        let view = log.view().await;
        let entry = get(&view, StreamKind::ApprovalTemplate, PURCHASES)
            .unwrap()
            .unwrap();
        assert_eq!(entry.set("users"), [ANN, BOB].into());
        assert_eq!(entry.attribute("rule"), Some(json!("Any")));
        let listed = list(&view, StreamKind::ApprovalTemplate, None, 10).unwrap();
        assert_eq!(listed.items.len(), 1);

        log.exec::<TemplateAggregate>(t, TemplateCommand::Delete)
            .await;
        let view = log.view().await;
        assert!(list(&view, StreamKind::ApprovalTemplate, None, 10)
            .unwrap()
            .items
            .is_empty());
        log.assert_rebuild_matches().await;
    });
}
