//! A model caught up in pieces and a rebuild from scratch agree (same digest) after random
//! histories of tickets, priorities and calendars; and the overdue lists agree with the
//! ticket states at random times after the last event (where the current state is the
//! answer; earlier times are the property of `asof`).

use ledgerdesk_core::directory::calendar::CalendarCommand;
use ledgerdesk_core::ticket::{StatusCategory, TicketCommand};
use proptest::prelude::*;

use super::*;
use crate::sla::{overdue, ticket_sla};

const CATEGORIES: [StatusCategory; 8] = [
    StatusCategory::New,
    StatusCategory::Open,
    StatusCategory::InProgress,
    StatusCategory::Pending,
    StatusCategory::Waiting,
    StatusCategory::Resolved,
    StatusCategory::Closed,
    StatusCategory::Cancelled,
];

/// One random step of a history: a ticket command (creating the ticket when refused), a
/// target change, a holiday or a time-zone change.
pub(super) async fn step(desk: &mut Desk, ticket: Ulid, op: u8, arg: u8, n: usize) {
    let pick = |ids: &[Option<Ulid>]| ids[usize::from(arg) % ids.len()];
    let minutes = 15 + 15 * u32::from(arg % 8);
    let command = match op % 12 {
        0 | 1 => to_status(CATEGORIES[usize::from(arg) % CATEGORIES.len()]),
        2 => agent_reply(n as u128),
        3 => set_priority(pick(&[None, Some(P1), Some(P2)])),
        4 => TicketCommand::Reassign {
            group_id: pick(&[None, Some(G1), Some(G2)]),
            agent_id: pick(&[Some(AGENT), None, Some(AGENT2)]),
        },
        5 => TicketCommand::Trash,
        6 => TicketCommand::Restore,
        7 => TicketCommand::Purge,
        8 => {
            let p = pick(&[Some(P1), Some(P2)]).unwrap_or(P1);
            let calendar = (p == P1).then_some(CAL);
            desk.set_sla(p, targets(minutes, minutes * 2, minutes * 4, calendar))
                .await;
            return;
        }
        9 => {
            let holiday = holiday(date(2024, 1, 1 + arg % 28));
            let _ = desk
                .try_exec::<ledgerdesk_core::directory::calendar::CalendarAggregate>(
                    StreamId::new(StreamKind::Calendar, CAL),
                    CalendarCommand::AddHoliday { holiday },
                )
                .await;
            return;
        }
        10 => {
            let zone = ["Europe/Paris", "America/New_York", "UTC"][usize::from(arg) % 3];
            desk.calendar(
                CAL,
                CalendarCommand::SetTimeZone {
                    time_zone: zone.into(),
                },
            )
            .await;
            return;
        }
        _ => agent_reply(100_000 + n as u128),
    };
    let stream = StreamId::new(StreamKind::Ticket, ticket);
    if !desk.try_exec::<TicketAggregate>(stream, command).await {
        // Not created yet, or refused: create it instead (a no-op when it exists).
        let create = create(ticket, pick(&[Some(P1), Some(P2), None]));
        let _ = desk.try_exec::<TicketAggregate>(stream, create).await;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn live_and_rebuilt_models_agree(
        history in proptest::collection::vec((0u8..4, 0u8..12, 0u8..24, 0i64..600), 1..40),
        probes in proptest::collection::vec(0i64..(40 * 600), 3),
    ) {
        rt().block_on(async {
            let mut desk = Desk::new().await;
            desk.new_calendar(CAL, "Europe/Paris", nine_to_five(), Vec::new()).await;
            desk.priority(P1, targets(60, 120, 480, Some(CAL))).await;
            desk.priority(P2, targets(30, 60, 240, None)).await;
            for (n, (ticket, op, arg, minutes)) in history.iter().enumerate() {
                desk.clock += minutes * MIN;
                step(&mut desk, tid(u128::from(*ticket)), *op, *arg, n).await;
                if n % 5 == 0 {
                    desk.runner.catch_up().await.expect("catch up");
                }
            }
            let view = desk.view().await;
            // The due index holds exactly the running clocks of untrashed tickets.
            let end = desk.clock - T0;
            for offset in &probes {
                let as_of = at(end + offset * MIN);
                for kind in SlaKind::ALL {
                    let listed = desk.overdue(kind, end + offset * MIN).await;
                    let mut expected = Vec::new();
                    for i in 0..4 {
                        if let Some(sla) = ticket_sla(&view, tid(i)).unwrap().sla {
                            if !sla.trashed && sla.clock(kind).overdue_at(as_of) {
                                expected.push((sla.clock(kind).due, tid(i)));
                            }
                        }
                    }
                    expected.sort();
                    let expected: Vec<Ulid> = expected.into_iter().map(|(_, t)| t).collect();
                    assert_eq!(listed, expected, "{kind:?} as of {offset} min");
                }
            }
            let live = desk.runner.digest(NAME).unwrap();
            let answers = overdue(&view, at(probes[0] * MIN), SlaKind::NextUpdate, None, 100).unwrap();
            let past = overdue(&view, at(end / 2), SlaKind::Resolution, None, 100).unwrap();
            desk.runner.rebuild(NAME).await.unwrap();
            assert_eq!(desk.runner.digest(NAME).unwrap(), live);
            let rebuilt = desk.runner.view(NAME).unwrap();
            let again = overdue(&rebuilt, at(probes[0] * MIN), SlaKind::NextUpdate, None, 100).unwrap();
            assert_eq!(again.items, answers.items);
            let past_again = overdue(&rebuilt, at(end / 2), SlaKind::Resolution, None, 100).unwrap();
            assert_eq!(past_again.items, past.items);
        });
    }
}
