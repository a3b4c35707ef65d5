//! The head unit's backend: Cowl drives the displays (DRM/KMS) and the touchscreens and keys
//! (libinput) itself, inside a seat session that seatd or logind grants through libseat.
//!
//! - **Displays.** udev names the seat's display controller (`--drm-device`, else the primary
//!   GPU); every connected connector becomes an output named like the kernel's connector
//!   (`DSI-1`, `HDMI-A-1`, `Virtual-1`), in the mode the configuration asks for or the panel's
//!   preferred one, with its configured transform, scale and layout. udev's change events
//!   rescan the connectors: an unplugged display's output goes away, a replugged one comes
//!   back with its configuration. A removed controller (driver unbound or reloaded) takes
//!   its outputs with it and is let go at once; the next controller to appear on the seat is
//!   taken in its place, with the same renderer. A seat without a controller at start (its
//!   driver not loaded yet) is no error: Cowl comes up without displays (ready at once) and
//!   takes the first one that appears; one that appears while the session is paused is
//!   taken at resume.
//! - **Frames.** smithay's `DrmCompositor` per CRTC: atomic modesetting where the driver has
//!   it, damage-tracked rendering into a swapchain, and direct scanout of a client buffer that
//!   covers the screen when the plane accepts it. GLES renders into GBM buffers; where GL is
//!   unusable (or `--renderer pixman`), Pixman renders into dumb buffers. A frame is drawn
//!   when something changed and no flip is in flight; the page flip's vblank event carries
//!   the kernel's timestamp, which presentation feedback passes on to clients. A controller
//!   without vblank interrupts completes flips at once: there Cowl waits for the next
//!   refresh on its own clock, so that frames never come faster than the display's rate.
//!   Where the commit cannot carry a fence, it waits for the rendering; a refused flip is
//!   retried with the frame drawn whole.
//! - **Captures.** Screencopy and screenshots need the composed picture, which direct scanout
//!   never draws: while one is waiting, the frame is also composed offscreen and read there.
//! - **Session.** When the session is paused (VT switch, seatd handing the seat to someone
//!   else), the DRM device and libinput are released; on resume they are taken back, the
//!   CRTCs are reset and every output is drawn anew. Outputs and windows stay as they were.
//! - **Input.** libinput takes the seat's devices once the first frame is out (start-up
//!   puts the screens first). Touchscreens are mapped to an output by the configuration's
//!   `[[touchscreens]]`, else by udev's `WL_OUTPUT` property, else to the first output; a
//!   configured calibration matrix is applied when the device appears.

mod capture;
mod device;
mod frames;
mod input;
mod outputs;
mod session;

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use smithay::backend::allocator::dmabuf::Dmabuf;
use smithay::backend::libinput::{LibinputInputBackend, LibinputSessionInterface};
use smithay::backend::session::libseat::LibSeatSession;
use smithay::backend::session::{Event as SessionEvent, Session};
use smithay::backend::udev::UdevBackend;
use smithay::output::Output;
use smithay::reexports::calloop::{LoopHandle, RegistrationToken};
use smithay::reexports::drm::control::crtc;
use smithay::reexports::input::Libinput;
use tracing::{info, warn};

use crate::backend::{Backend, advertise_dmabuf, import_dmabuf_into};
use crate::cli::{Cli, RendererChoice};
use crate::state::State;
use device::Gpu;
use device::GpuRenderer;
use device::open_gpu;
use device::seat_gpu;
use device::watch_vblanks;
use frames::schedule_render;
use outputs::DrmOutput;

pub struct DrmBackend {
    session: LibSeatSession,
    libinput: Libinput,
    /// libinput has the seat's devices (`drm_take_input_devices`): not before the first
    /// frame, nor while the session was paused then.
    input_taken: bool,
    /// The session is ours (not paused by a VT switch).
    active: bool,
    /// The display controller; none once it went away (its driver unbound or reloaded),
    /// until the next one to appear on the seat is taken in its place. It is let go at
    /// once: while its file stays open the kernel keeps its device number and connector
    /// names, and the controller that comes back would get new ones (card1, Virtual-3).
    gpu: Option<Gpu>,
    /// The renderer asked for on the command line, for a controller taken later.
    renderer_choice: RendererChoice,
    /// The controller's page-flip events in the event loop.
    vblank_source: Option<RegistrationToken>,
    outputs: Vec<DrmOutput>,
    /// Touchscreens (libinput sysname) and the output each one lies on.
    input_outputs: HashMap<String, String>,
}

