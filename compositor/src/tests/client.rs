//! The fixture's Wayland client: one connection, at most one toplevel, in the test's own
//! thread. It never blocks: it sends, and reads what has arrived when the fixture turns it
//! (`Fixture::dispatch`), so that server and client take turns step by step. It records
//! what a client would observe: configures, close requests, touches and its menu's end.

use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;

use wayland_client::protocol::{
    wl_buffer, wl_callback, wl_compositor, wl_data_device, wl_data_device_manager, wl_data_offer,
    wl_data_source, wl_pointer, wl_registry, wl_seat, wl_shm, wl_shm_pool, wl_subcompositor,
    wl_subsurface, wl_surface, wl_touch,
};
use wayland_client::{Connection, Dispatch, EventQueue, QueueHandle, delegate_noop};
use wayland_protocols::xdg::shell::client::{
    xdg_popup, xdg_positioner, xdg_surface, xdg_toplevel, xdg_wm_base,
};
use wayland_protocols_wlr::layer_shell::v1::client::{zwlr_layer_shell_v1, zwlr_layer_surface_v1};

/// What the client has been told, as it would see it.
#[derive(Default)]
pub struct Observed {
    /// The globals: (name, interface, version).
    globals: Vec<(u32, String, u32)>,
    /// Every size the toplevel was configured to, in order (0x0: the client chooses).
    pub configures: Vec<(i32, i32)>,
    pending_size: (i32, i32),
    /// The serial of the newest xdg_surface.configure not yet acknowledged.
    unacked_serial: Option<u32>,
    /// The compositor asked the toplevel to close.
    pub closed: bool,
    /// Surface-local positions of the touch-downs received.
    pub touch_downs: Vec<(f64, f64)>,
    /// The serials of the touch-downs received (what a menu's grab names).
    pub touch_down_serials: Vec<u32>,
    /// The serial of the menu's newest configure not yet acknowledged.
    menu_unacked_serial: Option<u32>,
    /// The compositor closed the menu (xdg_popup.popup_done).
    pub menu_done: bool,
    /// Where the menu was placed, relative to its window: x, y, width, height.
    pub menu_placed: Option<(i32, i32, i32, i32)>,
    /// wl_pointer.enter events received.
    pub pointer_enters: usize,
    /// Touch points lifted (wl_touch.up) and touch sessions cancelled.
    pub touch_ups: usize,
    pub touch_cancels: usize,
    /// Every size each layer surface (by `create_layer_surface`'s index) was configured to.
    pub layer_configures: Vec<Vec<(u32, u32)>>,
    /// The serial of each layer surface's newest configure not yet acknowledged.
    layer_unacked_serials: Vec<Option<u32>>,
    /// The surface each touch-down landed on, by protocol id (see `surface_id`).
    pub touch_down_surfaces: Vec<u32>,
    /// The MIME types of each clipboard offer the client was told of
    /// (wl_data_device.selection), in order.
    pub clipboard_selections: Vec<Vec<String>>,
    /// The MIME types announced by each data offer, by the offer's protocol id.
    offer_mime_types: Vec<(u32, Vec<String>)>,
    /// wl_display.sync callbacks answered.
    pub syncs_done: u64,
}

pub struct Client {
    pub connection: Connection,
    queue: EventQueue<Observed>,
    pub observed: Observed,
    /// The sync callbacks asked for: `Fixture::roundtrip` waits until `syncs_done` reaches it.
    pub syncs_sent: u64,
    registry: wl_registry::WlRegistry,
    window: Option<ClientWindow>,
    seat: Option<wl_seat::WlSeat>,
    menu: Option<(wl_surface::WlSurface, xdg_surface::XdgSurface)>,
    layer_surfaces: Vec<(
        wl_surface::WlSurface,
        zwlr_layer_surface_v1::ZwlrLayerSurfaceV1,
    )>,
    subsurface: Option<(wl_surface::WlSurface, wl_subsurface::WlSubsurface)>,
    clipboard: Option<(
        wl_data_device_manager::WlDataDeviceManager,
        wl_data_device::WlDataDevice,
    )>,
}

