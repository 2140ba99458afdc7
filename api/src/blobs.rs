//! The blob store: attachment bytes, beside the event log, in `<data-dir>/blobs/`.
//!
//! Files are content-addressed: a blob's name is the BLAKE3 hash of its bytes (64 lowercase hex
//! digits), under a directory named by the first two digits (`blobs/ab/abcd…`). Events carry
//! only the hash and a description ([`ledgerdesk_core::ticket::AttachmentMeta`]), never bytes.
//!
//! **Durability.** An upload is streamed into `blobs/tmp/<ULID>` while it is hashed and
//! counted; when complete, the file is fsynced, renamed to its hash's name and the directory
//! fsynced, all before the event that refers to it is appended. So an acknowledged attachment
//! (its event is in the log) always has its bytes on disk. A crash before the rename leaves
//! only a temporary file, which no event refers to; a crash between the rename and the append
//! leaves an unreferenced blob. Neither is ever read; both are garbage that a later collector
//! (not written yet) may delete, as may a blob whose attachment was removed.
//!
//! Same bytes, same name: uploading a file twice stores it once. Reads re-hash the bytes, so a
//! blob damaged on disk is reported rather than served.

use std::io;
use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;
use ulid::Ulid;

/// Why a blob could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The upload is larger than the limit (nothing was kept).
    #[error("the file is larger than the {limit}-byte attachment limit")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The name is not a BLAKE3 hex hash.
    #[error("{0:?} is not a blob hash")]
    BadHash(String),
    /// No blob of that hash.
    #[error("no blob {0}")]
    Missing(String),
    /// The bytes on disk no longer hash to their name.
    #[error("blob {0} is damaged on disk")]
    Damaged(String),
    /// The file system failed.
    #[error("blob store I/O: {0}")]
    Io(#[from] io::Error),
}

/// The blob directory of a data directory. Cheap to make: it only names paths.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

/// A blob written to the store: its hash and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// BLAKE3 of the bytes, lowercase hex.
    pub blake3_hex: String,
    /// Size in bytes.
    pub size_bytes: u64,
}

/// An upload in progress: a temporary file being hashed and counted.
pub struct BlobWriter {
    store: BlobStore,
    temp: PathBuf,
    file: tokio::fs::File,
    hasher: blake3::Hasher,
    size: u64,
    limit: u64,
    /// Whether the temporary file is gone (renamed or deleted).
    finished: bool,
}

fn valid_hash(hex: &str) -> bool {
    hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

async fn sync_dir(dir: &Path) -> io::Result<()> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
        .await
        .map_err(io::Error::other)?
}

impl BlobStore {
    /// The store of the data directory `data_dir` (`<data_dir>/blobs`).
    pub fn new(data_dir: &Path) -> BlobStore {
        BlobStore {
            root: data_dir.join("blobs"),
        }
    }

    /// Where the blob `blake3_hex` lives.
    fn path(&self, blake3_hex: &str) -> PathBuf {
        self.root.join(&blake3_hex[..2]).join(blake3_hex)
    }

    /// Starts an upload of at most `limit` bytes.
    pub async fn writer(&self, limit: u64) -> Result<BlobWriter, BlobError> {
        let tmp = self.root.join("tmp");
        tokio::fs::create_dir_all(&tmp).await?;
        let temp = tmp.join(Ulid::new().to_string());
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .await?;
        Ok(BlobWriter {
            store: self.clone(),
            temp,
            file,
            hasher: blake3::Hasher::new(),
            size: 0,
            limit,
            finished: false,
        })
    }

    /// The bytes of blob `blake3_hex`, checked against their hash.
    pub async fn read(&self, blake3_hex: &str) -> Result<Vec<u8>, BlobError> {
        if !valid_hash(blake3_hex) {
            return Err(BlobError::BadHash(blake3_hex.to_owned()));
        }
        let bytes = match tokio::fs::read(self.path(blake3_hex)).await {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(BlobError::Missing(blake3_hex.to_owned()))
            }
            Err(e) => return Err(e.into()),
        };
        if blake3::hash(&bytes).to_hex().as_str() != blake3_hex {
            return Err(BlobError::Damaged(blake3_hex.to_owned()));
        }
        Ok(bytes)
    }
}

