//! The headless backend: virtual outputs rendered into offscreen framebuffers.
//!
//! It is the backend of tests, CI and screenshots, so it behaves like a panel: each output
//! has a 60 Hz refresh grid, a frame is drawn only when something queued one (a commit, a
//! capture), and it is presented at the first virtual vblank after it was drawn, when its
//! presentation feedback and frame callbacks go out: as on a display, no frame is reported
//! shown before its content was decided, however late a loaded machine ran the loop. A frame
//! queued while one waits for its vblank is drawn at that vblank. When nothing changes, no
//! timer is armed and the process sleeps.
//!
//! Renderers: GLES on an EGL device (a GPU when there is one, else Mesa's software device),
//! or Pixman on the CPU, chosen by `--renderer`; GLES falls back to Pixman, with a log line,
//! when no EGL device can be opened.

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use smithay::backend::allocator::Fourcc;
use smithay::backend::allocator::dmabuf::Dmabuf;
use smithay::backend::egl::{EGLContext, EGLDevice, EGLDisplay};
use smithay::backend::renderer::damage::OutputDamageTracker;
use smithay::backend::renderer::gles::{GlesRenderbuffer, GlesRenderer};
use smithay::backend::renderer::pixman::PixmanRenderer;
use smithay::backend::renderer::{
    Bind, ExportMem, ImportAll, ImportDma, ImportMem, Offscreen, Texture,
};
use smithay::desktop::utils::OutputPresentationFeedback;
use smithay::output::Output;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::reexports::calloop::{LoopHandle, RegistrationToken};
use smithay::reexports::pixman;
use smithay::reexports::wayland_protocols::wp::presentation_time::server::wp_presentation_feedback;
use smithay::utils::{Physical, Size, Transform};
use tracing::{info, warn};

use crate::backend::frame_clock::FrameClock;
use crate::backend::{Backend, add_output, advertise_dmabuf, egl_main_device, import_dmabuf_into};
use crate::cli::{Cli, RendererChoice};
use crate::protocols::screencopy::RowOrder;
use crate::render::{FrameJob, FrameOutcome, FrameTarget, compose_frame, frame_job};
use crate::state::State;

/// Virtual panels refresh at 60 Hz, like the head unit's.
const REFRESH_MILLIHERTZ: i32 = 60_000;

pub struct HeadlessBackend {
    renderer: HeadlessRenderer,
    outputs: Vec<HeadlessOutput>,
}

enum HeadlessRenderer {
    Gles(Box<GlesRenderer>),
    Pixman(Box<PixmanRenderer>),
}

/// The offscreen framebuffer of one output, of the renderer's kind (also the DRM backend's
/// capture buffer).
pub(super) enum Framebuffer {
    Gles(GlesRenderbuffer),
    Pixman(pixman::Image<'static, 'static>),
}

struct HeadlessOutput {
    output: Output,
    size: Size<i32, Physical>,
    damage_tracker: OutputDamageTracker,
    framebuffer: Framebuffer,
    frame_clock: FrameClock,
    /// The frame already queued to be drawn, if any.
    queued_frame: Option<RegistrationToken>,
    /// A drawn frame waits for its vblank (the timer that presents it).
    presenting: Option<RegistrationToken>,
    /// A frame was queued while one was waiting for its vblank: it is drawn then.
    redraw_after_vblank: bool,
}

pub fn init(state: &mut State, cli: &Cli) -> Result<()> {
    let mut renderer = create_renderer(cli.renderer)?;
    let mut outputs = Vec::new();
    for (index, size) in cli.output_sizes().into_iter().enumerate() {
        let pixels = (size.width, size.height).into();
        let name = format!("HEADLESS-{}", index + 1);
        let output = add_output(state, name, "Virtual panel", pixels, REFRESH_MILLIHERTZ);

        let framebuffer = renderer
            .create_framebuffer(pixels)
            .with_context(|| format!("could not create the framebuffer of {}", output.name()))?;
        info!(
            output = output.name(),
            width = size.width,
            height = size.height,
            "virtual output"
        );
        outputs.push(HeadlessOutput {
            damage_tracker: OutputDamageTracker::from_output(&output),
            size: pixels,
            output,
            framebuffer,
            frame_clock: FrameClock::new(REFRESH_MILLIHERTZ),
            queued_frame: None,
            presenting: None,
            redraw_after_vblank: false,
        });
    }

    let (dmabuf_formats, main_device) = match &renderer {
        HeadlessRenderer::Gles(gles) => (
            gles.dmabuf_formats(),
            egl_main_device(gles.egl_context().display()),
        ),
        HeadlessRenderer::Pixman(pixman) => (pixman.dmabuf_formats(), None),
    };
    advertise_dmabuf(state, dmabuf_formats, main_device);

    let backend = HeadlessBackend { renderer, outputs };
    info!(renderer = backend.renderer_name(), "headless backend ready");
    state.backend = Backend::Headless(backend);
    // The first frame is black: a defined picture from the very start.
    state.queue_redraw_all();
    Ok(())
}