/// A layer surface's index among its client's, told apart in their events.
pub struct LayerSurfaceIndex(usize);

/// How a wl_surface is prepared before it is made an xdg_surface (`xdg_surface_of`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurfaceBefore {
    /// A buffer attached, not committed.
    BufferAttached,
    /// A buffer attached and committed: shown before it had a role.
    BufferShown,
    /// Made a subsurface first.
    Subsurface,
}

/// The menu's xdg_surface, told apart from the window's.
pub struct MenuSurface;

struct ClientWindow {
    surface: wl_surface::WlSurface,
    toplevel: xdg_toplevel::XdgToplevel,
    xdg_surface: xdg_surface::XdgSurface,
}

impl Client {
    /// A client on its end of a socket pair: it asks for the registry at once.
    pub fn new(stream: UnixStream) -> Client {
        stream
            .set_nonblocking(true)
            .expect("a non-blocking test socket");
        let connection = Connection::from_socket(stream).expect("a Wayland connection");
        let queue = connection.new_event_queue();
        let registry = connection.display().get_registry(&queue.handle(), ());
        Client {
            registry,
            connection,
            queue,
            observed: Observed::default(),
            syncs_sent: 0,
            window: None,
            seat: None,
            menu: None,
            layer_surfaces: Vec::new(),
            subsurface: None,
            clipboard: None,
        }
    }

    /// Sends what is queued, reads what arrived (never waiting) and handles it; nothing
    /// once the compositor has ended the connection with a protocol error.
    pub fn dispatch(&mut self) {
        if self.connection.protocol_error().is_some() {
            return;
        }
        // A full socket or a compositor that has gone: the next read tells.
        let _ = self.queue.flush();
        if let Some(guard) = self.queue.prepare_read() {
            // WouldBlock when nothing arrived.
            let _ = guard.read();
        }
        if let Err(err) = self.queue.dispatch_pending(&mut self.observed) {
            assert!(
                self.connection.protocol_error().is_some(),
                "the compositor's events are well formed: {err}"
            );
        }
    }

    /// The protocol error that ended this client's connection, as (interface, code).
    pub fn protocol_error(&self) -> Option<(String, u32)> {
        self.connection
            .protocol_error()
            .map(|error| (error.object_interface, error.code))
    }

    /// Makes an xdg_surface of a wl_surface prepared as `before` says: what a client that
    /// skips xdg-shell's order does.
    pub fn xdg_surface_of(&mut self, before: SurfaceBefore) {
        let handle = self.queue.handle();
        let compositor: wl_compositor::WlCompositor = self.bind("wl_compositor", 6);
        let wm_base: xdg_wm_base::XdgWmBase = self.bind("xdg_wm_base", 6);
        let surface = compositor.create_surface(&handle, ());
        match before {
            SurfaceBefore::BufferAttached | SurfaceBefore::BufferShown => {
                let buffer = self.buffer(32, 32, 0xffffff);
                surface.attach(Some(&buffer), 0, 0);
                if before == SurfaceBefore::BufferShown {
                    surface.commit();
                }
            }
            SurfaceBefore::Subsurface => {
                let subcompositor: wl_subcompositor::WlSubcompositor =
                    self.bind("wl_subcompositor", 1);
                let parent = compositor.create_surface(&handle, ());
                subcompositor.get_subsurface(&surface, &parent, &handle, ());
            }
        }
        wm_base.get_xdg_surface(&surface, &handle, ());
    }

    /// Asks for a wl_display.sync, answered once the compositor has handled all before it.
    pub fn sync(&mut self) {
        self.connection.display().sync(&self.queue.handle(), ());
        self.syncs_sent += 1;
    }

