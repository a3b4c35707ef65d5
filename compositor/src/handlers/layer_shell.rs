//! zwlr_layer_shell_v1: panels, backgrounds and overlays from privileged clients.
//!
//! A layer surface joins the layer map of the output it asks for (the primary output when it
//! leaves the choice to us); its first configure is sent on its first commit, in
//! `handlers/compositor.rs`. Who may bind this global is the shell issue's business.

use smithay::delegate_layer_shell;
use smithay::desktop::{LayerSurface, layer_map_for_output};
use smithay::output::Output;
use smithay::reexports::wayland_server::protocol::wl_output::WlOutput;
use smithay::wayland::shell::wlr_layer::{
    Layer, LayerSurface as WlrLayerSurface, WlrLayerShellHandler, WlrLayerShellState,
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
        let mut layers = layer_map_for_output(&output);
        if let Err(err) = layers.map_layer(&LayerSurface::new(surface, namespace)) {
            warn!("could not map a layer surface: {err}");
        }
    }

    fn layer_destroyed(&mut self, surface: WlrLayerSurface) {
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
                self.shell_apply();
                self.queue_redraw(&output);
            }
        }
    }
}

delegate_layer_shell!(State);
