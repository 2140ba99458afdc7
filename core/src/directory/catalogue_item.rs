//! Simple named lists, one generic aggregate for all of them: sources or modes (mail, portal,
//! phone), urgencies, impacts, closure codes, tags, and time-tracking categories (InvGate,
//! with a cost per hour, stored in cents, and an optional parent category).
//!
//! Each kind has its own stream kind and its own claim scope (`source.name`, `tag.name`, ...);
//! the events are shared (`catalogue_item.*`) and say their kind at creation.

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::values::Name;
use super::{
    decide_delete, decide_describe, decide_rename, name_claims, parse_description, CommandContext,
    CommonError, Lifecycle, NameFact, Removed, Renamed,
};
use crate::envelope::UniqueClaim;
use crate::ids::{StreamKind, Timestamp};

/// Which list an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ItemKind {
    /// A source or mode.
    Source,
    /// An urgency level.
    Urgency,
    /// An impact level.
    Impact,
    /// A closure code.
    ClosureCode,
    /// A tag.
    Tag,
    /// A time-tracking category (has a cost per hour).
    TimeCategory,
}

impl ItemKind {
    /// Every kind.
    pub const ALL: [ItemKind; 6] = [
        ItemKind::Source,
        ItemKind::Urgency,
        ItemKind::Impact,
        ItemKind::ClosureCode,
        ItemKind::Tag,
        ItemKind::TimeCategory,
    ];

    /// The stream kind items of this kind live in.
    pub fn stream_kind(self) -> StreamKind {
        match self {
            ItemKind::Source => StreamKind::Source,
            ItemKind::Urgency => StreamKind::Urgency,
            ItemKind::Impact => StreamKind::Impact,
            ItemKind::ClosureCode => StreamKind::ClosureCode,
            ItemKind::Tag => StreamKind::Tag,
            ItemKind::TimeCategory => StreamKind::TimeCategory,
        }
    }

    /// The claim scope of names of this kind.
    pub fn name_scope(self) -> &'static str {
        match self {
            ItemKind::Source => "source.name",
            ItemKind::Urgency => "urgency.name",
            ItemKind::Impact => "impact.name",
            ItemKind::ClosureCode => "closure_code.name",
            ItemKind::Tag => "tag.name",
            ItemKind::TimeCategory => "time_category.name",
        }
    }
}

/// An item, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemState {
    /// Where the item stands in its life.
    pub lifecycle: Lifecycle,
    /// The item's id.
    pub id: Ulid,
    /// Its kind (`None` before creation).
    pub kind: Option<ItemKind>,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Time categories: cost of one working hour, in cents.
    pub cost_per_hour_cents: Option<u64>,
    /// Time categories: the parent category.
    pub parent_id: Option<Ulid>,
}

/// What can be asked of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemCommand {
    /// Create the item.
    Create {
        /// The item's id.
        item_id: Ulid,
        /// Its kind.
        kind: ItemKind,
        /// Its name.
        name: String,
        /// Its description.
        description: Option<String>,
        /// Time categories only: cost per hour in cents.
        cost_per_hour_cents: Option<u64>,
        /// Time categories only: parent category.
        parent_id: Option<Ulid>,
    },
    /// Rename it.
    Rename {
        /// The new name.
        name: String,
    },
    /// Replace its description.
    Describe {
        /// The new description (empty: none).
        description: Option<String>,
    },
    /// Set the cost per hour of a time category.
    SetCostPerHour {
        /// Cents per hour.
        cost_per_hour_cents: Option<u64>,
    },
    /// Delete it.
    Delete {
        /// Open tickets (or time entries) using it (resolved by the caller).
        open_ticket_references: u64,
        /// The item those references move to.
        replacement_id: Option<Ulid>,
    },
}

/// Why an item command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    /// Validation or lifecycle refusal.
    #[error(transparent)]
    Common(#[from] CommonError),
    /// Only time categories have a cost per hour or a parent.
    #[error("only time categories have a cost per hour or a parent, not {0:?}")]
    NotATimeCategory(ItemKind),
}

/// An item was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemCreated {
    /// The item's id.
    pub item_id: Ulid,
    /// Its kind.
    pub kind: ItemKind,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Cost per hour in cents (time categories).
    pub cost_per_hour_cents: Option<u64>,
    /// Parent category (time categories).
    pub parent_id: Option<Ulid>,
    /// When.
    pub at: Timestamp,
}

pub use super::Described;

/// A cost per hour changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostChanged {
    /// Cents per hour.
    pub cost_per_hour_cents: Option<u64>,
}

/// A renamed item, with its kind (needed to know the claim scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindRenamed {
    /// The item's kind.
    pub kind: ItemKind,
    /// The rename.
    pub renamed: Renamed,
}

/// A deleted item, with its kind (needed to know the claim scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindRemoved {
    /// The item's kind.
    pub kind: ItemKind,
    /// The deletion.
    pub removed: Removed,
}

