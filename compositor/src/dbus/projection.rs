//! Cowl as a client of the phone-projection daemon (org.cowl.Projection1, served by the
//! daemon as org.cowl.Projection). One long-lived future follows the name's owner (a daemon
//! that starts late, dies or restarts), reads the daemon's state when it appears or says it
//! changed, and forwards its requests; each call Cowl makes is a future of its own, bounded
//! by the connection's method timeout. Everything reaches the loop as a [`ProjectionEvent`]
//! over a calloop channel: the loop never waits for the daemon, and a daemon that hangs
//! costs a timeout on a future, never a frame. The policy is in `shell/projection.rs`.
//!
//! Owning the name is not enough to be the daemon: Cowl follows an owner only while it runs
//! as the projection app's configured `user` (without one: Cowl's own user), or root, as
//! the bus daemon tells from its socket's credentials. Another owner (a bus policy that let
//! a stranger take the name, a session bus shared with others) is treated as no daemon:
//! its state, focus requests and phone are ignored.

use std::collections::HashMap;

use cowl_sdk::projection::{PROJECTION_NAME, PROJECTION_PATH, Projection1Proxy};
use futures_util::StreamExt;
use smithay::reexports::calloop::channel::{self, Event, Sender};
use tracing::{debug, warn};
use zbus::Connection;
use zbus::OwnedVariant;
use zbus::proxy::CacheProperties;

use crate::state::State;

/// How long a call to the daemon may take before it counts as failed.
pub const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1_000);

/// What the daemon's properties said when last read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DaemonStatus {
    pub connected: bool,
    pub phone_name: String,
    pub phone_kind: String,
}

#[derive(Debug)]
pub enum ProjectionEvent {
    /// The daemon's name got an owner (its unique name) or lost it.
    Owner(Option<String>),
    Status(DaemonStatus),
    VideoFocusRequested(String),
    AudioFocusRequested(String),
    NavigationFocusRequested(String),
    /// A call of Cowl's finished (answered, or failed: an error or the timeout).
    Replied {
        call: u64,
        answered: bool,
    },
}

