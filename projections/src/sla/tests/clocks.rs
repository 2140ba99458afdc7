//! Due times against hand-computed values: pauses, priority and target changes, calendars
//! with holidays and time zones, and the overdue lists as of several times.

use ledgerdesk_core::directory::calendar::CalendarCommand;
use ledgerdesk_core::ticket::{StatusCategory, TicketCommand, UpdateTicket};

use super::*;
use crate::sla::calendar::Span;

fn due(sla: &TicketSla, kind: SlaKind) -> Option<Timestamp> {
    sla.clock(kind).due
}

/// Goal: the three clocks of a round-the-clock priority, paused while pending, with a first
/// response in time, a late resolution and a reopen. Method: one ticket, checked after each
/// step, and the overdue lists asked at several times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pauses_first_response_resolution_and_reopen() {
    let mut desk = Desk::new().await;
    desk.priority(P1, targets(60, 120, 480, None)).await;
    let t = tid(1);
    desk.at(0).ticket(t, create(t, Some(P1))).await;
    let sla = desk.sla(t).await;
    assert_eq!(due(&sla, SlaKind::FirstResponse), Some(at(HOUR)));
    assert_eq!(due(&sla, SlaKind::NextUpdate), Some(at(2 * HOUR)));
    assert_eq!(due(&sla, SlaKind::Resolution), Some(at(8 * HOUR)));
    assert_eq!(
        sla.first_response.policy.map(|p| p.target_minutes),
        Some(60)
    );
    // Overdue as of several times: strictly after the due time.
    assert!(desk
        .overdue(SlaKind::FirstResponse, 30 * MIN)
        .await
        .is_empty());
    assert!(desk.overdue(SlaKind::FirstResponse, HOUR).await.is_empty());
    assert_eq!(
        desk.overdue(SlaKind::FirstResponse, HOUR + 1).await,
        vec![t]
    );
    assert!(desk.overdue(SlaKind::NextUpdate, 2 * HOUR).await.is_empty());
    assert_eq!(desk.overdue(SlaKind::NextUpdate, 3 * HOUR).await, vec![t]);

    // Pending from 0:30 to 2:30: no due time, never overdue.
    desk.at(30 * MIN)
        .ticket(t, to_status(StatusCategory::Pending))
        .await;
    let sla = desk.sla(t).await;
    assert_eq!(sla.paused_since, Some(at(30 * MIN)));
    assert!(SlaKind::ALL.iter().all(|k| due(&sla, *k).is_none()));
    for kind in SlaKind::ALL {
        assert!(desk.overdue(kind, 100 * HOUR).await.is_empty());
    }
    desk.at(150 * MIN)
        .ticket(t, to_status(StatusCategory::Open))
        .await;
    let sla = desk.sla(t).await;
    assert_eq!(
        sla.pauses,
        vec![Span {
            from: at(30 * MIN),
            to: at(150 * MIN)
        }]
    );
    // Two hours paused: 1:00 → 3:00, 8:00 → 10:00; next update from 2:30 → 4:30.
    assert_eq!(due(&sla, SlaKind::FirstResponse), Some(at(3 * HOUR)));
    assert_eq!(due(&sla, SlaKind::Resolution), Some(at(10 * HOUR)));
    assert_eq!(due(&sla, SlaKind::NextUpdate), Some(at(270 * MIN)));

    // First response at 2:45, before 3:00: met.
    desk.at(165 * MIN).ticket(t, agent_reply(1)).await;
    let sla = desk.sla(t).await;
    let fr = sla.first_response.outcome.expect("decided");
    assert!(fr.met);
    assert_eq!((fr.at, fr.due), (at(165 * MIN), Some(at(3 * HOUR))));
    assert_eq!(due(&sla, SlaKind::FirstResponse), None);
    assert_eq!(due(&sla, SlaKind::NextUpdate), Some(at(285 * MIN)));
    assert!(desk
        .overdue(SlaKind::FirstResponse, 100 * HOUR)
        .await
        .is_empty());

    // Resolved at 11:00, an hour late: breached at 10:00.
    desk.at(11 * HOUR)
        .ticket(t, to_status(StatusCategory::Resolved))
        .await;
    let sla = desk.sla(t).await;
    let res = sla.resolution.outcome.expect("decided");
    assert!(!res.met);
    assert_eq!(res.decided_at(), at(10 * HOUR));
    assert_eq!(
        sla.resolution.breached_at(at(11 * HOUR)),
        Some(at(10 * HOUR))
    );
    for kind in SlaKind::ALL {
        assert!(desk.overdue(kind, 100 * HOUR).await.is_empty(), "{kind:?}");
    }

    // Reopened at 12:00: the outcome is withdrawn and the clock resumes. The hour resolved
    // counts as paused, but the budget ran out at 10:00, before it: still due at 10:00.
    desk.at(12 * HOUR)
        .ticket(t, to_status(StatusCategory::Open))
        .await;
    let sla = desk.sla(t).await;
    assert_eq!(sla.resolution.outcome, None);
    assert_eq!(
        sla.pauses.last(),
        Some(&Span {
            from: at(11 * HOUR),
            to: at(12 * HOUR)
        })
    );
    assert_eq!(due(&sla, SlaKind::Resolution), Some(at(10 * HOUR)));
    assert_eq!(desk.overdue(SlaKind::Resolution, 12 * HOUR).await, vec![t]);
    assert!(sla.resolution.overdue_at(at(12 * HOUR)));
    assert!(!sla.resolution.overdue_at(at(10 * HOUR)));
}

