//! The inverted index for text search over subject, description and public replies.
//!
//! Stored: `x <ticket>` → the ticket's tokens per text source (subject, description, each
//! reply), so an edit or a deleted reply changes exactly its source, and a purge removes the
//! document. The postings (token → tickets) are derived from the documents in memory
//! ([`super::memory`]): one sled write per text event, however many tokens it holds.
//!
//! Internal notes are not indexed: a search serves requesters too, and notes are never theirs
//! to see.

use std::collections::{BTreeMap, BTreeSet};

use ledgerdesk_core::ticket::TicketEvent;
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::index::id_bytes;
use super::{load, save};
use crate::{Changes, ProjectionError};

/// Prefix of the per-ticket token documents.
pub(crate) const DOCUMENT: u8 = b'x';
/// Longer tokens are cut to this many characters (in documents and queries alike), to bound
/// key sizes.
const MAX_TOKEN_CHARS: usize = 48;

/// The terms of a text: lowercased runs of alphanumeric characters of at least 2 characters.
pub fn tokenize(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(|w| w.to_lowercase().chars().take(MAX_TOKEN_CHARS).collect())
        .collect()
}

/// Where a ticket's text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum Source {
    Subject,
    Description,
    Reply(u128),
}

/// A ticket's tokens per source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TextDoc {
    sources: BTreeMap<Source, BTreeSet<String>>,
}

impl TextDoc {
    /// Every token of every source.
    pub(crate) fn tokens(&self) -> BTreeSet<String> {
        self.sources.values().flatten().cloned().collect()
    }

    fn replies(&self) -> u32 {
        let n = self
            .sources
            .keys()
            .filter(|s| matches!(s, Source::Reply(_)))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

fn document_key(ticket: Ulid) -> Vec<u8> {
    let mut k = vec![DOCUMENT];
    k.extend_from_slice(&id_bytes(ticket));
    k
}

/// What an event does to the ticket's text, if anything.
enum Edit<'a> {
    Set(Source, &'a str),
    /// Replace the source only if it exists (an edit of an unknown reply changes nothing).
    Replace(Source, &'a str),
    Remove(Source),
    RemoveAll,
}

fn edit_of(event: &TicketEvent) -> Option<Edit<'_>> {
    Some(match event {
        // The description, the creation's second source, is set in `apply`.
        TicketEvent::Created(c) => Edit::Set(Source::Subject, c.subject.as_str()),
        TicketEvent::SubjectChanged(c) => Edit::Set(Source::Subject, c.new.as_str()),
        TicketEvent::DescriptionChanged(c) => Edit::Set(Source::Description, c.new.as_str()),
        TicketEvent::ReplyAdded(r) => Edit::Set(Source::Reply(r.comment_id.0), r.body.as_str()),
        TicketEvent::ReplyEdited(e) => {
            Edit::Replace(Source::Reply(e.message_id.0), e.new_body.as_str())
        }
        TicketEvent::ReplyDeleted(d) => Edit::Remove(Source::Reply(d.message_id.0)),
        TicketEvent::Purged(_) => Edit::RemoveAll,
        _ => return None,
    })
}

/// Applies `event`'s text changes to ticket `ticket`. Returns the number of existing replies
/// when the event concerned replies (the summary's `reply_count`).
pub(crate) fn apply(
    changes: &mut Changes<'_>,
    ticket: Ulid,
    event: &TicketEvent,
) -> Result<Option<u32>, ProjectionError> {
    let Some(edit) = edit_of(event) else {
        return Ok(None);
    };
    let key = document_key(ticket);
    let before: TextDoc = load(changes, &key)?.unwrap_or_default();
    let mut after = before.clone();
    match edit {
        Edit::Set(source, text) => {
            after.sources.insert(source, tokenize(text));
        }
        Edit::Replace(source, text) => {
            if let Some(tokens) = after.sources.get_mut(&source) {
                *tokens = tokenize(text);
            }
        }
        Edit::Remove(source) => {
            after.sources.remove(&source);
        }
        Edit::RemoveAll => after.sources.clear(),
    }
    if let TicketEvent::Created(c) = event {
        after
            .sources
            .insert(Source::Description, tokenize(&c.description));
    }
    if after.sources.is_empty() {
        changes.remove(&key);
    } else if after != before {
        save(changes, &key, &after)?;
    }
    let touches_replies = matches!(
        event,
        TicketEvent::ReplyAdded(_) | TicketEvent::ReplyDeleted(_) | TicketEvent::Purged(_)
    );
    Ok(touches_replies.then(|| after.replies()))
}