/// A call Cowl makes to the daemon.
#[derive(Debug, Clone)]
pub enum ProjectionCall {
    VideoFocus(bool, &'static str),
    AudioFocus(String),
    NavigationFocus(String),
    NightMode(bool),
    DrivingStatus(u32, u32),
    Key(&'static str, bool),
}

impl State {
    /// The users whose processes Cowl takes for the projection daemon: root, and the
    /// projection app's configured user or else Cowl's own.
    fn projection_daemon_users(&self) -> Vec<u32> {
        let configured = self
            .config
            .apps
            .iter()
            .find(|app| app.role == crate::config::AppRole::Projection)
            .and_then(|app| self.app_users.uid_of(app.id.get_ref()));
        let daemon = configured.unwrap_or_else(|| rustix::process::geteuid().as_raw());
        vec![0, daemon]
    }

    /// Starts following the daemon on the bus Cowl is connected to.
    pub fn projection_watch(&mut self, connection: Connection) {
        let daemon_users = self.projection_daemon_users();
        let (events, receiver) = channel::channel();
        let inserted = self.loop_handle.insert_source(receiver, |event, _, state| {
            if let Event::Msg(event) = event {
                state.projection_event(event);
            }
        });
        if let Err(err) = inserted {
            warn!("phone projection unavailable: {err}");
            return;
        }
        let Some(scheduler) = &self.dbus.scheduler else {
            return;
        };
        let watcher_events = events.clone();
        let watcher = async move {
            if let Err(err) = follow(connection, watcher_events, daemon_users).await {
                warn!("phone projection unavailable: {err}");
            }
        };
        if let Err(err) = scheduler.schedule(watcher) {
            warn!("phone projection unavailable: {err}");
            return;
        }
        self.projection.events = Some(events);
    }

    /// Makes `call` to the daemon; its answer comes back as `Replied` with the returned id.
    pub fn projection_call(&mut self, call: ProjectionCall) -> Option<u64> {
        let (Some(connection), Some(scheduler), Some(events)) = (
            self.dbus.connection.clone(),
            &self.dbus.scheduler,
            self.projection.events.clone(),
        ) else {
            return None;
        };
        self.projection.next_call += 1;
        let id = self.projection.next_call;
        debug!(id, ?call, "projection call");
        let future = async move {
            let result = make_call(&connection, &call)
                .await
                .map_err(|err| err.to_string());
            if let Err(err) = &result {
                warn!(?call, "the projection daemon did not take a call: {err}");
            }
            let _ = events.send(ProjectionEvent::Replied {
                call: id,
                answered: result.is_ok(),
            });
        };
        match scheduler.schedule(future) {
            Ok(()) => Some(id),
            Err(err) => {
                warn!("could not call the projection daemon: {err}");
                None
            }
        }
    }
}

async fn make_call(connection: &Connection, call: &ProjectionCall) -> zbus::Result<()> {
    let proxy = Projection1Proxy::builder(connection)
        .cache_properties(CacheProperties::No)
        .build()
        .await?;
    match call {
        ProjectionCall::VideoFocus(focused, reason) => {
            proxy.set_video_focus(*focused, reason).await
        }
        ProjectionCall::AudioFocus(focus) => proxy.set_audio_focus(focus).await,
        ProjectionCall::NavigationFocus(focus) => proxy.set_navigation_focus(focus).await,
        ProjectionCall::NightMode(night) => proxy.set_night_mode(*night).await,
        ProjectionCall::DrivingStatus(ux, android_auto) => {
            proxy.set_driving_status(*ux, *android_auto).await
        }
        ProjectionCall::Key(key, pressed) => proxy.key(key, *pressed).await,
    }
}

/// What the watcher hears, merged into one stream.
enum Heard {
    Owner(Option<String>),
    Changed,
    VideoFocusRequested(String),
    AudioFocusRequested(String),
    NavigationFocusRequested(String),
}

/// Whether the owner `owner` of the daemon's name runs as one of `daemon_users`.
async fn is_the_daemon(bus: &zbus::fdo::DBusProxy<'_>, owner: &str, daemon_users: &[u32]) -> bool {
    let Ok(name) = zbus::names::BusName::try_from(owner) else {
        return false;
    };
    match bus.get_connection_unix_user(name).await {
        Ok(uid) if daemon_users.contains(&uid) => true,
        Ok(uid) => {
            warn!(
                owner,
                uid,
                expected = ?daemon_users,
                "ignoring {PROJECTION_NAME}: its owner does not run as the projection daemon's user"
            );
            false
        }
        Err(err) => {
            warn!(
                owner,
                "ignoring {PROJECTION_NAME}: who owns it is unknown: {err}"
            );
            false
        }
    }
}

/// Follows the daemon for as long as Cowl runs.
async fn follow(
    connection: Connection,
    events: Sender<ProjectionEvent>,
    daemon_users: Vec<u32>,
) -> zbus::Result<()> {
    let bus = zbus::fdo::DBusProxy::new(&connection).await?;
    let proxy = Projection1Proxy::builder(&connection)
        .cache_properties(CacheProperties::No)
        .build()
        .await?;
    let properties = zbus::fdo::PropertiesProxy::builder(&connection)
        .destination(PROJECTION_NAME)
        .path(PROJECTION_PATH)
        .cache_properties(CacheProperties::No)
        .build()
        .await?;
    // Subscribed before the owner is asked for, so that no change falls between.
    let owners = bus
        .receive_name_owner_changed_with_args(&[(0, PROJECTION_NAME)])
        .await?
        .filter_map(|signal| async move {
            let args = signal.args().ok()?;
            Some(Heard::Owner(
                Option::from(args.new_owner().clone())
                    .map(|owner: zbus::names::UniqueName<'_>| owner.to_string()),
            ))
        })
        .boxed();
    let changes = properties
        .receive_properties_changed()
        .await?
        .map(|_| Heard::Changed)
        .boxed();
    let video = proxy
        .receive_video_focus_requested()
        .await?
        .filter_map(
            |signal| async move { Some(Heard::VideoFocusRequested(signal.args().ok()?.reason)) },
        )
        .boxed();
    let audio = proxy
        .receive_audio_focus_requested()
        .await?
        .filter_map(
            |signal| async move { Some(Heard::AudioFocusRequested(signal.args().ok()?.focus)) },
        )
        .boxed();
    let navigation = proxy
        .receive_navigation_focus_requested()
        .await?
        .filter_map(|signal| async move {
            Some(Heard::NavigationFocusRequested(signal.args().ok()?.focus))
        })
        .boxed();
    let mut heard = futures_util::stream::select_all([owners, changes, video, audio, navigation]);

    let owner = match zbus::names::BusName::try_from(PROJECTION_NAME) {
        Ok(name) => bus
            .get_name_owner(name)
            .await
            .ok()
            .map(|owner| owner.to_string()),
        Err(_) => None,
    };
    // The owner, where it is the daemon: what a stranger owning the name says is ignored.
    let trust = async |owner: Option<String>| match owner {
        Some(owner) if is_the_daemon(&bus, &owner, &daemon_users).await => Some(owner),
        _ => None,
    };
    let owner = trust(owner).await;
    let mut trusted = owner.is_some();
    if !send_owner(&events, &properties, owner).await {
        return Ok(());
    }
    while let Some(heard) = heard.next().await {
        if !trusted && !matches!(heard, Heard::Owner(_)) {
            continue;
        }
        let sent = match heard {
            Heard::Owner(owner) => {
                let owner = trust(owner).await;
                trusted = owner.is_some();
                send_owner(&events, &properties, owner).await
            }
            Heard::Changed => send_status(&events, &properties).await,
            Heard::VideoFocusRequested(reason) => events
                .send(ProjectionEvent::VideoFocusRequested(reason))
                .is_ok(),
            Heard::AudioFocusRequested(focus) => events
                .send(ProjectionEvent::AudioFocusRequested(focus))
                .is_ok(),
            Heard::NavigationFocusRequested(focus) => events
                .send(ProjectionEvent::NavigationFocusRequested(focus))
                .is_ok(),
        };
        if !sent {
            break;
        }
    }
    Ok(())
}

/// Tells the loop about the owner and, when there is one, its state; false once the loop
/// is gone.
async fn send_owner(
    events: &Sender<ProjectionEvent>,
    properties: &zbus::fdo::PropertiesProxy<'_>,
    owner: Option<String>,
) -> bool {
    let present = owner.is_some();
    if events.send(ProjectionEvent::Owner(owner)).is_err() {
        return false;
    }
    !present || send_status(events, properties).await
}

async fn send_status(
    events: &Sender<ProjectionEvent>,
    properties: &zbus::fdo::PropertiesProxy<'_>,
) -> bool {
    let interface = match zbus::names::InterfaceName::try_from("org.cowl.Projection1") {
        Ok(interface) => interface,
        Err(_) => return true,
    };
    match properties.get_all(interface).await {
        Ok(values) => events
            .send(ProjectionEvent::Status(status_of(&values)))
            .is_ok(),
        Err(err) => {
            warn!("could not read the projection daemon's state: {err}");
            true
        }
    }
}

fn status_of(values: &HashMap<String, OwnedVariant>) -> DaemonStatus {
    let text = |name: &str| {
        values
            .get(name)
            .and_then(|value| String::try_from(value.clone()).ok())
            .unwrap_or_default()
    };
    DaemonStatus {
        connected: values
            .get("Connected")
            .and_then(|value| bool::try_from(value).ok())
            .unwrap_or(false),
        phone_name: text("PhoneName"),
        phone_kind: text("PhoneKind"),
    }
}
