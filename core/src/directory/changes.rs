//! Shared shapes of change: a field's old and new value, a description replaced, a node moved
//! in a tree, and the guard of deleting a tree node. Several aggregates need each of them, so
//! the payloads and the rules live here once.

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::values::{optional, LONG_MAX};
use super::{guard_delete, guard_parent, CommonError};

/// A field's value before and after a change (field-level history for auditors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change<T> {
    /// The value before.
    pub old: T,
    /// The value after.
    pub new: T,
}

/// The change from `old` to `new`, or `None` when they are equal (no event for no change).
pub fn change<T: PartialEq + Clone>(old: &T, new: T) -> Option<Change<T>> {
    (*old != new).then(|| Change {
        old: old.clone(),
        new,
    })
}

/// The events of replacing `old` by `new`: one `wrap(new)` when they differ, none otherwise.
pub fn decide_value<T: PartialEq, E>(old: &T, new: T, wrap: impl FnOnce(T) -> E) -> Vec<E> {
    if *old == new {
        Vec::new()
    } else {
        vec![wrap(new)]
    }
}

/// A description was replaced (none: removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Described {
    /// The new description.
    pub description: Option<String>,
}

/// Parses an optional description (empty means none, at most [`LONG_MAX`] characters).
pub fn parse_description(input: Option<&str>) -> Result<Option<String>, CommonError> {
    optional("description", input, LONG_MAX)
}

/// The events of replacing the description `current` with `input`: none when unchanged.
pub fn decide_describe<E>(
    current: &Option<String>,
    input: Option<&str>,
    wrap: impl FnOnce(Described) -> E,
) -> Result<Vec<E>, CommonError> {
    let description = parse_description(input)?;
    Ok(decide_value(current, description, |description| {
        wrap(Described { description })
    }))
}

/// A node moved in its tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    /// The parent before.
    pub old_parent_id: Option<Ulid>,
    /// The parent after.
    pub parent_id: Option<Ulid>,
}

/// The move of node `self_id` from `current` to `parent_id`, refused if it would make a cycle
/// ([`guard_parent`]); `None` when the parent does not change.
pub fn decide_move(
    self_id: Ulid,
    current: Option<Ulid>,
    parent_id: Option<Ulid>,
    parent_ancestors: &[Ulid],
) -> Result<Option<Moved>, CommonError> {
    guard_parent(self_id, parent_id, parent_ancestors)?;
    Ok((parent_id != current).then_some(Moved {
        old_parent_id: current,
        parent_id,
    }))
}

/// Refuses deleting a tree node that still has children, then applies [`guard_delete`].
pub fn guard_tree_delete(
    self_id: Ulid,
    child_count: u64,
    open_ticket_references: u64,
    replacement_id: Option<Ulid>,
) -> Result<(), CommonError> {
    if child_count > 0 {
        return Err(CommonError::HasChildren {
            children: child_count,
        });
    }
    guard_delete(self_id, open_ticket_references, replacement_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_change_no_event() {
        assert_eq!(change(&1, 1), None);
        assert_eq!(change(&1, 2), Some(Change { old: 1, new: 2 }));
        assert!(decide_value(&"a", "a", |v| v).is_empty());
        assert_eq!(
            decide_describe(&None, Some("  "), |d| d),
            Ok(Vec::<Described>::new())
        );
    }

    #[test]
    fn tree_delete_refuses_parents_first() {
        assert_eq!(
            guard_tree_delete(Ulid(1), 2, 5, None),
            Err(CommonError::HasChildren { children: 2 })
        );
        assert_eq!(guard_tree_delete(Ulid(1), 0, 0, None), Ok(()));
        assert_eq!(decide_move(Ulid(1), None, None, &[]), Ok(None));
    }
}
