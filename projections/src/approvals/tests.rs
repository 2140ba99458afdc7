//! Tests of the approvals model against real logs: commands decided by the ticket aggregate,
//! appended at chosen times, folded by the projection runner. The harness is shared with the
//! `time` model's tests.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ledgerdesk_core::ticket::{
    ApprovalKind, ApprovalRule, ApprovalStatus, CategoryPath, CommandContext, CreateTicket,
    ReplyToTicket, RequestApproval, Side, StatusCategory, StatusRef, TicketCommand, TicketKind,
    TicketState, TicketTypeRef, VoteDecision,
};
use ledgerdesk_core::{
    Actor, AppendMeta, AppendRequest, DomainEvent, EventStore, ExpectedVersion, SledEventStore,
    StoreConfig, StreamId, StreamKind, Timestamp,
};
use ulid::Ulid;

use super::{for_ticket, pending_for_voter, ApprovalsProjection, NAME};
use crate::{Projection, ProjectionRunner, ProjectionView};

/// 2024-01-01 00:00 UTC in microseconds.
pub(crate) const T0: i64 = 1_704_067_200_000_000;
/// One minute in microseconds.
pub(crate) const MIN: i64 = 60_000_000;
pub(crate) const REQ: Ulid = Ulid(10);
pub(crate) const AGENT: Ulid = Ulid(11);
pub(crate) const AGENT2: Ulid = Ulid(12);
const A: Ulid = Ulid(21);
const B: Ulid = Ulid(22);
const C: Ulid = Ulid(23);
const D: Ulid = Ulid(24);

/// An event store, one projection over it, and a clock the test moves.
pub(crate) struct Desk {
    _dir: tempfile::TempDir,
    store: SledEventStore,
    pub runner: ProjectionRunner,
    states: BTreeMap<Ulid, (TicketState, u64)>,
    /// The `recorded_at` (and command time) of the next append.
    pub clock: i64,
}

impl Desk {
    pub async fn new(projection: Arc<dyn Projection>) -> Desk {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = StoreConfig {
            fdatasync: false,
            ..StoreConfig::default()
        };
        let store = SledEventStore::open(dir.path(), config).expect("store");
        let runner = ProjectionRunner::open(store.clone(), vec![projection]).expect("runner");
        Desk {
            _dir: dir,
            store,
            runner,
            states: BTreeMap::new(),
            clock: T0,
        }
    }

    /// Decides `command` on ticket `id` at the clock and appends its events; panics if refused.
    pub async fn ticket(&mut self, id: Ulid, command: TicketCommand) {
        let (state, version) = self.states.remove(&id).unwrap_or_default();
        let ctx = CommandContext {
            actor: Actor::User(AGENT),
            now: Timestamp(self.clock),
        };
        let events = ledgerdesk_core::ticket::decide(&state, &command, &ctx)
            .unwrap_or_else(|e| panic!("refused {command:?}: {e}"));
        let new = events
            .iter()
            .map(|e| e.to_new_event(Ulid::new()).expect("encodes"))
            .collect();
        let expected = match version {
            0 => ExpectedVersion::NoStream,
            v => ExpectedVersion::Exact(v),
        };
        let stream = StreamId::new(StreamKind::Ticket, id);
        let mut request = AppendRequest::new(stream, expected, AppendMeta::new(ctx.actor), new);
        request.recorded_at = Some(Timestamp(self.clock));
        let done = self.store.append(request).await.expect("append");
        let state = events.iter().fold(state, ledgerdesk_core::ticket::evolve);
        self.states.insert(id, (state, done.last_version));
    }

    /// The caught-up model `name`.
    pub async fn view(&self, name: &str) -> ProjectionView {
        self.runner.catch_up().await.expect("catch up");
        self.runner.view(name).expect("view")
    }

