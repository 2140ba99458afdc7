//! Deletes with a replacement: a priority's tickets take the replacement's targets, a
//! calendar's priorities count in the replacement from then on.

use ledgerdesk_core::directory::calendar::CalendarCommand;
use ledgerdesk_core::directory::priority::{PriorityAggregate, PriorityCommand};
use ledgerdesk_core::{StreamId, StreamKind};
use ulid::Ulid;

use super::*;

fn due(sla: &TicketSla, kind: SlaKind) -> Option<Timestamp> {
    sla.clock(kind).due
}

async fn delete_priority(desk: &mut Desk, id: Ulid, replacement: Option<Ulid>) {
    let stream = StreamId::new(StreamKind::Priority, id);
    let command = PriorityCommand::Delete {
        // The domain refuses a delete without replacement while tickets refer to it; the
        // model must leave such tickets alone all the same.
        open_ticket_references: u64::from(replacement.is_some()),
        replacement_id: replacement,
    };
    assert!(desk.try_exec::<PriorityAggregate>(stream, command).await);
}

/// P1 (first response 4 h, overdue-in 10 h, resolution 16 h) is deleted at 0:30 with P2
/// (1 h, 2 h, 8 h) as replacement: undecided clocks count P2's targets from their own start;
/// the next-update clock keeps its start (a delete is no update of the ticket); a first
/// response already met keeps its outcome. Worked by hand from creation at 0:00.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_priority_moves_its_tickets_to_the_replacement_targets() {
    let mut desk = Desk::new().await;
    desk.priority(P1, targets(240, 600, 960, None)).await;
    desk.priority(P2, targets(60, 120, 480, None)).await;
    let (a, c, other) = (tid(1), tid(2), tid(3));
    desk.at(0).ticket(a, create(a, Some(P1))).await;
    desk.at(0).ticket(c, create(c, Some(P1))).await;
    desk.at(0).ticket(other, create(other, Some(P2))).await;
    desk.at(10 * MIN).ticket(c, agent_reply(1)).await;
    let met = desk.sla(c).await.first_response.outcome;
    assert!(met.is_some_and(|o| o.met));
    assert_eq!(
        due(&desk.sla(a).await, SlaKind::FirstResponse),
        Some(at(4 * HOUR))
    );
    let other_before = desk.sla(other).await;

    desk.at(30 * MIN);
    delete_priority(&mut desk, P1, Some(P2)).await;
    let sla = desk.sla(a).await;
    assert_eq!(sla.priority_id, Some(P2));
    assert_eq!(sla.first_response.policy.map(|p| p.priority_id), Some(P2));
    assert_eq!(due(&sla, SlaKind::FirstResponse), Some(at(HOUR)));
    assert_eq!(due(&sla, SlaKind::Resolution), Some(at(8 * HOUR)));
    assert_eq!(due(&sla, SlaKind::NextUpdate), Some(at(2 * HOUR)));
    let sla_c = desk.sla(c).await;
    assert_eq!(sla_c.priority_id, Some(P2));
    assert_eq!(sla_c.first_response.outcome, met);
    assert_eq!(due(&sla_c, SlaKind::Resolution), Some(at(8 * HOUR)));
    // The ticket that had P2 already is untouched.
    assert_eq!(desk.sla(other).await, other_before);
    // Overdue for first response at 1:01: `a` (now due 1:00) and `other` (due 1:00);
    // not `c` (met). Before the delete nothing was overdue.
    let mut late = desk.overdue(SlaKind::FirstResponse, 61 * MIN).await;
    late.sort();
    let mut expected = vec![a, other];
    expected.sort();
    assert_eq!(late, expected);
    assert!(desk
        .overdue(SlaKind::FirstResponse, 29 * MIN)
        .await
        .is_empty());

    // A rebuild gives the same model.
    let live = desk.runner.digest(NAME).unwrap();
    desk.runner.rebuild(NAME).await.unwrap();
    assert_eq!(desk.runner.digest(NAME).unwrap(), live);
}

/// A priority deleted without a replacement leaves its tickets as they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_priority_deleted_without_replacement_leaves_its_tickets() {
    let mut desk = Desk::new().await;
    desk.priority(P1, targets(240, 600, 960, None)).await;
    let a = tid(1);
    desk.at(0).ticket(a, create(a, Some(P1))).await;
    let before = desk.sla(a).await;
    desk.at(30 * MIN);
    delete_priority(&mut desk, P1, None).await;
    assert_eq!(desk.sla(a).await, before);
}

/// Calendar CAL (office hours) is deleted with a round-the-clock calendar as replacement:
/// a ticket created afterwards with a priority counted in CAL counts in the replacement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_calendar_moves_its_priorities_to_the_replacement() {
    let cal2 = Ulid(61);
    let mut desk = Desk::new().await;
    desk.new_calendar(CAL, "UTC", nine_to_five(), Vec::new())
        .await;
    let every_hour = WeeklyHours {
        days: std::array::from_fn(|_| {
            vec![MinuteRange {
                start: 0,
                end: 24 * 60,
            }]
        }),
    };
    desk.new_calendar(cal2, "UTC", every_hour, Vec::new()).await;
    desk.priority(P1, targets(60, 120, 480, Some(CAL))).await;
    // Monday 2024-01-01 08:00: in CAL the first hour of work ends at 10:00.
    let a = tid(1);
    desk.at(8 * HOUR).ticket(a, create(a, Some(P1))).await;
    assert_eq!(
        due(&desk.sla(a).await, SlaKind::FirstResponse),
        Some(at(10 * HOUR))
    );

    desk.at(8 * HOUR + MIN);
    let command = CalendarCommand::Delete {
        open_ticket_references: 1,
        replacement_id: Some(cal2),
    };
    desk.calendar(CAL, command).await;
    // `a` keeps the calendar version its clock started with.
    assert_eq!(
        due(&desk.sla(a).await, SlaKind::FirstResponse),
        Some(at(10 * HOUR))
    );
    // A new ticket at 8:02 counts round the clock: due 9:02.
    let b = tid(2);
    desk.at(8 * HOUR + 2 * MIN)
        .ticket(b, create(b, Some(P1)))
        .await;
    let sla_b = desk.sla(b).await;
    assert_eq!(
        sla_b
            .first_response
            .policy
            .and_then(|p| p.calendar)
            .map(|c| c.calendar_id),
        Some(cal2)
    );
    assert_eq!(
        due(&sla_b, SlaKind::FirstResponse),
        Some(at(9 * HOUR + 2 * MIN))
    );
}
