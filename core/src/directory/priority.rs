//! Ticket priorities: a name, a colour (Trudesk `htmlColor`) and SLA targets: Trudesk's
//! `overdueIn` minutes, first-response and resolution targets, and the business-hours calendar
//! they are counted in (none: round the clock).
//!
//! Trudesk asks for a replacement priority before deleting one that tickets use; so do we.
//! Unique values: `priority.name`.

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::values::{Colour, Name};
use super::{
    decide_delete, decide_rename, name_claims, CommandContext, CommonError, Lifecycle, NameFact,
    Removed, Renamed,
};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;

/// Claim scope of priority names.
pub const NAME_SCOPE: &str = "priority.name";
/// The longest SLA target: one year, in minutes.
pub const TARGET_MAX_MINUTES: u32 = 525_600;

/// A priority's SLA targets, in minutes (business minutes when a calendar is set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlaTargets {
    /// Trudesk `overdueIn`: a New or Open ticket not updated for this long is overdue.
    pub overdue_in_minutes: Option<u32>,
    /// Time to the first agent response.
    pub first_response_minutes: Option<u32>,
    /// Time to resolution.
    pub resolution_minutes: Option<u32>,
    /// The business-hours calendar the targets count in.
    pub calendar_id: Option<Ulid>,
}

impl SlaTargets {
    /// Refuses zero or over-long targets.
    pub fn validate(self) -> Result<SlaTargets, CommonError> {
        let check = |field, value: Option<u32>| match value {
            Some(0) => Err(CommonError::Invalid {
                field,
                reason: "must be at least one minute",
            }),
            Some(v) if v > TARGET_MAX_MINUTES => Err(CommonError::Invalid {
                field,
                reason: "must be at most one year",
            }),
            _ => Ok(()),
        };
        check("overdue_in_minutes", self.overdue_in_minutes)?;
        check("first_response_minutes", self.first_response_minutes)?;
        check("resolution_minutes", self.resolution_minutes)?;
        Ok(self)
    }
}

/// A priority, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PriorityState {
    /// Where the priority stands in its life.
    pub lifecycle: Lifecycle,
    /// The priority's id.
    pub id: Ulid,
    /// Its name.
    pub name: String,
    /// Its colour, `#rrggbb`.
    pub colour: String,
    /// Its SLA targets.
    pub sla: SlaTargets,
}

/// What can be asked of a priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriorityCommand {
    /// Create the priority.
    Create {
        /// The priority's id.
        priority_id: Ulid,
        /// Its name.
        name: String,
        /// Its colour.
        colour: String,
        /// Its SLA targets.
        sla: SlaTargets,
    },
    /// Rename it.
    Rename {
        /// The new name.
        name: String,
    },
    /// Change its colour.
    Recolour {
        /// The new colour.
        colour: String,
    },
    /// Replace its SLA targets.
    SetSla {
        /// The new targets.
        sla: SlaTargets,
    },
    /// Delete it.
    Delete {
        /// Open tickets with this priority (resolved by the caller).
        open_ticket_references: u64,
        /// The priority those tickets move to.
        replacement_id: Option<Ulid>,
    },
}

/// Why a priority command is refused.
pub type PriorityError = CommonError;

/// A priority was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityCreated {
    /// The priority's id.
    pub priority_id: Ulid,
    /// Its name.
    pub name: String,
    /// Its colour.
    pub colour: String,
    /// Its SLA targets.
    pub sla: SlaTargets,
    /// When.
    pub at: Timestamp,
}

/// A colour changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recoloured {
    /// The new colour.
    pub colour: String,
}

/// SLA targets were replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaChanged {
    /// The new targets.
    pub sla: SlaTargets,
}

event_enum! {
    /// Everything that can happen to a priority.
    pub enum PriorityEvent {
        /// `priority.created`
        Created(PriorityCreated) = "priority.created",
        /// `priority.renamed`
        Renamed(Renamed) = "priority.renamed",
        /// `priority.recoloured`
        Recoloured(Recoloured) = "priority.recoloured",
        /// `priority.sla_changed`
        SlaChanged(SlaChanged) = "priority.sla_changed",
        /// `priority.deleted`
        Deleted(Removed) = "priority.deleted",
    }
}

