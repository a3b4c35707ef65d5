//! A small Wayland client of our own, for what no packaged client shows: it maps a toplevel
//! with a given app_id, fills it with one colour from a wl_shm buffer, and records the
//! configures, frame callbacks and presentation feedback it receives.

use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;

use wayland_client::globals::{GlobalList, GlobalListContents, registry_queue_init};
use wayland_client::protocol::{
    wl_buffer, wl_callback, wl_compositor, wl_keyboard, wl_registry, wl_seat, wl_shm, wl_shm_pool,
    wl_subcompositor, wl_subsurface, wl_surface, wl_touch,
};
use wayland_client::{Connection, Dispatch, EventQueue, QueueHandle, WEnum};
use wayland_protocols::wp::content_type::v1::client::{
    wp_content_type_manager_v1, wp_content_type_v1,
};
use wayland_protocols::wp::presentation_time::client::{wp_presentation, wp_presentation_feedback};
use wayland_protocols::wp::text_input::zv3::client::{
    zwp_text_input_manager_v3, zwp_text_input_v3,
};
use wayland_protocols::xdg::activation::v1::client::{xdg_activation_token_v1, xdg_activation_v1};
use wayland_protocols::xdg::shell::client::{
    xdg_popup, xdg_positioner, xdg_surface, xdg_toplevel, xdg_wm_base,
};

use super::Compositor;

/// A presentation feedback as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feedback {
    Presented {
        nanoseconds: u128,
        refresh_ns: u32,
        sequence: u64,
        vsync: bool,
        /// HwClock and HwCompletion: the time is the display's own (a page flip's).
        hardware: bool,
        /// ZeroCopy: the display showed the client's buffer itself (direct scanout).
        zero_copy: bool,
    },
    Discarded,
}

#[derive(Default)]
pub struct ClientState {
    pub configured_size: Option<(i32, i32)>,
    pending_size: Option<(i32, i32)>,
    configure_serial: Option<u32>,
    pub presentation_clock: Option<u32>,
    pub frame_times_ms: Vec<u32>,
    pub popup_geometry: Option<(i32, i32, i32, i32)>,
    pub keymap: Option<String>,
    pub feedback: Vec<Feedback>,
    /// Surface-local positions of the touch-downs this client received.
    pub touch_downs: Vec<(f64, f64)>,
    /// The xdg_activation token last issued.
    activation_token: Option<String>,
    /// Round trips (wl_display.sync) answered.
    syncs_done: u64,
}

/// The user data of a wl_display.sync callback.
pub struct SyncDone;

pub struct TestClient {
    pub connection: Connection,
    pub queue: EventQueue<ClientState>,
    pub state: ClientState,
    globals: GlobalList,
    surface: wl_surface::WlSurface,
    shm: wl_shm::WlShm,
    presentation: wp_presentation::WpPresentation,
    toplevel: xdg_toplevel::XdgToplevel,
    xdg_surface: xdg_surface::XdgSurface,
    buffer: Option<wl_buffer::WlBuffer>,
    /// Subsurfaces and popups, kept alive as long as the client.
    extra_surfaces: Vec<wl_surface::WlSurface>,
}

/// Waits for and dispatches the compositor's next events, like `blocking_dispatch`, but
/// panics at the harness's deadline instead of hanging the test when none come.
pub fn dispatch_before_deadline<S>(queue: &mut EventQueue<S>, state: &mut S) {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    if queue.dispatch_pending(state).expect("dispatch") > 0 {
        return;
    }
    queue.flush().expect("flush");
    if let Some(guard) = queue.prepare_read() {
        let deadline = super::DEADLINE;
        let timeout = Timespec {
            tv_sec: deadline.as_secs() as i64,
            tv_nsec: 0,
        };
        let fd = guard.connection_fd();
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        let ready = loop {
            match poll(&mut fds, Some(&timeout)) {
                Ok(ready) => break ready,
                Err(rustix::io::Errno::INTR) => continue,
                Err(err) => panic!("poll the Wayland connection: {err}"),
            }
        };
        assert!(
            ready > 0,
            "no event from the compositor within {deadline:?}"
        );
        guard.read().expect("read Wayland events");
    }
    queue.dispatch_pending(state).expect("dispatch");
}

