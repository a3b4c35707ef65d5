//! Composition of one output's frame, shared by every backend.
//!
//! A backend binds its framebuffer and calls [`compose_frame`]; this module renders the
//! output's windows and layer surfaces through the damage tracker (nothing changed, nothing
//! drawn) and serves the screen captures waiting for that output. [`State::frame_composed`]
//! then collects the presentation feedback of what the frame shows, and
//! [`State::frame_presented`] sends it, with the frame callbacks, once the frame is on screen.
//! Backends decide *when* a frame is drawn (their frame clock); this module decides *what* is
//! in it.

use std::time::Duration;

use smithay::backend::renderer::damage::OutputDamageTracker;
use smithay::backend::renderer::element::AsRenderElements;
use smithay::backend::renderer::element::RenderElementStates;
use smithay::backend::renderer::element::default_primary_scanout_output_compare;
use smithay::backend::renderer::element::memory::MemoryRenderBufferRenderElement;
use smithay::backend::renderer::element::render_elements;
use smithay::backend::renderer::element::surface::WaylandSurfaceRenderElement;
use smithay::backend::renderer::element::utils::CropRenderElement;
use smithay::backend::renderer::{ExportMem, ImportAll, ImportMem, Renderer, Texture};
use smithay::desktop::utils::{
    OutputPresentationFeedback, surface_presentation_feedback_flags_from_states,
    surface_primary_scanout_output, update_surface_primary_scanout_output,
};
use smithay::desktop::{Space, Window, layer_map_for_output};
use smithay::output::Output;
use smithay::reexports::wayland_protocols::wp::presentation_time::server::wp_presentation_feedback;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::utils::{Logical, Physical, Rectangle, Scale, Size};
use smithay::wayland::compositor::SurfaceData;
use smithay::wayland::presentation::Refresh;
use tracing::warn;

use crate::chrome::{Chrome, ChromeFrame};
use crate::config::Colour;
use crate::protocols::screencopy::{self, RowOrder, ScreencopyState};
use crate::screenshot::{Screenshot, ScreenshotRequest};
use crate::shell::activation::shown_slot;
use crate::state::State;

/// What a rendered frame changed, for feedback and captures.
pub struct FrameOutcome {
    /// The damaged rectangles, or `None` when nothing had to be drawn.
    pub damage: Option<Vec<Rectangle<i32, Physical>>>,
    pub states: RenderElementStates,
}

/// The framebuffer that a backend has bound for one output's frame.
pub struct FrameTarget<'a, 'fb, R: Renderer> {
    pub renderer: &'a mut R,
    pub framebuffer: &'a mut R::Framebuffer<'fb>,
    pub size: Size<i32, Physical>,
    pub row_order: RowOrder,
    /// How many frames ago the framebuffer's contents were drawn (0: unknown, redraw all).
    pub age: usize,
}

/// What a frame of one output needs from the compositor state besides the framebuffer.
pub struct FrameJob<'a> {
    pub output: &'a Output,
    pub space: &'a Space<Window>,
    pub damage_tracker: &'a mut OutputDamageTracker,
    pub screencopy: &'a mut ScreencopyState,
    /// The `--screenshot`, when this is the output it shows.
    pub screenshot: Option<&'a mut Screenshot>,
    /// Shell1 `Screenshot` calls, when this is the output they capture.
    pub screenshot_requests: Vec<ScreenshotRequest>,
    pub presented_at: Duration,
    /// What the screen shows where no surface is: the output's configured background, never
    /// undefined memory.
    pub background: Colour,
    /// What the chrome shows in this frame, and the chrome that draws it.
    pub chrome: &'a mut Chrome,
    pub chrome_frame: ChromeFrame,
    /// The start-up curtain is down: black only, no app and no overlay.
    pub curtain: bool,
}

