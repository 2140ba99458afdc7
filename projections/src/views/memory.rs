//! The in-memory index of the ticket lists, derived from the stored summaries and text
//! documents (see the module docs of [`super`]).
//!
//! Per scope (active, trashed): for every `(field, value)` entry the set of tickets that have
//! it (a roaring bitmap of ticket *slots*, `number - 1001`), and for every sort order the
//! ordered set of [`SortKey`]s. Across scopes: the summaries by slot, slots by ticket id, and
//! the postings (token → tickets). A purged ticket keeps its summary (a tombstone for lookups)
//! and has no entries, keys or postings.
//!
//! Everything here is a pure function of the stored records: [`ViewsMemory::load`] folds them
//! in at start-up, [`MemoryIndex::committed`] folds each committed chunk's writes, and both
//! use the same code. Queries hold the read lock for the length of one page.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{RwLock, RwLockReadGuard};

use ledgerdesk_core::StreamKind;
use roaring::RoaringBitmap;
use ulid::Ulid;

use super::index::{entries, scope_of, sort_key, Field, SortField, SortKey, SORTS};
use super::search::{decode_tokens, parse_source_key, Source, Tokens, DOCUMENT};
use super::summary::TicketSummary;
use super::{decode_value, SUMMARY};
use crate::{MemoryIndex, ProjectionError, ProjectionView, Write};

/// The tickets of one scope, by field value and in every sort order.
#[derive(Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(crate) struct Scope {
    /// Per field (by [`Field::code`]): value → slots.
    pub(crate) fields: Vec<BTreeMap<Vec<u8>, RoaringBitmap>>,
    /// Per sort code: the ordered keys.
    pub(crate) orders: Vec<BTreeSet<SortKey>>,
}

impl Scope {
    fn new() -> Scope {
        Scope {
            fields: (0..Field::ALL.len()).map(|_| BTreeMap::new()).collect(),
            orders: (0..SORTS.len()).map(|_| BTreeSet::new()).collect(),
        }
    }

    /// The slots having `value` in `field` (none if nobody has it).
    pub(crate) fn with(&self, field: Field, value: &[u8]) -> Option<&RoaringBitmap> {
        self.fields.get(usize::from(field.code()))?.get(value)
    }

    /// Every value of `field` with its slots, in value order.
    pub(crate) fn values(&self, field: Field) -> Option<&BTreeMap<Vec<u8>, RoaringBitmap>> {
        self.fields.get(usize::from(field.code()))
    }

    /// The ordered keys of `sort`.
    pub(crate) fn order(&self, sort: SortField) -> &BTreeSet<SortKey> {
        &self.orders[usize::from(sort.code())]
    }

    /// Every ticket of the scope.
    pub(crate) fn all(&self) -> Option<&RoaringBitmap> {
        self.with(Field::All, &[])
    }

    fn add(&mut self, slot: u32, s: &TicketSummary) {
        for (field, value) in entries(s) {
            self.link(field, value, slot);
        }
        for sort in SORTS {
            self.orders[usize::from(sort.code())].insert(sort_key(sort, s));
        }
    }

    fn remove(&mut self, slot: u32, s: &TicketSummary) {
        for (field, value) in entries(s) {
            self.unlink(field, &value, slot);
        }
        for sort in SORTS {
            self.orders[usize::from(sort.code())].remove(&sort_key(sort, s));
        }
    }

    /// Moves `slot` from `before` to `after` (both in this scope, neither purged), touching
    /// only the entries and sort keys that differ: a reply changes the update time and maybe
    /// the status, not the dozen other fields.
    fn change(&mut self, slot: u32, before: &TicketSummary, after: &TicketSummary) {
        let (old, new) = (entries(before), entries(after));
        for (field, value) in old.difference(&new) {
            self.unlink(*field, value, slot);
        }
        for (field, value) in new.difference(&old) {
            self.link(*field, value.clone(), slot);
        }
        for sort in SORTS {
            let (was, is) = (sort_key(sort, before), sort_key(sort, after));
            if was != is {
                let order = &mut self.orders[usize::from(sort.code())];
                order.remove(&was);
                order.insert(is);
            }
        }
    }