    fn bind<I>(&self, interface: &str, version: u32) -> I
    where
        I: wayland_client::Proxy + 'static,
        Observed: Dispatch<I, ()>,
    {
        let (name, _, offered) = self
            .observed
            .globals
            .iter()
            .find(|(_, name, _)| name == interface)
            .unwrap_or_else(|| panic!("no {interface} global (roundtrip first)"));
        self.registry
            .bind(*name, version.min(*offered), &self.queue.handle(), ())
    }

    /// Whether the compositor sees this client's globals list with `interface` in it.
    pub fn has_global(&self, interface: &str) -> bool {
        self.observed
            .globals
            .iter()
            .any(|(_, name, _)| name == interface)
    }

    /// Creates a toplevel with `app_id` (none: no app_id at all) and commits it without a
    /// buffer, as a client does to get its first configure.
    pub fn create_toplevel(&mut self, app_id: Option<&str>) {
        let handle = self.queue.handle();
        let compositor: wl_compositor::WlCompositor = self.bind("wl_compositor", 6);
        let wm_base: xdg_wm_base::XdgWmBase = self.bind("xdg_wm_base", 6);
        let surface = compositor.create_surface(&handle, ());
        let xdg_surface = wm_base.get_xdg_surface(&surface, &handle, ());
        let toplevel = xdg_surface.get_toplevel(&handle, ());
        if let Some(app_id) = app_id {
            toplevel.set_app_id(app_id.to_string());
        }
        surface.commit();
        self.window = Some(ClientWindow {
            surface,
            toplevel,
            xdg_surface,
        });
    }

    /// Sets the toplevel's app_id now, after it was created (it applies with the next
    /// commit, `draw`), as weston's demo clients and some toolkits do.
    pub fn set_app_id(&mut self, app_id: &str) {
        self.window().toplevel.set_app_id(app_id.to_string());
    }

    /// Gives the toplevel a size of its own: minimum and maximum the same (applies with the
    /// next commit).
    pub fn keep_size(&mut self, width: i32, height: i32) {
        let toplevel = &self.window().toplevel;
        toplevel.set_min_size(width, height);
        toplevel.set_max_size(width, height);
    }

    /// Acknowledges the newest configure and commits a buffer of `colour` at the size it
    /// asked for (or `size` when it left the size open or the client keeps its own).
    pub fn draw(&mut self, colour: u32, size: Option<(i32, i32)>) {
        let configured = self.observed.configures.last().copied();
        let (width, height) = size
            .or(configured.filter(|(w, h)| *w > 0 && *h > 0))
            .unwrap_or((64, 64));
        if let Some(serial) = self.observed.unacked_serial.take() {
            self.window().xdg_surface.ack_configure(serial);
        }
        let buffer = self.buffer(width, height, colour);
        let surface = &self.window().surface;
        surface.attach(Some(&buffer), 0, 0);
        surface.damage_buffer(0, 0, width, height);
        surface.commit();
    }

    /// Hides the window and shows it again on the same wl_surface, the picture it had still
    /// attached, as toolkits do when an app shows a window again: a new xdg_surface and
    /// toplevel with `app_id`, committed for their first configure.
    pub fn show_again(&mut self, app_id: &str) {
        let handle = self.queue.handle();
        let wm_base: xdg_wm_base::XdgWmBase = self.bind("xdg_wm_base", 6);
        let old = self
            .window
            .take()
            .expect("a toplevel (create_toplevel first)");
        old.toplevel.destroy();
        old.xdg_surface.destroy();
        let xdg_surface = wm_base.get_xdg_surface(&old.surface, &handle, ());
        let toplevel = xdg_surface.get_toplevel(&handle, ());
        toplevel.set_app_id(app_id.to_string());
        old.surface.commit();
        self.window = Some(ClientWindow {
            surface: old.surface,
            toplevel,
            xdg_surface,
        });
    }