/// The [`FrameJob`] of `$output`, the one frame set-up of every backend (headless, nested,
/// DRM and its captures): the compositor state `$state` (a `State` place, such as `self`)
/// is borrowed field by field, so that the backend, borrowed beside it, can lend the damage
/// tracker. `--screenshot` and Shell1's screenshots go with the primary output's frames.
macro_rules! frame_job {
    ($state:expr, $output:expr, $damage_tracker:expr, $presented_at:expr, $chrome_frame:expr) => {{
        let output: &smithay::output::Output = $output;
        let is_primary = Some(output) == $crate::shell::primary_output(&$state.space).as_ref();
        $crate::render::FrameJob {
            output,
            space: &$state.space,
            damage_tracker: $damage_tracker,
            screencopy: &mut $state.protocols.screencopy,
            screenshot: if is_primary {
                $state.screenshot.as_mut()
            } else {
                None
            },
            screenshot_requests: if is_primary {
                std::mem::take(&mut $state.screenshot_requests)
            } else {
                Vec::new()
            },
            presented_at: $presented_at,
            background: $state.config.background(&output.name()),
            chrome: &mut $state.chrome,
            chrome_frame: $chrome_frame,
            curtain: $state.curtain.is_down(),
        }
    }};
}
pub(crate) use frame_job;

render_elements! {
    /// Everything a frame shows: layer surfaces (trusted clients only), apps clipped to
    /// their slots, and the chrome's buffers.
    pub FrameElement<R> where R: ImportAll + ImportMem;
    Layer=WaylandSurfaceRenderElement<R>,
    App=CropRenderElement<WaylandSurfaceRenderElement<R>>,
    Chrome=MemoryRenderBufferRenderElement<R>,
}

/// Renders the job's output into the bound framebuffer and serves its waiting captures.
pub fn compose_frame<R>(
    target: FrameTarget<'_, '_, R>,
    job: FrameJob<'_>,
) -> Result<FrameOutcome, String>
where
    R: Renderer + ImportAll + ImportMem + ExportMem,
    R::TextureId: Send + Clone + Texture + 'static,
{
    let FrameTarget {
        renderer,
        framebuffer,
        size,
        row_order,
        age,
    } = target;
    let FrameJob {
        output,
        space,
        damage_tracker,
        screencopy,
        screenshot,
        screenshot_requests,
        presented_at,
        background,
        chrome,
        chrome_frame,
        curtain,
    } = job;
    let elements = frame_elements(renderer, output, space, chrome, chrome_frame, curtain)?;
    let result = damage_tracker
        .render_output(
            renderer,
            framebuffer,
            age,
            &elements,
            clear_colour(background, curtain),
        )
        .map_err(|err| format!("rendering output {} failed: {err:?}", output.name()))?;
    let outcome = FrameOutcome {
        damage: result.damage.cloned(),
        states: result.states,
    };

    let ready = screencopy.frame_rendered(output, outcome.damage.as_deref());
    screencopy::serve(renderer, framebuffer, size, row_order, ready, presented_at);

    let panel_pixels = crate::screenshot::PanelPixels {
        size,
        row_order,
        transform: output.current_transform(),
    };
    if let Some(screenshot) = screenshot
        && screenshot.is_due()
    {
        let full = Rectangle::from_size(size);
        match screencopy::read_back(renderer, framebuffer, size, row_order, full) {
            Ok(pixels) => screenshot.save(&pixels, &panel_pixels),
            Err(err) => warn!("could not capture the screenshot: {err}"),
        }
    }
    if !screenshot_requests.is_empty() {
        let full = Rectangle::from_size(size);
        match screencopy::read_back(renderer, framebuffer, size, row_order, full) {
            Ok(pixels) => {
                crate::screenshot::save_requested(screenshot_requests, pixels, panel_pixels)
            }
            Err(err) => {
                for request in screenshot_requests {
                    let _ = request
                        .reply
                        .send(Err(crate::screenshot::ScreenshotError::Failed(format!(
                            "could not read the frame: {err}"
                        ))));
                }
            }
        }
    }
    Ok(outcome)
}

