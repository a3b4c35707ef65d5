//! Frames decoded per second on one core, Cowl's decoder against cantools side by side on the
//! same frames: a production DBC (opendbc's vw_mqb, 113 messages; fetched by
//! tests/can/corpus.sh) and 200,000 frames of random payloads spread over its messages.
//!
//! cantools runs in the Python that `COWL_CANTOOLS_PYTHON` names (default `python3`); where it
//! cannot import cantools, only Cowl's figure is printed.
//!
//!     COWL_CANTOOLS_PYTHON=/tmp/venv/bin/python cargo bench -p cowl --bench can_decode

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use cowl::vehicle_signals::dbc;

const FRAMES: usize = 200_000;
/// Cowl decodes the frames this many times, for a measurement of a second or more.
const ROUNDS: usize = 20;

const CANTOOLS_SCRIPT: &str = r##"
import sys, time, cantools
db = cantools.database.load_file(sys.argv[1], strict=False)
frames = []
for line in open(sys.argv[2]):
    _, _, frame = line.split()
    ident, data = frame.split("#")
    frames.append((db.get_message_by_frame_id(int(ident, 16)), bytes.fromhex(data)))
start = time.perf_counter()
for message, data in frames:
    try:
        message.decode(data, decode_choices=True, scaling=True, allow_truncated=True)
    except cantools.database.DecodeError:
        pass  # as Cowl counts an undecodable frame and goes on
print(len(frames) / (time.perf_counter() - start))
"##;

/// xorshift64*: payloads that are the same on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/can/corpus");
    let dbc_path = corpus.join("vw_mqb.dbc");
    let database = dbc::load(&dbc_path).unwrap_or_else(|err| {
        panic!("{err} (run compositor/tests/can/corpus.sh first)");
    });
    let messages = database.messages();

    // Random payloads of each message's length, messages chosen uniformly.
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let frames: Vec<(usize, Vec<u8>)> = (0..FRAMES)
        .map(|_| {
            let index = (random.next() % messages.len() as u64) as usize;
            let data = (0..messages[index].length)
                .map(|_| random.next() as u8)
                .collect();
            (index, data)
        })
        .collect();

    let mut buffers: Vec<_> = messages.iter().map(|message| message.buffer()).collect();
    let start = Instant::now();
    let mut decoded_signals = 0usize;
    for _ in 0..ROUNDS {
        for (index, data) in &frames {
            let values = &mut buffers[*index];
            if messages[*index].decode(black_box(data), values).is_ok() {
                decoded_signals += values.iter().filter(|value| value.is_some()).count();
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    black_box(decoded_signals);
    let cowl_rate = (FRAMES * ROUNDS) as f64 / elapsed;
    println!(
        "cowl:     {:>12.0} frames/s ({:.0} ns per frame, {} signals per frame)",
        cowl_rate,
        1e9 / cowl_rate,
        decoded_signals / (FRAMES * ROUNDS)
    );

    let log_dir = tempfile::tempdir().expect("temp dir");
    let log = log_dir.path().join("frames.log");
    let mut text = String::new();
    for (index, data) in &frames {
        let message = &messages[*index];
        let width = if message.id.extended { 8 } else { 3 };
        let _ = write!(text, "(0.000000) can0 {:0width$X}#", message.id.id);
        for byte in data {
            let _ = write!(text, "{byte:02X}");
        }
        text.push('\n');
    }
    std::fs::write(&log, text).expect("write the frames");

    let python = std::env::var("COWL_CANTOOLS_PYTHON").unwrap_or_else(|_| "python3".into());
    let output = Command::new(&python)
        .arg("-c")
        .arg(CANTOOLS_SCRIPT)
        .arg(&dbc_path)
        .arg(&log)
        .output();
    match output {
        Ok(output) if output.status.success() => {
            let rate: f64 = String::from_utf8_lossy(&output.stdout)
                .trim()
                .parse()
                .expect("cantools' rate");
            println!(
                "cantools: {:>12.0} frames/s ({:.0} ns per frame)",
                rate,
                1e9 / rate
            );
            println!(
                "ratio:    cowl decodes {:.0}x as many frames per second",
                cowl_rate / rate
            );
        }
        Ok(output) => println!(
            "cantools: not measured: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ),
        Err(err) => println!("cantools: not measured ({python}: {err})"),
    }
    // A saturated 1 Mbit/s bus carries about 9,000 frames/s.
    println!(
        "a saturated 1 Mbit/s bus (9,000 frames/s) costs {:.3} % of one core",
        9_000.0 / cowl_rate * 100.0
    );
}
