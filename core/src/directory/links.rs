//! Sets of user ids attached to an entity (members, observers, notification recipients) and
//! the shared rules for changing them.

use std::collections::BTreeSet;

use ulid::Ulid;

use super::CommonError;

/// Refuses adding `id` to `set` when it is already there.
pub fn guard_link(set: &BTreeSet<Ulid>, id: Ulid) -> Result<(), CommonError> {
    if set.contains(&id) {
        Err(CommonError::AlreadyLinked { id })
    } else {
        Ok(())
    }
}

/// Refuses removing `id` from `set` when it is not there.
pub fn guard_unlink(set: &BTreeSet<Ulid>, id: Ulid) -> Result<(), CommonError> {
    if set.contains(&id) {
        Ok(())
    } else {
        Err(CommonError::NotLinked { id })
    }
}

/// What turns `current` into `wanted`: the ids to add, then the ids to remove.
pub fn set_diff(current: &BTreeSet<Ulid>, wanted: &BTreeSet<Ulid>) -> (Vec<Ulid>, Vec<Ulid>) {
    let added = wanted.difference(current).copied().collect();
    let removed = current.difference(wanted).copied().collect();
    (added, removed)
}

/// Events to turn the set `current` into `wanted`: `add(id)` for each new id, then
/// `remove(id)` for each dropped one. Used by the "replace the whole list" commands
/// (Trudesk's group update sends the full member list).
pub fn diff_events<E>(
    current: &BTreeSet<Ulid>,
    wanted: &BTreeSet<Ulid>,
    add: impl Fn(Ulid) -> E,
    remove: impl Fn(Ulid) -> E,
) -> Vec<E> {
    let (added, removed) = set_diff(current, wanted);
    added
        .into_iter()
        .map(add)
        .chain(removed.into_iter().map(remove))
        .collect()
}

/// A set of user ids attached to an entity (members, observers, recipients), as carried by
/// the events that add or remove one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserLink {
    /// The user added or removed.
    pub user_id: Ulid,
}

/// A change to one set of user ids (members, observers, recipients...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkOp {
    /// Add one id; refused if already there.
    Add(Ulid),
    /// Remove one id; refused if not there.
    Remove(Ulid),
    /// Replace the whole set (adds then removes; nothing when equal).
    Replace(BTreeSet<Ulid>),
}

/// Decides the events of `op` on `set`, building each with `added` or `removed`.
pub fn decide_link<E>(
    set: &BTreeSet<Ulid>,
    op: &LinkOp,
    added: impl Fn(UserLink) -> E,
    removed: impl Fn(UserLink) -> E,
) -> Result<Vec<E>, CommonError> {
    match op {
        LinkOp::Add(id) => {
            guard_link(set, *id)?;
            Ok(vec![added(UserLink { user_id: *id })])
        }
        LinkOp::Remove(id) => {
            guard_unlink(set, *id)?;
            Ok(vec![removed(UserLink { user_id: *id })])
        }
        LinkOp::Replace(wanted) => Ok(diff_events(
            set,
            wanted,
            |user_id| added(UserLink { user_id }),
            |user_id| removed(UserLink { user_id }),
        )),
    }
}

/// Applies an added (`true`) or removed (`false`) link to a set. Never panics.
pub fn apply_link(set: &mut BTreeSet<Ulid>, added: bool, link: &UserLink) {
    if added {
        set.insert(link.user_id);
    } else {
        set.remove(&link.user_id);
    }
}

/// Which of a [`Roster`]'s two sets a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterSet {
    /// Members: the people who belong (agents of a help desk, users of a company or location).
    Members,
    /// Observers: people kept informed without belonging (InvGate observers).
    Observers,
}

/// The members and observers most directory entities keep (help desks and their levels,
/// companies, locations), with the shared rules for changing them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Roster {
    /// Members.
    pub members: BTreeSet<Ulid>,
    /// Observers.
    pub observers: BTreeSet<Ulid>,
}

impl Roster {
    /// A roster with these first members and no observers.
    pub fn with_members<'a>(members: impl IntoIterator<Item = &'a Ulid>) -> Roster {
        Roster {
            members: members.into_iter().copied().collect(),
            observers: BTreeSet::new(),
        }
    }

    /// One of the two sets.
    pub fn set(&self, which: RosterSet) -> &BTreeSet<Ulid> {
        match which {
            RosterSet::Members => &self.members,
            RosterSet::Observers => &self.observers,
        }
    }

    /// Decides the events of `op` on one set; `wrap(added, link)` builds each event.
    pub fn decide<E>(
        &self,
        which: RosterSet,
        op: &LinkOp,
        wrap: impl Fn(bool, UserLink) -> E,
    ) -> Result<Vec<E>, CommonError> {
        decide_link(self.set(which), op, |l| wrap(true, l), |l| wrap(false, l))
    }

    /// Applies an added (`true`) or removed (`false`) link to one set. Never panics.
    pub fn apply(&mut self, which: RosterSet, added: bool, link: &UserLink) {
        let set = match which {
            RosterSet::Members => &mut self.members,
            RosterSet::Observers => &mut self.observers,
        };
        apply_link(set, added, link);
    }
}
