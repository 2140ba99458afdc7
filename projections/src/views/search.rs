//! The inverted index for text search over subject, description and public replies.
//!
//! Stored: `x <ticket> 0` → the tokens of the ticket's subject and description, and
//! `x <ticket> 1 <reply>` → the tokens of one public reply. An event rewrites exactly the
//! record it concerns, so a reply to a long thread costs the same as the first one, and a
//! deleted reply removes its key. A purge removes every record of the ticket. The postings
//! (token → tickets) are derived from the records in memory ([`super::memory`]).
//!
//! Internal notes are not indexed: a search serves requesters too, and notes are never theirs
//! to see.

use std::collections::BTreeSet;

use ledgerdesk_core::ticket::TicketEvent;
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::index::id_bytes;
use super::{decode_value, encode_value, load, save};
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

/// A stored text record of a ticket: its head (subject and description, set together at
/// creation and rarely changed) or one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Source {
    Head,
    Reply(u128),
}

const HEAD: u8 = 0;
const REPLY: u8 = 1;

/// The tokens of a ticket's subject and of its description, kept apart so that a new subject
/// takes away exactly the subject's old words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct HeadText {
    subject: BTreeSet<String>,
    description: BTreeSet<String>,
}

/// The key prefix of every text record of `ticket`.
fn document_prefix(ticket: Ulid) -> Vec<u8> {
    let mut k = Vec::with_capacity(34);
    k.push(DOCUMENT);
    k.extend_from_slice(&id_bytes(ticket));
    k
}

fn source_key(ticket: Ulid, source: Source) -> Vec<u8> {
    let mut k = document_prefix(ticket);
    match source {
        Source::Head => k.push(HEAD),
        Source::Reply(id) => {
            k.push(REPLY);
            k.extend_from_slice(&id.to_be_bytes());
        }
    }
    k
}

/// The ticket and source a stored text key names (the key without its `x` tag).
pub(crate) fn parse_source_key(rest: &[u8]) -> Option<(Ulid, Source)> {
    let (ticket, source) = rest.split_at_checked(16)?;
    let ticket = Ulid::from_bytes(ticket.try_into().ok()?);
    let source = match source.split_first()? {
        (&HEAD, []) => Source::Head,
        (&REPLY, id) => Source::Reply(u128::from_be_bytes(id.try_into().ok()?)),
        _ => return None,
    };
    Some((ticket, source))
}

/// The tokens of one text record, sorted and distinct.
pub(crate) type Tokens = Box<[String]>;

/// The searchable tokens of a stored text record.
pub(crate) fn decode_tokens(source: Source, value: &[u8]) -> Result<Tokens, ProjectionError> {
    Ok(match source {
        Source::Head => {
            let head: HeadText = decode_value(value)?;
            let tokens: BTreeSet<String> =
                head.subject.into_iter().chain(head.description).collect();
            tokens.into_iter().collect()
        }
        // Stored as a set: a sorted sequence of distinct tokens, which decodes as a list as is.
        Source::Reply(_) => decode_value::<Vec<String>>(value)?.into_boxed_slice(),
    })
}

/// Applies `event`'s text changes to ticket `ticket`, whose summary counts `replies` replies.
/// Returns the new count when the event concerned replies (the summary's `reply_count`).
pub(crate) fn apply(
    changes: &mut Changes<'_>,
    ticket: Ulid,
    event: &TicketEvent,
    replies: u32,
) -> Result<Option<u32>, ProjectionError> {
    match event {
        TicketEvent::Created(c) => {
            let head = HeadText {
                subject: tokenize(&c.subject),
                description: tokenize(&c.description),
            };
            save(changes, &source_key(ticket, Source::Head), &head)?;
        }
        TicketEvent::SubjectChanged(c) => {
            change_head(changes, ticket, |head| head.subject = tokenize(&c.new))?;
        }
        TicketEvent::DescriptionChanged(c) => {
            change_head(changes, ticket, |head| head.description = tokenize(&c.new))?;
        }
        TicketEvent::ReplyAdded(r) => {
            let key = source_key(ticket, Source::Reply(r.comment_id.0));
            let existed = changes.get(&key)?.is_some();
            save(changes, &key, &tokenize(&r.body))?;
            return Ok(Some(replies.saturating_add(u32::from(!existed))));
        }
        TicketEvent::ReplyEdited(e) => {
            // An edit of an unknown reply changes nothing.
            let key = source_key(ticket, Source::Reply(e.message_id.0));
            if let Some(before) = changes.get(&key)? {
                let after = encode_value(&tokenize(&e.new_body))?;
                if after != before {
                    changes.insert(&key, after);
                }
            }
        }
        TicketEvent::ReplyDeleted(d) => {
            let key = source_key(ticket, Source::Reply(d.message_id.0));
            if changes.get(&key)?.is_none() {
                return Ok(Some(replies));
            }
            changes.remove(&key);
            return Ok(Some(replies.saturating_sub(1)));
        }
        TicketEvent::Purged(_) => {
            for key in changes.keys_with_prefix(&document_prefix(ticket))? {
                changes.remove(&key);
            }
            return Ok(Some(0));
        }
        _ => {}
    }
    Ok(None)
}

/// Changes the head record of `ticket` by `edit`, storing it only if it changed.
fn change_head(
    changes: &mut Changes<'_>,
    ticket: Ulid,
    edit: impl FnOnce(&mut HeadText),
) -> Result<(), ProjectionError> {
    let key = source_key(ticket, Source::Head);
    let before: HeadText = load(changes, &key)?.unwrap_or_default();
    let mut after = before.clone();
    edit(&mut after);
    if after != before {
        save(changes, &key, &after)?;
    }
    Ok(())
}
