//! The phone's window: an xdg toplevel (app_id `projection` unless told otherwise) that
//! Cowl shows while the projection holds video focus, drawn from the screen's frames into
//! shared-memory buffers. A frame is attached only when the compositor asked for one (frame
//! callback) and a buffer is free; otherwise it waits and the next one replaces it.

use std::os::fd::{AsFd, OwnedFd};

use anyhow::{Context, Result};
use wayland_client::globals::{GlobalListContents, registry_queue_init};
use wayland_client::protocol::{
    wl_buffer, wl_callback, wl_compositor, wl_registry, wl_seat, wl_shm, wl_shm_pool, wl_surface,
    wl_touch,
};
use wayland_client::{Connection, Dispatch, EventQueue, QueueHandle};
use wayland_protocols::xdg::shell::client::{xdg_surface, xdg_toplevel, xdg_wm_base};

use crate::Sim;
use crate::screen::Frame;

/// One shared-memory buffer and the memfd behind it (written with pwrite: no mapping, no
/// unsafe code).
struct ShmBuffer {
    buffer: wl_buffer::WlBuffer,
    file: OwnedFd,
    size: (u32, u32),
    busy: bool,
}

pub struct Window {
    surface: wl_surface::WlSurface,
    _xdg_surface: xdg_surface::XdgSurface,
    _toplevel: xdg_toplevel::XdgToplevel,
    shm: wl_shm::WlShm,
    buffers: Vec<ShmBuffer>,
    /// A frame's pixels on their way into a buffer, reused.
    scratch: Vec<u8>,
    /// The size the compositor asked for (0: ours to choose).
    pub configured: Option<(u32, u32)>,
    /// A frame callback is pending: the compositor has not asked for the next frame yet.
    waiting_for_frame: bool,
    pub closed: bool,
}

impl Window {
    pub fn new(connection: &Connection, app_id: &str) -> Result<(Window, EventQueue<Sim>)> {
        let (globals, queue) =
            registry_queue_init::<Sim>(connection).context("the Wayland registry")?;
        let handle = queue.handle();
        let compositor: wl_compositor::WlCompositor =
            globals.bind(&handle, 4..=6, ()).context("wl_compositor")?;
        let shm: wl_shm::WlShm = globals.bind(&handle, 1..=1, ()).context("wl_shm")?;
        let wm_base: xdg_wm_base::XdgWmBase =
            globals.bind(&handle, 1..=6, ()).context("xdg_wm_base")?;
        // Touches on the phone's screen go to the phone (here: into the log).
        if let Ok(seat) = globals.bind::<wl_seat::WlSeat, _, _>(&handle, 1..=7, ()) {
            seat.get_touch(&handle, ());
        }
        let surface = compositor.create_surface(&handle, ());
        let xdg_surface = wm_base.get_xdg_surface(&surface, &handle, ());
        let toplevel = xdg_surface.get_toplevel(&handle, ());
        toplevel.set_app_id(app_id.to_string());
        toplevel.set_title("Phone".to_string());
        surface.commit();
        Ok((
            Window {
                surface,
                _xdg_surface: xdg_surface,
                _toplevel: toplevel,
                shm,
                buffers: Vec::new(),
                scratch: Vec::new(),
                configured: None,
                waiting_for_frame: false,
                closed: false,
            },
            queue,
        ))
    }

    /// Attaches `frame` if the compositor wants a frame and a buffer is free; false if not.
    pub fn draw(&mut self, frame: &Frame, handle: &QueueHandle<Sim>) -> Result<bool> {
        if self.waiting_for_frame || self.configured.is_none() {
            return Ok(false);
        }
        let size = frame.size();
        self.buffers.retain(|buffer| {
            let keep = buffer.size == size || buffer.busy;
            if !keep {
                buffer.buffer.destroy();
            }
            keep
        });
        let index = match self
            .buffers
            .iter()
            .position(|buffer| !buffer.busy && buffer.size == size)
        {
            Some(index) => index,
            None if self.buffers.len() < 3 => {
                self.buffers.push(self.allocate(size, handle)?);
                self.buffers.len() - 1
            }
            None => return Ok(false),
        };
        self.scratch
            .resize(size.0 as usize * size.1 as usize * 4, 0);
        if !frame.copy_into(&mut self.scratch) {
            return Ok(false);
        }
        let buffer = &mut self.buffers[index];
        rustix::io::pwrite(&buffer.file, &self.scratch, 0).context("writing the shm buffer")?;
        buffer.busy = true;
        self.surface.attach(Some(&buffer.buffer), 0, 0);
        self.surface
            .damage_buffer(0, 0, size.0 as i32, size.1 as i32);
        self.surface.frame(handle, ());
        self.waiting_for_frame = true;
        self.surface.commit();
        Ok(true)
    }

