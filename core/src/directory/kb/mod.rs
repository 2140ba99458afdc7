//! Knowledge-base articles (InvGate KB): a title, an optional description, the content, a KB
//! category, private or public, an author, a responsible user (the author unless another is
//! named), keywords for search, and attachments.
//!
//! KB categories are the knowledge tree of [`super::category`] ([`super::category::TreeKind::Knowledge`],
//! stream kind `kbcategory`); the caller checks that `category_id` names one. Attachments are
//! described here (file name, content type, size, BLAKE3 hash of the bytes); the bytes live in
//! the blob store beside the log, addressed by their hash, so the log stays small and an
//! auditor can still check a file against its record.
//!
//! A modification records every changed field with its old and new value, so the history read
//! model shows field-level changes. Articles claim no unique value: titles are free.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::{Change, CommonError, Lifecycle, Stamp};
use crate::envelope::UniqueClaim;
use crate::ids::{Actor, Timestamp};

mod decide;
#[cfg(test)]
mod tests;

pub use decide::{decide, parse_keywords};

/// Largest attachment accepted: 1 GiB.
pub const ATTACHMENT_MAX_BYTES: u64 = 1 << 30;
/// Longest keyword in characters.
pub const KEYWORD_MAX: usize = 64;
/// Most keywords on one article.
pub const KEYWORDS_MAX: usize = 50;

/// A file attached to an article; the bytes live outside the log, addressed by `blake3`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The attachment's id.
    pub attachment_id: Ulid,
    /// The file name, without any directory.
    pub name: String,
    /// Its media type, `type/subtype`, lowercase.
    pub content_type: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// The BLAKE3 hash of its bytes, 64 lowercase hex digits.
    pub blake3: String,
}

/// The editable fields of an article.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ArticleContent {
    /// Title.
    pub title: String,
    /// Short description (InvGate `description`).
    pub description: Option<String>,
    /// The article's text.
    pub content: String,
    /// Its KB category.
    pub category_id: Ulid,
    /// Whether only agents can read it.
    pub private: bool,
    /// Who keeps it up to date.
    pub responsible_id: Ulid,
    /// Search keywords, trimmed and lowercase.
    pub keywords: BTreeSet<String>,
}

/// A partial change of an article: `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArticlePatch {
    /// New title.
    pub title: Option<String>,
    /// New description (`Some(None)` or empty text: remove it).
    pub description: Option<Option<String>>,
    /// New content.
    pub content: Option<String>,
    /// New KB category.
    pub category_id: Option<Ulid>,
    /// New visibility.
    pub private: Option<bool>,
    /// New responsible user.
    pub responsible_id: Option<Ulid>,
    /// New keywords (replacing the old ones).
    pub keywords: Option<BTreeSet<String>>,
}

/// One field of an article changing, with its old and new value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArticleChange {
    /// The title.
    Title(Change<String>),
    /// The description.
    Description(Change<Option<String>>),
    /// The content.
    Content(Change<String>),
    /// The KB category.
    Category(Change<Ulid>),
    /// The visibility (true: private).
    Private(Change<bool>),
    /// The responsible user.
    Responsible(Change<Ulid>),
    /// The keywords.
    Keywords(Change<BTreeSet<String>>),
}

/// An article, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArticleState {
    /// Where the article stands in its life.
    pub lifecycle: Lifecycle,
    /// The article's id.
    pub id: Ulid,
    /// Its author.
    pub author_id: Ulid,
    /// Its editable fields.
    pub content: ArticleContent,
    /// Its attachments by id.
    pub attachments: BTreeMap<Ulid, Attachment>,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// When it was last modified (InvGate `last_update_date`).
    pub updated_at: Option<Timestamp>,
}

/// What can be asked of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleCommand {
    /// Write the article.
    Create {
        /// The article's id.
        article_id: Ulid,
        /// Its author.
        author_id: Ulid,
        /// Its fields (`responsible_id` is ignored when `responsible_id` below is `None`).
        content: ArticleContent,
        /// Who keeps it up to date (none: the author).
        responsible_id: Option<Ulid>,
        /// Its first attachments.
        attachments: Vec<Attachment>,
    },
    /// Change some fields.
    Modify {
        /// The fields to change.
        patch: ArticlePatch,
    },
    /// Attach a file (already stored by its hash).
    AddAttachment {
        /// The attachment.
        attachment: Attachment,
    },
    /// Detach a file.
    RemoveAttachment {
        /// The attachment.
        attachment_id: Ulid,
    },
    /// Delete the article.
    Delete,
}

