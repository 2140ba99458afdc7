//! Property tests over random command sequences.
//!
//! Goal: whatever clients send, in whatever order, the ticket's log stays sound. Method: draw
//! up to 40 commands from small pools of ids, users and statuses (so that they collide and
//! most refusals are exercised), decide each against the live state, keep the events of the
//! accepted ones, and check after every event:
//! - a closed or rejected ticket accepts only a reopen (and trash, restore, purge), a
//!   cancelled one only the trash moves, a trashed one only restore and purge, a purged one
//!   nothing;
//! - a vote comes from a voter who has not voted, on a waiting approval; a decision is written
//!   once per approval and agrees with its rule; a waiting approval is one its votes do not
//!   decide yet;
//! - replaying the log from scratch gives the live state; `evolve` survives the log reversed
//!   and rotated; every event round-trips through the codec; `decide` is deterministic.

use std::collections::BTreeMap;

use proptest::prelude::*;
use ulid::Ulid;

use super::approval::evaluate;
use super::commands::{CloseTicket, ReplyToTicket, RequestApproval, TicketCommand, UpdateTicket};
use super::events::TicketEvent;
use super::state::{evolve, TicketLifecycle, TicketState};
use super::testkit::{create, file, status, NOW, TICKET};
use super::types::*;
use super::{decide, CommandContext, StatusCategory};
use crate::codec::DomainEvent;
use crate::ids::{Actor, Timestamp};

/// A small pool of ids from `base`, plus one id shared by every pool (so that ids of
/// different kinds collide now and then).
fn pool(base: u128) -> impl Strategy<Value = Ulid> {
    prop_oneof![6 => (base..base + 4).prop_map(Ulid), 1 => Just(Ulid(599))]
}

/// A status of `category` most of the time, else any status.
fn biased(category: StatusCategory) -> impl Strategy<Value = StatusRef> {
    prop_oneof![3 => Just(status(category)), 1 => status_ref()]
}

const REPLIES: u128 = 500;
const NOTES: u128 = 510;
const FILES: u128 = 520;
const LINKS: u128 = 530;
const ENTRIES: u128 = 540;
const APPROVALS: u128 = 550;

fn user() -> impl Strategy<Value = Ulid> {
    (10u128..14).prop_map(Ulid)
}

fn ticket() -> impl Strategy<Value = Ulid> {
    (1u128..4).prop_map(Ulid)
}

fn status_ref() -> impl Strategy<Value = StatusRef> {
    proptest::sample::select(StatusCategory::ALL.to_vec()).prop_map(status)
}

fn reason() -> impl Strategy<Value = WaitingReason> {
    prop_oneof![
        Just(WaitingReason::Customer),
        Just(WaitingReason::Agent),
        (-2i64..60).prop_map(|m| WaitingReason::Until(Timestamp(NOW.0 + m * 60_000_000))),
        pool(LINKS).prop_map(WaitingReason::ExternalEntity),
        ticket().prop_map(WaitingReason::Ticket),
    ]
}

fn target() -> impl Strategy<Value = StatusTarget> {
    (status_ref(), proptest::option::of(reason())).prop_map(|(status, waiting_for)| StatusTarget {
        status,
        waiting_for,
    })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("hello".to_owned()),
        Just(" ".to_owned()),
        "[a-z ]{0,12}"
    ]
}

fn rule() -> impl Strategy<Value = ApprovalRule> {
    prop_oneof![
        Just(ApprovalRule::All),
        Just(ApprovalRule::Any),
        (0u32..4).prop_map(ApprovalRule::Quorum),
    ]
}

