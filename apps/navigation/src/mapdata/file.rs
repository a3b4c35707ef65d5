//! The map file: a short header (magic, format version, payload length, CRC-32 of the
//! payload) and the postcard-encoded [`MapData`]. A file that is cut short, damaged or of
//! another version is refused whole with a reason and its path; nothing half-read is used.

use std::path::{Path, PathBuf};

use super::MapData;

const MAGIC: &[u8; 8] = b"COWLMAP\n";
/// Bumped whenever [`MapData`] changes shape; the preprocessing tool makes a new file.
pub const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 8 + 4;

#[derive(Debug, thiserror::Error)]
pub enum MapFileError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a Cowl map file (made by cowl-nav-mapgen)")]
    NotAMap { path: PathBuf },
    #[error(
        "{path}: map format version {found}, this cowl-nav reads version {FORMAT_VERSION}: \
         make it again with cowl-nav-mapgen"
    )]
    Version { path: PathBuf, found: u32 },
    #[error("{path}: cut short: {found} of {expected} bytes")]
    Truncated {
        path: PathBuf,
        found: usize,
        expected: usize,
    },
    #[error("{path}: damaged (checksum mismatch)")]
    Damaged { path: PathBuf },
    #[error("{path}: unreadable map data: {reason}")]
    Invalid { path: PathBuf, reason: String },
}

pub fn write(path: &Path, map: &MapData) -> Result<(), MapFileError> {
    let io = |source| MapFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let payload = postcard::to_stdvec(map).map_err(|err| MapFileError::Invalid {
        path: path.to_path_buf(),
        reason: err.to_string(),
    })?;
    let bytes = framed(&payload);
    // Written beside and renamed into place: a reader never sees half a file.
    let partial = path.with_extension("partial");
    std::fs::write(&partial, &bytes).map_err(io)?;
    std::fs::rename(&partial, path).map_err(io)
}

pub fn read(path: &Path) -> Result<MapData, MapFileError> {
    let bytes = std::fs::read(path).map_err(|source| MapFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    from_bytes(&bytes, path)
}

/// Reads a map from its file's bytes (`path` names it in errors).
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<MapData, MapFileError> {
    decode(bytes).map_err(|problem| problem.at(path))
}

/// A map file's bytes for `payload` (postcard), framed with a right checksum: what a crafted
/// file looks like, for the fuzz targets.
pub fn frame_payload(payload: &[u8]) -> Vec<u8> {
    framed(payload)
}

/// The payload of a map file's bytes (after the header), if it has one.
pub fn payload_of(bytes: &[u8]) -> Option<&[u8]> {
    bytes.get(HEADER_LEN..)
}

/// A payload in its frame: magic, version, length and checksum, then the payload.
fn framed(payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// What is wrong with a map's bytes, before the path is known.
enum Problem {
    NotAMap,
    Version(u32),
    Truncated { found: usize, expected: usize },
    Damaged,
    Invalid(String),
}

impl Problem {
    fn at(self, path: &Path) -> MapFileError {
        let path = path.to_path_buf();
        match self {
            Problem::NotAMap => MapFileError::NotAMap { path },
            Problem::Version(found) => MapFileError::Version { path, found },
            Problem::Truncated { found, expected } => MapFileError::Truncated {
                path,
                found,
                expected,
            },
            Problem::Damaged => MapFileError::Damaged { path },
            Problem::Invalid(reason) => MapFileError::Invalid { path, reason },
        }
    }
}

fn decode(bytes: &[u8]) -> Result<MapData, Problem> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(Problem::NotAMap);
    }
    let Some(header) = bytes.get(..HEADER_LEN) else {
        return Err(Problem::Truncated {
            found: bytes.len(),
            expected: HEADER_LEN,
        });
    };
    let u32_at = |at: usize| {
        u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let version = u32_at(8);
    if version != FORMAT_VERSION {
        return Err(Problem::Version(version));
    }
    let length = u64::from(u32_at(12)) | (u64::from(u32_at(16)) << 32);
    let checksum = u32_at(20);
    let expected = usize::try_from(length)
        .ok()
        .and_then(|length| length.checked_add(HEADER_LEN))
        .unwrap_or(usize::MAX);
    let Some(payload) = bytes.get(HEADER_LEN..expected) else {
        return Err(Problem::Truncated {
            found: bytes.len(),
            expected,
        });
    };
    if crc32fast::hash(payload) != checksum {
        return Err(Problem::Damaged);
    }
    let map: MapData =
        postcard::from_bytes(payload).map_err(|err| Problem::Invalid(err.to_string()))?;
    map.validate().map_err(Problem::Invalid)?;
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::{LatLon, Projection};
    use crate::mapdata::RoadGraph;

    fn tiny_map() -> MapData {
        MapData {
            projection: Projection {
                origin: LatLon {
                    lat: 60.17,
                    lon: 24.94,
                },
            },
            bounds: [[-10, -10], [10, 10]],
            names: vec!["Mannerheimintie".into()],
            roads: Vec::new(),
            areas: Vec::new(),
            places: Vec::new(),
            graph: RoadGraph {
                first_edge: vec![0],
                ..RoadGraph::default()
            },
        }
    }

    #[test]
    fn a_written_map_reads_back_and_damage_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.cowlmap");
        write(&path, &tiny_map()).unwrap();
        assert_eq!(read(&path).unwrap(), tiny_map());

        let bytes = std::fs::read(&path).unwrap();
        let broken = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            read(&path).unwrap_err().to_string()
        };
        assert!(broken(&bytes[..bytes.len() - 3]).contains("cut short"));
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 0x55;
        assert!(broken(&flipped).contains("damaged"));
        let mut other_version = bytes.clone();
        other_version[8] = 99;
        assert!(broken(&other_version).contains("version 99"));
        let message = broken(b"PK\x03\x04 a zip file");
        assert!(message.contains("not a Cowl map") && message.contains("tiny.cowlmap"));
    }
}