/// Goal: a first response while waiting is judged with the pause closed at that instant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_response_while_waiting_is_met_when_the_clock_had_time_left() {
    let mut desk = Desk::new().await;
    desk.priority(P1, targets(60, 120, 480, None)).await;
    let t = tid(1);
    desk.at(0).ticket(t, create(t, Some(P1))).await;
    desk.at(10 * MIN)
        .ticket(t, to_status(StatusCategory::Waiting))
        .await;
    desk.at(5 * HOUR).ticket(t, agent_reply(1)).await;
    let fr = desk.sla(t).await.first_response.outcome.expect("decided");
    // Ten minutes used before the pause: due 5:50 with the pause closed at 5:00.
    assert!(fr.met);
    assert_eq!(fr.due, Some(at(5 * HOUR + 50 * MIN)));
}

/// Goal: a priority change re-snapshots the targets from the original start; a change of a
/// priority's targets applies to clocks that start after it, and to next-update at the
/// ticket's next event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priority_changes_and_target_changes() {
    let mut desk = Desk::new().await;
    desk.priority(P1, targets(240, 600, 960, None)).await;
    desk.priority(P2, targets(60, 120, 480, None)).await;
    let (a, b) = (tid(1), tid(2));
    desk.at(0).ticket(a, create(a, Some(P1))).await;
    assert_eq!(
        due(&desk.sla(a).await, SlaKind::FirstResponse),
        Some(at(4 * HOUR))
    );
    // P1 → P2 at 0:30: first response counted from creation with 60 min → 1:00.
    desk.at(30 * MIN).ticket(a, set_priority(Some(P2))).await;
    let sla = desk.sla(a).await;
    assert_eq!(sla.priority_id, Some(P2));
    assert_eq!(sla.first_response.policy.map(|p| p.priority_id), Some(P2));
    assert_eq!(due(&sla, SlaKind::FirstResponse), Some(at(HOUR)));
    assert_eq!(due(&sla, SlaKind::Resolution), Some(at(8 * HOUR)));
    assert_eq!(due(&sla, SlaKind::NextUpdate), Some(at(150 * MIN)));

    // P2's targets tighten at 0:40: ticket `a` keeps its due times...
    desk.at(40 * MIN)
        .set_sla(P2, targets(30, 90, 240, None))
        .await;
    let sla = desk.sla(a).await;
    assert_eq!(due(&sla, SlaKind::FirstResponse), Some(at(HOUR)));
    assert_eq!(due(&sla, SlaKind::NextUpdate), Some(at(150 * MIN)));
    // ...a ticket created after it gets the new ones...
    desk.at(50 * MIN).ticket(b, create(b, Some(P2))).await;
    let sla_b = desk.sla(b).await;
    assert_eq!(due(&sla_b, SlaKind::FirstResponse), Some(at(80 * MIN)));
    assert_eq!(due(&sla_b, SlaKind::Resolution), Some(at(290 * MIN)));
    // ...and `a`'s next update takes the new overdue-in at its next event (1:10 + 90 min).
    let subject = TicketCommand::Update(Box::new(UpdateTicket {
        subject: Some("still broken".into()),
        ..UpdateTicket::default()
    }));
    desk.at(70 * MIN).ticket(a, subject).await;
    assert_eq!(
        due(&desk.sla(a).await, SlaKind::NextUpdate),
        Some(at(160 * MIN))
    );
    // Overdue for first response at 1:15: only `a` (due 1:00); at 1:30 both, most overdue
    // first.
    assert_eq!(
        desk.overdue(SlaKind::FirstResponse, 75 * MIN).await,
        vec![a]
    );
    assert_eq!(
        desk.overdue(SlaKind::FirstResponse, 90 * MIN).await,
        vec![a, b]
    );
    // No priority: no targets, no due times.
    desk.at(80 * MIN).ticket(b, set_priority(None)).await;
    let sla_b = desk.sla(b).await;
    assert!(SlaKind::ALL
        .iter()
        .all(|k| sla_b.clock(*k).policy.is_none()));
    assert_eq!(
        desk.overdue(SlaKind::FirstResponse, 90 * MIN).await,
        vec![a]
    );
}

