//! Reading the approvals model.

use serde::Serialize;
use ulid::Ulid;

use super::{pending_prefix, record_key, ticket_prefix, ApprovalRecord};
use crate::kv::decode_value;
use crate::{ProjectionError, ProjectionView};

/// The most approvals one answer lists (a voter or a ticket with more is an anomaly).
pub const MAX_ITEMS: usize = 1_000;

/// An approval a voter still has to vote on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingApproval {
    /// The ticket it belongs to.
    pub ticket_id: Ulid,
    /// The approval.
    pub approval: ApprovalRecord,
}

/// The approvals waiting for `voter`'s vote, by ticket then approval id (at most
/// [`MAX_ITEMS`]).
pub fn pending_for_voter(
    view: &ProjectionView,
    voter: Ulid,
) -> Result<Vec<PendingApproval>, ProjectionError> {
    let prefix = pending_prefix(voter);
    let mut out = Vec::new();
    for item in view.scan(&prefix, None, false).take(MAX_ITEMS) {
        let (key, _) = item?;
        let rest = &key[prefix.len()..];
        let (ticket, approval) = match (rest.get(..16), rest.get(16..32)) {
            (Some(t), Some(a)) => (ulid_of(t)?, ulid_of(a)?),
            _ => return Err(ProjectionError::Inconsistent("short pending key".into())),
        };
        let bytes = view.get(&record_key(ticket, approval))?.ok_or_else(|| {
            ProjectionError::Inconsistent(format!("pending approval {approval} has no record"))
        })?;
        out.push(PendingApproval {
            ticket_id: ticket,
            approval: decode_value(&bytes)?,
        });
    }
    Ok(out)
}

/// Every approval of `ticket`, waiting or not, by approval id.
pub fn for_ticket(
    view: &ProjectionView,
    ticket: Ulid,
) -> Result<Vec<ApprovalRecord>, ProjectionError> {
    view.scan(&ticket_prefix(ticket), None, false)
        .take(MAX_ITEMS)
        .map(|item| item.and_then(|(_, v)| decode_value(&v)))
        .collect()
}

fn ulid_of(bytes: &[u8]) -> Result<Ulid, ProjectionError> {
    let arr: [u8; 16] = bytes
        .try_into()
        .map_err(|_| ProjectionError::Inconsistent("bad id in a key".into()))?;
    Ok(Ulid::from_bytes(arr))
}
