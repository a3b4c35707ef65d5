//! systemd's service watchdog (`WatchdogSec=` in cowl.service): pings from the event loop.
//!
//! The pings are sent by a timer on the same calloop loop that composites, handles clients
//! and judges the car's state, so a loop that is stuck (a deadlock, a runaway handler) stops
//! them and systemd restarts Cowl. Nothing runs on another thread: a healthy helper thread
//! must never be able to vouch for a dead loop.

use std::time::Duration;

use smithay::reexports::calloop::LoopHandle;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use tracing::{info, warn};

use crate::state::State;

/// The ping interval for systemd's `WATCHDOG_USEC`/`WATCHDOG_PID`, read as
/// sd_watchdog_enabled(3) does: a PID that is set must be ours. Pings come at half the
/// timeout, as systemd recommends.
pub fn ping_interval(usec: Option<&str>, pid: Option<&str>) -> Option<Duration> {
    let timeout_us: u64 = usec?.trim().parse().ok().filter(|&us| us > 0)?;
    if let Some(pid) = pid
        && pid.trim().parse::<u32>().ok() != Some(std::process::id())
    {
        return None;
    }
    Some(Duration::from_micros(timeout_us / 2))
}

/// Starts the pings when systemd asked for them.
pub fn start(loop_handle: &LoopHandle<'static, State>) {
    let usec = std::env::var("WATCHDOG_USEC").ok();
    let pid = std::env::var("WATCHDOG_PID").ok();
    let Some(interval) = ping_interval(usec.as_deref(), pid.as_deref()) else {
        return;
    };
    let pinging = loop_handle.insert_source(Timer::immediate(), move |_, _, _| {
        if let Err(err) = sd_notify::notify(false, &[sd_notify::NotifyState::Watchdog]) {
            warn!("could not ping systemd's watchdog: {err}");
        }
        TimeoutAction::ToDuration(interval)
    });
    match pinging {
        Ok(_) => info!(?interval, "pinging systemd's watchdog from the event loop"),
        Err(err) => warn!("systemd's watchdog will not be pinged: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_half_the_timeout_for_this_process_only() {
        let ours = std::process::id().to_string();
        assert_eq!(
            ping_interval(Some("10000000"), Some(&ours)),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            ping_interval(Some("400000"), None),
            Some(Duration::from_millis(200))
        );
        assert_eq!(ping_interval(Some("400000"), Some("1")), None);
        assert_eq!(ping_interval(None, Some(&ours)), None);
        assert_eq!(ping_interval(Some("0"), None), None);
        assert_eq!(ping_interval(Some("soon"), None), None);
    }
}
