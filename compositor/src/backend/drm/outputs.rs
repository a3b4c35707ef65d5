//! The displays: each connected connector lit as an output in its configured (or
//! preferred) mode, with the scanout that shows its frames (smithay's `DrmCompositor` on
//! GBM or dumb buffers, or Pixman straight into mapped dumb buffers); rescanned on hotplug.

use anyhow::{Result, anyhow};
use smithay::backend::allocator::Fourcc;
use smithay::backend::allocator::dmabuf::Dmabuf;
use smithay::backend::allocator::dumb::DumbAllocator;
use smithay::backend::allocator::gbm::{GbmAllocator, GbmBufferFlags};
use smithay::backend::drm::compositor::DrmCompositor;
use smithay::backend::drm::exporter::gbm::GbmFramebufferExporter;
use smithay::backend::drm::{DrmDeviceFd, DrmSurface};
use smithay::backend::renderer::Bind;
use smithay::desktop::utils::OutputPresentationFeedback;
use smithay::output::Output;
use smithay::reexports::calloop::RegistrationToken;
use smithay::reexports::drm::control::{Device as _, ModeTypeFlags, connector, crtc};
use tracing::{info, warn};

use super::capture::CaptureTarget;
use super::device::Gpu;
use super::device::GpuRenderer;
use crate::backend::frame_clock::FrameClock;
use crate::backend::mapped_scanout::MappedScanout;
use crate::backend::{Backend, add_output, remove_output};
use crate::config::ModeRequest;
use crate::state::State;

/// Formats of the scanout swapchain, best first; every KMS driver scans out XRGB8888.
pub(super) const SCANOUT_FORMATS: [Fourcc; 2] = [Fourcc::Xrgb8888, Fourcc::Argb8888];

pub(super) type GbmScanout =
    DrmCompositor<GbmAllocator<DrmDeviceFd>, GbmFramebufferExporter<DrmDeviceFd>, (), DrmDeviceFd>;
pub(super) type DumbScanout = DrmCompositor<DumbAllocator, DrmDeviceFd, (), DrmDeviceFd>;

/// What scans out one CRTC, of the renderer's kind.
pub(super) enum Scanout {
    Gbm(Box<GbmScanout>),
    Dumb(Box<DumbScanout>),
    /// Pixman on a controller that shares no buffers.
    Mapped(Box<MappedScanout>),
}

pub(super) struct DrmOutput {
    pub(super) output: Output,
    pub(super) connector: connector::Handle,
    pub(super) crtc: crtc::Handle,
    pub(super) scanout: Scanout,
    pub(super) frame_clock: FrameClock,
    /// The controller counts this CRTC's vblanks (a flip's event carried a nonzero
    /// sequence): its flips complete at a vblank, which paces the frames. Where it does not
    /// (virtio-gpu, bochs, simple panel drivers), the kernel completes a flip the moment it
    /// is committed, and Cowl keeps frames on the refresh grid itself.
    pub(super) hardware_vblank: bool,
    /// A page flip was queued and its vblank has not come yet.
    pub(super) flip_pending: bool,
    /// The last frame put a client's buffer on the primary plane instead of composing.
    pub(super) direct_scanout: bool,
    /// Something changed while a flip or a render was pending: draw once it is done.
    pub(super) redraw_wanted: bool,
    /// The render (or the empty frame's callbacks) already scheduled.
    pub(super) scheduled: Option<RegistrationToken>,
    /// The presentation feedback of the frame in flight, sent at its vblank. Dropped unsent
    /// (the clients hear "discarded") when the flip is abandoned.
    pub(super) feedback_in_flight: Option<OutputPresentationFeedback>,
    /// Where captures of this output are composed, made at the first capture.
    pub(super) capture: Option<CaptureTarget>,
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
pub(super) use with_scanout;

impl Scanout {
    /// A compositor for `surface`, its swapchain from the renderer's kind of buffers.
    pub(super) fn new(gpu: &Gpu, surface: DrmSurface, output: &Output) -> Result<Scanout> {
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

    pub(super) fn frame_submitted(&mut self) -> Result<(), String> {
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

    pub(super) fn queue_frame(&mut self) -> Result<(), String> {
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
    pub(super) fn reset_state(&mut self) {
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

/// The kernel's name of a connector, as outputs are configured by: `DSI-1`, `HDMI-A-1`.
pub(super) fn connector_name(info: &connector::Info) -> String {
    format!("{}-{}", info.interface().as_str(), info.interface_id())
}

/// The configured mode when the connector has it, else the panel's preferred mode, else
/// its first.
pub(super) fn choose_mode(
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

/// A mode's refresh in millihertz, from its pixel clock and totals (vrefresh is rounded).
pub(super) fn mode_refresh_millihertz(mode: &smithay::reexports::drm::control::Mode) -> i32 {
    let (htotal, vtotal) = (u64::from(mode.hsync().2), u64::from(mode.vsync().2));
    let clock_khz = u64::from(mode.clock());
    if htotal == 0 || vtotal == 0 {
        return i32::try_from(mode.vrefresh() * 1000).unwrap_or(60_000);
    }
    let millihertz = clock_khz * 1_000_000 / (htotal * vtotal);
    i32::try_from(millihertz).unwrap_or(60_000)
}

impl State {
    /// Brings the outputs in line with the connected connectors: new ones are lit, gone ones
    /// removed. Existing outputs are left alone.
    pub(super) fn drm_scan_connectors(&mut self) {
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

    pub(super) fn drm_remove_outputs(&mut self, which: impl Fn(&DrmOutput) -> bool) {
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
    pub(super) fn drm_light_connector(
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
}