    /// `slot` has `value` in `field`.
    fn link(&mut self, field: Field, value: Vec<u8>, slot: u32) {
        self.fields[usize::from(field.code())]
            .entry(value)
            .or_default()
            .insert(slot);
    }

    /// `slot` no longer has `value` in `field`; a value nobody has is dropped.
    fn unlink(&mut self, field: Field, value: &[u8], slot: u32) {
        let values = &mut self.fields[usize::from(field.code())];
        if let Some(set) = values.get_mut(value) {
            set.remove(slot);
            if set.is_empty() {
                values.remove(value);
            }
        }
    }
}

/// What queries read, consistent as of [`IndexState::position`].
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(crate) struct IndexState {
    /// The checkpoint of the last chunk folded in.
    pub(crate) position: u64,
    /// Summaries by slot.
    rows: Vec<Option<TicketSummary>>,
    slots: HashMap<Ulid, u32>,
    /// Active, then trashed.
    pub(crate) scopes: [Scope; 2],
    /// Tokens per text source per slot (sources in order), so a changed source moves exactly
    /// the postings that changed. Slices, not sets: a million tickets' text is held here.
    documents: HashMap<u32, Vec<(Source, Tokens)>>,
    postings: HashMap<String, RoaringBitmap>,
}

impl IndexState {
    fn new(position: u64) -> IndexState {
        IndexState {
            position,
            rows: Vec::new(),
            slots: HashMap::new(),
            scopes: [Scope::new(), Scope::new()],
            documents: HashMap::new(),
            postings: HashMap::new(),
        }
    }

    /// The summary in `slot`.
    pub(crate) fn row(&self, slot: u32) -> Option<&TicketSummary> {
        self.rows.get(slot as usize)?.as_ref()
    }

    /// The summary of ticket `id`.
    pub(crate) fn by_id(&self, id: Ulid) -> Option<&TicketSummary> {
        self.row(*self.slots.get(&id)?)
    }

    /// The tickets whose text holds `token`.
    pub(crate) fn posting(&self, token: &str) -> Option<&RoaringBitmap> {
        self.postings.get(token)
    }

    fn set_summary(
        &mut self,
        ticket: Ulid,
        after: Option<TicketSummary>,
    ) -> Result<(), ProjectionError> {
        let slot = match (&after, self.slots.get(&ticket)) {
            (_, Some(slot)) => *slot,
            (Some(s), None) => slot_of(s.number)?,
            (None, None) => return Ok(()),
        };
        let before = self.rows.get_mut(slot as usize).and_then(Option::take);
        match (placed(&before), placed(&after)) {
            (Some((from, b)), Some((to, a))) if from == to => self.scopes[to].change(slot, b, a),
            (from, to) => {
                if let Some((scope, b)) = from {
                    self.scopes[scope].remove(slot, b);
                }
                if let Some((scope, a)) = to {
                    self.scopes[scope].add(slot, a);
                }
            }
        }
        match after {
            Some(s) => {
                if self.rows.len() <= slot as usize {
                    self.rows.resize(slot as usize + 1, None);
                }
                self.slots.insert(ticket, slot);
                self.rows[slot as usize] = Some(s);
            }
            None => {
                self.slots.remove(&ticket);
                if let Some(row) = self.rows.get_mut(slot as usize) {
                    *row = None;
                }
            }
        }
        Ok(())
    }