event_enum! {
    /// Everything that can happen to a catalogue item.
    pub enum ItemEvent {
        /// `catalogue_item.created`
        Created(ItemCreated) = "catalogue_item.created",
        /// `catalogue_item.renamed`
        Renamed(KindRenamed) = "catalogue_item.renamed",
        /// `catalogue_item.described`
        Described(Described) = "catalogue_item.described",
        /// `catalogue_item.cost_changed`
        CostChanged(CostChanged) = "catalogue_item.cost_changed",
        /// `catalogue_item.deleted`
        Deleted(KindRemoved) = "catalogue_item.deleted",
    }
}

aggregate!(
    /// The catalogue-item aggregate, for generic command handling.
    ItemAggregate,
    ItemState,
    ItemCommand,
    ItemEvent,
    ItemError
);

fn time_only(kind: ItemKind, extras: bool) -> Result<(), ItemError> {
    if extras && kind != ItemKind::TimeCategory {
        return Err(ItemError::NotATimeCategory(kind));
    }
    Ok(())
}

/// Decides the events of an item command, or refuses it.
pub fn decide(
    state: &ItemState,
    command: &ItemCommand,
    ctx: &CommandContext,
) -> Result<Vec<ItemEvent>, ItemError> {
    if let ItemCommand::Create {
        item_id,
        kind,
        name,
        description,
        cost_per_hour_cents,
        parent_id,
    } = command
    {
        state.lifecycle.require_new()?;
        time_only(*kind, cost_per_hour_cents.is_some() || parent_id.is_some())?;
        if *parent_id == Some(*item_id) {
            return Err(CommonError::SelfReference { field: "parent_id" }.into());
        }
        return Ok(vec![ItemEvent::Created(ItemCreated {
            item_id: *item_id,
            kind: *kind,
            name: Name::parse("name", name)?.into_inner(),
            description: parse_description(description.as_deref())?,
            cost_per_hour_cents: *cost_per_hour_cents,
            parent_id: *parent_id,
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    let kind = state.kind.unwrap_or(ItemKind::Tag);
    match command {
        ItemCommand::Create { .. } => Err(CommonError::AlreadyExists.into()),
        ItemCommand::Rename { name } => Ok(decide_rename(&state.name, name, |renamed| {
            ItemEvent::Renamed(KindRenamed { kind, renamed })
        })?),
        ItemCommand::Describe { description } => Ok(decide_describe(
            &state.description,
            description.as_deref(),
            ItemEvent::Described,
        )?),
        ItemCommand::SetCostPerHour {
            cost_per_hour_cents,
        } => {
            time_only(kind, true)?;
            let changed =
                (*cost_per_hour_cents != state.cost_per_hour_cents).then_some(CostChanged {
                    cost_per_hour_cents: *cost_per_hour_cents,
                });
            Ok(changed.map(ItemEvent::CostChanged).into_iter().collect())
        }
        ItemCommand::Delete {
            open_ticket_references,
            replacement_id,
        } => Ok(decide_delete(
            state.id,
            &state.name,
            *open_ticket_references,
            *replacement_id,
            ctx,
            |removed| ItemEvent::Deleted(KindRemoved { kind, removed }),
        )?),
    }
}

/// Applies one item event. Never panics.
pub fn evolve(mut state: ItemState, event: &ItemEvent) -> ItemState {
    match event {
        ItemEvent::Created(e) => {
            state = ItemState {
                lifecycle: Lifecycle::Active,
                id: e.item_id,
                kind: Some(e.kind),
                name: e.name.clone(),
                description: e.description.clone(),
                cost_per_hour_cents: e.cost_per_hour_cents,
                parent_id: e.parent_id,
            };
        }
        ItemEvent::Renamed(e) => state.name = e.renamed.name.clone(),
        ItemEvent::Described(e) => state.description = e.description.clone(),
        ItemEvent::CostChanged(e) => state.cost_per_hour_cents = e.cost_per_hour_cents,
        ItemEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// The unique values an item event takes or gives back (in its kind's scope).
pub fn claims(event: &ItemEvent) -> Vec<UniqueClaim> {
    match event {
        ItemEvent::Created(e) => name_claims(e.kind.name_scope(), NameFact::Created(&e.name)),
        ItemEvent::Renamed(e) => name_claims(e.kind.name_scope(), NameFact::Renamed(&e.renamed)),
        ItemEvent::Deleted(e) => name_claims(e.kind.name_scope(), NameFact::Removed(&e.removed)),
        ItemEvent::Described(_) | ItemEvent::CostChanged(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::claim;
    use crate::directory::testkit::{self, arb_delete, arb_name, given, NOW};
    use proptest::prelude::*;

    const ID: Ulid = Ulid(6);

    fn create(kind: ItemKind, cost: Option<u64>) -> ItemCommand {
        ItemCommand::Create {
            item_id: ID,
            kind,
            name: "Phone".into(),
            description: None,
            cost_per_hour_cents: cost,
            parent_id: None,
        }
    }

    fn created(kind: ItemKind, cost: Option<u64>) -> ItemEvent {
        ItemEvent::Created(ItemCreated {
            item_id: ID,
            kind,
            name: "Phone".into(),
            description: None,
            cost_per_hour_cents: cost,
            parent_id: None,
            at: NOW,
        })
    }

    #[test]
    fn each_kind_claims_in_its_own_scope() {
        for kind in ItemKind::ALL {
            given::<ItemAggregate>(&[])
                .when(create(kind, None))
                .then(vec![created(kind, None)]);
            assert_eq!(
                claims(&created(kind, None)),
                vec![claim(kind.name_scope(), "phone")]
            );
        }
    }

    #[test]
    fn only_time_categories_have_a_cost() {
        given::<ItemAggregate>(&[])
            .when(create(ItemKind::TimeCategory, Some(92_900)))
            .then(vec![created(ItemKind::TimeCategory, Some(92_900))]);
        given::<ItemAggregate>(&[])
            .when(create(ItemKind::Tag, Some(1)))
            .then_err(ItemError::NotATimeCategory(ItemKind::Tag));
        given::<ItemAggregate>(&[created(ItemKind::Source, None)])
            .when(ItemCommand::SetCostPerHour {
                cost_per_hour_cents: Some(5),
            })
            .then_err(ItemError::NotATimeCategory(ItemKind::Source));
        given::<ItemAggregate>(&[created(ItemKind::TimeCategory, None)])
            .when(ItemCommand::SetCostPerHour {
                cost_per_hour_cents: Some(50_000),
            })
            .then(vec![ItemEvent::CostChanged(CostChanged {
                cost_per_hour_cents: Some(50_000),
            })]);
    }

    #[test]
    fn rename_describe_and_delete() {
        let given_tag = [created(ItemKind::Tag, None)];
        given::<ItemAggregate>(&given_tag)
            .when(ItemCommand::Rename {
                name: "Mobile".into(),
            })
            .then(vec![ItemEvent::Renamed(KindRenamed {
                kind: ItemKind::Tag,
                renamed: Renamed {
                    old_name: "Phone".into(),
                    name: "Mobile".into(),
                },
            })]);
        given::<ItemAggregate>(&given_tag)
            .when(ItemCommand::Describe {
                description: Some("calls".into()),
            })
            .then(vec![ItemEvent::Described(Described {
                description: Some("calls".into()),
            })]);
        given::<ItemAggregate>(&given_tag)
            .when(ItemCommand::Delete {
                open_ticket_references: 3,
                replacement_id: None,
            })
            .then_err(CommonError::StillReferenced { references: 3 });
        given::<ItemAggregate>(&[])
            .when(ItemCommand::Rename { name: "x".into() })
            .then_err(CommonError::NotFound);
    }

    #[test]
    fn every_event_round_trips() {
        testkit::assert_round_trips(
            &[
                created(ItemKind::TimeCategory, Some(1)),
                ItemEvent::Renamed(KindRenamed {
                    kind: ItemKind::Urgency,
                    renamed: Renamed {
                        old_name: "a".into(),
                        name: "b".into(),
                    },
                }),
                ItemEvent::Described(Described { description: None }),
                ItemEvent::CostChanged(CostChanged {
                    cost_per_hour_cents: None,
                }),
                ItemEvent::Deleted(KindRemoved {
                    kind: ItemKind::Impact,
                    removed: Removed {
                        name: "b".into(),
                        replacement_id: None,
                        at: NOW,
                    },
                }),
            ],
            ItemEvent::EVENT_TYPES,
        );
    }

    fn arb_command() -> impl Strategy<Value = ItemCommand> {
        let kind = proptest::sample::select(ItemKind::ALL.to_vec());
        let cost = proptest::option::of(0u64..10);
        prop_oneof![
            (kind, arb_name(), cost.clone()).prop_map(|(kind, name, cost)| ItemCommand::Create {
                item_id: ID,
                kind,
                name,
                description: None,
                cost_per_hour_cents: cost,
                parent_id: None,
            }),
            arb_name().prop_map(|name| ItemCommand::Rename { name }),
            proptest::option::of(arb_name())
                .prop_map(|description| ItemCommand::Describe { description }),
            cost.prop_map(|cost_per_hour_cents| ItemCommand::SetCostPerHour {
                cost_per_hour_cents
            }),
            arb_delete().prop_map(|(r, replacement_id)| ItemCommand::Delete {
                open_ticket_references: r,
                replacement_id,
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..20)) {
            testkit::check_replay::<ItemAggregate>(&commands)?;
        }
    }
}
