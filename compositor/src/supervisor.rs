//! The app supervisor: starts the configured apps that have `autostart`, and restarts those
//! that exit according to their restart policy, with a growing delay so that an app that
//! crashes at once does not take the CPU the rear camera needs.
//!
//! Exits are noticed through SIGCHLD on the event loop (see `run.rs`), never by blocking:
//! a SIGCHLD makes us `try_wait` every running app. Restarts wait on calloop timers. App states
//! are logged now; the Shell1 D-Bus API reports them later (`AppStateChanged`).
//!
//! An app that cannot run is not restarted for ever: a command the shell cannot find (exit
//! status 127) or run (126) fails at once, and one that crashes `GIVE_UP_AFTER` times in a
//! row without a healthy run is given up. Why an app is not running (`Trouble`) is kept for
//! the slot that waits for it (`chrome/waiting.rs`), which offers to try again.
//!
//! A privileged app (and the on-screen keyboard) is handed its Wayland connection when it
//! starts: Cowl makes a socket pair, takes one end as a trusted client and leaves the other
//! open in the child as `WAYLAND_SOCKET` (libwayland and wayland-rs connect through it
//! before WAYLAND_DISPLAY). Nothing else the app starts, and nothing else that runs its
//! executable, shares that trust (`trust.rs`).

use std::os::unix::net::UnixStream;
use std::process::{Child, Command, ExitStatus};
use std::sync::Arc;
use std::time::{Duration, Instant};

use smithay::reexports::calloop::LoopHandle;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::reexports::wayland_server::DisplayHandle;
use tracing::{info, warn};

use crate::config::{Config, RestartPolicy};
use crate::state::State;

/// Makes a child Cowl starts (an app, the on-screen keyboard, a `--spawn`ed client) get
/// SIGTERM when Cowl dies, however it dies: a crash or SIGKILL runs no clean-up of ours, and
/// nothing of a dead compositor's should live on (wvkbd, for one, spins at full CPU once its
/// compositor is gone). Under systemd the unit's cgroup does the same; nested and in tests
/// this is what does it.
pub fn ends_with_cowl(command: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    let cowl = rustix::process::getpid();
    // SAFETY: the closure runs in the child between fork and exec. It only makes the
    // sigprocmask, prctl, getppid, getrlimit and setrlimit system calls, which are
    // async-signal-safe, reads an atomic, and turns
    // an errno into an io::Error, which allocates nothing.
    unsafe {
        command.pre_exec(move || {
            // Cowl blocks the signals its event loop reads (signalfd); the mask survives
            // exec, and a child that blocks SIGTERM would never hear the death signal, nor
            // systemd stopping it.
            let mut unblocked: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut unblocked);
            if libc::sigprocmask(libc::SIG_SETMASK, &unblocked, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::TERM))?;
            crate::socket::restore_file_limit_in_child()?;
            // Cowl died before the death signal was set: nothing would send it.
            if rustix::process::getppid() != Some(cowl) {
                return Err(rustix::io::Errno::SRCH.into());
            }
            Ok(())
        })
    }
}

/// Leaves `connection` open in the child `command` starts, named by `WAYLAND_SOCKET`.
fn hand_over(command: &mut Command, connection: &UnixStream) {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let descriptor = connection.as_raw_fd();
    command.env("WAYLAND_SOCKET", descriptor.to_string());
    // SAFETY: the closure runs in the child between fork and exec and makes one fcntl system
    // call (async-signal-safe) on a descriptor that the parent keeps open until after the
    // spawn, so it is valid in the child.
    unsafe {
        command.pre_exec(move || {
            let connection = std::os::fd::BorrowedFd::borrow_raw(descriptor);
            rustix::io::fcntl_setfd(connection, rustix::io::FdFlags::empty())?;
            Ok(())
        });
    }
}

