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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use smithay::backend::allocator::Fourcc;
use smithay::backend::allocator::dmabuf::Dmabuf;
use smithay::backend::allocator::dumb::DumbAllocator;
use smithay::backend::allocator::gbm::{GbmAllocator, GbmBufferFlags, GbmDevice};
use smithay::backend::drm::compositor::{DrmCompositor, FrameFlags, PrimaryPlaneElement};
use smithay::backend::drm::exporter::gbm::GbmFramebufferExporter;
use smithay::backend::drm::{
    DrmDevice, DrmDeviceFd, DrmDeviceNotifier, DrmEvent, DrmEventMetadata, DrmEventTime, DrmNode,
    DrmSurface, NodeType,
};
use smithay::backend::egl::{EGLContext, EGLDisplay};
use smithay::backend::input::{Device as _, InputEvent};
use smithay::backend::libinput::{LibinputInputBackend, LibinputSessionInterface};
use smithay::backend::renderer::damage::OutputDamageTracker;
use smithay::backend::renderer::element::RenderElementStates;
use smithay::backend::renderer::gles::GlesRenderer;
use smithay::backend::renderer::pixman::PixmanRenderer;
use smithay::backend::renderer::{Bind, ImportDma, Offscreen};
use smithay::backend::session::libseat::LibSeatSession;
use smithay::backend::session::{Event as SessionEvent, Session};
use smithay::backend::udev::{UdevBackend, UdevEvent, all_gpus, primary_gpu};
use smithay::desktop::utils::OutputPresentationFeedback;
use smithay::output::Output;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::reexports::calloop::{LoopHandle, RegistrationToken};
use smithay::reexports::drm::control::{Device as _, ModeTypeFlags, connector, crtc};
use smithay::reexports::input::Libinput;
use smithay::reexports::rustix::fs::OFlags;
use smithay::reexports::wayland_protocols::wp::presentation_time::server::wp_presentation_feedback;
use smithay::utils::{DeviceFd, Physical, Size, Transform};
use tracing::{debug, error, info, warn};

use crate::backend::frame_clock::FrameClock;
use crate::backend::headless::{Framebuffer, render_offscreen};
use crate::backend::mapped_scanout::{MappedScanout, shares_buffers};
use crate::backend::{
    Backend, add_output, advertise_dmabuf, dmabuf_feedback, import_dmabuf_into, remove_output,
};
use crate::cli::{Cli, RendererChoice};
use crate::config::ModeRequest;
use crate::render::{FrameJob, FrameOutcome, clear_colour, frame_elements};
use crate::state::State;

/// Formats of the scanout swapchain, best first; every KMS driver scans out XRGB8888.
const SCANOUT_FORMATS: [Fourcc; 2] = [Fourcc::Xrgb8888, Fourcc::Argb8888];

type GbmScanout =
    DrmCompositor<GbmAllocator<DrmDeviceFd>, GbmFramebufferExporter<DrmDeviceFd>, (), DrmDeviceFd>;
type DumbScanout = DrmCompositor<DumbAllocator, DrmDeviceFd, (), DrmDeviceFd>;

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

/// The display controller and the renderer that draws for it.
struct Gpu {
    node: DrmNode,
    path: PathBuf,
    drm: DrmDevice,
    fd: DrmDeviceFd,
    renderer: GpuRenderer,
    /// The controller hands out its buffers as dmabufs (PRIME export); without that, Pixman
    /// draws into mapped buffers of its own (`MappedScanout`).
    shares_buffers: bool,
}

enum GpuRenderer {
    Gles {
        renderer: Box<GlesRenderer>,
        gbm: GbmDevice<DrmDeviceFd>,
    },
    Pixman(Box<PixmanRenderer>),
}

/// What scans out one CRTC, of the renderer's kind.
enum Scanout {
    Gbm(Box<GbmScanout>),
    Dumb(Box<DumbScanout>),
    /// Pixman on a controller that shares no buffers.
    Mapped(Box<MappedScanout>),
}

struct DrmOutput {
    output: Output,
    connector: connector::Handle,
    crtc: crtc::Handle,
    scanout: Scanout,
    frame_clock: FrameClock,
    /// The controller counts this CRTC's vblanks (a flip's event carried a nonzero
    /// sequence): its flips complete at a vblank, which paces the frames. Where it does not
    /// (virtio-gpu, bochs, simple panel drivers), the kernel completes a flip the moment it
    /// is committed, and Cowl keeps frames on the refresh grid itself.
    hardware_vblank: bool,
    /// A page flip was queued and its vblank has not come yet.
    flip_pending: bool,
    /// The last frame put a client's buffer on the primary plane instead of composing.
    direct_scanout: bool,
    /// Something changed while a flip or a render was pending: draw once it is done.
    redraw_wanted: bool,
    /// The render (or the empty frame's callbacks) already scheduled.
    scheduled: Option<RegistrationToken>,
    /// The presentation feedback of the frame in flight, sent at its vblank. Dropped unsent
    /// (the clients hear "discarded") when the flip is abandoned.
    feedback_in_flight: Option<OutputPresentationFeedback>,
    /// Where captures of this output are composed, made at the first capture.
    capture: Option<CaptureTarget>,
}

