//! Which declared app a Wayland client may be. An app_id is only a string a client sends, and
//! the configuration hangs safety on it (video covers, lockouts, roles, placement), so a
//! declared app_id is honoured only from a client that Cowl can vouch for:
//!
//! - a process the supervisor started for that app, or a descendant of it (an app that
//!   starts helpers of its own), judged from the socket's peer pid when the client connects;
//! - a process of the app's configured `user` (the Yocto image runs each app as a systemd
//!   unit under a user of its own), judged from the socket's peer uid;
//! - a `--spawn` client (or a descendant): its command line is that of whoever started
//!   Cowl, who may name any app (the demo's apps are started so).
//!
//! Any other client that claims a declared app_id is shown as an unknown app of its own
//! (`UNVERIFIED_PREFIX` before the claimed id): the role main, nothing of the declared
//! app's configuration, and hidden while the car moves unless `[shell]` says otherwise.
//! The effective app_id is worked out at every commit of the window (an app_id may change
//! at any time) and kept in the window's user data, where `window_app_id` reads it.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use smithay::desktop::Window;
use smithay::reexports::wayland_server::Resource;
use tracing::{info, warn};

use crate::config::Config;
use crate::state::{ClientState, State};

/// Put before a declared app_id that a client claimed without being that app.
pub const UNVERIFIED_PREFIX: &str = "unverified:";

/// How far up the process tree a client may be from the process the supervisor started.
const MAX_ANCESTRY: usize = 32;

/// The processes started by `--spawn` that are still running (their reaper threads take them
/// out once they exit, before their pid can be another process's).
static SPAWNED: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

/// A `--spawn` client was started as `pid`.
pub fn vouch_for_spawned(pid: u32) {
    if let Ok(mut spawned) = SPAWNED.lock() {
        spawned.insert(pid);
    }
}

/// A `--spawn` client was reaped.
pub fn forget_spawned(pid: u32) {
    if let Ok(mut spawned) = SPAWNED.lock() {
        spawned.remove(&pid);
    }
}

/// The app_id a window is treated as, kept in the window's user data.
struct EffectiveAppId(RefCell<String>);

/// Which declared app_ids Cowl vouches for in a client, from how its process was started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Vouched {
    #[default]
    Nobody,
    /// The supervisor started it for this app.
    App(String),
    /// `--spawn` started it.
    AnyApp,
}

/// The configured apps' users, resolved once at start-up.
#[derive(Debug, Default)]
pub struct AppUsers {
    uid_of_app: HashMap<String, u32>,
}

impl AppUsers {
    /// Resolves each app's `user` (a name, or a numeric uid). A name that this system does
    /// not know is logged: no client is that app by its uid then.
    pub fn resolve(config: &Config) -> AppUsers {
        let mut uid_of_app = HashMap::new();
        for app in &config.apps {
            let Some(user) = &app.user else {
                continue;
            };
            let user = user.get_ref();
            let uid = user.parse::<u32>().ok().or_else(|| {
                nix::unistd::User::from_name(user)
                    .ok()
                    .flatten()
                    .map(|entry| entry.uid.as_raw())
            });
            match uid {
                Some(uid) => {
                    uid_of_app.insert(app.id.get_ref().clone(), uid);
                }
                None => warn!(
                    app = app.id.get_ref(),
                    user, "no such user: no client is recognised as this app by its user"
                ),
            }
        }
        AppUsers { uid_of_app }
    }

    pub fn uid_of(&self, app_id: &str) -> Option<u32> {
        self.uid_of_app.get(app_id).copied()
    }
}

/// The parent of a process, from /proc (`None` once at the top, or when it is gone).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name in parentheses may hold anything, ')' included: the fields that
    // follow start after the last one. The state comes first, then the parent's pid.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let parent = after_name.split_whitespace().nth(1)?.parse().ok()?;
    (parent > 1).then_some(parent)
}

/// The process itself, then its parent, grandparent, ... (at most `MAX_ANCESTRY`).
pub fn process_and_ancestors(pid: u32) -> impl Iterator<Item = u32> {
    std::iter::successors(Some(pid), |&pid| parent_of(pid)).take(MAX_ANCESTRY)
}

impl State {
    /// Whom Cowl vouches for in the connecting process (or one of its ancestors): the app
    /// the supervisor started it for, or any app for a `--spawn` client.
    pub fn vouched_for(&self, pid: Option<i32>) -> Vouched {
        let Some(pid) = pid
            .and_then(|pid| u32::try_from(pid).ok())
            .filter(|pid| *pid > 0)
        else {
            return Vouched::Nobody;
        };
        let cowl = std::process::id();
        let spawned = SPAWNED.lock().map(|set| set.clone()).unwrap_or_default();
        for ancestor in process_and_ancestors(pid).take_while(|&ancestor| ancestor != cowl) {
            if let Some(app) = self.supervisor.app_started_as(ancestor) {
                return Vouched::App(app);
            }
            if spawned.contains(&ancestor) {
                return Vouched::AnyApp;
            }
        }
        Vouched::Nobody
    }

