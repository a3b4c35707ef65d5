//! The one state struct that the calloop event loop threads through every callback.
//!
//! `State` owns the Wayland display handle, every smithay protocol state, the desktop space
//! with its windows, the seat and the backend. Keeping everything in one struct, touched only
//! on the loop's thread, is what lets later safety logic (camera, lockouts) act in the same
//! loop iteration as the event that triggers it, with no locks and no thread hops.

use std::sync::Arc;

use anyhow::Result;
use smithay::desktop::{PopupManager, Space, Window, WindowSurfaceType};
use smithay::input::{Seat, SeatState};
use smithay::output::Output;
use smithay::reexports::calloop::generic::Generic;
use smithay::reexports::calloop::{EventLoop, Interest, LoopHandle, LoopSignal, Mode, PostAction};
use smithay::reexports::wayland_server::backend::{ClientData, ClientId, DisconnectReason};
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::reexports::wayland_server::{Display, DisplayHandle};
use smithay::utils::{Clock, Logical, Monotonic, Point};
use smithay::wayland::compositor::{CompositorClientState, CompositorState};
use smithay::wayland::dmabuf::{DmabufGlobal, DmabufState};
use smithay::wayland::fractional_scale::FractionalScaleManagerState;
use smithay::wayland::output::OutputManagerState;
use smithay::wayland::presentation::PresentationState;
use smithay::wayland::security_context::{SecurityContext, SecurityContextState};
use smithay::wayland::selection::data_device::DataDeviceState;
use smithay::wayland::shell::wlr_layer::WlrLayerShellState;
use smithay::wayland::shell::xdg::XdgShellState;
use smithay::wayland::shell::xdg::decoration::XdgDecorationState;
use smithay::wayland::shm::ShmState;
use smithay::wayland::single_pixel_buffer::SinglePixelBufferState;
use smithay::wayland::text_input::TextInputManagerState;
use smithay::wayland::viewporter::ViewporterState;
use smithay::wayland::xdg_activation::XdgActivationState;
use tracing::{debug, warn};

use crate::backend::Backend;
use crate::chrome::Chrome;
use crate::cli::Cli;
use crate::config::Config;
use crate::dbus::Dbus;
use crate::input::touch::ChromePresses;
use crate::protocols::screencopy::ScreencopyState;
use crate::screenshot::{Screenshot, ScreenshotRequest};
use crate::shell::activation::Shell;
use crate::shell::curtain::Curtain;
use crate::shell::osk::OskVisibility;
use crate::shell::watchdog::Watchdog;
use crate::socket;
use crate::supervisor::Supervisor;
use crate::trust::{is_privileged, is_unsandboxed};

/// Per-client data that smithay needs attached to every Wayland client.
#[derive(Default)]
pub struct ClientState {
    pub compositor_state: CompositorClientState,
    /// May see the privileged globals (`trust.rs`).
    pub privileged: bool,
    /// Set for clients that connected through a sandbox's security-context socket.
    pub security_context: Option<SecurityContext>,
    /// The connecting process's user, from the socket's peer credentials.
    pub uid: Option<u32>,
    /// How many surfaces and windows it holds (`client_limits.rs`).
    pub counts: crate::client_limits::ClientCounts,
    /// The declared app_ids Cowl vouches for in this client, from how its process (or an
    /// ancestor of it) was started (`identity.rs`).
    pub vouched: crate::identity::Vouched,
}

impl ClientData for ClientState {
    fn initialized(&self, _client_id: ClientId) {}

    fn disconnected(&self, client_id: ClientId, reason: DisconnectReason) {
        // A protocol error or garbage on the socket ends here for that client alone; its
        // surfaces are destroyed by wayland-server and unmapped by our destroy handlers.
        debug!(?client_id, ?reason, "client disconnected");
    }
}