struct CaptureTarget {
    damage_tracker: OutputDamageTracker,
    framebuffer: Framebuffer,
    size: Size<i32, Physical>,
    drawn: bool,
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

/// Lets a removed display controller go: its renderer and device, then the seat's hold on
/// it (seatd keeps a file of every device it opened for us until we close it).
fn release_gpu(session: &mut LibSeatSession, gpu: Gpu) {
    let device = gpu.fd.device_fd();
    drop(gpu);
    let owned: Result<std::os::fd::OwnedFd, _> = device.try_into();
    match owned {
        Ok(fd) => {
            if let Err(err) = session.close(fd) {
                warn!("the seat could not close the removed display controller: {err}");
            }
        }
        Err(_) => warn!(
            "the removed display controller is still in use; the seat keeps it open, and its \
             successor will get new device and connector names"
        ),
    }
}

/// The seat's display controller: the primary GPU (the boot VGA device), else the first.
fn seat_gpu(seat: &str) -> Option<PathBuf> {
    primary_gpu(seat)
        .ok()
        .flatten()
        .or_else(|| all_gpus(seat).ok()?.into_iter().next())
}

fn is_primary_node(path: &Path) -> bool {
    DrmNode::from_path(path).is_ok_and(|node| node.ty() == NodeType::Primary)
}

fn watch_vblanks(
    loop_handle: &LoopHandle<'static, State>,
    vblanks: DrmDeviceNotifier,
) -> Result<RegistrationToken> {
    loop_handle
        .insert_source(vblanks, |event, metadata, state| match event {
            DrmEvent::VBlank(crtc) => state.drm_vblank(crtc, metadata.as_ref()),
            DrmEvent::Error(err) => error!("the display controller reported: {err}"),
        })
        .map_err(|err| anyhow!("could not watch page flips: {err}"))
}

/// Opens the display controller through the session, with GLES on GBM or Pixman on dumb
/// buffers, and watches its vblank events.
fn open_gpu(
    session: &mut LibSeatSession,
    path: &Path,
    choice: RendererChoice,
) -> Result<(Gpu, DrmDeviceNotifier)> {
    let fd = session
        .open(
            path,
            OFlags::RDWR | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK,
        )
        .map_err(|err| anyhow!("could not open {} through the seat: {err}", path.display()))?;
    let fd = DrmDeviceFd::new(DeviceFd::from(fd));
    let node = DrmNode::from_file(&fd)
        .map_err(|err| anyhow!("{} is not a DRM device: {err}", path.display()))?;
    let (drm, notifier) = DrmDevice::new(fd.clone(), true)
        .map_err(|err| anyhow!("could not take {} for modesetting: {err}", path.display()))?;
    let shares_buffers = shares_buffers(&fd);
    let renderer = match choice {
        RendererChoice::Pixman => GpuRenderer::pixman()?,
        RendererChoice::Gles if !shares_buffers => {
            warn!(
                "{} cannot share its buffers (no PRIME export), which GLES through GBM needs; \
                 using pixman",
                path.display()
            );
            GpuRenderer::pixman()?
        }
        RendererChoice::Gles => match GpuRenderer::gles(&fd) {
            Ok(renderer) => renderer,
            Err(err) => {
                warn!(
                    "GLES is unusable on {} ({err:#}); using pixman",
                    path.display()
                );
                GpuRenderer::pixman()?
            }
        },
    };
    let gpu = Gpu {
        node,
        path: path.to_path_buf(),
        drm,
        fd,
        renderer,
        shares_buffers,
    };
    Ok((gpu, notifier))
}

impl Gpu {
    /// The device clients should draw their buffers on, told them in linux-dmabuf's
    /// feedback: this GPU's render node (its primary node where it has none). None with
    /// Pixman: that renderer was chosen because, or as if, the GPU's GL were unusable.
    fn main_device(&self) -> Option<DrmNode> {
        match self.renderer {
            GpuRenderer::Gles { .. } => Some(
                self.node
                    .node_with_type(NodeType::Render)
                    .and_then(Result::ok)
                    .unwrap_or(self.node),
            ),
            GpuRenderer::Pixman(_) => None,
        }
    }

    /// What its renderer can import from clients (linux-dmabuf's formats).
    fn dmabuf_formats(&self) -> smithay::backend::allocator::format::FormatSet {
        match &self.renderer {
            GpuRenderer::Gles { renderer, .. } => renderer.dmabuf_formats(),
            GpuRenderer::Pixman(renderer) => renderer.dmabuf_formats(),
        }
    }
}

impl GpuRenderer {
    fn gles(fd: &DrmDeviceFd) -> Result<GpuRenderer> {
        let gbm = GbmDevice::new(fd.clone()).context("GBM")?;
        // SAFETY: the GBM device lives in the renderer's struct as long as the display.
        let display = unsafe { EGLDisplay::new(gbm.clone()) }.context("EGL display on GBM")?;
        let context = EGLContext::new(&display).context("EGL context")?;
        // SAFETY: the context is fresh and only used by this renderer, on this thread.
        let renderer = unsafe { GlesRenderer::new(context) }.context("GLES renderer")?;
        Ok(GpuRenderer::Gles {
            renderer: Box::new(renderer),
            gbm,
        })
    }

    fn pixman() -> Result<GpuRenderer> {
        let renderer = PixmanRenderer::new().map_err(|err| anyhow!("pixman: {err:?}"))?;
        Ok(GpuRenderer::Pixman(Box::new(renderer)))
    }

    fn name(&self) -> &'static str {
        match self {
            GpuRenderer::Gles { .. } => "gles",
            GpuRenderer::Pixman(_) => "pixman",
        }
    }
}

