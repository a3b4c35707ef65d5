//! The nested backend: Cowl as a window in the developer's desktop session (Wayland or X11),
//! through smithay's winit backend. One window is one output, named `NESTED-1`, sized by the
//! first `--output` and following the window when it is resized.
//!
//! Frames are paced by the same frame clock as the headless backend: a queued frame asks
//! winit for a redraw at the next refresh, and the redraw event draws it. The window's GL
//! framebuffer stores its bottom row first, so we render with a vertical flip (the output
//! itself stays `Normal` for clients) and captures are marked y-inverted.

use std::time::Duration;

use anyhow::{Result, anyhow};
use smithay::backend::SwapBuffersError;
use smithay::backend::allocator::dmabuf::Dmabuf;
use smithay::backend::renderer::ImportDma;
use smithay::backend::renderer::damage::OutputDamageTracker;
use smithay::backend::renderer::gles::{GlesRenderer, GlesTarget};
use smithay::backend::renderer::{Frame, Renderer};
use smithay::backend::winit::{self, WinitEvent, WinitEventLoop, WinitGraphicsBackend};
use smithay::output::{Mode, Output};
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::reexports::calloop::{
    self, EventIterator, EventSource, Poll, PostAction, Readiness, Token, TokenFactory,
};
use smithay::reexports::calloop::{EventLoop, LoopHandle, RegistrationToken};
use smithay::reexports::wayland_protocols::wp::presentation_time::server::wp_presentation_feedback;
use smithay::reexports::winit::dpi::LogicalSize;
use smithay::reexports::winit::window::Window as WinitWindow;
use smithay::utils::{Physical, Size, Transform};
use tracing::{info, warn};

use crate::backend::frame_clock::FrameClock;
use crate::backend::{Backend, add_output, advertise_dmabuf, egl_main_device};
use crate::cli::Cli;
use crate::protocols::screencopy::RowOrder;
use crate::render::{FrameTarget, compose_frame, frame_job};
use crate::state::State;

const REFRESH_MILLIHERTZ: i32 = 60_000;

pub struct NestedBackend {
    graphics: WinitGraphicsBackend<GlesRenderer>,
    output: Output,
    damage_tracker: OutputDamageTracker,
    frame_clock: FrameClock,
    queued_frame: Option<RegistrationToken>,
}

/// The window's framebuffer is bottom-up: render flipped so the picture stands upright.
/// The output's scale applies (a dense panel shown at its own pixel size).
fn damage_tracker_for(output: &Output, size: Size<i32, Physical>) -> OutputDamageTracker {
    let scale = output.current_scale().fractional_scale();
    OutputDamageTracker::new(size, scale, Transform::Flipped180)
}

pub fn init(
    event_loop: &mut EventLoop<'static, State>,
    state: &mut State,
    cli: &Cli,
) -> Result<()> {
    let requested = cli.output_sizes()[0];
    let attributes = WinitWindow::default_attributes()
        .with_title("Cowl")
        .with_inner_size(LogicalSize::new(
            requested.width as f64,
            requested.height as f64,
        ));
    let (mut graphics, winit_events) = winit::init_from_attributes::<GlesRenderer>(attributes)
        .map_err(|err| {
            anyhow!(
                "could not open a window in the desktop session ({err}); \
                 use --backend headless where there is no display"
            )
        })?;

    let size = graphics.window_size();
    let output = add_output(
        state,
        "NESTED-1".to_string(),
        "Nested window",
        size,
        REFRESH_MILLIHERTZ,
    );
    // A desktop window is never mounted sideways: the picture stays upright in it, and
    // clients must not pre-rotate for a transform that the window does not have.
    if output.current_transform() != Transform::Normal {
        warn!("the configured transform of NESTED-1 applies to panels, not to a nested window");
        output.change_current_state(None, Some(Transform::Normal), None, None);
        state.space.map_output(&output, (0, 0));
    }

    let dmabuf_formats = graphics.renderer().dmabuf_formats();
    let main_device = egl_main_device(graphics.renderer().egl_context().display());
    advertise_dmabuf(state, dmabuf_formats, main_device);

    event_loop
        .handle()
        .insert_source(
            HostWindowEvents(winit_events),
            |event, _, state| match event {
                HostEvent::Window(event) => state.handle_winit_event(event),
                HostEvent::SessionGone => {
                    tracing::error!("the desktop session closed our window's connection; stopping");
                    state.loop_signal.stop();
                }
            },
        )
        .map_err(|err| anyhow!("could not watch the nested window's events: {err}"))?;

    info!(width = size.w, height = size.h, "nested window ready");
    state.backend = Backend::Nested(Box::new(NestedBackend {
        graphics,
        damage_tracker: damage_tracker_for(&output, size),
        output,
        frame_clock: FrameClock::new(REFRESH_MILLIHERTZ),
        queued_frame: None,
    }));
    state.queue_redraw_all();
    Ok(())
}

