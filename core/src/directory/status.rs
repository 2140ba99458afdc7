//! The status catalogue. Each status has a name and one fixed [`StatusCategory`]; tickets and
//! the SLA clock reason about the category, dialects show the name (Trudesk's New, Open,
//! Pending, Closed; HelpDeskZ's open, answered, awaiting reply, in progress, closed; ...).
//!
//! A status's category never changes once created: history and SLA projections rely on it.
//! Unique values: `status.name`.

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::values::{optional_colour, Name};
use super::{
    decide_delete, decide_rename, name_claims, CommandContext, CommonError, Lifecycle, NameFact,
    Removed, Renamed,
};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;

/// Claim scope of status names.
pub const NAME_SCOPE: &str = "status.name";

/// What a status means, whatever it is called. Shared with the ticket aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum StatusCategory {
    /// Just opened, nobody looked yet.
    New,
    /// Being looked at.
    Open,
    /// Actively worked on.
    InProgress,
    /// On hold (Trudesk Pending): the SLA clock pauses.
    Pending,
    /// Waiting for the requester, a third party or a date: the SLA clock pauses.
    Waiting,
    /// A solution was given; may be reopened.
    Resolved,
    /// Finished.
    Closed,
    /// Withdrawn.
    Cancelled,
    /// Refused.
    Rejected,
}

impl StatusCategory {
    /// Every category.
    pub const ALL: [StatusCategory; 9] = [
        StatusCategory::New,
        StatusCategory::Open,
        StatusCategory::InProgress,
        StatusCategory::Pending,
        StatusCategory::Waiting,
        StatusCategory::Resolved,
        StatusCategory::Closed,
        StatusCategory::Cancelled,
        StatusCategory::Rejected,
    ];

    /// Whether a ticket in this category still needs work (and can go overdue).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            StatusCategory::New
                | StatusCategory::Open
                | StatusCategory::InProgress
                | StatusCategory::Pending
                | StatusCategory::Waiting
        )
    }

    /// Whether the SLA clock pauses in this category.
    pub fn pauses_sla(self) -> bool {
        matches!(self, StatusCategory::Pending | StatusCategory::Waiting)
    }
}

/// A status, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusState {
    /// Where the status stands in its life.
    pub lifecycle: Lifecycle,
    /// The status's id.
    pub id: Ulid,
    /// Its name.
    pub name: String,
    /// Its fixed category (`None` before creation).
    pub category: Option<StatusCategory>,
    /// Its display colour, if any.
    pub colour: Option<String>,
}

/// What can be asked of a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusCommand {
    /// Create the status.
    Create {
        /// The status's id.
        status_id: Ulid,
        /// Its name.
        name: String,
        /// Its category, fixed for life.
        category: StatusCategory,
        /// Its display colour, if any.
        colour: Option<String>,
    },
    /// Rename it.
    Rename {
        /// The new name.
        name: String,
    },
    /// Delete it.
    Delete {
        /// Open tickets in this status (resolved by the caller).
        open_ticket_references: u64,
        /// The status those tickets move to (same category expected; checked by the caller).
        replacement_id: Option<Ulid>,
    },
}

/// Why a status command is refused.
pub type StatusError = CommonError;

/// A status was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCreated {
    /// The status's id.
    pub status_id: Ulid,
    /// Its name.
    pub name: String,
    /// Its category.
    pub category: StatusCategory,
    /// Its colour.
    pub colour: Option<String>,
    /// When.
    pub at: Timestamp,
}

event_enum! {
    /// Everything that can happen to a status.
    pub enum StatusEvent {
        /// `status.created`
        Created(StatusCreated) = "status.created",
        /// `status.renamed`
        Renamed(Renamed) = "status.renamed",
        /// `status.deleted`
        Deleted(Removed) = "status.deleted",
    }
}

aggregate!(
    /// The status aggregate, for generic command handling.
    StatusAggregate,
    StatusState,
    StatusCommand,
    StatusEvent,
    StatusError
);

