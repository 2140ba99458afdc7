//! Attachments: multipart upload into the blob store, download, removal.
//!
//! `POST /api/tickets/{id}/attachments` takes a `multipart/form-data` body with one file part
//! named `file`; `?reply_id=` or `?note_id=` attach it to a reply or a note instead of the
//! ticket. The bytes are streamed to the blob store ([`crate::blobs`]), hashed and counted;
//! past the configured attachment limit the upload is refused with 413 and nothing is kept.
//! The blob is durable (fsynced and renamed) before the `ticket.attachment_added` event, which
//! holds only the description ([`AttachmentMeta`]), is appended.
//!
//! Who may: agents and admins everything; a requester on their own ticket, to the ticket or to
//! a reply of their own, never to a note; auditors upload nothing. Download follows the
//! ticket's visibility: a requester gets attachments of their own tickets except those of
//! internal notes (a 404, as if they did not exist); auditors, agents and admins all.

use actix_multipart::Multipart;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::http::StatusCode;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use futures::StreamExt;
use ledgerdesk_core::ticket::{
    AttachmentMeta, AttachmentTarget, TicketAggregate, TicketCommand, TicketState,
};
use serde::Deserialize;

use super::{
    item_id, new_item_id, run, run_creating, target, CommandHeaders, OnItemCreatedResponses,
    OnTicketResponses, PARTICIPANTS, WORKERS,
};
use crate::auth::{Caller, Role};
use crate::blobs::{BlobError, BlobStore};
use crate::error::ApiError;
use crate::state::AppState;

/// The longest file name kept.
const NAME_MAX_CHARS: usize = 255;
/// Who may read attachments (requesters: of their own tickets, not of notes).
const READERS: &[Role] = &[Role::Admin, Role::Agent, Role::Auditor, Role::Requester];

fn blob_error(e: BlobError) -> ApiError {
    match e {
        BlobError::TooLarge { .. } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.to_string())
                .with_field("file")
        }
        other => ApiError::internal("the blob store", other),
    }
}

/// Where an upload goes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// Attach to this reply (its ULID).
    reply_id: Option<String>,
    /// Attach to this internal note (its ULID). Agents and admins.
    note_id: Option<String>,
}

/// The multipart form of an upload (for the OpenAPI document).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file, with its name and content type.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

async fn load(
    state: &AppState,
    stream: ledgerdesk_core::StreamId,
) -> Result<TicketState, ApiError> {
    Ok(state
        .commands
        .load::<TicketAggregate>(stream)
        .await
        .map_err(|e| ApiError::internal("loading a ticket", e))?
        .0)
}

/// What the upload is attached to, checked before a byte is read: the reply or note must exist
/// and, for a requester, be their own reply.
fn attachment_target(
    caller: &Caller,
    ticket: &TicketState,
    query: &UploadQuery,
) -> Result<AttachmentTarget, ApiError> {
    match (&query.reply_id, &query.note_id) {
        (Some(_), Some(_)) => {
            Err(ApiError::invalid("give reply_id or note_id, not both").with_field("note_id"))
        }
        (Some(r), None) => {
            let id = item_id(r, "reply_id")?;
            let reply = ticket.replies.get(&id).filter(|m| !m.deleted);
            match reply {
                Some(m) if caller.role != Role::Requester || m.author_id == caller.user_id => {
                    Ok(AttachmentTarget::Reply(id))
                }
                Some(_) => Err(ApiError::forbidden(
                    "requesters attach files to their own replies only",
                )
                .with_field("reply_id")),
                None => Err(ApiError::invalid(format!("no reply {r}")).with_field("reply_id")),
            }
        }
        (None, Some(n)) => {
            if caller.role == Role::Requester {
                return Err(
                    ApiError::forbidden("requesters cannot attach files to notes")
                        .with_field("note_id"),
                );
            }
            let id = item_id(n, "note_id")?;
            if ticket.notes.get(&id).is_some_and(|m| !m.deleted) {
                Ok(AttachmentTarget::Note(id))
            } else {
                Err(ApiError::invalid(format!("no note {n}")).with_field("note_id"))
            }
        }
        (None, None) => Ok(AttachmentTarget::Ticket),
    }
}

/// The file name as kept: the last path component, without control characters.
fn clean_name(raw: &str) -> Result<String, ApiError> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last.chars().filter(|c| !c.is_control()).collect();
    let name = name.trim();
    if name.is_empty() || name == "." || name == ".." {
        return Err(ApiError::invalid("the file part needs a file name").with_field("file"));
    }
    Ok(name.chars().take(NAME_MAX_CHARS).collect())
}

/// `filename=` for an ASCII name; otherwise an ASCII fallback and the UTF-8 `filename*=`
/// (RFC 6266), so any stored name makes a valid header.
fn filename_params(name: &str) -> Vec<DispositionParam> {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if ascii == name {
        return vec![DispositionParam::Filename(ascii)];
    }
    vec![
        DispositionParam::Filename(ascii),
        DispositionParam::FilenameExt(actix_web::http::header::ExtendedValue {
            charset: actix_web::http::header::Charset::Ext("UTF-8".to_owned()),
            language_tag: None,
            value: name.as_bytes().to_vec(),
        }),
    ]
}

