//! `[watchdog]`: when an app that does not answer pings is covered, and when killed.

use serde::Deserialize;
use toml::Spanned;

use super::invalid::{Invalid, check_some, millis_or};

/// How the compositor notices apps that stopped answering (xdg_wm_base ping/pong).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchdogConfig {
    /// An app that has not answered a ping for this long is covered as not responding.
    pub hung_after_ms: Option<Spanned<u64>>,
    /// An app that Cowl started and that stays hung this long is killed (and restarted per
    /// its policy); 0 never kills.
    pub kill_after_ms: Option<Spanned<u64>>,
}

impl WatchdogConfig {
    const DEFAULT_HUNG_AFTER_MS: u64 = 5_000;
    const DEFAULT_KILL_AFTER_MS: u64 = 10_000;

    pub fn hung_after(&self) -> std::time::Duration {
        millis_or(&self.hung_after_ms, Self::DEFAULT_HUNG_AFTER_MS)
    }

    /// `None`: never kill.
    pub fn kill_after(&self) -> Option<std::time::Duration> {
        Some(millis_or(&self.kill_after_ms, Self::DEFAULT_KILL_AFTER_MS))
            .filter(|after| !after.is_zero())
    }
}

impl WatchdogConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        check_some(
            &self.hung_after_ms,
            |hung_after| (500..=600_000).contains(hung_after),
            "watchdog.hung_after_ms",
            "between 500 and 600000 milliseconds",
        )?;
        check_some(
            &self.kill_after_ms,
            |kill_after| {
                *kill_after == 0 || self.kill_after().unwrap_or_default() >= self.hung_after()
            },
            "watchdog.kill_after_ms",
            "0 (never) or at least watchdog.hung_after_ms",
        )?;
        Ok(())
    }
}