/// Runs the same code on either kind of scanout, with its renderer: the two compositors
/// differ only in their buffer types.
macro_rules! with_scanout {
    ($gpu_renderer:expr, $scanout:expr, |$renderer:ident, $compositor:ident| $body:expr) => {
        match ($gpu_renderer, $scanout) {
            (GpuRenderer::Gles { renderer, .. }, Scanout::Gbm(compositor)) => {
                let $renderer = renderer.as_mut();
                let $compositor = compositor.as_mut();
                $body
            }
            (GpuRenderer::Pixman(renderer), Scanout::Dumb(compositor)) => {
                let $renderer = renderer.as_mut();
                let $compositor = compositor.as_mut();
                $body
            }
            _ => Err("the renderer and the scanout buffers are of different kinds".to_string()),
        }
    };
}

impl Scanout {
    /// A compositor for `surface`, its swapchain from the renderer's kind of buffers.
    fn new(gpu: &Gpu, surface: DrmSurface, output: &Output) -> Result<Scanout> {
        let cursor_size = gpu.drm.cursor_size();
        match &gpu.renderer {
            GpuRenderer::Gles { renderer, gbm } => {
                let allocator = GbmAllocator::new(
                    gbm.clone(),
                    GbmBufferFlags::RENDERING | GbmBufferFlags::SCANOUT,
                );
                // Client buffers from this GPU may be scanned out directly.
                let exporter = GbmFramebufferExporter::new(gbm.clone(), Some(gpu.node));
                let render_formats = renderer.egl_context().dmabuf_render_formats().clone();
                let compositor = DrmCompositor::new(
                    output,
                    surface,
                    None,
                    allocator,
                    exporter,
                    SCANOUT_FORMATS,
                    render_formats,
                    cursor_size,
                    Some(gbm.clone()),
                )
                .map_err(|err| anyhow!("{err}"))?;
                Ok(Scanout::Gbm(Box::new(compositor)))
            }
            GpuRenderer::Pixman(_) if !gpu.shares_buffers => {
                info!("the display controller shares no buffers: Pixman draws into them mapped");
                MappedScanout::new(&gpu.fd, surface, output)
                    .map(|scanout| Scanout::Mapped(Box::new(scanout)))
                    .map_err(|err| anyhow!("{err}"))
            }
            GpuRenderer::Pixman(renderer) => {
                let allocator = DumbAllocator::new(gpu.fd.clone());
                let render_formats =
                    Bind::<Dmabuf>::supported_formats(renderer.as_ref()).unwrap_or_default();
                let compositor = DrmCompositor::new(
                    output,
                    surface,
                    None,
                    allocator,
                    gpu.fd.clone(),
                    SCANOUT_FORMATS,
                    render_formats,
                    cursor_size,
                    None,
                )
                .map_err(|err| anyhow!("{err}"))?;
                Ok(Scanout::Dumb(Box::new(compositor)))
            }
        }
    }

    fn frame_submitted(&mut self) -> Result<(), String> {
        match self {
            Scanout::Gbm(compositor) => compositor
                .frame_submitted()
                .map(|_| ())
                .map_err(|err| err.to_string()),
            Scanout::Dumb(compositor) => compositor
                .frame_submitted()
                .map(|_| ())
                .map_err(|err| err.to_string()),
            Scanout::Mapped(scanout) => {
                scanout.frame_submitted();
                Ok(())
            }
        }
    }

    fn queue_frame(&mut self) -> Result<(), String> {
        match self {
            Scanout::Gbm(compositor) => compositor.queue_frame(()).map_err(|err| err.to_string()),
            Scanout::Dumb(compositor) => compositor.queue_frame(()).map_err(|err| err.to_string()),
            Scanout::Mapped(scanout) => scanout.queue_frame(),
        }
    }

