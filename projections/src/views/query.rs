//! Queries over the `views` model: pure reads of a [`ProjectionView`], each answer carrying the
//! position it reflects and, for pages, the cursor of the next page.
//!
//! **Lists** drive from one index: the filter's most selective field (smallest maintained
//! counter), or the `all` index when nothing is filtered, in the order asked for. The other
//! filters are checked on each summary while paging. Work per page is bounded: a page stops
//! after [`MAX_SCAN`] index keys even if it is not full, and returns a cursor to go on from
//! there. A client must therefore follow `next` until it is `None`, and must not take a short
//! (even empty) page for the end. Time ranges on the sorted field seek into the index and end
//! the scan at the range's end.
//!
//! **Cursors** are the hex of the last index key visited. A cursor names its own index (the key
//! starts with the index's prefix), so a page goes on along the same index even if counters
//! changed the choice since. Keys are unique and ordered, so pages never repeat or skip a
//! ticket whose sort key did not change, whatever is inserted before or after the cursor.

use ledgerdesk_core::ticket::StatusCategory;
use ledgerdesk_core::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::index::{
    self, counter_key, index_prefix, opt_id, scope_of, ticket_of_key, time_seek, value_to_text,
    Field, SortField, ACTIVE, TRASHED,
};
use super::search::{frequency_key, posting_key, posting_prefix, tokenize};
use super::summary::TicketSummary;
use super::{decode_u64, decode_value, keyed, BY_NUMBER, SUMMARY};
use crate::{ProjectionError, ProjectionView};