/// Reads and handles whatever the compositor sends within `time` (pings answered, configures
/// acknowledged); unlike [`dispatch_before_deadline`], a quiet connection is no failure.
pub fn dispatch_for<S>(queue: &mut EventQueue<S>, state: &mut S, time: std::time::Duration) {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    queue.dispatch_pending(state).expect("dispatch");
    queue.flush().expect("flush");
    if let Some(guard) = queue.prepare_read() {
        let timeout = Timespec {
            tv_sec: time.as_secs() as i64,
            tv_nsec: time.subsec_nanos() as i64,
        };
        let fd = guard.connection_fd();
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        let ready = match poll(&mut fds, Some(&timeout)) {
            Ok(ready) => ready,
            Err(rustix::io::Errno::INTR) => 0,
            Err(err) => panic!("poll the Wayland connection: {err}"),
        };
        if ready > 0 {
            guard.read().expect("read Wayland events");
        }
    }
    queue.dispatch_pending(state).expect("dispatch");
    queue.flush().expect("flush");
}

impl TestClient {
    /// Connects, creates a toplevel with `app_id` and waits for its first configure.
    pub fn map_toplevel(compositor: &Compositor, app_id: &str) -> TestClient {
        TestClient::connect(&compositor.runtime_dir().join(&compositor.socket), app_id)
    }

    /// The same, on any compositor's socket (benchmarks compare cowl with weston).
    pub fn connect(socket: &std::path::Path, app_id: &str) -> TestClient {
        let stream = UnixStream::connect(socket).expect("connect to the compositor");
        let connection = Connection::from_socket(stream).expect("wayland connection");
        let (globals, mut queue) =
            registry_queue_init::<ClientState>(&connection).expect("registry");
        let handle = queue.handle();
        let compositor_global: wl_compositor::WlCompositor =
            globals.bind(&handle, 4..=5, ()).expect("wl_compositor");
        let shm: wl_shm::WlShm = globals.bind(&handle, 1..=1, ()).expect("wl_shm");
        let wm_base: xdg_wm_base::XdgWmBase =
            globals.bind(&handle, 1..=6, ()).expect("xdg_wm_base");
        let presentation: wp_presentation::WpPresentation =
            globals.bind(&handle, 1..=2, ()).expect("wp_presentation");

        let surface = compositor_global.create_surface(&handle, ());
        let xdg_surface = wm_base.get_xdg_surface(&surface, &handle, ());
        let toplevel = xdg_surface.get_toplevel(&handle, ());
        toplevel.set_app_id(app_id.to_string());
        surface.commit();

        let mut state = ClientState::default();
        while state.configured_size.is_none() {
            dispatch_before_deadline(&mut queue, &mut state);
        }
        TestClient {
            connection,
            queue,
            state,
            globals,
            surface,
            shm,
            presentation,
            toplevel,
            xdg_surface,
            buffer: None,
            extra_surfaces: Vec::new(),
        }
    }

    /// A toplevel with this app_id that has drawn itself in `colour` at its configured size.
    pub fn showing(compositor: &Compositor, app_id: &str, colour: u32) -> TestClient {
        let mut client = TestClient::map_toplevel(compositor, app_id);
        client.draw(colour);
        client
    }

    /// The size to draw at: the configured one, or 64x64 when the compositor leaves it open.
    pub fn size(&self) -> (i32, i32) {
        match self.state.configured_size {
            Some((width, height)) if width > 0 && height > 0 => (width, height),
            _ => (64, 64),
        }
    }

    /// Draws the whole surface in one XRGB colour (0xRRGGBB) and commits it, with a frame
    /// callback and presentation feedback.
    pub fn draw(&mut self, colour: u32) {
        let (width, height) = self.size();
        self.draw_sized(colour, width, height);
    }

