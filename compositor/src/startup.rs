//! Start-up: what waits for the first frame, when Cowl is ready, and where the time to it
//! went.
//!
//! The first frame comes first. The input devices (libinput, with `--backend drm`), the
//! seat's keyboard (keyboard.rs), the apps Cowl starts (autostart, the on-screen keyboard,
//! `--spawn`) come once every display shows its first frame, or `FIRST_FRAME_AT_LATEST`
//! after the loop starts where a display never does: a driver sees the screens lit sooner,
//! and the apps' start-up does not compete with it. Ready (READY=1 to systemd, which orders
//! the apps' session after it) means the first frame is on every display, the keyboard is
//! set up, the car's vehicle data is loaded (car/at_startup.rs) and Shell1 is served (or
//! D-Bus failed): a head unit shows the black curtain on every screen before any app is
//! started against it. The apps Cowl starts itself may come before the car does, and hear
//! it arrive on Vehicle1 like any change. The phases are logged once, as milliseconds since
//! `main` began, with the time before it (the dynamic loader mapping and relocating Cowl
//! and its libraries), so a slow start-up says where its time went (`journalctl -u cowl`).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use smithay::output::Output;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use tracing::{info, warn};

use crate::state::State;

/// What waits for the first frame is done this long after the loop starts at the latest,
/// so that a display that never presents one does not keep the apps and keyboard away.
const FIRST_FRAME_AT_LATEST: Duration = Duration::from_secs(2);

/// The start-up's progress.
pub struct Startup {
    began: Instant,
    /// Each phase reached so far, with the time since `began`.
    phases: Vec<(&'static str, Duration)>,
    /// From the process's creation to `began`, where the kernel says (`time_before_main`).
    before_main: Option<Duration>,
    dbus_settled: bool,
    /// The car's DBCs and mappings are loaded, and its signals' source started.
    car_settled: bool,
    /// Outputs whose first frame has been presented.
    shown: BTreeSet<String>,
    /// The keyboard is set up and the apps are started (`startup_after_first_frame`).
    after_first_frame_done: bool,
    /// `--spawn` commands (and the demo's phone), started after the first frame.
    clients_to_spawn: Vec<String>,
    announced: bool,
}

impl Startup {
    /// Starts counting from `began` (the top of `main`).
    pub fn new(began: Instant) -> Startup {
        Startup {
            began,
            phases: Vec::new(),
            before_main: None,
            dbus_settled: false,
            car_settled: false,
            shown: BTreeSet::new(),
            after_first_frame_done: false,
            clients_to_spawn: Vec::new(),
            announced: false,
        }
    }

    /// Notes how long the process ran before `began` (`time_before_main`).
    pub fn set_time_before_main(&mut self, before_main: Option<Duration>) {
        self.before_main = before_main;
    }

    /// Whether what waits for the first frame has been started (the input devices among it).
    pub fn after_first_frame_begun(&self) -> bool {
        self.after_first_frame_done
    }

    /// Commands to run (`sh -c`) as clients once the first frame is out.
    pub fn spawn_after_first_frame(&mut self, commands: Vec<String>) {
        self.clients_to_spawn = commands;
    }

    /// Notes that `phase` is done now.
    pub fn reached(&mut self, phase: &'static str) {
        self.phases.push((phase, self.began.elapsed()));
    }

    /// The displays whose first frame has not been presented yet.
    fn not_shown_yet(&self, state: &State) -> Vec<String> {
        state
            .space
            .outputs()
            .map(Output::name)
            .filter(|name| !self.shown.contains(name))
            .collect()
    }