    /// After a flip that never reached the display (refused by the kernel, or abandoned by a
    /// session pause): the CRTC's state is unknown, so the next frame commits it in full; and
    /// the damage tracking counted the lost frame's picture as shown, so the next frame is
    /// drawn whole. Without the latter, a frame that changes nothing more would keep the
    /// picture from before the lost one on the display.
    fn reset_state(&mut self) {
        let result = match self {
            Scanout::Gbm(compositor) => {
                compositor.reset_buffer_ages();
                compositor.reset_state().map_err(|err| err.to_string())
            }
            Scanout::Dumb(compositor) => {
                compositor.reset_buffer_ages();
                compositor.reset_state().map_err(|err| err.to_string())
            }
            Scanout::Mapped(scanout) => scanout.reset_state(),
        };
        if let Err(err) = result {
            warn!("could not reset a display's state: {err}");
        }
    }
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

fn schedule_render(
    loop_handle: &LoopHandle<'static, State>,
    crtc: crtc::Handle,
    after: Duration,
) -> Option<RegistrationToken> {
    loop_handle
        .insert_source(Timer::from_duration(after), move |_, _, state| {
            state.render_drm_output(crtc);
            TimeoutAction::Drop
        })
        .map_err(|err| warn!("could not schedule a frame: {err}"))
        .ok()
}

/// The kernel's name of a connector, as outputs are configured by: `DSI-1`, `HDMI-A-1`.
fn connector_name(info: &connector::Info) -> String {
    format!("{}-{}", info.interface().as_str(), info.interface_id())
}

/// The configured mode when the connector has it, else the panel's preferred mode, else
/// its first.
fn choose_mode(
    info: &connector::Info,
    wanted: Option<ModeRequest>,
) -> Option<smithay::reexports::drm::control::Mode> {
    let modes = info.modes();
    if let Some(wanted) = wanted {
        let matching = modes.iter().filter(|mode| {
            let (width, height) = mode.size();
            width == wanted.width
                && height == wanted.height
                && wanted
                    .refresh_hz
                    .is_none_or(|hz| mode.vrefresh().abs_diff(hz) <= 1)
        });
        if let Some(mode) = matching.max_by_key(|mode| mode.vrefresh()) {
            return Some(*mode);
        }
        warn!(
            connector = connector_name(info),
            "the configured mode {}x{} is not offered; using the preferred mode",
            wanted.width,
            wanted.height
        );
    }
    modes
        .iter()
        .find(|mode| mode.mode_type().contains(ModeTypeFlags::PREFERRED))
        .or_else(|| modes.first())
        .copied()
}

impl State {
    fn drm_udev_event(&mut self, event: UdevEvent) {
        let Backend::Drm(drm) = &self.backend else {
            return;
        };
        let ours = drm.gpu.as_ref().map(|gpu| gpu.node.dev_id());
        match event {
            UdevEvent::Changed { device_id } if Some(device_id) == ours => {
                info!("the displays changed; rescanning connectors");
                self.drm_scan_connectors();
            }
            UdevEvent::Removed { device_id } if Some(device_id) == ours => {
                self.drm_remove_outputs(|_| true);
                if let Backend::Drm(drm) = &mut self.backend {
                    if let Some(token) = drm.vblank_source.take() {
                        self.loop_handle.remove(token);
                    }
                    if let Some(gpu) = drm.gpu.take() {
                        error!(
                            "the display controller {} was removed; its outputs went away",
                            gpu.path.display()
                        );
                        release_gpu(&mut drm.session, gpu);
                    }
                }
            }
            // Render nodes come and go with their controller; only a primary node is one.
            // While the session is paused the seat opens no device: it is taken at resume.
            UdevEvent::Added { path, .. }
                if ours.is_none() && is_primary_node(&path) && !drm.active =>
            {
                info!(
                    device = %path.display(),
                    "a display controller appeared while the session is paused; it is taken \
                     when the session resumes"
                );
            }
            UdevEvent::Added { path, .. } if ours.is_none() && is_primary_node(&path) => {
                self.drm_take_gpu(&path)
            }
            UdevEvent::Added { path, .. } if !is_primary_node(&path) => {}
            UdevEvent::Added { path, .. } => {
                info!(device = %path.display(), "another display controller appeared; not used");
            }
            _ => {}
        }
    }

    /// Takes the display controller at `path`: one that appeared after start, or in place of
    /// the one that was removed (its driver bound again, or reloaded after a fault), with the
    /// renderer asked for, and lights its displays. If it cannot be taken, Cowl goes on
    /// without displays, as before.
    fn drm_take_gpu(&mut self, path: &Path) {
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        let (gpu, vblanks) = match open_gpu(&mut drm.session, path, drm.renderer_choice) {
            Ok(opened) => opened,
            Err(err) => {
                error!(device = %path.display(), "could not take the display controller: {err:#}");
                return;
            }
        };
        let vblank_source = match watch_vblanks(&self.loop_handle, vblanks) {
            Ok(token) => token,
            Err(err) => {
                error!("{err:#}");
                return;
            }
        };
        info!(
            device = %path.display(),
            renderer = gpu.renderer.name(),
            "display controller taken"
        );
        let formats = gpu.dmabuf_formats();
        let main_device = gpu.main_device();
        drm.gpu = Some(gpu);
        drm.vblank_source = Some(vblank_source);
        // The first controller Cowl has: clients may now share buffers with it. A successor
        // has the renderer and so the formats of the one before, but maybe another node:
        // clients are told where to allocate from now on.
        match &self.protocols.dmabuf_global {
            None => advertise_dmabuf(self, formats, main_device),
            Some(global) => {
                if let Some(feedback) = main_device.and_then(|node| dmabuf_feedback(node, &formats))
                {
                    self.protocols
                        .dmabuf
                        .set_default_feedback(global, &feedback);
                }
            }
        }
        self.drm_scan_connectors();
    }

    /// Brings the outputs in line with the connected connectors: new ones are lit, gone ones
    /// removed. Existing outputs are left alone.
    fn drm_scan_connectors(&mut self) {
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        let Some(gpu) = &drm.gpu else {
            return;
        };
        let resources = match gpu.drm.resource_handles() {
            Ok(resources) => resources,
            Err(err) => {
                warn!("could not read the display controller's connectors: {err}");
                return;
            }
        };
        let mut connected = Vec::new();
        for handle in resources.connectors() {
            match gpu.drm.get_connector(*handle, true) {
                Ok(info)
                    if info.state() == connector::State::Connected && !info.modes().is_empty() =>
                {
                    connected.push(info)
                }
                Ok(_) => {}
                Err(err) => warn!("could not probe connector {handle:?}: {err}"),
            }
        }
        let gone: Vec<connector::Handle> = drm
            .outputs
            .iter()
            .map(|o| o.connector)
            .filter(|handle| !connected.iter().any(|info| info.handle() == *handle))
            .collect();
        self.drm_remove_outputs(|o| gone.contains(&o.connector));
        for info in connected {
            self.drm_light_connector(&info, &resources);
        }
        self.shell_apply();
        self.queue_redraw_all();
    }

