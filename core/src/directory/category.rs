//! Category trees: ticket categories (SDP category, subcategory and item are three levels of
//! one tree; InvGate categories have a `parent_id`) and knowledge-base categories. Both are the
//! same aggregate; [`TreeKind`] says which tree a node belongs to and which stream kind holds
//! it (`category` or `kbcategory`).
//!
//! The tree stays acyclic: a move names the new parent's ancestors (read by the caller) and is
//! refused if the node is among them. A node with children cannot be deleted.
//! No unique claims: names are free (siblings may clash; the read model flags it).

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::values::Name;
use super::{
    decide_move, decide_rename, guard_parent, guard_tree_delete, CommandContext, CommonError,
    Lifecycle, Renamed,
};
use crate::envelope::UniqueClaim;
use crate::ids::{StreamKind, Timestamp};

/// Which tree a category belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TreeKind {
    /// Ticket categories.
    #[default]
    Ticket,
    /// Knowledge-base categories.
    Knowledge,
}

impl TreeKind {
    /// The stream kind nodes of this tree live in.
    pub fn stream_kind(self) -> StreamKind {
        match self {
            TreeKind::Ticket => StreamKind::Category,
            TreeKind::Knowledge => StreamKind::KbCategory,
        }
    }
}

/// A category, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CategoryState {
    /// Where the category stands in its life.
    pub lifecycle: Lifecycle,
    /// The category's id.
    pub id: Ulid,
    /// Which tree.
    pub kind: TreeKind,
    /// Its name.
    pub name: String,
    /// Its parent (`None`: a root).
    pub parent_id: Option<Ulid>,
}

/// What can be asked of a category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryCommand {
    /// Create the category.
    Create {
        /// The category's id.
        category_id: Ulid,
        /// Which tree.
        kind: TreeKind,
        /// Its name.
        name: String,
        /// Its parent.
        parent_id: Option<Ulid>,
    },
    /// Rename it.
    Rename {
        /// The new name.
        name: String,
    },
    /// Move it under another parent (or to the root).
    Move {
        /// The new parent.
        parent_id: Option<Ulid>,
        /// The new parent's ancestors, root first (resolved by the caller).
        parent_ancestors: Vec<Ulid>,
    },
    /// Delete it.
    Delete {
        /// How many live children it has (resolved by the caller).
        child_count: u64,
        /// Open tickets (or articles) in it (resolved by the caller).
        open_ticket_references: u64,
        /// Where those move to.
        replacement_id: Option<Ulid>,
    },
}

/// Why a category command is refused (children block a delete: [`CommonError::HasChildren`]).
pub type CategoryError = CommonError;

/// A category was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCreated {
    /// The category's id.
    pub category_id: Ulid,
    /// Which tree.
    pub kind: TreeKind,
    /// Its name.
    pub name: String,
    /// Its parent.
    pub parent_id: Option<Ulid>,
    /// When.
    pub at: Timestamp,
}

pub use super::Moved;

/// A category was deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryDeleted {
    /// Where references move to.
    pub replacement_id: Option<Ulid>,
    /// When.
    pub at: Timestamp,
}

event_enum! {
    /// Everything that can happen to a category.
    pub enum CategoryEvent {
        /// `category.created`
        Created(CategoryCreated) = "category.created",
        /// `category.renamed`
        Renamed(Renamed) = "category.renamed",
        /// `category.moved`
        Moved(Moved) = "category.moved",
        /// `category.deleted`
        Deleted(CategoryDeleted) = "category.deleted",
    }
}

aggregate!(
    /// The category aggregate, for generic command handling.
    CategoryAggregate,
    CategoryState,
    CategoryCommand,
    CategoryEvent,
    CategoryError
);

