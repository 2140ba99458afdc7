//! Approval templates (InvGate predefined approvals): a named set of voters, users and groups,
//! and the rule their votes follow. A predefined approval on a ticket names its template; the
//! edge expands the template to its voters when the approval is asked for (group members as
//! they are then), so a later change of the template never changes an approval already asked.
//!
//! Unique values: `approval_template.name`. A template is deleted without a replacement:
//! approvals made from it keep their voters and only name it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::company::GroupLink;
use super::{
    change, decide_delete, decide_link, decide_rename, name_claims, values::Name, Change,
    CommandContext, CommonError, Lifecycle, LinkOp, NameFact, Removed, Renamed, UserLink,
};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;
use crate::ticket::ApprovalRule;

/// Claim scope of approval template names.
pub const NAME_SCOPE: &str = "approval_template.name";

/// An approval template, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateState {
    /// Where the template stands in its life.
    pub lifecycle: Lifecycle,
    /// The template's id.
    pub id: Ulid,
    /// Its name.
    pub name: String,
    /// Users who vote.
    pub user_ids: BTreeSet<Ulid>,
    /// Groups whose members vote.
    pub group_ids: BTreeSet<Ulid>,
    /// How the votes decide (`None` before creation).
    pub rule: Option<ApprovalRule>,
}

/// What can be asked of an approval template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateCommand {
    /// Create the template.
    Create {
        /// The template's id.
        template_id: Ulid,
        /// Its name.
        name: String,
        /// Users who vote.
        user_ids: BTreeSet<Ulid>,
        /// Groups whose members vote.
        group_ids: BTreeSet<Ulid>,
        /// How the votes decide.
        rule: ApprovalRule,
    },
    /// Rename it.
    Rename {
        /// The new name.
        name: String,
    },
    /// Change its voting users.
    LinkUsers {
        /// The change.
        op: LinkOp,
    },
    /// Change its voting groups.
    LinkGroups {
        /// The change (ids are group ids).
        op: LinkOp,
    },
    /// Change its rule.
    SetRule {
        /// The new rule.
        rule: ApprovalRule,
    },
    /// Delete it.
    Delete,
}

/// Why an approval template command is refused.
pub type TemplateError = CommonError;

/// An approval template was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateCreated {
    /// The template's id.
    pub template_id: Ulid,
    /// Its name.
    pub name: String,
    /// Users who vote.
    pub user_ids: BTreeSet<Ulid>,
    /// Groups whose members vote.
    pub group_ids: BTreeSet<Ulid>,
    /// How the votes decide.
    pub rule: ApprovalRule,
    /// When.
    pub at: Timestamp,
}

event_enum! {
    /// Everything that can happen to an approval template.
    pub enum TemplateEvent {
        /// `approval_template.created`
        Created(TemplateCreated) = "approval_template.created",
        /// `approval_template.renamed`
        Renamed(Renamed) = "approval_template.renamed",
        /// `approval_template.user_added`
        UserAdded(UserLink) = "approval_template.user_added",
        /// `approval_template.user_removed`
        UserRemoved(UserLink) = "approval_template.user_removed",
        /// `approval_template.group_added`
        GroupAdded(GroupLink) = "approval_template.group_added",
        /// `approval_template.group_removed`
        GroupRemoved(GroupLink) = "approval_template.group_removed",
        /// `approval_template.rule_changed`
        RuleChanged(Change<ApprovalRule>) = "approval_template.rule_changed",
        /// `approval_template.deleted`
        Deleted(Removed) = "approval_template.deleted",
    }
}

aggregate!(
    /// The approval template aggregate, for generic command handling.
    TemplateAggregate,
    TemplateState,
    TemplateCommand,
    TemplateEvent,
    TemplateError
);

/// Refuses a rule no set of voters could satisfy (a quorum of zero). Whether a quorum fits
/// the voters is checked when the template is expanded on a ticket, since group membership
/// moves.
fn check_rule(rule: ApprovalRule) -> Result<ApprovalRule, CommonError> {
    match rule {
        ApprovalRule::Quorum(0) => Err(CommonError::Invalid {
            field: "rule",
            reason: "a quorum must be at least 1",
        }),
        other => Ok(other),
    }
}

