//! Counters after updates, moves, trash, restore and purge; statistics per day, tag and group.

use ledgerdesk_core::ticket::{StatusCategory, TicketCommand};
use ulid::Ulid;

use super::lists::six;
use super::*;
use crate::views::stats::civil_date;
use crate::views::{
    count_filtered, counts, daily, list, top, Count, Field, SortField, TicketFilter, MAX_PAGE,
};

fn pairs(view: &crate::ProjectionView, field: Field, trashed: bool) -> Vec<(String, u64)> {
    counts(view, field, trashed, None, MAX_PAGE)
        .unwrap()
        .counts
        .into_iter()
        .map(|Count { value, count }| (value, count))
        .collect()
}

fn id(u: Ulid) -> String {
    u.to_string()
}

fn c(value: impl Into<String>, n: u64) -> (String, u64) {
    (value.into(), n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_follow_updates_moves_trash_restore_and_purge() {
    let mut desk = six().await;
    let view = desk.view().await;
    let st = |cat| id(status(cat).status_id);
    assert_eq!(
        pairs(&view, Field::Status, false),
        [
            c(st(StatusCategory::New), 1),
            c(st(StatusCategory::Open), 1),
            c(st(StatusCategory::InProgress), 1),
            c(st(StatusCategory::Closed), 2)
        ]
    );
    assert_eq!(
        pairs(&view, Field::StatusCategory, false),
        [
            c("New", 1),
            c("Open", 1),
            c("InProgress", 1),
            c("Closed", 2)
        ]
    );
    assert_eq!(
        pairs(&view, Field::Group, false),
        [c("none", 1), c(id(G1), 3), c(id(G2), 1)]
    );
    assert_eq!(
        pairs(&view, Field::Agent, false),
        [c("none", 2), c(id(AGENT), 2), c(id(AGENT2), 1)]
    );
    assert_eq!(
        pairs(&view, Field::Priority, false),
        [c("none", 1), c(id(P1), 2), c(id(P2), 2)]
    );
    assert_eq!(pairs(&view, Field::All, false), [c("", 5)]);
    assert_eq!(pairs(&view, Field::Group, true), [c(id(G1), 1)]);

    // Count pages follow their cursor.
    let first = counts(&view, Field::Agent, false, None, 2).unwrap();
    assert_eq!(first.counts.len(), 2);
    let rest = counts(&view, Field::Agent, false, first.next.as_deref(), 2).unwrap();
    assert_eq!(
        rest.counts,
        [Count {
            value: id(AGENT2),
            count: 1
        }]
    );
    assert_eq!(rest.next, None);

    // A filtered list: exact counts, with each field's own count beside.
    let g1 = TicketFilter {
        group: Some(Some(G1)),
        ..TicketFilter::default()
    };
    assert_eq!(count_filtered(&view, &g1).unwrap().exact, Some(3));
    assert_eq!(
        list(&view, &g1, SortField::Number, false, None, 1)
            .unwrap()
            .total,
        Some(3)
    );
    let both = TicketFilter {
        agent: Some(None),
        ..g1.clone()
    };
    let counted = count_filtered(&view, &both).unwrap();
    // G1 holds 1001 (AGENT), 1003 (AGENT2) and 1005 (unassigned).
    assert_eq!(counted.exact, Some(1));
    assert_eq!(counted.per_field, [(Field::Group, 3), (Field::Agent, 2)]);

    // Reassign 1002 from (G2, nobody) to (G1, AGENT2); give 1003 a priority.
    let reassign = TicketCommand::Reassign {
        group_id: Some(G1),
        agent_id: Some(AGENT2),
    };
    desk.exec(tid(2), reassign).await;
    desk.exec(tid(3), update(|u| u.priority_id = Some(Some(P1))))
        .await;
    let view = desk.view().await;
    assert_eq!(
        pairs(&view, Field::Group, false),
        [c("none", 1), c(id(G1), 4)]
    );
    assert_eq!(
        pairs(&view, Field::Agent, false),
        [c("none", 1), c(id(AGENT), 2), c(id(AGENT2), 2)]
    );
    assert_eq!(
        pairs(&view, Field::Priority, false),
        [c(id(P1), 3), c(id(P2), 2)]
    );

    // Trash moves a ticket's counts to the trash scope; restore moves them back.
    desk.exec(tid(1), TicketCommand::Trash).await;
    let view = desk.view().await;
    assert_eq!(
        pairs(&view, Field::Group, false),
        [c("none", 1), c(id(G1), 3)]
    );
    assert_eq!(pairs(&view, Field::Group, true), [c(id(G1), 2)]);
    assert_eq!(pairs(&view, Field::All, true), [c("", 2)]);
    let trashed = TicketFilter {
        trashed: true,
        ..TicketFilter::default()
    };
    assert_eq!(
        numbers(
            &list(&view, &trashed, SortField::Number, false, None, 10)
                .unwrap()
                .items
        ),
        [1001, 1006]
    );
    desk.exec(tid(1), TicketCommand::Restore).await;
    // Purge removes the ticket from every count.
    desk.exec(tid(6), TicketCommand::Purge).await;
    let view = desk.view().await;
    assert_eq!(
        pairs(&view, Field::Group, false),
        [c("none", 1), c(id(G1), 4)]
    );
    assert_eq!(pairs(&view, Field::Group, true), []);
    assert_eq!(pairs(&view, Field::All, false), [c("", 5)]);
    assert!(list(&view, &trashed, SortField::Number, false, None, 10)
        .unwrap()
        .items
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_per_day_tag_and_group() {
    let mut desk = six().await;
    let view = desk.view().await;
    let days = daily(&view, 19_723, 19_724).unwrap().days;
    let got: Vec<(&str, u64, u64)> = days
        .iter()
        .map(|d| (d.date.as_str(), d.created, d.closed))
        .collect();
    // Five active tickets created and two closed on 2024-01-01 (1006 is in the trash).
    assert_eq!(got, [("2024-01-01", 5, 2), ("2024-01-02", 0, 0)]);

    // The next day: 1005 reopens (no longer closed on day one), a new ticket arrives.
    desk.clock = T0 + DAY + HOUR;
    let reopen = TicketCommand::Reopen {
        status: status(StatusCategory::Open),
        comment: None,
    };
    desk.exec(tid(5), reopen).await;
    let mut c7 = create(tid(7), "seven");
    c7.group_id = Some(G1);
    c7.tag_ids = [TAG_B].into();
    desk.open(c7).await;
    let view = desk.view().await;
    let days = daily(&view, 19_722, 19_724).unwrap().days;
    let got: Vec<(i64, u64, u64)> = days.iter().map(|d| (d.day, d.created, d.closed)).collect();
    assert_eq!(got, [(19_722, 0, 0), (19_723, 5, 1), (19_724, 1, 0)]);
    assert!(
        daily(&view, 0, 5_000).unwrap().days.is_empty(),
        "too long a range"
    );

    let tags = top(&view, Field::Tag, 10).unwrap().counts;
    assert_eq!(
        tags,
        [
            Count {
                value: id(TAG_B),
                count: 3
            },
            Count {
                value: id(TAG_A),
                count: 2
            }
        ]
    );
    let groups = top(&view, Field::Group, 1).unwrap().counts;
    assert_eq!(
        groups,
        [Count {
            value: id(G1),
            count: 4
        }]
    );
}

#[test]
fn civil_dates_are_gregorian() {
    assert_eq!(civil_date(0), "1970-01-01");
    assert_eq!(civil_date(-1), "1969-12-31");
    assert_eq!(civil_date(19_723), "2024-01-01");
    assert_eq!(civil_date(11_016), "2000-02-29");
    assert_eq!(civil_date(-135_080), "1600-03-01");
}
