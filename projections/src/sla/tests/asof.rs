//! "Overdue as of T" for past times: hand-computed cases where a clock changed after `T`
//! (met, paused and resumed, re-targeted, closed, trashed, purged), and the property that the
//! full model's answer for `T` is the current-state answer of the model of the events
//! recorded at or before `T`.

use ledgerdesk_core::directory::priority::SlaTargets;
use ledgerdesk_core::ticket::{StatusCategory, TicketCommand};
use proptest::prelude::*;

use super::digest::step;
use super::*;
use crate::sla::keys::SPAN;
use crate::sla::{overdue, ticket_sla, OverdueItem};

/// Every item overdue for `kind` at `as_of`, following pages of two.
fn items(view: &ProjectionView, as_of: Timestamp, kind: SlaKind) -> Vec<OverdueItem> {
    let mut out = Vec::new();
    let mut after = None;
    for _ in 0..1000 {
        let page = overdue(view, as_of, kind, after, 2).expect("overdue");
        assert!(page.items.len() <= 2);
        out.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return out,
        }
    }
    panic!("pagination does not end");
}

/// The number of closed overdue spans the model stores.
fn spans(view: &ProjectionView) -> usize {
    view.scan(SPAN, None, false).count()
}

/// Rebuilds the model from the log and asserts it equals the live one.
async fn rebuild_matches(desk: &Desk) {
    desk.runner.catch_up().await.expect("catch up");
    let live = desk.runner.digest(NAME).expect("digest");
    desk.runner.rebuild(NAME).await.expect("rebuild");
    assert_eq!(desk.runner.digest(NAME).expect("digest"), live);
}

/// Round the clock: first response 1 h, next update 2 h, resolution 8 h.
fn p1() -> SlaTargets {
    targets(60, 120, 480, None)
}

/// Goal: a first response missed at 1:00 and given at 1:30. Method: ask at times before,
/// during and after the overdue span; exactly one span key is stored (the next-update clock
/// never fell due).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_then_met() {
    let mut desk = Desk::new().await;
    desk.priority(P1, p1()).await;
    let t = tid(1);
    desk.at(0).ticket(t, create(t, Some(P1))).await;
    desk.at(90 * MIN).ticket(t, agent_reply(1)).await;
    let fr = SlaKind::FirstResponse;
    assert!(
        desk.overdue(fr, HOUR).await.is_empty(),
        "strictly after due"
    );
    assert_eq!(desk.overdue(fr, HOUR + 1).await, vec![t]);
    assert_eq!(desk.overdue(fr, 80 * MIN).await, vec![t]);
    assert!(desk.overdue(fr, 90 * MIN).await.is_empty(), "met at 1:30");
    assert!(desk.overdue(fr, 10 * HOUR).await.is_empty());
    let view = desk.view().await;
    let listed = items(&view, at(80 * MIN), fr);
    assert_eq!(listed[0].due, at(HOUR));
    assert_eq!(listed[0].group_id, Some(G1));
    // Next update: due 2:00 from creation, moved to 3:30 by the reply at 1:30.
    let nu = SlaKind::NextUpdate;
    assert!(desk.overdue(nu, 130 * MIN).await.is_empty());
    assert_eq!(desk.overdue(nu, 211 * MIN).await, vec![t]);
    assert_eq!(spans(&view), 1);
    rebuild_matches(&desk).await;
}

/// Goal: a clock paused while overdue and resumed. Method: first response due 1:00,
/// pending from 1:30 to 3:30 (a pause after the due time does not move it), asked around
/// each change: not overdue while paused, overdue again from the resume.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_then_resumed() {
    let mut desk = Desk::new().await;
    desk.priority(P1, p1()).await;
    let t = tid(1);
    desk.at(0).ticket(t, create(t, Some(P1))).await;
    desk.at(90 * MIN)
        .ticket(t, to_status(StatusCategory::Pending))
        .await;
    desk.at(210 * MIN)
        .ticket(t, to_status(StatusCategory::Open))
        .await;
    let fr = SlaKind::FirstResponse;
    let sla = desk.sla(t).await;
    assert_eq!(sla.first_response.due, Some(at(HOUR)));
    assert_eq!(sla.first_response.due_since, Some(at(210 * MIN)));
    assert_eq!(desk.overdue(fr, 75 * MIN).await, vec![t]);
    assert!(desk.overdue(fr, 90 * MIN).await.is_empty(), "paused");
    assert!(desk.overdue(fr, 3 * HOUR).await.is_empty(), "still paused");
    assert_eq!(desk.overdue(fr, 210 * MIN).await, vec![t], "resumed");
    let view = desk.view().await;
    assert_eq!(items(&view, at(4 * HOUR), fr)[0].due, at(HOUR));
    // First response 1:00 to 1:30; next update: due 2:00 from 0:00, reset at 1:30.
    assert_eq!(spans(&view), 1);
    rebuild_matches(&desk).await;
}

