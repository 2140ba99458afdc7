//! Every filter, every sort order both ways, pagination and bounded scans.

use ledgerdesk_core::ticket::{
    CloseTicket, ClosedReason, StatusCategory, TicketCommand, TicketKind, TicketTypeRef,
};
use ledgerdesk_core::Timestamp;
use ulid::Ulid;

use super::*;
use crate::views::list::list_within;
use crate::views::{list, ListPage, SortField, TicketFilter, TimeRange, ViewsError, MAX_PAGE};

const SOURCE: Ulid = Ulid(62);
const DEPARTMENT: Ulid = Ulid(60);
const HELPDESK: Ulid = Ulid(61);
const CATEGORY: Ulid = Ulid(63);

fn close() -> TicketCommand {
    TicketCommand::Close(Box::new(CloseTicket {
        status: status(StatusCategory::Closed),
        reason: ClosedReason::Manual,
        closure_code_id: None,
        comments: None,
        requester_acknowledged: None,
        requester_comments: None,
    }))
}

/// Six tickets, created an hour apart from T0 (1001 at T0 ... 1006 at T0+5h):
///
/// | # | status | group | agent | priority | tags | other | updated | closed |
/// |---|---|---|---|---|---|---|---|---|
/// | 1001 | in progress | G1 | AGENT | P2 | A | source, dept, desk, category | 7h | |
/// | 1002 | new | G2 | none | P1 | A, B | REQ2, question | 6h | |
/// | 1003 | open | G1 | AGENT2 | none | | | 2h | |
/// | 1004 | closed | none | AGENT | P1 | B | | 10h | 10h |
/// | 1005 | closed | G1 | none | P2 | | | 8h | 8h |
/// | 1006 | new, trashed at 9h | G1 | | | | | 9h | |
pub(super) async fn six() -> Desk {
    let mut desk = Desk::new().await;
    let mut c = create(tid(1), "one");
    c.status = status(StatusCategory::InProgress);
    (c.group_id, c.agent_id, c.priority_id) = (Some(G1), Some(AGENT), Some(P2));
    c.tag_ids = [TAG_A].into();
    (c.source_id, c.department_id, c.helpdesk_id) =
        (Some(SOURCE), Some(DEPARTMENT), Some(HELPDESK));
    c.category.category_id = Some(CATEGORY);
    desk.open(c).await;
    let mut c = create(tid(2), "two");
    (c.group_id, c.priority_id, c.requester_id) = (Some(G2), Some(P1), REQ2);
    c.tag_ids = [TAG_A, TAG_B].into();
    c.ticket_type = TicketTypeRef {
        type_id: QUESTION,
        kind: TicketKind::Question,
    };
    desk.open(c).await;
    let mut c = create(tid(3), "three");
    c.status = status(StatusCategory::Open);
    (c.group_id, c.agent_id) = (Some(G1), Some(AGENT2));
    desk.open(c).await;
    let mut c = create(tid(4), "four");
    (c.agent_id, c.priority_id) = (Some(AGENT), Some(P1));
    c.tag_ids = [TAG_B].into();
    desk.open(c).await;
    let mut c = create(tid(5), "five");
    (c.group_id, c.priority_id) = (Some(G1), Some(P2));
    desk.open(c).await;
    let mut c = create(tid(6), "six");
    c.group_id = Some(G1);
    desk.open(c).await;
    desk.clock = T0 + 6 * HOUR;
    desk.exec(tid(2), update(|u| u.subject = Some("two!".into())))
        .await;
    desk.clock = T0 + 7 * HOUR;
    desk.exec(tid(1), update(|u| u.description = Some("more".into())))
        .await;
    desk.clock = T0 + 8 * HOUR;
    desk.exec(tid(5), close()).await;
    desk.clock = T0 + 9 * HOUR;
    desk.exec(tid(6), TicketCommand::Trash).await;
    desk.clock = T0 + 10 * HOUR;
    desk.exec(tid(4), close()).await;
    desk
}

fn range(from: Option<i64>, to: Option<i64>) -> TimeRange {
    TimeRange {
        from: from.map(|h| Timestamp(T0 + h * HOUR)),
        to: to.map(|h| Timestamp(T0 + h * HOUR)),
    }
}

