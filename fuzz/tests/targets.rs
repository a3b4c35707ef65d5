//! Fuzz targets for every parser that reads what others wrote: Cowl's configuration, DBC
//! files, candump logs and single frames, the VSS mapping with its expressions, CAN frames
//! decoded by a DBC, the camera helper's messages and shared-memory files, and the
//! navigation app's map file. Each must turn any input into a value or an error, never a
//! panic, a hang or a wrong-sized buffer.
//!
//! The same target runs two ways (bolero):
//! - in `cargo test` on stable, bounded: `ITERATIONS` random inputs a target, a new seed each
//!   run (a failure prints its `BOLERO_RANDOM_SEED`);
//! - coverage-guided under libFuzzer on nightly, for as long as one likes (README.md).
//!
//! Text formats are fuzzed as real files with random edits (`mutated`): random bytes alone
//! seldom get past a parser's first token. The long runs and their findings are in
//! BENCHMARKS.md ("Fuzzing").

use std::os::fd::AsFd;
use std::time::Duration;

use bolero::check;
use cowl::vehicle_signals::{candump, dbc, decode, properties};

/// Random inputs a target takes in `cargo test`.
const ITERATIONS: usize = 2_000;

/// The demo car's DBC, and one of the format's corners the demo car does not use (64-bit and
/// float signals, extended multiplexing, a 64-byte frame, value tables and attributes).
const DBC_SEEDS: [&str; 2] = [
    include_str!("../../assets/vehicle/cowl-demo.dbc"),
    include_str!("seeds/odd-corners.dbc"),
];

/// The demo car's mapping onto VSS (its expressions among it).
const MAPPING_SEED: &str = include_str!("../../assets/vehicle/cowl-demo.toml");

/// A few lines of a candump log in each of its forms.
const CANDUMP_SEED: &str = "(1700000000.000000) vcan0 123#11\n\
                            (1700000000.010000) can0 18FEF100#0102030405060708\n\
                            (0.5) can1 7FF#R\n\
                            (12.25) can0 1A3##1112233445566778899AABBCCDDEEFF\n";

/// An edit to a seed file: where (a fraction of its length), which byte, and how (replace,
/// insert, or delete).
type Edit = (u16, u8, u8);

