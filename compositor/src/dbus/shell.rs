//! org.cowl.Shell1 at /org/cowl/Shell: the head unit's shell, for tools (`cowlctl`), tests and
//! apps that launch other apps. Its contract is `assets/dbus/org.cowl.Shell1.xml`; a test
//! checks that what is served matches it.
//!
//! The interface object holds no compositor state: each method sends a [`ShellRequest`] to
//! the event loop and waits for the loop's answer; properties read the snapshot the loop
//! keeps fresh.

use std::sync::{Arc, Mutex};

use cowl_sdk::projection::AudioFocus;
use futures_channel::oneshot;
use smithay::reexports::calloop::channel::Sender;
use tracing::{info, warn};
use zbus::message::Header;
use zbus::object_server::SignalEmitter;
use zbus::{Connection, interface};

use crate::shell::activation::ShellError;
use crate::state::State;

pub const SHELL_NAME: &str = "org.cowl.Shell";
pub const SHELL_PATH: &str = "/org/cowl/Shell";

/// What Shell1 properties show, refreshed by the loop after every batch of events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShellSnapshot {
    /// (app_id, name, state) of every configured app and every running undeclared one.
    pub apps: Vec<(String, String, String)>,
    /// The app the driver sees on the primary output; empty on the home view.
    pub active_app: String,
    /// The strongest audio focus the head unit's apps hold: none, guidance, media or call.
    pub audio_focus: String,
}

pub(crate) type Reply<T> = oneshot::Sender<T>;

/// Sends a request to the loop and waits for its answer; `failed` words the two ways that
/// can fail (the loop is gone, or dropped the request) in the caller's error type. Every
/// D-Bus method of ours that needs compositor state goes through here.
pub(crate) async fn ask_loop<T, E>(
    requests: &Sender<ShellRequest>,
    request: impl FnOnce(Reply<T>) -> ShellRequest,
    failed: impl Fn(String) -> E,
) -> Result<T, E> {
    let (reply, answer) = oneshot::channel();
    requests
        .send(request(reply))
        .map_err(|_| failed("the compositor is shutting down".into()))?;
    answer
        .await
        .map_err(|_| failed("the compositor dropped the request".into()))
}

/// A call that the event loop answers.
pub enum ShellRequest {
    Activate(String, Reply<Result<(), ShellError>>),
    Home(Reply<Result<(), ShellError>>),
    SetSplit(String, String, Reply<Result<(), ShellError>>),
    /// Shell1 `Screenshot`: the caller's unique name, and the file to write.
    Screenshot {
        caller: String,
        file: std::fs::File,
        reply: Reply<Result<(), crate::screenshot::ScreenshotError>>,
    },
    /// From org.cowl.Vehicle1 (simulator only): property name and value as text.
    VehicleSet(String, String, Reply<Result<(), super::vehicle::SimError>>),
    /// From org.cowl.Debug1: play the stepped replay's next frames.
    ReplayStep(u32, Reply<Option<u32>>),
    /// From org.cowl.Debug1: a CAN frame as if received on `interface`.
    CanFrame {
        interface: String,
        id: crate::vehicle_signals::decode::FrameId,
        data: Vec<u8>,
        reply: Reply<()>,
    },
    /// An app (by its unique bus name) holds this audio focus now (`None`: gives it back).
    /// The caller's user and process come with a call's focus, which only the phone apps
    /// may hold (`identity.rs`).
    AudioFocus {
        holder: String,
        focus: AudioFocus,
        caller: Option<crate::identity::Caller>,
        reply: Reply<Result<(), String>>,
    },
    /// A peer left the bus: what it held goes with it.
    PeerGone(String),
    /// From org.cowl.Debug1.
    Touch {
        kind: super::debug::TouchKind,
        slot: u32,
        at: super::debug::TouchAt,
        reply: Reply<Result<(), ShellError>>,
    },
}

/// Errors as D-Bus callers see them: `org.cowl.Shell1.Error.<Variant>` with a message.
#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "org.cowl.Shell1.Error")]
pub enum ShellBusError {
    #[zbus(error)]
    ZBus(zbus::Error),
    UnknownApp(String),
    NotActivatable(String),
    NotRunning(String),
    InvalidArgs(String),
    NoOutput(String),
    /// A restricted app asked for while the car moves.
    NotAvailableWhileDriving(String),
    /// The phone projection asked for while no phone is connected.
    NoPhone(String),
    /// The caller may not do this (read the screen, for one).
    AccessDenied(String),
    /// Too many requests of this kind wait already; try again once they are answered.
    Busy(String),
    Failed(String),
}

