//! The start-up curtain: until the shell is ready, every output shows black, never a half-
//! assembled screen. Ready means every `autostart` app has shown its first window, or
//! `[shell] ready_timeout_ms` has passed (an app that never shows must not keep the driver
//! from the rest). Without autostart apps there is no curtain. The chrome joins the
//! condition when it is drawn.

use std::collections::BTreeSet;

use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use tracing::{info, warn};

use crate::state::State;

/// `None` once the shell is ready.
pub struct Curtain {
    waiting_for: Option<BTreeSet<String>>,
}

impl Curtain {
    /// Down until these apps have shown a window; none: no curtain at all.
    pub fn new(autostart_apps: BTreeSet<String>) -> Curtain {
        Curtain {
            waiting_for: (!autostart_apps.is_empty()).then_some(autostart_apps),
        }
    }

    pub fn is_down(&self) -> bool {
        self.waiting_for.is_some()
    }
}

impl State {
    /// Arms the timeout that lifts the curtain however the apps do.
    pub fn curtain_start_timer(&mut self) {
        if !self.curtain.is_down() {
            return;
        }
        let timeout = self.config.shell.ready_timeout();
        let inserted =
            self.loop_handle
                .insert_source(Timer::from_duration(timeout), |_, _, state| {
                    if let Some(missing) = &state.curtain.waiting_for {
                        warn!(
                            ?missing,
                            "shell ready after the timeout; these apps never showed"
                        );
                        state.lift_curtain();
                    }
                    TimeoutAction::Drop
                });
        if let Err(err) = inserted {
            warn!("could not arm the curtain's timeout ({err}); lifting it now");
            self.lift_curtain();
        }
    }

    /// An app showed its first window.
    pub fn curtain_app_shown(&mut self, app_id: Option<&str>) {
        let Some(waiting_for) = self.curtain.waiting_for.as_mut() else {
            return;
        };
        if let Some(app_id) = app_id {
            waiting_for.remove(app_id);
        }
        if waiting_for.is_empty() {
            info!("every autostart app has shown; shell ready");
            self.lift_curtain();
        }
    }

    fn lift_curtain(&mut self) {
        self.curtain.waiting_for = None;
        self.queue_redraw_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_autostart_apps_no_curtain() {
        assert!(!Curtain::new(BTreeSet::new()).is_down());
        assert!(Curtain::new(BTreeSet::from(["org.x".to_string()])).is_down());
    }
}
