//! Predefined and spontaneous approvals: voters, votes, decisions, cancellation, expiry.

use ulid::Ulid;

use crate::ids::Timestamp;
use crate::ticket::commands::{RequestApproval, TicketCommand};
use crate::ticket::error::TicketError;
use crate::ticket::events::{
    ApprovalDecided, ApprovalEnded, ApprovalRequested, TicketEvent, VoteCast, VoterAdded,
};
use crate::ticket::testkit::*;
use crate::ticket::types::{
    ApprovalKind, ApprovalRule, ApprovalStatus, TicketApprovalStatus, VoteDecision,
};
use crate::ticket::StatusCategory;

use super::close;

const A: Ulid = Ulid(800);
const TEMPLATE: Ulid = Ulid(801);
const V1: Ulid = Ulid(811);
const V2: Ulid = Ulid(812);
const V3: Ulid = Ulid(813);

fn later() -> Timestamp {
    Timestamp(NOW.0 + 1_000_000)
}

fn predefined(rule: ApprovalRule) -> TicketCommand {
    TicketCommand::RequestApproval(Box::new(RequestApproval {
        approval_id: A,
        template_id: TEMPLATE,
        description: "Buy a printer".into(),
        voters: [V1, V2, V3].into(),
        rule,
        expires_at: None,
    }))
}

fn spontaneous(expires_at: Option<Timestamp>) -> TicketCommand {
    TicketCommand::RequestSpontaneousApproval {
        approval_id: A,
        voter_id: V1,
        description: "May I?".into(),
        expires_at,
    }
}

fn vote(voter_id: Ulid, decision: VoteDecision) -> TicketCommand {
    TicketCommand::Vote {
        approval_id: A,
        voter_id,
        decision,
        note: None,
    }
}

fn cast(voter_id: Ulid, decision: VoteDecision) -> TicketEvent {
    TicketEvent::VoteCast(VoteCast {
        approval_id: A,
        voter_id,
        decision,
        note: None,
    })
}

fn decided(status: ApprovalStatus) -> TicketEvent {
    TicketEvent::ApprovalDecided(ApprovalDecided {
        approval_id: A,
        status,
    })
}

#[test]
fn request_a_predefined_approval() {
    let state = given_created()
        .when(predefined(ApprovalRule::All))
        .then(vec![TicketEvent::ApprovalRequested(ApprovalRequested {
            approval_id: A,
            kind: ApprovalKind::Predefined(TEMPLATE),
            description: "Buy a printer".into(),
            voters: [V1, V2, V3].into(),
            rule: ApprovalRule::All,
            expires_at: None,
            at: NOW,
        })]);
    assert_eq!(state.approval_status(), TicketApprovalStatus::Pending);
}

#[test]
fn an_approval_needs_voters() {
    given_created()
        .when(TicketCommand::RequestApproval(Box::new(RequestApproval {
            approval_id: A,
            template_id: TEMPLATE,
            description: String::new(),
            voters: [].into(),
            rule: ApprovalRule::Any,
            expires_at: None,
        })))
        .then_err(TicketError::NoVoters);
}

#[test]
fn a_quorum_is_between_1_and_the_number_of_voters() {
    for quorum in [0, 4] {
        given_created()
            .when(predefined(ApprovalRule::Quorum(quorum)))
            .then_err(TicketError::QuorumOutOfRange { quorum, voters: 3 });
    }
}

#[test]
fn a_spontaneous_approval_has_one_voter_and_a_description() {
    let state = given_created().when(spontaneous(None)).then_state();
    let approval = &state.approvals[&A];
    assert_eq!(approval.kind, ApprovalKind::Spontaneous);
    assert_eq!(approval.voters.len(), 1);
    given_created()
        .when(TicketCommand::RequestSpontaneousApproval {
            approval_id: A,
            voter_id: V1,
            description: " ".into(),
            expires_at: None,
        })
        .then_err(TicketError::Empty {
            field: "description",
        });
}

#[test]
fn an_expiry_is_in_the_future() {
    given_created()
        .when(spontaneous(Some(NOW)))
        .then_err(TicketError::ExpiryInPast {
            expires_at: NOW,
            now: NOW,
        });
}

#[test]
fn an_approval_id_is_fresh() {
    given_created()
        .after(spontaneous(None))
        .when(predefined(ApprovalRule::Any))
        .then_err(TicketError::IdAlreadyUsed { id: A });
}

#[test]
fn the_single_vote_decides_a_spontaneous_approval() {
    let state = given_created()
        .after(spontaneous(None))
        .when(vote(V1, VoteDecision::Reject))
        .then(vec![
            cast(V1, VoteDecision::Reject),
            decided(ApprovalStatus::Rejected),
        ]);
    assert_eq!(state.approval_status(), TicketApprovalStatus::Rejected);
}