fn lifecycle_commands() -> BoxedStrategy<TicketCommand> {
    prop_oneof![
        1 => Just(TicketCommand::Create(Box::new(create()))),
        4 => (target(), proptest::option::of(text()))
            .prop_map(|(target, comment)| TicketCommand::ChangeStatus { target, comment }),
        1 => (biased(StatusCategory::Closed), any::<bool>()).prop_map(|(status, code)| TicketCommand::Close(Box::new(
            CloseTicket {
                status,
                reason: ClosedReason::Manual,
                closure_code_id: code.then_some(Ulid(45)),
                comments: None,
                requester_acknowledged: None,
                requester_comments: None,
            }
        ))),
        3 => biased(StatusCategory::Open).prop_map(|status| TicketCommand::Reopen {
            status,
            comment: None
        }),
        1 => biased(StatusCategory::Cancelled).prop_map(|status| TicketCommand::Cancel {
            status,
            comment: None
        }),
        1 => biased(StatusCategory::Rejected).prop_map(|status| TicketCommand::Reject {
            status,
            comment: None
        }),
        1 => (text(), any::<bool>())
            .prop_map(|(text, propagate)| TicketCommand::SetResolution { text, propagate }),
        2 => (0u8..7, proptest::option::of(text()), biased(StatusCategory::Closed)).prop_map(
            |(rating, comment, closed_status)| TicketCommand::AcceptSolution {
                rating,
                comment,
                closed_status,
            }
        ),
        2 => (text(), biased(StatusCategory::Open)).prop_map(|(reason, reopen_status)| {
            TicketCommand::RejectSolution {
                reason,
                reopen_status,
            }
        }),
        1 => Just(TicketCommand::Trash),
        2 => Just(TicketCommand::Restore),
        1 => Just(TicketCommand::Purge),
        1 => Just(TicketCommand::PromoteToMajorIncident { type_id: Ulid(31) }),
    ]
    .boxed()
}

fn record_commands() -> BoxedStrategy<TicketCommand> {
    prop_oneof![
        3 => update(),
        1 => (proptest::option::of(user()), proptest::option::of(user()))
            .prop_map(|(group_id, agent_id)| TicketCommand::Assign { group_id, agent_id }),
        1 => (proptest::option::of(user()), proptest::option::of(user()))
            .prop_map(|(group_id, agent_id)| TicketCommand::Reassign { group_id, agent_id }),
        1 => Just(TicketCommand::PickUp),
        1 => Just(TicketCommand::Unassign),
        1 => (pool(ENTRIES), user(), proptest::option::of(0u64..120)).prop_map(|(entry_id, user_id, mins)| {
            TicketCommand::LogTime {
                entry_id,
                user_id,
                from: mins.map(|m| Timestamp(NOW.0 - (m as i64) * 60_000_000)),
                to: NOW,
                category_id: None,
                comment: None,
            }
        }),
        1 => pool(ENTRIES).prop_map(|entry_id| TicketCommand::DeleteTimeEntry { entry_id }),
        1 => (pool(ENTRIES), any::<bool>(), proptest::option::of(user())).prop_map(
            |(entry_id, any_entry, user_id)| {
                TicketCommand::EditTimeEntry(crate::ticket::EditTimeEntry {
                    entry_id,
                    any_entry,
                    user_id,
                    comment: Some(Some("corrected".into())),
                    ..Default::default()
                })
            }
        ),
    ]
    .boxed()
}

fn conversation_commands() -> BoxedStrategy<TicketCommand> {
    prop_oneof![
        (
            pool(REPLIES),
            user(),
            any::<bool>(),
            text(),
            proptest::bool::weighted(0.2),
            proptest::bool::weighted(0.2),
            proptest::option::weighted(0.3, target()),
            proptest::option::of(pool(FILES))
        )
            .prop_map(
                |(comment_id, author_id, agent, body, is_solution, propagate, set_status, att)| {
                    let side = if agent { Side::Agent } else { Side::Requester };
                    let mut r = ReplyToTicket::plain(comment_id, author_id, side, &body);
                    r.is_solution = is_solution;
                    r.propagate = propagate;
                    r.set_status = set_status;
                    r.attachments = att.map(|a| file(a.0)).into_iter().collect();
                    TicketCommand::Reply(Box::new(r))
                }
            ),
        (pool(REPLIES), text())
            .prop_map(|(comment_id, body)| TicketCommand::EditReply { comment_id, body }),
        pool(REPLIES).prop_map(|comment_id| TicketCommand::DeleteReply { comment_id }),
        (pool(NOTES), user(), text()).prop_map(|(note_id, author_id, body)| {
            TicketCommand::AddNote {
                note_id,
                author_id,
                body,
                attachments: vec![],
            }
        }),
        (pool(NOTES), text()).prop_map(|(note_id, body)| TicketCommand::EditNote { note_id, body }),
        pool(NOTES).prop_map(|note_id| TicketCommand::DeleteNote { note_id }),
        (pool(FILES), prop_oneof![pool(REPLIES), pool(NOTES)], 0u8..3).prop_map(|(a, t, kind)| {
            TicketCommand::AddAttachment {
                target: match kind {
                    0 => AttachmentTarget::Ticket,
                    1 => AttachmentTarget::Reply(t),
                    _ => AttachmentTarget::Note(t),
                },
                attachment: file(a.0),
            }
        }),
        pool(FILES).prop_map(|attachment_id| TicketCommand::RemoveAttachment { attachment_id }),
    ]
    .boxed()
}

