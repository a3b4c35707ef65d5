//! A wlr-screencopy client at the protocol level, for what grim does not give: captures
//! answered only when the screen changed (`copy_with_damage`), the damage and flags, the
//! presentation time of the captured frame (`ready`'s timestamp, CLOCK_MONOTONIC), and the
//! protocol errors of misused frames. It connects to the compositor's trusted socket.

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use wayland_client::globals::{GlobalListContents, registry_queue_init};
use wayland_client::protocol::{wl_buffer, wl_output, wl_registry, wl_shm, wl_shm_pool};
use wayland_client::{Connection, Dispatch, EventQueue, QueueHandle, WEnum};
use wayland_protocols_wlr::screencopy::v1::client::{
    zwlr_screencopy_frame_v1 as frame_v1, zwlr_screencopy_manager_v1 as manager_v1,
};

use super::Compositor;

/// What one frame object received.
#[derive(Default, Debug)]
pub struct FrameEvents {
    pub buffer: Option<(u32, u32, u32)>,
    pub buffer_done: bool,
    pub flags: Option<u32>,
    pub damage: Vec<(u32, u32, u32, u32)>,
    /// The presentation time of the captured frame, once it is ready.
    pub ready: Option<Duration>,
    pub failed: bool,
}

#[derive(Default)]
pub struct Capturer {
    pub frame: FrameEvents,
}

pub struct CaptureClient {
    pub connection: Connection,
    pub queue: EventQueue<Capturer>,
    pub state: Capturer,
    manager: manager_v1::ZwlrScreencopyManagerV1,
    output: wl_output::WlOutput,
    shm: wl_shm::WlShm,
}

impl CaptureClient {
    pub fn connect(compositor: &Compositor) -> CaptureClient {
        let stream = UnixStream::connect(compositor.trusted_socket_path()).expect("connect");
        let connection = Connection::from_socket(stream).expect("connection");
        let (globals, queue) = registry_queue_init::<Capturer>(&connection).expect("registry");
        let handle = queue.handle();
        let manager = globals.bind(&handle, 3..=3, ()).expect("screencopy v3");
        let output = globals.bind(&handle, 1..=4, ()).expect("wl_output");
        let shm = globals.bind(&handle, 1..=1, ()).expect("wl_shm");
        CaptureClient {
            connection,
            queue,
            state: Capturer::default(),
            manager,
            output,
            shm,
        }
    }

    /// Asks for a frame of the whole output and waits for its buffer description.
    pub fn new_frame(&mut self) -> frame_v1::ZwlrScreencopyFrameV1 {
        self.state.frame = FrameEvents::default();
        let frame = self
            .manager
            .capture_output(0, &self.output, &self.queue.handle(), ());
        while !self.state.frame.buffer_done && !self.state.frame.failed {
            super::client::dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
        frame
    }

    /// An shm buffer of the given size, and the file behind it to read the pixels back.
    pub fn buffer(&self, width: u32, height: u32) -> (wl_buffer::WlBuffer, std::fs::File) {
        let stride = width * 4;
        let mut file = tempfile::tempfile().expect("shm file");
        file.write_all(&vec![0x55; (stride * height) as usize])
            .expect("fill");
        let handle = self.queue.handle();
        let pool = self
            .shm
            .create_pool(file.as_fd(), (stride * height) as i32, &handle, ());
        let buffer = pool.create_buffer(
            0,
            width as i32,
            height as i32,
            stride as i32,
            wl_shm::Format::Xrgb8888,
            &handle,
            (),
        );
        pool.destroy();
        (buffer, file)
    }

    /// Waits for the frame's `ready` and returns its presentation time.
    pub fn wait_for_ready(&mut self) -> Duration {
        while self.state.frame.ready.is_none() && !self.state.frame.failed {
            super::client::dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
        self.state.frame.ready.expect("the capture failed")
    }
}

/// A pixel of the whole-output capture in `file` (`width` pixels a row) to watch, and the
/// test of its colour (0xRRGGBB) that is waited for.
pub struct Probe<'a> {
    pub file: &'a mut std::fs::File,
    pub width: u32,
    pub at: (u32, u32),
    pub shows: &'a dyn Fn(u32) -> bool,
}

impl CaptureClient {
    /// Asks for the next frame that changes the screen, into `buffer`: armed now, so that a
    /// change made after this call is seen in the first frame that shows it.
    pub fn arm(&mut self, buffer: &wl_buffer::WlBuffer) -> frame_v1::ZwlrScreencopyFrameV1 {
        let frame = self.new_frame();
        frame.copy_with_damage(buffer);
        // Sent now, not with the next dispatch: a change made meanwhile (a CAN frame over
        // D-Bus) could otherwise be drawn before cowl hears of the capture, and only the
        // frame after it would be seen.
        self.queue.flush().expect("send the capture request");
        frame
    }