/// Every page of a query, following `next` to the end.
fn all_pages(
    view: &crate::ProjectionView,
    filter: &TicketFilter,
    sort: (SortField, bool),
    limit: usize,
    budget: usize,
) -> (Vec<u64>, Vec<ListPage>) {
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    loop {
        let page = list_within(view, filter, sort, cursor.as_deref(), limit, budget).unwrap();
        seen.extend(numbers(&page.items));
        cursor = page.next.clone();
        pages.push(page);
        if cursor.is_none() {
            return (seen, pages);
        }
        assert!(pages.len() < 1_000, "pagination does not end");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_filter_selects_the_hand_computed_tickets() {
    let desk = six().await;
    let view = desk.view().await;
    let f = TicketFilter::default;
    let cases: Vec<(&str, TicketFilter, Vec<u64>)> = vec![
        ("none", f(), vec![1001, 1002, 1003, 1004, 1005]),
        (
            "status",
            TicketFilter {
                status: Some(status(StatusCategory::Open).status_id),
                ..f()
            },
            vec![1003],
        ),
        (
            "category closed",
            TicketFilter {
                status_category: Some(StatusCategory::Closed),
                ..f()
            },
            vec![1004, 1005],
        ),
        (
            "group",
            TicketFilter {
                group: Some(Some(G1)),
                ..f()
            },
            vec![1001, 1003, 1005],
        ),
        (
            "no group",
            TicketFilter {
                group: Some(None),
                ..f()
            },
            vec![1004],
        ),
        (
            "agent",
            TicketFilter {
                agent: Some(Some(AGENT)),
                ..f()
            },
            vec![1001, 1004],
        ),
        (
            "unassigned",
            TicketFilter {
                agent: Some(None),
                ..f()
            },
            vec![1002, 1005],
        ),
        (
            "requester",
            TicketFilter {
                requester: Some(REQ2),
                ..f()
            },
            vec![1002],
        ),
        (
            "priority",
            TicketFilter {
                priority: Some(Some(P1)),
                ..f()
            },
            vec![1002, 1004],
        ),
        (
            "no priority",
            TicketFilter {
                priority: Some(None),
                ..f()
            },
            vec![1003],
        ),
        (
            "type",
            TicketFilter {
                ticket_type: Some(QUESTION),
                ..f()
            },
            vec![1002],
        ),
        (
            "category",
            TicketFilter {
                category: Some(Some(CATEGORY)),
                ..f()
            },
            vec![1001],
        ),
        (
            "tag a",
            TicketFilter {
                tag: Some(TAG_A),
                ..f()
            },
            vec![1001, 1002],
        ),
        (
            "tag b",
            TicketFilter {
                tag: Some(TAG_B),
                ..f()
            },
            vec![1002, 1004],
        ),
        (
            "source",
            TicketFilter {
                source: Some(Some(SOURCE)),
                ..f()
            },
            vec![1001],
        ),
        (
            "department",
            TicketFilter {
                department: Some(Some(DEPARTMENT)),
                ..f()
            },
            vec![1001],
        ),
        (
            "help desk",
            TicketFilter {
                helpdesk: Some(Some(HELPDESK)),
                ..f()
            },
            vec![1001],
        ),
        (
            "created",
            TicketFilter {
                created: range(Some(1), Some(3)),
                ..f()
            },
            vec![1002, 1003, 1004],
        ),
        (
            "updated",
            TicketFilter {
                updated: range(Some(7), None),
                ..f()
            },
            vec![1001, 1004, 1005],
        ),
        (
            "closed",
            TicketFilter {
                closed: range(None, Some(9)),
                ..f()
            },
            vec![1005],
        ),
        (
            "trashed",
            TicketFilter {
                trashed: true,
                ..f()
            },
            vec![1006],
        ),
        (
            "group and unassigned",
            TicketFilter {
                group: Some(Some(G1)),
                agent: Some(None),
                ..f()
            },
            vec![1005],
        ),
        (
            "tag and priority",
            TicketFilter {
                tag: Some(TAG_A),
                priority: Some(Some(P2)),
                ..f()
            },
            vec![1001],
        ),
        (
            "group and created",
            TicketFilter {
                group: Some(Some(G1)),
                created: range(Some(1), None),
                ..f()
            },
            vec![1003, 1005],
        ),
        (
            "nothing",
            TicketFilter {
                group: Some(Some(G2)),
                agent: Some(Some(AGENT)),
                ..f()
            },
            vec![],
        ),
    ];
    for (name, filter, expected) in cases {
        let page = list(&view, &filter, SortField::Number, false, None, MAX_PAGE).unwrap();
        assert_eq!(numbers(&page.items), expected, "{name}");
        assert_eq!(page.next, None, "{name}");
        assert_eq!(page.position, desk.store.head(), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sort_order_both_ways() {
    let desk = six().await;
    let view = desk.view().await;
    let all = TicketFilter::default();
    let cases = [
        (SortField::Created, vec![1001, 1002, 1003, 1004, 1005]),
        (SortField::Number, vec![1001, 1002, 1003, 1004, 1005]),
        (SortField::Updated, vec![1003, 1002, 1001, 1005, 1004]),
        (SortField::Closed, vec![1005, 1004, 1001, 1002, 1003]),
        (SortField::Priority, vec![1003, 1002, 1004, 1001, 1005]),
        (SortField::Status, vec![1002, 1003, 1001, 1004, 1005]),
    ];
    for (sort, ascending) in cases {
        let asc = list(&view, &all, sort, false, None, 10).unwrap();
        assert_eq!(numbers(&asc.items), ascending, "{sort:?} asc");
        let desc = list(&view, &all, sort, true, None, 10).unwrap();
        let mut descending = ascending.clone();
        descending.reverse();
        assert_eq!(numbers(&desc.items), descending, "{sort:?} desc");
        // Filtered lists sort the same way on another index.
        let g1 = TicketFilter {
            group: Some(Some(G1)),
            ..TicketFilter::default()
        };
        let page = list(&view, &g1, sort, true, None, 10).unwrap();
        let expected: Vec<u64> = descending
            .iter()
            .copied()
            .filter(|n| [1001, 1003, 1005].contains(n))
            .collect();
        assert_eq!(numbers(&page.items), expected, "{sort:?} desc in G1");
    }
    // Ranges on the sorted field bound the order, both ways.
    let created = TicketFilter {
        created: range(Some(1), Some(3)),
        ..TicketFilter::default()
    };
    let desc = list(&view, &created, SortField::Created, true, None, 10).unwrap();
    assert_eq!(numbers(&desc.items), [1004, 1003, 1002]);
    assert_eq!((desc.next, desc.total), (None, Some(3)));
    let closed = TicketFilter {
        closed: range(Some(9), None),
        ..TicketFilter::default()
    };
    let asc = list(&view, &closed, SortField::Closed, false, None, 10).unwrap();
    assert_eq!(numbers(&asc.items), [1004]);
    let desc = list(&view, &closed, SortField::Closed, true, None, 10).unwrap();
    assert_eq!(numbers(&desc.items), [1004]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_have_no_duplicates_or_gaps_even_with_inserts_before_the_cursor() {
    let mut desk = Desk::new().await;
    for i in 1..=25u128 {
        let mut c = create(tid(i), &format!("t{i}"));
        c.priority_id = Some(if i % 2 == 0 { P1 } else { P2 });
        c.group_id = (i % 2 == 1).then_some(G1);
        if i % 3 == 0 {
            c.tag_ids = [TAG_A].into();
        }
        desk.open(c).await;
    }
    let view = desk.view().await;
    let all = TicketFilter::default();
    for sort in [
        SortField::Number,
        SortField::Updated,
        SortField::Closed,
        SortField::Priority,
        SortField::Status,
    ] {
        for desc in [false, true] {
            let whole = list(&view, &all, sort, desc, None, MAX_PAGE).unwrap();
            assert_eq!(whole.items.len(), 25);
            assert_eq!(whole.total, Some(25));
            let (paged, pages) = all_pages(&view, &all, (sort, desc), 7, usize::MAX);
            assert_eq!(paged, numbers(&whole.items), "{sort:?} desc={desc}");
            assert_eq!(pages.len(), 4);
        }
    }

    // Newest first; new tickets arrive before the cursor between pages.
    let first = list(&view, &all, SortField::Number, true, None, 7).unwrap();
    assert_eq!(
        numbers(&first.items),
        (1019..=1025).rev().collect::<Vec<_>>()
    );
    for i in 26..=28u128 {
        desk.open(create(tid(i), "late")).await;
    }
    let view = desk.view().await;
    let mut cursor = first.next.clone();
    let mut rest = Vec::new();
    while let Some(c) = cursor {
        let page = list(&view, &all, SortField::Number, true, Some(&c), 7).unwrap();
        rest.extend(numbers(&page.items));
        cursor = page.next;
    }
    assert_eq!(rest, (1001..=1018).rev().collect::<Vec<_>>());

    // A cursor belongs to its query.
    let other = list(
        &view,
        &all,
        SortField::Updated,
        true,
        first.next.as_deref(),
        7,
    );
    assert!(matches!(other, Err(ViewsError::InvalidCursor)));
    assert!(matches!(
        list(&view, &all, SortField::Number, true, Some("zz"), 7),
        Err(ViewsError::InvalidCursor)
    ));
    assert!(matches!(
        list(&view, &all, SortField::Number, true, None, 0),
        Err(ViewsError::PageSize(0))
    ));
    assert!(matches!(
        list(&view, &all, SortField::Number, true, None, 101),
        Err(ViewsError::PageSize(101))
    ));
}

/// With an unselective driving index, a page stops after its scan budget and hands back a
/// cursor; following the cursors still yields every match once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unselective_scan_stops_at_its_budget_and_resumes() {
    let mut desk = Desk::new().await;
    for i in 1..=25u128 {
        let mut c = create(tid(i), "t");
        c.group_id = (i % 2 == 1).then_some(G1);
        if i % 3 == 0 {
            c.tag_ids = [TAG_A].into();
        }
        desk.open(c).await;
    }
    let view = desk.view().await;
    // G1: 13 tickets, tag A: 8; the tag is the smaller set, the intersection has 4.
    let filter = TicketFilter {
        group: Some(Some(G1)),
        tag: Some(TAG_A),
        ..TicketFilter::default()
    };
    let first = list(&view, &filter, SortField::Number, false, None, 10).unwrap();
    assert_eq!(first.driving, crate::views::Field::Tag);
    assert_eq!(first.total, Some(4));
    let (seen, pages) = all_pages(&view, &filter, (SortField::Number, false), 10, 1);
    assert_eq!(seen, [1003, 1009, 1015, 1021]);
    assert!(pages.iter().all(|p| p.scanned <= 1));
    assert!(
        pages.iter().any(|p| p.items.is_empty() && p.next.is_some()),
        "a short page still has a cursor"
    );
    let (desc, _) = all_pages(&view, &filter, (SortField::Number, true), 1, 2);
    assert_eq!(desc, [1021, 1015, 1009, 1003]);
}