/// The smithay protocol states: one field per global, so that each handler in `handlers/`
/// can reach its own. Some are only held, which keeps their globals for our lifetime.
#[allow(dead_code)]
pub struct Protocols {
    pub compositor: CompositorState,
    pub xdg_shell: XdgShellState,
    pub xdg_decoration: XdgDecorationState,
    pub layer_shell: WlrLayerShellState,
    pub shm: ShmState,
    pub output_manager: OutputManagerState,
    pub seat: SeatState<State>,
    pub data_device: DataDeviceState,
    pub viewporter: ViewporterState,
    pub single_pixel_buffer: SinglePixelBufferState,
    pub presentation: PresentationState,
    pub fractional_scale: FractionalScaleManagerState,
    /// Kept for its global: apps tag video surfaces (read in `chrome::shows_video`).
    pub content_type: smithay::wayland::content_type::ContentTypeState,
    pub xdg_activation: XdgActivationState,
    pub dmabuf: DmabufState,
    /// Created by the backend once it knows which buffers its renderer can import.
    pub dmabuf_global: Option<DmabufGlobal>,
    pub screencopy: ScreencopyState,
    pub text_input: TextInputManagerState,
    /// Made with the seat's keyboard (keyboard.rs): smithay's handlers of input-method and
    /// virtual-keyboard expect the seat to have one.
    pub input_method: Option<smithay::wayland::input_method::InputMethodManagerState>,
    pub virtual_keyboard: Option<smithay::wayland::virtual_keyboard::VirtualKeyboardManagerState>,
    pub security_context: SecurityContextState,
}

pub struct State {
    pub display_handle: DisplayHandle,
    pub loop_handle: LoopHandle<'static, State>,
    pub loop_signal: LoopSignal,
    /// Why the loop was stopped, where it was an error that ends Cowl (a car that cannot be
    /// loaded): `main` returns it once the loop is done.
    pub fatal_error: Option<anyhow::Error>,
    /// The clock of presentation feedback and frame callbacks (CLOCK_MONOTONIC).
    pub clock: Clock<Monotonic>,
    pub socket_name: String,
    /// The listening sockets' event sources, public and trusted (paused while descriptors
    /// run out, socket.rs).
    pub listening_sockets: Vec<smithay::reexports::calloop::RegistrationToken>,
    pub backend: Backend,
    /// The windows that are shown, where; `shell` decides which.
    pub space: Space<Window>,
    pub shell: Shell,
    pub popups: PopupManager,
    pub seat: Seat<State>,
    pub protocols: Protocols,
    pub screenshot: Option<Screenshot>,
    /// Shell1 `Screenshot` calls waiting for the primary output's next frame.
    pub screenshot_requests: Vec<ScreenshotRequest>,
    pub dbus: Dbus,
    /// The validated configuration; the shell reads its outputs and apps.
    pub config: Config,
    pub supervisor: Supervisor,
    pub watchdog: Watchdog,
    /// Ready for systemd, and where the start-up time went (startup.rs).
    pub startup: crate::startup::Startup,
    pub curtain: Curtain,
    /// What the compositor draws itself: status bar, dock, home view, covers.
    pub chrome: Chrome,
    /// Fingers (and the nested mouse button) that the chrome is recognizing gestures of.
    pub chrome_presses: ChromePresses,
    /// The latest input events each client received (`input/input_serials.rs`).
    pub input_serials: crate::input::input_serials::InputSerials,
    /// The open menu's grab, if any (`handlers/xdg_shell.rs`).
    pub popup_grab: Option<smithay::desktop::PopupGrab<State>>,
    /// The surface the pointer was last over and its origin (`input/mod.rs`).
    pub pointer_target: Option<(WlSurface, Point<f64, Logical>)>,
    /// A pointer device has moved at least once (`input/mod.rs` `pointer_refresh`).
    pub pointer_has_moved: bool,
    /// Fingers on client surfaces (`input/touch.rs`).
    pub client_touches: crate::input::touch::ClientTouches,
    /// Positioners anchored to a point (`handlers/xdg_positioner.rs`).
    pub zero_size_anchors: crate::handlers::xdg_positioner::ZeroSizeAnchors,
    /// `--debug-input`: org.cowl.Debug1 injects input.
    pub debug_input: bool,
    /// Keys whose press Cowl kept from the clients (Ctrl+Alt+Fn's Fn, input/mod.rs): their
    /// release is kept too, so that no client hears of a key it never saw pressed.
    pub keys_kept_from_clients: std::collections::HashSet<smithay::input::keyboard::Keycode>,
    pub osk: OskVisibility,
    /// `--demo`: split its two apps once both have shown.
    pub demo_split_pending: bool,
    /// The car: its signals, properties, driving state and restrictions.
    pub car: crate::car::Car,
    /// The steering-wheel key held down now.
    pub steering_keys: crate::input::steering_keys::SteeringKeys,
    /// Phone projection: the daemon, the phone, what it was told.
    pub projection: crate::shell::projection::Projection,
    /// What the home view's cards show from the apps (media player, guidance).
    pub home_sources: crate::dbus::home_sources::HomeSources,
    /// Audio focus held by the head unit's own apps (Shell1's AudioFocus).
    pub audio_focus: crate::shell::audio_focus::AudioFocusHolders,
    /// The rear camera's helper and newest frame.
    pub camera: crate::camera::Camera,
    /// The configured apps' users, by which clients are recognised as those apps.
    pub app_users: crate::identity::AppUsers,
    /// Redraws while reversing, so that a camera that stops is noticed.
    pub reverse_timer: Option<smithay::reexports::calloop::RegistrationToken>,
}