fn relation_commands() -> BoxedStrategy<TicketCommand> {
    let role = proptest::sample::select(vec![
        PersonRole::Subscriber,
        PersonRole::Observer,
        PersonRole::Collaborator,
    ]);
    let kind = proptest::sample::select(vec![AssociationKind::Problem, AssociationKind::Project]);
    prop_oneof![
        (role.clone(), user())
            .prop_map(|(role, user_id)| TicketCommand::AddPerson { role, user_id }),
        (role, user()).prop_map(|(role, user_id)| TicketCommand::RemovePerson { role, user_id }),
        (pool(LINKS), ticket()).prop_map(|(link_id, ticket_id)| TicketCommand::LinkTicket {
            link_id,
            ticket_id,
            comment: None
        }),
        ticket().prop_map(|ticket_id| TicketCommand::UnlinkTicket { ticket_id }),
        (pool(LINKS), text()).prop_map(|(link_id, entity_id)| TicketCommand::LinkExternal {
            link_id,
            entity_id,
            reference: None
        }),
        pool(LINKS).prop_map(|link_id| TicketCommand::UnlinkExternal { link_id }),
        (kind.clone(), ticket())
            .prop_map(|(kind, ticket_id)| TicketCommand::Associate { kind, ticket_id }),
        kind.prop_map(|kind| TicketCommand::Dissociate { kind }),
    ]
    .boxed()
}

fn approval_commands() -> BoxedStrategy<TicketCommand> {
    let voters = proptest::collection::btree_set(user(), 0..4);
    let approval = || pool(APPROVALS);
    let expiry = proptest::option::of((-1i64..30).prop_map(|m| Timestamp(NOW.0 + m * 60_000_000)));
    prop_oneof![
        2 => (approval(), voters, rule(), expiry.clone()).prop_map(
            |(approval_id, voters, rule, expires_at)| TicketCommand::RequestApproval(Box::new(
                RequestApproval {
                    approval_id,
                    template_id: Ulid(801),
                    description: String::new(),
                    voters,
                    rule,
                    expires_at,
                }
            ))
        ),
        2 => (approval(), user(), expiry).prop_map(|(approval_id, voter_id, expires_at)| {
            TicketCommand::RequestSpontaneousApproval {
                approval_id,
                voter_id,
                description: "ok?".into(),
                expires_at,
            }
        }),
        1 => (approval(), user()).prop_map(|(approval_id, voter_id)| TicketCommand::AddVoter {
            approval_id,
            voter_id
        }),
        3 => (approval(), user(), any::<bool>()).prop_map(|(approval_id, voter_id, yes)| {
            TicketCommand::Vote {
                approval_id,
                voter_id,
                decision: if yes { VoteDecision::Accept } else { VoteDecision::Reject },
                note: None,
            }
        }),
        1 => approval().prop_map(|approval_id| TicketCommand::CancelApproval { approval_id }),
        1 => approval().prop_map(|approval_id| TicketCommand::ExpireApproval { approval_id }),
    ]
    .boxed()
}