    /// Waits for an armed frame; its presentation time.
    pub fn presented(&mut self, frame: frame_v1::ZwlrScreencopyFrameV1) -> Duration {
        let presented = self.wait_for_ready();
        frame.destroy();
        presented
    }

    /// From the `armed` frame on, captures every presented frame until the probe's pixel
    /// shows what it waits for; that frame's presentation time.
    pub fn first_presented_where(
        &mut self,
        armed: frame_v1::ZwlrScreencopyFrameV1,
        buffer: &wl_buffer::WlBuffer,
        probe: Probe<'_>,
    ) -> Duration {
        let mut frame = armed;
        loop {
            let presented = self.presented(frame);
            let (x, y) = probe.at;
            if (probe.shows)(read_pixel(probe.file, probe.width, x, y)) {
                return presented;
            }
            frame = self.arm(buffer);
        }
    }
}

/// One pixel of an XRGB8888 capture of `width` pixels a row, as 0xRRGGBB.
pub fn read_pixel(file: &mut std::fs::File, width: u32, x: u32, y: u32) -> u32 {
    let mut bytes = [0u8; 4];
    file.seek(SeekFrom::Start(((y * width + x) * 4) as u64))
        .expect("seek");
    file.read_exact(&mut bytes).expect("read");
    u32::from_le_bytes(bytes) & 0x00ff_ffff
}

impl Dispatch<frame_v1::ZwlrScreencopyFrameV1, ()> for Capturer {
    fn event(
        state: &mut Self,
        _: &frame_v1::ZwlrScreencopyFrameV1,
        event: frame_v1::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        let frame = &mut state.frame;
        match event {
            frame_v1::Event::Buffer {
                width,
                height,
                stride,
                ..
            } => frame.buffer = Some((width, height, stride)),
            frame_v1::Event::BufferDone => frame.buffer_done = true,
            frame_v1::Event::Flags { flags } => {
                frame.flags = Some(match flags {
                    WEnum::Value(flags) => flags.bits(),
                    WEnum::Unknown(bits) => bits,
                })
            }
            frame_v1::Event::Damage {
                x,
                y,
                width,
                height,
            } => frame.damage.push((x, y, width, height)),
            frame_v1::Event::Ready {
                tv_sec_hi,
                tv_sec_lo,
                tv_nsec,
            } => {
                let seconds = (u64::from(tv_sec_hi) << 32) | u64::from(tv_sec_lo);
                frame.ready = Some(Duration::new(seconds, tv_nsec));
            }
            frame_v1::Event::Failed => frame.failed = true,
            _ => {}
        }
    }
}

wayland_client::delegate_noop!(Capturer: ignore manager_v1::ZwlrScreencopyManagerV1);
wayland_client::delegate_noop!(Capturer: ignore wl_output::WlOutput);
wayland_client::delegate_noop!(Capturer: ignore wl_shm::WlShm);
wayland_client::delegate_noop!(Capturer: ignore wl_shm_pool::WlShmPool);
wayland_client::delegate_noop!(Capturer: ignore wl_buffer::WlBuffer);

wayland_client::delegate_dispatch!(Capturer: [wl_registry::WlRegistry: GlobalListContents] => cowl_testkit::wayland::Globals);
