//! Cowl's DBC decoder against cantools, the reference: for every message of real DBC files
//! (opendbc's cars and cantools' own test files, fetched by tests/can/corpus.sh), thousands of
//! random frames are decoded by both, and every signal must match bit for bit: the same
//! integer or float, the same label, the same signals missing from short frames or
//! unselected by a multiplexer, the same frames refused. cantools' results come from
//! tests/can/generate.py, committed in tests/can/fixtures/, so this test needs no Python.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cowl::vehicle_signals::dbc;
use cowl::vehicle_signals::decode::{FrameId, MessagePlan, Number, Value};
use sha2::{Digest, Sha256};

fn can_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/can")
}

/// The generator's random numbers, repeated exactly (SplitMix64).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// A multiplexer as the fixture describes it, to set its bits like the generator did.
struct Multiplexer {
    start: u64,
    length: u64,
    big_endian: bool,
    ids: Vec<u64>,
}

fn set_bits(data: &mut [u8], mux: &Multiplexer, value: u64) {
    for index in 0..mux.length {
        let bit = ((u128::from(value) >> index) & 1) as u8;
        let (byte, shift) = if mux.big_endian {
            let msb = (mux.start / 8) * 8 + 7 - mux.start % 8;
            let position = msb + mux.length - 1 - index;
            (position / 8, 7 - position % 8)
        } else {
            let position = mux.start + index;
            (position / 8, position % 8)
        };
        if let Some(byte) = data.get_mut(byte as usize) {
            *byte = (*byte & !(1 << shift)) | (bit << shift);
        }
    }
}

fn frames(seed: u64, length: usize, muxes: &[Multiplexer], count: usize) -> Vec<Vec<u8>> {
    let mut rng = SplitMix64(seed);
    (0..count)
        .map(|_| {
            let mut size = length;
            if length > 0 && rng.below(8) == 0 {
                size = rng.below(length as u64) as usize;
            }
            let mut data: Vec<u8> = (0..size).map(|_| rng.next() as u8).collect();
            for mux in muxes {
                if rng.below(8) != 0 {
                    let id = mux.ids[rng.below(mux.ids.len() as u64) as usize];
                    set_bits(&mut data, mux, id);
                }
            }
            data
        })
        .collect()
}

/// One frame's decode in the generator's canonical form.
fn canonical(message: &MessagePlan, result: Result<(), ()>, values: &[Option<Value>]) -> String {
    if result.is_err() {
        return "!\n".into();
    }
    let mut decoded: Vec<(&str, String)> = message
        .signals
        .iter()
        .zip(values)
        .filter_map(|(signal, value)| {
            let value = value.as_ref()?;
            let text = match (
                value.label.and_then(|label| signal.label(label)),
                value.number,
            ) {
                (Some(label), _) => format!("s{label}"),
                (None, Number::Integer(number)) => format!("i{number}"),
                (None, Number::Float(number)) => format!("f{:016x}", number.to_bits()),
            };
            Some((signal.name.as_str(), text))
        })
        .collect();
    decoded.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut line = String::new();
    for (index, (name, value)) in decoded.iter().enumerate() {
        if index > 0 {
            line.push(';');
        }
        let _ = write!(line, "{name}={value}");
    }
    line.push('\n');
    line
}

struct Expected {
    id: FrameId,
    name: String,
    length: usize,
    seed: u64,
    digest: String,
    muxes: Vec<Multiplexer>,
    samples: Vec<(Vec<u8>, String)>,
}

