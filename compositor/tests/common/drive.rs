//! The demo drive (assets/vehicle/demo-drive.log) replayed stepped into cowl
//! (`--replay-stepped`): a test moves the car to a chosen second of the drive with
//! org.cowl.Debug1.ReplayStep, and the car's clock stands still there while it looks.

use super::bus::PrivateBus;

/// The demo car's 80 s drive: parked until 10 s, D and through town (moving 12-30 s and
/// 36-58 s, a tunnel 44-52 s), R 60-72 s (reversing 63-71 s), then P and parked.
pub const DEMO_DRIVE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../assets/vehicle/demo-drive.log"
);

/// The arguments that make cowl replay the demo drive stepped (with Debug1 served).
pub const STEPPED_DRIVE_ARGS: [&str; 4] =
    ["--replay", DEMO_DRIVE, "--replay-stepped", "--debug-input"];

pub struct SteppedDrive {
    /// Each frame's time into the drive, in seconds, in log order.
    times: Vec<f64>,
    played: usize,
    connection: zbus::Connection,
}

impl SteppedDrive {
    pub fn new(bus: &PrivateBus) -> SteppedDrive {
        SteppedDrive::of_log(bus, std::path::Path::new(DEMO_DRIVE))
    }

    /// A stepped replay of another candump log (cowl started with `--replay` of the same).
    pub fn of_log(bus: &PrivateBus, log: &std::path::Path) -> SteppedDrive {
        let log = std::fs::read_to_string(log).expect("the replayed log");
        let stamps: Vec<f64> = log
            .lines()
            .filter_map(|line| line.strip_prefix('(')?.split(')').next()?.parse().ok())
            .collect();
        let start = stamps.first().copied().expect("frames in the demo drive");
        SteppedDrive {
            times: stamps.iter().map(|stamp| stamp - start).collect(),
            played: 0,
            connection: bus.connect(),
        }
    }

    /// Plays every frame up to and including `seconds` into the drive.
    pub fn to(&mut self, seconds: f64) {
        let until = self.times.partition_point(|&time| time <= seconds);
        let count = until.saturating_sub(self.played) as u32;
        let debug = zbus::block_on(cowl_sdk::shell::Debug1Proxy::new(&self.connection))
            .expect("Debug1 proxy");
        let played = zbus::block_on(debug.replay_step(count)).expect("ReplayStep");
        assert_eq!(played, count, "frames played up to {seconds} s");
        self.played = until;
    }
}
