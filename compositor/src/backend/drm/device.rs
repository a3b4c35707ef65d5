//! The display controller: finding the seat's GPU (udev), opening it through the session,
//! its renderer (GLES on GBM, or Pixman), taking a controller that appears and letting go of
//! one that goes away.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use smithay::backend::allocator::gbm::GbmDevice;
use smithay::backend::drm::{
    DrmDevice, DrmDeviceFd, DrmDeviceNotifier, DrmEvent, DrmNode, NodeType,
};
use smithay::backend::egl::{EGLContext, EGLDisplay};
use smithay::backend::renderer::ImportDma;
use smithay::backend::renderer::gles::GlesRenderer;
use smithay::backend::renderer::pixman::PixmanRenderer;
use smithay::backend::session::Session;
use smithay::backend::session::libseat::LibSeatSession;
use smithay::backend::udev::{UdevEvent, all_gpus, primary_gpu};
use smithay::reexports::calloop::{LoopHandle, RegistrationToken};
use smithay::reexports::rustix::fs::OFlags;
use smithay::utils::DeviceFd;
use tracing::{error, info, warn};

use super::session::release_gpu;
use crate::backend::mapped_scanout::shares_buffers;
use crate::backend::{Backend, advertise_dmabuf, dmabuf_feedback};
use crate::cli::RendererChoice;
use crate::state::State;

/// The display controller and the renderer that draws for it.
pub(super) struct Gpu {
    pub(super) node: DrmNode,
    pub(super) path: PathBuf,
    pub(super) drm: DrmDevice,
    pub(super) fd: DrmDeviceFd,
    pub(super) renderer: GpuRenderer,
    /// The controller hands out its buffers as dmabufs (PRIME export); without that, Pixman
    /// draws into mapped buffers of its own (`MappedScanout`).
    pub(super) shares_buffers: bool,
}

pub(super) enum GpuRenderer {
    Gles {
        renderer: Box<GlesRenderer>,
        gbm: GbmDevice<DrmDeviceFd>,
    },
    Pixman(Box<PixmanRenderer>),
}

/// The seat's display controller: the primary GPU (the boot VGA device), else the first.
pub(super) fn seat_gpu(seat: &str) -> Option<PathBuf> {
    primary_gpu(seat)
        .ok()
        .flatten()
        .or_else(|| all_gpus(seat).ok()?.into_iter().next())
}

pub(super) fn is_primary_node(path: &Path) -> bool {
    DrmNode::from_path(path).is_ok_and(|node| node.ty() == NodeType::Primary)
}

pub(super) fn watch_vblanks(
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
pub(super) fn open_gpu(
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
    pub(super) fn main_device(&self) -> Option<DrmNode> {
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
    pub(super) fn dmabuf_formats(&self) -> smithay::backend::allocator::format::FormatSet {
        match &self.renderer {
            GpuRenderer::Gles { renderer, .. } => renderer.dmabuf_formats(),
            GpuRenderer::Pixman(renderer) => renderer.dmabuf_formats(),
        }
    }
}

impl GpuRenderer {
    pub(super) fn gles(fd: &DrmDeviceFd) -> Result<GpuRenderer> {
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

    pub(super) fn pixman() -> Result<GpuRenderer> {
        let renderer = PixmanRenderer::new().map_err(|err| anyhow!("pixman: {err:?}"))?;
        Ok(GpuRenderer::Pixman(Box::new(renderer)))
    }

    pub(super) fn name(&self) -> &'static str {
        match self {
            GpuRenderer::Gles { .. } => "gles",
            GpuRenderer::Pixman(_) => "pixman",
        }
    }
}

impl State {
    pub(super) fn drm_udev_event(&mut self, event: UdevEvent) {
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
    pub(super) fn drm_take_gpu(&mut self, path: &Path) {
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
}
