//! Replay of a candump log as the car's frames, paced by the log's own timestamps (scaled by
//! a speed factor), optionally looped: the demo drive, and recordings from a real car for
//! development. A calloop timer wakes for each frame that is due; the loop never sleeps.
//! Stepped (`--replay-stepped`), frames are played only when a test asks for the next ones
//! (org.cowl.Debug1.ReplayStep), whatever their timestamps say, and the car's clock follows
//! the log's timestamps instead of the wall clock: it stands still between steps. Lines that
//! are not frames are skipped and counted.

use std::borrow::Cow;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::vehicle_signals::candump;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use tracing::{info, warn};

use crate::state::State;

/// How many bad lines are logged one by one before only the count is.
const LOGGED_BAD_LINES: usize = 5;
/// At most this many frames per wake, so that a replay far behind never stalls the loop.
const FRAMES_PER_WAKE: usize = 2_000;
/// The pause between the end of a looped log and its start again.
const LOOP_PAUSE: Duration = Duration::from_secs(1);
/// The longest a replay waits for its next frame, whatever the log's timestamps say.
const LONGEST_GAP: Duration = Duration::from_secs(24 * 60 * 60);

/// When a frame stamped `stamp` is due in a pass that began at `wall_start` with a frame
/// stamped `log_start`, played at `speed` times the log's pace. No timestamp overflows it.
fn due_after(wall_start: Instant, log_start: Duration, stamp: Duration, speed: f64) -> Instant {
    let offset = stamp.saturating_sub(log_start).as_secs_f64() / speed;
    let wait = Duration::try_from_secs_f64(offset)
        .unwrap_or(LONGEST_GAP)
        .min(LONGEST_GAP);
    wall_start.checked_add(wait).unwrap_or(wall_start)
}

/// The demo drive (assets/vehicle/demo-drive.log), built in for `cowl --demo`.
const DEMO_DRIVE: &str = include_str!("../../../assets/vehicle/demo-drive.log");

#[derive(Debug, Clone, PartialEq)]
pub enum ReplayLog {
    File(PathBuf),
    /// The built-in demo drive.
    DemoDrive,
}

impl std::fmt::Display for ReplayLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplayLog::File(path) => write!(f, "{}", path.display()),
            ReplayLog::DemoDrive => f.write_str("<built-in demo-drive.log>"),
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
    /// The whole log; read once, parsed a line at a time as it plays.
    text: Cow<'static, str>,
    cursor: Cursor,
    /// The first frame's timestamp, and when it was (or will be) played.
    log_start: Option<Duration>,
    /// Stepped: the car's time at the start of this pass through the log.
    pass_start: Duration,
    wall_start: Instant,
}

/// Where reading the log stands.
#[derive(Debug, Clone, Copy, Default)]
struct Cursor {
    /// Byte offset of the next line, and its number (from 1) less one.
    offset: usize,
    line: usize,
    bad_lines: usize,
    /// A looped log's later passes: its bad lines were reported on the first.
    quiet: bool,
}

impl Cursor {
    /// At the start again, for the next pass of a looped log.
    fn next_pass() -> Cursor {
        Cursor {
            quiet: true,
            ..Cursor::default()
        }
    }
}

/// The next frame of `text` after `cursor`, skipping blank lines and counting (logging the
/// first few of) the lines that are not frames; `None` at the end. Also where its line began,
/// to read it again if it is not due yet. A function of the parts, not of `Replay`, so that
/// the frame may borrow the text while the caller updates the rest.
fn next_frame<'a>(
    text: &'a str,
    cursor: &mut Cursor,
    log: &ReplayLog,
) -> Option<(candump::LogFrame<'a>, Cursor)> {
    while cursor.offset < text.len() {
        let at = *cursor;
        let end = text[at.offset..]
            .find('\n')
            .map_or(text.len(), |newline| at.offset + newline);
        let line = &text[at.offset..end];
        cursor.offset = end + 1;
        cursor.line += 1;
        if line.trim().is_empty() {
            continue;
        }
        match candump::parse_line(line) {
            Ok(frame) => return Some((frame, at)),
            Err(err) => {
                cursor.bad_lines += 1;
                if cursor.bad_lines <= LOGGED_BAD_LINES && !cursor.quiet {
                    warn!("{log}:{}: skipped: {err}", cursor.line);
                }
            }
        }
    }
    None
}

