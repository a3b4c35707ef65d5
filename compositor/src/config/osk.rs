//! `[osk]`: the on-screen keyboard Cowl starts, and the signals that show and hide it.

use serde::Deserialize;
use toml::Spanned;

use super::invalid::{Invalid, check};

/// The on-screen keyboard: a layer-shell client that types through virtual-keyboard (such
/// as wvkbd), started and kept running by Cowl, shown while a text field is enabled.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OskConfig {
    pub exec: Spanned<String>,
    /// The signal that shows it (wvkbd: SIGUSR2); none for an OSK that is an input method
    /// and shows itself when activated.
    #[serde(default)]
    pub show_signal: Option<Spanned<String>>,
    /// The signal that hides it (wvkbd: SIGUSR1).
    #[serde(default)]
    pub hide_signal: Option<Spanned<String>>,
}

impl OskConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        check(
            !self.exec.get_ref().trim().is_empty(),
            &self.exec,
            "osk.exec",
            "the on-screen keyboard needs a command",
        )?;
        for (name, signal) in [
            ("show_signal", &self.show_signal),
            ("hide_signal", &self.hide_signal),
        ] {
            if let Some(signal) = signal {
                check(
                    signal_named(signal.get_ref()).is_some(),
                    signal,
                    format!("osk.{name}"),
                    format!(
                        "{:?} is not one of SIGUSR1, SIGUSR2, SIGHUP, SIGCONT, SIGSTOP",
                        signal.get_ref()
                    ),
                )?;
            }
        }
        Ok(())
    }
}

/// The signals an on-screen keyboard may be shown and hidden with.
pub fn signal_named(name: &str) -> Option<rustix::process::Signal> {
    use rustix::process::Signal;
    match name {
        "SIGUSR1" => Some(Signal::USR1),
        "SIGUSR2" => Some(Signal::USR2),
        "SIGHUP" => Some(Signal::HUP),
        "SIGCONT" => Some(Signal::CONT),
        "SIGSTOP" => Some(Signal::STOP),
        _ => None,
    }
}
