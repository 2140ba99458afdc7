//! Live versus rebuilt: the model is a pure function of the log, over random histories.

use std::collections::BTreeMap;

use proptest::prelude::*;
use ulid::Ulid;

use ledgerdesk_core::ticket::{AttachmentTarget, PersonRole, Side, StatusCategory, TicketCommand};
use ledgerdesk_core::{Actor, EventStore, Timestamp};

use super::desk::*;
use super::{AGENT, GROUP, NOW, REQUESTER};
use crate::history::{audit_by_time, ticket_history, MAX_LIMIT, NAME};

/// One step of a random history: which ticket, who, and what.
#[derive(Debug, Clone)]
struct Step {
    ticket: usize,
    actor: usize,
    op: u8,
    n: u8,
}

fn step() -> impl Strategy<Value = Step> {
    (0usize..3, 0usize..3, 0u8..14, 0u8..4).prop_map(|(ticket, actor, op, n)| Step {
        ticket,
        actor,
        op,
        n,
    })
}

fn command(step: &Step, ticket: Ulid, files: &mut BTreeMap<Ulid, Vec<Ulid>>) -> TicketCommand {
    let categories = [
        StatusCategory::Open,
        StatusCategory::Pending,
        StatusCategory::Resolved,
        StatusCategory::Closed,
    ];
    let user = [AGENT, REQUESTER, GROUP][usize::from(step.n) % 3];
    match step.op {
        0 => subject(&format!("subject {}", step.n)),
        1 => to_status(categories[usize::from(step.n)]),
        2 => TicketCommand::Assign {
            group_id: None,
            agent_id: Some(user),
        },
        3 => reply(
            Ulid::new(),
            if step.n & 1 == 0 {
                Side::Agent
            } else {
                Side::Requester
            },
        ),
        4 => note(Ulid::new()),
        5 => {
            let id = Ulid::new();
            files.entry(ticket).or_default().push(id);
            let target = if step.n & 1 == 0 {
                AttachmentTarget::Ticket
            } else {
                AttachmentTarget::Note(Ulid::new())
            };
            TicketCommand::AddAttachment {
                target,
                attachment: file(id),
            }
        }
        6 => match files.get(&ticket).and_then(|f| f.first()) {
            Some(id) => TicketCommand::RemoveAttachment { attachment_id: *id },
            None => TicketCommand::Unassign,
        },
        7 => TicketCommand::AddPerson {
            role: PersonRole::Subscriber,
            user_id: user,
        },
        8 => TicketCommand::Trash,
        9 => TicketCommand::Restore,
        10 => TicketCommand::Purge,
        11 => TicketCommand::LogTime {
            entry_id: Ulid::new(),
            user_id: AGENT,
            from: Some(Timestamp(NOW.0 - 600_000_000)),
            to: NOW,
            category_id: None,
            comment: None,
        },
        _ => TicketCommand::SetResolution {
            text: format!("resolution {}", step.n),
            propagate: false,
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    /// Goal: the model is a pure function of the log. Method: a random history of commands on
    /// three tickets by three actors, folded in pieces (runners dropped between appends, as a
    /// stop at a chunk boundary would), must have the digest of a rebuild from scratch, and
    /// every live ticket's history must hold one entry per event of its stream.
    #[test]
    fn live_and_rebuilt_history_have_the_same_digest(steps in proptest::collection::vec(step(), 1..30)) {
        rt().block_on(async {
            let desk = Desk::new();
            let tickets = [Ulid::new(), Ulid::new(), Ulid::new()];
            let actors = [USER, OTHER_USER, Actor::System];
            let mut created = [false; 3];
            let mut files = BTreeMap::new();
            for (i, step) in steps.iter().enumerate() {
                let ticket = tickets[step.ticket];
                let command = if created[step.ticket] {
                    command(step, ticket, &mut files)
                } else {
                    created[step.ticket] = true;
                    create(ticket, "random")
                };
                // Refusals are part of random histories: they write nothing.
                let _ = desk.try_run(ticket, actors[step.actor], command).await;
                if i & 3 == 0 {
                    drop(desk.history().await);
                }
            }
            let live = desk.history().await;
            let live_digest = live.digest(NAME).unwrap();
            live.rebuild(NAME).await.unwrap();
            assert_eq!(live.digest(NAME).unwrap(), live_digest);
            let view = live.view(NAME).unwrap();
            assert_eq!(view.position(), desk.store.head());
            let mut total = 0;
            for ticket in tickets {
                let events = desk.events(ticket).await;
                let entries = ticket_history(&view, ticket, None, MAX_LIMIT).unwrap().entries;
                let purged = events.last().is_some_and(|e| e.event_type == "ticket.purged");
                let expected = if purged { 1 } else { events.len() };
                assert_eq!(entries.len(), expected);
                total += entries.len();
            }
            assert_eq!(audit_by_time(&view, None, None, None, MAX_LIMIT).unwrap().entries.len(), total);
        });
    }
}