fn command() -> impl Strategy<Value = TicketCommand> {
    prop_oneof![
        3 => lifecycle_commands(),
        2 => record_commands(),
        4 => conversation_commands(),
        2 => relation_commands(),
        3 => approval_commands(),
    ]
}

fn maybe<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    proptest::option::weighted(0.3, s)
}

fn update() -> impl Strategy<Value = TicketCommand> {
    let some_id = || proptest::option::of(user());
    let at = || proptest::option::of((0i64..3).prop_map(|d| Timestamp(NOW.0 + d)));
    (
        (
            maybe(text()),
            maybe(text()),
            maybe(user()),
            maybe(some_id()),
            maybe(some_id()),
            maybe(some_id()),
            maybe(some_id()),
            maybe(proptest::option::of(text())),
        ),
        (
            maybe(some_id()),
            maybe(some_id()),
            maybe(some_id()),
            maybe(some_id()),
            maybe(some_id()),
            maybe(at()),
            maybe(at()),
            maybe(proptest::collection::btree_set(user(), 0..3)),
        ),
        (
            maybe(some_id()),
            maybe(user()),
            maybe(proptest::option::of(0i64..3)),
        ),
    )
        .prop_map(|(a, b, c)| {
            let category = c.0.map(|id| CategoryPath {
                category_id: id,
                subcategory_id: None,
                item_id: None,
            });
            let ticket_type = c.1.map(|type_id| TicketTypeRef {
                type_id,
                kind: TicketKind::Other,
            });
            let custom_fields =
                c.2.map(|v| (Ulid(60), v.map(CustomFieldValue::Integer)))
                    .into_iter()
                    .collect();
            TicketCommand::Update(Box::new(UpdateTicket {
                subject: a.0,
                description: a.1,
                requester_id: a.2,
                on_behalf_of_id: a.3,
                priority_id: a.4,
                urgency_id: a.5,
                impact_id: a.6,
                impact_details: a.7,
                source_id: b.0,
                department_id: b.1,
                helpdesk_id: b.2,
                level_id: b.3,
                location_id: b.4,
                due_at: b.5,
                occurred_at: b.6,
                tag_ids: b.7,
                category,
                ticket_type,
                custom_fields,
            }))
        })
}

/// A command with who runs it and how many minutes after [`NOW`].
fn step() -> impl Strategy<Value = (TicketCommand, Option<Ulid>, i64)> {
    (command(), proptest::option::of(user()), 0i64..120)
}

/// Whether `event` may apply to `state` under the lifecycle rules.
fn allowed_on(state: &TicketState, event: &TicketEvent) -> bool {
    let trash_move = matches!(
        event,
        TicketEvent::Trashed(_) | TicketEvent::Restored(_) | TicketEvent::Purged(_)
    );
    match state.lifecycle {
        TicketLifecycle::NotCreated => matches!(event, TicketEvent::Created(_)),
        TicketLifecycle::Purged => false,
        TicketLifecycle::Trashed => {
            matches!(event, TicketEvent::Restored(_) | TicketEvent::Purged(_))
        }
        TicketLifecycle::Active => match state.category() {
            Some(StatusCategory::Cancelled) => trash_move,
            Some(StatusCategory::Closed | StatusCategory::Rejected) => {
                trash_move
                    || matches!(event, TicketEvent::StatusChanged(c) if is_starting(c.new.category))
            }
            _ => !matches!(event, TicketEvent::Created(_) | TicketEvent::Restored(_)),
        },
    }
}

/// Checks the approval rules of `event` against the state before it.
fn check_approval_event(state: &TicketState, event: &TicketEvent) -> Result<(), TestCaseError> {
    match event {
        TicketEvent::VoteCast(v) => {
            let a = &state.approvals[&v.approval_id];
            prop_assert!(a.status.is_waiting(), "vote on a closed approval");
            prop_assert_eq!(
                a.voters.get(&v.voter_id),
                Some(&None),
                "not a voter or voted"
            );
        }
        TicketEvent::ApprovalDecided(d) => {
            let a = &state.approvals[&d.approval_id];
            prop_assert!(a.status.is_waiting(), "second decision");
            prop_assert_eq!(a.outcome(), d.status, "decision disagrees with the rule");
        }
        TicketEvent::VoterAdded(v) => {
            prop_assert!(state.approvals[&v.approval_id].status.is_waiting());
        }
        _ => {}
    }
    Ok(())
}

