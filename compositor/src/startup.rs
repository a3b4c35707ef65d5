//! Start-up: when Cowl is ready, and where the time to it went.
//!
//! Ready (READY=1 to systemd, which orders the apps' session after it) means the first
//! frame is on every display and Shell1 is served (or D-Bus failed): a head unit shows the
//! black curtain on every screen before any app is started against it. The phases are
//! logged once, as milliseconds since the process began, so a slow start-up says where its
//! time went (`journalctl -u cowl`).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use smithay::output::Output;
use tracing::info;

use crate::state::State;

/// The start-up's progress.
pub struct Startup {
    began: Instant,
    /// Each phase reached so far, with the time since `began`.
    phases: Vec<(&'static str, Duration)>,
    dbus_settled: bool,
    /// Outputs whose first frame has been presented.
    shown: BTreeSet<String>,
    announced: bool,
}

impl Startup {
    /// Starts counting from `began` (the top of `main`).
    pub fn new(began: Instant) -> Startup {
        Startup {
            began,
            phases: Vec::new(),
            dbus_settled: false,
            shown: BTreeSet::new(),
            announced: false,
        }
    }

    /// Notes that `phase` is done now.
    pub fn reached(&mut self, phase: &'static str) {
        self.phases.push((phase, self.began.elapsed()));
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

    /// A frame of `output` was presented: the first one counts towards ready. Called for
    /// every frame, so once ready it returns before looking at the output.
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
        self.startup_try_ready();
    }

    fn startup_try_ready(&mut self) {
        if self.startup.announced || !self.startup.dbus_settled {
            return;
        }
        let every_output_shown = self
            .space
            .outputs()
            .all(|output| self.startup.shown.contains(&output.name()));
        if !every_output_shown {
            return;
        }
        self.startup.announced = true;
        self.startup.reached("first-frame-everywhere");
        info!(phases = %self.startup.summary(), "start-up done");
        crate::socket::announce_ready(&self.socket_name);
    }
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
}
