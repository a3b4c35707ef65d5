//! Scanout for display controllers that cannot share their buffers: no PRIME export, as on
//! bochs (qemu's standard VGA), ast, mgag200 and other drivers whose framebuffers live in
//! the device's own memory. smithay's `DrmCompositor` renders only into buffers it can bind
//! as dmabufs, so on those it lights nothing. Here Pixman draws straight into two of the
//! display's dumb buffers, mapped into Cowl's memory for their whole life, and each frame is
//! flipped onto the CRTC's primary plane. Damage tracking keeps each frame's drawing to what
//! changed since that buffer was last shown.

use smithay::backend::drm::{DrmDeviceFd, DrmSurface, PlaneConfig, PlaneState};
use smithay::backend::renderer::damage::OutputDamageTracker;
use smithay::backend::renderer::element::{RenderElement, RenderElementStates};
use smithay::backend::renderer::pixman::PixmanRenderer;
use smithay::backend::renderer::{Bind, Color32F};
use smithay::output::Output;
use smithay::reexports::drm::buffer::{Buffer, DrmFourcc};
use smithay::reexports::drm::control::{Device as ControlDevice, dumbbuffer, framebuffer};
use smithay::reexports::pixman;
use smithay::utils::{Physical, Rectangle, Size, Transform};

/// Two buffers: one on the display, one drawn; a frame is drawn only once the flip before
/// it completed.
const BUFFERS: usize = 2;

/// Whether the display controller behind `fd` can hand out its buffers as dmabufs, which
/// smithay's `DrmCompositor` (and GBM with EGL) needs; tried on a small dumb buffer.
pub fn shares_buffers(fd: &DrmDeviceFd) -> bool {
    let Ok(probe) = fd.create_dumb_buffer((64, 64), DrmFourcc::Xrgb8888, 32) else {
        return false;
    };
    let shared = fd
        .buffer_to_prime_fd(probe.handle(), smithay::reexports::drm::CLOEXEC)
        .is_ok();
    let _ = fd.destroy_dumb_buffer(probe);
    shared
}

/// One of the display's buffers, mapped, with its framebuffer and a Pixman image over it.
struct MappedBuffer {
    fd: DrmDeviceFd,
    /// Points into `mapping`; dropped before it is unmapped (see `Drop`).
    image: Option<pixman::Image<'static, 'static>>,
    dumb: Option<dumbbuffer::DumbBuffer>,
    framebuffer: framebuffer::Handle,
    mapping: *mut u8,
    mapping_len: usize,
    /// The frame count when it was last drawn; 0: never, or its content is unknown.
    drawn_at: usize,
}

impl MappedBuffer {
    fn new(fd: &DrmDeviceFd, size: Size<i32, Physical>) -> Result<MappedBuffer, String> {
        let (width, height) = (size.w as u32, size.h as u32);
        let mut dumb = fd
            .create_dumb_buffer((width, height), DrmFourcc::Xrgb8888, 32)
            .map_err(|err| format!("a {width}x{height} dumb buffer: {err}"))?;
        let pitch = dumb.pitch() as usize;
        let framebuffer = match fd.add_framebuffer(&dumb, 24, 32) {
            Ok(framebuffer) => framebuffer,
            Err(err) => {
                let _ = fd.destroy_dumb_buffer(dumb);
                return Err(format!("a framebuffer for the dumb buffer: {err}"));
            }
        };
        let mapped = fd.map_dumb_buffer(&mut dumb).map(|mut mapping| {
            let region = (mapping.as_mut_ptr(), mapping.len());
            // The mapping lives as long as this buffer, not as long as the borrow the drm
            // crate ties it to: its unmapping on drop is skipped here and done in `Drop`
            // below, after the image over it is gone.
            std::mem::forget(mapping);
            region
        });
        let (mapping, mapping_len) = match mapped {
            Ok(region) => region,
            Err(err) => {
                let _ = fd.destroy_framebuffer(framebuffer);
                let _ = fd.destroy_dumb_buffer(dumb);
                return Err(format!("mapping the dumb buffer: {err}"));
            }
        };
        // From here on, `Drop` releases all of it.
        let mut buffer = MappedBuffer {
            fd: fd.clone(),
            image: None,
            dumb: Some(dumb),
            framebuffer,
            mapping,
            mapping_len,
            drawn_at: 0,
        };
        if pitch * height as usize > mapping_len || !pitch.is_multiple_of(4) {
            return Err(format!(
                "the dumb buffer's mapping ({mapping_len} bytes, pitch {pitch}) is too small"
            ));
        }
        // SAFETY: the pointer is the start of a shared, writable mapping of `mapping_len`
        // bytes (checked to hold `height` rows of `pitch` bytes; page-aligned, so u32-aligned),
        // which stays mapped until `Drop`, where the image is dropped first.
        let image = unsafe {
            pixman::Image::from_raw_mut(
                pixman::FormatCode::X8R8G8B8,
                width as usize,
                height as usize,
                mapping.cast::<u32>(),
                pitch,
                false,
            )
        }
        .map_err(|_| "a Pixman image over the dumb buffer".to_string())?;
        buffer.image = Some(image);
        Ok(buffer)
    }
}