/// Goal: a priority change after `T` re-targets the resolution clock, both ways. Method: one
/// ticket overdue at 9:00 (due 8:00) given 12 h at 10:00; one not overdue at 4:30 (due 8:00)
/// given 4 h at 5:00, so overdue from 5:00 with due 4:00.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_targeted_after_t() {
    let mut desk = Desk::new().await;
    desk.priority(P1, p1()).await;
    desk.priority(P2, targets(30, 600, 240, None)).await;
    let long = Ulid(42);
    desk.priority(long, targets(60, 1440, 720, None)).await;
    let (a, b) = (tid(1), tid(2));
    desk.at(0).ticket(a, create(a, Some(P1))).await;
    desk.at(0).ticket(b, create(b, Some(P1))).await;
    desk.at(5 * HOUR).ticket(b, set_priority(Some(P2))).await;
    desk.at(10 * HOUR).ticket(a, set_priority(Some(long))).await;
    let res = SlaKind::Resolution;
    assert!(
        desk.overdue(res, 270 * MIN).await.is_empty(),
        "b: 8:00 in force"
    );
    assert_eq!(desk.overdue(res, 5 * HOUR).await, vec![b]);
    assert_eq!(desk.overdue(res, 9 * HOUR).await, vec![b, a]);
    assert_eq!(desk.overdue(res, 10 * HOUR).await, vec![b], "a: 12:00 now");
    assert_eq!(desk.overdue(res, 13 * HOUR).await, vec![b, a]);
    let view = desk.view().await;
    let at_nine = items(&view, at(9 * HOUR), res);
    assert_eq!(at_nine[0].priority_id, Some(P2));
    assert_eq!(
        (at_nine[1].due, at_nine[1].priority_id),
        (at(8 * HOUR), Some(P1))
    );
    let at_thirteen = items(&view, at(13 * HOUR), res);
    assert_eq!(at_thirteen[1].due, at(12 * HOUR));
    rebuild_matches(&desk).await;
}

/// Goal: closing a ticket ends its overdue spans: a next update missed before a timely
/// close, and a resolution breached before a late close. Method: two tickets, asked before
/// and after the closes; the breach still counts in compliance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_after_t_and_breached_then_closed() {
    let mut desk = Desk::new().await;
    desk.priority(P1, p1()).await;
    let (a, b) = (tid(1), tid(2));
    desk.at(0).ticket(a, create(a, Some(P1))).await;
    desk.at(0).ticket(b, create(b, Some(P1))).await;
    desk.at(3 * HOUR)
        .ticket(a, to_status(StatusCategory::Closed))
        .await;
    desk.at(9 * HOUR)
        .ticket(b, to_status(StatusCategory::Closed))
        .await;
    let (nu, res) = (SlaKind::NextUpdate, SlaKind::Resolution);
    assert_eq!(desk.overdue(nu, 150 * MIN).await, vec![a, b]);
    assert_eq!(
        desk.overdue(nu, 3 * HOUR).await,
        vec![b],
        "a closed at 3:00"
    );
    assert!(desk.overdue(nu, 9 * HOUR).await.is_empty());
    assert!(desk.overdue(res, 150 * MIN).await.is_empty());
    assert_eq!(desk.overdue(res, 510 * MIN).await, vec![b]);
    assert!(desk.overdue(res, 9 * HOUR).await.is_empty());
    assert!(desk.overdue(res, 100 * HOUR).await.is_empty());
    let sla = desk.sla(b).await;
    assert!(!sla.resolution.outcome.expect("decided").met);
    let report = crate::sla::compliance(
        &desk.view().await,
        at(0),
        at(DAY),
        crate::sla::GroupBy::Group,
    )
    .expect("report");
    assert_eq!(report.rows[0].resolution.met, 1);
    assert_eq!(report.rows[0].resolution.breached, 1);
    rebuild_matches(&desk).await;
}

/// Goal: trash, restore and purge. Method: overdue from 1:00, trashed at 4:00, restored at
/// 5:00, trashed and purged at 6:00; the purge leaves no span behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trashed_restored_and_purged() {
    let mut desk = Desk::new().await;
    desk.priority(P1, p1()).await;
    let (t, other) = (tid(1), tid(2));
    desk.at(0).ticket(t, create(t, Some(P1))).await;
    desk.at(0).ticket(other, create(other, Some(P1))).await;
    desk.at(90 * MIN).ticket(other, agent_reply(2)).await;
    desk.at(4 * HOUR).ticket(t, TicketCommand::Trash).await;
    desk.at(5 * HOUR).ticket(t, TicketCommand::Restore).await;
    let fr = SlaKind::FirstResponse;
    assert_eq!(desk.overdue(fr, 80 * MIN).await, vec![t, other]);
    assert_eq!(
        desk.overdue(fr, 3 * HOUR).await,
        vec![t],
        "other met at 1:30"
    );
    assert!(desk.overdue(fr, 270 * MIN).await.is_empty(), "in the trash");
    assert_eq!(desk.overdue(fr, 5 * HOUR).await, vec![t], "restored");
    let view = desk.view().await;
    // First response of both; t's next update (due 2:00) ended by the trash; other's next
    // update was reset at 1:30 before it fell due (and is still running).
    assert_eq!(spans(&view), 3);
    desk.at(6 * HOUR).ticket(t, TicketCommand::Trash).await;
    desk.at(6 * HOUR).ticket(t, TicketCommand::Purge).await;
    assert_eq!(desk.overdue(fr, 80 * MIN).await, vec![other]);
    assert_eq!(
        spans(&desk.view().await),
        1,
        "only the other ticket's first response"
    );
    rebuild_matches(&desk).await;
}

