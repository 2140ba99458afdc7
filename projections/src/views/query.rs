//! Queries over the `views` model: pure reads of its in-memory index ([`ViewsMemory`]), each
//! answer carrying the position it reflects and, for pages, the cursor of the next page.
//!
//! Lists are in [`super::list`]; the filters they share with counts in [`super::filter`].

use std::borrow::Cow;
use std::ops::Bound;

use roaring::RoaringBitmap;
use serde::Serialize;
use ulid::Ulid;

use super::filter::{TicketFilter, TimeRange};
use super::index::{number_of_key, time_bounds, value_to_text, Field, SortField, ACTIVE, TRASHED};
use super::list::missing_row;
use super::memory::{slot_of, Scope, ViewsMemory};
use super::search::tokenize;
use super::summary::TicketSummary;
use crate::{ProjectionError, ProjectionView};

/// The largest page a query returns.
pub const MAX_PAGE: usize = 100;
/// The most keys one page walks before it returns with a cursor; also the largest result set
/// sorted whole.
pub const MAX_SCAN: usize = 5_000;

/// Why a query was refused or failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ViewsError {
    /// The cursor is not one this query handed out (wrong filter, sort or search terms).
    #[error("the cursor does not belong to this query")]
    InvalidCursor,
    /// Pages hold 1 to [`MAX_PAGE`] rows.
    #[error("page size must be between 1 and {MAX_PAGE}, not {0}")]
    PageSize(usize),
    /// The model could not be read.
    #[error(transparent)]
    Projection(#[from] ProjectionError),
}

/// One page of a ticket list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListPage {
    /// The log position the page reflects.
    pub position: u64,
    /// The tickets, in the order asked for.
    pub items: Vec<TicketSummary>,
    /// The cursor of the next page; `None` at the end. A page can be short and still have a
    /// `next` (see the module docs).
    pub next: Option<String>,
    /// The filtered field with the fewest tickets (`all` when none is filtered).
    pub driving: Field,
    /// Tickets or keys visited for this page.
    pub scanned: usize,
    /// The number of matching tickets (with time ranges too).
    pub total: Option<u64>,
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchPage {
    /// The log position the page reflects.
    pub position: u64,
    /// The terms searched for (all must occur), as tokenised.
    pub terms: Vec<String>,
    /// Matching tickets, by number.
    pub items: Vec<TicketSummary>,
    /// The cursor of the next page; `None` at the end.
    pub next: Option<String>,
    /// Matches visited for this page.
    pub scanned: usize,
}

/// A counter: a field's value (as text) and how many tickets have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// A ULID, `none`, a status category or a `YYYY-MM-DD` day.
    pub value: String,
    /// How many tickets.
    pub count: u64,
}

/// Counts per value of one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountsPage {
    /// The log position the counts reflect.
    pub position: u64,
    /// The field counted.
    pub field: Field,
    /// The counts, in value order; values nobody has are absent.
    pub counts: Vec<Count>,
    /// The cursor of the next page; `None` at the end.
    pub next: Option<String>,
}

/// What the counters say about a filtered list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterCount {
    /// The log position the counts reflect.
    pub position: u64,
    /// The exact number of matches.
    pub exact: Option<u64>,
    /// Per filtered field, how many tickets have that value (each an upper bound of the list).
    pub per_field: Vec<(Field, u64)>,
}

pub(super) fn check_limit(limit: usize) -> Result<usize, ViewsError> {
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(ViewsError::PageSize(limit))
    }
}

/// The model's index; a `views` view always has one.
pub(super) fn index(view: &ProjectionView) -> Result<&ViewsMemory, ViewsError> {
    // Only a model served while it is being rebuilt (or opened for maintenance) has none.
    view.memory::<ViewsMemory>()
        .ok_or_else(|| ViewsError::Projection(ProjectionError::Loading(super::NAME.to_owned())))
}

/// The summary of one ticket (a purged ticket's is a tombstone with `purged` set).
pub fn get(view: &ProjectionView, ticket: Ulid) -> Result<Option<TicketSummary>, ViewsError> {
    Ok(index(view)?.read().by_id(ticket).cloned())
}

/// The summary of the ticket with this number (Trudesk `uid`, HelpDeskZ and SDP ids).
pub fn get_by_number(
    view: &ProjectionView,
    number: u64,
) -> Result<Option<TicketSummary>, ViewsError> {
    let Ok(slot) = slot_of(number) else {
        return Ok(None);
    };
    Ok(index(view)?.read().row(slot).cloned())
}

/// The tickets of `scope` whose time in order `sort` lies in `range`.
pub(super) fn in_range(scope: &Scope, sort: SortField, range: TimeRange) -> RoaringBitmap {
    let from = range.from.map_or(i64::MIN, |t| t.0);
    let to = range.to.map_or(i64::MAX, |t| t.0);
    let mut out = RoaringBitmap::new();
    if let Some((lo, hi)) = time_bounds(sort, from, to) {
        for key in scope.order(sort).range(lo..=hi) {
            if let Ok(slot) = slot_of(number_of_key(sort, key)) {
                out.insert(slot);
            }
        }
    }
    out
}

