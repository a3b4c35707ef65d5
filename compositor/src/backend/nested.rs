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
use smithay::backend::allocator::dmabuf::Dmabuf;
use smithay::backend::renderer::ImportDma;
use smithay::backend::renderer::damage::OutputDamageTracker;
use smithay::backend::renderer::gles::GlesRenderer;
use smithay::backend::winit::{self, WinitEvent, WinitGraphicsBackend};
use smithay::output::{Mode, Output, PhysicalProperties, Scale, Subpixel};
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::reexports::calloop::{EventLoop, LoopHandle, RegistrationToken};
use smithay::reexports::winit::dpi::LogicalSize;
use smithay::reexports::winit::window::Window as WinitWindow;
use smithay::utils::{Physical, Size, Transform};
use tracing::{info, warn};

use crate::backend::frame_clock::FrameClock;
use crate::backend::{Backend, advertise_dmabuf};
use crate::cli::Cli;
use crate::protocols::screencopy::RowOrder;
use crate::render::{FrameTarget, compose_frame};
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
fn damage_tracker_for(size: Size<i32, Physical>) -> OutputDamageTracker {
    OutputDamageTracker::new(size, 1.0, Transform::Flipped180)
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
    let output = Output::new(
        "NESTED-1".to_string(),
        PhysicalProperties {
            size: (0, 0).into(),
            subpixel: Subpixel::Unknown,
            make: "Cowl".into(),
            model: "Nested window".into(),
        },
    );
    let mode = Mode {
        size,
        refresh: REFRESH_MILLIHERTZ,
    };
    output.change_current_state(
        Some(mode),
        Some(Transform::Normal),
        Some(Scale::Integer(1)),
        Some((0, 0).into()),
    );
    output.set_preferred(mode);
    output.create_global::<State>(&state.display_handle);
    state.space.map_output(&output, (0, 0));

    let dmabuf_formats = graphics.renderer().dmabuf_formats();
    advertise_dmabuf(state, dmabuf_formats);

    event_loop
        .handle()
        .insert_source(winit_events, |event, _, state| {
            state.handle_winit_event(event)
        })
        .map_err(|err| anyhow!("could not watch the nested window's events: {err}"))?;

    info!(width = size.w, height = size.h, "nested window ready");
    state.backend = Backend::Nested(NestedBackend {
        graphics,
        output,
        damage_tracker: damage_tracker_for(size),
        frame_clock: FrameClock::new(REFRESH_MILLIHERTZ),
        queued_frame: None,
    });
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
                nested.damage_tracker = damage_tracker_for(size);
                let output = nested.output.clone();
                smithay::desktop::layer_map_for_output(&output).arrange();
                crate::shell::relayout(&mut self.space);
                self.queue_redraw(&output);
            }
            WinitEvent::Input(event) => self.process_input_event(event),
            WinitEvent::Redraw => self.render_nested(),
            WinitEvent::CloseRequested => self.loop_signal.stop(),
            WinitEvent::Focus(_) => {}
        }
    }

    fn render_nested(&mut self) {
        let Backend::Nested(nested) = &mut self.backend else {
            return;
        };
        nested.queued_frame = None;
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
                &output,
                &self.space,
                &mut nested.damage_tracker,
                &mut self.protocols.screencopy,
                self.screenshot.as_mut(),
                presented_at,
            ),
            Err(err) => Err(format!("binding the window's framebuffer failed: {err}")),
        };
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(err) => {
                warn!("{err}");
                return;
            }
        };
        if let Some(damage) = &outcome.damage {
            if let Err(err) = nested.graphics.submit(Some(damage)) {
                warn!("presenting the nested window failed: {err}");
            }
        }
        nested.frame_clock.presented(presented_at);
        let sequence = nested.frame_clock.sequence();
        let refresh = nested.frame_clock.refresh_interval();
        self.frame_presented(&output, &outcome, presented_at, refresh, sequence);
    }
}
