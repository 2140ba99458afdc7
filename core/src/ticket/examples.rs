//! Ready-made ticket commands with realistic content: the demo loader (`ledgerdesk --demo`)
//! and the tests of other crates (replay tool, API) build their tickets from these, so that
//! none of them writes its own copy of a `CreateTicket`.

use std::collections::{BTreeMap, BTreeSet};

use ulid::Ulid;

use super::commands::{CreateTicket, ReplyToTicket, TicketCommand};
use super::types::{CategoryPath, Side, StatusRef, StatusTarget, TicketKind, TicketTypeRef};
use super::StatusCategory;

/// A new incident from `requester_id` in status `status_id` (of category `New`).
pub fn create(
    ticket_id: Ulid,
    requester_id: Ulid,
    status_id: Ulid,
    subject: &str,
) -> TicketCommand {
    TicketCommand::Create(Box::new(CreateTicket {
        ticket_id,
        subject: subject.to_owned(),
        description: format!("{subject}: reported through the portal; details in the replies."),
        requester_id,
        creator_id: Some(requester_id),
        on_behalf_of_id: None,
        ticket_type: TicketTypeRef {
            type_id: Ulid::nil(),
            kind: TicketKind::Incident,
        },
        status: StatusRef {
            status_id,
            category: StatusCategory::New,
        },
        priority_id: None,
        urgency_id: None,
        impact_id: None,
        impact_details: None,
        category: CategoryPath::default(),
        source_id: None,
        group_id: None,
        agent_id: None,
        department_id: None,
        helpdesk_id: None,
        level_id: None,
        location_id: None,
        tag_ids: BTreeSet::new(),
        custom_fields: BTreeMap::new(),
        due_at: None,
        occurred_at: None,
        attachments: Vec::new(),
        related: Vec::new(),
    }))
}

/// A public reply by `author_id` from `side`, optionally moving the ticket to a status.
pub fn reply(
    author_id: Ulid,
    side: Side,
    body: &str,
    set_status: Option<StatusRef>,
) -> TicketCommand {
    TicketCommand::Reply(Box::new(ReplyToTicket {
        comment_id: Ulid::new(),
        author_id,
        side,
        body: body.to_owned(),
        is_solution: false,
        propagate: false,
        set_status: set_status.map(|status| StatusTarget {
            status,
            waiting_for: None,
        }),
        attachments: Vec::new(),
    }))
}

/// A status change without comment.
pub fn change_status(status_id: Ulid, category: StatusCategory) -> TicketCommand {
    TicketCommand::ChangeStatus {
        target: StatusTarget {
            status: StatusRef {
                status_id,
                category,
            },
            waiting_for: None,
        },
        comment: None,
    }
}

/// Runs a short, complete story through `commands`: `requester_id` reports an incident,
/// `agent_id` answers, then resolves it. Returns the ticket's stream and the log position
/// after each of the three steps.
pub async fn answered_and_resolved<S: crate::store::EventStore + ?Sized>(
    commands: &crate::command::CommandService<S>,
    requester_id: Ulid,
    agent_id: Ulid,
    subject: &str,
) -> Result<(crate::ids::StreamId, Vec<u64>), crate::command::CommandError<super::TicketError>> {
    discussed_and_resolved(commands, requester_id, agent_id, subject, 0).await
}

/// Like [`answered_and_resolved`], with `replies` more replies (requester and agent by turns)
/// between the answer and the resolution: a long thread, for benchmarks of what a thread's
/// length costs.
pub async fn discussed_and_resolved<S: crate::store::EventStore + ?Sized>(
    commands: &crate::command::CommandService<S>,
    requester_id: Ulid,
    agent_id: Ulid,
    subject: &str,
    replies: usize,
) -> Result<(crate::ids::StreamId, Vec<u64>), crate::command::CommandError<super::TicketError>> {
    use crate::aggregate::CommandContext;
    use crate::command::CommandOptions;
    use crate::ids::{Actor, StreamId, StreamKind, Timestamp};
    let ticket = StreamId::generate(StreamKind::Ticket);
    let mut steps = vec![
        (
            requester_id,
            create(ticket.id, requester_id, Ulid::new(), subject),
        ),
        (
            agent_id,
            reply(agent_id, Side::Agent, "Looking into it now.", None),
        ),
    ];
    for i in 0..replies {
        steps.push(if i % 2 == 0 {
            let body = format!("Still failing after step {i}: tray two reports a paper jam.");
            (
                requester_id,
                reply(requester_id, Side::Requester, &body, None),
            )
        } else {
            let body = format!("Step {}: reseat the tray and clean the rollers.", i + 1);
            (agent_id, reply(agent_id, Side::Agent, &body, None))
        });
    }
    steps.push((
        agent_id,
        change_status(Ulid::new(), StatusCategory::Resolved),
    ));
    let mut positions = Vec::with_capacity(steps.len());
    for (actor, command) in &steps {
        let ctx = CommandContext {
            actor: Actor::User(*actor),
            now: Timestamp::now(),
        };
        let done = commands
            .execute::<super::TicketAggregate>(ticket, command, &ctx, CommandOptions::default())
            .await?;
        positions.push(done.position);
    }
    Ok((ticket, positions))
}
