//! Backends: where frames go and where input comes from.
//!
//! - `headless`: offscreen framebuffers, virtual outputs paced by timers (tests, CI, demos
//!   without a display).
//! - `nested`: a window in the developer's desktop session through winit.
//! - `drm`: the head unit's own displays (DRM/KMS) and touchscreens (libinput), in a seat
//!   session from seatd or logind.
//!
//! Every backend draws through `render::compose_frame`; what differs is how a framebuffer is
//! bound, and when the next frame may be drawn.

pub mod drm;
pub mod frame_clock;
pub mod headless;
mod mapped_scanout;
pub mod nested;

use std::time::Duration;

use smithay::backend::allocator::dmabuf::Dmabuf;
use smithay::output::{Mode, Output, PhysicalProperties, Scale, Subpixel};
use smithay::reexports::calloop::LoopHandle;
use smithay::utils::{Physical, Size, Transform};
use smithay::wayland::dmabuf::{DmabufFeedback, DmabufFeedbackBuilder};

use crate::state::State;

pub enum Backend {
    /// Before `headless::init` or `nested::init` has run.
    Starting,
    Headless(headless::HeadlessBackend),
    /// Boxed: the winit window state is large and the enum is moved once at startup.
    Nested(Box<nested::NestedBackend>),
    Drm(Box<drm::DrmBackend>),
}

impl Backend {
    /// Schedules a frame of `output` at its next refresh; repeated calls before that frame
    /// are free.
    pub fn queue_redraw(
        &mut self,
        output: &Output,
        loop_handle: &LoopHandle<'static, State>,
        now: Duration,
    ) {
        match self {
            Backend::Starting => {}
            Backend::Headless(headless) => headless.queue_redraw(output, loop_handle),
            Backend::Nested(nested) => nested.queue_redraw(output, loop_handle, now),
            Backend::Drm(drm) => drm.queue_redraw(output, loop_handle, now),
        }
    }

    /// Switches to virtual terminal `vt` (Ctrl+Alt+Fn); only a seat session has terminals.
    pub fn change_vt(&mut self, vt: i32) {
        if let Backend::Drm(drm) = self {
            drm.change_vt(vt);
        }
    }

    /// The output that an absolute input device (a touchscreen) lies on, by device id, when
    /// the backend knows; otherwise input goes to the first output.
    pub fn output_of_input_device(&self, device_id: &str) -> Option<String> {
        match self {
            Backend::Drm(drm) => drm.output_of_input_device(device_id),
            _ => None,
        }
    }

    /// Imports a client's dmabuf into the renderer; `false` tells the client it failed.
    pub fn import_dmabuf(&mut self, dmabuf: &Dmabuf) -> bool {
        match self {
            Backend::Starting => false,
            Backend::Headless(headless) => headless.import_dmabuf(dmabuf),
            Backend::Nested(nested) => nested.import_dmabuf(dmabuf),
            Backend::Drm(drm) => drm.import_dmabuf(dmabuf),
        }
    }
}

/// Creates an output of `size` panel pixels, with the scale and transform its configuration
/// gives, advertises it to clients and maps it into the space in its place (see
/// [`arrange_outputs`]).
pub fn add_output(
    state: &mut State,
    name: String,
    model: &str,
    size: Size<i32, Physical>,
    refresh_millihertz: i32,
) -> Output {
    let output = Output::new(
        name,
        PhysicalProperties {
            size: (0, 0).into(),
            subpixel: Subpixel::Unknown,
            make: "Cowl".into(),
            model: model.into(),
        },
    );
    let mode = Mode {
        size,
        refresh: refresh_millihertz,
    };
    let configured = state.config.output(&output.name());
    let transform: Transform =
        configured.map_or(Transform::Normal, |output| output.transform.into());
    let scale = configured.map_or(1.0, |output| output.scale());
    // Integer scales stay integer: clients without wp_fractional_scale then draw at exactly
    // the panel's density instead of a rounded-up one that the compositor scales down.
    let scale = if scale.fract() == 0.0 {
        Scale::Integer(scale as i32)
    } else {
        Scale::Fractional(scale)
    };
    output.change_current_state(Some(mode), Some(transform), Some(scale), None);
    output.set_preferred(mode);
    let global = output.create_global::<State>(&state.display_handle);
    output
        .user_data()
        .insert_if_missing(|| OutputGlobal(global));
    state.space.map_output(&output, (0, 0));
    arrange_outputs(state);
    output
}

