//! Queries over the `views` model: pure reads of its in-memory index ([`ViewsMemory`]), each
//! answer carrying the position it reflects and, for pages, the cursor of the next page.
//!
//! **Lists**: the filter's fields select sets of tickets, intersected (the smallest first);
//! time ranges on fields other than the sort field are taken from their order as sets too.
//! A small result set (at most the scan budget) is sorted whole; a large one is walked in the
//! order asked for, keeping the tickets in the set, which finds a page after about
//! `limit × scope / matches` keys. Work per page is bounded: a walk stops after [`MAX_SCAN`]
//! keys even if the page is not full, and returns a cursor to go on from there. A client must
//! therefore follow `next` until it is `None`, and must not take a short (even empty) page for
//! the end. A time range on the sort field bounds the walk itself.
//!
//! **Cursors** are the hex of the sort order, the direction and the last key handed out (its
//! sort value and ticket number). Keys are unique and ordered, so pages never repeat or skip a
//! ticket whose sort key did not change, whatever is inserted before or after the cursor.

use std::borrow::Cow;
use std::ops::Bound;

use ledgerdesk_core::ticket::StatusCategory;
use ledgerdesk_core::Timestamp;
use roaring::RoaringBitmap;
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::index::{
    self, number_of_key, opt_id, time_bounds, value_to_text, Field, SortField, SortKey, ACTIVE,
    TRASHED,
};
use super::memory::{slot_of, IndexState, Scope, ViewsMemory};
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

/// An inclusive range of times; an open end is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// The earliest time included.
    pub from: Option<Timestamp>,
    /// The latest time included.
    pub to: Option<Timestamp>,
}

impl TimeRange {
    fn is_set(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    fn contains(&self, t: Option<Timestamp>) -> bool {
        if !self.is_set() {
            return true;
        }
        t.is_some_and(|t| {
            !matches!(self.from, Some(from) if t < from) && !matches!(self.to, Some(to) if t > to)
        })
    }
}

/// What a ticket list is restricted to. `None` does not filter; for an optional field,
/// `Some(None)` asks for tickets without one (unassigned, no priority...). All set filters must
/// hold (AND), as SDP's `search_fields`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketFilter {
    /// A status of the catalogue.
    pub status: Option<Ulid>,
    /// A status category.
    pub status_category: Option<StatusCategory>,
    /// A group, or no group.
    pub group: Option<Option<Ulid>>,
    /// A department, or none.
    pub department: Option<Option<Ulid>>,
    /// A help desk, or none.
    pub helpdesk: Option<Option<Ulid>>,
    /// An agent, or unassigned.
    pub agent: Option<Option<Ulid>>,
    /// A requester.
    pub requester: Option<Ulid>,
    /// A priority, or none.
    pub priority: Option<Option<Ulid>>,
    /// A ticket type.
    pub ticket_type: Option<Ulid>,
    /// A top-level category, or none.
    pub category: Option<Option<Ulid>>,
    /// A tag the ticket carries.
    pub tag: Option<Ulid>,
    /// A source, or none.
    pub source: Option<Option<Ulid>>,
    /// An urgency, or none.
    pub urgency: Option<Option<Ulid>>,
    /// An impact, or none.
    pub impact: Option<Option<Ulid>>,
    /// A location, or none.
    pub location: Option<Option<Ulid>>,
    /// The closure code of the latest closure, or none.
    pub closure_code: Option<Option<Ulid>>,
    /// A node of the category tree at any level of the ticket's path.
    pub category_node: Option<Ulid>,
    /// Creation time.
    pub created: TimeRange,
    /// Time of the latest event.
    pub updated: TimeRange,
    /// Closing time (only closed tickets match a set range).
    pub closed: TimeRange,
    /// List the trash instead of the active tickets.
    pub trashed: bool,
}

impl TicketFilter {
    /// The index entries the filter asks for, in field order.
    fn entries(&self) -> Vec<(Field, Vec<u8>)> {
        let mut out = Vec::new();
        let mut add = |f: Field, v: Option<Vec<u8>>| {
            if let Some(v) = v {
                out.push((f, v));
            }
        };
        let some = |o: Option<Ulid>| o.map(|id| opt_id(Some(id)).to_vec());
        let opt = |o: Option<Option<Ulid>>| o.map(|id| opt_id(id).to_vec());
        add(Field::Status, some(self.status));
        add(
            Field::StatusCategory,
            self.status_category.map(|c| vec![index::category_byte(c)]),
        );
        add(Field::Group, opt(self.group));
        add(Field::Department, opt(self.department));
        add(Field::HelpDesk, opt(self.helpdesk));
        add(Field::Agent, opt(self.agent));
        add(Field::Requester, some(self.requester));
        add(Field::Priority, opt(self.priority));
        add(Field::Type, some(self.ticket_type));
        add(Field::Category, opt(self.category));
        add(Field::Tag, some(self.tag));
        add(Field::Source, opt(self.source));
        add(Field::Urgency, opt(self.urgency));
        add(Field::Impact, opt(self.impact));
        add(Field::Location, opt(self.location));
        add(Field::ClosureCode, opt(self.closure_code));
        add(Field::CategoryNode, some(self.category_node));
        out
    }

    fn scope(&self) -> usize {
        if self.trashed {
            TRASHED
        } else {
            ACTIVE
        }
    }

    /// The time ranges that are set, with the order they are taken from.
    fn ranges(&self) -> Vec<(SortField, TimeRange)> {
        [
            (SortField::Created, self.created),
            (SortField::Updated, self.updated),
            (SortField::Closed, self.closed),
        ]
        .into_iter()
        .filter(|(_, r)| r.is_set())
        .collect()
    }

    /// Whether a summary passes every filter.
    pub fn matches(&self, s: &TicketSummary) -> bool {
        if s.purged || index::scope_of(s) != self.scope() {
            return false;
        }
        let have = index::entries(s);
        self.entries().iter().all(|e| have.contains(e))
            && self.created.contains(Some(s.created_at))
            && self.updated.contains(Some(s.updated_at))
            && self.closed.contains(s.closed_at)
    }
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

fn check_limit(limit: usize) -> Result<usize, ViewsError> {
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(ViewsError::PageSize(limit))
    }
}

/// The model's index; a `views` view always has one.
fn index(view: &ProjectionView) -> Result<&ViewsMemory, ViewsError> {
    view.memory::<ViewsMemory>().ok_or_else(|| {
        ViewsError::Projection(ProjectionError::Inconsistent(
            "the views model has no in-memory index".to_owned(),
        ))
    })
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
fn in_range(scope: &Scope, sort: SortField, range: TimeRange) -> RoaringBitmap {
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
fn selection<'a>(
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
/// query) or from the start; `limit` is 1 to [`MAX_PAGE`].
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

fn missing_row() -> ViewsError {
    ViewsError::Projection(ProjectionError::Inconsistent(
        "an index names a ticket without a summary".to_owned(),
    ))
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