    /// Rebuilds `name` from the log and checks it has the live model's digest.
    pub async fn assert_rebuild_matches(&self, name: &str) {
        self.runner.catch_up().await.expect("catch up");
        let live = self.runner.digest(name).expect("digest");
        self.runner.rebuild(name).await.expect("rebuild");
        assert_eq!(self.runner.digest(name).expect("digest"), live);
    }
}

/// A status of the catalogue for `category`.
pub(crate) fn status(category: StatusCategory) -> StatusRef {
    StatusRef {
        status_id: Ulid(100 + category as u128),
        category,
    }
}

/// A create command for ticket `id`.
pub(crate) fn create(id: Ulid) -> TicketCommand {
    TicketCommand::Create(Box::new(CreateTicket {
        ticket_id: id,
        subject: "help".into(),
        description: String::new(),
        requester_id: REQ,
        creator_id: Some(REQ),
        on_behalf_of_id: None,
        ticket_type: TicketTypeRef {
            type_id: Ulid(30),
            kind: TicketKind::Incident,
        },
        status: status(StatusCategory::New),
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

fn request(approval: u128, voters: &[Ulid], rule: ApprovalRule) -> TicketCommand {
    TicketCommand::RequestApproval(Box::new(RequestApproval {
        approval_id: Ulid(approval),
        template_id: Ulid(7),
        description: "new laptop".into(),
        voters: voters.iter().copied().collect(),
        rule,
        expires_at: None,
    }))
}

fn vote(approval: u128, voter: Ulid, decision: VoteDecision) -> TicketCommand {
    TicketCommand::Vote {
        approval_id: Ulid(approval),
        voter_id: voter,
        decision,
        note: Some(format!("{voter}")),
    }
}

/// The (ticket, approval) pairs waiting for `voter`.
fn pending(view: &ProjectionView, voter: Ulid) -> Vec<(Ulid, Ulid)> {
    pending_for_voter(view, voter)
        .unwrap()
        .into_iter()
        .map(|p| (p.ticket_id, p.approval.approval_id))
        .collect()
}

const T1: Ulid = Ulid(1001);
const T2: Ulid = Ulid(1002);

#[tokio::test]
async fn votes_leave_each_voters_list_and_the_decision_empties_the_rest() {
    let mut desk = Desk::new(Arc::new(ApprovalsProjection)).await;
    desk.ticket(T1, create(T1)).await;
    desk.clock += MIN;
    desk.ticket(T1, request(50, &[A, B, C], ApprovalRule::All))
        .await;
    let view = desk.view(NAME).await;
    for voter in [A, B, C] {
        assert_eq!(pending(&view, voter), vec![(T1, Ulid(50))]);
    }
    assert!(pending(&view, D).is_empty());

    // A accepts: A has nothing left to vote on, B and C still do.
    desk.clock += MIN;
    desk.ticket(T1, vote(50, A, VoteDecision::Accept)).await;
    let view = desk.view(NAME).await;
    assert!(pending(&view, A).is_empty());
    assert_eq!(pending(&view, B), vec![(T1, Ulid(50))]);

    // B rejects: under `All` that decides it; C no longer has to vote.
    desk.clock += MIN;
    desk.ticket(T1, vote(50, B, VoteDecision::Reject)).await;
    let view = desk.view(NAME).await;
    assert!(pending(&view, B).is_empty());
    assert!(pending(&view, C).is_empty());
    let approvals = for_ticket(&view, T1).unwrap();
    assert_eq!(approvals.len(), 1);
    let a = &approvals[0];
    assert_eq!(a.status, ApprovalStatus::Rejected);
    assert_eq!(a.kind, ApprovalKind::Predefined(Ulid(7)));
    assert_eq!(a.requested_at, Timestamp(T0 + MIN));
    assert_eq!(a.ended_at, Some(Timestamp(T0 + 3 * MIN)));
    let votes: Vec<_> = a
        .voters
        .iter()
        .map(|(v, vote)| (*v, vote.as_ref().map(|x| (x.decision, x.at.0 - T0))))
        .collect();
    assert_eq!(
        votes,
        vec![
            (A, Some((VoteDecision::Accept, 2 * MIN))),
            (B, Some((VoteDecision::Reject, 3 * MIN))),
            (C, None),
        ]
    );
    desk.assert_rebuild_matches(NAME).await;
}

#[tokio::test]
async fn added_voters_cancellations_and_purges_keep_the_lists_exact() {
    let mut desk = Desk::new(Arc::new(ApprovalsProjection)).await;
    desk.ticket(T1, create(T1)).await;
    desk.ticket(T2, create(T2)).await;
    desk.ticket(
        T1,
        TicketCommand::RequestSpontaneousApproval {
            approval_id: Ulid(60),
            voter_id: A,
            description: "ok?".into(),
            expires_at: None,
        },
    )
    .await;
    desk.ticket(T2, request(61, &[A], ApprovalRule::Quorum(1)))
        .await;
    desk.ticket(
        T2,
        TicketCommand::AddVoter {
            approval_id: Ulid(61),
            voter_id: D,
        },
    )
    .await;
    let view = desk.view(NAME).await;
    assert_eq!(pending(&view, A), vec![(T1, Ulid(60)), (T2, Ulid(61))]);
    assert_eq!(pending(&view, D), vec![(T2, Ulid(61))]);

    desk.ticket(
        T1,
        TicketCommand::CancelApproval {
            approval_id: Ulid(60),
        },
    )
    .await;
    let view = desk.view(NAME).await;
    assert_eq!(pending(&view, A), vec![(T2, Ulid(61))]);
    assert_eq!(
        for_ticket(&view, T1).unwrap()[0].status,
        ApprovalStatus::Cancelled
    );

    desk.ticket(T2, TicketCommand::Trash).await;
    desk.ticket(T2, TicketCommand::Purge).await;
    let view = desk.view(NAME).await;
    assert!(pending(&view, A).is_empty());
    assert!(pending(&view, D).is_empty());
    assert!(for_ticket(&view, T2).unwrap().is_empty());
    assert_eq!(for_ticket(&view, T1).unwrap().len(), 1);
    desk.assert_rebuild_matches(NAME).await;
}

#[tokio::test]
async fn events_without_approvals_write_nothing() {
    let empty = Desk::new(Arc::new(ApprovalsProjection)).await;
    empty.runner.catch_up().await.unwrap();
    let nothing = empty.runner.digest(NAME).unwrap();
    let mut desk = Desk::new(Arc::new(ApprovalsProjection)).await;
    desk.ticket(T1, create(T1)).await;
    desk.ticket(
        T1,
        TicketCommand::Reply(Box::new(ReplyToTicket::plain(
            Ulid(70),
            AGENT2,
            Side::Agent,
            "hello",
        ))),
    )
    .await;
    desk.runner.catch_up().await.unwrap();
    assert_eq!(desk.runner.digest(NAME).unwrap(), nothing);
}

#[tokio::test]
async fn a_model_caught_up_in_pieces_equals_a_rebuild() {
    let mut desk = Desk::new(Arc::new(ApprovalsProjection)).await;
    let voters = [A, B, C, D];
    for t in 0..4u128 {
        let ticket = Ulid(2000 + t);
        desk.ticket(ticket, create(ticket)).await;
        let rule = [
            ApprovalRule::All,
            ApprovalRule::Any,
            ApprovalRule::Quorum(2),
        ][t as usize % 3];
        desk.ticket(ticket, request(300 + t, &voters[..3], rule))
            .await;
        if t % 2 == 0 {
            desk.runner.catch_up().await.unwrap();
        }
        desk.clock += MIN;
        desk.ticket(
            ticket,
            vote(300 + t, voters[t as usize % 3], VoteDecision::Accept),
        )
        .await;
    }
    desk.assert_rebuild_matches(NAME).await;
}