/// The largest page a query returns.
pub const MAX_PAGE: usize = 100;
/// The most index keys or postings one page visits before it returns with a cursor.
pub const MAX_SCAN: usize = 2_000;

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
        out
    }

    fn scope(&self) -> u8 {
        if self.trashed {
            TRASHED
        } else {
            ACTIVE
        }
    }

    fn has_ranges(&self) -> bool {
        self.created.is_set() || self.updated.is_set() || self.closed.is_set()
    }

    /// Whether a summary passes every filter.
    pub fn matches(&self, s: &TicketSummary) -> bool {
        if s.purged || scope_of(s) != self.scope() {
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
    /// The field whose index drove the scan.
    pub driving: Field,
    /// Index keys visited for this page.
    pub scanned: usize,
    /// The number of matching tickets when a maintained counter knows it (at most one field
    /// filtered, no time range); `None` otherwise (see [`count_filtered`]).
    pub total: Option<u64>,
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchPage {
    /// The log position the page reflects.
    pub position: u64,
    /// The terms searched for (all must occur), as tokenised.
    pub terms: Vec<String>,
    /// Matching tickets, by ticket id.
    pub items: Vec<TicketSummary>,
    /// The cursor of the next page; `None` at the end.
    pub next: Option<String>,
    /// Postings visited for this page.
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
    /// The exact number of matches, when one counter answers it.
    pub exact: Option<u64>,
    /// Per filtered field, how many tickets have that value (each an upper bound of the list).
    pub per_field: Vec<(Field, u64)>,
}

/// What a page scan does with one key.
enum Step {
    Take(Box<TicketSummary>),
    Skip,
    /// Past the end of the query's range: the list is complete.
    End,
}

struct Scanned {
    items: Vec<TicketSummary>,
    next: Option<String>,
    scanned: usize,
}

/// Walks `prefix` from `after`, deciding per key, until `limit` items, `max_scan` keys or
/// the end; the cursor is the last key visited when more keys follow.
fn scan_page(
    view: &ProjectionView,
    prefix: &[u8],
    (after, reverse): (Option<&[u8]>, bool),
    limit: usize,
    max_scan: usize,
    mut step: impl FnMut(&[u8]) -> Result<Step, ViewsError>,
) -> Result<Scanned, ViewsError> {
    let mut out = Scanned {
        items: Vec::new(),
        next: None,
        scanned: 0,
    };
    let mut last: Option<Vec<u8>> = None;
    for item in view.scan(prefix, after, reverse) {
        let (key, _) = item?;
        if out.items.len() == limit || out.scanned >= max_scan {
            out.next = last.map(hex::encode);
            return Ok(out);
        }
        out.scanned += 1;
        match step(&key)? {
            Step::Take(s) => out.items.push(*s),
            Step::Skip => {}
            Step::End => return Ok(out),
        }
        last = Some(key);
    }
    Ok(out)
}

fn check_limit(limit: usize) -> Result<usize, ViewsError> {
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(ViewsError::PageSize(limit))
    }
}

fn decode_cursor(cursor: &str, prefixes: &[Vec<u8>]) -> Result<(usize, Vec<u8>), ViewsError> {
    let key = hex::decode(cursor).map_err(|_| ViewsError::InvalidCursor)?;
    prefixes
        .iter()
        .position(|p| key.len() > p.len() && key.starts_with(p))
        .map(|i| (i, key))
        .ok_or(ViewsError::InvalidCursor)
}

fn read<T: DeserializeOwned>(view: &ProjectionView, key: &[u8]) -> Result<Option<T>, ViewsError> {
    Ok(view.get(key)?.map(|v| decode_value(&v)).transpose()?)
}

fn read_u64(view: &ProjectionView, key: &[u8]) -> Result<u64, ViewsError> {
    Ok(view
        .get(key)?
        .map(|v| decode_u64(&v))
        .transpose()?
        .unwrap_or(0))
}

fn summary_of(view: &ProjectionView, ticket: Option<Ulid>) -> Result<TicketSummary, ViewsError> {
    let inconsistent = || {
        ViewsError::Projection(ProjectionError::Inconsistent(
            "an index key names a ticket without a summary".to_owned(),
        ))
    };
    let ticket = ticket.ok_or_else(inconsistent)?;
    get(view, ticket)?.ok_or_else(inconsistent)
}

/// The summary of one ticket (a purged ticket's is a tombstone with `purged` set).
pub fn get(view: &ProjectionView, ticket: Ulid) -> Result<Option<TicketSummary>, ViewsError> {
    read(view, &keyed(SUMMARY, &ticket.to_bytes()))
}

/// The summary of the ticket with this number (Trudesk `uid`, HelpDeskZ and SDP ids).
pub fn get_by_number(
    view: &ProjectionView,
    number: u64,
) -> Result<Option<TicketSummary>, ViewsError> {
    let Some(id) = view.get(&keyed(BY_NUMBER, &number.to_be_bytes()))? else {
        return Ok(None);
    };
    let id: [u8; 16] = id.as_slice().try_into().map_err(|_| {
        ProjectionError::Inconsistent("a number maps to a malformed ticket id".to_owned())
    })?;
    get(view, Ulid::from_bytes(id))
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
    let scope = filter.scope();
    let mut candidates = filter.entries();
    if candidates.is_empty() {
        candidates.push((Field::All, Vec::new()));
    }
    let prefixes: Vec<Vec<u8>> = candidates
        .iter()
        .map(|(f, v)| index_prefix(scope, *f, v, sort))
        .collect();
    let (driver, mut after) = match cursor {
        Some(c) => {
            let (i, key) = decode_cursor(c, &prefixes)?;
            (i, Some(key))
        }
        None => {
            let mut best = (0, u64::MAX);
            for (i, (f, v)) in candidates.iter().enumerate() {
                let n = read_u64(view, &counter_key(scope, *f, v))?;
                if n < best.1 {
                    best = (i, n);
                }
            }
            (best.0, None)
        }
    };
    let prefix = &prefixes[driver];
    let range = match sort {
        SortField::Created | SortField::Number => filter.created,
        SortField::Updated => filter.updated,
        SortField::Closed => filter.closed,
        SortField::Priority | SortField::Status => TimeRange::default(),
    };
    // Seek to the range's start in the scan's direction; the cursor wins once past it.
    let seek = match (descending, range.from, range.to) {
        (false, Some(from), _) => time_seek(sort, from.0),
        (true, _, Some(to)) if to.0 < i64::MAX => time_seek(sort, to.0 + 1),
        _ => None,
    };
    if let Some(seek) = seek {
        let mut s = prefix.clone();
        s.extend(seek);
        after = Some(match after {
            Some(a) if (a > s) != descending => a,
            _ => s,
        });
    }
    let sort_time = |s: &TicketSummary| match sort {
        SortField::Created | SortField::Number => Some(s.created_at),
        SortField::Updated => Some(s.updated_at),
        SortField::Closed => s.closed_at,
        SortField::Priority | SortField::Status => None,
    };
    let page = scan_page(
        view,
        prefix,
        (after.as_deref(), descending),
        limit,
        max_scan,
        |key| {
            let s = summary_of(view, ticket_of_key(key))?;
            if range.is_set() {
                let past = match (descending, sort_time(&s)) {
                    // Unclosed tickets sort after every closed one, so they end an ascending scan.
                    (false, None) => true,
                    (false, Some(t)) => range.to.is_some_and(|to| t > to),
                    (true, Some(t)) => range.from.is_some_and(|from| t < from),
                    (true, None) => false,
                };
                if past {
                    return Ok(Step::End);
                }
            }
            Ok(if filter.matches(&s) {
                Step::Take(Box::new(s))
            } else {
                Step::Skip
            })
        },
    )?;
    let total = if candidates.len() == 1 && !filter.has_ranges() {
        let (f, v) = &candidates[0];
        Some(read_u64(view, &counter_key(scope, *f, v))?)
    } else {
        None
    };
    Ok(ListPage {
        position: view.position(),
        items: page.items,
        next: page.next,
        driving: candidates[driver].0,
        scanned: page.scanned,
        total,
    })
}

/// The counters behind a filtered list: exact when one field (or none) is filtered and no
/// time range is set; otherwise each filtered field's count, an upper bound.
pub fn count_filtered(
    view: &ProjectionView,
    filter: &TicketFilter,
) -> Result<FilterCount, ViewsError> {
    let scope = filter.scope();
    let mut entries = filter.entries();
    if entries.is_empty() {
        entries.push((Field::All, Vec::new()));
    }
    let mut per_field = Vec::with_capacity(entries.len());
    for (f, v) in &entries {
        per_field.push((*f, read_u64(view, &counter_key(scope, *f, v))?));
    }
    let exact = (per_field.len() == 1 && !filter.has_ranges()).then(|| per_field[0].1);
    Ok(FilterCount {
        position: view.position(),
        exact,
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
    let prefix = counter_key(if trashed { TRASHED } else { ACTIVE }, field, &[]);
    let after = match cursor {
        Some(c) => Some(decode_cursor(c, std::slice::from_ref(&prefix))?.1),
        None => None,
    };
    let mut counts = Vec::new();
    let mut last: Option<Vec<u8>> = None;
    let mut next = None;
    for item in view.scan(&prefix, after.as_deref(), false) {
        let (key, value) = item?;
        if counts.len() == limit {
            next = last.take().map(hex::encode);
            break;
        }
        counts.push(Count {
            value: value_to_text(field, &key[prefix.len()..])?,
            count: decode_u64(&value)?,
        });
        last = Some(key);
    }
    Ok(CountsPage {
        position: view.position(),
        field,
        counts,
        next,
    })
}

/// Tickets whose subject, description or public replies contain every term of `text` (see
/// [`tokenize`]), among active (or trashed) tickets, by ticket id. Drives from the rarest term
/// and checks the others per ticket; bounded per page like [`list`].
pub fn search(
    view: &ProjectionView,
    text: &str,
    trashed: bool,
    cursor: Option<&str>,
    limit: usize,
) -> Result<SearchPage, ViewsError> {
    let limit = check_limit(limit)?;
    let terms: Vec<String> = tokenize(text).into_iter().collect();
    let empty = |terms| SearchPage {
        position: view.position(),
        terms,
        items: Vec::new(),
        next: None,
        scanned: 0,
    };
    if terms.is_empty() {
        return Ok(empty(terms));
    }
    let prefixes: Vec<Vec<u8>> = terms.iter().map(|t| posting_prefix(t)).collect();
    let (driver, after) = match cursor {
        Some(c) => {
            let (i, key) = decode_cursor(c, &prefixes)?;
            (i, Some(key))
        }
        None => {
            let mut best = (0, u64::MAX);
            for (i, t) in terms.iter().enumerate() {
                let n = read_u64(view, &frequency_key(t))?;
                if n < best.1 {
                    best = (i, n);
                }
            }
            if best.1 == 0 {
                return Ok(empty(terms));
            }
            (best.0, None)
        }
    };
    let scan = (after.as_deref(), false);
    let page = scan_page(view, &prefixes[driver], scan, limit, MAX_SCAN, |key| {
        let ticket = ticket_of_key(key);
        for (i, t) in terms.iter().enumerate() {
            if i != driver {
                if let Some(id) = ticket {
                    if view.get(&posting_key(t, id))?.is_none() {
                        return Ok(Step::Skip);
                    }
                }
            }
        }
        let s = summary_of(view, ticket)?;
        Ok(if !s.purged && s.trashed == trashed {
            Step::Take(Box::new(s))
        } else {
            Step::Skip
        })
    })?;
    Ok(SearchPage {
        position: view.position(),
        terms,
        items: page.items,
        next: page.next,
        scanned: page.scanned,
    })
}