/// Everything `output` shows, front to back: the covers (or the camera), the upper layer
/// surfaces (the on-screen keyboard), the status bar and dock, the apps, each clipped to its
/// slot, the lower layer surfaces, and the home view. No app surface, subsurface or popup
/// can draw over the chrome or outside its slot: only trusted clients have layer surfaces.
/// The curtain shows nothing (black alone).
pub fn frame_elements<R>(
    renderer: &mut R,
    output: &Output,
    space: &Space<Window>,
    chrome: &mut Chrome,
    chrome_frame: ChromeFrame,
    curtain: bool,
) -> Result<Vec<FrameElement<R>>, String>
where
    R: Renderer + ImportAll + ImportMem,
    R::TextureId: Send + Clone + Texture + 'static,
{
    let mut elements = Vec::new();
    if curtain {
        return Ok(elements);
    }
    let Some(output_geometry) = space.output_geometry(output) else {
        return Ok(elements);
    };
    let scale = output.current_scale().fractional_scale();
    let chrome = chrome.render_elements(renderer, chrome_frame);
    let (lower_layers, upper_layers) = layer_elements(renderer, output, scale);
    elements.extend(chrome.above.into_iter().map(FrameElement::Chrome));
    elements.extend(upper_layers.into_iter().map(FrameElement::Layer));
    elements.extend(chrome.panels.into_iter().map(FrameElement::Chrome));
    elements.extend(
        app_elements(renderer, space, output_geometry, scale)
            .into_iter()
            .map(FrameElement::App),
    );
    elements.extend(lower_layers.into_iter().map(FrameElement::Layer));
    elements.extend(chrome.below.into_iter().map(FrameElement::Chrome));
    Ok(elements)
}

/// The shown windows' surfaces, popups and subsurfaces, topmost first, each clipped to its
/// window's slot (output-local physical).
fn app_elements<R>(
    renderer: &mut R,
    space: &Space<Window>,
    output_geometry: Rectangle<i32, Logical>,
    scale: f64,
) -> Vec<CropRenderElement<WaylandSurfaceRenderElement<R>>>
where
    R: Renderer + ImportAll,
    R::TextureId: Clone + Texture + 'static,
{
    let mut elements = Vec::new();
    for window in space.elements().rev() {
        let (Some(slot), Some(location)) = (shown_slot(window), space.element_location(window))
        else {
            continue;
        };
        let Some(visible) = slot.intersection(output_geometry) else {
            continue;
        };
        let clip = Rectangle::new(visible.loc - output_geometry.loc, visible.size)
            .to_physical_precise_round(scale);
        let origin = (location - window.geometry().loc - output_geometry.loc)
            .to_physical_precise_round(scale);
        let surfaces = AsRenderElements::<R>::render_elements::<WaylandSurfaceRenderElement<R>>(
            window,
            renderer,
            origin,
            Scale::from(scale),
            1.0,
        );
        elements.extend(
            surfaces
                .into_iter()
                .filter_map(|surface| CropRenderElement::from_element(surface, scale, clip)),
        );
    }
    elements
}

/// The output's layer surfaces, topmost first: (background and bottom, top and overlay).
fn layer_elements<R>(
    renderer: &mut R,
    output: &Output,
    scale: f64,
) -> (
    Vec<WaylandSurfaceRenderElement<R>>,
    Vec<WaylandSurfaceRenderElement<R>>,
)
where
    R: Renderer + ImportAll,
    R::TextureId: Clone + Texture + 'static,
{
    use smithay::wayland::shell::wlr_layer::Layer;
    let layers = layer_map_for_output(output);
    let mut lower = Vec::new();
    let mut upper = Vec::new();
    // Topmost first: by layer, and within a layer the newest surface on top.
    for layer in [Layer::Overlay, Layer::Top, Layer::Bottom, Layer::Background] {
        for surface in layers.layers_on(layer).rev() {
            let Some(geometry) = crate::shell::layer_placement::layer_geometry(surface) else {
                continue;
            };
            let surfaces = AsRenderElements::<R>::render_elements::<WaylandSurfaceRenderElement<R>>(
                surface,
                renderer,
                geometry.loc.to_physical_precise_round(scale),
                Scale::from(scale),
                1.0,
            );
            match layer {
                Layer::Background | Layer::Bottom => lower.extend(surfaces),
                Layer::Top | Layer::Overlay => upper.extend(surfaces),
            }
        }
    }
    (lower, upper)
}

