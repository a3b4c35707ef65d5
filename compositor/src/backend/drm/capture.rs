//! Captures of a display (screencopy, screenshots): direct scanout never composes the
//! picture, so while a capture waits the frame is also composed offscreen and read there.

use std::time::Duration;

use anyhow::Result;
use smithay::backend::allocator::Fourcc;
use smithay::backend::renderer::Offscreen;
use smithay::backend::renderer::damage::OutputDamageTracker;
use smithay::output::Output;
use smithay::reexports::drm::control::crtc;
use smithay::utils::{Physical, Size, Transform};
use tracing::warn;

use super::device::GpuRenderer;
use super::gpu_and_output_on;
use crate::backend::headless::{Framebuffer, render_offscreen};
use crate::render::frame_job;
use crate::state::State;

pub(super) struct CaptureTarget {
    pub(super) damage_tracker: OutputDamageTracker,
    pub(super) framebuffer: Framebuffer,
    pub(super) size: Size<i32, Physical>,
    pub(super) drawn: bool,
}

impl GpuRenderer {
    /// An offscreen buffer for captures, like the headless backend's framebuffers.
    pub(super) fn capture_buffer(
        &mut self,
        size: Size<i32, Physical>,
    ) -> Result<Framebuffer, String> {
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

impl State {
    /// Composes `output` offscreen for the captures waiting for it (screencopy, screenshots).
    pub(super) fn drm_capture(
        &mut self,
        crtc: crtc::Handle,
        output: &Output,
        chrome_frame: crate::chrome::ChromeFrame,
        now: Duration,
    ) {
        let Some((gpu, drm_output)) = gpu_and_output_on(&mut self.backend, crtc) else {
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
        let job = frame_job!(self, output, &mut capture.damage_tracker, now, chrome_frame);
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
}