    fn drm_remove_outputs(&mut self, which: impl Fn(&DrmOutput) -> bool) {
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        let mut removed = Vec::new();
        drm.outputs.retain(|o| {
            if which(o) {
                removed.push((o.output.clone(), o.scheduled));
                false
            } else {
                true
            }
        });
        for (output, scheduled) in removed {
            info!(output = output.name(), "display disconnected");
            if let Some(token) = scheduled {
                self.loop_handle.remove(token);
            }
            remove_output(self, &output);
        }
    }

    /// Lights a newly connected connector: a free CRTC, its mode, an output and its
    /// compositor. A connector that cannot be lit is logged and left dark.
    fn drm_light_connector(
        &mut self,
        info: &connector::Info,
        resources: &smithay::reexports::drm::control::ResourceHandles,
    ) {
        let name = connector_name(info);
        let wanted = self.config.output(&name).and_then(|o| o.mode());
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        let Some(gpu) = &mut drm.gpu else {
            return;
        };
        if drm.outputs.iter().any(|o| o.connector == info.handle()) {
            return;
        }
        let used: Vec<crtc::Handle> = drm.outputs.iter().map(|o| o.crtc).collect();
        let crtc = info
            .encoders()
            .iter()
            .filter_map(|encoder| gpu.drm.get_encoder(*encoder).ok())
            .flat_map(|encoder| resources.filter_crtcs(encoder.possible_crtcs()))
            .find(|crtc| !used.contains(crtc));
        let Some(crtc) = crtc else {
            warn!(
                connector = name,
                "no free CRTC for this display; it stays dark"
            );
            return;
        };
        let Some(mode) = choose_mode(info, wanted) else {
            return;
        };
        let surface = match gpu.drm.create_surface(crtc, mode, &[info.handle()]) {
            Ok(surface) => surface,
            Err(err) => {
                warn!(connector = name, "could not set up the display: {err}");
                return;
            }
        };
        let (width, height) = mode.size();
        // vrefresh() is whole Hz; the clock's exact refresh is in millihertz.
        let refresh_millihertz = mode_refresh_millihertz(&mode);
        let model = format!("{} display", info.interface().as_str());
        let output = add_output(
            self,
            name.clone(),
            &model,
            (i32::from(width), i32::from(height)).into(),
            refresh_millihertz,
        );
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        let scanout = match drm
            .gpu
            .as_ref()
            .map(|gpu| Scanout::new(gpu, surface, &output))
        {
            Some(Ok(scanout)) => scanout,
            None => {
                remove_output(self, &output);
                return;
            }
            Some(Err(err)) => {
                warn!(
                    connector = name,
                    "could not set up the display's buffers: {err:#}"
                );
                remove_output(self, &output);
                return;
            }
        };
        info!(
            output = name,
            width,
            height,
            refresh_hz = mode.vrefresh(),
            transform = ?output.current_transform(),
            "display connected"
        );
        drm.outputs.push(DrmOutput {
            output,
            connector: info.handle(),
            crtc,
            scanout,
            frame_clock: FrameClock::new(refresh_millihertz),
            hardware_vblank: false,
            flip_pending: false,
            direct_scanout: false,
            redraw_wanted: false,
            scheduled: None,
            feedback_in_flight: None,
            capture: None,
        });
    }

    /// Takes the seat's input devices (libinput enumerates and opens them). Called once the
    /// first frame is out (startup.rs): on a slow SoC this is a large share of start-up, and
    /// nobody touches a screen before it shows something. A failure leaves Cowl without
    /// input, logged; the screens and the camera go on.
    /// While the session is paused they are taken at resume instead, and a failure is tried
    /// again there too.
    pub fn drm_take_input_devices(&mut self) {
        if let Backend::Drm(drm) = &self.backend
            && drm.active
        {
            self.drm_assign_input_seat();
        }
    }

    /// libinput takes the seat's devices, unless it has them.
    fn drm_assign_input_seat(&mut self) {
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        if drm.input_taken {
            return;
        }
        let seat = drm.session.seat();
        let mut libinput = drm.libinput.clone();
        if libinput.udev_assign_seat(&seat).is_err() {
            warn!(
                seat,
                "libinput could not take the seat's input devices: no touch, no keys until \
                 the session is resumed"
            );
            return;
        }
        drm.input_taken = true;
        self.startup.reached("input");
        // libinput queued the devices it found when the seat was assigned, but its fd only
        // wakes the loop for what happens later: without this, a touchscreen present now
        // would be announced at its first touch, unmapped until then.
        self.drm_take_queued_devices(&mut libinput);
    }

    fn drm_session_paused(&mut self) {
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        info!("session paused: releasing the displays and input devices");
        drm.active = false;
        drm.libinput.suspend();
        if let Some(gpu) = &mut drm.gpu {
            gpu.drm.pause();
        }
    }

