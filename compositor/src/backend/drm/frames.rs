//! When and how a display's frame is drawn: scheduled at its refresh, composed (or a
//! client's buffer scanned out directly), flipped, and reported to clients at the vblank.

use std::time::Duration;

use anyhow::Result;
use smithay::backend::drm::compositor::{FrameFlags, PrimaryPlaneElement};
use smithay::backend::drm::{DrmEventMetadata, DrmEventTime};
use smithay::backend::renderer::element::RenderElementStates;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::reexports::calloop::{LoopHandle, RegistrationToken};
use smithay::reexports::drm::control::crtc;
use smithay::reexports::wayland_protocols::wp::presentation_time::server::wp_presentation_feedback;
use tracing::{info, warn};

use super::device::GpuRenderer;
use super::outputs::Scanout;
use super::outputs::with_scanout;
use super::{gpu_and_output_on, output_on};
use crate::backend::Backend;
use crate::render::{FrameOutcome, clear_colour, frame_elements};
use crate::state::State;

pub(super) fn schedule_render(
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

impl State {
    pub(super) fn drm_vblank(&mut self, crtc: crtc::Handle, metadata: Option<&DrmEventMetadata>) {
        let now: Duration = self.clock.now().into();
        let Some(drm_output) = output_on(&mut self.backend, crtc) else {
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
    pub(super) fn render_drm_output(&mut self, crtc: crtc::Handle) {
        let now: Duration = self.clock.now().into();
        let active = matches!(&self.backend, Backend::Drm(drm) if drm.active);
        let Some(drm_output) = output_on(&mut self.backend, crtc) else {
            return;
        };
        drm_output.scheduled = None;
        if !active || drm_output.flip_pending {
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

        let Some((gpu, drm_output)) = gpu_and_output_on(&mut self.backend, crtc) else {
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
            self.drm_capture(crtc, &output, chrome_frame, now);
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

        let Some(drm_output) = output_on(&mut self.backend, crtc) else {
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
    pub(super) fn drm_empty_frame_done(&mut self, crtc: crtc::Handle) {
        let now: Duration = self.clock.now().into();
        let Some(drm_output) = output_on(&mut self.backend, crtc) else {
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
}
