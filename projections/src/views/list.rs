//! Ticket lists: pages of the views index in any sort order.
//!
//! The filter's fields select sets of tickets, intersected (the smallest first); time ranges
//! on fields other than the sort field are taken from their order as sets too. A small or
//! sparse result set (at most the scan budget) is sorted whole; a large or dense one is walked
//! in the order asked for, keeping the tickets in the set, which finds a page after about
//! `limit × scope / matches` keys. Work per page is bounded: a walk stops after [`MAX_SCAN`]
//! keys even if the page is not full, and returns a cursor to go on from there. A client must
//! therefore follow `next` until it is `None`, and must not take a short (even empty) page for
//! the end. A time range on the sort field bounds the walk itself.
//!
//! **Cursors** are the hex of the sort order, the direction and the last key handed out (its
//! sort value and ticket number). Keys are unique and ordered, so pages never repeat or skip a
//! ticket whose sort key did not change, whatever is inserted before or after the cursor.

use std::ops::Bound;

use roaring::RoaringBitmap;

use super::filter::{TicketFilter, TimeRange};
use super::index::{self, number_of_key, time_bounds, Field, SortField, SortKey};
use super::memory::{slot_of, IndexState, Scope};
use super::query::{check_limit, in_range, index, selection, ListPage, ViewsError, MAX_SCAN};
use crate::{ProjectionError, ProjectionView};

fn encode_cursor(sort: SortField, descending: bool, key: &SortKey) -> String {
    let mut bytes = vec![b'l', sort.code(), u8::from(descending)];
    bytes.extend_from_slice(key);
    hex::encode(bytes)
}

fn decode_cursor(cursor: &str, sort: SortField, descending: bool) -> Result<SortKey, ViewsError> {
    let bytes = hex::decode(cursor).map_err(|_| ViewsError::InvalidCursor)?;
    match bytes.split_first_chunk::<3>() {
        Some((head, key)) if *head == [b'l', sort.code(), u8::from(descending)] => {
            key.try_into().map_err(|_| ViewsError::InvalidCursor)
        }
        _ => Err(ViewsError::InvalidCursor),
    }
}

/// A page of tickets matching `filter`, sorted by `sort`, from `cursor` (a `next` of the same
/// query) or from the start; `limit` is 1 to [`MAX_PAGE`](super::MAX_PAGE).
pub fn list(
    view: &ProjectionView,
    filter: &TicketFilter,
    sort: SortField,
    descending: bool,
    cursor: Option<&str>,
    limit: usize,
) -> Result<ListPage, ViewsError> {
    list_within(view, filter, (sort, descending), cursor, limit, MAX_SCAN)
}

/// [`list`] with another scan budget (tests use a small one).
pub(crate) fn list_within(
    view: &ProjectionView,
    filter: &TicketFilter,
    (sort, descending): (SortField, bool),
    cursor: Option<&str>,
    limit: usize,
    max_scan: usize,
) -> Result<ListPage, ViewsError> {
    let limit = check_limit(limit)?;
    let after = cursor
        .map(|c| decode_cursor(c, sort, descending))
        .transpose()?;
    let memory = index(view)?;
    let state = memory.read();
    let scope = &state.scopes[filter.scope()];
    let (selected, driving, _) = selection(scope, filter, Some(sort));
    let empty = |scanned| ListPage {
        position: state.position,
        items: Vec::new(),
        next: None,
        driving,
        scanned,
        total: Some(0),
    };
    let Some(selected) = selected else {
        return Ok(empty(0));
    };
    // The walk's bounds: the sort field's own time range, then the cursor.
    let range = match sort {
        SortField::Created | SortField::Number => filter.created,
        SortField::Updated => filter.updated,
        SortField::Closed => filter.closed,
        SortField::Priority | SortField::Status => TimeRange::default(),
    };
    let (mut lo, mut hi) = (Bound::Unbounded, Bound::Unbounded);
    if range.is_set() {
        let from = range.from.map_or(i64::MIN, |t| t.0);
        let to = range.to.map_or(i64::MAX, |t| t.0);
        if let Some((a, b)) = time_bounds(sort, from, to) {
            (lo, hi) = (Bound::Included(a), Bound::Included(b));
        }
    }
    if let Some(after) = after {
        if descending {
            if !matches!(hi, Bound::Included(b) if b < after) {
                hi = Bound::Excluded(after);
            }
        } else if !matches!(lo, Bound::Included(a) if a > after) {
            lo = Bound::Excluded(after);
        }
    }
    if matches!((lo, hi), (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) if a > b)
    {
        return Ok(empty(0));
    }
    let total = Some(if range.is_set() {
        (selected.as_ref() & &in_range(scope, sort, range)).len()
    } else {
        selected.len()
    });
    let mut page = if selected.len() <= max_scan as u64
        && !walk_is_cheaper(selected.len(), scope.order(sort).len() as u64, limit)
    {
        sort_whole(&state, &selected, (sort, descending), (lo, hi), limit)?
    } else {
        walk(
            &state,
            scope,
            &selected,
            (sort, descending),
            (lo, hi),
            limit,
            max_scan,
        )?
    };
    page.driving = driving;
    page.total = total;
    Ok(page)
}