impl Drop for MappedBuffer {
    fn drop(&mut self) {
        self.image = None;
        // SAFETY: `mapping` is the mapping made in `new` (its length `mapping_len`), never
        // unmapped before, and nothing points into it any more: the image is gone.
        if let Err(err) =
            unsafe { smithay::reexports::rustix::mm::munmap(self.mapping.cast(), self.mapping_len) }
        {
            tracing::warn!("unmapping a display buffer failed: {err}");
        }
        let _ = self.fd.destroy_framebuffer(self.framebuffer);
        if let Some(dumb) = self.dumb.take() {
            let _ = self.fd.destroy_dumb_buffer(dumb);
        }
    }
}

/// The scanout of one CRTC through mapped dumb buffers.
pub struct MappedScanout {
    surface: DrmSurface,
    buffers: Vec<MappedBuffer>,
    damage_tracker: OutputDamageTracker,
    size: Size<i32, Physical>,
    /// Frames drawn so far: buffer ages count in these.
    frames: usize,
    /// The buffer on the display, the one whose flip is in flight, and the one drawn and
    /// not yet committed.
    front: Option<usize>,
    in_flight: Option<usize>,
    drawn: Option<usize>,
    /// The next commit sets the whole CRTC state (first frame, after a reset), not a flip.
    full_commit: bool,
}

impl MappedScanout {
    pub fn new(
        fd: &DrmDeviceFd,
        surface: DrmSurface,
        output: &Output,
    ) -> Result<MappedScanout, String> {
        let (width, height) = surface.pending_mode().size();
        let size = Size::from((i32::from(width), i32::from(height)));
        let buffers = (0..BUFFERS)
            .map(|_| MappedBuffer::new(fd, size))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(MappedScanout {
            surface,
            buffers,
            damage_tracker: OutputDamageTracker::from_output(output),
            size,
            frames: 0,
            front: None,
            in_flight: None,
            drawn: None,
            full_commit: true,
        })
    }

    /// Draws `elements` into the buffer not on the display. Returns whether anything
    /// changed (a frame to commit), and the elements' states for presentation feedback.
    pub fn render_frame<E>(
        &mut self,
        renderer: &mut PixmanRenderer,
        elements: &[E],
        clear: impl Into<Color32F>,
    ) -> Result<(bool, RenderElementStates), String>
    where
        E: RenderElement<PixmanRenderer>,
    {
        let Some(index) = (0..self.buffers.len())
            .find(|&index| Some(index) != self.front && Some(index) != self.in_flight)
        else {
            return Err("no display buffer is free".to_string());
        };
        let buffer = &mut self.buffers[index];
        let age = if buffer.drawn_at == 0 {
            0
        } else {
            self.frames + 1 - buffer.drawn_at
        };
        let Some(image) = buffer.image.as_mut() else {
            return Err("a display buffer has no image".to_string());
        };
        let mut target = renderer
            .bind(image)
            .map_err(|err| format!("binding a display buffer: {err:?}"))?;
        let result =
            match self
                .damage_tracker
                .render_output(renderer, &mut target, age, elements, clear)
            {
                Ok(result) => result,
                Err(err) => {
                    // Drawn in part, maybe: its content is no frame's any more.
                    buffer.drawn_at = 0;
                    return Err(format!("drawing into a display buffer: {err:?}"));
                }
            };
        let changed = result.damage.is_some_and(|damage| !damage.is_empty());
        let states = result.states;
        if changed {
            self.frames += 1;
            buffer.drawn_at = self.frames;
            self.drawn = Some(index);
        }
        Ok((changed, states))
    }

    /// Commits the frame `render_frame` drew; a vblank event follows once it is shown.
    pub fn queue_frame(&mut self) -> Result<(), String> {
        let Some(index) = self.drawn.take() else {
            return Err("no frame was drawn".to_string());
        };
        let plane = PlaneState {
            handle: self.surface.plane(),
            config: Some(PlaneConfig {
                src: Rectangle::from_size(
                    self.size
                        .to_f64()
                        .to_logical(1.0)
                        .to_buffer(1.0, Transform::Normal),
                ),
                dst: Rectangle::from_size(self.size),
                transform: Transform::Normal,
                alpha: 1.0,
                damage_clips: None,
                fb: self.buffers[index].framebuffer,
                fence: None,
            }),
        };
        let committed = if self.full_commit || self.surface.commit_pending() {
            self.surface.commit([plane], true)
        } else {
            self.surface.page_flip([plane], true)
        };
        match committed {
            Ok(()) => {
                self.full_commit = false;
                self.in_flight = Some(index);
                Ok(())
            }
            Err(err) => {
                // Never shown: its content must not count as what the display has.
                self.buffers[index].drawn_at = 0;
                Err(err.to_string())
            }
        }
    }

    /// The flip in flight completed: its buffer is the one on the display.
    pub fn frame_submitted(&mut self) {
        if let Some(index) = self.in_flight.take() {
            self.front = Some(index);
        }
    }

    /// After a flip that never reached the display, or a session pause: the CRTC's state is
    /// read anew and fully committed, and every buffer is drawn whole again.
    pub fn reset_state(&mut self) -> Result<(), String> {
        self.in_flight = None;
        self.drawn = None;
        self.front = None;
        self.full_commit = true;
        for buffer in &mut self.buffers {
            buffer.drawn_at = 0;
        }
        self.surface.reset_state().map_err(|err| err.to_string())
    }
}