#[test]
fn all_waits_for_every_acceptance() {
    given_created()
        .after(predefined(ApprovalRule::All))
        .after(vote(V1, VoteDecision::Accept))
        .after(vote(V2, VoteDecision::Accept))
        .when(vote(V3, VoteDecision::Accept))
        .then(vec![
            cast(V3, VoteDecision::Accept),
            decided(ApprovalStatus::Approved),
        ]);
    given_created()
        .after(predefined(ApprovalRule::All))
        .when(vote(V1, VoteDecision::Accept))
        .then(vec![cast(V1, VoteDecision::Accept)]);
}

#[test]
fn a_quorum_is_rejected_once_it_cannot_be_reached() {
    given_created()
        .after(predefined(ApprovalRule::Quorum(2)))
        .after(vote(V1, VoteDecision::Reject))
        .when(vote(V2, VoteDecision::Reject))
        .then(vec![
            cast(V2, VoteDecision::Reject),
            decided(ApprovalStatus::Rejected),
        ]);
}

#[test]
fn nobody_votes_twice() {
    given_created()
        .after(predefined(ApprovalRule::All))
        .after(vote(V1, VoteDecision::Accept))
        .when(vote(V1, VoteDecision::Reject))
        .then_err(TicketError::AlreadyVoted {
            approval_id: A,
            voter_id: V1,
        });
}

#[test]
fn only_voters_vote() {
    given_created()
        .after(predefined(ApprovalRule::All))
        .when(vote(AGENT, VoteDecision::Accept))
        .then_err(TicketError::NotAVoter {
            approval_id: A,
            voter_id: AGENT,
        });
}

#[test]
fn nobody_votes_after_the_decision() {
    given_created()
        .after(predefined(ApprovalRule::Any))
        .after(vote(V1, VoteDecision::Accept))
        .when(vote(V2, VoteDecision::Accept))
        .then_err(TicketError::ApprovalClosed {
            approval_id: A,
            status: ApprovalStatus::Approved,
        });
}

#[test]
fn voting_on_an_unknown_approval_is_refused() {
    given_created()
        .when(vote(V1, VoteDecision::Accept))
        .then_err(TicketError::ApprovalNotFound { approval_id: A });
}

#[test]
fn add_a_voter_to_a_waiting_approval() {
    let add = TicketCommand::AddVoter {
        approval_id: A,
        voter_id: AGENT,
    };
    given_created()
        .after(spontaneous(None))
        .when(add.clone())
        .then(vec![TicketEvent::VoterAdded(VoterAdded {
            approval_id: A,
            voter_id: AGENT,
        })]);
    given_created()
        .after(spontaneous(None))
        .after(add.clone())
        .when(add.clone())
        .then_err(TicketError::AlreadyAVoter {
            approval_id: A,
            voter_id: AGENT,
        });
    given_created()
        .after(spontaneous(None))
        .after(vote(V1, VoteDecision::Accept))
        .when(add)
        .then_err(TicketError::ApprovalClosed {
            approval_id: A,
            status: ApprovalStatus::Approved,
        });
}

#[test]
fn cancel_a_waiting_approval() {
    let cancel = TicketCommand::CancelApproval { approval_id: A };
    let state = given_created()
        .after(spontaneous(None))
        .when(cancel.clone())
        .then(vec![TicketEvent::ApprovalCancelled(ApprovalEnded {
            approval_id: A,
        })]);
    assert_eq!(state.approvals[&A].status, ApprovalStatus::Cancelled);
    assert_eq!(state.approval_status(), TicketApprovalStatus::NotRequested);
    given_created()
        .after(spontaneous(None))
        .after(cancel.clone())
        .when(cancel)
        .then_err(TicketError::ApprovalClosed {
            approval_id: A,
            status: ApprovalStatus::Cancelled,
        });
}

#[test]
fn an_approval_expires_at_its_time_and_not_before() {
    let expire = TicketCommand::ExpireApproval { approval_id: A };
    given_created()
        .after(spontaneous(Some(later())))
        .when(expire.clone())
        .then_err(TicketError::ApprovalNotDue {
            approval_id: A,
            expires_at: later(),
        });
    given_created()
        .after(spontaneous(None))
        .when(expire.clone())
        .then(vec![TicketEvent::ApprovalExpired(ApprovalEnded {
            approval_id: A,
        })]);
    given_created()
        .after(spontaneous(None))
        .after(expire.clone())
        .when(vote(V1, VoteDecision::Accept))
        .then_err(TicketError::ApprovalClosed {
            approval_id: A,
            status: ApprovalStatus::Expired,
        });
}

#[test]
fn no_approval_on_a_closed_ticket() {
    given_created()
        .after(close())
        .when(spontaneous(None))
        .then_err(TicketError::Closed {
            category: StatusCategory::Closed,
        });
}