/// `seed` with `edits` applied in order.
fn mutated(seed: &str, edits: &[Edit]) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for &(at, byte, how) in edits {
        let at = (usize::from(at) * (bytes.len() + 1)) / (usize::from(u16::MAX) + 1);
        match how % 3 {
            0 if at < bytes.len() => bytes[at] = byte,
            1 => bytes.insert(at.min(bytes.len()), byte),
            _ if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Decodes a frame of each message of `database` from `data`: whatever the plan, it reads
/// only the bytes it has and fills only its own buffer.
fn decode_everything(database: &decode::Database, data: &[u8]) {
    for message in database.messages() {
        let mut values = message.buffer();
        let _ = message.decode(data, &mut values);
    }
}

/// Cowl's configuration as shipped, and as the Yocto image has it.
const CONFIG_SEEDS: [&str; 2] = [
    include_str!("../../assets/config/cowl.toml"),
    include_str!("../../yocto-layer/recipes-cowl/cowl/files/cowl.toml"),
];

#[test]
fn configuration_files() {
    check!()
        .with_type::<(bool, Vec<Edit>)>()
        .with_iterations(ITERATIONS)
        .for_each(|(which, edits)| {
            let text = mutated(CONFIG_SEEDS[usize::from(*which)], edits);
            // Loaded, or refused with the place: file:line:column.
            if let Err(err) = cowl::config::parse(&text, "fuzz.toml") {
                let shown = err.to_string();
                assert!(shown.starts_with("fuzz.toml:"), "{shown}");
            }
        });
}

#[test]
fn dbc_files() {
    check!()
        .with_type::<(u8, Vec<Edit>, Vec<u8>)>()
        .with_iterations(ITERATIONS)
        .for_each(|(seed, edits, frame)| {
            let text = mutated(DBC_SEEDS[usize::from(*seed) % DBC_SEEDS.len()], edits);
            if let Ok(database) = dbc::parse(&text, "fuzz.dbc") {
                decode_everything(&database, frame);
            }
        });
}

#[test]
fn can_frames() {
    let databases: Vec<decode::Database> = DBC_SEEDS
        .iter()
        .map(|text| dbc::parse(text, "seed.dbc").expect("a seed DBC parses"))
        .collect();
    check!()
        .with_type::<(u8, u32, Vec<u8>)>()
        .with_iterations(ITERATIONS)
        .for_each(|(which, id, data)| {
            let database = &databases[usize::from(*which) % databases.len()];
            // Frames of the ids the DBC knows, as a bus would send them (any length).
            let messages = database.messages();
            if let Some(message) = messages.get(*id as usize % messages.len().max(1)) {
                let mut values = message.buffer();
                let _ = message.decode(data, &mut values);
            }
            decode_everything(database, data);
        });
}

/// A frame read from a log holds what it announces: at most 64 bytes, all of them (a remote
/// request announces the length it asks for and holds none).
fn assert_whole(frame: &candump::LogFrame<'_>) {
    assert!(frame.len() <= 64, "a frame of {} bytes", frame.len());
    let held = if frame.kind == candump::FrameKind::Remote {
        0
    } else {
        frame.len()
    };
    assert_eq!(frame.data().len(), held);
}

#[test]
fn candump_logs() {
    check!()
        .with_type::<(Vec<Edit>, Vec<u8>)>()
        .with_iterations(ITERATIONS)
        .for_each(|(edits, raw)| {
            let text = mutated(CANDUMP_SEED, edits);
            for line in text.lines().chain(String::from_utf8_lossy(raw).lines()) {
                if let Ok(frame) = candump::parse_line(line) {
                    assert_whole(&frame);
                }
                if let Some((_, frame)) = line.rsplit_once(' ')
                    && let Ok(frame) = candump::parse_frame(frame)
                {
                    assert_whole(&frame);
                }
            }
        });
}

#[test]
fn vehicle_mappings() {
    let database = dbc::parse(DBC_SEEDS[0], "cowl-demo.dbc").expect("the demo DBC parses");
    check!()
        .with_type::<(Vec<Edit>, Vec<u8>)>()
        .with_iterations(ITERATIONS)
        .for_each(|(edits, frame)| {
            let text = mutated(MAPPING_SEED, edits);
            let Ok(mapping) = properties::Mapping::parse(&text, "fuzz.toml", &database) else {
                return;
            };
            // Every property the mapping makes, from frames of every message.
            for message in database.messages() {
                let mut values = message.buffer();
                if message.decode(frame, &mut values).is_err() {
                    continue;
                }
                for &index in mapping.fed_by(message.id) {
                    let _ = mapping.value_of(index, &message.signals, &values);
                }
            }
        });
}

/// A message as a helper gone wrong might send it: the link's fields (a tag near the real
/// ones, sizes near real ones) or any bytes at all, with or without a descriptor (a memfd of
/// some size, sealed or not), and then a request to copy a frame out of some slot.
#[derive(Debug, bolero::TypeGenerator)]
struct HelperSends {
    tag: u8,
    /// Whether the 32-bit fields make a plausible format (sizes near a camera's, rows at
    /// least as wide as the width) or are any bits at all.
    plausible: bool,
    small: [u16; 3],
    /// The first 64-bit field (slots, or a frame's sequence), small as real ones are.
    first: u8,
    second: u64,
    raw: Option<Vec<u8>>,
    file: Option<(u32, bool)>,
    copy: (u32, u64, u16),
}

impl HelperSends {
    fn bytes(&self) -> Vec<u8> {
        if let Some(raw) = self.raw.as_ref().filter(|_| self.tag >= 224) {
            return raw.clone();
        }
        let mut bytes = Vec::with_capacity(32);
        bytes.extend_from_slice(&u32::from(self.tag % 6).to_le_bytes());
        let [width, height, padding] = self.small.map(u32::from);
        let small = if self.plausible {
            let width = width % 1024;
            [width, height % 1024, width * 4 + padding % 64]
        } else {
            [width, height, padding]
        };
        for field in small {
            bytes.extend_from_slice(&field.to_le_bytes());
        }
        let first = if self.plausible {
            u64::from(self.first % 8)
        } else {
            u64::from(self.first)
        };
        for large in [first, self.second] {
            bytes.extend_from_slice(&large.to_le_bytes());
        }
        bytes
    }

    /// The descriptor it sends: a memfd of up to 16 MiB, sealed against shrinking or not.
    fn file(&self) -> Option<std::os::fd::OwnedFd> {
        use rustix::fs::{MemfdFlags, SealFlags};
        let (len, sealed) = self.file?;
        let file =
            rustix::fs::memfd_create("fuzz", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)
                .expect("memfd");
        rustix::fs::ftruncate(&file, u64::from(len % (16 << 20))).expect("size the memfd");
        if sealed {
            rustix::fs::fcntl_add_seals(&file, SealFlags::SHRINK | SealFlags::GROW)
                .expect("seal the memfd");
        }
        Some(file)
    }
}

/// Sends `bytes` (and `fd`) on the seqpacket `socket` as one message.
fn send_raw(
    socket: std::os::fd::BorrowedFd<'_>,
    bytes: &[u8],
    fd: Option<std::os::fd::BorrowedFd<'_>>,
) {
    use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
    use std::mem::MaybeUninit;
    let fds = fd.as_slice();
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() {
        assert!(control.push(SendAncillaryMessage::ScmRights(fds)));
    }
    let _ = rustix::net::sendmsg(
        socket,
        &[std::io::IoSlice::new(bytes)],
        &mut control,
        SendFlags::DONTWAIT | SendFlags::NOSIGNAL,
    );
}

#[test]
fn camera_helper_messages() {
    use cowl::camera::link::{self, HelperMessage, SharedFrames};
    use rustix::net::{AddressFamily, SocketFlags, SocketType};
    check!()
        .with_type::<HelperSends>()
        .with_iterations(ITERATIONS)
        .for_each(|sends| {
            let (cowl, helper) = rustix::net::socketpair(
                AddressFamily::UNIX,
                SocketType::SEQPACKET,
                SocketFlags::CLOEXEC,
                None,
            )
            .expect("socketpair");
            let file = sends.file();
            send_raw(
                helper.as_fd(),
                &sends.bytes(),
                file.as_ref().map(|file| file.as_fd()),
            );
            let Ok(Some(received)) = link::receive_from_helper(&cowl) else {
                return;
            };
            match received {
                HelperMessage::Format(format, fd) => {
                    let Ok(frames) = SharedFrames::map(fd, format) else {
                        return;
                    };
                    let (slot, sequence, extra) = sends.copy;
                    let stride = format.width as usize * 4 + usize::from(extra % 64);
                    let mut out = vec![0; stride * format.height as usize];
                    let _ = frames.copy_frame(slot, sequence, &mut out, stride);
                    // And into a buffer too short for it.
                    let short = usize::from(extra).min(out.len());
                    let _ = frames.copy_frame(slot, sequence, &mut out[..short], stride);
                }
                HelperMessage::Frame { age, .. } => {
                    assert!(age <= Duration::from_nanos(u64::MAX));
                }
                HelperMessage::Alive => {}
            }
        });
}

#[test]
fn map_files() {
    use cowl_nav::mapdata as file;
    // A map file from a USB stick may be crafted, its checksum made to match: edits of the
    // shipped map's payload, framed with a right checksum (now and then a header byte
    // edited too), are read or refused; a map that is read routes between two of its nodes.
    let shipped = include_bytes!("../../assets/map/helsinki.cowlmap");
    let payload = file::payload_of(shipped).expect("the shipped map has a payload");
    let path = std::path::Path::new("fuzz.cowlmap");
    check!()
        .with_type::<(Vec<(u32, u8, u8)>, (u8, u8, u8), (u32, u32))>()
        .with_iterations(1_000)
        .for_each(|(edits, frame_edit, (from, to))| {
            let mut payload = payload.to_vec();
            // A few edits: more seldom make a map that still reads.
            for &(at, byte, how) in edits.iter().take(4) {
                let at = at as usize % (payload.len() + 1);
                match how % 3 {
                    0 if at < payload.len() => payload[at] = byte,
                    1 => payload.insert(at, byte),
                    _ if at < payload.len() => {
                        payload.remove(at);
                    }
                    _ => {}
                }
            }
            let mut bytes = file::frame_payload(&payload);
            let (at, byte, how_often) = *frame_edit;
            if how_often % 16 == 0 {
                let header = bytes.len() - payload.len();
                bytes[usize::from(at) % header] = byte;
            }
            let Ok(map) = file::from_bytes(&bytes, path) else {
                return;
            };
            let nodes = map.graph.node_count().max(1) as u32;
            let router = cowl_nav::routing::Router::new(&map.graph);
            let options = cowl_nav::routing::Options::default();
            if let Some(route) = router.route(from % nodes, to % nodes, options) {
                let _ = cowl_nav::routing::maneuvers(&map, &route);
            }
        });
}