    fn drm_session_resumed(&mut self) {
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        info!("session resumed: taking the displays and input devices back");
        if !drm.input_taken {
            // Paused when the first frame's devices were due, or they could not be taken:
            // take them now, unless start-up has not got that far (it takes them itself).
            if self.startup.after_first_frame_begun() {
                self.drm_assign_input_seat();
            }
        } else {
            if drm.libinput.resume().is_err() {
                warn!("libinput could not take the input devices back");
            }
            // As at start, libinput has queued the devices it opened again without waking
            // its fd: until something else woke it, the touchscreen would stay unmapped
            // and dead.
            let mut libinput = drm.libinput.clone();
            self.drm_take_queued_devices(&mut libinput);
        }
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        // A removed controller has nothing to take back; one that appeared meanwhile (or is
        // there now) is taken below.
        if let Some(gpu) = &mut drm.gpu
            && let Err(err) = gpu.drm.activate(false)
        {
            error!("could not take the display controller back: {err}");
            return;
        }
        drm.active = true;
        if drm.gpu.is_none() {
            let seat = drm.session.seat();
            if let Some(path) = seat_gpu(&seat) {
                self.drm_take_gpu(&path);
            }
            return;
        }
        for output in &mut drm.outputs {
            // A flip queued before the pause never completes: its frame was not seen.
            output.flip_pending = false;
            if let Some(mut feedback) = output.feedback_in_flight.take() {
                feedback.discarded();
            }
            output.scanout.reset_state();
        }
        // Displays may have changed while we were away.
        self.drm_scan_connectors();
    }

    fn drm_vblank(&mut self, crtc: crtc::Handle, metadata: Option<&DrmEventMetadata>) {
        let now: Duration = self.clock.now().into();
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        let Some(drm_output) = drm.outputs.iter_mut().find(|o| o.crtc == crtc) else {
            return;
        };
        drm_output.flip_pending = false;
        drm_output.hardware_vblank |= metadata.is_some_and(|m| m.sequence != 0);
        if let Err(err) = drm_output.scanout.frame_submitted() {
            warn!(output = drm_output.output.name(), "page flip: {err}");
        }
        // The kernel stamps the flip on CLOCK_MONOTONIC, the presentation clock.
        let (presented_at, kind) = match metadata.map(|m| m.time) {
            Some(DrmEventTime::Monotonic(at)) if !at.is_zero() => (
                at,
                wp_presentation_feedback::Kind::Vsync
                    | wp_presentation_feedback::Kind::HwClock
                    | wp_presentation_feedback::Kind::HwCompletion,
            ),
            _ => (now, wp_presentation_feedback::Kind::Vsync),
        };
        // A display lit after start-up (plugged in, its controller taken late) says so once:
        // start-up's own line covers only the displays there at start.
        if drm_output.frame_clock.sequence() == 0 {
            info!(output = %drm_output.output.name(), "display lit");
        }
        drm_output.frame_clock.presented(presented_at);
        let sequence =
            metadata.map_or(drm_output.frame_clock.sequence(), |m| u64::from(m.sequence));
        let refresh = drm_output.frame_clock.refresh_interval();
        let feedback = drm_output.feedback_in_flight.take();
        let output = drm_output.output.clone();
        let redraw = std::mem::take(&mut drm_output.redraw_wanted);
        self.frame_presented(&output, feedback, presented_at, refresh, sequence, kind);
        if redraw {
            self.queue_redraw(&output);
        }
    }

