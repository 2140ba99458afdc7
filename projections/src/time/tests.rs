//! Tests of the time model with hand-computed totals, over real logs (the approvals model's
//! harness).

use std::sync::Arc;

use ledgerdesk_core::ticket::TicketCommand;
use ledgerdesk_core::Timestamp;
use ulid::Ulid;

use super::{
    day_of, entries_in_category, report, ticket_time, ReportFilter, Row, TimeProjection, Totals,
    NAME,
};
use crate::approvals::tests::{create, Desk, AGENT, AGENT2, MIN, T0};

const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
/// 2024-01-01 is day 19 723 since 1970-01-01.
const D0: i64 = 19_723;
const CAT1: Ulid = Ulid(91);
const CAT2: Ulid = Ulid(92);
const T1: Ulid = Ulid(1001);
const T2: Ulid = Ulid(1002);

fn log(
    entry: u128,
    user: Ulid,
    from: Option<i64>,
    to: i64,
    category: Option<Ulid>,
) -> TicketCommand {
    TicketCommand::LogTime {
        entry_id: Ulid(entry),
        user_id: user,
        from: from.map(|f| Timestamp(T0 + f)),
        to: Timestamp(T0 + to),
        category_id: category,
        comment: None,
    }
}

fn totals(seconds: u64, entries: u64) -> Totals {
    Totals { seconds, entries }
}

fn row<K>(key: K, seconds: u64, entries: u64) -> Row<K> {
    Row {
        key,
        totals: totals(seconds, entries),
    }
}

fn all_days() -> ReportFilter {
    ReportFilter {
        from_day: D0,
        to_day: D0 + 1,
        agent: None,
        category: None,
    }
}

/// T1: 09:00–10:30 by AGENT in CAT1 (5 400 s, day 0); 01:00–01:15 next day by AGENT2, no
/// category (900 s, day 1). T2: 30 min by AGENT in CAT1 (1 800 s, day 0); an entry without a
/// start by AGENT in CAT2 (0 s, day 1).
async fn logged() -> Desk {
    let mut desk = Desk::new(Arc::new(TimeProjection)).await;
    desk.ticket(T1, create(T1)).await;
    desk.ticket(T2, create(T2)).await;
    desk.ticket(
        T1,
        log(1, AGENT, Some(9 * HOUR), 10 * HOUR + 30 * MIN, Some(CAT1)),
    )
    .await;
    desk.ticket(
        T1,
        log(2, AGENT2, Some(DAY + HOUR), DAY + HOUR + 15 * MIN, None),
    )
    .await;
    desk.ticket(
        T2,
        log(3, AGENT, Some(12 * HOUR), 12 * HOUR + 30 * MIN, Some(CAT1)),
    )
    .await;
    desk.ticket(T2, log(4, AGENT, None, DAY + 2 * HOUR, Some(CAT2)))
        .await;
    desk
}

#[test]
fn days_are_utc_days_since_the_epoch() {
    assert_eq!(day_of(Timestamp(T0)), D0);
    assert_eq!(day_of(Timestamp(T0 + DAY - 1)), D0);
    assert_eq!(day_of(Timestamp(-1)), -1);
}

#[tokio::test]
async fn a_tickets_time_sums_its_entries_per_agent_and_category() {
    let desk = logged().await;
    let view = desk.view(NAME).await;
    let t1 = ticket_time(&view, T1).unwrap();
    assert_eq!(t1.entries.len(), 2);
    assert_eq!(t1.entries[0].seconds, 5_400);
    assert_eq!(t1.entries[0].day, D0);
    assert_eq!(t1.entries[1].day, D0 + 1);
    assert_eq!(t1.total, totals(6_300, 2));
    assert_eq!(t1.by_agent, vec![row(AGENT, 5_400, 1), row(AGENT2, 900, 1)]);
    assert_eq!(
        t1.by_category,
        vec![row(None, 900, 1), row(Some(CAT1), 5_400, 1)]
    );
    let t2 = ticket_time(&view, T2).unwrap();
    assert_eq!(t2.total, totals(1_800, 2));
}

#[tokio::test]
async fn reports_total_per_agent_category_and_day_with_filters() {
    let desk = logged().await;
    let view = desk.view(NAME).await;
    let all = report(&view, &all_days()).unwrap();
    assert_eq!(all.total, totals(8_100, 4));
    assert_eq!(
        all.by_agent,
        vec![row(AGENT, 7_200, 3), row(AGENT2, 900, 1)]
    );
    assert_eq!(
        all.by_category,
        vec![
            row(None, 900, 1),
            row(Some(CAT1), 7_200, 2),
            row(Some(CAT2), 0, 1)
        ]
    );
    assert_eq!(all.by_day, vec![row(D0, 7_200, 2), row(D0 + 1, 900, 2)]);

    let agent_cat1 = ReportFilter {
        agent: Some(AGENT),
        category: Some(Some(CAT1)),
        ..all_days()
    };
    assert_eq!(report(&view, &agent_cat1).unwrap().total, totals(7_200, 2));
    let uncategorised = ReportFilter {
        category: Some(None),
        ..all_days()
    };
    assert_eq!(report(&view, &uncategorised).unwrap().total, totals(900, 1));
    let second_day = ReportFilter {
        from_day: D0 + 1,
        ..all_days()
    };
    assert_eq!(report(&view, &second_day).unwrap().total, totals(900, 2));
    let before = ReportFilter {
        from_day: D0 - 10,
        to_day: D0 - 1,
        ..all_days()
    };
    assert_eq!(report(&view, &before).unwrap().total, totals(0, 0));
}