    /// Like `draw`, at a size of the client's choosing (a small probe ignores the configure).
    pub fn draw_sized(&mut self, colour: u32, width: i32, height: i32) {
        self.draw_pixels(width, height, |_, _| colour);
    }

    /// Draws the surface at its configured size as a gradient that tells where each pixel
    /// is: red rises from 0 to 255 left to right, green top to bottom, blue is 0x40.
    pub fn draw_gradient(&mut self) {
        let (width, height) = self.size();
        self.draw_pixels(width, height, |x, y| {
            let red = (x * 255 / (width - 1).max(1)) as u32;
            let green = (y * 255 / (height - 1).max(1)) as u32;
            red << 16 | green << 8 | 0x40
        });
    }

    /// Draws `width`x`height` pixels, each the XRGB colour `pixel(x, y)` gives, and commits.
    pub fn draw_pixels(&mut self, width: i32, height: i32, pixel: impl Fn(i32, i32) -> u32) {
        let buffer = self.shm_buffer(width, height, pixel);
        if let Some(old) = self.buffer.replace(buffer.clone()) {
            old.destroy();
        }
        self.show_buffer(&buffer, width, height);
    }

    /// A wl_shm buffer of `width`x`height` XRGB pixels, each the colour `pixel(x, y)` gives.
    fn shm_buffer(
        &self,
        width: i32,
        height: i32,
        pixel: impl Fn(i32, i32) -> u32,
    ) -> wl_buffer::WlBuffer {
        let stride = width * 4;
        let mut file = tempfile::tempfile().expect("shm file");
        let mut row = Vec::with_capacity(stride as usize);
        for y in 0..height {
            row.clear();
            for x in 0..width {
                row.extend_from_slice(&pixel(x, y).to_le_bytes());
            }
            file.write_all(&row).expect("fill the shm file");
        }
        let handle = self.queue.handle();
        let pool = self
            .shm
            .create_pool(file.as_fd(), stride * height, &handle, ());
        let buffer = pool.create_buffer(
            0,
            width,
            height,
            stride,
            wl_shm::Format::Xrgb8888,
            &handle,
            (),
        );
        pool.destroy();
        buffer
    }

    /// Attaches `buffer` (`width`x`height`, all damaged) and commits it, with a frame
    /// callback and presentation feedback.
    pub fn show_buffer(&mut self, buffer: &wl_buffer::WlBuffer, width: i32, height: i32) {
        self.attach_damaged(buffer, width, height);
    }

    /// Shows the last drawn buffer again with only a `size`x`size` square at its top left
    /// damaged, with a frame callback and presentation feedback: a frame that costs the
    /// client nothing and the compositor little, to see how fast frames may come.
    pub fn redamage_corner(&mut self, size: i32) {
        let buffer = self.buffer.clone().expect("a buffer drawn before");
        self.attach_damaged(&buffer, size, size);
    }

    /// Attaches `buffer` with its top left `width`x`height` damaged and commits, with a
    /// frame callback and presentation feedback.
    fn attach_damaged(&mut self, buffer: &wl_buffer::WlBuffer, width: i32, height: i32) {
        let handle = self.queue.handle();
        self.surface.attach(Some(buffer), 0, 0);
        self.surface.damage_buffer(0, 0, width, height);
        self.surface.frame(&handle, ());
        self.presentation.feedback(&self.surface, &handle, ());
        self.surface.commit();
        self.connection.flush().expect("flush");
    }

    /// Commits no new content, only a frame callback and presentation feedback: a probe that
    /// counts the frames another client's animation causes.
    pub fn commit_for_feedback(&mut self) {
        let handle = self.queue.handle();
        self.surface.frame(&handle, ());
        self.presentation.feedback(&self.surface, &handle, ());
        self.surface.commit();
        self.connection.flush().expect("flush");
    }

