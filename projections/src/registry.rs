//! Which tree holds each projection's live model, and which one is being rebuilt.
//!
//! The registry is the sled tree `projections`: `live/<name>` and `building/<name>` map to a
//! version (u32 BE) and a generation (u64 BE). A projection's model lives in tree
//! `projection/<name>/<generation>`, its image files in `models/<name>/<generation>/` under
//! the data directory. Swapping a rebuilt model in is one atomic batch on the
//! registry (new `live`, no `building`), so a crash leaves either the old model or the new one.

use crate::ProjectionError;

/// A model's tree and the projection version that built it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Generation {
    pub version: u32,
    pub generation: u64,
}

pub(crate) struct Registry {
    tree: sled::Tree,
}

fn key(kind: &str, name: &str) -> Vec<u8> {
    format!("{kind}/{name}").into_bytes()
}

fn encode(g: Generation) -> [u8; 12] {
    let mut v = [0u8; 12];
    v[..4].copy_from_slice(&g.version.to_be_bytes());
    v[4..].copy_from_slice(&g.generation.to_be_bytes());
    v
}

fn decode(v: &[u8]) -> Option<Generation> {
    if v.len() != 12 {
        return None;
    }
    let version = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
    let mut g = [0u8; 8];
    g.copy_from_slice(&v[4..]);
    Some(Generation {
        version,
        generation: u64::from_be_bytes(g),
    })
}

pub(crate) fn tree_name(name: &str, generation: u64) -> String {
    format!("projection/{name}/{generation}")
}

/// The directory of a model generation's image files, under the log's data directory.
pub(crate) fn model_dir(root: &std::path::Path, name: &str, generation: u64) -> std::path::PathBuf {
    root.join("models").join(name).join(generation.to_string())
}

impl Registry {
    pub(crate) fn open(db: &sled::Db) -> Result<Registry, ProjectionError> {
        Ok(Registry {
            tree: db.open_tree("projections")?,
        })
    }

    fn get(&self, kind: &str, name: &str) -> Result<Option<Generation>, ProjectionError> {
        match self.tree.get(key(kind, name))? {
            None => Ok(None),
            Some(v) => decode(&v).map(Some).ok_or_else(|| {
                ProjectionError::Inconsistent(format!("registry entry for {name} is malformed"))
            }),
        }
    }

    /// Every live model: its name and generation.
    pub(crate) fn all_live(&self) -> Result<Vec<(String, Generation)>, ProjectionError> {
        let mut out = Vec::new();
        for item in self.tree.scan_prefix(b"live/") {
            let (k, v) = item?;
            let name = String::from_utf8_lossy(&k[5..]).into_owned();
            let g = decode(&v).ok_or_else(|| {
                ProjectionError::Inconsistent(format!("registry entry for {name} is malformed"))
            })?;
            out.push((name, g));
        }
        Ok(out)
    }

    pub(crate) fn live(&self, name: &str) -> Result<Option<Generation>, ProjectionError> {
        self.get("live", name)
    }

    pub(crate) fn building(&self, name: &str) -> Result<Option<Generation>, ProjectionError> {
        self.get("building", name)
    }

    pub(crate) fn set_live(&self, name: &str, g: Generation) -> Result<(), ProjectionError> {
        self.tree.insert(key("live", name), &encode(g)[..])?;
        Ok(())
    }

    pub(crate) fn start_building(&self, name: &str, g: Generation) -> Result<(), ProjectionError> {
        self.tree.insert(key("building", name), &encode(g)[..])?;
        Ok(())
    }

    /// Makes the building generation live, atomically.
    pub(crate) fn swap(&self, name: &str, g: Generation) -> Result<(), ProjectionError> {
        let mut batch = sled::Batch::default();
        batch.insert(key("live", name), &encode(g)[..]);
        batch.remove(key("building", name));
        self.tree.apply_batch(batch)?;
        Ok(())
    }
}