    /// Draws `crtc`'s output and queues its page flip.
    fn render_drm_output(&mut self, crtc: crtc::Handle) {
        let now: Duration = self.clock.now().into();
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        let Some(drm_output) = drm.outputs.iter_mut().find(|o| o.crtc == crtc) else {
            return;
        };
        drm_output.scheduled = None;
        if !drm.active || drm_output.flip_pending {
            drm_output.redraw_wanted = true;
            return;
        }
        drm_output.redraw_wanted = false;
        let output = drm_output.output.clone();
        let name = output.name();
        let chrome_frame = self.chrome_frame(&output);
        let curtain = self.curtain.is_down();
        let clear = clear_colour(self.config.background(&name), curtain);
        let is_primary = Some(&output) == crate::shell::primary_output(&self.space).as_ref();
        let capture_wanted = self.protocols.screencopy.has_pending(&output)
            || (is_primary
                && (!self.screenshot_requests.is_empty()
                    || self.screenshot.as_ref().is_some_and(|s| s.is_due())));

        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        let DrmBackend { gpu, outputs, .. } = &mut **drm;
        let (Some(gpu), Some(drm_output)) = (gpu, outputs.iter_mut().find(|o| o.crtc == crtc))
        else {
            return;
        };
        let space = &self.space;
        let chrome = &mut self.chrome;
        let rendered: Result<(bool, RenderElementStates, bool), String> =
            match (&mut gpu.renderer, &mut drm_output.scanout) {
                // Drawn into the display's own buffers: never a client's buffer on the plane.
                (GpuRenderer::Pixman(renderer), Scanout::Mapped(scanout)) => {
                    let renderer = renderer.as_mut();
                    frame_elements(renderer, &output, space, chrome, chrome_frame, curtain)
                        .and_then(|elements| {
                            scanout
                                .render_frame(renderer, &elements, clear)
                                .map(|(changed, states)| (changed, states, false))
                                .map_err(|err| format!("rendering {name} failed: {err}"))
                        })
                }
                (gpu_renderer, scanout) => {
                    with_scanout!(gpu_renderer, scanout, |renderer, compositor| {
                        frame_elements(renderer, &output, space, chrome, chrome_frame, curtain)
                            .and_then(|elements| {
                                let frame = compositor
                                    .render_frame(renderer, &elements, clear, FrameFlags::DEFAULT)
                                    .map_err(|err| format!("rendering {name} failed: {err}"))?;
                                // Where the driver takes no fence with the commit (no
                                // sync objects, as on virtio-gpu, or a renderer without
                                // exportable fences), the commit must wait for the
                                // rendering itself: the display controller would scan
                                // out, or copy, a buffer still being drawn.
                                if frame.needs_sync()
                                    && let PrimaryPlaneElement::Swapchain(element) =
                                        &frame.primary_element
                                    && element.sync.wait().is_err()
                                {
                                    warn!(
                                        output = name,
                                        "waiting for the frame to be drawn failed"
                                    );
                                }
                                let direct_scanout = matches!(
                                    frame.primary_element,
                                    PrimaryPlaneElement::Element(_)
                                );
                                Ok((!frame.is_empty, frame.states, direct_scanout))
                            })
                    })
                }
            };

        if capture_wanted {
            let chrome_frame = self.chrome_frame(&output);
            self.drm_capture(crtc, &output, chrome_frame, curtain, now);
        }
        // Taken now, before any client can commit again: the feedback belongs to exactly the
        // surfaces' states this frame shows.
        let feedback = match &rendered {
            Ok((changed, states, _)) => self.frame_composed(
                &output,
                &FrameOutcome {
                    damage: changed.then(Vec::new),
                    states: states.clone(),
                },
            ),
            Err(_) => None,
        };

        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        let Some(drm_output) = drm.outputs.iter_mut().find(|o| o.crtc == crtc) else {
            return;
        };
        let refresh = drm_output.frame_clock.refresh_interval();
        if let Ok((true, _, direct_scanout)) = &rendered
            && *direct_scanout != drm_output.direct_scanout
        {
            drm_output.direct_scanout = *direct_scanout;
            if *direct_scanout {
                info!(
                    output = name,
                    "direct scanout: a client's buffer is the display's picture"
                );
            } else {
                info!(output = name, "direct scanout ended: composing again");
            }
        }
        match rendered {
            Ok((true, ..)) => match drm_output.scanout.queue_frame() {
                Ok(()) => {
                    drm_output.flip_pending = true;
                    drm_output.feedback_in_flight = feedback;
                }
                Err(err) => {
                    // A refused flip (a busy CRTC, a mode the link no longer takes): the
                    // next frame commits everything again, a refresh later.
                    warn!(output = name, "page flip failed: {err}; retrying");
                    drm_output.scanout.reset_state();
                    drm_output.redraw_wanted = true;
                    drm_output.scheduled =
                        schedule_render(&self.loop_handle.clone(), crtc, refresh);
                }
            },
            Ok((false, ..)) => {
                // Nothing changed on screen: no flip, but clients waiting for a frame get
                // their callbacks at the next refresh, so that they never spin.
                let at = drm_output.frame_clock.next_presentation_time(now + refresh);
                let wait = at.saturating_sub(now);
                let loop_handle = self.loop_handle.clone();
                drm_output.scheduled = loop_handle
                    .insert_source(Timer::from_duration(wait), move |_, _, state| {
                        state.drm_empty_frame_done(crtc);
                        TimeoutAction::Drop
                    })
                    .map_err(|err| warn!("could not schedule frame callbacks: {err}"))
                    .ok();
            }
            Err(err) => {
                warn!("{err}");
                drm_output.redraw_wanted = true;
                drm_output.scheduled = schedule_render(&self.loop_handle.clone(), crtc, refresh);
            }
        }
    }

    /// The refresh after a frame that changed nothing: frame callbacks, then the frame
    /// asked for meanwhile.
    fn drm_empty_frame_done(&mut self, crtc: crtc::Handle) {
        let now: Duration = self.clock.now().into();
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        let Some(drm_output) = drm.outputs.iter_mut().find(|o| o.crtc == crtc) else {
            return;
        };
        drm_output.scheduled = None;
        let output = drm_output.output.clone();
        let refresh = drm_output.frame_clock.refresh_interval();
        let sequence = drm_output.frame_clock.sequence();
        let redraw = std::mem::take(&mut drm_output.redraw_wanted);
        self.frame_presented(
            &output,
            None,
            now,
            refresh,
            sequence,
            wp_presentation_feedback::Kind::Vsync,
        );
        if redraw {
            self.queue_redraw(&output);
        }
    }