/// Whether walking the sort order finds a page of `limit` among `selected` of `in_scope`
/// tickets with clearly fewer steps than sorting the whole selection takes: a dense selection
/// (an unfiltered list, a common status) has its page within the first `limit × in_scope /
/// selected` keys of the order.
fn walk_is_cheaper(selected: u64, in_scope: u64, limit: usize) -> bool {
    let expected_walk = (limit as u64 + 1).saturating_mul(in_scope) / selected.max(1);
    expected_walk.saturating_mul(4) < selected
}

/// A page from a small selection: every member's key, sorted.
fn sort_whole(
    state: &IndexState,
    selected: &RoaringBitmap,
    (sort, descending): (SortField, bool),
    bounds: (Bound<SortKey>, Bound<SortKey>),
    limit: usize,
) -> Result<ListPage, ViewsError> {
    let mut keyed = Vec::with_capacity(selected.len() as usize);
    for slot in selected {
        let row = state.row(slot).ok_or_else(missing_row)?;
        let key = index::sort_key(sort, row);
        if std::ops::RangeBounds::contains(&bounds, &key) {
            keyed.push((key, row));
        }
    }
    keyed.sort_unstable_by_key(|(key, _)| *key);
    if descending {
        keyed.reverse();
    }
    let more = keyed.len() > limit;
    keyed.truncate(limit);
    Ok(ListPage {
        position: state.position,
        next: more
            .then(|| {
                keyed
                    .last()
                    .map(|(k, _)| encode_cursor(sort, descending, k))
            })
            .flatten(),
        items: keyed.into_iter().map(|(_, row)| row.clone()).collect(),
        driving: Field::All,
        scanned: selected.len() as usize,
        total: None,
    })
}

/// A page from a large selection: the order walked from the cursor, keeping the members.
fn walk(
    state: &IndexState,
    scope: &Scope,
    selected: &RoaringBitmap,
    (sort, descending): (SortField, bool),
    bounds: (Bound<SortKey>, Bound<SortKey>),
    limit: usize,
    max_scan: usize,
) -> Result<ListPage, ViewsError> {
    let range = scope.order(sort).range(bounds);
    let mut keys: Box<dyn Iterator<Item = &SortKey>> = if descending {
        Box::new(range.rev())
    } else {
        Box::new(range)
    };
    let mut items = Vec::new();
    let mut scanned = 0;
    let mut last: Option<&SortKey> = None;
    let mut next = None;
    for key in keys.by_ref() {
        if items.len() == limit || scanned >= max_scan {
            next = last.map(|k| encode_cursor(sort, descending, k));
            break;
        }
        scanned += 1;
        last = Some(key);
        let slot = slot_of(number_of_key(sort, key))?;
        if selected.contains(slot) {
            items.push(state.row(slot).ok_or_else(missing_row)?.clone());
        }
    }
    Ok(ListPage {
        position: state.position,
        items,
        next,
        driving: Field::All,
        scanned,
        total: None,
    })
}

pub(super) fn missing_row() -> ViewsError {
    ViewsError::Projection(ProjectionError::Inconsistent(
        "an index names a ticket without a summary".to_owned(),
    ))
}