impl NestedBackend {
    pub fn queue_redraw(
        &mut self,
        output: &Output,
        loop_handle: &LoopHandle<'static, State>,
        now: Duration,
    ) {
        if output != &self.output || self.queued_frame.is_some() {
            return;
        }
        let at = self.frame_clock.next_presentation_time(now);
        let timer = Timer::from_duration(at.saturating_sub(now));
        match loop_handle.insert_source(timer, |_, _, state| {
            if let Backend::Nested(nested) = &mut state.backend {
                // Cleared here, not when drawing: winit drops a redraw request made before
                // the host's first configure, and a later request must still get through.
                nested.queued_frame = None;
                nested.graphics.window().request_redraw();
            }
            TimeoutAction::Drop
        }) {
            Ok(token) => self.queued_frame = Some(token),
            Err(err) => warn!("could not schedule a frame: {err}"),
        }
    }

    pub fn import_dmabuf(&mut self, dmabuf: &Dmabuf) -> bool {
        self.graphics
            .renderer()
            .import_dmabuf(dmabuf, None)
            .map_err(|err| warn!("dmabuf import failed: {err}"))
            .is_ok()
    }
}

impl State {
    fn handle_winit_event(&mut self, event: WinitEvent) {
        tracing::trace!(?event, "winit event");
        match event {
            WinitEvent::Resized { size, .. } => {
                let Backend::Nested(nested) = &mut self.backend else {
                    return;
                };
                let mode = Mode {
                    size,
                    refresh: REFRESH_MILLIHERTZ,
                };
                nested
                    .output
                    .change_current_state(Some(mode), None, None, None);
                nested.output.set_preferred(mode);
                nested.damage_tracker = damage_tracker_for(&nested.output, size);
                let output = nested.output.clone();
                crate::shell::layer_placement::arrange(&output);
                self.shell_apply();
                self.queue_redraw(&output);
            }
            WinitEvent::Input(event) => self.process_input_event(event),
            WinitEvent::Redraw => self.render_nested(),
            WinitEvent::CloseRequested => self.loop_signal.stop(),
            WinitEvent::Focus(_) => {}
        }
    }

    fn render_nested(&mut self) {
        let Some(output) = self.space.outputs().next().cloned() else {
            return;
        };
        let chrome_frame = self.chrome_frame(&output);
        let Backend::Nested(nested) = &mut self.backend else {
            return;
        };
        let presented_at: Duration = self.clock.now().into();
        let age = nested.graphics.buffer_age().unwrap_or(0);
        let size = nested.graphics.window_size();
        let output = nested.output.clone();
        let result = match nested.graphics.bind() {
            Ok((renderer, mut framebuffer)) => compose_frame(
                FrameTarget {
                    renderer,
                    framebuffer: &mut framebuffer,
                    size,
                    row_order: RowOrder::BottomFirst,
                    age,
                },
                frame_job!(
                    self,
                    &output,
                    &mut nested.damage_tracker,
                    presented_at,
                    chrome_frame
                ),
            )
            .map_err(NestedFrameError::Render)
            .and_then(|outcome| {
                window_current_again(renderer, &mut framebuffer, size)?;
                Ok(outcome)
            }),
            Err(err) => Err(NestedFrameError::from_swap(err)),
        };
        let result = result.and_then(|outcome| match &outcome.damage {
            Some(damage) => nested
                .graphics
                .submit(Some(damage))
                .map(|()| outcome)
                .map_err(NestedFrameError::from_swap),
            None => Ok(outcome),
        });
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(NestedFrameError::WindowLost(reason)) => {
                // The host session went away (or its GPU context did): nothing left to show
                // on, so stop cleanly instead of spinning on errors.
                tracing::error!("lost the nested window ({reason}); stopping");
                self.loop_signal.stop();
                return;
            }
            Err(NestedFrameError::Render(reason)) => {
                warn!("{reason}");
                return;
            }
        };
        nested.frame_clock.presented(presented_at);
        let sequence = nested.frame_clock.sequence();
        let refresh = nested.frame_clock.refresh_interval();
        let feedback = self.frame_composed(&output, &outcome);
        self.frame_presented(
            &output,
            feedback,
            presented_at,
            refresh,
            sequence,
            wp_presentation_feedback::Kind::Vsync,
        );
    }
}