    /// Puts a `size` subsurface of `colour` at `position` on the window (a video overlay),
    /// shown with the window's next commit.
    pub fn add_subsurface(&mut self, position: (i32, i32), size: (i32, i32), colour: u32) {
        let handle = self.queue.handle();
        let compositor: wl_compositor::WlCompositor = self.bind("wl_compositor", 6);
        let subcompositor: wl_subcompositor::WlSubcompositor = self.bind("wl_subcompositor", 1);
        let surface = compositor.create_surface(&handle, ());
        let parent = &self.window().surface;
        let subsurface = subcompositor.get_subsurface(&surface, parent, &handle, ());
        subsurface.set_position(position.0, position.1);
        let buffer = self.buffer(size.0, size.1, colour);
        surface.attach(Some(&buffer), 0, 0);
        surface.damage_buffer(0, 0, size.0, size.1);
        surface.commit();
        parent.commit();
        self.subsurface = Some((surface, subsurface));
    }

    /// Destroys the subsurface and its wl_surface (the overlay goes away).
    pub fn destroy_subsurface(&mut self) {
        if let Some((surface, subsurface)) = self.subsurface.take() {
            subsurface.destroy();
            surface.destroy();
            self.window().surface.commit();
        }
    }

    /// Takes part in the clipboard: a wl_data_device on the seat, told of the selection.
    pub fn listen_to_clipboard(&mut self) {
        let handle = self.queue.handle();
        let manager: wl_data_device_manager::WlDataDeviceManager =
            self.bind("wl_data_device_manager", 3);
        let seat = self.seat();
        let device = manager.get_data_device(&seat, &handle, ());
        self.clipboard = Some((manager, device));
    }

    /// Puts data of `mime_type` on the clipboard (wl_data_device.set_selection), with serial
    /// 0: the compositor decides by who holds the keyboard.
    pub fn copy(&mut self, mime_type: &str) {
        let handle = self.queue.handle();
        let (manager, device) = self
            .clipboard
            .as_ref()
            .expect("a data device (listen_to_clipboard first)");
        let source = manager.create_data_source(&handle, ());
        source.offer(mime_type.to_string());
        device.set_selection(Some(&source), 0);
    }

    /// Destroys the toplevel (the app closes its window).
    pub fn destroy_toplevel(&mut self) {
        if let Some(window) = self.window.take() {
            window.toplevel.destroy();
            window.xdg_surface.destroy();
            window.surface.destroy();
        }
    }

    /// Listens to touch through the seat.
    pub fn listen_to_touch(&mut self) {
        let seat = self.seat();
        seat.get_touch(&self.queue.handle(), ());
    }

    /// Listens to the pointer through the seat.
    pub fn listen_to_pointer(&mut self) {
        let seat = self.seat();
        seat.get_pointer(&self.queue.handle(), ());
    }

    fn seat(&mut self) -> wl_seat::WlSeat {
        if self.seat.is_none() {
            self.seat = Some(self.bind("wl_seat", 7));
        }
        self.seat.clone().expect("the seat, just bound")
    }

    /// Opens a 100x60 menu (an xdg_popup) at the window's corner, grabbing with `serial`
    /// (the serial of the press that opened it) when given, and commits it to get its
    /// configure.
    pub fn open_menu(&mut self, grab_serial: Option<u32>) {
        self.open_menu_anchored(grab_serial, (0, 0, 1, 1), xdg_positioner::Anchor::TopLeft);
    }

    /// Opens a 100x60 menu hanging from `point` of the window (below and right of it), as
    /// a menu opened at a finger is: an anchor rectangle of zero size.
    pub fn open_menu_at(&mut self, point: (i32, i32)) {
        let rect = (point.0, point.1, 0, 0);
        self.open_menu_anchored(None, rect, xdg_positioner::Anchor::BottomRight);
    }