/// Why an article command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArticleError {
    /// Validation or lifecycle refusal.
    #[error(transparent)]
    Common(#[from] CommonError),
    /// The attachment id is already used on this article.
    #[error("attachment {0} already exists")]
    AttachmentExists(Ulid),
    /// No attachment has this id.
    #[error("no attachment {0}")]
    UnknownAttachment(Ulid),
}

/// An article was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleCreated {
    /// The article's id.
    pub article_id: Ulid,
    /// Its author.
    pub author_id: Ulid,
    /// Its fields.
    pub content: ArticleContent,
    /// Its first attachments.
    pub attachments: Vec<Attachment>,
    /// When.
    pub at: Timestamp,
}

/// Some fields of an article changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleModified {
    /// Each changed field with its old and new value, in field order.
    pub changes: Vec<ArticleChange>,
    /// Who changed them (InvGate `author_id` of the update).
    pub by: Actor,
    /// When.
    pub at: Timestamp,
}

/// An attachment was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRemoved {
    /// The attachment.
    pub attachment_id: Ulid,
    /// Its file name (for readable history).
    pub name: String,
}

event_enum! {
    /// Everything that can happen to a knowledge-base article.
    pub enum ArticleEvent {
        /// `kb_article.created`
        Created(ArticleCreated) = "kb_article.created",
        /// `kb_article.modified`
        Modified(ArticleModified) = "kb_article.modified",
        /// `kb_article.attachment_added`
        AttachmentAdded(Attachment) = "kb_article.attachment_added",
        /// `kb_article.attachment_removed`
        AttachmentRemoved(AttachmentRemoved) = "kb_article.attachment_removed",
        /// `kb_article.deleted`
        Deleted(Stamp) = "kb_article.deleted",
    }
}

aggregate!(
    /// The knowledge-base article aggregate, for generic command handling.
    ArticleAggregate,
    ArticleState,
    ArticleCommand,
    ArticleEvent,
    ArticleError
);

/// Applies one field change to the content.
fn apply_change(content: &mut ArticleContent, change: &ArticleChange) {
    match change {
        ArticleChange::Title(c) => content.title = c.new.clone(),
        ArticleChange::Description(c) => content.description = c.new.clone(),
        ArticleChange::Content(c) => content.content = c.new.clone(),
        ArticleChange::Category(c) => content.category_id = c.new,
        ArticleChange::Private(c) => content.private = c.new,
        ArticleChange::Responsible(c) => content.responsible_id = c.new,
        ArticleChange::Keywords(c) => content.keywords = c.new.clone(),
    }
}

/// Applies one article event. Never panics.
pub fn evolve(mut state: ArticleState, event: &ArticleEvent) -> ArticleState {
    match event {
        ArticleEvent::Created(e) => {
            state = ArticleState {
                lifecycle: Lifecycle::Active,
                id: e.article_id,
                author_id: e.author_id,
                content: e.content.clone(),
                attachments: e
                    .attachments
                    .iter()
                    .map(|a| (a.attachment_id, a.clone()))
                    .collect(),
                created_at: Some(e.at),
                updated_at: Some(e.at),
            };
        }
        ArticleEvent::Modified(e) => {
            for change in &e.changes {
                apply_change(&mut state.content, change);
            }
            state.updated_at = Some(e.at);
        }
        ArticleEvent::AttachmentAdded(a) => {
            state.attachments.insert(a.attachment_id, a.clone());
        }
        ArticleEvent::AttachmentRemoved(a) => {
            state.attachments.remove(&a.attachment_id);
        }
        ArticleEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// Article events claim nothing: titles are free.
pub fn claims(_event: &ArticleEvent) -> Vec<UniqueClaim> {
    Vec::new()
}
