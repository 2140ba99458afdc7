//! Ticket links, both ways: a `ticket.linked` is written only to the stream of the ticket it
//! was made from (the store appends to one stream atomically, and a second append to the other
//! ticket's stream could be lost between the two), so the other side is derived here.
//!
//! **Keys**: `l <ticket 16> <direction 1> <other 16>` → [`LinkRecord`], direction 0 for a link
//! made from `ticket` (outbound), 1 for a link made from `other` (inbound). A link writes two
//! keys (its outbound key on its ticket and the inbound key on the other); an unlink removes
//! both. The direction is in the key because two tickets may link each other: A → B and B → A
//! are two links, each shown on both tickets.
//!
//! A purge removes the purged ticket's keys and the inbound keys its own links made on other
//! tickets; links other tickets made to it stay on their side (their streams still hold them,
//! and they can still be removed), and a link made to an already purged ticket leaves no
//! inbound key on its tombstone.

use ledgerdesk_core::ticket::TicketEvent;
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::{keyed, load, save, TicketSummary, SUMMARY};
use crate::{Changes, ProjectionError, ProjectionView};

/// Prefix of link records.
pub(crate) const LINK: u8 = b'l';

/// Which ticket a link was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkDirection {
    /// Made from this ticket (its stream holds the link).
    Outbound,
    /// Made from the other ticket (the other stream holds it).
    Inbound,
}

impl LinkDirection {
    fn byte(self) -> u8 {
        match self {
            LinkDirection::Outbound => 0,
            LinkDirection::Inbound => 1,
        }
    }
}

/// One link as a ticket sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRecord {
    /// The link's id (chosen on the ticket it was made from).
    pub link_id: Ulid,
    /// The other ticket.
    pub ticket_id: Ulid,
    /// Whether this ticket or the other made it.
    pub direction: LinkDirection,
    /// Why they are linked.
    pub comment: Option<String>,
}

fn link_key(ticket: Ulid, direction: LinkDirection, other: Ulid) -> Vec<u8> {
    let mut k = keyed(LINK, &ticket.to_bytes());
    k.push(direction.byte());
    k.extend_from_slice(&other.to_bytes());
    k
}

/// Folds a ticket event of `ticket` into the link records; other events write nothing.
pub(super) fn apply(
    changes: &mut Changes<'_>,
    ticket: Ulid,
    event: &TicketEvent,
) -> Result<(), ProjectionError> {
    match event {
        TicketEvent::Linked(l) => {
            let outbound = LinkRecord {
                link_id: l.link_id,
                ticket_id: l.ticket_id,
                direction: LinkDirection::Outbound,
                comment: l.comment.clone(),
            };
            save(
                changes,
                &link_key(ticket, LinkDirection::Outbound, l.ticket_id),
                &outbound,
            )?;
            let other: Option<TicketSummary> =
                load(changes, &keyed(SUMMARY, &l.ticket_id.to_bytes()))?;
            if other.is_some_and(|s| !s.purged) {
                let inbound = LinkRecord {
                    ticket_id: ticket,
                    direction: LinkDirection::Inbound,
                    ..outbound
                };
                save(
                    changes,
                    &link_key(l.ticket_id, LinkDirection::Inbound, ticket),
                    &inbound,
                )?;
            }
            Ok(())
        }
        TicketEvent::Unlinked(l) => {
            changes.remove(&link_key(ticket, LinkDirection::Outbound, l.ticket_id));
            changes.remove(&link_key(l.ticket_id, LinkDirection::Inbound, ticket));
            Ok(())
        }
        TicketEvent::Purged(_) => {
            let own = keyed(LINK, &ticket.to_bytes());
            for key in changes.keys_with_prefix(&own)? {
                if key.get(own.len()) == Some(&LinkDirection::Outbound.byte()) {
                    let other = key
                        .get(own.len() + 1..)
                        .and_then(|b| <[u8; 16]>::try_from(b).ok())
                        .map(Ulid::from_bytes)
                        .ok_or_else(|| {
                            ProjectionError::Inconsistent("a malformed link key".to_owned())
                        })?;
                    changes.remove(&link_key(other, LinkDirection::Inbound, ticket));
                }
                changes.remove(&key);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The links of `ticket`, both directions: outbound first, each in the other ticket's id order.
pub fn links(view: &ProjectionView, ticket: Ulid) -> Result<Vec<LinkRecord>, ProjectionError> {
    view.scan(&keyed(LINK, &ticket.to_bytes()), None, false)
        .map(|item| {
            let (_, value) = item?;
            super::decode_value(&value)
        })
        .collect()
}
