//! The state of each app as the driver's tools see it, combined from the supervisor (is its
//! process running, restarting, failed), the windows (has it shown one) and the watchdog
//! (does it answer). Shell1 reports it (`Apps`, `AppStateChanged`).

use crate::dbus::shell::ShellSnapshot;
use crate::shell::activation::window_app_id;
use crate::state::State;
use crate::supervisor::AppState as ProcessState;

/// What an app is doing, as reported on D-Bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppStatus {
    /// Not running.
    Stopped,
    /// Its process runs, no window yet.
    Starting,
    /// It has a window and answers.
    Running,
    /// It has a window and stopped answering pings.
    Hung,
    /// It exited and waits for its restart.
    Restarting,
    /// It exited with an error or could not be started, and is not restarted.
    Failed,
}

impl AppStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppStatus::Stopped => "stopped",
            AppStatus::Starting => "starting",
            AppStatus::Running => "running",
            AppStatus::Hung => "hung",
            AppStatus::Restarting => "restarting",
            AppStatus::Failed => "failed",
        }
    }
}

impl State {
    /// The status of one app.
    pub fn app_status(&self, app_id: &str) -> AppStatus {
        let windows: Vec<_> = self
            .shell
            .windows
            .iter()
            .filter(|window| window_app_id(window) == app_id)
            .collect();
        if !windows.is_empty() {
            let hung = windows.iter().any(|window| {
                window
                    .toplevel()
                    .is_some_and(|toplevel| self.watchdog.is_hung(&toplevel.client()))
            });
            return if hung {
                AppStatus::Hung
            } else {
                AppStatus::Running
            };
        }
        match self.supervisor.state(app_id) {
            Some(ProcessState::Running { .. }) => AppStatus::Starting,
            Some(ProcessState::Restarting) => AppStatus::Restarting,
            Some(ProcessState::Failed) => AppStatus::Failed,
            Some(ProcessState::Stopped) | None => AppStatus::Stopped,
        }
    }

    /// Every configured app, then every undeclared app that has a window.
    pub fn shell_snapshot(&self) -> ShellSnapshot {
        let mut apps: Vec<(String, String, String)> = self
            .config
            .apps
            .iter()
            .map(|app| {
                let id = app.id.get_ref().clone();
                let status = self.app_status(&id);
                (id, app.name.clone(), status.as_str().to_string())
            })
            .collect();
        for window in &self.shell.windows {
            let id = window_app_id(window);
            if !id.is_empty() && !apps.iter().any(|(known, _, _)| *known == id) {
                let status = self.app_status(&id);
                apps.push((id.clone(), id, status.as_str().to_string()));
            }
        }
        ShellSnapshot {
            apps,
            active_app: self.active_app().unwrap_or_default(),
            audio_focus: self.audio_focus.strongest().as_str().to_string(),
        }
    }
}