#[tokio::test]
async fn deletions_and_purges_subtract_and_leave_no_empty_counters() {
    let mut desk = logged().await;
    desk.ticket(T1, TicketCommand::DeleteTimeEntry { entry_id: Ulid(1) })
        .await;
    let view = desk.view(NAME).await;
    let all = report(&view, &all_days()).unwrap();
    assert_eq!(all.total, totals(2_700, 3));
    assert_eq!(all.by_day, vec![row(D0, 1_800, 1), row(D0 + 1, 900, 2)]);
    assert_eq!(ticket_time(&view, T1).unwrap().total, totals(900, 1));

    desk.ticket(T2, TicketCommand::Trash).await;
    desk.ticket(T2, TicketCommand::Purge).await;
    let view = desk.view(NAME).await;
    assert_eq!(report(&view, &all_days()).unwrap().total, totals(900, 1));
    assert!(ticket_time(&view, T2).unwrap().entries.is_empty());
    desk.assert_rebuild_matches(NAME).await;

    // With the last entry gone the model is as empty as one that never saw any.
    desk.ticket(T1, TicketCommand::DeleteTimeEntry { entry_id: Ulid(2) })
        .await;
    desk.runner.catch_up().await.unwrap();
    let empty = Desk::new(Arc::new(TimeProjection)).await;
    empty.runner.catch_up().await.unwrap();
    assert_eq!(
        desk.runner.digest(NAME).unwrap(),
        empty.runner.digest(NAME).unwrap()
    );
}

#[tokio::test]
async fn entries_are_counted_per_time_category() {
    let mut desk = logged().await;
    let view = desk.view(NAME).await;
    assert_eq!(entries_in_category(&view, CAT1).unwrap(), 2);
    assert_eq!(entries_in_category(&view, CAT2).unwrap(), 1);
    assert_eq!(entries_in_category(&view, Ulid(93)).unwrap(), 0);
    desk.ticket(T1, TicketCommand::DeleteTimeEntry { entry_id: Ulid(1) })
        .await;
    desk.ticket(T2, TicketCommand::Trash).await;
    desk.ticket(T2, TicketCommand::Purge).await;
    let view = desk.view(NAME).await;
    assert_eq!(entries_in_category(&view, CAT1).unwrap(), 0);
    assert_eq!(entries_in_category(&view, CAT2).unwrap(), 0);
    desk.assert_rebuild_matches(NAME).await;
}

#[tokio::test]
async fn an_edit_moves_the_entry_between_agent_category_and_day_counters() {
    let mut desk = logged().await;
    // Entry 1 (AGENT, CAT1, day 0, 5 400 s) becomes AGENT2's, uncategorised, on day 1, 1 hour.
    desk.ticket(
        T1,
        TicketCommand::EditTimeEntry(ledgerdesk_core::ticket::EditTimeEntry {
            entry_id: Ulid(1),
            any_entry: true,
            user_id: Some(AGENT2),
            from: Some(Some(Timestamp(T0 + DAY + 3 * HOUR))),
            to: Some(Timestamp(T0 + DAY + 4 * HOUR)),
            category_id: Some(None),
            comment: Some(Some("moved".into())),
        }),
    )
    .await;
    let view = desk.view(NAME).await;
    let t1 = ticket_time(&view, T1).unwrap();
    assert_eq!(t1.total, totals(4_500, 2));
    assert_eq!(t1.by_agent, vec![row(AGENT2, 4_500, 2)]);
    assert_eq!(t1.by_category, vec![row(None, 4_500, 2)]);
    assert_eq!(t1.entries[0].comment.as_deref(), Some("moved"));
    assert_eq!(t1.entries[0].day, D0 + 1);
    let all = report(&view, &all_days()).unwrap();
    assert_eq!(all.total, totals(6_300, 4));
    assert_eq!(
        all.by_agent,
        vec![row(AGENT, 1_800, 2), row(AGENT2, 4_500, 2)]
    );
    assert_eq!(
        all.by_category,
        vec![
            row(None, 4_500, 2),
            row(Some(CAT1), 1_800, 1),
            row(Some(CAT2), 0, 1)
        ]
    );
    assert_eq!(all.by_day, vec![row(D0, 1_800, 1), row(D0 + 1, 4_500, 3)]);
    desk.assert_rebuild_matches(NAME).await;
}
