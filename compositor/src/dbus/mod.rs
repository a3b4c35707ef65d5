//! Cowl on D-Bus: the services it serves (org.cowl.Shell1, org.cowl.Vehicle1), the
//! phone-projection daemon it is a client of (org.cowl.Projection1), and what the home
//! view's cards read from the apps (MPRIS2, org.cowl.Guidance1: `home_sources.rs`).
//!
//! zbus futures run on the calloop loop through calloop's executor; zbus's own runtime only
//! moves bytes. Method calls reach the compositor as requests of their interface's own type
//! over a calloop channel (`request.rs`) and are answered through one-shot channels, so compositor state is only ever
//! touched by the loop's thread and the loop never waits for the bus. Property reads are
//! served from a snapshot that the loop refreshes after every batch of events, which is also
//! where state changes become signals.
//!
//! D-Bus is an extra: when the bus is missing or refuses us, Cowl logs it and runs on. The
//! process is announced ready (sd_notify) once the service is up, has failed, or has taken
//! longer than [`SETUP_TIMEOUT`].

pub mod debug;
pub mod home_sources;
pub mod projection;
pub mod request;
pub mod shell;
pub mod vehicle;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use smithay::reexports::calloop::channel::{self, Event};
use smithay::reexports::calloop::futures::{Scheduler, executor};
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use tracing::{info, warn};
use zbus::Connection;

use crate::config::BusChoice;
use crate::state::State;
use shell::{SHELL_NAME, SHELL_PATH, ShellInterface, ShellSnapshot};

/// The media app's MPRIS2 name, where steering-wheel keys go when the phone does not take
/// them.
pub const MEDIA_PLAYER: &str = "org.mpris.MediaPlayer2.cowl";

/// How long readiness waits for the bus before Cowl is announced ready without it.
const SETUP_TIMEOUT: Duration = Duration::from_secs(3);

/// Runs once the D-Bus setup has settled.
type SettledCallback = Box<dyn FnOnce(&mut State)>;

/// The loop's side of the D-Bus connection.
pub struct Dbus {
    connection: Option<Connection>,
    scheduler: Option<Scheduler<()>>,
    /// What property reads return; shared with the interface object.
    snapshot: Arc<Mutex<ShellSnapshot>>,
    /// What was last published, to find the changes worth a signal.
    published: ShellSnapshot,
    /// Called once when the setup has settled (sd_notify READY).
    on_settled: Option<SettledCallback>,
    /// What Vehicle1 reads return, what was last signalled, and when.
    vehicle_snapshot: Arc<Mutex<vehicle::VehicleSnapshot>>,
    vehicle_published: vehicle::VehicleSnapshot,
    vehicle_emitted_at: Duration,
    /// The car's change count when Vehicle1 was last refreshed.
    vehicle_generation: u64,
    /// A coalesced PropertiesChanged of continuous values is scheduled.
    vehicle_emit_pending: bool,
    /// Signals are failing (the bus went away): reported once, not on every change.
    signals_failing: Arc<AtomicBool>,
}

/// Logs a signal's failure once per outage (a car runs for hours without its bus, and the
/// log must not fill with one line per vehicle change), and the recovery.
fn report_signal(failing: Arc<AtomicBool>, what: &str, result: zbus::Result<()>) {
    match result {
        Err(err) if !failing.swap(true, Ordering::Relaxed) => warn!(
            "could not signal a {what} change on D-Bus: {err}; further failures are not logged"
        ),
        Err(_) => {}
        Ok(()) if failing.swap(false, Ordering::Relaxed) => {
            info!("D-Bus signals go through again")
        }
        Ok(()) => {}
    }
}

impl Dbus {
    pub fn new() -> Dbus {
        Dbus {
            connection: None,
            scheduler: None,
            snapshot: Arc::default(),
            published: ShellSnapshot::default(),
            on_settled: None,
            vehicle_snapshot: Arc::default(),
            vehicle_published: vehicle::VehicleSnapshot::default(),
            vehicle_emitted_at: Duration::ZERO,
            vehicle_generation: 0,
            vehicle_emit_pending: false,
            signals_failing: Arc::default(),
        }
    }
}