fn create_renderer(choice: RendererChoice) -> Result<HeadlessRenderer> {
    match choice {
        RendererChoice::Pixman => pixman_renderer(),
        RendererChoice::Gles => match gles_renderer() {
            Ok(renderer) => Ok(renderer),
            Err(err) => {
                warn!("no usable EGL device ({err:#}); falling back to the pixman renderer");
                pixman_renderer()
            }
        },
    }
}

fn pixman_renderer() -> Result<HeadlessRenderer> {
    let renderer = PixmanRenderer::new().map_err(|err| anyhow!("pixman: {err:?}"))?;
    Ok(HeadlessRenderer::Pixman(Box::new(renderer)))
}

/// GLES on an EGL device: a hardware device when one exists, Mesa's software device else.
fn gles_renderer() -> Result<HeadlessRenderer> {
    let mut devices: Vec<EGLDevice> = EGLDevice::enumerate()
        .map_err(|err| anyhow!("enumerating EGL devices failed: {err}"))?
        .collect();
    devices.sort_by_key(EGLDevice::is_software);
    let mut last_error = anyhow!("no EGL device found");
    for device in devices {
        let software = device.is_software();
        // SAFETY: the device handle comes from EGL's own enumeration and outlives the display.
        let display = match unsafe { EGLDisplay::new(device) } {
            Ok(display) => display,
            Err(err) => {
                last_error = anyhow!("opening an EGL display failed: {err}");
                continue;
            }
        };
        let context = EGLContext::new(&display).context("creating an EGL context failed")?;
        // SAFETY: the context is fresh and only used by this renderer, on this thread.
        let renderer = unsafe { GlesRenderer::new(context) }
            .map_err(|err| anyhow!("creating the GLES renderer failed: {err}"))?;
        info!(software, "GLES renderer on an EGL device");
        return Ok(HeadlessRenderer::Gles(Box::new(renderer)));
    }
    Err(last_error)
}

impl HeadlessRenderer {
    fn create_framebuffer(&mut self, size: Size<i32, Physical>) -> Result<Framebuffer> {
        let buffer_size = size.to_logical(1).to_buffer(1, Transform::Normal);
        match self {
            HeadlessRenderer::Gles(renderer) => {
                let buffer: GlesRenderbuffer = renderer
                    .create_buffer(Fourcc::Abgr8888, buffer_size)
                    .map_err(|err| anyhow!("{err}"))?;
                Ok(Framebuffer::Gles(buffer))
            }
            HeadlessRenderer::Pixman(renderer) => {
                let image: pixman::Image<'static, 'static> = renderer
                    .create_buffer(Fourcc::Xrgb8888, buffer_size)
                    .map_err(|err| anyhow!("{err:?}"))?;
                Ok(Framebuffer::Pixman(image))
            }
        }
    }
}

impl HeadlessBackend {
    pub fn renderer_name(&self) -> &'static str {
        match self.renderer {
            HeadlessRenderer::Gles(_) => "gles",
            HeadlessRenderer::Pixman(_) => "pixman",
        }
    }

    pub fn queue_redraw(&mut self, output: &Output, loop_handle: &LoopHandle<'static, State>) {
        let Some(headless_output) = self.outputs.iter_mut().find(|o| &o.output == output) else {
            return;
        };
        if headless_output.queued_frame.is_some() {
            return;
        }
        if headless_output.presenting.is_some() {
            headless_output.redraw_after_vblank = true;
            return;
        }
        // Drawn at once; shown at the next vblank.
        let name = output.name();
        match loop_handle.insert_source(Timer::immediate(), move |_, _, state| {
            state.render_headless_output(&name);
            TimeoutAction::Drop
        }) {
            Ok(token) => headless_output.queued_frame = Some(token),
            Err(err) => warn!("could not schedule a frame: {err}"),
        }
    }

    pub fn import_dmabuf(&mut self, dmabuf: &Dmabuf) -> bool {
        match &mut self.renderer {
            HeadlessRenderer::Gles(renderer) => import_dmabuf_into(renderer.as_mut(), dmabuf),
            HeadlessRenderer::Pixman(renderer) => import_dmabuf_into(renderer.as_mut(), dmabuf),
        }
    }
}