/// Goal: business hours in a time zone with a holiday, and a calendar change that applies to
/// tickets created after it only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendars_with_holidays_in_a_time_zone() {
    let mut desk = Desk::new().await;
    // Paris 09:00-17:00 weekdays (UTC+1 in January); Monday 2024-01-08 off.
    desk.at(0)
        .new_calendar(
            CAL,
            "Europe/Paris",
            nine_to_five(),
            vec![holiday(date(2024, 1, 8))],
        )
        .await;
    desk.priority(P1, targets(60, 480, 960, Some(CAL))).await;
    let (a, b) = (tid(1), tid(2));
    // Friday 2024-01-05 16:30 Paris = 15:30 UTC.
    desk.at(4 * DAY + 15 * HOUR + 30 * MIN)
        .ticket(a, create(a, Some(P1)))
        .await;
    let sla = desk.sla(a).await;
    assert!(sla.first_response.policy.and_then(|p| p.calendar).is_some());
    // First response: 30 min on Friday, Monday off, Tuesday 09:30 Paris = 08:30 UTC.
    let fr_due = 8 * DAY + 8 * HOUR + 30 * MIN;
    assert_eq!(due(&sla, SlaKind::FirstResponse), Some(at(fr_due)));
    // Resolution, 16 hours: 0:30 Friday, 8:00 Tuesday, 7:30 Wednesday → 16:30 Paris.
    assert_eq!(
        due(&sla, SlaKind::Resolution),
        Some(at(9 * DAY + 15 * HOUR + 30 * MIN))
    );
    assert!(desk
        .overdue(SlaKind::FirstResponse, fr_due)
        .await
        .is_empty());
    assert_eq!(
        desk.overdue(SlaKind::FirstResponse, fr_due + MIN).await,
        vec![a]
    );

    // Tuesday becomes a holiday at Friday 17:00 Paris: `a` keeps its due time (its calendar
    // version), `b` created then counts Wednesday 09:00 + 60 → 10:00 Paris = 09:00 UTC.
    let add = CalendarCommand::AddHoliday {
        holiday: holiday(date(2024, 1, 9)),
    };
    desk.at(4 * DAY + 16 * HOUR).calendar(CAL, add).await;
    desk.ticket(b, create(b, Some(P1))).await;
    assert_eq!(
        due(&desk.sla(a).await, SlaKind::FirstResponse),
        Some(at(fr_due))
    );
    assert_eq!(
        due(&desk.sla(b).await, SlaKind::FirstResponse),
        Some(at(9 * DAY + 9 * HOUR))
    );
    assert_eq!(
        desk.overdue(SlaKind::FirstResponse, 9 * DAY + 10 * HOUR)
            .await,
        vec![a, b]
    );
    // A pause from Tuesday 09:00 to 10:00 Paris (08:00-09:00 UTC) on `a`, which was then
    // not overdue: first response moves one business hour, to Tuesday 10:30 Paris.
    desk.at(8 * DAY + 8 * HOUR)
        .ticket(a, to_status(StatusCategory::Pending))
        .await;
    desk.at(8 * DAY + 9 * HOUR)
        .ticket(a, to_status(StatusCategory::Open))
        .await;
    assert_eq!(
        due(&desk.sla(a).await, SlaKind::FirstResponse),
        Some(at(fr_due + HOUR))
    );
}