impl BlobWriter {
    /// Appends a chunk; past the limit, deletes the temporary file and refuses.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), BlobError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            let limit = self.limit;
            self.discard().await;
            return Err(BlobError::TooLarge { limit });
        }
        self.hasher.update(chunk);
        if let Err(e) = self.file.write_all(chunk).await {
            self.discard().await;
            return Err(e.into());
        }
        Ok(())
    }

    /// Deletes the temporary file (an abandoned upload).
    pub async fn discard(&mut self) {
        let _ = tokio::fs::remove_file(&self.temp).await;
        self.finished = true;
    }

    /// Makes the upload durable under its hash: fsync, rename, fsync the directory. Only after
    /// this returns may an event refer to the blob.
    pub async fn commit(mut self) -> Result<StoredBlob, BlobError> {
        let result = self.finish().await;
        if result.is_err() {
            self.discard().await;
        }
        result
    }

    async fn finish(&mut self) -> Result<StoredBlob, BlobError> {
        self.file.flush().await?;
        self.file.sync_all().await?;
        let blake3_hex = self.hasher.finalize().to_hex().to_string();
        let path = self.store.path(&blake3_hex);
        let dir = path.parent().map(Path::to_owned).unwrap_or_default();
        tokio::fs::create_dir_all(&dir).await?;
        if tokio::fs::try_exists(&path).await? {
            // The same bytes are already stored (and were made durable when they were).
            tokio::fs::remove_file(&self.temp).await?;
            self.finished = true;
        } else {
            tokio::fs::rename(&self.temp, &path).await?;
            self.finished = true;
            sync_dir(&dir).await?;
            sync_dir(&self.store.root).await?;
            // The data directory's entry for `blobs/` itself (new on the first upload).
            if let Some(data_dir) = self
                .store
                .root
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                sync_dir(data_dir).await?;
            }
        }
        Ok(StoredBlob {
            blake3_hex,
            size_bytes: self.size,
        })
    }
}

/// An upload abandoned half-way (the client went away and the request was dropped) leaves no
/// temporary file behind.
impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_committed_blob_reads_back_under_its_hash_and_duplicates_are_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let mut w = store.writer(100).await.unwrap();
        w.write(b"hello ").await.unwrap();
        w.write(b"world").await.unwrap();
        let stored = w.commit().await.unwrap();
        assert_eq!(stored.size_bytes, 11);
        assert_eq!(
            stored.blake3_hex,
            blake3::hash(b"hello world").to_hex().as_str()
        );
        assert_eq!(
            store.read(&stored.blake3_hex).await.unwrap(),
            b"hello world"
        );
        let mut again = store.writer(100).await.unwrap();
        again.write(b"hello world").await.unwrap();
        assert_eq!(again.commit().await.unwrap(), stored);
        // Nothing is left in tmp.
        let left = std::fs::read_dir(dir.path().join("blobs/tmp"))
            .unwrap()
            .count();
        assert_eq!(left, 0);
    }

    #[tokio::test]
    async fn an_upload_over_the_limit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let mut w = store.writer(4).await.unwrap();
        w.write(b"1234").await.unwrap();
        assert!(matches!(
            w.write(b"5").await,
            Err(BlobError::TooLarge { limit: 4 })
        ));
        let left = std::fs::read_dir(dir.path().join("blobs/tmp"))
            .unwrap()
            .count();
        assert_eq!(left, 0);
    }

    #[tokio::test]
    async fn damaged_missing_and_malformed_blobs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let mut w = store.writer(100).await.unwrap();
        w.write(b"abc").await.unwrap();
        let stored = w.commit().await.unwrap();
        std::fs::write(store.path(&stored.blake3_hex), b"abd").unwrap();
        assert!(matches!(
            store.read(&stored.blake3_hex).await,
            Err(BlobError::Damaged(_))
        ));
        let other = blake3::hash(b"other").to_hex().to_string();
        assert!(matches!(
            store.read(&other).await,
            Err(BlobError::Missing(_))
        ));
        assert!(matches!(
            store.read("../../etc/passwd").await,
            Err(BlobError::BadHash(_))
        ));
    }
}
