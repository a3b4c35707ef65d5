//! The DRM VM's dmabuf client side: what linux-dmabuf's default feedback tells a client, and
//! a buffer of the kind a display can scan out as it is, a dumb buffer of the display
//! controller filled by the CPU and shared through PRIME, attached to a `TestClient`'s
//! surface.

use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;
use std::sync::{Arc, Mutex};

use drm::buffer::{Buffer, DrmFourcc};
use drm::control::Device as _;
use wayland_client::protocol::wl_buffer;
use wayland_client::{Connection, Dispatch, QueueHandle};
use wayland_protocols::wp::linux_dmabuf::zv1::client::{
    zwp_linux_buffer_params_v1, zwp_linux_dmabuf_feedback_v1, zwp_linux_dmabuf_v1,
};

use crate::common::client::{ClientState, TestClient, dispatch_before_deadline};

/// A display controller opened as any client may: no DRM master, only dumb buffers.
struct Card(File);

impl AsFd for Card {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl drm::Device for Card {}
impl drm::control::Device for Card {}

/// What the default feedback said, once its `done` came.
#[derive(Default)]
struct FeedbackSeen {
    main_device: Option<u64>,
    done: bool,
}

/// The linux-dmabuf global: its version, and the main device its default feedback names
/// (from version 4; None before).
pub fn dmabuf_main_device(client: &mut TestClient) -> (u32, Option<u64>) {
    let version = client
        .globals()
        .contents()
        .with_list(|list| {
            list.iter()
                .find(|global| global.interface == "zwp_linux_dmabuf_v1")
                .map(|global| global.version)
        })
        .expect("Cowl offers no linux-dmabuf");
    if version < 4 {
        return (version, None);
    }
    let handle = client.queue.handle();
    let dmabuf: zwp_linux_dmabuf_v1::ZwpLinuxDmabufV1 = client
        .globals()
        .bind(&handle, 4..=5, ())
        .expect("zwp_linux_dmabuf_v1");
    let seen = Arc::new(Mutex::new(FeedbackSeen::default()));
    let feedback = dmabuf.get_default_feedback(&handle, seen.clone());
    while !seen.lock().expect("feedback").done {
        dispatch_before_deadline(&mut client.queue, &mut client.state);
    }
    feedback.destroy();
    let main_device = seen.lock().expect("feedback").main_device;
    (version, main_device)
}

/// A `width`x`height` XRGB8888 buffer in one colour (0xRRGGBB): a dumb buffer of `card`,
/// handed to Cowl as a linear dmabuf. Panics where Cowl refuses it.
pub fn dumb_dmabuf(
    client: &mut TestClient,
    card: &Path,
    width: u32,
    height: u32,
    colour: u32,
) -> wl_buffer::WlBuffer {
    let file = File::options()
        .read(true)
        .write(true)
        .open(card)
        .unwrap_or_else(|err| panic!("open {}: {err}", card.display()));
    let card = Card(file);
    let mut dumb = card
        .create_dumb_buffer((width, height), DrmFourcc::Xrgb8888, 32)
        .expect("a dumb buffer");
    let pitch = dumb.pitch();
    {
        let mut mapping = card
            .map_dumb_buffer(&mut dumb)
            .expect("map the dumb buffer");
        let pixels: &mut [u8] = mapping.as_mut();
        for row in pixels.chunks_mut(pitch as usize).take(height as usize) {
            for pixel in row[..width as usize * 4].chunks_mut(4) {
                pixel.copy_from_slice(&colour.to_le_bytes());
            }
        }
    }
    let fd = card
        .buffer_to_prime_fd(dumb.handle(), drm::CLOEXEC | drm::RDWR)
        .expect("share the dumb buffer through PRIME");

    let handle = client.queue.handle();
    let dmabuf: zwp_linux_dmabuf_v1::ZwpLinuxDmabufV1 = client
        .globals()
        .bind(&handle, 3..=5, ())
        .expect("zwp_linux_dmabuf_v1");
    let params = dmabuf.create_params(&handle, ());
    // Linear: the modifier 0 (DRM_FORMAT_MOD_LINEAR), high and low halves.
    params.add(fd.as_fd(), 0, 0, pitch, 0, 0);
    let buffer = params.create_immed(
        width as i32,
        height as i32,
        DrmFourcc::Xrgb8888 as u32,
        zwp_linux_buffer_params_v1::Flags::empty(),
        &handle,
        (),
    );
    params.destroy();
    // A refused buffer kills the connection (create_immed's failure is a protocol error):
    // the roundtrip fails then.
    client
        .queue
        .roundtrip(&mut client.state)
        .expect("Cowl refused the dmabuf");
    // The dumb buffer stays alive in the kernel as long as the dmabuf does; the card's file
    // and its handle may go.
    buffer
}

impl Dispatch<zwp_linux_dmabuf_feedback_v1::ZwpLinuxDmabufFeedbackV1, Arc<Mutex<FeedbackSeen>>>
    for ClientState
{
    fn event(
        _: &mut Self,
        _: &zwp_linux_dmabuf_feedback_v1::ZwpLinuxDmabufFeedbackV1,
        event: zwp_linux_dmabuf_feedback_v1::Event,
        seen: &Arc<Mutex<FeedbackSeen>>,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        let mut seen = seen.lock().expect("feedback");
        match event {
            zwp_linux_dmabuf_feedback_v1::Event::MainDevice { device } => {
                let bytes: [u8; 8] = device.try_into().expect("a dev_t is 8 bytes");
                seen.main_device = Some(u64::from_ne_bytes(bytes));
            }
            zwp_linux_dmabuf_feedback_v1::Event::Done => seen.done = true,
            _ => {}
        }
    }
}

wayland_client::delegate_noop!(ClientState: ignore zwp_linux_dmabuf_v1::ZwpLinuxDmabufV1);
wayland_client::delegate_noop!(ClientState: ignore zwp_linux_buffer_params_v1::ZwpLinuxBufferParamsV1);
