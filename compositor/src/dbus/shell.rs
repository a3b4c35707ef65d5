//! org.cowl.Shell1 at /org/cowl/Shell: the head unit's shell, for tools (`cowlctl`), tests and
//! apps that launch other apps. Its contract is `assets/dbus/org.cowl.Shell1.xml`; a test
//! checks that what is served matches it.
//!
//! The interface object holds no compositor state: each method sends a [`ShellRequest`] to
//! the event loop and waits for the loop's answer; properties read the snapshot the loop
//! keeps fresh.

use std::sync::{Arc, Mutex};

use cowl_sdk::projection::AudioFocus;
use smithay::reexports::calloop::channel::Sender;
use zbus::message::Header;
use zbus::object_server::SignalEmitter;
use zbus::{Connection, interface};

use super::request::{BusRequest, Reply, ask_loop};
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

/// A Shell1 call that the event loop answers.
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
    /// An app (by its unique bus name) holds this audio focus now (`None`: gives it back).
    /// The caller's user and process come with a call's focus, which only the phone apps
    /// may hold (`identity.rs`).
    AudioFocus {
        holder: String,
        focus: AudioFocus,
        caller: Option<crate::identity::Caller>,
        reply: Reply<Result<(), String>>,
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
    requests: Sender<BusRequest>,
    snapshot: Arc<Mutex<ShellSnapshot>>,
}

impl ShellInterface {
    pub fn new(requests: Sender<BusRequest>, snapshot: Arc<Mutex<ShellSnapshot>>) -> Self {
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
            let _ = self.requests.send(BusRequest::PeerGone(holder));
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
            ShellRequest::AudioFocus {
                holder,
                focus,
                caller,
                reply,
            } => {
                let _ = reply.send(self.audio_focus_request(&holder, focus, caller.as_ref()));
            }
        }
    }
}
