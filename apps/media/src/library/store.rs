//! The library's store: what the Discoverer found about each file, keyed by path and valid
//! for one size and modification time, plus embedded cover images. It lives in one redb file
//! (crash-safe transactions), so that a second start reads the library instead of opening
//! every file again. A store that cannot be read is set aside and rebuilt; it is a cache, and
//! losing it costs one rescan, never the app.

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::{Fingerprint, Track};

/// Path bytes to a JSON [`Record`].
const TRACKS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tracks");
/// Path bytes to the embedded cover image (PNG or JPEG as found in the tags).
const COVERS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("covers");

#[derive(Debug, thiserror::Error)]
#[error("library store {path}: {reason}")]
pub struct StoreError {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Serialize, Deserialize)]
struct Record {
    fingerprint: Fingerprint,
    track: Track,
}

pub struct Store {
    /// `None`: kept in memory only (`known` and `memory_covers` are all there is).
    database: Option<Database>,
    /// Embedded covers, when there is no database to hold them.
    memory_covers: HashMap<PathBuf, Vec<u8>>,
    /// Everything in TRACKS, read once at open.
    known: HashMap<PathBuf, Record>,
    /// Written by `flush`.
    changed: Vec<(PathBuf, Option<Vec<u8>>)>,
    forgotten: Vec<PathBuf>,
}

fn key(path: &Path) -> &[u8] {
    path.as_os_str().as_bytes()
}