/// Decides the events of a category command, or refuses it.
pub fn decide(
    state: &CategoryState,
    command: &CategoryCommand,
    ctx: &CommandContext,
) -> Result<Vec<CategoryEvent>, CategoryError> {
    if let CategoryCommand::Create {
        category_id,
        kind,
        name,
        parent_id,
    } = command
    {
        state.lifecycle.require_new()?;
        guard_parent(*category_id, *parent_id, &[])?;
        return Ok(vec![CategoryEvent::Created(CategoryCreated {
            category_id: *category_id,
            kind: *kind,
            name: Name::parse("name", name)?.into_inner(),
            parent_id: *parent_id,
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    match command {
        CategoryCommand::Create { .. } => Err(CommonError::AlreadyExists),
        CategoryCommand::Rename { name } => {
            decide_rename(&state.name, name, CategoryEvent::Renamed)
        }
        CategoryCommand::Move {
            parent_id,
            parent_ancestors,
        } => Ok(
            decide_move(state.id, state.parent_id, *parent_id, parent_ancestors)?
                .map(CategoryEvent::Moved)
                .into_iter()
                .collect(),
        ),
        CategoryCommand::Delete {
            child_count,
            open_ticket_references,
            replacement_id,
        } => {
            guard_tree_delete(
                state.id,
                *child_count,
                *open_ticket_references,
                *replacement_id,
            )?;
            Ok(vec![CategoryEvent::Deleted(CategoryDeleted {
                replacement_id: *replacement_id,
                at: ctx.now,
            })])
        }
    }
}

/// Applies one category event. Never panics.
pub fn evolve(mut state: CategoryState, event: &CategoryEvent) -> CategoryState {
    match event {
        CategoryEvent::Created(e) => {
            state = CategoryState {
                lifecycle: Lifecycle::Active,
                id: e.category_id,
                kind: e.kind,
                name: e.name.clone(),
                parent_id: e.parent_id,
            };
        }
        CategoryEvent::Renamed(e) => state.name = e.name.clone(),
        CategoryEvent::Moved(e) => state.parent_id = e.parent_id,
        CategoryEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// Category events claim nothing: names are free within the tree.
pub fn claims(_event: &CategoryEvent) -> Vec<UniqueClaim> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::testkit::{self, arb_delete, arb_id, arb_name, given, NOW};
    use proptest::prelude::*;

    const ID: Ulid = Ulid(1);
    const HARDWARE: Ulid = Ulid(2);
    const PRINTERS: Ulid = Ulid(3);

    fn created() -> CategoryEvent {
        CategoryEvent::Created(CategoryCreated {
            category_id: ID,
            kind: TreeKind::Ticket,
            name: "Laser".into(),
            parent_id: Some(PRINTERS),
            at: NOW,
        })
    }

    #[test]
    fn create_a_subcategory() {
        given::<CategoryAggregate>(&[])
            .when(CategoryCommand::Create {
                category_id: ID,
                kind: TreeKind::Ticket,
                name: "Laser".into(),
                parent_id: Some(PRINTERS),
            })
            .then(vec![created()]);
        assert_eq!(TreeKind::Knowledge.stream_kind(), StreamKind::KbCategory);
    }

    #[test]
    fn moves_keep_the_tree_acyclic() {
        given::<CategoryAggregate>(&[created()])
            .when(CategoryCommand::Move {
                parent_id: Some(HARDWARE),
                parent_ancestors: vec![],
            })
            .then(vec![CategoryEvent::Moved(Moved {
                old_parent_id: Some(PRINTERS),
                parent_id: Some(HARDWARE),
            })]);
        given::<CategoryAggregate>(&[created()])
            .when(CategoryCommand::Move {
                parent_id: Some(Ulid(9)),
                parent_ancestors: vec![HARDWARE, ID],
            })
            .then_err(CommonError::Cycle { parent_id: Ulid(9) });
        given::<CategoryAggregate>(&[created()])
            .when(CategoryCommand::Move {
                parent_id: Some(ID),
                parent_ancestors: vec![],
            })
            .then_err(CommonError::SelfReference { field: "parent_id" });
    }

    #[test]
    fn delete_refuses_parents_and_referenced_nodes() {
        let delete = |child_count, refs| CategoryCommand::Delete {
            child_count,
            open_ticket_references: refs,
            replacement_id: None,
        };
        given::<CategoryAggregate>(&[created()])
            .when(delete(2, 0))
            .then_err(CommonError::HasChildren { children: 2 });
        given::<CategoryAggregate>(&[created()])
            .when(delete(0, 1))
            .then_err(CommonError::StillReferenced { references: 1 });
        given::<CategoryAggregate>(&[created()])
            .when(delete(0, 0))
            .then(vec![CategoryEvent::Deleted(CategoryDeleted {
                replacement_id: None,
                at: NOW,
            })]);
    }

    #[test]
    fn every_event_round_trips() {
        testkit::assert_round_trips(
            &[
                created(),
                CategoryEvent::Renamed(Renamed {
                    old_name: "a".into(),
                    name: "b".into(),
                }),
                CategoryEvent::Moved(Moved {
                    old_parent_id: None,
                    parent_id: Some(ID),
                }),
                CategoryEvent::Deleted(CategoryDeleted {
                    replacement_id: Some(ID),
                    at: NOW,
                }),
            ],
            CategoryEvent::EVENT_TYPES,
        );
    }

    fn arb_command() -> impl Strategy<Value = CategoryCommand> {
        let kind = prop_oneof![Just(TreeKind::Ticket), Just(TreeKind::Knowledge)];
        let parent = proptest::option::of(arb_id());
        prop_oneof![
            (kind, arb_name(), parent.clone()).prop_map(|(kind, name, parent_id)| {
                CategoryCommand::Create {
                    category_id: Ulid(1),
                    kind,
                    name,
                    parent_id,
                }
            }),
            arb_name().prop_map(|name| CategoryCommand::Rename { name }),
            (parent, proptest::collection::vec(arb_id(), 0..3)).prop_map(
                |(parent_id, parent_ancestors)| CategoryCommand::Move {
                    parent_id,
                    parent_ancestors,
                }
            ),
            (0u64..2, arb_delete()).prop_map(|(child_count, (r, replacement_id))| {
                CategoryCommand::Delete {
                    child_count,
                    open_ticket_references: r,
                    replacement_id,
                }
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..20)) {
            testkit::check_replay::<CategoryAggregate>(&commands)?;
        }
    }
}