impl State {
    /// The compositor's state with its public and trusted sockets bound and watched.
    pub fn new(
        event_loop: &mut EventLoop<'static, State>,
        display: Display<State>,
        cli: &Cli,
        config: Config,
    ) -> Result<State> {
        let loop_handle = event_loop.handle();
        let listening_socket = socket::bind(cli.socket.as_deref())?;
        let socket_name = listening_socket
            .socket_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let listening_socket = socket::watch(&loop_handle, listening_socket, |state, stream| {
            state.accept_client(stream, false)
        })?;
        let trusted_socket = socket::bind_trusted(&socket_name)?;
        let trusted_socket = socket::watch(&loop_handle, trusted_socket, |state, stream| {
            if socket::may_be_trusted(&stream) {
                state.accept_client(stream, true)
            }
        })?;
        let mut state = State::without_sockets(event_loop, display, cli, config, socket_name)?;
        state.listening_sockets = vec![listening_socket, trusted_socket];
        Ok(state)
    }

    /// The state with no listening socket: clients come only through
    /// [`State::insert_client`] (the in-process test fixture's socket pairs). Nothing is
    /// started: no backend (it is `Starting`), no D-Bus, no apps, no camera, a car without
    /// data; `socket_name` is what the apps would be told.
    pub fn without_sockets(
        event_loop: &mut EventLoop<'static, State>,
        display: Display<State>,
        cli: &Cli,
        config: Config,
        socket_name: String,
    ) -> Result<State> {
        let display_handle = display.handle();
        let loop_handle = event_loop.handle();
        let clock = Clock::<Monotonic>::new();

        loop_handle
            .insert_source(
                Generic::new(display, Interest::READ, Mode::Level),
                |_, display, state| {
                    // One round: libwayland's server (Cargo.toml) reads each ready client
                    // once, so a client that writes without pause cannot keep the loop on
                    // itself; the replies go out in `after_dispatch`.
                    // SAFETY: the display is never dropped while the source is registered.
                    let result = unsafe { display.get_mut().dispatch_clients(state) };
                    if let Err(err) = result {
                        // Per-client failures disconnect that client inside wayland-server;
                        // an error here is about the display itself and worth a loud log.
                        warn!("dispatching Wayland clients failed: {err}");
                    }
                    Ok(PostAction::Continue)
                },
            )
            .map_err(|err| anyhow::anyhow!("could not watch the Wayland display: {err}"))?;

        let dh = &display_handle;
        let mut seat_state = SeatState::new();
        let mut seat = seat_state.new_wl_seat(dh, "seat0");
        // The keyboard comes once the first frame is out (keyboard.rs).
        seat.add_pointer();
        seat.add_touch();

        let protocols = Protocols {
            compositor: CompositorState::new::<State>(dh),
            xdg_shell: XdgShellState::new::<State>(dh),
            xdg_decoration: XdgDecorationState::new::<State>(dh),
            layer_shell: WlrLayerShellState::new_with_filter::<State, _>(dh, is_privileged),
            shm: ShmState::new::<State>(dh, vec![]),
            // grim needs xdg-output to learn each output's logical layout.
            output_manager: OutputManagerState::new_with_xdg_output::<State>(dh),
            seat: seat_state,
            data_device: DataDeviceState::new::<State>(dh),
            viewporter: ViewporterState::new::<State>(dh),
            single_pixel_buffer: SinglePixelBufferState::new::<State>(dh),
            presentation: PresentationState::new::<State>(dh, clock.id() as u32),
            fractional_scale: FractionalScaleManagerState::new::<State>(dh),
            content_type: smithay::wayland::content_type::ContentTypeState::new::<State>(dh),
            xdg_activation: XdgActivationState::new::<State>(dh),
            dmabuf: DmabufState::new(),
            dmabuf_global: None,
            screencopy: ScreencopyState::new(dh),
            text_input: TextInputManagerState::new::<State>(dh),
            input_method: None,
            virtual_keyboard: None,
            security_context: SecurityContextState::new::<State, _>(dh, is_unsandboxed),
        };

        let supervisor = Supervisor::new(&config, &socket_name, display_handle.clone());
        Ok(State {
            supervisor,
            watchdog: Watchdog::default(),
            startup: crate::startup::Startup::new(std::time::Instant::now()),
            curtain: Curtain::new(
                config
                    .apps
                    .iter()
                    .filter(|app| app.autostart)
                    .map(|app| app.id.get_ref().clone())
                    .collect(),
            ),
            display_handle,
            loop_handle,
            loop_signal: event_loop.get_signal(),
            fatal_error: None,
            clock,
            socket_name,
            listening_sockets: Vec::new(),
            backend: Backend::Starting,
            space: Space::default(),
            shell: Shell::default(),
            popups: PopupManager::default(),
            seat,
            protocols,
            screenshot: cli
                .screenshot
                .clone()
                .map(|path| Screenshot::new(path, cli.spawn.len(), cli.quit_after_screenshot)),
            screenshot_requests: Vec::new(),
            chrome_presses: ChromePresses::default(),
            input_serials: Default::default(),
            popup_grab: None,
            pointer_target: None,
            pointer_has_moved: false,
            client_touches: Default::default(),
            zero_size_anchors: Default::default(),
            debug_input: cli.debug_input,
            keys_kept_from_clients: Default::default(),
            osk: OskVisibility::default(),
            demo_split_pending: cli.demo,
            car: crate::car::Car::without_data(&config.vehicle),
            camera: crate::camera::Camera::default(),
            app_users: crate::identity::AppUsers::resolve(&config),
            reverse_timer: None,
            chrome: Chrome::new(
                match config.shell.theme {
                    crate::chrome::theme::ThemeChoice::Day => crate::chrome::theme::ThemeName::Day,
                    _ => crate::chrome::theme::ThemeName::Night,
                },
                cli.clock.clone(),
            ),
            dbus: Dbus::new(),
            projection: Default::default(),
            home_sources: Default::default(),
            audio_focus: Default::default(),
            steering_keys: Default::default(),
            config,
        })
    }