/// The first restart comes after this, each further one after twice the previous delay.
const FIRST_RESTART_DELAY: Duration = Duration::from_secs(1);
const MAX_RESTART_DELAY: Duration = Duration::from_secs(30);
/// An app that ran this long is healthy again: its next crash restarts it quickly.
const HEALTHY_AFTER: Duration = Duration::from_secs(60);
/// Crashes in a row (no healthy run between) after which an app is given up.
const GIVE_UP_AFTER: u32 = 5;

/// Why an app is not running as it should: what the slot waiting for it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trouble {
    /// The shell could not find its command (exit status 127).
    NotFound,
    /// The shell found its command but could not run it (exit status 126).
    CannotRun,
    /// Its process could not be made.
    CouldNotStart(String),
    /// It exited with an error (the status, as the system words it).
    Exited(String),
    /// It crashed this many times in a row and was given up.
    CrashLoop(u32),
}

impl Trouble {
    /// Whether the app is given up: it cannot run until the driver tries again.
    pub fn cannot_run(&self) -> bool {
        !matches!(self, Trouble::Exited(_))
    }

    /// One line for the driver (and the log).
    pub fn explanation(&self) -> String {
        match self {
            Trouble::NotFound => "Its program is not installed".to_string(),
            Trouble::CannotRun => "Its program cannot be run".to_string(),
            Trouble::CouldNotStart(why) => format!("It could not be started: {why}"),
            Trouble::Exited(status) => format!("It stopped ({status})"),
            Trouble::CrashLoop(crashes) => format!("It stopped {crashes} times in a row"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppState {
    Stopped,
    Running {
        pid: u32,
    },
    /// Waiting for its restart timer.
    Restarting,
    /// Exited with an error and its policy says not to restart, or it could not be started.
    Failed,
}

struct SupervisedApp {
    id: String,
    exec: String,
    restart: RestartPolicy,
    state: AppState,
    child: Option<Child>,
    started_at: Option<Instant>,
    /// Exits in a row without a healthy run in between.
    crashes: u32,
    /// Set when the running process was started by the restart policy, not by a request.
    restarted: bool,
    /// Its process is handed a trusted connection when it starts (`trust.rs`).
    privileged: bool,
    /// Why it last failed to run, until it is tried again.
    trouble: Option<Trouble>,
}

/// The supervisor's name for the on-screen keyboard (not an xdg app_id: it is not an app).
pub const OSK_ID: &str = "cowl.osk";

pub struct Supervisor {
    apps: Vec<SupervisedApp>,
    socket_name: String,
    /// Where the privileged apps' connections are taken as clients.
    display_handle: DisplayHandle,
}

/// The delay before restart number `crashes` (1 for the first).
pub fn restart_delay(crashes: u32) -> Duration {
    let doublings = crashes.saturating_sub(1).min(16);
    FIRST_RESTART_DELAY
        .saturating_mul(1 << doublings)
        .min(MAX_RESTART_DELAY)
}

/// Whether an app that exited with `status` is started again under `policy`.
pub fn should_restart(policy: RestartPolicy, status: ExitStatus) -> bool {
    match policy {
        RestartPolicy::Never => false,
        RestartPolicy::OnFailure => !status.success(),
        RestartPolicy::Always => true,
    }
}

impl Supervisor {
    /// Every configured app with a command; none is started yet.
    pub fn new(config: &Config, socket_name: &str, display_handle: DisplayHandle) -> Supervisor {
        let supervised = |id: &str, exec: &str, restart, privileged| SupervisedApp {
            id: id.to_string(),
            exec: exec.trim().to_string(),
            restart,
            state: AppState::Stopped,
            child: None,
            started_at: None,
            crashes: 0,
            restarted: false,
            privileged,
            trouble: None,
        };
        let mut apps: Vec<SupervisedApp> = config
            .apps
            .iter()
            .filter_map(|app| {
                let exec = app.exec.as_ref()?.get_ref();
                (!exec.trim().is_empty())
                    .then(|| supervised(app.id.get_ref(), exec, app.restart, app.privileged))
            })
            .collect();
        // The on-screen keyboard types into other apps: privileged, and always kept running.
        if let Some(osk) = &config.osk {
            apps.push(supervised(
                OSK_ID,
                osk.exec.get_ref(),
                RestartPolicy::Always,
                true,
            ));
        }
        Supervisor {
            apps,
            socket_name: socket_name.to_string(),
            display_handle,
        }
    }

    /// Starts one app by index, connected to our socket (a privileged one through the
    /// connection it is handed).
    fn start(&mut self, index: usize) {
        let socket_name = self.socket_name.clone();
        let Some(app) = self.apps.get_mut(index) else {
            return;
        };
        // `exec` makes the app itself our child (not a shell around it), so that its pid is
        // the one we signal and whose exit we see.
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(format!("exec {}", app.exec))
            .env("WAYLAND_DISPLAY", &socket_name)
            .env_remove("WAYLAND_SOCKET")
            .env_remove("DISPLAY");
        let handed = if app.privileged {
            match UnixStream::pair() {
                Ok((ours, theirs)) => {
                    hand_over(&mut command, &theirs);
                    Some((ours, theirs))
                }
                Err(err) => {
                    app.state = AppState::Failed;
                    app.trouble = Some(Trouble::CouldNotStart(err.to_string()));
                    warn!(app = app.id, "could not make the app's connection: {err}");
                    return;
                }
            }
        } else {
            None
        };
        let spawned = ends_with_cowl(&mut command).spawn();
        match spawned {
            Ok(child) => {
                let pid = child.id();
                app.state = AppState::Running { pid };
                app.child = Some(child);
                app.started_at = Some(Instant::now());
                info!(app = app.id, pid, "started app");
                // The child has its end; ours becomes the trusted client.
                if let Some((ours, _theirs)) = handed {
                    let client = crate::state::ClientState {
                        privileged: true,
                        uid: Some(rustix::process::geteuid().as_raw()),
                        vouched: crate::identity::Vouched::App(app.id.clone()),
                        ..Default::default()
                    };
                    if let Err(err) = self.display_handle.insert_client(ours, Arc::new(client)) {
                        warn!(app = app.id, "could not take the app's connection: {err}");
                    }
                }
            }
            Err(err) => {
                app.state = AppState::Failed;
                app.trouble = Some(Trouble::CouldNotStart(err.to_string()));
                warn!(app = app.id, "could not start app: {err}");
            }
        }
    }

    /// The app whose running process has this pid.
    pub fn app_started_as(&self, pid: u32) -> Option<String> {
        self.apps
            .iter()
            .find(|app| app.state == AppState::Running { pid })
            .map(|app| app.id.clone())
    }

    /// The pid of a running app.
    pub fn pid_of(&self, id: &str) -> Option<u32> {
        self.apps
            .iter()
            .find(|app| app.id == id)
            .and_then(|app| match app.state {
                AppState::Running { pid } => Some(pid),
                _ => None,
            })
    }

    /// Whether the app's process was started by its restart policy (after it exited), not
    /// by autostart or a request to show it.
    pub fn is_restart(&self, id: &str) -> bool {
        self.apps.iter().any(|app| app.id == id && app.restarted)
    }

    /// Whether the app has a command and is not running: it can be started on request.
    pub fn can_start(&self, id: &str) -> bool {
        self.apps
            .iter()
            .any(|app| app.id == id && !matches!(app.state, AppState::Running { .. }))
    }

    /// Starts an app on request (to show it) unless it runs; its restart timer, if any, is
    /// overtaken. Returns whether it runs now.
    pub fn start_if_stopped(&mut self, id: &str) -> bool {
        let Some(index) = self.apps.iter().position(|app| app.id == id) else {
            return false;
        };
        if !matches!(self.apps[index].state, AppState::Running { .. }) {
            self.apps[index].restarted = false;
            self.start(index);
        }
        matches!(self.apps[index].state, AppState::Running { .. })
    }

    /// Why the app is not running as it should, if it is not.
    pub fn trouble(&self, id: &str) -> Option<&Trouble> {
        self.apps
            .iter()
            .find(|app| app.id == id)
            .and_then(|app| app.trouble.as_ref())
    }

    /// The driver asks to try an app again: its troubles are forgotten and it starts now
    /// (unless it runs). Returns whether it runs now.
    pub fn retry(&mut self, id: &str) -> bool {
        if let Some(app) = self.apps.iter_mut().find(|app| app.id == id) {
            app.crashes = 0;
            app.trouble = None;
        }
        self.start_if_stopped(id)
    }

    /// The supervisor's state of an app, `None` for apps it does not start.
    pub fn state(&self, id: &str) -> Option<AppState> {
        self.apps
            .iter()
            .find(|app| app.id == id)
            .map(|app| app.state)
    }

    /// Kills the running process of app `id` through the handle the supervisor keeps (an
    /// unreaped child's pid cannot be another process's); says whether there was one.
    pub fn kill_running(&mut self, id: &str) -> std::io::Result<bool> {
        let Some(child) = self
            .apps
            .iter_mut()
            .find(|app| app.id == id)
            .and_then(|app| app.child.as_mut())
        else {
            return Ok(false);
        };
        child.kill().map(|()| true)
    }

    /// Whether Cowl started (and so may end) the app with this id.
    pub fn supervises(&self, id: &str) -> bool {
        self.apps
            .iter()
            .any(|app| app.id == id && matches!(app.state, AppState::Running { .. }))
    }
}

impl State {
    /// Starts the apps whose configuration says `autostart`, and the on-screen keyboard.
    pub fn start_autostart_apps(&mut self) {
        let autostart: Vec<usize> = self
            .config
            .apps
            .iter()
            .filter(|app| app.autostart)
            .map(|app| app.id.get_ref().as_str())
            .chain(self.config.osk.is_some().then_some(OSK_ID))
            .filter_map(|id| {
                self.supervisor
                    .apps
                    .iter()
                    .position(|supervised| supervised.id == id)
            })
            .collect();
        for index in autostart {
            self.supervisor.start(index);
        }
    }

    /// After SIGCHLD: collects every app that exited and restarts it if its policy says so.
    pub fn reap_apps(&mut self) {
        let loop_handle = self.loop_handle.clone();
        for index in 0..self.supervisor.apps.len() {
            let app = &mut self.supervisor.apps[index];
            let Some(child) = app.child.as_mut() else {
                continue;
            };
            let status = match child.try_wait() {
                Ok(Some(status)) => status,
                Ok(None) => continue,
                Err(err) => {
                    warn!(app = app.id, "could not check on app: {err}");
                    continue;
                }
            };
            app.child = None;
            let ran_for = app.started_at.map(|at| at.elapsed()).unwrap_or_default();
            if ran_for >= HEALTHY_AFTER {
                app.crashes = 0;
            }
            if !status.success() {
                app.crashes += 1;
            }
            // The shell's own verdicts on the command: no restart makes it run.
            let unrunnable = match status.code() {
                Some(127) => Some(Trouble::NotFound),
                Some(126) => Some(Trouble::CannotRun),
                _ => None,
            };
            app.trouble = if let Some(trouble) = unrunnable {
                Some(trouble)
            } else if app.crashes >= GIVE_UP_AFTER {
                Some(Trouble::CrashLoop(app.crashes))
            } else if !status.success() {
                Some(Trouble::Exited(status.to_string()))
            } else {
                None
            };
            if app.trouble.as_ref().is_some_and(Trouble::cannot_run) {
                app.state = AppState::Failed;
                let why = app.trouble.as_ref().map(Trouble::explanation);
                warn!(app = app.id, %status, why, "app cannot run; not restarted");
            } else if should_restart(app.restart, status) {
                let delay = restart_delay(app.crashes.max(1));
                app.state = AppState::Restarting;
                info!(app = app.id, %status, ?delay, "app exited; restarting");
                schedule_restart(&loop_handle, index, delay);
            } else {
                app.state = if status.success() {
                    AppState::Stopped
                } else {
                    AppState::Failed
                };
                info!(app = app.id, %status, state = ?app.state, "app exited");
            }
        }
        // A view never keeps an app that exited for good.
        self.shell_forget_gone_apps();
    }
}

fn schedule_restart(loop_handle: &LoopHandle<'static, State>, index: usize, delay: Duration) {
    let timer = Timer::from_duration(delay);
    let inserted = loop_handle.insert_source(timer, move |_, _, state| {
        if state.supervisor.apps.get(index).map(|app| app.state) == Some(AppState::Restarting) {
            state.supervisor.apps[index].restarted = true;
            state.supervisor.start(index);
        }
        TimeoutAction::Drop
    });
    if let Err(err) = inserted {
        warn!("could not schedule an app restart: {err}");
    }
}

/// Starts a `--spawn` client through the shell, connected to our socket, and forgets it (the
/// configured apps have the supervisor instead). A failure here is logged, never fatal.
pub(crate) fn spawn_client(command: &str, socket_name: &str) {
    let mut child = std::process::Command::new("/bin/sh");
    child
        .arg("-c")
        .arg(command)
        .env("WAYLAND_DISPLAY", socket_name)
        .env_remove("DISPLAY");
    let spawned = ends_with_cowl(&mut child).spawn();
    match spawned {
        Ok(mut child) => {
            info!(command, pid = child.id(), "spawned client");
            let pid = child.id();
            crate::identity::vouch_for_spawned(pid);
            // Reap it when it exits, so that no zombie outlives it.
            let command = command.to_string();
            std::thread::spawn(move || {
                match child.wait() {
                    Ok(status) => info!(command, %status, "spawned client exited"),
                    Err(err) => {
                        tracing::warn!(command, "could not wait for a spawned client: {err}")
                    }
                }
                // Reaped: the pid may be another process's from now on.
                crate::identity::forget_spawned(pid);
            });
        }
        Err(err) => tracing::warn!(command, "could not spawn client: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    use super::*;

    #[test]
    fn restart_delays_double_up_to_a_ceiling() {
        assert_eq!(restart_delay(1), Duration::from_secs(1));
        assert_eq!(restart_delay(2), Duration::from_secs(2));
        assert_eq!(restart_delay(4), Duration::from_secs(8));
        assert_eq!(restart_delay(6), MAX_RESTART_DELAY);
        assert_eq!(restart_delay(1000), MAX_RESTART_DELAY);
    }

    #[test]
    fn policies_decide_on_the_exit_status() {
        let success = ExitStatus::from_raw(0);
        let failure = ExitStatus::from_raw(1 << 8);
        let killed = ExitStatus::from_raw(9);
        assert!(!should_restart(RestartPolicy::Never, failure));
        assert!(!should_restart(RestartPolicy::OnFailure, success));
        assert!(should_restart(RestartPolicy::OnFailure, failure));
        assert!(should_restart(RestartPolicy::OnFailure, killed));
        assert!(should_restart(RestartPolicy::Always, success));
    }

    #[test]
    fn only_apps_with_a_command_are_supervised() {
        let config = crate::config::parse(
            "[[apps]]\nid = \"a\"\nname = \"A\"\nexec = \"true\"\n\n[[apps]]\nid = \"b\"\nname = \"B\"\n",
            "test",
        )
        .expect("config");
        let display = smithay::reexports::wayland_server::Display::<()>::new().unwrap();
        let supervisor = Supervisor::new(&config, "wayland-9", display.handle());
        assert_eq!(supervisor.state("a"), Some(AppState::Stopped));
        assert_eq!(supervisor.state("b"), None);
    }
}
