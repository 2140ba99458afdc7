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
//! leaves an unreferenced blob. Neither is ever read; both are garbage that
//! `ledgerdesk-replay gc-blobs` deletes once older than its grace period, as it does a blob
//! whose attachments were all removed or purged.
//!
//! Same bytes, same name: uploading a file twice stores it once. Reads re-hash the bytes, so a
//! blob damaged on disk is reported rather than served: [`BlobStore::stream`] (downloads, which
//! must not hold a whole file in memory) hashes as it sends and ends the stream with an error instead of its last chunk when the
//! bytes do not match, so a client never receives a damaged file as a complete one.

use std::io;
use std::path::{Path, PathBuf};

use actix_web::web::Bytes;
use futures::Stream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use ulid::Ulid;

/// How much of a blob a download reads at a time.
const READ_CHUNK: usize = 256 * 1024;

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

    /// A blob's size and its bytes as a stream of chunks, hashed on the way: the chunk that
    /// ends the file is only sent when the whole file hashes to its name (else the stream
    /// ends with [`BlobError::Damaged`]), and a size other than the one opened is an error too.
    pub async fn stream(
        &self,
        blake3_hex: &str,
    ) -> Result<(u64, impl Stream<Item = Result<Bytes, BlobError>>), BlobError> {
        if !valid_hash(blake3_hex) {
            return Err(BlobError::BadHash(blake3_hex.to_owned()));
        }
        let file = match tokio::fs::File::open(self.path(blake3_hex)).await {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(BlobError::Missing(blake3_hex.to_owned()))
            }
            Err(e) => return Err(e.into()),
        };
        let size = file.metadata().await?.len();
        let reading = Reading {
            file,
            hasher: blake3::Hasher::new(),
            expected: blake3_hex.to_owned(),
            size,
            sent: 0,
            held: None,
            done: false,
        };
        Ok((size, futures::stream::unfold(reading, Reading::next)))
    }
}

/// A download in progress: the file, the hash so far, and the chunk read but not yet sent
/// (held back until the next read shows whether it was the last one).
struct Reading {
    file: tokio::fs::File,
    hasher: blake3::Hasher,
    expected: String,
    size: u64,
    sent: u64,
    held: Option<Bytes>,
    done: bool,
}

impl Reading {
    /// The next chunk to send; the last one only after the whole file checked out.
    async fn next(mut self) -> Option<(Result<Bytes, BlobError>, Reading)> {
        if self.done {
            return None;
        }
        loop {
            let mut buf = vec![0u8; READ_CHUNK];
            let n = match self.file.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    self.done = true;
                    return Some((Err(e.into()), self));
                }
            };
            if n == 0 {
                self.done = true;
                let whole = self.sent == self.size
                    && self.hasher.finalize().to_hex().as_str() == self.expected;
                return if whole {
                    self.held.take().map(|last| (Ok(last), self))
                } else {
                    Some((Err(BlobError::Damaged(self.expected.clone())), self))
                };
            }
            buf.truncate(n);
            self.hasher.update(&buf);
            self.sent += n as u64;
            if self.sent > self.size {
                self.done = true;
                return Some((Err(BlobError::Damaged(self.expected.clone())), self));
            }
            if let Some(previous) = self.held.replace(Bytes::from(buf)) {
                return Some((Ok(previous), self));
            }
        }
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
        assert_eq!(collect(&store, &stored.blake3_hex).await.1, b"hello world");
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

    async fn collect(store: &BlobStore, hex: &str) -> (u64, Vec<u8>, Option<BlobError>) {
        use futures::StreamExt;
        let (size, stream) = store.stream(hex).await.unwrap();
        let mut stream = std::pin::pin!(stream);
        let mut bytes = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(e) => return (size, bytes, Some(e)),
            }
        }
        (size, bytes, None)
    }

    #[tokio::test]
    async fn a_stream_sends_every_chunk_and_withholds_the_last_of_a_damaged_blob() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        // Three and a half chunks, with a pattern so that misordered chunks would show.
        let data: Vec<u8> = (0..READ_CHUNK * 7 / 2).map(|i| (i % 251) as u8).collect();
        let mut w = store.writer(u64::MAX).await.unwrap();
        w.write(&data).await.unwrap();
        let stored = w.commit().await.unwrap();
        let (size, bytes, error) = collect(&store, &stored.blake3_hex).await;
        assert_eq!(size, data.len() as u64);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(bytes, data);

        let empty = store.writer(10).await.unwrap().commit().await.unwrap();
        let (size, bytes, error) = collect(&store, &empty.blake3_hex).await;
        assert_eq!((size, bytes.len()), (0, 0));
        assert!(error.is_none());

        let mut damaged = data.clone();
        damaged[10] ^= 1;
        std::fs::write(store.path(&stored.blake3_hex), &damaged).unwrap();
        let (_, bytes, error) = collect(&store, &stored.blake3_hex).await;
        assert!(matches!(error, Some(BlobError::Damaged(_))), "{error:?}");
        assert!(bytes.len() < data.len());
        let other = blake3::hash(b"other").to_hex().to_string();
        assert!(matches!(
            store.stream(&other).await.err(),
            Some(BlobError::Missing(_))
        ));
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
            collect(&store, &stored.blake3_hex).await.2,
            Some(BlobError::Damaged(_))
        ));
        let other = blake3::hash(b"other").to_hex().to_string();
        assert!(matches!(
            store.stream(&other).await.err(),
            Some(BlobError::Missing(_))
        ));
        assert!(matches!(
            store.stream("../../etc/passwd").await.err(),
            Some(BlobError::BadHash(_))
        ));
    }
}