    /// A client connected on our public socket, or on the trusted one (`privileged`, its
    /// user checked already): which apps it may be is decided now, from the socket's peer
    /// credentials (`identity.rs`).
    pub fn accept_client(&mut self, stream: std::os::unix::net::UnixStream, privileged: bool) {
        let credentials = rustix::net::sockopt::socket_peercred(&stream).ok();
        let pid = credentials
            .as_ref()
            .map(|credentials| credentials.pid.as_raw_nonzero().get());
        let client_state = ClientState {
            privileged,
            uid: credentials.map(|credentials| credentials.uid.as_raw()),
            vouched: self.vouched_for(pid),
            ..ClientState::default()
        };
        debug!(
            ?pid,
            privileged = client_state.privileged,
            vouched = ?client_state.vouched,
            "client connected"
        );
        self.insert_client(stream, client_state);
    }

    /// Serves a Wayland client on `stream`, with what is known of it already.
    pub fn insert_client(
        &mut self,
        stream: std::os::unix::net::UnixStream,
        client_state: ClientState,
    ) -> Option<smithay::reexports::wayland_server::Client> {
        match self
            .display_handle
            .insert_client(stream, Arc::new(client_state))
        {
            Ok(client) => Some(client),
            Err(err) => {
                warn!("could not accept a Wayland client: {err}");
                None
            }
        }
    }

    /// Runs after every batch of events: drops dead windows and popups, and sends what the
    /// handlers queued to the clients.
    pub fn after_dispatch(&mut self) {
        self.space.refresh();
        self.popups.cleanup();
        self.chrome_follow_app_states();
        self.dbus_publish();
        self.projection_sync();
        self.osk_update();
        if let Err(err) = self.display_handle.flush_clients() {
            warn!("could not flush Wayland clients: {err}");
        }
    }