    fn allocate(
        &self,
        (width, height): (u32, u32),
        handle: &QueueHandle<Sim>,
    ) -> Result<ShmBuffer> {
        let stride = width * 4;
        let length = stride as usize * height as usize;
        let fd: OwnedFd =
            rustix::fs::memfd_create("cowl-phone-sim", rustix::fs::MemfdFlags::CLOEXEC)
                .context("memfd_create")?;
        rustix::fs::ftruncate(&fd, length as u64).context("sizing the shm buffer")?;
        let pool = self.shm.create_pool(fd.as_fd(), length as i32, handle, ());
        let buffer = pool.create_buffer(
            0,
            width as i32,
            height as i32,
            stride as i32,
            wl_shm::Format::Xrgb8888,
            handle,
            (),
        );
        pool.destroy();
        Ok(ShmBuffer {
            buffer,
            file: fd,
            size: (width, height),
            busy: false,
        })
    }
}

impl Dispatch<xdg_wm_base::XdgWmBase, ()> for Sim {
    fn event(
        _: &mut Self,
        wm_base: &xdg_wm_base::XdgWmBase,
        event: xdg_wm_base::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        // Answering pings is what tells Cowl's watchdog the phone is alive.
        if let xdg_wm_base::Event::Ping { serial } = event {
            wm_base.pong(serial);
        }
    }
}

impl Dispatch<xdg_surface::XdgSurface, ()> for Sim {
    fn event(
        sim: &mut Self,
        xdg_surface: &xdg_surface::XdgSurface,
        event: xdg_surface::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let xdg_surface::Event::Configure { serial } = event {
            xdg_surface.ack_configure(serial);
            let size = sim.window.configured.unwrap_or((0, 0));
            sim.window.configured = Some(size);
            sim.configured();
        }
    }
}

impl Dispatch<xdg_toplevel::XdgToplevel, ()> for Sim {
    fn event(
        sim: &mut Self,
        _: &xdg_toplevel::XdgToplevel,
        event: xdg_toplevel::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            xdg_toplevel::Event::Configure { width, height, .. } => {
                sim.window.configured = Some((width.max(0) as u32, height.max(0) as u32));
            }
            xdg_toplevel::Event::Close => sim.window.closed = true,
            _ => {}
        }
    }
}

impl Dispatch<wl_callback::WlCallback, ()> for Sim {
    fn event(
        sim: &mut Self,
        _: &wl_callback::WlCallback,
        _: wl_callback::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        sim.window.waiting_for_frame = false;
        sim.draw_latest();
    }
}

impl Dispatch<wl_buffer::WlBuffer, ()> for Sim {
    fn event(
        sim: &mut Self,
        released: &wl_buffer::WlBuffer,
        event: wl_buffer::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let wl_buffer::Event::Release = event
            && let Some(buffer) = sim
                .window
                .buffers
                .iter_mut()
                .find(|buffer| &buffer.buffer == released)
        {
            buffer.busy = false;
        }
    }
}

impl Dispatch<wl_registry::WlRegistry, GlobalListContents> for Sim {
    fn event(
        _: &mut Self,
        _: &wl_registry::WlRegistry,
        _: wl_registry::Event,
        _: &GlobalListContents,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<wl_touch::WlTouch, ()> for Sim {
    fn event(
        sim: &mut Self,
        _: &wl_touch::WlTouch,
        event: wl_touch::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let wl_touch::Event::Down { x, y, .. } = event {
            sim.touched(x, y);
        }
    }
}

wayland_client::delegate_noop!(Sim: ignore wl_seat::WlSeat);
wayland_client::delegate_noop!(Sim: ignore wl_compositor::WlCompositor);
wayland_client::delegate_noop!(Sim: ignore wl_surface::WlSurface);
wayland_client::delegate_noop!(Sim: ignore wl_shm::WlShm);
wayland_client::delegate_noop!(Sim: ignore wl_shm_pool::WlShmPool);
