//! The media library: the playable files under the configured folders and mounted removable
//! media, with their tags, length, kind (audio or video) and cover art.
//!
//! A scan walks the folders, and asks GStreamer's Discoverer about each file that the store
//! does not already know at its size and modification time; so a second start reads tags
//! from the store instead of opening every file again. A file that GStreamer cannot play
//! stays in the library as an entry with its problem, shown as an error row, never dropped
//! silently and never handed to the player.

mod discover;
mod mounts;
mod store;

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

pub use discover::Discovery;
pub use mounts::{MountWatch, removable_mounts};
pub use store::{Store, StoreError};

/// File name endings the scan offers to GStreamer: the audio and video formats a head unit
/// meets on USB sticks and phones. Anything else (cover images, playlists, notes) is skipped.
const MEDIA_EXTENSIONS: &[&str] = &[
    "aac", "aiff", "avi", "flac", "m4a", "m4v", "mka", "mkv", "mov", "mp3", "mp4", "oga", "ogg",
    "ogv", "opus", "wav", "webm", "wma", "wmv",
];

/// Folder images that stand for an album's cover, in order of preference.
const FOLDER_COVERS: &[&str] = &[
    "cover.jpg",
    "cover.png",
    "folder.jpg",
    "folder.png",
    "front.jpg",
    "front.png",
];

/// Where a track's cover art is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cover {
    /// In the file's tags; the store keeps the image under the file's path.
    Embedded,
    /// An image beside the file.
    File(PathBuf),
}

/// One file of the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Track {
    pub path: PathBuf,
    /// The title tag, else the file name without its ending.
    pub title: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub track_number: Option<u32>,
    pub duration: Option<Duration>,
    /// It has a picture stream (a film, a music video): subject to NO_VIDEO.
    pub has_video: bool,
    pub cover: Option<Cover>,
    /// Why it cannot be played (corrupt, unsupported, missing decoder); `None` if it can.
    pub problem: Option<String>,
}

impl Track {
    pub fn is_playable(&self) -> bool {
        self.problem.is_none()
    }

    /// The `file://` URI GStreamer plays it from.
    pub fn uri(&self) -> Option<String> {
        gstreamer::glib::filename_to_uri(&self.path, None)
            .ok()
            .map(|uri| uri.to_string())
    }

    fn with_problem(path: &Path, problem: String) -> Track {
        Track {
            path: path.to_path_buf(),
            title: title_from_file_name(path),
            artist: None,
            album: None,
            track_number: None,
            duration: None,
            has_video: false,
            cover: None,
            problem: Some(problem),
        }
    }
}

fn title_from_file_name(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// How one scan went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Media files found.
    pub files: usize,
    /// Of those, how many the Discoverer had to open (new or changed since the store saw them).
    pub discovered: usize,
    /// Folders that could not be read, with why.
    pub unreadable: Vec<String>,
}

/// Scans `roots` (folders and mounted media): every media file beneath, in path order, with
/// what the store knows and the Discoverer for the rest. The store learns what was discovered
/// and forgets files that are gone. Blocking: run it off the UI and the player.
pub fn scan(roots: &[PathBuf], store: &mut Store) -> (Vec<Track>, ScanReport) {
    let mut report = ScanReport::default();
    let mut files = Vec::new();
    for root in roots {
        // Absolute, so that every track has a file:// URI whatever the working folder.
        let root = std::path::absolute(root).unwrap_or_else(|_| root.clone());
        if root.is_file() {
            // A file opened by itself (MPRIS OpenUri), not a folder.
            files.extend(media_file(&root));
        } else {
            collect_media_files(&root, &mut files, &mut report.unreadable);
        }
    }
    files.sort();
    files.dedup();
    report.files = files.len();

    let mut discovery: Option<Discovery> = None;
    let mut tracks = Vec::with_capacity(files.len());
    for (path, fingerprint) in files {
        if let Some(track) = store.track(&path, fingerprint) {
            tracks.push(track);
            continue;
        }
        report.discovered += 1;
        let discovered = match &mut discovery {
            Some(discovery) => discovery.examine(&path),
            None => match Discovery::new() {
                Ok(new) => discovery.insert(new).examine(&path),
                Err(err) => discover::Examined {
                    track: Track::with_problem(&path, err),
                    embedded_cover: None,
                },
            },
        };
        let mut track = discovered.track;
        if track.cover.is_none() && track.is_playable() {
            track.cover = folder_cover(&path).map(Cover::File);
        }
        store.remember(&track, fingerprint, discovered.embedded_cover.as_deref());
        tracks.push(track);
    }
    let known: Vec<&Path> = tracks.iter().map(|track| track.path.as_path()).collect();
    store.forget_all_but(&known);
    (tracks, report)
}

/// Size and modification time: when either changes, the file is discovered again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Fingerprint {
    pub size: u64,
    pub modified_ns: u128,
}

fn collect_media_files(
    folder: &Path,
    files: &mut Vec<(PathBuf, Fingerprint)>,
    unreadable: &mut Vec<String>,
) {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) => {
            unreadable.push(format!("{}: {err}", folder.display()));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        // Follow links the way a file manager would, but a link to a folder above could
        // loop: only real folders are entered.
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            if !is_hidden(&path) {
                collect_media_files(&path, files, unreadable);
            }
            continue;
        }
        files.extend(media_file(&path));
    }
}

/// `path` with its fingerprint, when it is a media file (by its ending) that can be read.
fn media_file(path: &Path) -> Option<(PathBuf, Fingerprint)> {
    if !has_media_extension(path) {
        return None;
    }
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_file() {
        return None;
    }
    let modified_ns = metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_nanos());
    Some((
        path.to_path_buf(),
        Fingerprint {
            size: metadata.len(),
            modified_ns,
        },
    ))
}

/// Whether the library would take `path`: a media file by its ending.
pub fn is_media_path(path: &Path) -> bool {
    has_media_extension(path)
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name.to_string_lossy().starts_with('.'))
}

fn has_media_extension(path: &Path) -> bool {
    path.extension()
        .map(|extension| extension.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|extension| MEDIA_EXTENSIONS.contains(&extension.as_str()))
}

fn folder_cover(track: &Path) -> Option<PathBuf> {
    let folder = track.parent()?;
    FOLDER_COVERS
        .iter()
        .map(|name| folder.join(name))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_media_endings_are_offered_to_gstreamer() {
        assert!(has_media_extension(Path::new("/m/a.OGG")));
        assert!(has_media_extension(Path::new("/m/film.mkv")));
        assert!(!has_media_extension(Path::new("/m/cover.png")));
        assert!(!has_media_extension(Path::new("/m/README")));
    }

    #[test]
    fn a_title_falls_back_to_the_file_name() {
        let track = Track::with_problem(Path::new("/m/07 Song.mp3"), "broken".into());
        assert_eq!(track.title, "07 Song");
        assert!(!track.is_playable());
    }
}