    /// Asks the backend for a new frame on `output` at its next refresh.
    pub fn queue_redraw(&mut self, output: &Output) {
        // Reverse has just begun: the next frame waits for the camera's (camera/).
        if self.camera.holds_redraws() {
            return;
        }
        let loop_handle = self.loop_handle.clone();
        let now = self.clock.now().into();
        self.backend.queue_redraw(output, &loop_handle, now);
    }

    pub fn queue_redraw_all(&mut self) {
        let outputs: Vec<Output> = self.space.outputs().cloned().collect();
        for output in &outputs {
            self.queue_redraw(output);
        }
    }

    /// The outputs that must be redrawn after a commit of this surface tree: where its window
    /// was shown at the last refresh (it may have just unmapped) and where it lies now (it may
    /// have just mapped). All outputs for a surface that is not a window, such as a layer
    /// surface or a popup.
    pub fn outputs_for_surface(&self, surface: &WlSurface) -> Vec<Output> {
        let root = crate::shell::root_surface(surface);
        let window = self
            .space
            .elements()
            .find(|window| window.toplevel().is_some_and(|t| t.wl_surface() == &root));
        let Some(window) = window else {
            return self.space.outputs().cloned().collect();
        };
        let mut outputs = self.space.outputs_for_element(window);
        if let Some(bbox) = self.space.element_bbox(window) {
            for output in self.space.outputs() {
                let overlaps = self
                    .space
                    .output_geometry(output)
                    .is_some_and(|geometry| geometry.overlaps(bbox));
                if overlaps && !outputs.contains(output) {
                    outputs.push(output.clone());
                }
            }
        }
        outputs
    }

    /// The surface under a point in the global logical space, with the surface's origin:
    /// an upper layer surface, else an app's surface within its slot (what the frame shows
    /// there, `render.rs`), else a bottom or background layer surface. Touches on the status
    /// bar and dock never get this far (`input/touch.rs`).
    pub fn surface_under(
        &self,
        position: Point<f64, Logical>,
    ) -> Option<(WlSurface, Point<f64, Logical>)> {
        use smithay::wayland::shell::wlr_layer::Layer;
        self.upper_layer_surface_under(position)
            .or_else(|| {
                self.space.elements().rev().find_map(|window| {
                    let slot = crate::shell::activation::shown_slot(window)?;
                    if !slot.to_f64().contains(position) {
                        return None;
                    }
                    let location = self.space.element_location(window)? - window.geometry().loc;
                    window
                        .surface_under(position - location.to_f64(), WindowSurfaceType::ALL)
                        .map(|(surface, offset)| (surface, (offset + location).to_f64()))
                })
            })
            .or_else(|| self.layer_surface_under(position, &[Layer::Bottom, Layer::Background]))
    }

    /// The top or overlay layer surface (a trusted client's: the on-screen keyboard) under a
    /// point, with the surface's origin. These are drawn above the chrome's panels.
    pub fn upper_layer_surface_under(
        &self,
        position: Point<f64, Logical>,
    ) -> Option<(WlSurface, Point<f64, Logical>)> {
        use smithay::wayland::shell::wlr_layer::Layer;
        self.layer_surface_under(position, &[Layer::Overlay, Layer::Top])
    }

    /// The surface of a layer surface on one of `layers` (topmost first) under a point.
    fn layer_surface_under(
        &self,
        position: Point<f64, Logical>,
        layers_in_order: &[smithay::wayland::shell::wlr_layer::Layer],
    ) -> Option<(WlSurface, Point<f64, Logical>)> {
        if let Some(output) = self.space.output_under(position).next() {
            let output_origin = self
                .space
                .output_geometry(output)
                .map(|geometry| geometry.loc)
                .unwrap_or_default();
            let layers = smithay::desktop::layer_map_for_output(output);
            for &layer in layers_in_order {
                if let Some(layer_surface) = crate::shell::layer_placement::layer_under(
                    &layers,
                    layer,
                    position - output_origin.to_f64(),
                ) {
                    let layer_origin = crate::shell::layer_placement::layer_geometry(layer_surface)
                        .map(|geometry| geometry.loc)
                        .unwrap_or_default()
                        + output_origin;
                    if let Some((surface, location)) = layer_surface
                        .surface_under(position - layer_origin.to_f64(), WindowSurfaceType::ALL)
                    {
                        return Some((surface, (location + layer_origin).to_f64()));
                    }
                }
            }
        }
        None
    }
}
