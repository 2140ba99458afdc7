//! The article's `decide` and the validation of its fields and attachments.

use std::collections::{BTreeMap, BTreeSet};

use ulid::Ulid;

use super::{
    ArticleChange, ArticleCommand, ArticleContent, ArticleCreated, ArticleError, ArticleEvent,
    ArticleModified, ArticlePatch, ArticleState, Attachment, AttachmentRemoved,
    ATTACHMENT_MAX_BYTES, KEYWORDS_MAX, KEYWORD_MAX,
};
use crate::directory::values::{required, required_body, LONG_MAX, SHORT_MAX};
use crate::directory::{change, normalise, parse_description, CommandContext, CommonError, Stamp};

/// Trims, lowercases and de-duplicates keywords; refuses blank or over-long ones and more than
/// [`KEYWORDS_MAX`].
pub fn parse_keywords(input: &BTreeSet<String>) -> Result<BTreeSet<String>, CommonError> {
    let keywords = input
        .iter()
        .map(|k| required("keywords", k, KEYWORD_MAX).map(|k| normalise(&k)))
        .collect::<Result<BTreeSet<_>, _>>()?;
    if keywords.len() > KEYWORDS_MAX {
        return Err(CommonError::Invalid {
            field: "keywords",
            reason: "at most 50 keywords",
        });
    }
    Ok(keywords)
}

impl Attachment {
    /// Validates the file name, media type, size and hash (hash and type lowercased).
    pub fn validate(&self) -> Result<Attachment, CommonError> {
        let name = required("attachment_name", &self.name, SHORT_MAX)?;
        if name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
        {
            return Err(CommonError::Invalid {
                field: "attachment_name",
                reason: "must be a file name without directories",
            });
        }
        let content_type = required("content_type", &self.content_type, 127)?.to_ascii_lowercase();
        let token = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
        };
        match content_type.split_once('/') {
            Some((kind, sub)) if token(kind) && token(sub) => {}
            _ => {
                return Err(CommonError::Invalid {
                    field: "content_type",
                    reason: "expected type/subtype",
                })
            }
        }
        if self.size_bytes > ATTACHMENT_MAX_BYTES {
            return Err(CommonError::Invalid {
                field: "size_bytes",
                reason: "must be at most 1 GiB",
            });
        }
        let blake3 = self.blake3.trim().to_ascii_lowercase();
        if blake3.len() != 64 || !blake3.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(CommonError::Invalid {
                field: "blake3",
                reason: "expected 64 hex digits",
            });
        }
        Ok(Attachment {
            attachment_id: self.attachment_id,
            name,
            content_type,
            size_bytes: self.size_bytes,
            blake3,
        })
    }
}

/// Validates the editable fields of an article.
fn parse_content(raw: &ArticleContent) -> Result<ArticleContent, CommonError> {
    Ok(ArticleContent {
        title: required("title", &raw.title, SHORT_MAX)?,
        description: parse_description(raw.description.as_deref())?,
        content: required_body("content", &raw.content, LONG_MAX)?,
        category_id: raw.category_id,
        private: raw.private,
        responsible_id: raw.responsible_id,
        keywords: parse_keywords(&raw.keywords)?,
    })
}

/// Applies a patch to the current fields: the fields it sets replace the current ones.
fn patched(current: &ArticleContent, patch: &ArticlePatch) -> ArticleContent {
    let mut next = current.clone();
    if let Some(title) = &patch.title {
        next.title.clone_from(title);
    }
    if let Some(description) = &patch.description {
        next.description.clone_from(description);
    }
    if let Some(content) = &patch.content {
        next.content.clone_from(content);
    }
    next.category_id = patch.category_id.unwrap_or(next.category_id);
    next.private = patch.private.unwrap_or(next.private);
    next.responsible_id = patch.responsible_id.unwrap_or(next.responsible_id);
    if let Some(keywords) = &patch.keywords {
        next.keywords.clone_from(keywords);
    }
    next
}

/// Every field that differs between `old` and `new`, in field order.
fn changes(old: &ArticleContent, new: ArticleContent) -> Vec<ArticleChange> {
    [
        change(&old.title, new.title).map(ArticleChange::Title),
        change(&old.description, new.description).map(ArticleChange::Description),
        change(&old.content, new.content).map(ArticleChange::Content),
        change(&old.category_id, new.category_id).map(ArticleChange::Category),
        change(&old.private, new.private).map(ArticleChange::Private),
        change(&old.responsible_id, new.responsible_id).map(ArticleChange::Responsible),
        change(&old.keywords, new.keywords).map(ArticleChange::Keywords),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Validates attachments, refusing an id used twice (or already on the article).
fn parse_attachments<'a>(
    existing: &BTreeMap<Ulid, Attachment>,
    raw: impl IntoIterator<Item = &'a Attachment>,
) -> Result<Vec<Attachment>, ArticleError> {
    let mut seen: BTreeSet<Ulid> = existing.keys().copied().collect();
    raw.into_iter()
        .map(|a| {
            if !seen.insert(a.attachment_id) {
                return Err(ArticleError::AttachmentExists(a.attachment_id));
            }
            Ok(a.validate()?)
        })
        .collect()
}

/// Decides the events of an article command, or refuses it.
pub fn decide(
    state: &ArticleState,
    command: &ArticleCommand,
    ctx: &CommandContext,
) -> Result<Vec<ArticleEvent>, ArticleError> {
    if let ArticleCommand::Create {
        article_id,
        author_id,
        content,
        responsible_id,
        attachments,
    } = command
    {
        state.lifecycle.require_new()?;
        let content = ArticleContent {
            responsible_id: responsible_id.unwrap_or(*author_id),
            ..parse_content(content)?
        };
        return Ok(vec![ArticleEvent::Created(ArticleCreated {
            article_id: *article_id,
            author_id: *author_id,
            content,
            attachments: parse_attachments(&BTreeMap::new(), attachments)?,
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    let events = match command {
        ArticleCommand::Create { .. } => return Err(CommonError::AlreadyExists.into()),
        ArticleCommand::Modify { patch } => {
            let next = parse_content(&patched(&state.content, patch))?;
            let changes = changes(&state.content, next);
            if changes.is_empty() {
                return Ok(Vec::new());
            }
            vec![ArticleEvent::Modified(ArticleModified {
                changes,
                by: ctx.actor,
                at: ctx.now,
            })]
        }
        ArticleCommand::AddAttachment { attachment } => {
            parse_attachments(&state.attachments, [attachment])?
                .into_iter()
                .map(ArticleEvent::AttachmentAdded)
                .collect()
        }
        ArticleCommand::RemoveAttachment { attachment_id } => {
            let Some(attachment) = state.attachments.get(attachment_id) else {
                return Err(ArticleError::UnknownAttachment(*attachment_id));
            };
            vec![ArticleEvent::AttachmentRemoved(AttachmentRemoved {
                attachment_id: *attachment_id,
                name: attachment.name.clone(),
            })]
        }
        ArticleCommand::Delete => vec![ArticleEvent::Deleted(Stamp::of(ctx))],
    };
    Ok(events)
}