    /// The app_id a client that claims `claimed` is treated as: the claim itself for an app
    /// that is not declared (an unknown app either way) or for a client that is that app;
    /// else the claim marked unverified.
    pub fn effective_app_id(&self, client: &ClientState, claimed: &str) -> String {
        if self.config.app(claimed).is_none() {
            return claimed.to_string();
        }
        let started_for_it = match &client.vouched {
            Vouched::App(app) => app == claimed,
            Vouched::AnyApp => true,
            Vouched::Nobody => false,
        };
        let its_user = self
            .app_users
            .uid_of(claimed)
            .is_some_and(|uid| client.uid == Some(uid));
        if started_for_it || its_user {
            claimed.to_string()
        } else {
            format!("{UNVERIFIED_PREFIX}{claimed}")
        }
    }

    /// Works out a window's app_id again from what its client claims now (at every commit:
    /// an app_id may be set or changed at any time). Says whether it changed.
    pub fn refresh_window_app_id(&self, window: &Window) -> bool {
        let Some(toplevel) = window.toplevel() else {
            return false;
        };
        let claimed = crate::shell::app_id(toplevel).unwrap_or_default();
        let effective = toplevel
            .wl_surface()
            .client()
            .and_then(|client| {
                client
                    .get_data::<ClientState>()
                    .map(|data| self.effective_app_id(data, &claimed))
            })
            .unwrap_or_default();
        let slot = window
            .user_data()
            .get_or_insert(|| EffectiveAppId(RefCell::new(String::new())));
        let mut current = slot.0.borrow_mut();
        if *current == effective {
            return false;
        }
        if effective.starts_with(UNVERIFIED_PREFIX) {
            warn!(
                claimed,
                "a client that is not this app claims its app_id: shown as an unknown app"
            );
        } else if !current.is_empty() {
            info!(from = %current, to = effective, "a window's app_id changed");
        }
        *current = effective;
        true
    }
}

/// A D-Bus caller as the bus daemon knows it, from the kernel's credentials of its socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub uid: Option<u32>,
    pub pid: Option<u32>,
}

impl State {
    /// Whether a process of `uid` and `pid` is the declared app `app_id`: the supervisor
    /// started it (or an ancestor) for that app, or it runs as the app's configured user.
    pub fn is_process_of_app(&self, uid: Option<u32>, pid: Option<u32>, app_id: &str) -> bool {
        let pid = pid.and_then(|pid| i32::try_from(pid).ok());
        let started_for_it = self.vouched_for(pid) == Vouched::App(app_id.to_string());
        let its_user = self
            .app_users
            .uid_of(app_id)
            .is_some_and(|app_uid| uid == Some(app_uid));
        started_for_it || its_user
    }

    /// Whether `caller` may hold the call audio focus (which pauses the music and silences
    /// guidance): root, Cowl's own user, and the processes of the apps declared
    /// `telephony = true`.
    pub fn may_hold_call_focus(&self, caller: &Caller) -> bool {
        let own = rustix::process::geteuid().as_raw();
        if caller.uid.is_some_and(|uid| uid == 0 || uid == own) {
            return true;
        }
        self.config
            .apps
            .iter()
            .filter(|app| app.telephony)
            .any(|app| self.is_process_of_app(caller.uid, caller.pid, app.id.get_ref()))
    }
}

/// The app_id a window is treated as ("" until its first commit, and for a window that set
/// none: an unknown app of its own).
pub fn effective_app_id_of(window: &Window) -> String {
    window
        .user_data()
        .get::<EffectiveAppId>()
        .map(|id| id.0.borrow().clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_its_own_first_ancestor_and_its_parent_follows() {
        let me = std::process::id();
        let chain: Vec<u32> = process_and_ancestors(me).collect();
        assert_eq!(chain.first(), Some(&me));
        let parent = rustix::process::getppid().map(|pid| pid.as_raw_nonzero().get() as u32);
        if let Some(parent) = parent.filter(|pid| *pid > 1) {
            assert_eq!(chain.get(1), Some(&parent));
        }
    }

    #[test]
    fn a_process_that_is_gone_has_no_ancestors() {
        // Pids are at most 2^22 on Linux.
        assert_eq!(process_and_ancestors(1 << 23).count(), 1);
        assert_eq!(parent_of(1 << 23), None);
    }

    #[test]
    fn app_users_are_resolved_by_number_and_by_name() {
        let config = crate::config::parse(
            "[[apps]]\nid = \"a\"\nname = \"A\"\nuser = \"1234\"\n\
             [[apps]]\nid = \"b\"\nname = \"B\"\nuser = \"root\"\n\
             [[apps]]\nid = \"c\"\nname = \"C\"\nuser = \"no-such-user-here\"\n\
             [[apps]]\nid = \"d\"\nname = \"D\"\n",
            "test.toml",
        )
        .expect("a valid configuration");
        let users = AppUsers::resolve(&config);
        assert_eq!(users.uid_of("a"), Some(1234));
        assert_eq!(users.uid_of("b"), Some(0));
        assert_eq!(users.uid_of("c"), None);
        assert_eq!(users.uid_of("d"), None);
    }
}