/// Lays the outputs side by side, left to right in the configuration's order, those it does
/// not name after them in the order they came. The first is the primary output, where apps
/// open: the centre display stays that whichever display was plugged in last.
pub fn arrange_outputs(state: &mut State) {
    let mut outputs: Vec<Output> = state.space.outputs().cloned().collect();
    let config = &state.config;
    outputs.sort_by_key(|output| {
        let name = output.name();
        config
            .outputs
            .iter()
            .position(|configured| *configured.name.get_ref() == name)
            .unwrap_or(usize::MAX)
    });
    let widths: Vec<i32> = outputs
        .iter()
        .map(|output| {
            state
                .space
                .output_geometry(output)
                .map_or(0, |geometry| geometry.size.w)
        })
        .collect();
    // Space keeps its outputs in the order they were mapped: unmap all, map in order.
    for output in &outputs {
        state.space.unmap_output(output);
    }
    let mut x = 0;
    for (output, width) in outputs.iter().zip(widths) {
        output.change_current_state(None, None, None, Some((x, 0).into()));
        state.space.map_output(output, (x, 0));
        x += width;
    }
}

/// The wl_output global of an output, withdrawn when the display goes away.
struct OutputGlobal(smithay::reexports::wayland_server::backend::GlobalId);

/// Takes away an output whose display was unplugged: clients are told it is gone, and the
/// outputs right of it move left to close the gap.
pub fn remove_output(state: &mut State, output: &Output) {
    if let Some(OutputGlobal(global)) = output.user_data().get::<OutputGlobal>() {
        state.display_handle.disable_global::<State>(global.clone());
    }
    state.space.unmap_output(output);
    arrange_outputs(state);
}

/// Imports a client's dmabuf into `renderer`; `false` (logged) tells the client it failed.
pub fn import_dmabuf_into<R>(renderer: &mut R, dmabuf: &Dmabuf) -> bool
where
    R: smithay::backend::renderer::ImportDma,
    R::Error: std::fmt::Debug,
{
    renderer
        .import_dmabuf(dmabuf, None)
        .map_err(|err| tracing::warn!("dmabuf import failed: {err:?}"))
        .is_ok()
}

/// Offers linux-dmabuf when the renderer can import any format; a renderer that cannot
/// (Pixman on some machines, EGL without the import extension) gets no global, so clients
/// fall back to wl_shm instead of failing later.
///
/// `main_device` is the GPU that Cowl renders with. Where it is known, the global is
/// version 5 with default feedback naming it: Mesa's EGL and Vulkan clients find their GPU
/// only through that feedback (or the legacy wl_drm, which Cowl does not offer), and without
/// it they fall back to software rendering into shared memory.
pub fn advertise_dmabuf(
    state: &mut State,
    formats: smithay::backend::allocator::format::FormatSet,
    main_device: Option<smithay::backend::drm::DrmNode>,
) {
    if formats.iter().next().is_none() {
        tracing::info!("the renderer imports no dmabuf formats; linux-dmabuf is not offered");
        return;
    }
    let feedback = main_device
        .and_then(|node| dmabuf_feedback(node, &formats).map(|feedback| (node, feedback)));
    let global = match &feedback {
        Some((node, feedback)) => {
            tracing::info!(main_device = %node, "linux-dmabuf offered with feedback");
            state
                .protocols
                .dmabuf
                .create_global_with_default_feedback::<State>(&state.display_handle, feedback)
        }
        None => state
            .protocols
            .dmabuf
            .create_global::<State>(&state.display_handle, formats.iter().copied()),
    };
    state.protocols.dmabuf_global = Some(global);
}

/// linux-dmabuf's default feedback: allocate on `main_device`, in one of `formats`.
pub fn dmabuf_feedback(
    main_device: smithay::backend::drm::DrmNode,
    formats: &smithay::backend::allocator::format::FormatSet,
) -> Option<DmabufFeedback> {
    DmabufFeedbackBuilder::new(main_device.dev_id(), formats.iter().copied())
        .build()
        .map_err(|err| tracing::warn!(node = %main_device, "no dmabuf feedback for the GPU: {err}"))
        .ok()
}

/// The render node (else the primary node) of the GPU behind an EGL display: the device that
/// clients should allocate their buffers on. None for a software device (llvmpipe without a
/// DRM device), where clients rightly draw in shared memory.
pub fn egl_main_device(
    display: &smithay::backend::egl::EGLDisplay,
) -> Option<smithay::backend::drm::DrmNode> {
    smithay::backend::egl::EGLDevice::device_for_display(display)
        .ok()?
        .try_get_render_node()
        .ok()
        .flatten()
}