fn check_state(state: &TicketState) -> Result<(), TestCaseError> {
    for a in state.approvals.values() {
        let outcome = evaluate(a.rule, &a.voters);
        match a.status {
            ApprovalStatus::Waiting => prop_assert_eq!(outcome, ApprovalStatus::Waiting),
            ApprovalStatus::Approved | ApprovalStatus::Rejected => {
                prop_assert_eq!(outcome, a.status)
            }
            ApprovalStatus::Cancelled | ApprovalStatus::Expired => {}
        }
    }
    if let Some(solution) = state.solution_comment_id {
        prop_assert!(state.replies.contains_key(&solution));
    }
    Ok(())
}

/// Runs `steps` after a create, checking every rule on the way; returns the log.
fn run(steps: &[(TicketCommand, Option<Ulid>, i64)]) -> Result<Vec<TicketEvent>, TestCaseError> {
    let mut live = TicketState::default();
    let mut log: Vec<TicketEvent> = Vec::new();
    let mut decisions: BTreeMap<Ulid, usize> = BTreeMap::new();
    let mut all = vec![(TicketCommand::Create(Box::new(create())), None, 0)];
    all.extend(steps.iter().cloned());
    for (command, by, minutes) in &all {
        let ctx = CommandContext {
            actor: by.map_or(Actor::System, Actor::User),
            now: Timestamp(NOW.0 + minutes * 60_000_000),
        };
        let result = decide(&live, command, &ctx);
        prop_assert_eq!(
            &result,
            &decide(&live, command, &ctx),
            "decide is not deterministic"
        );
        let Ok(events) = result else { continue };
        for event in events {
            prop_assert!(
                allowed_on(&live, &event),
                "{:?} on {:?}",
                event,
                live.category()
            );
            check_approval_event(&live, &event)?;
            if let TicketEvent::ApprovalDecided(d) = &event {
                *decisions.entry(d.approval_id).or_default() += 1;
            }
            live = evolve(live, &event);
            log.push(event);
        }
        check_state(&live)?;
    }
    prop_assert!(
        decisions.values().all(|n| *n == 1),
        "one decision per approval"
    );
    prop_assert_eq!(live.ticket_id, TICKET);
    prop_assert_eq!(log.iter().fold(TicketState::default(), evolve), live);
    Ok(log)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_command_sequences_keep_the_log_sound(
        steps in proptest::collection::vec(step(), 0..40),
        rotate in any::<prop::sample::Index>(),
    ) {
        let log = run(&steps)?;
        let _ = log.iter().rev().fold(TicketState::default(), evolve);
        if !log.is_empty() {
            let mut rotated = log.clone();
            rotated.rotate_left(rotate.index(log.len()));
            let _ = rotated.iter().fold(TicketState::default(), evolve);
        }
        for event in &log {
            let bytes = event.encode().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back = TicketEvent::decode(event.event_type(), event.schema_version(), &bytes)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&back, event);
        }
    }
}

/// The generator is useful only if it reaches most events: over 64 fixed-seed sequences, at
/// least 40 of the event types must occur (a drop means the pools no longer collide well).
#[test]
fn random_sequences_reach_most_event_types() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = proptest::collection::vec(step(), 20..40);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..64 {
        let steps = strategy.new_tree(&mut runner).expect("draws").current();
        for event in run(&steps).expect("sound") {
            seen.insert(event.event_type());
        }
    }
    let missing: Vec<_> = TicketEvent::EVENT_TYPES
        .iter()
        .filter(|t| !seen.contains(*t))
        .collect();
    eprintln!(
        "reached {} of {}; missing {missing:?}",
        seen.len(),
        TicketEvent::EVENT_TYPES.len()
    );
    assert!(
        seen.len() >= 40,
        "only {} types reached; missing {missing:?}",
        seen.len()
    );
}