impl From<ShellError> for ShellBusError {
    fn from(err: ShellError) -> ShellBusError {
        let message = err.to_string();
        match err {
            ShellError::UnknownApp(_) => ShellBusError::UnknownApp(message),
            ShellError::NotActivatable(..) => ShellBusError::NotActivatable(message),
            ShellError::NotRunning(_) => ShellBusError::NotRunning(message),
            ShellError::SameApp | ShellError::DifferentOutputs(..) => {
                ShellBusError::InvalidArgs(message)
            }
            ShellError::NoOutput | ShellError::UnknownOutput(_) => ShellBusError::NoOutput(message),
            ShellError::RestrictedWhileDriving(_) => {
                ShellBusError::NotAvailableWhileDriving(message)
            }
            ShellError::NoPhone => ShellBusError::NoPhone(message),
        }
    }
}

pub struct ShellInterface {
    requests: Sender<ShellRequest>,
    snapshot: Arc<Mutex<ShellSnapshot>>,
}

impl ShellInterface {
    pub fn new(requests: Sender<ShellRequest>, snapshot: Arc<Mutex<ShellSnapshot>>) -> Self {
        ShellInterface { requests, snapshot }
    }

    /// Sends a request to the loop and waits for its answer.
    async fn ask<T>(
        &self,
        request: impl FnOnce(Reply<T>) -> ShellRequest,
    ) -> Result<T, ShellBusError> {
        ask_loop(&self.requests, request, ShellBusError::Failed).await
    }