    /// Composes `output` offscreen for the captures waiting for it (screencopy, screenshots).
    fn drm_capture(
        &mut self,
        crtc: crtc::Handle,
        output: &Output,
        chrome_frame: crate::chrome::ChromeFrame,
        curtain: bool,
        now: Duration,
    ) {
        let is_primary = Some(output) == crate::shell::primary_output(&self.space).as_ref();
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        let DrmBackend { gpu, outputs, .. } = &mut **drm;
        let (Some(gpu), Some(drm_output)) = (gpu, outputs.iter_mut().find(|o| o.crtc == crtc))
        else {
            return;
        };
        let Some(mode) = output.current_mode() else {
            return;
        };
        let size = mode.size;
        if drm_output.capture.as_ref().is_none_or(|c| c.size != size) {
            let framebuffer = match gpu.renderer.capture_buffer(size) {
                Ok(framebuffer) => framebuffer,
                Err(err) => {
                    warn!("could not make a capture buffer: {err}");
                    return;
                }
            };
            drm_output.capture = Some(CaptureTarget {
                damage_tracker: OutputDamageTracker::from_output(output),
                framebuffer,
                size,
                drawn: false,
            });
        }
        let Some(capture) = drm_output.capture.as_mut() else {
            return;
        };
        let (screenshot, screenshot_requests) = if is_primary {
            (
                self.screenshot.as_mut(),
                std::mem::take(&mut self.screenshot_requests),
            )
        } else {
            (None, Vec::new())
        };
        let job = FrameJob {
            output,
            space: &self.space,
            damage_tracker: &mut capture.damage_tracker,
            screencopy: &mut self.protocols.screencopy,
            screenshot,
            screenshot_requests,
            presented_at: now,
            background: self.config.background(&output.name()),
            chrome: &mut self.chrome,
            chrome_frame,
            curtain,
        };
        let age = usize::from(capture.drawn);
        let result = match (&mut gpu.renderer, &mut capture.framebuffer) {
            (GpuRenderer::Gles { renderer, .. }, Framebuffer::Gles(buffer)) => {
                render_offscreen(renderer.as_mut(), buffer, size, age, job)
            }
            (GpuRenderer::Pixman(renderer), Framebuffer::Pixman(image)) => {
                render_offscreen(renderer.as_mut(), image, size, age, job)
            }
            _ => Err("renderer and capture buffer kinds differ".to_string()),
        };
        match result {
            Ok(_) => capture.drawn = true,
            Err(err) => warn!("could not compose {} for a capture: {err}", output.name()),
        }
        self.screenshot_frame_done();
    }

    /// libinput's events: devices are mapped to outputs as they appear, everything else goes
    /// to the seat.
    fn drm_input_event(&mut self, event: InputEvent<LibinputInputBackend>) {
        match &event {
            InputEvent::DeviceAdded { device } => self.drm_input_device_added(device.clone()),
            InputEvent::DeviceRemoved { device } => {
                if let Backend::Drm(drm) = &mut self.backend {
                    drm.input_outputs.remove(&device.id());
                }
            }
            _ => {}
        }
        self.process_input_event(event);
    }

    /// The device events libinput queued without waking its fd (when the seat was assigned,
    /// when the session resumed), handled as if they had come through the event loop. Input
    /// events cannot be among them: libinput had no devices open before.
    fn drm_take_queued_devices(&mut self, libinput: &mut Libinput) {
        use smithay::reexports::input::event::{DeviceEvent, Event, EventTrait};
        if let Err(err) = libinput.dispatch() {
            warn!("libinput: {err}");
        }
        for event in libinput {
            match event {
                Event::Device(DeviceEvent::Added(added)) => {
                    self.drm_input_event(InputEvent::DeviceAdded {
                        device: added.device(),
                    });
                }
                Event::Device(DeviceEvent::Removed(removed)) => {
                    self.drm_input_event(InputEvent::DeviceRemoved {
                        device: removed.device(),
                    });
                }
                _ => debug!("an input event queued before its device was announced: dropped"),
            }
        }
    }

    fn drm_input_device_added(&mut self, mut device: smithay::reexports::input::Device) {
        let name = device.name().to_string();
        let configured = self
            .config
            .touchscreens
            .iter()
            .find(|touchscreen| touchscreen.name.get_ref() == &name);
        if let Some(matrix) = configured.and_then(|t| t.calibration.as_ref())
            && device
                .config_calibration_set_matrix(*matrix.get_ref())
                .is_err()
        {
            warn!(device = name, "this device takes no calibration matrix");
        }
        // SAFETY: the udev device is only read here, while libinput holds the device.
        let udev_output = unsafe { device.udev_device() }.and_then(|udev| {
            udev.property_value("WL_OUTPUT")
                .map(|value| value.to_string_lossy().into_owned())
        });
        let output = configured
            .and_then(|t| t.output.as_ref().map(|o| o.get_ref().clone()))
            .or(udev_output);
        let Some(output) = output else {
            info!(device = %name, "input device");
            return;
        };
        info!(device = %name, output = %output, "input device mapped to its output");
        if let Backend::Drm(drm) = &mut self.backend {
            drm.input_outputs
                .insert(device.sysname().to_string(), output);
        }
    }
}

impl GpuRenderer {
    /// An offscreen buffer for captures, like the headless backend's framebuffers.
    fn capture_buffer(&mut self, size: Size<i32, Physical>) -> Result<Framebuffer, String> {
        let buffer_size = size.to_logical(1).to_buffer(1, Transform::Normal);
        match self {
            GpuRenderer::Gles { renderer, .. } => renderer
                .create_buffer(Fourcc::Abgr8888, buffer_size)
                .map(Framebuffer::Gles)
                .map_err(|err| err.to_string()),
            GpuRenderer::Pixman(renderer) => renderer
                .create_buffer(Fourcc::Xrgb8888, buffer_size)
                .map(Framebuffer::Pixman)
                .map_err(|err| format!("{err:?}")),
        }
    }
}

/// A mode's refresh in millihertz, from its pixel clock and totals (vrefresh is rounded).
fn mode_refresh_millihertz(mode: &smithay::reexports::drm::control::Mode) -> i32 {
    let (htotal, vtotal) = (u64::from(mode.hsync().2), u64::from(mode.vsync().2));
    let clock_khz = u64::from(mode.clock());
    if htotal == 0 || vtotal == 0 {
        return i32::try_from(mode.vrefresh() * 1000).unwrap_or(60_000);
    }
    let millihertz = clock_khz * 1_000_000 / (htotal * vtotal);
    i32::try_from(millihertz).unwrap_or(60_000)
}