pub fn init(state: &mut State, cli: &Cli) -> Result<()> {
    let (mut session, session_events) = LibSeatSession::new().map_err(|err| {
        anyhow!(
            "could not open a seat session ({err}); the drm backend needs seatd or logind \
             (is seatd running, and may this user use its socket?)"
        )
    })?;
    let seat = session.seat();
    info!(seat, "seat session opened");
    state.startup.reached("seat");

    // A named device must open; the seat's own may not be there yet (its driver still
    // loading at boot, or failed): Cowl comes up without displays and takes the controller
    // when udev announces it, rather than leave the car without its shell.
    let path = cli.drm_device.clone().or_else(|| seat_gpu(&seat));
    let loop_handle = state.loop_handle.clone();
    let mut gpu = None;
    let mut vblank_source = None;
    match &path {
        Some(path) => {
            let (opened, vblanks) = open_gpu(&mut session, path, cli.renderer)?;
            info!(
                device = %path.display(),
                renderer = opened.renderer.name(),
                "display controller opened"
            );
            vblank_source = Some(watch_vblanks(&loop_handle, vblanks)?);
            gpu = Some(opened);
        }
        None => warn!(
            "seat {seat} has no display controller (/dev/dri/card*) yet; it is taken when \
             it appears"
        ),
    }
    state.startup.reached("display-controller");
    // The seat's devices are taken once the first frame is out (`drm_take_input_devices`).
    let libinput =
        Libinput::new_with_udev::<LibinputSessionInterface<LibSeatSession>>(session.clone().into());

    let dmabuf_formats = gpu
        .as_ref()
        .map(|gpu| (gpu.dmabuf_formats(), gpu.main_device()));
    state.backend = Backend::Drm(Box::new(DrmBackend {
        session,
        libinput: libinput.clone(),
        input_taken: false,
        active: true,
        gpu,
        renderer_choice: cli.renderer,
        vblank_source,
        outputs: Vec::new(),
        input_outputs: HashMap::new(),
    }));
    if let Some((formats, main_device)) = dmabuf_formats {
        advertise_dmabuf(state, formats, main_device);
    }

    loop_handle
        .insert_source(
            LibinputInputBackend::new(libinput.clone()),
            |event, _, state| state.drm_input_event(event),
        )
        .map_err(|err| anyhow!("could not watch input devices: {err}"))?;
    loop_handle
        .insert_source(session_events, |event, _, state| match event {
            SessionEvent::PauseSession => state.drm_session_paused(),
            SessionEvent::ActivateSession => state.drm_session_resumed(),
        })
        .map_err(|err| anyhow!("could not watch the seat session: {err}"))?;
    let udev = UdevBackend::new(&seat).context("could not watch udev for display changes")?;
    loop_handle
        .insert_source(udev, |event, _, state| state.drm_udev_event(event))
        .map_err(|err| anyhow!("could not watch udev: {err}"))?;

    state.drm_scan_connectors();
    if state.space.outputs().next().is_none() {
        warn!("no display is connected; outputs appear when one is plugged in");
    }
    Ok(())
}

/// The display on `crtc`, where the backend is DRM and drives one there.
fn output_on(backend: &mut Backend, crtc: crtc::Handle) -> Option<&mut DrmOutput> {
    let Backend::Drm(drm) = backend else {
        return None;
    };
    drm.outputs.iter_mut().find(|o| o.crtc == crtc)
}

/// The display controller and its display on `crtc`, to draw into it.
fn gpu_and_output_on(
    backend: &mut Backend,
    crtc: crtc::Handle,
) -> Option<(&mut Gpu, &mut DrmOutput)> {
    let Backend::Drm(drm) = backend else {
        return None;
    };
    let DrmBackend { gpu, outputs, .. } = &mut **drm;
    Some((gpu.as_mut()?, outputs.iter_mut().find(|o| o.crtc == crtc)?))
}

impl DrmBackend {
    pub fn queue_redraw(
        &mut self,
        output: &Output,
        loop_handle: &LoopHandle<'static, State>,
        now: Duration,
    ) {
        let Some(drm_output) = self.outputs.iter_mut().find(|o| &o.output == output) else {
            return;
        };
        if !self.active || drm_output.flip_pending || drm_output.scheduled.is_some() {
            drm_output.redraw_wanted = true;
            return;
        }
        // With vblank interrupts the flip event paces frames: draw now, and the flip lands
        // at the next vblank. Without, a flip completes at once, so a frame drawn now would
        // be shown now: wait for the next refresh on the grid, or clients animating would
        // be driven as fast as Cowl can draw, not at the display's rate.
        let wait = if drm_output.hardware_vblank {
            Duration::ZERO
        } else {
            drm_output
                .frame_clock
                .next_presentation_time(now)
                .saturating_sub(now)
        };
        drm_output.scheduled = schedule_render(loop_handle, drm_output.crtc, wait);
    }

    pub fn change_vt(&mut self, vt: i32) {
        info!(vt, "switching virtual terminal");
        if let Err(err) = self.session.change_vt(vt) {
            warn!(vt, "could not switch virtual terminal: {err}");
        }
    }

    pub fn output_of_input_device(&self, device_id: &str) -> Option<String> {
        self.input_outputs.get(device_id).cloned()
    }

    pub fn import_dmabuf(&mut self, dmabuf: &Dmabuf) -> bool {
        let Some(gpu) = &mut self.gpu else {
            return false;
        };
        let imported = match &mut gpu.renderer {
            GpuRenderer::Gles { renderer, .. } => import_dmabuf_into(renderer.as_mut(), dmabuf),
            GpuRenderer::Pixman(renderer) => import_dmabuf_into(renderer.as_mut(), dmabuf),
        };
        // The buffer is known to work on this GPU: the scanout's framebuffer exporter only
        // considers buffers tagged with its node for direct scanout (smithay leaves client
        // buffers untagged), so without this no client buffer would ever be scanned out.
        if imported {
            dmabuf.set_node(gpu.node);
        }
        imported
    }
}