impl Replay {
    /// When the frame stamped `stamp` is due: a log's gap (a timestamp from a file, any
    /// number of seconds) counts for `LONGEST_GAP` at most.
    fn due(&self, stamp: Duration) -> Instant {
        due_after(
            self.wall_start,
            self.log_start.unwrap_or(stamp),
            stamp,
            self.options.speed,
        )
    }

    /// Plays the next `count` frames at once (a stepped replay); how many there were.
    pub fn step(&mut self, state: &mut State, count: u32) -> u32 {
        let mut played = 0;
        // A looped log wraps around once per frame played at most: one without frames ends.
        let mut wrapped = false;
        while played < count {
            let Some((frame, _)) = next_frame(&self.text, &mut self.cursor, &self.options.log)
            else {
                if self.options.looping && !wrapped {
                    wrapped = true;
                    self.cursor = Cursor::next_pass();
                    self.log_start = None;
                    self.pass_start = state.car_now().saturating_add(LOOP_PAUSE);
                    continue;
                }
                break;
            };
            wrapped = false;
            // The car's clock moves to this frame's time in the log (never backwards).
            let log_start = *self.log_start.get_or_insert(frame.timestamp);
            let at = self
                .pass_start
                .saturating_add(frame.timestamp.saturating_sub(log_start));
            state.car.frozen_now = Some(at.max(state.car_now()));
            if frame.kind == candump::FrameKind::Data {
                state.car_frame(frame.interface, frame.id, frame.data());
            }
            played += 1;
        }
        if played > 0 {
            // Values the log stopped refreshing went stale on the way.
            let now = state.car_now();
            state.car_changed(now);
        }
        played
    }

    /// Plays every frame that is due; when to wake next, or `None` at the end.
    fn play(&mut self, state: &mut State) -> Option<Instant> {
        let mut played = 0;
        while let Some((frame, line_start)) =
            next_frame(&self.text, &mut self.cursor, &self.options.log)
        {
            if self.log_start.is_none() {
                self.log_start = Some(frame.timestamp);
            }
            let due = self.due(frame.timestamp);
            if due > Instant::now() {
                // Read this line again when it is due (its bad predecessors stay counted).
                self.cursor.offset = line_start.offset;
                self.cursor.line = line_start.line;
                return Some(due);
            }
            if frame.kind == candump::FrameKind::Data {
                state.car_frame(frame.interface, frame.id, frame.data());
            }
            played += 1;
            if played == FRAMES_PER_WAKE {
                return Some(Instant::now());
            }
        }
        if self.cursor.bad_lines > LOGGED_BAD_LINES && !self.cursor.quiet {
            warn!(
                "{}: {} lines skipped in all",
                self.options.log, self.cursor.bad_lines
            );
        }
        if !self.options.looping {
            info!(log = %self.options.log, "replay finished");
            return None;
        }
        self.cursor = Cursor::next_pass();
        self.log_start = None;
        self.wall_start = Instant::now() + LOOP_PAUSE;
        Some(self.wall_start)
    }
}

/// Starts playing; a log that cannot be read is logged, and cowl runs on without data.
pub fn start(state: &mut State, options: ReplayOptions) {
    let text = match &options.log {
        ReplayLog::File(path) => match std::fs::read_to_string(path) {
            Ok(text) => Cow::Owned(text),
            Err(err) => {
                warn!(
                    "replay unavailable: {}: {err}; running without vehicle data",
                    path.display()
                );
                return;
            }
        },
        ReplayLog::DemoDrive => Cow::Borrowed(DEMO_DRIVE),
    };
    info!(log = %options.log, speed = options.speed, looping = options.looping, "replaying");
    let stepped = options.stepped;
    let mut replay = Replay {
        options,
        text,
        cursor: Cursor::default(),
        log_start: None,
        wall_start: Instant::now(),
        pass_start: state.car_now(),
    };
    if stepped {
        info!("stepped replay: frames play on Debug1.ReplayStep");
        state.car.frozen_now = Some(replay.pass_start);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_whose_timestamps_leap_waits_a_day_at_most_and_never_overflows() {
        let start = Instant::now();
        let second = Duration::from_secs(1);
        assert_eq!(due_after(start, second, second * 3, 2.0), start + second);
        // candump timestamps are any u64 of seconds: from 0 to the largest, at any speed.
        let last = Duration::new(u64::MAX, 999_999_999);
        for speed in [0.1, 1.0, 1000.0] {
            assert_eq!(
                due_after(start, Duration::ZERO, last, speed),
                start + LONGEST_GAP
            );
        }
        // Backwards in time: due at once.
        assert_eq!(due_after(start, last, Duration::ZERO, 1.0), start);
    }
}
