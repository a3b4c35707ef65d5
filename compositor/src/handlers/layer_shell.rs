//! zwlr_layer_shell_v1: panels, backgrounds and overlays from privileged clients.
//!
//! A layer surface joins the layer map of the output it asks for (the primary output when it
//! leaves the choice to us); its first configure is sent on its first commit, in
//! `handlers/compositor.rs`. Only trusted clients see this global (`trust.rs`).
//!
//! Keyboard: a layer surface that asks for keyboard interactivity gets the keyboard when it
//! appears; an `exclusive` one keeps it while it is shown (a tap elsewhere does not take it
//! away), an `on_demand` one has it until a tap elsewhere, and a tap on it gives it back.
//! One that turns interactivity off gives the keyboard back to the topmost window.
//!
//! Where each layer surface sits, and what the layers leave to the apps, is
//! `shell/layer_placement.rs`'s.

use smithay::delegate_layer_shell;
use smithay::desktop::{LayerSurface, layer_map_for_output};
use smithay::output::Output;
use smithay::reexports::wayland_server::protocol::wl_output::WlOutput;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::utils::{Logical, Point, SERIAL_COUNTER};
use smithay::wayland::shell::wlr_layer::{
    KeyboardInteractivity, Layer, LayerSurface as WlrLayerSurface, WlrLayerShellHandler,
    WlrLayerShellState,
};
use tracing::warn;

use crate::state::State;

impl WlrLayerShellHandler for State {
    fn shell_state(&mut self) -> &mut WlrLayerShellState {
        &mut self.protocols.layer_shell
    }

    fn new_layer_surface(
        &mut self,
        surface: WlrLayerSurface,
        wl_output: Option<WlOutput>,
        _layer: Layer,
        namespace: String,
    ) {
        let output = wl_output
            .as_ref()
            .and_then(Output::from_resource)
            .or_else(|| crate::shell::primary_output(&self.space));
        let Some(output) = output else {
            warn!(
                namespace,
                "a layer surface arrived before any output exists; closing it"
            );
            surface.send_close();
            return;
        };
        let mapped =
            layer_map_for_output(&output).map_layer(&LayerSurface::new(surface, namespace));
        if let Err(err) = mapped {
            warn!("could not map a layer surface: {err}");
        }
        crate::shell::layer_placement::arrange(&output);
    }

    fn layer_destroyed(&mut self, surface: WlrLayerSurface) {
        self.touch_release_surface_tree(surface.wl_surface());
        let outputs: Vec<Output> = self.space.outputs().cloned().collect();
        for output in outputs {
            let mut layers = layer_map_for_output(&output);
            let found = layers
                .layers()
                .find(|layer| layer.layer_surface() == &surface)
                .cloned();
            if let Some(layer) = found {
                layers.unmap_layer(&layer);
                drop(layers);
                crate::shell::layer_placement::arrange(&output);
                self.shell_apply();
                self.queue_redraw(&output);
            }
        }
    }
}

/// Marks a layer surface that has been offered the keyboard on its first buffer.
struct KeyboardOffered;

impl State {
    /// A layer surface committed: it takes or gives back the keyboard as its keyboard
    /// interactivity says.
    pub fn layer_keyboard_follow(&mut self, layer: &LayerSurface) {
        let Some(keyboard) = self.seat.get_keyboard() else {
            return;
        };
        let surface = layer.wl_surface().clone();
        let focused = keyboard.current_focus().as_ref() == Some(&surface);
        let has_buffer =
            smithay::backend::renderer::utils::with_renderer_surface_state(&surface, |state| {
                state.buffer().is_some()
            })
            .unwrap_or(false);
        match layer.cached_state().keyboard_interactivity {
            KeyboardInteractivity::Exclusive if has_buffer && !focused => {
                layer.user_data().insert_if_missing(|| KeyboardOffered);
                keyboard.set_focus(self, Some(surface), SERIAL_COUNTER.next_serial());
            }
            KeyboardInteractivity::OnDemand
                if has_buffer && layer.user_data().get::<KeyboardOffered>().is_none() =>
            {
                layer.user_data().insert_if_missing(|| KeyboardOffered);
                keyboard.set_focus(self, Some(surface), SERIAL_COUNTER.next_serial());
            }
            KeyboardInteractivity::None if focused => {
                let window = self
                    .space
                    .elements()
                    .last()
                    .and_then(|window| window.toplevel())
                    .map(|toplevel| toplevel.wl_surface().clone());
                keyboard.set_focus(self, window, SERIAL_COUNTER.next_serial());
            }
            _ => {}
        }
    }

    /// Whether an exclusive layer surface holds the keyboard (no tap takes it away).
    pub fn exclusive_layer_holds_keyboard(&self) -> bool {
        let Some(focus) = self.seat.get_keyboard().and_then(|k| k.current_focus()) else {
            return false;
        };
        self.layer_surface_of(&focus).is_some_and(|layer| {
            layer.cached_state().keyboard_interactivity == KeyboardInteractivity::Exclusive
        })
    }

    /// The layer surface under `position` that takes the keyboard when tapped, if any.
    pub fn keyboard_layer_at(&self, position: Point<f64, Logical>) -> Option<WlSurface> {
        let (surface, _) = self.surface_under(position)?;
        let root = crate::shell::root_surface(&surface);
        self.layer_surface_of(&root)
            .filter(LayerSurface::can_receive_keyboard_focus)
            .map(|layer| layer.wl_surface().clone())
    }

    fn layer_surface_of(&self, root: &WlSurface) -> Option<LayerSurface> {
        self.space.outputs().find_map(|output| {
            layer_map_for_output(output)
                .layer_for_surface(root, smithay::desktop::WindowSurfaceType::TOPLEVEL)
                .cloned()
        })
    }
}

delegate_layer_shell!(State);