/// What lies behind every element: the output's background colour, black under the curtain.
pub fn clear_colour(background: Colour, curtain: bool) -> [f32; 4] {
    let [red, green, blue] = if curtain {
        [0.0; 3]
    } else {
        background.0.map(|channel| f32::from(channel) / 255.0)
    };
    [red, green, blue, 1.0]
}

impl State {
    /// Right after a frame of `output` was composed: which output each surface is shown on
    /// most (feedback and fractional scale follow it) and, if the frame changed the screen,
    /// the presentation feedback of exactly the surfaces it showed. The backend hands that
    /// feedback to [`State::frame_presented`] once the frame is really on the display; a
    /// surface committed again meanwhile keeps its new feedback for the next frame.
    pub fn frame_composed(
        &self,
        output: &Output,
        outcome: &FrameOutcome,
    ) -> Option<OutputPresentationFeedback> {
        let update_primary_output = |surface: &WlSurface, states: &SurfaceData| {
            update_surface_primary_scanout_output(
                surface,
                output,
                states,
                &outcome.states,
                default_primary_scanout_output_compare,
            );
        };
        for window in self.space.elements() {
            window.with_surfaces(update_primary_output);
        }
        for layer in layer_map_for_output(output).layers() {
            layer.with_surfaces(update_primary_output);
        }

        outcome.damage.as_ref()?;
        let mut feedback = OutputPresentationFeedback::new(output);
        let flags = |surface: &WlSurface, _: &SurfaceData| {
            surface_presentation_feedback_flags_from_states(surface, &outcome.states)
        };
        for window in self.space.elements() {
            if self.space.outputs_for_element(window).contains(output) {
                window.take_presentation_feedback(
                    &mut feedback,
                    surface_primary_scanout_output,
                    flags,
                );
            }
        }
        for layer in layer_map_for_output(output).layers() {
            layer.take_presentation_feedback(&mut feedback, surface_primary_scanout_output, flags);
        }
        Some(feedback)
    }

    /// Once a frame of `output` is on the display (or was skipped for lack of damage): the
    /// presentation feedback [`State::frame_composed`] collected for it, and frame callbacks
    /// so that clients draw their next frame.
    pub fn frame_presented(
        &mut self,
        output: &Output,
        feedback: Option<OutputPresentationFeedback>,
        presented_at: Duration,
        refresh: Duration,
        sequence: u64,
        kind: wp_presentation_feedback::Kind,
    ) {
        self.startup_frame_shown(output);
        if let Some(mut feedback) = feedback {
            feedback.presented::<_, smithay::utils::Monotonic>(
                presented_at,
                Refresh::fixed(refresh),
                sequence,
                kind,
            );
        }

        // Throttle: a surface that is not redrawn still gets a callback about once a second,
        // so that hidden clients do not spin and do not stall.
        let throttle = Some(Duration::from_secs(1));
        for window in self.space.elements() {
            if self.space.outputs_for_element(window).contains(output) {
                window.send_frame(output, presented_at, throttle, |_, _| Some(output.clone()));
            }
        }
        for layer in layer_map_for_output(output).layers() {
            layer.send_frame(output, presented_at, throttle, |_, _| Some(output.clone()));
        }
        // A window that must redraw at a new size before it is shown again is not in the
        // space: without this it would wait for a frame callback forever.
        for (window, awaiting_output) in &self.shell.awaiting {
            if awaiting_output == output {
                window.send_frame(output, presented_at, None, |_, _| Some(output.clone()));
            }
        }

        self.screenshot_frame_done();
    }
}