fn read_fixture(path: &Path) -> (usize, Vec<Expected>) {
    let text = std::fs::read_to_string(path).expect("fixture");
    let frames_per_message = text
        .lines()
        .find_map(|line| {
            line.strip_prefix("# ")?
                .split(" frames per message")
                .next()?
                .parse()
                .ok()
        })
        .expect("the fixture says how many frames per message");
    let mut messages: Vec<Expected> = Vec::new();
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields[0] {
            "M" => messages.push(Expected {
                id: FrameId {
                    id: fields[1].parse().expect("id"),
                    extended: fields[2] == "E",
                },
                name: fields[3].to_string(),
                length: fields[4].parse().expect("length"),
                seed: fields[5].parse().expect("seed"),
                digest: fields[6].to_string(),
                muxes: Vec::new(),
                samples: Vec::new(),
            }),
            "X" => messages
                .last_mut()
                .expect("a message")
                .muxes
                .push(Multiplexer {
                    start: fields[2].parse().expect("start"),
                    length: fields[3].parse().expect("length"),
                    big_endian: fields[4] == "B",
                    ids: fields[5]
                        .split(',')
                        .map(|id| id.parse().expect("id"))
                        .collect(),
                }),
            "S" => {
                let data = (0..fields[1].len())
                    .step_by(2)
                    .map(|at| u8::from_str_radix(&fields[1][at..at + 2], 16).expect("hex"))
                    .collect();
                let line = fields.get(2).copied().unwrap_or("").to_string() + "\n";
                messages
                    .last_mut()
                    .expect("a message")
                    .samples
                    .push((data, line));
            }
            other => panic!("{}: unknown line kind {other:?}", path.display()),
        }
    }
    (frames_per_message, messages)
}

#[test]
fn every_signal_of_every_frame_decodes_as_cantools_decodes_it() {
    let fixtures = can_dir().join("fixtures");
    let corpus = can_dir().join("corpus");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("tests/can/fixtures")
        .map(|entry| entry.expect("entry").path())
        .collect();
    paths.sort();
    assert!(paths.len() >= 20, "the fixtures are missing");

    let mut checked_frames = 0;
    let mut checked_messages = 0;
    let mut without_reference = Vec::new();
    for path in &paths {
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("name");
        let dbc_path = corpus.join(format!("{stem}.dbc"));
        assert!(
            dbc_path.exists(),
            "{} is missing: run `.ci/install-deps test` (it runs tests/can/corpus.sh)",
            dbc_path.display()
        );
        let database = dbc::load(&dbc_path).unwrap_or_else(|err| panic!("{err}"));
        let (count, expected) = read_fixture(path);
        for message in &expected {
            let plan = database
                .message(message.id)
                .unwrap_or_else(|| panic!("{stem}: no message {} ({})", message.id, message.name));
            assert_eq!(plan.name, message.name, "{stem}: message {}", message.id);
            assert_eq!(plan.length, message.length, "{stem}: {}", message.name);
            let mut values = plan.buffer();
            let mut decode = |data: &[u8]| {
                let result = plan.decode(data, &mut values).map_err(|_| ());
                canonical(plan, result, &values)
            };
            for (data, line) in &message.samples {
                assert_eq!(
                    &decode(data),
                    line,
                    "{stem}: {} decoded from {data:02x?}",
                    message.name
                );
            }
            let frames = frames(message.seed, message.length, &message.muxes, count);
            if message.digest == "-" {
                // cantools cannot unpack overlapping signals; we decode them, without panic.
                frames.iter().for_each(|data| drop(decode(data)));
                without_reference.push(format!("{stem}: {}", message.name));
                continue;
            }
            // To find the first frame that differs: CAN_CROSSCHECK_DUMP=STEM/MESSAGE writes
            // our lines to target/, to compare with `generate.py --dump STEM MESSAGE`.
            let dump = std::env::var("CAN_CROSSCHECK_DUMP")
                .is_ok_and(|wanted| wanted == format!("{stem}/{}", message.name));
            let mut dumped = String::new();
            let mut digest = Sha256::new();
            for data in &frames {
                let line = decode(data);
                if dump {
                    let hex: String = data.iter().map(|byte| format!("{byte:02x}")).collect();
                    let _ = write!(dumped, "{hex}\t{line}");
                }
                digest.update(line.as_bytes());
                checked_frames += 1;
            }
            if dump {
                std::fs::write("/tmp/cowl-crosscheck-dump.txt", dumped).expect("write the dump");
            }
            let digest: String = digest.finalize()[..16]
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            assert_eq!(
                digest, message.digest,
                "{stem}: the {count} frames of {} decode otherwise than in cantools",
                message.name
            );
            checked_messages += 1;
        }
    }
    eprintln!("{checked_frames} frames of {checked_messages} messages match cantools");
    eprintln!("cantools cannot decode (overlapping signals): {without_reference:?}");
    assert!(
        without_reference.len() < 10,
        "most messages must have a reference"
    );
}