impl State {
    fn headless_output(&mut self, name: &str) -> Option<&mut HeadlessOutput> {
        match &mut self.backend {
            Backend::Headless(backend) => {
                backend.outputs.iter_mut().find(|o| o.output.name() == name)
            }
            _ => None,
        }
    }

    /// Draws what changed on output `name`, to be presented at the first vblank from now.
    fn render_headless_output(&mut self, name: &str) {
        let now: Duration = self.clock.now().into();
        let Some(output) = self.space.outputs().find(|o| o.name() == name).cloned() else {
            return;
        };
        let chrome_frame = self.chrome_frame(&output);
        let Backend::Headless(backend) = &mut self.backend else {
            return;
        };
        // The renderer is borrowed beside the output: no helper that borrows the backend.
        let Some(headless_output) = backend.outputs.iter_mut().find(|o| o.output.name() == name)
        else {
            return;
        };
        headless_output.queued_frame = None;
        let vblank = headless_output.frame_clock.next_presentation_time(now);
        // One persistent framebuffer: after the first frame it always holds the previous one.
        let age = if headless_output.frame_clock.sequence() == 0 {
            0
        } else {
            1
        };
        let output = headless_output.output.clone();
        let size = headless_output.size;
        let job = frame_job!(
            self,
            &output,
            &mut headless_output.damage_tracker,
            vblank,
            chrome_frame
        );
        let result = match (&mut backend.renderer, &mut headless_output.framebuffer) {
            (HeadlessRenderer::Gles(renderer), Framebuffer::Gles(buffer)) => {
                render_offscreen(renderer.as_mut(), buffer, size, age, job)
            }
            (HeadlessRenderer::Pixman(renderer), Framebuffer::Pixman(image)) => {
                render_offscreen(renderer.as_mut(), image, size, age, job)
            }
            _ => Err("renderer and framebuffer kinds differ".to_string()),
        };

        let outcome = match result {
            Ok(outcome) => outcome,
            Err(err) => {
                warn!("{err}");
                return;
            }
        };
        let mut feedback = self.frame_composed(&output, &outcome);
        let name = name.to_owned();
        let drawn: Duration = self.clock.now().into();
        let timer = Timer::from_duration(vblank.saturating_sub(drawn));
        let presenting = self.loop_handle.insert_source(timer, move |_, _, state| {
            state.headless_vblank(&name, vblank, feedback.take());
            TimeoutAction::Drop
        });
        let Some(headless_output) = self.headless_output(&output.name()) else {
            return;
        };
        match presenting {
            Ok(token) => headless_output.presenting = Some(token),
            Err(err) => warn!("could not present a frame: {err}"),
        }
    }

    /// The vblank a drawn frame waited for: it is shown now, the clients hear so, and a
    /// frame queued meanwhile is drawn.
    fn headless_vblank(
        &mut self,
        name: &str,
        vblank: Duration,
        feedback: Option<OutputPresentationFeedback>,
    ) {
        let Some(headless_output) = self.headless_output(name) else {
            return;
        };
        headless_output.presenting = None;
        headless_output.frame_clock.presented(vblank);
        let sequence = headless_output.frame_clock.sequence();
        let refresh = headless_output.frame_clock.refresh_interval();
        let redraw = std::mem::take(&mut headless_output.redraw_after_vblank);
        let output = headless_output.output.clone();
        self.frame_presented(
            &output,
            feedback,
            vblank,
            refresh,
            sequence,
            wp_presentation_feedback::Kind::Vsync,
        );
        if redraw {
            self.queue_redraw(&output);
        }
    }
}

/// Binds an offscreen buffer of any renderer and composes the frame into it.
pub(super) fn render_offscreen<R, T>(
    renderer: &mut R,
    buffer: &mut T,
    size: Size<i32, Physical>,
    age: usize,
    job: FrameJob<'_>,
) -> Result<FrameOutcome, String>
where
    R: Bind<T> + ImportAll + ImportMem + ExportMem,
    R::TextureId: Send + Clone + Texture + 'static,
{
    let mut framebuffer = renderer
        .bind(buffer)
        .map_err(|err| format!("binding the framebuffer failed: {err:?}"))?;
    compose_frame(
        FrameTarget {
            renderer,
            framebuffer: &mut framebuffer,
            size,
            // Offscreen GL renderbuffers and Pixman images both hold the top row first.
            row_order: RowOrder::TopFirst,
            age,
        },
        job,
    )
}
