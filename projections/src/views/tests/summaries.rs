//! Summary fields, ticket numbers, and events the model refuses without panicking.

use std::sync::Arc;

use ledgerdesk_core::command::{CommandOptions, CommandService};
use ledgerdesk_core::ticket::{
    CloseTicket, ClosedReason, CommandContext, ReplyToTicket, Side, StatusCategory,
    TicketAggregate, TicketCommand, TicketKind,
};
use ledgerdesk_core::{
    Actor, AppendMeta, AppendRequest, EventStore, ExpectedVersion, NewEvent, StreamId, StreamKind,
    Timestamp,
};
use ulid::Ulid;

use super::*;
use crate::views::{get, get_by_number, TicketSummary};
use crate::ProjectionError;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_summary_follows_the_ticket_events() {
    let mut desk = Desk::new().await;
    let t = tid(1);
    let mut c = create(t, "Printer on fire");
    c.description = "It smokes badly".into();
    c.group_id = Some(G1);
    c.priority_id = Some(P1);
    c.tag_ids = [TAG_A].into();
    c.department_id = Some(Ulid(60));
    c.helpdesk_id = Some(Ulid(61));
    c.source_id = Some(Ulid(62));
    c.category.category_id = Some(Ulid(63));
    assert_eq!(desk.open(c).await, 1001);

    desk.clock = T0 + 2 * HOUR;
    let reply = ReplyToTicket::plain(Ulid(500), AGENT, Side::Agent, "Call the fire brigade");
    desk.exec(t, TicketCommand::Reply(Box::new(reply))).await;
    desk.clock = T0 + 3 * HOUR;
    let assign = TicketCommand::Assign {
        group_id: Some(G2),
        agent_id: Some(AGENT),
    };
    desk.exec(t, assign).await;
    desk.clock = T0 + 4 * HOUR;
    desk.exec(t, close()).await;

    let closed = desk.summary(t).await;
    let expected = TicketSummary {
        ticket_id: t,
        number: 1001,
        subject: "Printer on fire".into(),
        status_id: status(StatusCategory::Closed).status_id,
        status_category: StatusCategory::Closed,
        requester_id: REQ,
        agent_id: Some(AGENT),
        group_id: Some(G2),
        department_id: Some(Ulid(60)),
        helpdesk_id: Some(Ulid(61)),
        priority_id: Some(P1),
        type_id: INCIDENT,
        type_kind: TicketKind::Incident,
        category: ledgerdesk_core::ticket::CategoryPath {
            category_id: Some(Ulid(63)),
            subcategory_id: None,
            item_id: None,
        },
        tag_ids: [TAG_A].into(),
        source_id: Some(Ulid(62)),
        urgency_id: None,
        impact_id: None,
        location_id: None,
        closure_code_id: None,
        created_at: Timestamp(T0),
        updated_at: Timestamp(T0 + 4 * HOUR),
        closed_at: Some(Timestamp(T0 + 4 * HOUR)),
        trashed: false,
        purged: false,
        reply_count: 1,
        first_response_at: Some(Timestamp(T0 + 2 * HOUR)),
        first_response_micros: Some(2 * HOUR),
        // created; reply_added, first_response_recorded; assignment; closure, status.
        version: 6,
    };
    assert_eq!(closed, expected);

    // A reopen clears the closing time; a deleted reply no longer counts.
    desk.clock = T0 + 5 * HOUR;
    let reopen = TicketCommand::Reopen {
        status: status(StatusCategory::Open),
        comment: None,
    };
    desk.exec(t, reopen).await;
    desk.clock = T0 + 6 * HOUR;
    let delete = TicketCommand::DeleteReply {
        comment_id: Ulid(500),
    };
    desk.exec(t, delete).await;
    let after = desk.summary(t).await;
    assert_eq!(after.closed_at, None);
    assert_eq!(after.status_category, StatusCategory::Open);
    assert_eq!(after.reply_count, 0);
    assert_eq!(after.updated_at, Timestamp(T0 + 6 * HOUR));
    assert_eq!(after.first_response_micros, Some(2 * HOUR));

    // Trash, then purge: a tombstone without the subject remains.
    desk.exec(t, TicketCommand::Trash).await;
    assert!(desk.summary(t).await.trashed);
    desk.exec(t, TicketCommand::Purge).await;
    let gone = desk.summary(t).await;
    assert!(gone.purged);
    assert_eq!(gone.subject, "");
}