/// Uploads a file (multipart part `file`) and attaches it to the ticket, a reply or a note;
/// answers the attachment's id as `item_id`. 413 past the attachment limit (nothing kept).
#[utoipa::path(tag = "attachments", security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), UploadQuery,
        CommandHeaders),
    responses(OnItemCreatedResponses,
        (status = 413, description = "larger than the attachment limit", body = crate::error::ErrorBody)))]
#[post("/tickets/{id}/attachments")]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<UploadQuery>,
    mut form: Multipart,
) -> Result<HttpResponse, ApiError> {
    caller.require(PARTICIPANTS)?;
    // Fail fast on bad headers, before anything is written.
    crate::commands::options(&req, &caller)?;
    let stream = target(&state, &caller, &path).await?;
    let ticket = load(&state, stream).await?;
    let attach_to = attachment_target(&caller, &ticket, &query)?;
    let store = BlobStore::new(&state.config.data_dir);
    let mut stored = None;
    while let Some(part) = form.next().await {
        let mut part = part.map_err(|e| ApiError::invalid(format!("bad multipart body: {e}")))?;
        if part.name() != Some("file") {
            // Other parts are read and dropped.
            while let Some(chunk) = part.next().await {
                chunk.map_err(|e| ApiError::invalid(format!("bad multipart body: {e}")))?;
            }
            continue;
        }
        if stored.is_some() {
            return Err(ApiError::invalid("one file per upload").with_field("file"));
        }
        let name = clean_name(
            part.content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or_default(),
        )?;
        let content_type = part
            .content_type()
            .map_or_else(|| "application/octet-stream".to_owned(), |m| m.to_string());
        let mut writer = store
            .writer(state.config.attachment_limit)
            .await
            .map_err(blob_error)?;
        while let Some(chunk) = part.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    writer.discard().await;
                    return Err(ApiError::invalid(format!("bad multipart body: {e}")));
                }
            };
            writer.write(&chunk).await.map_err(blob_error)?;
        }
        stored = Some((
            name,
            content_type,
            writer.commit().await.map_err(blob_error)?,
        ));
    }
    let (name, content_type, blob) = stored
        .ok_or_else(|| ApiError::invalid("the body has no part named file").with_field("file"))?;
    let attachment_id = new_item_id(&req, &caller, "attachment");
    let command = TicketCommand::AddAttachment {
        target: attach_to,
        attachment: AttachmentMeta {
            attachment_id,
            name,
            content_type,
            size_bytes: blob.size_bytes,
            blake3_hex: blob.blake3_hex,
        },
    };
    run_creating(&state, &caller, &req, stream, command, attachment_id).await
}

/// Downloads an attachment, with its content type and file name, streamed from the blob
/// store (a damaged blob ends the transfer short rather than sending wrong bytes).
#[utoipa::path(tag = "attachments", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("attachment_id" = String, Path, description = "the attachment's ULID")),
    responses((status = 200, description = "the file's bytes"),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/tickets/{id}/attachments/{attachment_id}")]
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let (id, attachment) = path.into_inner();
    let attachment_id = item_id(&attachment, "attachment_id")?;
    let stream = target(&state, &caller, &id).await?;
    let ticket = load(&state, stream).await?;
    let missing = || ApiError::not_found(format!("no attachment {attachment} on ticket {id}"));
    let found = ticket.attachments.get(&attachment_id).ok_or_else(missing)?;
    if caller.role == Role::Requester && matches!(found.target, AttachmentTarget::Note(_)) {
        return Err(missing());
    }
    // Streamed from the file in chunks (never the whole file in memory), with its length.
    let (size, body) = BlobStore::new(&state.config.data_dir)
        .stream(&found.meta.blake3_hex)
        .await
        .map_err(|e| ApiError::internal("reading an attachment", e))?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: filename_params(&found.meta.name),
    };
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CONTENT_TYPE,
            found.meta.content_type.as_str(),
        ))
        .insert_header(disposition)
        .no_chunking(size)
        .streaming(body))
}

/// Removes an attachment from the ticket (its bytes stay in the blob store until collected).
#[utoipa::path(tag = "attachments", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("attachment_id" = String, Path, description = "the attachment's ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[delete("/tickets/{id}/attachments/{attachment_id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let (id, attachment) = path.into_inner();
    let attachment_id = item_id(&attachment, "attachment_id")?;
    let stream = target(&state, &caller, &id).await?;
    let command = TicketCommand::RemoveAttachment { attachment_id };
    run(&state, &caller, &req, stream, command, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_their_last_component_and_refuse_empty_ones() {
        assert_eq!(clean_name("C:\\Users\\me\\shot.png").unwrap(), "shot.png");
        assert_eq!(clean_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(clean_name("a\u{7}b.txt").unwrap(), "ab.txt");
        assert!(clean_name("").is_err());
        assert!(clean_name("dir/").is_err());
        assert!(clean_name("..").is_err());
        assert_eq!(clean_name(&"x".repeat(300)).unwrap().len(), NAME_MAX_CHARS);
    }

    #[test]
    fn non_ascii_names_get_an_ascii_fallback_and_the_utf8_form() {
        assert_eq!(
            filename_params("report.pdf"),
            vec![DispositionParam::Filename("report.pdf".into())]
        );
        let params = filename_params("résumé.pdf");
        assert_eq!(params[0], DispositionParam::Filename("r_sum_.pdf".into()));
        assert!(
            matches!(&params[1], DispositionParam::FilenameExt(v) if v.value == "résumé.pdf".as_bytes())
        );
    }
}