/// Makes the window's surface current again before it is swapped.
///
/// Reading a frame back (screencopy, screenshots) maps the read buffer, and smithay's GLES
/// renderer maps with the context current on no surface. `eglSwapBuffers` then fails with
/// EGL_BAD_SURFACE, smithay answers by creating a second EGL surface for the same
/// `wl_egl_window`, Mesa refuses that with EGL_BAD_ALLOC, and the window counts as lost: one
/// `grim` stopped a nested Cowl. An empty frame on the window's framebuffer rebinds it and
/// leaves its pixels as they are.
fn window_current_again(
    renderer: &mut GlesRenderer,
    framebuffer: &mut GlesTarget<'_>,
    size: Size<i32, Physical>,
) -> Result<(), NestedFrameError> {
    let frame = renderer
        .render(framebuffer, size, Transform::Normal)
        .map_err(|err| NestedFrameError::Render(format!("rebinding the window failed: {err}")))?;
    frame
        .finish()
        .map(|_sync| ())
        .map_err(|err| NestedFrameError::Render(format!("rebinding the window failed: {err}")))
}

/// Why a nested frame was not shown.
enum NestedFrameError {
    /// This frame failed; the next may work.
    Render(String),
    /// The window or its context is gone for good.
    WindowLost(String),
}

impl NestedFrameError {
    fn from_swap(err: SwapBuffersError) -> NestedFrameError {
        match err {
            SwapBuffersError::ContextLost(reason) => {
                NestedFrameError::WindowLost(reason.to_string())
            }
            other => NestedFrameError::Render(other.to_string()),
        }
    }
}

/// What the host desktop session tells us.
enum HostEvent {
    Window(WinitEvent),
    /// winit stopped: the host compositor went away. Without this, cowl would keep serving
    /// clients with no window to show them in.
    SessionGone,
}

/// smithay's winit event source, plus a last event when winit gives up.
struct HostWindowEvents(WinitEventLoop);

impl EventSource for HostWindowEvents {
    type Event = HostEvent;
    type Metadata = ();
    type Ret = ();
    type Error = std::io::Error;

    const NEEDS_EXTRA_LIFECYCLE_EVENTS: bool = true;

    fn process_events<F>(
        &mut self,
        readiness: Readiness,
        token: Token,
        mut callback: F,
    ) -> Result<PostAction, Self::Error>
    where
        F: FnMut(Self::Event, &mut Self::Metadata) -> Self::Ret,
    {
        let action = self.0.process_events(readiness, token, |event, metadata| {
            callback(HostEvent::Window(event), metadata)
        })?;
        if matches!(action, PostAction::Remove) {
            callback(HostEvent::SessionGone, &mut ());
        }
        Ok(action)
    }

    fn register(
        &mut self,
        poll: &mut Poll,
        token_factory: &mut TokenFactory,
    ) -> calloop::Result<()> {
        self.0.register(poll, token_factory)
    }

    fn reregister(
        &mut self,
        poll: &mut Poll,
        token_factory: &mut TokenFactory,
    ) -> calloop::Result<()> {
        self.0.reregister(poll, token_factory)
    }

    fn unregister(&mut self, poll: &mut Poll) -> calloop::Result<()> {
        self.0.unregister(poll)
    }

    fn before_sleep(&mut self) -> calloop::Result<Option<(Readiness, Token)>> {
        self.0.before_sleep()
    }

    fn before_handle_events(&mut self, events: EventIterator<'_>) {
        self.0.before_handle_events(events)
    }
}