    fn open_menu_anchored(
        &mut self,
        grab_serial: Option<u32>,
        (x, y, width, height): (i32, i32, i32, i32),
        anchor: xdg_positioner::Anchor,
    ) {
        let handle = self.queue.handle();
        let compositor: wl_compositor::WlCompositor = self.bind("wl_compositor", 6);
        let wm_base: xdg_wm_base::XdgWmBase = self.bind("xdg_wm_base", 6);
        let positioner = wm_base.create_positioner(&handle, ());
        positioner.set_size(100, 60);
        positioner.set_anchor_rect(x, y, width, height);
        positioner.set_anchor(anchor);
        positioner.set_gravity(xdg_positioner::Gravity::BottomRight);
        let surface = compositor.create_surface(&handle, ());
        let xdg_surface = wm_base.get_xdg_surface(&surface, &handle, MenuSurface);
        let popup =
            xdg_surface.get_popup(Some(&self.window().xdg_surface), &positioner, &handle, ());
        if let Some(serial) = grab_serial {
            let seat = self.seat();
            popup.grab(&seat, serial);
        }
        surface.commit();
        positioner.destroy();
        self.menu = Some((surface, xdg_surface));
    }

    /// Acknowledges the menu's configure and draws it.
    pub fn draw_menu(&mut self, colour: u32) {
        let buffer = self.buffer(100, 60, colour);
        let (surface, xdg_surface) = self.menu.as_ref().expect("a menu (open_menu first)");
        if let Some(serial) = self.observed.menu_unacked_serial.take() {
            xdg_surface.ack_configure(serial);
        }
        surface.attach(Some(&buffer), 0, 0);
        surface.damage_buffer(0, 0, 100, 60);
        surface.commit();
    }

    /// Creates a layer surface (a trusted client's panel) on `layer`, anchored to `anchor`,
    /// asking for `size` (0: the compositor's choice) and reserving `exclusive_zone`, and
    /// commits it to get its first configure. Returns its index.
    pub fn create_layer_surface(
        &mut self,
        layer: zwlr_layer_shell_v1::Layer,
        anchor: zwlr_layer_surface_v1::Anchor,
        size: (u32, u32),
        exclusive_zone: i32,
    ) -> usize {
        let handle = self.queue.handle();
        let compositor: wl_compositor::WlCompositor = self.bind("wl_compositor", 6);
        let layer_shell: zwlr_layer_shell_v1::ZwlrLayerShellV1 =
            self.bind("zwlr_layer_shell_v1", 4);
        let surface = compositor.create_surface(&handle, ());
        let index = self.layer_surfaces.len();
        let layer_surface = layer_shell.get_layer_surface(
            &surface,
            None,
            layer,
            "fixture".into(),
            &handle,
            LayerSurfaceIndex(index),
        );
        layer_surface.set_anchor(anchor);
        layer_surface.set_size(size.0, size.1);
        layer_surface.set_exclusive_zone(exclusive_zone);
        surface.commit();
        self.observed.layer_configures.push(Vec::new());
        self.observed.layer_unacked_serials.push(None);
        self.layer_surfaces.push((surface, layer_surface));
        index
    }

    /// Acknowledges the layer surface's newest configure and draws it at that size.
    pub fn draw_layer_surface(&mut self, index: usize, colour: u32) {
        let (width, height) = *self.observed.layer_configures[index]
            .last()
            .expect("a configure of the layer surface");
        let buffer = self.buffer(width as i32, height as i32, colour);
        let (surface, layer_surface) = &self.layer_surfaces[index];
        if let Some(serial) = self.observed.layer_unacked_serials[index].take() {
            layer_surface.ack_configure(serial);
        }
        surface.attach(Some(&buffer), 0, 0);
        surface.damage_buffer(0, 0, width as i32, height as i32);
        surface.commit();
    }

    /// The protocol id of a layer surface's wl_surface, as `touch_down_surfaces` names it.
    pub fn layer_surface_id(&self, index: usize) -> u32 {
        use wayland_client::Proxy;
        self.layer_surfaces[index].0.id().protocol_id()
    }

    fn window(&self) -> &ClientWindow {
        self.window
            .as_ref()
            .expect("a toplevel (create_toplevel first)")
    }