impl State {
    /// Connects to the configured bus and serves Shell1; `on_settled` runs when that has
    /// succeeded, failed, or timed out.
    pub fn dbus_start(&mut self, on_settled: impl FnOnce(&mut State) + 'static) {
        self.dbus.on_settled = Some(Box::new(on_settled));
        let builder = match &self.config.dbus.bus {
            BusChoice::None => {
                info!("D-Bus disabled by configuration");
                self.dbus_settled();
                return;
            }
            BusChoice::Session => zbus::connection::Builder::session(),
            BusChoice::System => zbus::connection::Builder::system(),
            BusChoice::Address(address) => match address.parse::<zbus::Address>() {
                Ok(address) => zbus::connection::Builder::address(address),
                Err(err) => {
                    warn!("D-Bus not served: bad address {address:?}: {err}");
                    self.dbus_settled();
                    return;
                }
            },
        };
        if let Err(err) = self.dbus_serve(builder) {
            warn!("D-Bus not served: {err}");
            self.dbus_settled();
        }
    }

    fn dbus_serve(&mut self, builder: zbus::connection::Builder<'static>) -> anyhow::Result<()> {
        let (requests, receiver) = channel::channel();
        self.loop_handle
            .insert_source(receiver, |event, _, state| {
                if let Event::Msg(request) = event {
                    state.handle_bus_request(request);
                }
            })
            .map_err(|err| anyhow::anyhow!("could not watch D-Bus requests: {err}"))?;
        let (setup_executor, scheduler) = executor::<Option<Connection>>()
            .map_err(|err| anyhow::anyhow!("could not create the D-Bus executor: {err}"))?;
        let peers = requests.clone();
        self.loop_handle
            .insert_source(setup_executor, move |connection, _, state| {
                if let Some(connection) = connection {
                    info!(name = SHELL_NAME, "serving org.cowl.Shell1 on D-Bus");
                    state.dbus.connection = Some(connection.clone());
                    state.dbus_announce_all();
                    state.dbus_watch_peers(peers.clone());
                    state.home_sources_watch(connection.clone());
                    state.projection_watch(connection);
                }
                state.dbus_settled();
            })
            .map_err(|err| anyhow::anyhow!("could not run the D-Bus executor: {err}"))?;
        let interface = ShellInterface::new(requests.clone(), self.dbus.snapshot.clone());
        let vehicle_interface =
            vehicle::VehicleInterface::new(requests.clone(), self.dbus.vehicle_snapshot.clone());
        // Cowl's own calls (to the projection daemon, the home cards' reads of the apps)
        // give up after this: a peer that hangs costs a future, never the loop.
        let mut builder = builder
            .method_timeout(projection::CALL_TIMEOUT)
            .name(SHELL_NAME)
            .name(vehicle::VEHICLE_NAME)
            .serve_at(SHELL_PATH, interface)
            .serve_at(vehicle::VEHICLE_PATH, vehicle_interface);
        if self.debug_input {
            warn!("--debug-input: serving org.cowl.Debug1, which injects input");
            builder = builder.serve_at(debug::DEBUG_PATH, debug::DebugInterface::new(requests));
        }
        let setup = async move {
            let built = builder.build();
            match built.await {
                Ok(connection) => Some(connection),
                Err(err) => {
                    warn!("D-Bus not served: {err}");
                    None
                }
            }
        };
        scheduler
            .schedule(setup)
            .map_err(|err| anyhow::anyhow!("could not start the D-Bus setup: {err}"))?;

        // Signals are emitted by futures on a second executor of the same loop.
        let (signal_executor, signal_scheduler) = executor::<()>()
            .map_err(|err| anyhow::anyhow!("could not create the D-Bus executor: {err}"))?;
        self.loop_handle
            .insert_source(signal_executor, |(), _, _| {})
            .map_err(|err| anyhow::anyhow!("could not run the D-Bus executor: {err}"))?;
        self.dbus.scheduler = Some(signal_scheduler);

        self.loop_handle
            .insert_source(Timer::from_duration(SETUP_TIMEOUT), |_, _, state| {
                if state.dbus.on_settled.is_some() {
                    warn!(
                        ?SETUP_TIMEOUT,
                        "the D-Bus bus has not answered; going on without"
                    );
                    state.dbus_settled();
                }
                TimeoutAction::Drop
            })
            .map_err(|err| anyhow::anyhow!("could not arm the D-Bus timeout: {err}"))?;
        Ok(())
    }

