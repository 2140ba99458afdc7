//! The links of a user's profile (department, manager, location, company) as a profile update
//! sets, clears or keeps them (`PATCH /api/users/{id}`, [`super::users::update_profile`]).
//!
//! A named link must be a live entity of its kind in the directory model once it reflects the
//! whole log (400 with the field otherwise). A link the request does not name keeps the value
//! the directory model shows: that is the aggregate's value, or the replacement a delete moved
//! the user to (the model applies replacements; the user's stream is not rewritten), so a later
//! update never puts a user back on a deleted company or location.

use ledgerdesk_core::directory::user::UserProfile;
use ledgerdesk_core::StreamKind;
use ledgerdesk_projections::directory;
use ulid::Ulid;

use super::references::caught_up;
use crate::commands::parse_id;
use crate::error::ApiError;
use crate::state::AppState;

/// One link of a profile patch: absent (keep), `null` (clear) or an id (set).
pub(super) type LinkInput = Option<Option<String>>;

/// The four links of a profile patch, in the request's terms.
#[derive(Debug, Default)]
pub(super) struct LinkPatch {
    /// `department_id`.
    pub(super) department: LinkInput,
    /// `manager_id` (a user).
    pub(super) manager: LinkInput,
    /// `location_id`.
    pub(super) location: LinkInput,
    /// `company_id`.
    pub(super) company: LinkInput,
}

/// The profile slot of link `field`.
fn slot<'a>(profile: &'a mut UserProfile, field: &str) -> Option<&'a mut Option<Ulid>> {
    match field {
        "department_id" => Some(&mut profile.department_id),
        "manager_id" => Some(&mut profile.manager_id),
        "location_id" => Some(&mut profile.location_id),
        "company_id" => Some(&mut profile.company_id),
        _ => None,
    }
}

/// Applies `patch` to `profile` (the user `user`'s, loaded from its stream).
pub(super) async fn apply(
    state: &AppState,
    user: Ulid,
    profile: &mut UserProfile,
    patch: LinkPatch,
) -> Result<(), ApiError> {
    let view = caught_up(state, directory::NAME).await?;
    let entry = directory::get(&view, StreamKind::User, user)
        .map_err(|e| ApiError::internal("reading the directory", e))?;
    let links = [
        ("department_id", StreamKind::Department, patch.department),
        ("manager_id", StreamKind::User, patch.manager),
        ("location_id", StreamKind::Location, patch.location),
        ("company_id", StreamKind::Company, patch.company),
    ];
    for (field, kind, input) in links {
        let value = match input {
            None => match &entry {
                Some(e) => directory::user_link(e, field),
                None => continue,
            },
            Some(None) => None,
            Some(Some(text)) => {
                let id = parse_id(&text, kind, field)?;
                let live = directory::get(&view, kind, id)
                    .map_err(|e| ApiError::internal("reading the directory", e))?
                    .is_some_and(|e| !e.deleted);
                if !live {
                    return Err(
                        ApiError::invalid(format!("no {} {id}", kind.as_str())).with_field(field)
                    );
                }
                Some(id)
            }
        };
        if let Some(slot) = slot(profile, field) {
            *slot = value;
        }
    }
    Ok(())
}