    fn buffer(&self, width: i32, height: i32, colour: u32) -> wl_buffer::WlBuffer {
        let shm: wl_shm::WlShm = self.bind("wl_shm", 1);
        let stride = width * 4;
        let mut file = tempfile::tempfile().expect("a file for the shm pool");
        let row: Vec<u8> = (0..width).flat_map(|_| colour.to_le_bytes()).collect();
        for _ in 0..height {
            file.write_all(&row).expect("fill the shm pool");
        }
        let handle = self.queue.handle();
        let pool = shm.create_pool(file.as_fd(), stride * height, &handle, ());
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
}

impl Dispatch<wl_registry::WlRegistry, ()> for Observed {
    fn event(
        observed: &mut Observed,
        _: &wl_registry::WlRegistry,
        event: wl_registry::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Observed>,
    ) {
        match event {
            wl_registry::Event::Global {
                name,
                interface,
                version,
            } => {
                observed.globals.push((name, interface, version));
            }
            wl_registry::Event::GlobalRemove { name } => {
                observed.globals.retain(|(global, _, _)| *global != name);
            }
            _ => {}
        }
    }
}

impl Dispatch<wl_callback::WlCallback, ()> for Observed {
    fn event(
        observed: &mut Observed,
        _: &wl_callback::WlCallback,
        event: wl_callback::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Observed>,
    ) {
        if let wl_callback::Event::Done { .. } = event {
            observed.syncs_done += 1;
        }
    }
}

impl Dispatch<xdg_surface::XdgSurface, ()> for Observed {
    fn event(
        observed: &mut Observed,
        _: &xdg_surface::XdgSurface,
        event: xdg_surface::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Observed>,
    ) {
        if let xdg_surface::Event::Configure { serial } = event {
            observed.unacked_serial = Some(serial);
            observed.configures.push(observed.pending_size);
        }
    }
}

impl Dispatch<xdg_toplevel::XdgToplevel, ()> for Observed {
    fn event(
        observed: &mut Observed,
        _: &xdg_toplevel::XdgToplevel,
        event: xdg_toplevel::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Observed>,
    ) {
        match event {
            xdg_toplevel::Event::Configure { width, height, .. } => {
                observed.pending_size = (width, height);
            }
            xdg_toplevel::Event::Close => observed.closed = true,
            _ => {}
        }
    }
}

impl Dispatch<wl_touch::WlTouch, ()> for Observed {
    fn event(
        observed: &mut Observed,
        _: &wl_touch::WlTouch,
        event: wl_touch::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Observed>,
    ) {
        match event {
            wl_touch::Event::Down {
                serial,
                surface,
                x,
                y,
                ..
            } => {
                use wayland_client::Proxy;
                observed.touch_downs.push((x, y));
                observed
                    .touch_down_surfaces
                    .push(surface.id().protocol_id());
                observed.touch_down_serials.push(serial);
            }
            wl_touch::Event::Up { .. } => observed.touch_ups += 1,
            wl_touch::Event::Cancel => observed.touch_cancels += 1,
            _ => {}
        }
    }
}

impl Dispatch<wl_pointer::WlPointer, ()> for Observed {
    fn event(
        observed: &mut Observed,
        _: &wl_pointer::WlPointer,
        event: wl_pointer::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Observed>,
    ) {
        if let wl_pointer::Event::Enter { .. } = event {
            observed.pointer_enters += 1;
        }
    }
}

impl Dispatch<xdg_surface::XdgSurface, MenuSurface> for Observed {
    fn event(
        observed: &mut Observed,
        _: &xdg_surface::XdgSurface,
        event: xdg_surface::Event,
        _: &MenuSurface,
        _: &Connection,
        _: &QueueHandle<Observed>,
    ) {
        if let xdg_surface::Event::Configure { serial } = event {
            observed.menu_unacked_serial = Some(serial);
        }
    }
}

impl Dispatch<xdg_popup::XdgPopup, ()> for Observed {
    fn event(
        observed: &mut Observed,
        _: &xdg_popup::XdgPopup,
        event: xdg_popup::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Observed>,
    ) {
        match event {
            xdg_popup::Event::PopupDone => observed.menu_done = true,
            xdg_popup::Event::Configure {
                x,
                y,
                width,
                height,
            } => observed.menu_placed = Some((x, y, width, height)),
            _ => {}
        }
    }
}

impl Dispatch<zwlr_layer_surface_v1::ZwlrLayerSurfaceV1, LayerSurfaceIndex> for Observed {
    fn event(
        observed: &mut Observed,
        _: &zwlr_layer_surface_v1::ZwlrLayerSurfaceV1,
        event: zwlr_layer_surface_v1::Event,
        index: &LayerSurfaceIndex,
        _: &Connection,
        _: &QueueHandle<Observed>,
    ) {
        if let zwlr_layer_surface_v1::Event::Configure {
            serial,
            width,
            height,
        } = event
        {
            observed.layer_configures[index.0].push((width, height));
            observed.layer_unacked_serials[index.0] = Some(serial);
        }
    }
}

delegate_noop!(Observed: ignore zwlr_layer_shell_v1::ZwlrLayerShellV1);
delegate_noop!(Observed: ignore xdg_positioner::XdgPositioner);
delegate_noop!(Observed: ignore wl_compositor::WlCompositor);
delegate_noop!(Observed: ignore wl_surface::WlSurface);
delegate_noop!(Observed: ignore wl_shm::WlShm);
delegate_noop!(Observed: ignore wl_shm_pool::WlShmPool);
delegate_noop!(Observed: ignore wl_buffer::WlBuffer);
delegate_noop!(Observed: ignore wl_seat::WlSeat);
delegate_noop!(Observed: ignore wl_subcompositor::WlSubcompositor);
delegate_noop!(Observed: ignore wl_data_device_manager::WlDataDeviceManager);
delegate_noop!(Observed: ignore wl_data_source::WlDataSource);

impl Dispatch<wl_data_device::WlDataDevice, ()> for Observed {
    fn event(
        observed: &mut Observed,
        _: &wl_data_device::WlDataDevice,
        event: wl_data_device::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Observed>,
    ) {
        use wayland_client::Proxy;
        match event {
            wl_data_device::Event::DataOffer { id } => {
                observed
                    .offer_mime_types
                    .push((id.id().protocol_id(), Vec::new()));
            }
            wl_data_device::Event::Selection { id: Some(offer) } => {
                let offer_id = offer.id().protocol_id();
                let mime_types = observed
                    .offer_mime_types
                    .iter()
                    .rev()
                    .find(|(id, _)| *id == offer_id)
                    .map(|(_, types)| types.clone())
                    .unwrap_or_default();
                observed.clipboard_selections.push(mime_types);
            }
            _ => {}
        }
    }

    wayland_client::event_created_child!(Observed, wl_data_device::WlDataDevice, [
        wl_data_device::EVT_DATA_OFFER_OPCODE => (wl_data_offer::WlDataOffer, ()),
    ]);
}

impl Dispatch<wl_data_offer::WlDataOffer, ()> for Observed {
    fn event(
        observed: &mut Observed,
        offer: &wl_data_offer::WlDataOffer,
        event: wl_data_offer::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Observed>,
    ) {
        use wayland_client::Proxy;
        if let wl_data_offer::Event::Offer { mime_type } = event {
            let offer_id = offer.id().protocol_id();
            if let Some((_, types)) = observed
                .offer_mime_types
                .iter_mut()
                .rev()
                .find(|(id, _)| *id == offer_id)
            {
                types.push(mime_type);
            }
        }
    }
}
delegate_noop!(Observed: ignore wl_subsurface::WlSubsurface);
wayland_client::delegate_dispatch!(Observed: [xdg_wm_base::XdgWmBase: ()] => cowl_testkit::wayland::Pong);