    /// Tells the loop of every peer that leaves the bus, so that what it held (audio focus)
    /// is given back even when it crashed.
    fn dbus_watch_peers(&self, requests: channel::Sender<request::BusRequest>) {
        use futures_util::StreamExt;
        let (Some(connection), Some(scheduler)) = (&self.dbus.connection, &self.dbus.scheduler)
        else {
            return;
        };
        let connection = connection.clone();
        let watch = async move {
            let bus = match zbus::fdo::DBusProxy::new(&connection).await {
                Ok(bus) => bus,
                Err(err) => return warn!("cannot watch peers leaving the bus: {err}"),
            };
            let mut changes = match bus.receive_name_owner_changed().await {
                Ok(changes) => changes,
                Err(err) => return warn!("cannot watch peers leaving the bus: {err}"),
            };
            while let Some(change) = changes.next().await {
                let Ok(args) = change.args() else {
                    continue;
                };
                // A unique name that lost its owner is a peer gone.
                if args.new_owner().is_none() && args.name().starts_with(':') {
                    let gone = request::BusRequest::PeerGone(args.name().to_string());
                    if requests.send(gone).is_err() {
                        return;
                    }
                }
            }
        };
        if let Err(err) = scheduler.schedule(watch) {
            warn!("could not watch peers leaving the bus: {err}");
        }
    }

    fn dbus_settled(&mut self) {
        if let Some(on_settled) = self.dbus.on_settled.take() {
            on_settled(self);
        }
    }

    /// After every batch of events: refreshes what properties read and signals what changed.
    pub fn dbus_publish(&mut self) {
        self.vehicle_publish();
        let current = self.shell_snapshot();
        if current == self.dbus.published {
            return;
        }
        if let Ok(mut snapshot) = self.dbus.snapshot.lock() {
            *snapshot = current.clone();
        }
        let previous = std::mem::replace(&mut self.dbus.published, current.clone());
        self.dbus_signal("shell", async move |connection| {
            shell::emit_changes(&connection, &previous, &current).await
        });
    }

    /// Signals every Shell1 and Vehicle1 property once the connection is Cowl's own. The
    /// bus names are taken while the connection is set up, a moment before Cowl holds it: an
    /// app following the names reads the properties then, and a change in that same moment
    /// had no connection to be signalled on. Without this such an app would wait for the
    /// next change (the car's day/night mode may not change for hours).
    fn dbus_announce_all(&mut self) {
        let shell = self.dbus.published.clone();
        self.dbus_signal("shell", async move |connection| {
            shell::emit_changes(&connection, &shell::ShellSnapshot::default(), &shell).await
        });
        self.vehicle_announce_all();
    }

    /// Runs `emit` with the connection on the signal executor; nothing while there is no
    /// connection. Failures are logged once until signals go through again.
    pub(crate) fn dbus_signal(
        &self,
        what: &'static str,
        emit: impl AsyncFnOnce(Connection) -> zbus::Result<()> + 'static,
    ) {
        let (Some(connection), Some(scheduler)) = (&self.dbus.connection, &self.dbus.scheduler)
        else {
            return;
        };
        let connection = connection.clone();
        let failing = self.dbus.signals_failing.clone();
        let signal = async move {
            let result = emit(connection).await;
            report_signal(failing, what, result);
        };
        if let Err(err) = scheduler.schedule(signal) {
            warn!("could not schedule a D-Bus signal: {err}");
        }
    }
}

impl State {
    /// Calls an org.mpris.MediaPlayer2.Player method (Next, Previous, PlayPause) of the media
    /// app, without waiting; a media app that is not running is no error.
    pub fn media_player_call(&mut self, method: &'static str) {
        let (Some(connection), Some(scheduler)) =
            (self.dbus.connection.clone(), &self.dbus.scheduler)
        else {
            return;
        };
        let call = async move {
            let result = connection
                .call_method(
                    Some(MEDIA_PLAYER),
                    "/org/mpris/MediaPlayer2",
                    Some("org.mpris.MediaPlayer2.Player"),
                    method,
                    &(),
                )
                .await;
            if let Err(err) = result {
                tracing::debug!("the media app did not take {method}: {err}");
            }
        };
        if let Err(err) = scheduler.schedule(call) {
            warn!("could not call the media app: {err}");
        }
    }
}
