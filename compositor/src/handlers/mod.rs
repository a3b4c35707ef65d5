//! One file per smithay handler trait: each file is the place where that protocol's requests
//! reach compositor state. Protocols that need no policy of ours are delegated here in one
//! line each.

mod compositor;
mod dmabuf;
mod fractional_scale;
mod layer_shell;
mod seat;
mod security_context;
mod shm;
mod text_input;
mod virtual_keyboard;
mod xdg_activation;
mod xdg_decoration;
pub(crate) mod xdg_positioner;
mod xdg_shell;
mod xdg_wm_base;

use smithay::wayland::output::OutputHandler;
use smithay::{
    delegate_content_type, delegate_output, delegate_presentation, delegate_single_pixel_buffer,
    delegate_viewporter,
};

use crate::state::State;

impl OutputHandler for State {}
delegate_output!(State);
delegate_viewporter!(State);
delegate_single_pixel_buffer!(State);
delegate_presentation!(State);
// wp_content_type_v1: apps tag video surfaces, which the NO_VIDEO restriction covers.
delegate_content_type!(State);