impl Store {
    /// Opens the store at `path`, creating it (and its folder) if needed.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_checked(path).map_err(|(error, _)| error)
    }

    /// As `open`, also saying whether the file is in use by another instance (which is no
    /// reason to throw it away).
    fn open_checked(path: &Path) -> Result<Store, (StoreError, bool)> {
        let fail = |reason: String| StoreError {
            path: path.to_path_buf(),
            reason,
        };
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|err| (fail(err.to_string()), false))?;
        }
        let database = Database::create(path).map_err(|err| {
            let in_use = matches!(err, redb::DatabaseError::DatabaseAlreadyOpen);
            (fail(err.to_string()), in_use)
        })?;
        Store::with_database(database).map_err(|reason| (fail(reason), false))
    }

    /// Opens the store at `path`; a store that cannot be read is renamed to `*.broken` (kept
    /// for whoever wants to look) and a new one made. A store in use by another instance is
    /// left alone. The message says what happened. Where no file store can be had, the
    /// store lives in memory for this run.
    pub fn open_or_rebuild(path: &Path) -> (Store, Option<String>) {
        match Store::open_checked(path) {
            Ok(store) => (store, None),
            Err((in_use, true)) => (
                Store::in_memory(),
                Some(format!("{in_use}; the library is kept in memory this time")),
            ),
            Err((first, false)) => {
                let aside = path.with_extension("broken");
                let _ = std::fs::rename(path, &aside);
                match Store::open(path) {
                    Ok(store) => (
                        store,
                        Some(format!(
                            "{first}; set it aside as {} and started a new one",
                            aside.display()
                        )),
                    ),
                    Err(second) => (
                        Store::in_memory(),
                        Some(format!("{second}; the library is kept in memory this time")),
                    ),
                }
            }
        }
    }

    /// A store that forgets everything when the app stops.
    pub fn in_memory() -> Store {
        Store {
            database: None,
            memory_covers: HashMap::new(),
            known: HashMap::new(),
            changed: Vec::new(),
            forgotten: Vec::new(),
        }
    }

    fn with_database(database: Database) -> Result<Store, String> {
        let mut known = HashMap::new();
        {
            let write = database.begin_write().map_err(|err| err.to_string())?;
            // Creates both tables on first use, so that reads below never miss them.
            write.open_table(TRACKS).map_err(|err| err.to_string())?;
            write.open_table(COVERS).map_err(|err| err.to_string())?;
            write.commit().map_err(|err| err.to_string())?;
        }
        let read = database.begin_read().map_err(|err| err.to_string())?;
        let tracks = read.open_table(TRACKS).map_err(|err| err.to_string())?;
        for entry in tracks.iter().map_err(|err| err.to_string())? {
            let (path, record) = entry.map_err(|err| err.to_string())?;
            // A record this version cannot read is rediscovered, not fatal.
            if let Ok(record) = serde_json::from_slice::<Record>(record.value()) {
                let path = PathBuf::from(std::ffi::OsStr::from_bytes(path.value()));
                known.insert(path, record);
            }
        }
        drop(tracks);
        drop(read);
        Ok(Store {
            database: Some(database),
            memory_covers: HashMap::new(),
            known,
            changed: Vec::new(),
            forgotten: Vec::new(),
        })
    }

    /// What the store knows about `path`, if the file has not changed since.
    pub fn track(&self, path: &Path, fingerprint: Fingerprint) -> Option<Track> {
        self.known
            .get(path)
            .filter(|record| record.fingerprint == fingerprint)
            .map(|record| record.track.clone())
    }

    /// Learns a discovered file (written by the next `flush`).
    pub fn remember(&mut self, track: &Track, fingerprint: Fingerprint, cover: Option<&[u8]>) {
        self.known.insert(
            track.path.clone(),
            Record {
                fingerprint,
                track: track.clone(),
            },
        );
        self.changed
            .push((track.path.clone(), cover.map(<[u8]>::to_vec)));
    }

    /// Forgets every file a scan did not find: deleted, or on media no longer mounted (those
    /// are discovered again when the media comes back).
    pub fn forget_all_but(&mut self, present: &[&Path]) {
        let present: std::collections::HashSet<&Path> = present.iter().copied().collect();
        let gone: Vec<PathBuf> = self
            .known
            .keys()
            .filter(|path| !present.contains(path.as_path()))
            .cloned()
            .collect();
        for path in gone {
            self.known.remove(&path);
            self.forgotten.push(path);
        }
    }

    /// Writes what was learnt and forgotten since the last flush, in one transaction.
    pub fn flush(&mut self) -> Result<(), String> {
        let Some(database) = &self.database else {
            for (path, cover) in self.changed.drain(..) {
                match cover {
                    Some(image) => self.memory_covers.insert(path, image),
                    None => self.memory_covers.remove(&path),
                };
            }
            for path in self.forgotten.drain(..) {
                self.memory_covers.remove(&path);
            }
            return Ok(());
        };
        if self.changed.is_empty() && self.forgotten.is_empty() {
            return Ok(());
        }
        let write = database.begin_write().map_err(|err| err.to_string())?;
        {
            let mut tracks = write.open_table(TRACKS).map_err(|err| err.to_string())?;
            let mut covers = write.open_table(COVERS).map_err(|err| err.to_string())?;
            for (path, cover) in &self.changed {
                let Some(record) = self.known.get(path) else {
                    continue;
                };
                let json = serde_json::to_vec(record).map_err(|err| err.to_string())?;
                tracks
                    .insert(key(path), json.as_slice())
                    .map_err(|err| err.to_string())?;
                match cover {
                    Some(image) => covers.insert(key(path), image.as_slice()).map(|_| ()),
                    None => covers.remove(key(path)).map(|_| ()),
                }
                .map_err(|err| err.to_string())?;
            }
            for path in &self.forgotten {
                tracks.remove(key(path)).map_err(|err| err.to_string())?;
                covers.remove(key(path)).map_err(|err| err.to_string())?;
            }
        }
        write.commit().map_err(|err| err.to_string())?;
        self.changed.clear();
        self.forgotten.clear();
        Ok(())
    }

    /// The embedded cover image of `path`, if it has one.
    pub fn cover(&self, path: &Path) -> Option<Vec<u8>> {
        let Some(database) = &self.database else {
            return self.memory_covers.get(path).cloned();
        };
        let read = database.begin_read().ok()?;
        let covers = read.open_table(COVERS).ok()?;
        let image = covers.get(key(path)).ok()??;
        Some(image.value().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::Track;

    fn track(path: &str) -> Track {
        Track {
            path: PathBuf::from(path),
            title: "Song".into(),
            artist: Some("Band".into()),
            album: None,
            track_number: Some(3),
            duration: Some(std::time::Duration::from_millis(2_500)),
            has_video: false,
            cover: Some(crate::library::Cover::Embedded),
            problem: None,
        }
    }

    const PRINT: Fingerprint = Fingerprint {
        size: 10,
        modified_ns: 20,
    };

    #[test]
    fn tracks_and_covers_survive_a_reopen_and_a_changed_file_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("library.redb");
        {
            let mut store = Store::open(&path).unwrap();
            store.remember(&track("/m/a.ogg"), PRINT, Some(b"PNG"));
            store.flush().unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.track(Path::new("/m/a.ogg"), PRINT),
            Some(track("/m/a.ogg"))
        );
        assert_eq!(
            store.cover(Path::new("/m/a.ogg")).as_deref(),
            Some(&b"PNG"[..])
        );
        let touched = Fingerprint {
            modified_ns: 21,
            ..PRINT
        };
        assert_eq!(store.track(Path::new("/m/a.ogg"), touched), None);
    }

    #[test]
    fn a_broken_store_is_set_aside_and_one_in_use_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("library.redb");
        std::fs::write(&path, b"not a redb file, just bytes").unwrap();
        let (mut store, problem) = Store::open_or_rebuild(&path);
        let problem = problem.expect("a message");
        assert!(problem.contains("set it aside"), "{problem}");
        assert!(path.with_extension("broken").exists());
        store.remember(&track("/m/b.ogg"), PRINT, None);
        store.flush().unwrap();

        // A second instance while the first holds the file: memory only, file untouched.
        let (mut other, problem) = Store::open_or_rebuild(&path);
        assert!(problem.unwrap().contains("in memory"));
        assert_eq!(other.track(Path::new("/m/b.ogg"), PRINT), None);
        other.remember(&track("/m/c.ogg"), PRINT, Some(b"JPG"));
        other.flush().unwrap();
        assert!(other.track(Path::new("/m/c.ogg"), PRINT).is_some());
        assert_eq!(
            other.cover(Path::new("/m/c.ogg")).as_deref(),
            Some(&b"JPG"[..])
        );
        drop(store);
        let reopened = Store::open(&path).unwrap();
        assert!(reopened.track(Path::new("/m/b.ogg"), PRINT).is_some());
    }
}