/// Adds `offset` micros to the instant of a history step, for probes next to an event.
fn probe_time(times: &[i64], step: usize, shift: u8, minutes: i64) -> Timestamp {
    let base = times[step % times.len()];
    Timestamp(match shift % 4 {
        0 => base,
        1 => base - 1,
        2 => base + 1,
        _ => base + minutes * MIN,
    })
}

/// The current-state answer of a model: untrashed tickets whose clock is overdue at `as_of`.
fn current_answer(view: &ProjectionView, as_of: Timestamp, kind: SlaKind) -> Vec<OverdueItem> {
    let mut out = Vec::new();
    for i in 0..4 {
        let Some(sla) = ticket_sla(view, tid(i)).expect("read").sla else {
            continue;
        };
        let clock = sla.clock(kind);
        if let (false, Some(due), true) = (sla.trashed, clock.due, clock.overdue_at(as_of)) {
            out.push(OverdueItem {
                ticket_id: sla.ticket_id,
                due,
                priority_id: sla.priority_id,
                group_id: sla.group_id,
                agent_id: sla.agent_id,
            });
        }
    }
    out.sort_by_key(|i| (i.due, i.ticket_id));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// For random histories and times `T`, the full model's answer for `T` equals the
    /// current-state answer of the model as it stood with the events recorded at or before
    /// `T` (the same runner, caught up just before the first later event), for tickets not
    /// purged since; and a rebuilt model answers the same.
    #[test]
    fn as_of_equals_the_model_of_the_log_until_then(
        history in proptest::collection::vec((0u8..4, 0u8..12, 0u8..24, 0i64..300), 1..40),
        probes in proptest::collection::vec((0usize..40, 0u8..4, 0i64..300), 1..6),
    ) {
        rt().block_on(async {
            let mut desk = Desk::new().await;
            desk.new_calendar(CAL, "Europe/Paris", nine_to_five(), Vec::new()).await;
            desk.priority(P1, targets(60, 120, 480, Some(CAL))).await;
            desk.priority(P2, targets(30, 60, 240, None)).await;
            let mut times = Vec::new();
            let mut clock = desk.clock;
            for (_, _, _, minutes) in &history {
                clock += minutes * MIN;
                times.push(clock);
            }
            let mut probes: Vec<Timestamp> = probes
                .iter()
                .map(|(s, shift, minutes)| probe_time(&times, *s, *shift, *minutes))
                .collect();
            probes.sort();
            let mut expected = Vec::new();
            let mut next_probe = 0;
            for (n, (ticket, op, arg, _)) in history.iter().enumerate() {
                while next_probe < probes.len() && probes[next_probe].as_micros() < times[n] {
                    let view = desk.view().await;
                    let as_of = probes[next_probe];
                    for kind in SlaKind::ALL {
                        expected.push((as_of, kind, current_answer(&view, as_of, kind)));
                    }
                    next_probe += 1;
                }
                desk.clock = times[n];
                step(&mut desk, tid(u128::from(*ticket)), *op, *arg, n).await;
            }
            let view = desk.view().await;
            for as_of in &probes[next_probe..] {
                for kind in SlaKind::ALL {
                    expected.push((*as_of, kind, current_answer(&view, *as_of, kind)));
                }
            }
            let mut answers = Vec::new();
            for (as_of, kind, then) in &expected {
                let then: Vec<OverdueItem> = then
                    .iter()
                    .filter(|i| ticket_sla(&view, i.ticket_id).expect("read").sla.is_some())
                    .copied()
                    .collect();
                let now = items(&view, *as_of, *kind);
                assert_eq!(&now, &then, "{kind:?} as of {}", as_of.as_micros() - T0);
                answers.push(now);
            }
            let live = desk.runner.digest(NAME).expect("digest");
            desk.runner.rebuild(NAME).await.expect("rebuild");
            assert_eq!(desk.runner.digest(NAME).expect("digest"), live);
            let rebuilt = desk.runner.view(NAME).expect("view");
            for ((as_of, kind, _), answer) in expected.iter().zip(&answers) {
                assert_eq!(&items(&rebuilt, *as_of, *kind), answer);
            }
        });
    }
}