aggregate!(
    /// The priority aggregate, for generic command handling.
    PriorityAggregate,
    PriorityState,
    PriorityCommand,
    PriorityEvent,
    PriorityError
);

/// Decides the events of a priority command, or refuses it.
pub fn decide(
    state: &PriorityState,
    command: &PriorityCommand,
    ctx: &CommandContext,
) -> Result<Vec<PriorityEvent>, PriorityError> {
    if let PriorityCommand::Create {
        priority_id,
        name,
        colour,
        sla,
    } = command
    {
        state.lifecycle.require_new()?;
        return Ok(vec![PriorityEvent::Created(PriorityCreated {
            priority_id: *priority_id,
            name: Name::parse("name", name)?.into_inner(),
            colour: Colour::parse("colour", colour)?.into_inner(),
            sla: sla.validate()?,
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    match command {
        PriorityCommand::Create { .. } => Err(CommonError::AlreadyExists),
        PriorityCommand::Rename { name } => {
            decide_rename(&state.name, name, PriorityEvent::Renamed)
        }
        PriorityCommand::Recolour { colour } => {
            let colour = Colour::parse("colour", colour)?.into_inner();
            let changed = (colour != state.colour).then_some(Recoloured { colour });
            Ok(changed.map(PriorityEvent::Recoloured).into_iter().collect())
        }
        PriorityCommand::SetSla { sla } => {
            let sla = sla.validate()?;
            let changed = (sla != state.sla).then_some(SlaChanged { sla });
            Ok(changed.map(PriorityEvent::SlaChanged).into_iter().collect())
        }
        PriorityCommand::Delete {
            open_ticket_references,
            replacement_id,
        } => decide_delete(
            state.id,
            &state.name,
            *open_ticket_references,
            *replacement_id,
            ctx,
            PriorityEvent::Deleted,
        ),
    }
}

/// Applies one priority event. Never panics.
pub fn evolve(mut state: PriorityState, event: &PriorityEvent) -> PriorityState {
    match event {
        PriorityEvent::Created(e) => {
            state = PriorityState {
                lifecycle: Lifecycle::Active,
                id: e.priority_id,
                name: e.name.clone(),
                colour: e.colour.clone(),
                sla: e.sla,
            };
        }
        PriorityEvent::Renamed(e) => state.name = e.name.clone(),
        PriorityEvent::Recoloured(e) => state.colour = e.colour.clone(),
        PriorityEvent::SlaChanged(e) => state.sla = e.sla,
        PriorityEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// The unique values a priority event takes or gives back.
pub fn claims(event: &PriorityEvent) -> Vec<UniqueClaim> {
    let fact = match event {
        PriorityEvent::Created(e) => NameFact::Created(&e.name),
        PriorityEvent::Renamed(e) => NameFact::Renamed(e),
        PriorityEvent::Deleted(e) => NameFact::Removed(e),
        PriorityEvent::Recoloured(_) | PriorityEvent::SlaChanged(_) => NameFact::Untouched,
    };
    name_claims(NAME_SCOPE, fact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::testkit::{self, arb_delete, arb_name, given, NOW};
    use proptest::prelude::*;

    const ID: Ulid = Ulid(9);

    fn sla() -> SlaTargets {
        SlaTargets {
            overdue_in_minutes: Some(2880),
            first_response_minutes: Some(60),
            resolution_minutes: None,
            calendar_id: Some(Ulid(3)),
        }
    }

    fn created() -> PriorityEvent {
        PriorityEvent::Created(PriorityCreated {
            priority_id: ID,
            name: "Urgent".into(),
            colour: "#8e44ad".into(),
            sla: sla(),
            at: NOW,
        })
    }

    #[test]
    fn create_with_overdue_in_and_targets() {
        given::<PriorityAggregate>(&[])
            .when(PriorityCommand::Create {
                priority_id: ID,
                name: "Urgent".into(),
                colour: "#8E44AD".into(),
                sla: sla(),
            })
            .then(vec![created()]);
    }

    #[test]
    fn bad_colours_and_zero_targets_are_refused() {
        let create = |colour: &str, sla| PriorityCommand::Create {
            priority_id: ID,
            name: "Urgent".into(),
            colour: colour.into(),
            sla,
        };
        given::<PriorityAggregate>(&[])
            .when(create("purple", sla()))
            .then_err(CommonError::Invalid {
                field: "colour",
                reason: "expected #rgb or #rrggbb",
            });
        let zero = SlaTargets {
            resolution_minutes: Some(0),
            ..sla()
        };
        given::<PriorityAggregate>(&[])
            .when(create("#fff", zero))
            .then_err(CommonError::Invalid {
                field: "resolution_minutes",
                reason: "must be at least one minute",
            });
    }

    #[test]
    fn recolour_and_change_sla() {
        given::<PriorityAggregate>(&[created()])
            .when(PriorityCommand::Recolour {
                colour: "#000".into(),
            })
            .then(vec![PriorityEvent::Recoloured(Recoloured {
                colour: "#000".into(),
            })]);
        let faster = SlaTargets {
            overdue_in_minutes: Some(60),
            ..sla()
        };
        given::<PriorityAggregate>(&[created()])
            .when(PriorityCommand::SetSla { sla: faster })
            .then(vec![PriorityEvent::SlaChanged(SlaChanged { sla: faster })]);
        given::<PriorityAggregate>(&[created()])
            .when(PriorityCommand::SetSla { sla: sla() })
            .then(vec![]);
    }

    #[test]
    fn delete_asks_for_a_new_priority_like_trudesk() {
        given::<PriorityAggregate>(&[created()])
            .when(PriorityCommand::Delete {
                open_ticket_references: 12,
                replacement_id: None,
            })
            .then_err(CommonError::StillReferenced { references: 12 });
        let state = given::<PriorityAggregate>(&[created()])
            .when(PriorityCommand::Delete {
                open_ticket_references: 12,
                replacement_id: Some(Ulid(10)),
            })
            .then_state();
        assert_eq!(state.lifecycle, Lifecycle::Deleted);
    }

    #[test]
    fn every_event_round_trips() {
        testkit::assert_round_trips(
            &[
                created(),
                PriorityEvent::Renamed(Renamed {
                    old_name: "a".into(),
                    name: "b".into(),
                }),
                PriorityEvent::Recoloured(Recoloured {
                    colour: "#fff".into(),
                }),
                PriorityEvent::SlaChanged(SlaChanged { sla: sla() }),
                PriorityEvent::Deleted(Removed {
                    name: "b".into(),
                    replacement_id: Some(ID),
                    at: NOW,
                }),
            ],
            PriorityEvent::EVENT_TYPES,
        );
    }

    fn arb_command() -> impl Strategy<Value = PriorityCommand> {
        let colour = prop_oneof![
            Just("#fff".to_owned()),
            Just("#ABCDEF".to_owned()),
            Just("x".to_owned())
        ];
        let sla = (0u32..3, proptest::option::of(0u32..100)).prop_map(|(o, r)| SlaTargets {
            overdue_in_minutes: Some(o),
            resolution_minutes: r,
            ..SlaTargets::default()
        });
        prop_oneof![
            (arb_name(), colour.clone(), sla.clone()).prop_map(|(name, colour, sla)| {
                PriorityCommand::Create {
                    priority_id: ID,
                    name,
                    colour,
                    sla,
                }
            }),
            arb_name().prop_map(|name| PriorityCommand::Rename { name }),
            colour.prop_map(|colour| PriorityCommand::Recolour { colour }),
            sla.prop_map(|sla| PriorityCommand::SetSla { sla }),
            arb_delete().prop_map(|(r, replacement_id)| PriorityCommand::Delete {
                open_ticket_references: r,
                replacement_id,
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..20)) {
            testkit::check_replay::<PriorityAggregate>(&commands)?;
        }
    }
}