    /// Asks to go fullscreen and returns the size of the configure that answers.
    pub fn request_fullscreen(&mut self) -> (i32, i32) {
        self.toplevel.set_fullscreen(None);
        self.state.configured_size = None;
        while self.state.configured_size.is_none() {
            dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
        self.state.configured_size.expect("a configure")
    }

    /// Opens an xdg_popup on the toplevel, positioned by `setup`, and returns the geometry
    /// of its first configure (relative to the toplevel).
    pub fn popup_geometry(
        &mut self,
        setup: impl FnOnce(&xdg_positioner::XdgPositioner),
    ) -> (i32, i32, i32, i32) {
        self.open_popup(setup).1
    }

    /// Opens an xdg_popup on the toplevel, positioned by `setup`; its surface and the
    /// geometry of its first configure (acknowledged).
    fn open_popup(
        &mut self,
        setup: impl FnOnce(&xdg_positioner::XdgPositioner),
    ) -> (wl_surface::WlSurface, (i32, i32, i32, i32)) {
        let handle = self.queue.handle();
        let wm_base: xdg_wm_base::XdgWmBase =
            self.globals.bind(&handle, 1..=6, ()).expect("xdg_wm_base");
        let compositor: wl_compositor::WlCompositor = self
            .globals
            .bind(&handle, 4..=5, ())
            .expect("wl_compositor");
        let positioner = wm_base.create_positioner(&handle, ());
        setup(&positioner);
        let surface = compositor.create_surface(&handle, ());
        let xdg_surface = wm_base.get_xdg_surface(&surface, &handle, ());
        let _popup = xdg_surface.get_popup(Some(&self.xdg_surface), &positioner, &handle, ());
        surface.commit();
        self.state.popup_geometry = None;
        while self.state.popup_geometry.is_none() {
            dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
        // The xdg_surface configure that follows is acknowledged by its dispatcher.
        self.queue.roundtrip(&mut self.state).expect("roundtrip");
        let geometry = self.state.popup_geometry.expect("a popup configure");
        (surface, geometry)
    }

    /// The xkb keymap the compositor sends to this client's keyboard, as text.
    pub fn keymap(&mut self) -> String {
        let handle = self.queue.handle();
        let seat: wl_seat::WlSeat = self.globals.bind(&handle, 1..=7, ()).expect("wl_seat");
        let _keyboard = seat.get_keyboard(&handle, ());
        while self.state.keymap.is_none() {
            dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
        self.state.keymap.take().expect("a keymap")
    }

    /// Tags the surface's content as video (wp_content_type_v1), from its next commit on.
    pub fn tag_as_video(&mut self) {
        let handle = self.queue.handle();
        let manager: wp_content_type_manager_v1::WpContentTypeManagerV1 = self
            .globals
            .bind(&handle, 1..=1, ())
            .expect("wp_content_type_manager_v1");
        let content_type = manager.get_surface_content_type(&self.surface, &handle, ());
        content_type.set_content_type(wp_content_type_v1::Type::Video);
    }

    /// A text-input-v3 object on the seat (a text field's side of the on-screen keyboard).
    pub fn text_input(&mut self) -> zwp_text_input_v3::ZwpTextInputV3 {
        let handle = self.queue.handle();
        let manager: zwp_text_input_manager_v3::ZwpTextInputManagerV3 = self
            .globals
            .bind(&handle, 1..=1, ())
            .expect("zwp_text_input_manager_v3");
        let seat: wl_seat::WlSeat = self.globals.bind(&handle, 1..=7, ()).expect("wl_seat");
        manager.get_text_input(&seat, &handle, ())
    }

    /// Changes its app_id (xdg-shell allows it at any time); the shell sees it with the
    /// next commit.
    pub fn set_app_id(&mut self, app_id: &str) {
        self.toplevel.set_app_id(app_id.to_string());
    }

    /// Says its window's geometry is this rectangle of its surface (xdg_surface), from the
    /// next commit on: a hostile app's way of making its window look smaller than it is.
    pub fn set_window_geometry(&mut self, x: i32, y: i32, width: i32, height: i32) {
        self.xdg_surface.set_window_geometry(x, y, width, height);
    }

    /// A subsurface at `x`,`y` of the window (which may lie outside it), `width`x`height` in
    /// one XRGB colour, placed above the window and shown with the window's next commit.
    pub fn add_subsurface(&mut self, x: i32, y: i32, width: i32, height: i32, colour: u32) {
        let handle = self.queue.handle();
        let compositor: wl_compositor::WlCompositor = self
            .globals
            .bind(&handle, 4..=5, ())
            .expect("wl_compositor");
        let subcompositor: wl_subcompositor::WlSubcompositor = self
            .globals
            .bind(&handle, 1..=1, ())
            .expect("wl_subcompositor");
        let surface = compositor.create_surface(&handle, ());
        let subsurface = subcompositor.get_subsurface(&surface, &self.surface, &handle, ());
        subsurface.set_position(x, y);
        subsurface.place_above(&self.surface);
        let buffer = self.shm_buffer(width, height, |_, _| colour);
        surface.attach(Some(&buffer), 0, 0);
        surface.damage_buffer(0, 0, width, height);
        surface.commit();
        self.extra_surfaces.push(surface);
    }

    /// An xdg_popup of the window, positioned by `setup`, drawn in one XRGB colour at the
    /// size of its configure, and committed.
    pub fn add_popup(&mut self, colour: u32, setup: impl FnOnce(&xdg_positioner::XdgPositioner)) {
        let (surface, (_, _, width, height)) = self.open_popup(setup);
        let buffer = self.shm_buffer(width, height, |_, _| colour);
        surface.attach(Some(&buffer), 0, 0);
        surface.damage_buffer(0, 0, width, height);
        surface.commit();
        self.connection.flush().expect("flush");
        self.extra_surfaces.push(surface);
    }

    /// Asks xdg_activation_v1 to bring this window forward with a token made with `serial`
    /// on the seat (a serial the client may have made up), and waits until the token is
    /// issued and the request sent.
    pub fn request_activation(&mut self, serial: u32) {
        let handle = self.queue.handle();
        let activation: xdg_activation_v1::XdgActivationV1 = self
            .globals
            .bind(&handle, 1..=1, ())
            .expect("xdg_activation_v1");
        let seat: wl_seat::WlSeat = self.globals.bind(&handle, 1..=7, ()).expect("wl_seat");
        let token = activation.get_activation_token(&handle, ());
        token.set_serial(serial, &seat);
        token.set_surface(&self.surface);
        token.commit();
        self.state.activation_token = None;
        while self.state.activation_token.is_none() {
            dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
        let token = self.state.activation_token.take().expect("a token");
        activation.activate(token, &self.surface);
        self.queue.roundtrip(&mut self.state).expect("roundtrip");
    }

    /// A round trip (wl_display.sync) that fails the test at the harness's deadline instead
    /// of hanging it; how long it took.
    pub fn round_trip(&mut self) -> std::time::Duration {
        let began = std::time::Instant::now();
        let answered = self.state.syncs_done;
        self.connection
            .display()
            .sync(&self.queue.handle(), SyncDone);
        while self.state.syncs_done == answered {
            dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
        began.elapsed()
    }

    /// Asks for the seat's touch events (recorded in `state.touch_downs`).
    pub fn listen_to_touch(&mut self) {
        let handle = self.queue.handle();
        let seat: wl_seat::WlSeat = self.globals.bind(&handle, 1..=7, ()).expect("wl_seat");
        let _touch = seat.get_touch(&handle, ());
        self.queue.roundtrip(&mut self.state).expect("roundtrip");
    }

    /// Dispatches until `count` touch-downs have arrived.
    pub fn wait_for_touch_downs(&mut self, count: usize) {
        while self.state.touch_downs.len() < count {
            dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
    }

    /// Dispatches until the compositor configures a size other than the current one.
    pub fn wait_for_resize(&mut self) -> (i32, i32) {
        let before = self.state.configured_size;
        while self.state.configured_size == before {
            dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
        self.size()
    }

    /// Attaches no buffer: the toplevel unmaps (it stays a toplevel object).
    pub fn unmap(&mut self) {
        self.surface.attach(None, 0, 0);
        self.surface.commit();
        self.connection.flush().expect("flush");
    }

    /// Dispatches until `count` frame callbacks have arrived, feedback or not.
    pub fn wait_for_frame_callbacks(&mut self, count: usize) {
        while self.state.frame_times_ms.len() < count {
            dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
    }

    /// Dispatches until `count` frame callbacks and feedbacks have arrived in all.
    pub fn wait_for_frames(&mut self, count: usize) {
        while self.state.frame_times_ms.len() < count || self.state.feedback.len() < count {
            dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
    }

    /// Stays a live app for `time`: answers pings and configures, draws nothing new.
    pub fn answer_for(&mut self, time: std::time::Duration) {
        dispatch_for(&mut self.queue, &mut self.state, time);
    }

    pub fn globals(&self) -> &GlobalList {
        &self.globals
    }

    pub fn xdg_surface(&self) -> &xdg_surface::XdgSurface {
        &self.xdg_surface
    }
}

impl Dispatch<xdg_surface::XdgSurface, ()> for ClientState {
    fn event(
        state: &mut Self,
        xdg_surface: &xdg_surface::XdgSurface,
        event: xdg_surface::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let xdg_surface::Event::Configure { serial } = event {
            xdg_surface.ack_configure(serial);
            state.configure_serial = Some(serial);
            state.configured_size = Some(state.pending_size.unwrap_or((0, 0)));
        }
    }
}

impl Dispatch<xdg_toplevel::XdgToplevel, ()> for ClientState {
    fn event(
        state: &mut Self,
        _: &xdg_toplevel::XdgToplevel,
        event: xdg_toplevel::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let xdg_toplevel::Event::Configure { width, height, .. } = event {
            state.pending_size = Some((width, height));
        }
    }
}

impl Dispatch<xdg_popup::XdgPopup, ()> for ClientState {
    fn event(
        state: &mut Self,
        _: &xdg_popup::XdgPopup,
        event: xdg_popup::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let xdg_popup::Event::Configure {
            x,
            y,
            width,
            height,
        } = event
        {
            state.popup_geometry = Some((x, y, width, height));
        }
    }
}

impl Dispatch<wl_keyboard::WlKeyboard, ()> for ClientState {
    fn event(
        state: &mut Self,
        _: &wl_keyboard::WlKeyboard,
        event: wl_keyboard::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let wl_keyboard::Event::Keymap { fd, size, .. } = event {
            use std::os::unix::fs::FileExt;
            let file = std::fs::File::from(fd);
            let mut bytes = vec![0; size as usize];
            file.read_exact_at(&mut bytes, 0).expect("read the keymap");
            let text = String::from_utf8_lossy(&bytes);
            state.keymap = Some(text.trim_end_matches('\0').to_string());
        }
    }
}

impl Dispatch<wl_touch::WlTouch, ()> for ClientState {
    fn event(
        state: &mut Self,
        _: &wl_touch::WlTouch,
        event: wl_touch::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let wl_touch::Event::Down { x, y, .. } = event {
            state.touch_downs.push((x, y));
        }
    }
}

impl Dispatch<wl_callback::WlCallback, SyncDone> for ClientState {
    fn event(
        state: &mut Self,
        _: &wl_callback::WlCallback,
        event: wl_callback::Event,
        _: &SyncDone,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let wl_callback::Event::Done { .. } = event {
            state.syncs_done += 1;
        }
    }
}

impl Dispatch<wl_callback::WlCallback, ()> for ClientState {
    fn event(
        state: &mut Self,
        _: &wl_callback::WlCallback,
        event: wl_callback::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let wl_callback::Event::Done { callback_data } = event {
            state.frame_times_ms.push(callback_data);
        }
    }
}

impl Dispatch<wp_presentation::WpPresentation, ()> for ClientState {
    fn event(
        state: &mut Self,
        _: &wp_presentation::WpPresentation,
        event: wp_presentation::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let wp_presentation::Event::ClockId { clk_id } = event {
            state.presentation_clock = Some(clk_id);
        }
    }
}

impl Dispatch<wp_presentation_feedback::WpPresentationFeedback, ()> for ClientState {
    fn event(
        state: &mut Self,
        _: &wp_presentation_feedback::WpPresentationFeedback,
        event: wp_presentation_feedback::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            wp_presentation_feedback::Event::Presented {
                tv_sec_hi,
                tv_sec_lo,
                tv_nsec,
                refresh,
                seq_hi,
                seq_lo,
                flags,
            } => {
                let seconds = ((tv_sec_hi as u128) << 32) | tv_sec_lo as u128;
                let bits = match flags {
                    WEnum::Value(kind) => kind.bits(),
                    WEnum::Unknown(bits) => bits,
                };
                let vsync = bits & wp_presentation_feedback::Kind::Vsync.bits() != 0;
                let hardware_bits = (wp_presentation_feedback::Kind::HwClock
                    | wp_presentation_feedback::Kind::HwCompletion)
                    .bits();
                let hardware = bits & hardware_bits == hardware_bits;
                let zero_copy = bits & wp_presentation_feedback::Kind::ZeroCopy.bits() != 0;
                state.feedback.push(Feedback::Presented {
                    nanoseconds: seconds * 1_000_000_000 + tv_nsec as u128,
                    refresh_ns: refresh,
                    sequence: ((seq_hi as u64) << 32) | seq_lo as u64,
                    vsync,
                    hardware,
                    zero_copy,
                });
            }
            wp_presentation_feedback::Event::Discarded => state.feedback.push(Feedback::Discarded),
            _ => {}
        }
    }
}

wayland_client::delegate_noop!(ClientState: ignore wl_compositor::WlCompositor);
wayland_client::delegate_noop!(ClientState: ignore wl_surface::WlSurface);
wayland_client::delegate_noop!(ClientState: ignore wl_shm::WlShm);
wayland_client::delegate_noop!(ClientState: ignore wl_shm_pool::WlShmPool);
wayland_client::delegate_noop!(ClientState: ignore wl_buffer::WlBuffer);
wayland_client::delegate_noop!(ClientState: ignore wl_seat::WlSeat);
wayland_client::delegate_noop!(ClientState: ignore xdg_positioner::XdgPositioner);
wayland_client::delegate_noop!(ClientState: ignore wl_subcompositor::WlSubcompositor);
wayland_client::delegate_noop!(ClientState: ignore wl_subsurface::WlSubsurface);
wayland_client::delegate_noop!(ClientState: ignore xdg_activation_v1::XdgActivationV1);

impl Dispatch<xdg_activation_token_v1::XdgActivationTokenV1, ()> for ClientState {
    fn event(
        state: &mut Self,
        _: &xdg_activation_token_v1::XdgActivationTokenV1,
        event: xdg_activation_token_v1::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let xdg_activation_token_v1::Event::Done { token } = event {
            state.activation_token = Some(token);
        }
    }
}
wayland_client::delegate_noop!(ClientState: ignore wp_content_type_manager_v1::WpContentTypeManagerV1);
wayland_client::delegate_noop!(ClientState: ignore wp_content_type_v1::WpContentTypeV1);
wayland_client::delegate_noop!(ClientState: ignore zwp_text_input_manager_v3::ZwpTextInputManagerV3);
wayland_client::delegate_noop!(ClientState: ignore zwp_text_input_v3::ZwpTextInputV3);

wayland_client::delegate_dispatch!(ClientState: [wl_registry::WlRegistry: GlobalListContents] => cowl_testkit::wayland::Globals);
wayland_client::delegate_dispatch!(ClientState: [xdg_wm_base::XdgWmBase: ()] => cowl_testkit::wayland::Pong);