/// The tickets a filter selects, except for a time range on `except` (walked, not collected);
/// `None` when a filtered value is held by no ticket. Also the field with the fewest tickets.
pub(super) fn selection<'a>(
    scope: &'a Scope,
    filter: &TicketFilter,
    except: Option<SortField>,
) -> (Option<Cow<'a, RoaringBitmap>>, Field, Vec<(Field, u64)>) {
    let mut sets = Vec::new();
    let mut per_field = Vec::new();
    let mut entries = filter.entries();
    if entries.is_empty() {
        entries.push((Field::All, Vec::new()));
    }
    let mut missing = false;
    for (field, value) in &entries {
        match scope.with(*field, value) {
            Some(set) => {
                per_field.push((*field, set.len()));
                sets.push((*field, set));
            }
            None => {
                per_field.push((*field, 0));
                missing = true;
            }
        }
    }
    let driving = per_field
        .iter()
        .min_by_key(|(_, n)| *n)
        .map_or(Field::All, |(f, _)| *f);
    if missing {
        return (None, driving, per_field);
    }
    sets.sort_by_key(|(_, set)| set.len());
    let mut selected: Option<Cow<'a, RoaringBitmap>> = None;
    for (_, set) in sets {
        selected = Some(match selected {
            None => Cow::Borrowed(set),
            Some(acc) => Cow::Owned(acc.as_ref() & set),
        });
    }
    for (order, range) in filter.ranges() {
        if Some(order) == except
            || (except == Some(SortField::Number) && order == SortField::Created)
        {
            continue;
        }
        let within = in_range(scope, order, range);
        selected = selected.map(|acc| Cow::Owned(acc.as_ref() & &within));
    }
    (selected, driving, per_field)
}

/// How many tickets match `filter` (time ranges included), and how many have each filtered
/// value.
pub fn count_filtered(
    view: &ProjectionView,
    filter: &TicketFilter,
) -> Result<FilterCount, ViewsError> {
    let memory = index(view)?;
    let state = memory.read();
    let scope = &state.scopes[filter.scope()];
    let (selected, _, per_field) = selection(scope, filter, None);
    Ok(FilterCount {
        position: state.position,
        exact: Some(selected.map_or(0, |s| s.len())),
        per_field,
    })
}

/// Counts per value of `field` among active (or trashed) tickets, in value order, paged by
/// `cursor`; `limit` is 1 to [`MAX_PAGE`]. Values nobody has are absent.
pub fn counts(
    view: &ProjectionView,
    field: Field,
    trashed: bool,
    cursor: Option<&str>,
    limit: usize,
) -> Result<CountsPage, ViewsError> {
    let limit = check_limit(limit)?;
    let after = match cursor {
        Some(c) => {
            let bytes = hex::decode(c).map_err(|_| ViewsError::InvalidCursor)?;
            match bytes.split_first_chunk::<2>() {
                Some((head, value)) if *head == [b'v', field.code()] => Some(value.to_vec()),
                _ => return Err(ViewsError::InvalidCursor),
            }
        }
        None => None,
    };
    let memory = index(view)?;
    let state = memory.read();
    let scope = &state.scopes[if trashed { TRASHED } else { ACTIVE }];
    let mut counts = Vec::new();
    let mut next = None;
    if let Some(values) = scope.values(field) {
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut last: Option<&Vec<u8>> = None;
        for (value, set) in values.range((start, Bound::Unbounded)) {
            if counts.len() == limit {
                next = last.map(|v| {
                    let mut c = vec![b'v', field.code()];
                    c.extend_from_slice(v);
                    hex::encode(c)
                });
                break;
            }
            counts.push(Count {
                value: value_to_text(field, value)?,
                count: set.len(),
            });
            last = Some(value);
        }
    }
    Ok(CountsPage {
        position: state.position,
        field,
        counts,
        next,
    })
}

/// Tickets whose subject, description or public replies contain every term of `text` (see
/// [`tokenize`]), among active (or trashed) tickets, by number: the intersection of the
/// terms' postings, rarest first.
pub fn search(
    view: &ProjectionView,
    text: &str,
    trashed: bool,
    cursor: Option<&str>,
    limit: usize,
) -> Result<SearchPage, ViewsError> {
    let limit = check_limit(limit)?;
    let after = match cursor {
        Some(c) => {
            let bytes = hex::decode(c).map_err(|_| ViewsError::InvalidCursor)?;
            match bytes.split_first_chunk::<1>() {
                Some(([b's'], n)) => Some(u32::from_be_bytes(
                    n.try_into().map_err(|_| ViewsError::InvalidCursor)?,
                )),
                _ => return Err(ViewsError::InvalidCursor),
            }
        }
        None => None,
    };
    let terms: Vec<String> = tokenize(text).into_iter().collect();
    let memory = index(view)?;
    let state = memory.read();
    let mut page = SearchPage {
        position: state.position,
        terms,
        items: Vec::new(),
        next: None,
        scanned: 0,
    };
    let mut postings = Vec::with_capacity(page.terms.len());
    for term in &page.terms {
        match state.posting(term) {
            Some(p) => postings.push(p),
            None => return Ok(page),
        }
    }
    postings.sort_by_key(|p| p.len());
    let Some((first, rest)) = postings.split_first() else {
        return Ok(page);
    };
    let scope = &state.scopes[if trashed { TRASHED } else { ACTIVE }];
    let Some(all) = scope.all() else {
        return Ok(page);
    };
    let mut matches: RoaringBitmap = *first & all;
    for p in rest {
        matches &= *p;
    }
    let from = after.map_or(0, |a| a.saturating_add(1));
    let mut last = None;
    for slot in matches.range(from..) {
        if page.items.len() == limit {
            page.next = last.map(|s: u32| {
                let mut c = vec![b's'];
                c.extend(s.to_be_bytes());
                hex::encode(c)
            });
            break;
        }
        page.scanned += 1;
        page.items
            .push(state.row(slot).ok_or_else(missing_row)?.clone());
        last = Some(slot);
    }
    Ok(page)
}
