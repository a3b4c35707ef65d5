//! wlr-screencopy at the protocol level, for what grim does not exercise: `copy_with_damage`
//! (waits for a change, reports where), the flags, and the errors for misused frames.

mod common;

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;

use common::Compositor;
use common::client::TestClient;
use wayland_client::globals::{GlobalListContents, registry_queue_init};
use wayland_client::protocol::{wl_buffer, wl_output, wl_registry, wl_shm, wl_shm_pool};
use wayland_client::{Connection, Dispatch, EventQueue, QueueHandle, WEnum};
use wayland_protocols_wlr::screencopy::v1::client::{
    zwlr_screencopy_frame_v1 as frame_v1, zwlr_screencopy_manager_v1 as manager_v1,
};

/// What one frame object received.
#[derive(Default, Debug)]
struct FrameEvents {
    buffer: Option<(u32, u32, u32)>,
    buffer_done: bool,
    flags: Option<u32>,
    damage: Vec<(u32, u32, u32, u32)>,
    ready: bool,
    failed: bool,
}

#[derive(Default)]
struct Capturer {
    frame: FrameEvents,
}

struct CaptureClient {
    connection: Connection,
    queue: EventQueue<Capturer>,
    state: Capturer,
    manager: manager_v1::ZwlrScreencopyManagerV1,
    output: wl_output::WlOutput,
    shm: wl_shm::WlShm,
}

impl CaptureClient {
    fn connect(compositor: &Compositor) -> CaptureClient {
        let stream = UnixStream::connect(compositor.runtime_dir().join(&compositor.socket))
            .expect("connect");
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
    fn new_frame(&mut self) -> frame_v1::ZwlrScreencopyFrameV1 {
        self.state.frame = FrameEvents::default();
        let frame = self
            .manager
            .capture_output(0, &self.output, &self.queue.handle(), ());
        while !self.state.frame.buffer_done && !self.state.frame.failed {
            common::client::dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
        frame
    }

    /// An shm buffer of the given size, and the file behind it to read the pixels back.
    fn buffer(&self, width: u32, height: u32) -> (wl_buffer::WlBuffer, std::fs::File) {
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

    fn wait_for_ready(&mut self) {
        while !self.state.frame.ready && !self.state.frame.failed {
            common::client::dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
        assert!(self.state.frame.ready, "the capture failed");
    }
}

fn read_pixel(file: &mut std::fs::File, width: u32, x: u32, y: u32) -> u32 {
    let mut bytes = [0u8; 4];
    file.seek(SeekFrom::Start(((y * width + x) * 4) as u64))
        .expect("seek");
    file.read_exact(&mut bytes).expect("read");
    u32::from_le_bytes(bytes) & 0x00ff_ffff
}

#[test]
fn copy_with_damage_waits_for_a_change_and_reports_it() {
    let compositor = Compositor::headless_with_config(
        &common::trusting_this_test_config(),
        &["--renderer", "pixman", "--output", "320x240"],
    );
    let mut app = TestClient::map_toplevel(&compositor, "org.cowl.Test");
    app.draw(0x0000_00ff);
    app.wait_for_frames(1);

    let mut capture = CaptureClient::connect(&compositor);
    let frame = capture.new_frame();
    assert_eq!(capture.state.frame.buffer, Some((320, 240, 320 * 4)));
    let (buffer, mut file) = capture.buffer(320, 240);
    frame.copy_with_damage(&buffer);
    capture.wait_for_ready();
    // The client's first capture: everything counts as damaged. Offscreen framebuffers are
    // top-down: no y_invert flag.
    assert_eq!(capture.state.frame.damage, vec![(0, 0, 320, 240)]);
    assert_eq!(capture.state.frame.flags, Some(0));
    assert_eq!(read_pixel(&mut file, 320, 10, 10), 0x0000_00ff);
    assert_eq!(read_pixel(&mut file, 320, 319, 239), 0x0000_00ff);

    // The next copy_with_damage is answered only once the screen changed.
    let frame = capture.new_frame();
    frame.copy_with_damage(&buffer);
    capture
        .queue
        .roundtrip(&mut capture.state)
        .expect("roundtrip");
    // A frame is rendered (grim's plain copy forces one), but nothing changed: no answer.
    compositor.capture();
    capture
        .queue
        .roundtrip(&mut capture.state)
        .expect("roundtrip");
    assert!(
        !capture.state.frame.ready,
        "copy_with_damage answered without damage"
    );
    app.draw(0x0000_ff00);
    capture.wait_for_ready();
    assert!(!capture.state.frame.damage.is_empty());
    let covers_all = capture
        .state
        .frame
        .damage
        .iter()
        .any(|&(x, y, w, h)| x == 0 && y == 0 && w == 320 && h == 240);
    assert!(
        covers_all,
        "the redrawn toplevel is damaged: {:?}",
        capture.state.frame.damage
    );
    assert_eq!(read_pixel(&mut file, 320, 100, 100), 0x0000_ff00);
}

#[test]
fn a_buffer_of_the_wrong_size_is_a_protocol_error() {
    let compositor = Compositor::headless_with_config(
        &common::trusting_this_test_config(),
        &["--renderer", "pixman", "--output", "320x240"],
    );
    let mut capture = CaptureClient::connect(&compositor);
    let frame = capture.new_frame();
    let (buffer, _file) = capture.buffer(100, 100);
    frame.copy(&buffer);
    assert!(capture.queue.roundtrip(&mut capture.state).is_err());
    let error = capture
        .connection
        .protocol_error()
        .expect("a protocol error");
    assert_eq!(error.object_interface, "zwlr_screencopy_frame_v1");
    assert_eq!(error.code, frame_v1::Error::InvalidBuffer as u32);
    // The compositor serves other clients on.
    compositor.capture();
}

#[test]
fn a_frame_copied_twice_is_a_protocol_error() {
    let compositor = Compositor::headless_with_config(
        &common::trusting_this_test_config(),
        &["--renderer", "pixman", "--output", "320x240"],
    );
    let mut capture = CaptureClient::connect(&compositor);
    let frame = capture.new_frame();
    let (buffer, _file) = capture.buffer(320, 240);
    frame.copy(&buffer);
    frame.copy(&buffer);
    assert!(capture.queue.roundtrip(&mut capture.state).is_err());
    let error = capture
        .connection
        .protocol_error()
        .expect("a protocol error");
    assert_eq!(error.code, frame_v1::Error::AlreadyUsed as u32);
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
            frame_v1::Event::Ready { .. } => frame.ready = true,
            frame_v1::Event::Failed => frame.failed = true,
            _ => {}
        }
    }
}

impl Dispatch<wl_registry::WlRegistry, GlobalListContents> for Capturer {
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

wayland_client::delegate_noop!(Capturer: ignore manager_v1::ZwlrScreencopyManagerV1);
wayland_client::delegate_noop!(Capturer: ignore wl_output::WlOutput);
wayland_client::delegate_noop!(Capturer: ignore wl_shm::WlShm);
wayland_client::delegate_noop!(Capturer: ignore wl_shm_pool::WlShmPool);
wayland_client::delegate_noop!(Capturer: ignore wl_buffer::WlBuffer);
