//! The watchdog: apps that stop answering are covered, then killed if Cowl started them.
//!
//! While any app has a toplevel, a timer pings the xdg_wm_base of each app whose window is
//! mapped. An app whose ping stays unanswered for `hung_after` is marked hung: its windows
//! are covered by an opaque "not responding" panel (drawn by `chrome/`), so the driver never
//! looks at a frozen picture as if it were live. An app that Cowl started and that stays hung
//! for `kill_after` is killed; the supervisor then restarts it per its policy. A pong lifts
//! the cover. With no toplevel, no timer runs.

use std::time::{Duration, Instant};

use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::reexports::wayland_server::Resource;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::utils::SERIAL_COUNTER;
use smithay::wayland::shell::xdg::ShellClient;
use tracing::{info, warn};

use crate::state::State;

#[derive(Default)]
pub struct Watchdog {
    clients: Vec<WatchedClient>,
    armed: bool,
}

struct WatchedClient {
    client: ShellClient,
    ping_sent: Option<Instant>,
    hung: bool,
    killed: bool,
}

impl Watchdog {
    /// Whether this client is marked as not responding.
    pub fn is_hung(&self, client: &ShellClient) -> bool {
        self.clients
            .iter()
            .any(|watched| watched.hung && &watched.client == client)
    }
}

impl State {
    /// Starts pinging when the first window maps; cheap to call again.
    pub fn watchdog_arm(&mut self) {
        if self.watchdog.armed {
            return;
        }
        self.watchdog.armed = true;
        let interval = self.watchdog_interval();
        let inserted = self
            .loop_handle
            .insert_source(Timer::from_duration(interval), |_, _, state| {
                state.watchdog_tick()
            });
        if let Err(err) = inserted {
            self.watchdog.armed = false;
            warn!("could not start the watchdog: {err}");
        }
    }

    /// A tick four times per `hung_after` keeps detection within a quarter of it.
    fn watchdog_interval(&self) -> Duration {
        (self.config.watchdog.hung_after() / 4).max(Duration::from_millis(100))
    }

    fn watchdog_tick(&mut self) -> TimeoutAction {
        let mut shown: Vec<ShellClient> = Vec::new();
        for window in self.space.elements() {
            if let Some(toplevel) = window.toplevel() {
                let client = toplevel.client();
                if client.alive() && !shown.contains(&client) {
                    shown.push(client);
                }
            }
        }
        self.watchdog
            .clients
            .retain(|watched| shown.contains(&watched.client));
        // Only with no toplevel at all does the timer stop (a new one arms it again): one
        // that has not drawn its first frame yet is watched once it shows. Stopping when
        // nothing was shown yet left a slow-starting app unwatched for good.
        if self.shell.windows.is_empty() {
            self.watchdog.armed = false;
            return TimeoutAction::Drop;
        }

        let now = Instant::now();
        let hung_after = self.config.watchdog.hung_after();
        let kill_after = self.config.watchdog.kill_after();
        let mut cover_changed = false;
        let mut to_kill = Vec::new();
        for client in shown {
            let index = match self
                .watchdog
                .clients
                .iter()
                .position(|w| w.client == client)
            {
                Some(index) => index,
                None => {
                    self.watchdog.clients.push(WatchedClient {
                        client,
                        ping_sent: None,
                        hung: false,
                        killed: false,
                    });
                    self.watchdog.clients.len() - 1
                }
            };
            let watched = &mut self.watchdog.clients[index];
            match watched.ping_sent {
                None => match watched.client.send_ping(SERIAL_COUNTER.next_serial()) {
                    Ok(()) => watched.ping_sent = Some(now),
                    // A ping of an earlier watch is still out (the window was unmapped and
                    // mapped again meanwhile): it counts from now, or an app that stopped
                    // while it was out would never be found hung.
                    Err(smithay::wayland::shell::PingError::PingAlreadyPending(_)) => {
                        watched.ping_sent = Some(now)
                    }
                    Err(_) => {}
                },
                Some(sent) => {
                    let waited = now.duration_since(sent);
                    if waited >= hung_after && !watched.hung {
                        watched.hung = true;
                        cover_changed = true;
                        warn!(?waited, "an app is not responding; covering it");
                    }
                    if let Some(kill_after) = kill_after
                        && waited >= kill_after
                        && !watched.killed
                    {
                        watched.killed = true;
                        let surface = self.space.elements().find_map(|window| {
                            let toplevel = window.toplevel()?;
                            (toplevel.client() == watched.client)
                                .then(|| toplevel.wl_surface().clone())
                        });
                        to_kill.extend(surface);
                    }
                }
            }
        }
        for surface in to_kill {
            self.kill_if_ours(&surface);
        }
        if cover_changed {
            self.queue_redraw_all();
        }
        TimeoutAction::ToDuration(self.watchdog_interval())
    }

    /// The app answered: it is alive, whatever it was before.
    pub fn watchdog_pong(&mut self, client: &ShellClient) {
        let Some(watched) = self
            .watchdog
            .clients
            .iter_mut()
            .find(|w| &w.client == client)
        else {
            return;
        };
        watched.ping_sent = None;
        if watched.hung {
            watched.hung = false;
            info!("an app is responding again; uncovering it");
            self.queue_redraw_all();
        }
    }

    /// Kills a hung app only if the supervisor started it and the hung window is that
    /// process's (or a descendant's, `identity.rs`): never a process that is not ours to end,
    /// and never by a pid read from the socket (the process that connected may be gone and its
    /// pid another's). The supervisor kills the child it holds and restarts it per its policy.
    fn kill_if_ours(&mut self, surface: &WlSurface) {
        let app_id = self
            .window_for_surface(surface)
            .map(|window| crate::shell::activation::window_app_id(&window))
            .unwrap_or_default();
        let started_for_it = self
            .display_handle
            .get_client(surface.id())
            .ok()
            .and_then(|client| {
                client
                    .get_data::<crate::state::ClientState>()
                    .map(|data| data.vouched == crate::identity::Vouched::App(app_id.clone()))
            })
            .unwrap_or(false);
        if !started_for_it || !self.supervisor.supervises(&app_id) {
            warn!(
                app = app_id,
                "a hung app that Cowl did not start stays covered, not killed"
            );
            return;
        }
        warn!(app = app_id, "killing the hung app");
        match self.supervisor.kill_running(&app_id) {
            Ok(true) => {}
            Ok(false) => warn!(app = app_id, "the hung app's process is gone already"),
            Err(err) => warn!(app = app_id, "could not kill the hung app: {err}"),
        }
    }
}