/// Numbers are derived as the store assigns them: ticket streams counted in log order of
/// their first event, from 1001, whatever else the log holds in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_match_the_event_store() {
    let desk = Desk::new().await;
    let svc = CommandService::new(Arc::new(desk.store.clone()), 16);
    let ctx = CommandContext {
        actor: Actor::User(AGENT),
        now: Timestamp(T0),
    };
    let mut tickets = Vec::new();
    for i in 0..5u128 {
        // Another kind of stream first: it has its own numbers and must not shift ours.
        let other = AppendRequest::new(
            StreamId::generate(StreamKind::Setting),
            ExpectedVersion::Any,
            AppendMeta::new(Actor::System),
            vec![NewEvent {
                event_id: Ulid::new(),
                event_type: "setting.whatever".into(),
                schema_version: 1,
                payload: vec![1, 2, 3],
            }],
        );
        desk.store.append(other).await.unwrap();
        let id = Ulid::new();
        let stream = StreamId::new(StreamKind::Ticket, id);
        let cmd = TicketCommand::Create(Box::new(create(id, &format!("ticket {i}"))));
        let done = svc
            .execute::<TicketAggregate>(stream, &cmd, &ctx, CommandOptions::default())
            .await
            .unwrap();
        tickets.push((id, done.stream_number));
        // A later event on an earlier ticket does not number anything.
        if let Some((first, _)) = tickets.first() {
            let s = StreamId::new(StreamKind::Ticket, *first);
            svc.execute::<TicketAggregate>(
                s,
                &to_status(StatusCategory::Open),
                &ctx,
                CommandOptions::default(),
            )
            .await
            .unwrap();
        }
    }
    let view = desk.view().await;
    for (id, number) in tickets {
        let stored = desk
            .store
            .stream_number(StreamId::new(StreamKind::Ticket, id))
            .await
            .unwrap();
        assert_eq!(stored, Some(number));
        assert_eq!(get(&view, id).unwrap().unwrap().number, number);
        assert_eq!(get_by_number(&view, number).unwrap().unwrap().ticket_id, id);
    }
    assert_eq!(get_by_number(&view, 1006).unwrap(), None);
}

/// A ticket event that does not decode stops the projection with a decode error: no panic,
/// nothing of the chunk applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_ticket_event_is_an_error_not_a_panic() {
    let mut desk = Desk::new().await;
    desk.open(create(tid(1), "fine")).await;
    let garbage = AppendRequest::new(
        StreamId::new(StreamKind::Ticket, tid(1)),
        ExpectedVersion::Any,
        AppendMeta::new(Actor::System),
        vec![
            NewEvent {
                event_id: Ulid::new(),
                event_type: "ticket.subject_changed".into(),
                schema_version: 1,
                payload: vec![0xFF; 3],
            },
            NewEvent {
                event_id: Ulid::new(),
                event_type: "ticket.from_the_future".into(),
                schema_version: 9,
                payload: Vec::new(),
            },
        ],
    );
    desk.store.append(garbage).await.unwrap();
    let err = desk.runner.catch_up().await.unwrap_err();
    assert!(
        matches!(err, ProjectionError::Decode { position: 2, .. }),
        "{err:?}"
    );
    let view = desk.runner.view(crate::views::NAME).unwrap();
    assert_eq!(view.position(), 0);
}