/// Decides the events of an approval template command, or refuses it.
pub fn decide(
    state: &TemplateState,
    command: &TemplateCommand,
    ctx: &CommandContext,
) -> Result<Vec<TemplateEvent>, TemplateError> {
    if let TemplateCommand::Create {
        template_id,
        name,
        user_ids,
        group_ids,
        rule,
    } = command
    {
        state.lifecycle.require_new()?;
        if user_ids.is_empty() && group_ids.is_empty() {
            return Err(CommonError::Invalid {
                field: "user_ids",
                reason: "a template needs at least one user or group",
            });
        }
        return Ok(vec![TemplateEvent::Created(TemplateCreated {
            template_id: *template_id,
            name: Name::parse("name", name)?.into_inner(),
            user_ids: user_ids.clone(),
            group_ids: group_ids.clone(),
            rule: check_rule(*rule)?,
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    match command {
        TemplateCommand::Create { .. } => Err(CommonError::AlreadyExists),
        TemplateCommand::Rename { name } => {
            decide_rename(&state.name, name, TemplateEvent::Renamed)
        }
        TemplateCommand::LinkUsers { op } => {
            let events = decide_link(
                &state.user_ids,
                op,
                TemplateEvent::UserAdded,
                TemplateEvent::UserRemoved,
            )?;
            keep_a_voter(state, &events)?;
            Ok(events)
        }
        TemplateCommand::LinkGroups { op } => {
            let events = decide_link(
                &state.group_ids,
                op,
                |l| {
                    TemplateEvent::GroupAdded(GroupLink {
                        group_id: l.user_id,
                    })
                },
                |l| {
                    TemplateEvent::GroupRemoved(GroupLink {
                        group_id: l.user_id,
                    })
                },
            )?;
            keep_a_voter(state, &events)?;
            Ok(events)
        }
        TemplateCommand::SetRule { rule } => {
            let old = state.rule.unwrap_or(ApprovalRule::All);
            Ok(change(&old, check_rule(*rule)?)
                .map(TemplateEvent::RuleChanged)
                .into_iter()
                .collect())
        }
        TemplateCommand::Delete => {
            decide_delete(state.id, &state.name, 0, None, ctx, TemplateEvent::Deleted)
        }
    }
}

/// Refuses changes that would leave the template without any user or group.
fn keep_a_voter(state: &TemplateState, events: &[TemplateEvent]) -> Result<(), CommonError> {
    let after = events.iter().fold(state.clone(), evolve);
    if after.user_ids.is_empty() && after.group_ids.is_empty() {
        return Err(CommonError::Invalid {
            field: "user_ids",
            reason: "a template needs at least one user or group",
        });
    }
    Ok(())
}

/// Applies one approval template event. Never panics.
pub fn evolve(mut state: TemplateState, event: &TemplateEvent) -> TemplateState {
    match event {
        TemplateEvent::Created(e) => {
            state = TemplateState {
                lifecycle: Lifecycle::Active,
                id: e.template_id,
                name: e.name.clone(),
                user_ids: e.user_ids.clone(),
                group_ids: e.group_ids.clone(),
                rule: Some(e.rule),
            };
        }
        TemplateEvent::Renamed(e) => state.name = e.name.clone(),
        TemplateEvent::UserAdded(l) => {
            state.user_ids.insert(l.user_id);
        }
        TemplateEvent::UserRemoved(l) => {
            state.user_ids.remove(&l.user_id);
        }
        TemplateEvent::GroupAdded(l) => {
            state.group_ids.insert(l.group_id);
        }
        TemplateEvent::GroupRemoved(l) => {
            state.group_ids.remove(&l.group_id);
        }
        TemplateEvent::RuleChanged(c) => state.rule = Some(c.new),
        TemplateEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// The unique values an approval template event takes or gives back.
pub fn claims(event: &TemplateEvent) -> Vec<UniqueClaim> {
    let fact = match event {
        TemplateEvent::Created(e) => NameFact::Created(&e.name),
        TemplateEvent::Renamed(e) => NameFact::Renamed(e),
        TemplateEvent::Deleted(e) => NameFact::Removed(e),
        _ => NameFact::Untouched,
    };
    name_claims(NAME_SCOPE, fact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::testkit::{self, arb_id, arb_ids, arb_link_op, arb_name, given, NOW};
    use proptest::prelude::*;

    const ID: Ulid = Ulid(7);
    const ANN: Ulid = Ulid(10);
    const BOB: Ulid = Ulid(11);
    const CAB: Ulid = Ulid(20);

    fn created() -> TemplateEvent {
        TemplateEvent::Created(TemplateCreated {
            template_id: ID,
            name: "Purchases".into(),
            user_ids: [ANN].into(),
            group_ids: [CAB].into(),
            rule: ApprovalRule::Quorum(2),
            at: NOW,
        })
    }

    #[test]
    fn create_claims_the_name() {
        given::<TemplateAggregate>(&[])
            .when(TemplateCommand::Create {
                template_id: ID,
                name: " Purchases ".into(),
                user_ids: [ANN].into(),
                group_ids: [CAB].into(),
                rule: ApprovalRule::Quorum(2),
            })
            .then(vec![created()]);
        assert_eq!(claims(&created()).len(), 1);
    }

    #[test]
    fn a_template_needs_a_voter_and_a_possible_quorum() {
        let create = |users: &[Ulid], rule| TemplateCommand::Create {
            template_id: ID,
            name: "x".into(),
            user_ids: users.iter().copied().collect(),
            group_ids: BTreeSet::new(),
            rule,
        };
        given::<TemplateAggregate>(&[])
            .when(create(&[], ApprovalRule::All))
            .then_err(CommonError::Invalid {
                field: "user_ids",
                reason: "a template needs at least one user or group",
            });
        given::<TemplateAggregate>(&[])
            .when(create(&[ANN], ApprovalRule::Quorum(0)))
            .then_err(CommonError::Invalid {
                field: "rule",
                reason: "a quorum must be at least 1",
            });
        // Removing the last group of a template whose user is gone is refused too.
        given::<TemplateAggregate>(&[
            created(),
            TemplateEvent::UserRemoved(UserLink { user_id: ANN }),
        ])
        .when(TemplateCommand::LinkGroups {
            op: LinkOp::Remove(CAB),
        })
        .then_err(CommonError::Invalid {
            field: "user_ids",
            reason: "a template needs at least one user or group",
        });
    }

    #[test]
    fn voters_and_rule_change_and_a_deleted_template_refuses_everything() {
        let state = given::<TemplateAggregate>(&[created()])
            .when(TemplateCommand::LinkUsers {
                op: LinkOp::Replace([BOB].into()),
            })
            .then_state();
        assert_eq!(state.user_ids, [BOB].into());
        given::<TemplateAggregate>(&[created()])
            .when(TemplateCommand::SetRule {
                rule: ApprovalRule::Any,
            })
            .then(vec![TemplateEvent::RuleChanged(Change {
                old: ApprovalRule::Quorum(2),
                new: ApprovalRule::Any,
            })]);
        given::<TemplateAggregate>(&[created()])
            .when(TemplateCommand::SetRule {
                rule: ApprovalRule::Quorum(2),
            })
            .then(vec![]);
        let deleted = given::<TemplateAggregate>(&[created()])
            .when(TemplateCommand::Delete)
            .then_state();
        assert_eq!(deleted.lifecycle, Lifecycle::Deleted);
        given::<TemplateAggregate>(&[
            created(),
            TemplateEvent::Deleted(Removed {
                name: "Purchases".into(),
                replacement_id: None,
                at: NOW,
            }),
        ])
        .when(TemplateCommand::Rename { name: "y".into() })
        .then_err(CommonError::Deleted);
    }

    #[test]
    fn every_event_round_trips() {
        testkit::assert_round_trips(
            &[
                created(),
                TemplateEvent::Renamed(Renamed {
                    old_name: "a".into(),
                    name: "b".into(),
                }),
                TemplateEvent::UserAdded(UserLink { user_id: BOB }),
                TemplateEvent::UserRemoved(UserLink { user_id: BOB }),
                TemplateEvent::GroupAdded(GroupLink { group_id: CAB }),
                TemplateEvent::GroupRemoved(GroupLink { group_id: CAB }),
                TemplateEvent::RuleChanged(Change {
                    old: ApprovalRule::All,
                    new: ApprovalRule::Quorum(3),
                }),
                TemplateEvent::Deleted(Removed {
                    name: "b".into(),
                    replacement_id: None,
                    at: NOW,
                }),
            ],
            TemplateEvent::EVENT_TYPES,
        );
    }

    fn arb_rule() -> impl Strategy<Value = ApprovalRule> {
        prop_oneof![
            Just(ApprovalRule::All),
            Just(ApprovalRule::Any),
            (0u32..4).prop_map(ApprovalRule::Quorum),
        ]
    }

    fn arb_command() -> impl Strategy<Value = TemplateCommand> {
        prop_oneof![
            (arb_name(), arb_ids(), arb_ids(), arb_rule()).prop_map(
                |(name, user_ids, group_ids, rule)| TemplateCommand::Create {
                    template_id: ID,
                    name,
                    user_ids,
                    group_ids,
                    rule,
                }
            ),
            arb_name().prop_map(|name| TemplateCommand::Rename { name }),
            arb_link_op().prop_map(|op| TemplateCommand::LinkUsers { op }),
            arb_link_op().prop_map(|op| TemplateCommand::LinkGroups { op }),
            arb_rule().prop_map(|rule| TemplateCommand::SetRule { rule }),
            arb_id().prop_map(|_| TemplateCommand::Delete),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..25)) {
            testkit::check_replay::<TemplateAggregate>(&commands)?;
        }
    }
}