    /// Sets (or, with `None`, removes) one text source of `ticket`. A token leaves the
    /// ticket's posting only when no other source of the ticket still has it.
    fn set_source(
        &mut self,
        ticket: Ulid,
        source: Source,
        tokens: Option<Tokens>,
    ) -> Result<(), ProjectionError> {
        let Some(&slot) = self.slots.get(&ticket) else {
            if tokens.is_none() {
                return Ok(());
            }
            return Err(ProjectionError::Inconsistent(format!(
                "a text document for ticket {ticket} which has no summary"
            )));
        };
        let sources = self.documents.entry(slot).or_default();
        let at = sources.binary_search_by_key(&source, |(s, _)| *s);
        let before = match (at, tokens) {
            (Ok(i), Some(t)) => std::mem::replace(&mut sources[i].1, t),
            (Ok(i), None) => sources.remove(i).1,
            (Err(i), Some(t)) => {
                sources.insert(i, (source, t));
                Tokens::default()
            }
            (Err(_), None) => Tokens::default(),
        };
        let after = match sources.binary_search_by_key(&source, |(s, _)| *s) {
            Ok(i) => &sources[i].1,
            Err(_) => &Tokens::default(),
        };
        let has = |tokens: &Tokens, token: &String| tokens.binary_search(token).is_ok();
        for token in after.iter().filter(|t| !has(&before, t)) {
            self.postings.entry(token.clone()).or_default().insert(slot);
        }
        for token in before.iter().filter(|t| !has(after, t)) {
            if sources.iter().any(|(_, other)| has(other, token)) {
                continue;
            }
            if let Some(set) = self.postings.get_mut(token) {
                set.remove(slot);
                if set.is_empty() {
                    self.postings.remove(token);
                }
            }
        }
        if sources.is_empty() {
            self.documents.remove(&slot);
        }
        Ok(())
    }

    /// Folds one stored record in (`None`: removed).
    fn fold(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<(), ProjectionError> {
        let Some((&tag, rest)) = key.split_first() else {
            return Ok(());
        };
        if tag == DOCUMENT {
            let (ticket, source) = parse_source_key(rest).ok_or_else(|| {
                ProjectionError::Inconsistent("a malformed text document key".to_owned())
            })?;
            let tokens = value.map(|v| decode_tokens(source, v)).transpose()?;
            return self.set_source(ticket, source, tokens);
        }
        if tag != SUMMARY {
            return Ok(());
        }
        let id: [u8; 16] = rest.try_into().map_err(|_| {
            ProjectionError::Inconsistent("a views key without a ticket id".to_owned())
        })?;
        let summary = value.map(decode_value::<TicketSummary>).transpose()?;
        self.set_summary(Ulid::from_bytes(id), summary)
    }
}

/// Where a summary sits in the index: its scope, unless purged (then nowhere).
fn placed(summary: &Option<TicketSummary>) -> Option<(usize, &TicketSummary)> {
    summary
        .as_ref()
        .filter(|s| !s.purged)
        .map(|s| (scope_of(s), s))
}

/// The slot of ticket number `number`.
pub(crate) fn slot_of(number: u64) -> Result<u32, ProjectionError> {
    number
        .checked_sub(StreamKind::Ticket.first_number())
        .and_then(|s| u32::try_from(s).ok())
        .ok_or_else(|| {
            ProjectionError::Inconsistent(format!("ticket number {number} out of range"))
        })
}

/// The in-memory index of the `views` model.
pub struct ViewsMemory {
    state: RwLock<IndexState>,
}

impl ViewsMemory {
    /// Builds the index from the model's stored summaries and documents.
    pub(crate) fn load(view: &ProjectionView) -> Result<ViewsMemory, ProjectionError> {
        let mut state = IndexState::new(view.position());
        // Summaries first: a document belongs to a ticket that has one.
        for tag in [SUMMARY, DOCUMENT] {
            for item in view.scan(&[tag], None, false) {
                let (key, value) = item?;
                state.fold(&key, Some(&value))?;
            }
        }
        Ok(ViewsMemory {
            state: RwLock::new(state),
        })
    }

    /// A consistent read of the index.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, IndexState> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }
}

impl MemoryIndex for ViewsMemory {
    fn committed(&self, writes: &[Write], position: u64) -> Result<(), ProjectionError> {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        // Writes come in key order, so summaries (`s`) come before documents (`x`).
        for (key, value) in writes {
            state.fold(key, value.as_deref())?;
        }
        state.position = position;
        Ok(())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