    fn read(&self) -> ShellSnapshot {
        match self.snapshot.lock() {
            Ok(snapshot) => snapshot.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

#[interface(name = "org.cowl.Shell1")]
impl ShellInterface {
    /// Shows an app (starting it if needed).
    async fn activate(&self, app_id: String) -> Result<(), ShellBusError> {
        Ok(self
            .ask(|reply| ShellRequest::Activate(app_id, reply))
            .await??)
    }

    /// Shows the home view on the primary output.
    async fn home(&self) -> Result<(), ShellBusError> {
        Ok(self.ask(ShellRequest::Home).await??)
    }

    /// Shows two apps side by side.
    async fn set_split(&self, primary: String, secondary: String) -> Result<(), ShellBusError> {
        Ok(self
            .ask(|reply| ShellRequest::SetSplit(primary, secondary, reply))
            .await??)
    }

    /// Writes a PNG of the primary output, as composed inside the compositor, into `file`, a
    /// regular file the caller opened for writing. Cowl opens no path of the caller's: what
    /// it may write is what the caller could. Only callers of root or Cowl's own user may
    /// read the screen (as only trusted Wayland clients may capture it); a caller waits for
    /// one screenshot at a time, and a few wait in all (`screenshot.rs`).
    async fn screenshot(
        &self,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] connection: &Connection,
        file: zbus::OwnedFd,
    ) -> Result<(), ShellBusError> {
        let caller = header
            .sender()
            .ok_or_else(|| ShellBusError::AccessDenied("the caller has no bus name".into()))?
            .to_string();
        let uid =
            zbus::fdo::DBusProxy::new(connection)
                .await?
                .get_connection_unix_user(header.sender().cloned().map(Into::into).ok_or_else(
                    || ShellBusError::AccessDenied("the caller has no bus name".into()),
                )?)
                .await
                .map_err(|err| ShellBusError::AccessDenied(format!("who is calling: {err}")))?;
        let own = rustix::process::getuid().as_raw();
        if uid != 0 && uid != own {
            return Err(ShellBusError::AccessDenied(format!(
                "user {uid} may not read the screen (only root and Cowl's user {own})"
            )));
        }
        let file = crate::screenshot::writable_regular_file(file.into())
            .map_err(ShellBusError::InvalidArgs)?;
        self.ask(|reply| ShellRequest::Screenshot {
            caller,
            file,
            reply,
        })
        .await?
        .map_err(|err| match err {
            crate::screenshot::ScreenshotError::Busy(message) => ShellBusError::Busy(message),
            crate::screenshot::ScreenshotError::Failed(message) => ShellBusError::Failed(message),
        })
    }

    /// The caller holds audio focus of `kind` (guidance, media or call) until it gives it
    /// back or leaves the bus; asking again replaces what it held.
    async fn request_audio_focus(
        &self,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] connection: &Connection,
        kind: String,
    ) -> Result<(), ShellBusError> {
        let focus = match kind.parse::<AudioFocus>() {
            Ok(AudioFocus::None) => {
                return Err(ShellBusError::InvalidArgs(
                    "\"none\" is not a focus to hold: use AbandonAudioFocus".into(),
                ));
            }
            Ok(focus) => focus,
            Err(err) => return Err(ShellBusError::InvalidArgs(err.to_string())),
        };
        let holder = caller(&header)?;
        // A call pauses the music and silences guidance: only the phone apps may hold it.
        let credentials = if focus == AudioFocus::Call {
            Some(caller_credentials(connection, &holder).await?)
        } else {
            None
        };
        self.ask(|reply| ShellRequest::AudioFocus {
            holder: holder.clone(),
            focus,
            caller: credentials,
            reply,
        })
        .await?
        .map_err(ShellBusError::AccessDenied)?;
        // A caller that left before its request was handled would hold the focus for good:
        // its departure may have been seen first.
        let name = zbus::names::BusName::try_from(holder.as_str()).ok();
        let still_there = match (zbus::fdo::DBusProxy::new(connection).await, name) {
            (Ok(bus), Some(name)) => bus.name_has_owner(name).await.unwrap_or(true),
            _ => true,
        };
        if !still_there {
            let _ = self.requests.send(ShellRequest::PeerGone(holder));
        }
        Ok(())
    }

    /// The caller gives back the audio focus it holds (none held is no error).
    async fn abandon_audio_focus(
        &self,
        #[zbus(header)] header: Header<'_>,
    ) -> Result<(), ShellBusError> {
        let holder = caller(&header)?;
        self.ask(|reply| ShellRequest::AudioFocus {
            holder,
            focus: AudioFocus::None,
            caller: None,
            reply,
        })
        .await?
        .map_err(ShellBusError::AccessDenied)
    }

    /// The strongest audio focus the head unit's apps hold: none, guidance, media or call.
    #[zbus(property)]
    async fn audio_focus(&self) -> String {
        self.read().audio_focus
    }

    /// Every app: (app_id, name, state), state one of stopped, starting, running, hung,
    /// restarting, failed.
    #[zbus(property)]
    async fn apps(&self) -> Vec<(String, String, String)> {
        self.read().apps
    }

    /// The app shown on the primary output ("" on the home view).
    #[zbus(property)]
    async fn active_app(&self) -> String {
        self.read().active_app
    }

    /// An app changed state.
    #[zbus(signal)]
    async fn app_state_changed(
        emitter: &SignalEmitter<'_>,
        app_id: &str,
        state: &str,
    ) -> zbus::Result<()>;
}

/// Who a caller is, as the bus daemon knows it (the kernel's credentials of its socket).
async fn caller_credentials(
    connection: &Connection,
    unique_name: &str,
) -> Result<crate::identity::Caller, ShellBusError> {
    let name = zbus::names::BusName::try_from(unique_name)
        .map_err(|err| ShellBusError::AccessDenied(format!("who is calling: {err}")))?;
    let credentials = zbus::fdo::DBusProxy::new(connection)
        .await?
        .get_connection_credentials(name)
        .await
        .map_err(|err| ShellBusError::AccessDenied(format!("who is calling: {err}")))?;
    Ok(crate::identity::Caller {
        uid: credentials.unix_user_id(),
        pid: credentials.process_id(),
    })
}

/// The unique bus name of a method's caller.
fn caller(header: &Header<'_>) -> Result<String, ShellBusError> {
    header
        .sender()
        .map(|sender| sender.to_string())
        .ok_or_else(|| ShellBusError::InvalidArgs("the call has no sender".into()))
}

/// Signals the differences between two snapshots: one AppStateChanged per app whose state
/// changed, and PropertiesChanged for the properties that changed.
pub async fn emit_changes(
    connection: &Connection,
    previous: &ShellSnapshot,
    current: &ShellSnapshot,
) -> zbus::Result<()> {
    let interface = connection
        .object_server()
        .interface::<_, ShellInterface>(SHELL_PATH)
        .await?;
    let emitter = interface.signal_emitter();
    for (app_id, _, state) in &current.apps {
        let before = previous
            .apps
            .iter()
            .find(|(id, _, _)| id == app_id)
            .map(|(_, _, state)| state.as_str());
        if before != Some(state.as_str()) {
            ShellInterface::app_state_changed(emitter, app_id, state).await?;
        }
    }
    for (app_id, _, _) in &previous.apps {
        if !current.apps.iter().any(|(id, _, _)| id == app_id) {
            ShellInterface::app_state_changed(emitter, app_id, "stopped").await?;
        }
    }
    let shell = interface.get().await;
    if current.apps != previous.apps {
        shell.apps_changed(emitter).await?;
    }
    if current.active_app != previous.active_app {
        shell.active_app_changed(emitter).await?;
    }
    if current.audio_focus != previous.audio_focus {
        shell.audio_focus_changed(emitter).await?;
    }
    Ok(())
}

impl State {
    pub fn handle_shell_request(&mut self, request: ShellRequest) {
        // A caller that gave up (timeout) has dropped its receiver; the send result is moot.
        match request {
            ShellRequest::Activate(app_id, reply) => {
                let _ = reply.send(self.activate(&app_id));
            }
            ShellRequest::Home(reply) => {
                let _ = reply.send(self.home(None));
            }
            ShellRequest::SetSplit(primary, secondary, reply) => {
                let _ = reply.send(self.set_split(&primary, &secondary));
            }
            ShellRequest::Screenshot {
                caller,
                file,
                reply,
            } => self.request_screenshot(caller, file, reply),
            ShellRequest::ReplayStep(count, reply) => {
                let _ = reply.send(self.car_replay_step(count));
            }
            ShellRequest::CanFrame {
                interface,
                id,
                data,
                reply,
            } => {
                self.car_frame(&interface, id, &data);
                let _ = reply.send(());
            }
            ShellRequest::VehicleSet(name, value, reply) => {
                let _ = reply.send(self.car_simulate(&name, &value));
            }
            ShellRequest::AudioFocus {
                holder,
                focus,
                caller,
                reply,
            } => {
                if let Some(caller) = caller
                    && !self.may_hold_call_focus(&caller)
                {
                    warn!(holder, ?caller, "refused the call audio focus");
                    let _ = reply.send(Err(format!(
                        "user {} may not hold the call audio focus: only the phone apps \
                         (`telephony = true`), root and Cowl's user",
                        caller.uid.map_or("unknown".into(), |uid| uid.to_string())
                    )));
                    return;
                }
                self.audio_focus.hold(&holder, focus);
                info!(
                    holder,
                    focus = focus.as_str(),
                    now = self.audio_focus.strongest().as_str(),
                    "audio focus"
                );
                let _ = reply.send(Ok(()));
            }
            ShellRequest::PeerGone(holder) => {
                if self.audio_focus.forget(&holder) {
                    info!(
                        holder,
                        now = self.audio_focus.strongest().as_str(),
                        "audio focus given back by leaving the bus"
                    );
                }
            }
            ShellRequest::Touch {
                kind,
                slot,
                at,
                reply,
            } => {
                use super::debug::{TouchAt, TouchKind};
                let position = match at {
                    TouchAt::Global(x, y) => (x, y).into(),
                    TouchAt::Panel { output, x, y } => {
                        let panel = self
                            .space
                            .outputs()
                            .find(|candidate| candidate.name() == output)
                            .and_then(|output| {
                                let size = crate::input::panel::panel_size(output)?;
                                let native = (x * size.w, y * size.h).into();
                                crate::input::panel::panel_to_global(&self.space, output, native)
                            });
                        match panel {
                            Some(position) => position,
                            None => {
                                let _ = reply.send(Err(ShellError::UnknownOutput(output)));
                                return;
                            }
                        }
                    }
                };
                let slot = Some(slot).into();
                let time = self.clock.now().as_millis();
                match kind {
                    TouchKind::Down => self.touch_down(slot, position, time),
                    TouchKind::Motion => self.touch_motion(slot, position, time),
                    TouchKind::Up => self.touch_up(slot, time),
                    TouchKind::Cancel => self.touch_cancel(),
                }
                self.touch_frame();
                let _ = reply.send(Ok(()));
            }
        }
    }
}