    /// The phases as `name=12.3ms` pairs, in order.
    fn summary(&self) -> String {
        self.phases
            .iter()
            .map(|(phase, at)| format!("{phase}={:.1}ms", at.as_secs_f64() * 1000.0))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl State {
    /// Shell1 is served, or D-Bus failed or is off: one of the two conditions of ready.
    pub fn startup_dbus_settled(&mut self) {
        if !self.startup.dbus_settled {
            self.startup.dbus_settled = true;
            self.startup.reached("dbus");
            self.startup_try_ready();
        }
    }

    /// The car is loaded and started: one of the conditions of ready.
    pub fn startup_car_settled(&mut self) {
        self.startup.car_settled = true;
        self.startup_try_ready();
    }

    /// Arms `FIRST_FRAME_AT_LATEST` (called as the loop starts).
    pub fn startup_start_first_frame_timer(&mut self) {
        let timer = Timer::from_duration(FIRST_FRAME_AT_LATEST);
        let inserted = self.loop_handle.insert_source(timer, |_, _, state| {
            if !state.startup.after_first_frame_done {
                let waiting = state.startup.not_shown_yet(state);
                if waiting.is_empty() {
                    info!("no display yet; starting the keyboard and apps");
                } else {
                    warn!(
                        ?waiting,
                        "no first frame on these displays yet; starting the keyboard and apps anyway"
                    );
                }
                state.startup_after_first_frame();
            }
            TimeoutAction::Drop
        });
        if let Err(err) = inserted {
            warn!("no start-up timer ({err}); starting the keyboard and apps now");
            self.startup_after_first_frame();
        }
    }

    /// The screens are lit: the input devices, the keyboard, then the apps. Once.
    fn startup_after_first_frame(&mut self) {
        if self.startup.after_first_frame_done {
            return;
        }
        self.startup.after_first_frame_done = true;
        self.drm_take_input_devices();
        self.keyboard_set_up();
        self.startup.reached("keyboard");
        for command in std::mem::take(&mut self.startup.clients_to_spawn) {
            crate::supervisor::spawn_client(&command, &self.socket_name);
        }
        self.start_autostart_apps();
        self.startup_try_ready();
    }

    /// A frame of `output` was presented: the first one of each display counts towards
    /// what waits for the first frame, and ready. Called for every frame, so once ready it
    /// returns before looking at the output.
    pub fn startup_frame_shown(&mut self, output: &Output) {
        if self.startup.announced {
            return;
        }
        let name = output.name();
        if self.startup.shown.contains(&name) {
            return;
        }
        info!(output = %name, "first frame presented");
        self.startup.shown.insert(name);
        if self.startup.not_shown_yet(self).is_empty() {
            self.startup.reached("first-frame-everywhere");
            self.startup_after_first_frame();
        }
        self.startup_try_ready();
    }

    fn startup_try_ready(&mut self) {
        if self.startup.announced || !self.startup.dbus_settled || !self.startup.car_settled {
            return;
        }
        if !self.startup.not_shown_yet(self).is_empty() {
            return;
        }
        if !self.startup.after_first_frame_done {
            // No display at all (none connected yet): nothing to wait for. This comes back
            // here once the keyboard is set up.
            self.startup_after_first_frame();
            return;
        }
        self.startup.announced = true;
        self.startup.reached("ready");
        let before_main = self.startup.before_main.map_or_else(
            || "unknown".to_string(),
            |before| format!("{:.0}ms", before.as_secs_f64() * 1000.0),
        );
        info!(
            phases = %self.startup.summary(),
            before_main,
            "start-up done"
        );
        crate::socket::announce_ready(&self.socket_name);
    }
}

/// How long this process has existed: from its creation (the fork that exec'd Cowl, as
/// the kernel counts it in /proc/self/stat, to the clock's tick: 10 ms on most kernels) to
/// now. Called at the top of `main`, it is the time the dynamic loader took. None where
/// /proc is not mounted or unreadable.
pub fn time_before_main() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    process_age(
        &stat,
        rustix::time::clock_gettime(rustix::time::ClockId::Boottime),
    )
}

/// The age of the process whose /proc/PID/stat is `stat`, at `now` on CLOCK_BOOTTIME.
fn process_age(stat: &str, now: rustix::time::Timespec) -> Option<Duration> {
    // The command name (field 2) is in parentheses and may hold spaces or parentheses
    // itself: the fields after its last ')' are the state (3) onwards; starttime is 22.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let start_ticks: u64 = after_name.split_whitespace().nth(22 - 3)?.parse().ok()?;
    let ticks_per_second = rustix::param::clock_ticks_per_second();
    if ticks_per_second == 0 {
        return None;
    }
    let started = Duration::from_secs_f64(start_ticks as f64 / ticks_per_second as f64);
    let now = Duration::new(
        u64::try_from(now.tv_sec).ok()?,
        u32::try_from(now.tv_nsec).ok()?,
    );
    now.checked_sub(started)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_lists_the_phases_in_the_order_they_came() {
        let mut startup = Startup::new(Instant::now());
        startup.reached("config");
        startup.reached("backend");
        let summary = startup.summary();
        let config = summary.find("config=").expect("config listed");
        let backend = summary.find("backend=").expect("backend listed");
        assert!(config < backend, "{summary}");
        assert!(summary.ends_with("ms"), "{summary}");
    }

    #[test]
    fn process_age_reads_starttime_after_a_command_name_with_spaces() {
        let ticks = rustix::param::clock_ticks_per_second();
        // Started 10 s after boot, by a command named "a) b": the state (field 3), fields
        // 4 to 21, then starttime (22) and what follows it.
        let stat = format!("42 (a) b) S {} {} 0 0", ["7"; 18].join(" "), 10 * ticks);
        let now = rustix::time::Timespec {
            tv_sec: 12,
            tv_nsec: 500_000_000,
        };
        assert_eq!(
            process_age(&stat, now),
            Some(Duration::from_millis(2500)),
            "{stat}"
        );
    }

    #[test]
    fn this_process_has_an_age() {
        let age = time_before_main().expect("/proc/self/stat");
        assert!(age < Duration::from_secs(24 * 3600), "{age:?}");
    }
}