/// Decides the events of a status command, or refuses it.
pub fn decide(
    state: &StatusState,
    command: &StatusCommand,
    ctx: &CommandContext,
) -> Result<Vec<StatusEvent>, StatusError> {
    match command {
        StatusCommand::Create {
            status_id,
            name,
            category,
            colour,
        } => {
            state.lifecycle.require_new()?;
            Ok(vec![StatusEvent::Created(StatusCreated {
                status_id: *status_id,
                name: Name::parse("name", name)?.into_inner(),
                category: *category,
                colour: optional_colour("colour", colour.as_deref())?,
                at: ctx.now,
            })])
        }
        StatusCommand::Rename { name } => {
            state.lifecycle.require_active()?;
            decide_rename(&state.name, name, StatusEvent::Renamed)
        }
        StatusCommand::Delete {
            open_ticket_references,
            replacement_id,
        } => {
            state.lifecycle.require_active()?;
            decide_delete(
                state.id,
                &state.name,
                *open_ticket_references,
                *replacement_id,
                ctx,
                StatusEvent::Deleted,
            )
        }
    }
}

/// Applies one status event. Never panics.
pub fn evolve(mut state: StatusState, event: &StatusEvent) -> StatusState {
    match event {
        StatusEvent::Created(e) => {
            state = StatusState {
                lifecycle: Lifecycle::Active,
                id: e.status_id,
                name: e.name.clone(),
                category: Some(e.category),
                colour: e.colour.clone(),
            };
        }
        StatusEvent::Renamed(e) => state.name = e.name.clone(),
        StatusEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// The unique values a status event takes or gives back.
pub fn claims(event: &StatusEvent) -> Vec<UniqueClaim> {
    let fact = match event {
        StatusEvent::Created(e) => NameFact::Created(&e.name),
        StatusEvent::Renamed(e) => NameFact::Renamed(e),
        StatusEvent::Deleted(e) => NameFact::Removed(e),
    };
    name_claims(NAME_SCOPE, fact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::testkit::{self, arb_delete, arb_name, given, NOW};
    use proptest::prelude::*;

    const ID: Ulid = Ulid(2);

    fn created() -> StatusEvent {
        StatusEvent::Created(StatusCreated {
            status_id: ID,
            name: "Awaiting reply".into(),
            category: StatusCategory::Waiting,
            colour: None,
            at: NOW,
        })
    }

    #[test]
    fn create_a_status_in_a_category() {
        let state = given::<StatusAggregate>(&[])
            .when(StatusCommand::Create {
                status_id: ID,
                name: "Awaiting reply".into(),
                category: StatusCategory::Waiting,
                colour: Some("".into()),
            })
            .then_state();
        assert_eq!(state.category, Some(StatusCategory::Waiting));
        assert!(StatusCategory::Waiting.pauses_sla() && StatusCategory::Waiting.is_open());
        assert!(!StatusCategory::Closed.is_open());
    }

    #[test]
    fn rename_keeps_the_category_and_delete_needs_a_replacement() {
        let state = given::<StatusAggregate>(&[created()])
            .when(StatusCommand::Rename {
                name: "Waiting for customer".into(),
            })
            .then_state();
        assert_eq!(state.category, Some(StatusCategory::Waiting));
        given::<StatusAggregate>(&[created()])
            .when(StatusCommand::Delete {
                open_ticket_references: 1,
                replacement_id: None,
            })
            .then_err(CommonError::StillReferenced { references: 1 });
        given::<StatusAggregate>(&[])
            .when(StatusCommand::Rename { name: "x".into() })
            .then_err(CommonError::NotFound);
    }

    #[test]
    fn every_event_round_trips() {
        testkit::assert_round_trips(
            &[
                created(),
                StatusEvent::Renamed(Renamed {
                    old_name: "a".into(),
                    name: "b".into(),
                }),
                StatusEvent::Deleted(Removed {
                    name: "b".into(),
                    replacement_id: None,
                    at: NOW,
                }),
            ],
            StatusEvent::EVENT_TYPES,
        );
    }

    fn arb_command() -> impl Strategy<Value = StatusCommand> {
        let category = proptest::sample::select(StatusCategory::ALL.to_vec());
        prop_oneof![
            (arb_name(), category).prop_map(|(name, category)| StatusCommand::Create {
                status_id: ID,
                name,
                category,
                colour: None,
            }),
            arb_name().prop_map(|name| StatusCommand::Rename { name }),
            arb_delete().prop_map(|(r, replacement_id)| StatusCommand::Delete {
                open_ticket_references: r,
                replacement_id,
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..15)) {
            testkit::check_replay::<StatusAggregate>(&commands)?;
        }
    }
}
