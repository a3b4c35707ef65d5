//! Replay of a candump log as the car's frames, paced by the log's own timestamps (scaled by
//! a speed factor), optionally looped: the demo drive, and recordings from a real car for
//! development. A calloop timer wakes for each frame that is due; the loop never sleeps.
//! Stepped (`--replay-stepped`), frames are played only when a test asks for the next ones
//! (org.cowl.Debug1.ReplayStep), whatever their timestamps say. Lines that are not frames
//! are skipped and counted.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cowl::vehicle::candump;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use tracing::{info, warn};

use crate::state::State;

/// How many bad lines are logged one by one before only the count is.
const LOGGED_BAD_LINES: usize = 5;
/// At most this many frames per wake, so that a replay far behind never stalls the loop.
const FRAMES_PER_WAKE: usize = 2_000;
/// The pause between the end of a looped log and its start again.
const LOOP_PAUSE: Duration = Duration::from_secs(1);

/// The demo drive (assets/vehicle/demo-drive.log), built in for `cowl --demo`.
const DEMO_DRIVE: &str = include_str!("../../../assets/vehicle/demo-drive.log");

#[derive(Debug, Clone, PartialEq)]
pub enum ReplayLog {
    File(PathBuf),
    /// The built-in demo drive.
    DemoDrive,
}

impl ReplayLog {
    fn name(&self) -> String {
        match self {
            ReplayLog::File(path) => path.display().to_string(),
            ReplayLog::DemoDrive => "<built-in demo-drive.log>".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ReplayOptions {
    pub log: ReplayLog,
    pub looping: bool,
    pub speed: f64,
    /// Frames are played only on request (Debug1.ReplayStep).
    pub stepped: bool,
}

pub struct Replay {
    options: ReplayOptions,
    lines: Vec<String>,
    next: usize,
    /// The first frame's timestamp, and when it was (or will be) played.
    log_start: Option<Duration>,
    wall_start: Instant,
    bad_lines: usize,
}

impl Replay {
    /// When the frame stamped `stamp` is due.
    fn due(&self, stamp: Duration) -> Instant {
        let log_start = self.log_start.unwrap_or(stamp);
        let offset = stamp.saturating_sub(log_start).as_secs_f64() / self.options.speed;
        self.wall_start + Duration::from_secs_f64(offset)
    }

    /// The next frame's line, skipping (and counting) lines that are not frames; `None` at
    /// the end of the log.
    fn next_frame(&mut self) -> Option<usize> {
        while let Some(line) = self.lines.get(self.next) {
            if line.trim().is_empty() {
                self.next += 1;
                continue;
            }
            if let Err(err) = candump::parse_line(line) {
                self.bad_lines += 1;
                if self.bad_lines <= LOGGED_BAD_LINES {
                    warn!(
                        "{}:{}: skipped: {err}",
                        self.options.log.name(),
                        self.next + 1
                    );
                }
                self.next += 1;
                continue;
            }
            return Some(self.next);
        }
        None
    }

    /// Plays the next `count` frames at once (a stepped replay); how many there were.
    pub fn step(&mut self, state: &mut State, count: u32) -> u32 {
        let mut played = 0;
        // A looped log wraps around once per frame played at most: one without frames ends.
        let mut wrapped = false;
        while played < count {
            let Some(index) = self.next_frame() else {
                if self.options.looping && !wrapped {
                    wrapped = true;
                    self.next = 0;
                    continue;
                }
                break;
            };
            wrapped = false;
            if let Ok(frame) = candump::parse_line(&self.lines[index])
                && frame.kind == candump::FrameKind::Data
            {
                state.car_frame(frame.interface, frame.id, frame.data());
            }
            self.next += 1;
            played += 1;
        }
        played
    }

    /// Plays every frame that is due; when to wake next, or `None` at the end.
    fn play(&mut self, state: &mut State) -> Option<Instant> {
        let mut played = 0;
        while let Some(line) = self.lines.get(self.next) {
            if line.trim().is_empty() {
                self.next += 1;
                continue;
            }
            let frame = match candump::parse_line(line) {
                Ok(frame) => frame,
                Err(err) => {
                    self.bad_lines += 1;
                    if self.bad_lines <= LOGGED_BAD_LINES {
                        warn!(
                            "{}:{}: skipped: {err}",
                            self.options.log.name(),
                            self.next + 1
                        );
                    }
                    self.next += 1;
                    continue;
                }
            };
            if self.log_start.is_none() {
                self.log_start = Some(frame.timestamp);
            }
            let due = self.due(frame.timestamp);
            if due > Instant::now() {
                return Some(due);
            }
            if frame.kind == candump::FrameKind::Data {
                state.car_frame(frame.interface, frame.id, frame.data());
            }
            self.next += 1;
            played += 1;
            if played == FRAMES_PER_WAKE {
                return Some(Instant::now());
            }
        }
        if self.bad_lines > LOGGED_BAD_LINES {
            warn!(
                "{}: {} lines skipped in all",
                self.options.log.name(),
                self.bad_lines
            );
        }
        if !self.options.looping {
            info!(path = %self.options.log.name(), "replay finished");
            return None;
        }
        self.next = 0;
        self.log_start = None;
        self.bad_lines = 0;
        self.wall_start = Instant::now() + LOOP_PAUSE;
        Some(self.wall_start)
    }
}

/// Starts playing; a log that cannot be read is logged, and cowl runs on without data.
pub fn start(state: &mut State, options: ReplayOptions) {
    let text = match &options.log {
        ReplayLog::File(path) => match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) => {
                warn!(
                    "replay unavailable: {}: {err}; running without vehicle data",
                    path.display()
                );
                return;
            }
        },
        ReplayLog::DemoDrive => DEMO_DRIVE.to_string(),
    };
    info!(log = %options.log.name(), speed = options.speed, looping = options.looping, "replaying");
    let stepped = options.stepped;
    let mut replay = Replay {
        lines: text.lines().map(str::to_string).collect(),
        options,
        next: 0,
        log_start: None,
        wall_start: Instant::now(),
        bad_lines: 0,
    };
    if stepped {
        info!("stepped replay: frames play on Debug1.ReplayStep");
        state.car.replay = Some(replay);
        return;
    }
    let inserted = state
        .loop_handle
        .insert_source(Timer::immediate(), move |_, _, state| {
            match replay.play(state) {
                Some(next) => TimeoutAction::ToInstant(next),
                None => TimeoutAction::Drop,
            }
        });
    if let Err(err) = inserted {
        warn!("could not start the replay: {err}");
    }
}
