//! wl_compositor, wl_subcompositor and wl_shm: surface commits.
//!
//! A commit is where a client's new content becomes ours to show: buffers are imported into
//! the renderer's cache, xdg and layer surfaces get their initial configure, and the outputs
//! that show the surface are queued for a redraw. Nothing is drawn here.

use smithay::backend::renderer::utils::{on_commit_buffer_handler, with_renderer_surface_state};
use smithay::delegate_compositor;
use smithay::desktop::{PopupKind, layer_map_for_output};
use smithay::reexports::wayland_server::Client;
use smithay::reexports::wayland_server::protocol::wl_buffer::WlBuffer;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::wayland::buffer::BufferHandler;
use smithay::wayland::compositor::{
    CompositorClientState, CompositorHandler, CompositorState, is_sync_subsurface, with_states,
};
use smithay::wayland::shell::wlr_layer::LayerSurfaceData;
use smithay::wayland::shm::{ShmHandler, ShmState};
use tracing::{info, warn};

use crate::state::{ClientState, State};

impl CompositorHandler for State {
    fn compositor_state(&mut self) -> &mut CompositorState {
        &mut self.protocols.compositor
    }

    fn client_compositor_state<'a>(&self, client: &'a Client) -> &'a CompositorClientState {
        match client.get_data::<ClientState>() {
            Some(data) => &data.compositor_state,
            None => {
                // Every client is inserted with ClientState; reaching this is a bug of ours.
                tracing::error!("a Wayland client has no ClientState");
                &FALLBACK_CLIENT_STATE
            }
        }
    }

    fn new_surface(&mut self, surface: &WlSurface) {
        self.count_client_object(surface, crate::client_limits::Counted::Surface);
    }

    fn destroyed(&mut self, surface: &WlSurface) {
        // A subsurface under a finger (its window's fingers were lifted with the window).
        self.touch_release_surface_tree(surface);
        self.uncount_client_object(surface, crate::client_limits::Counted::Surface);
    }

    fn commit(&mut self, surface: &WlSurface) {
        on_commit_buffer_handler::<Self>(surface);
        if is_sync_subsurface(surface) {
            // Its state applies with the parent's next commit.
            return;
        }
        let root = crate::shell::root_surface(surface);

        if let Some(window) = self.window_for_surface(&root) {
            window.on_commit();
            // Placement, roles and restrictions follow the app_id that the client may
            // claim, whenever it sets or changes it.
            let app_id_changed = self.refresh_window_app_id(&window);
            if let Some(toplevel) = window.toplevel()
                && !toplevel.is_initial_configure_sent()
            {
                // The app_id is known now (clients set it before their first commit): the
                // shell decides its view and slot before the first configure, so that its
                // first buffer is right.
                self.shell_window_appeared(&window);
                self.shell_apply();
                toplevel.send_configure();
            } else if app_id_changed {
                self.shell_window_app_id_changed(&window);
            } else {
                // Most commits change nothing but this window's content: no work for the
                // other windows (a client committing in a loop must not slow the others).
                self.shell_apply_window(&window);
            }
            self.first_buffer_shown(&window, &root);
        }

        self.popups.commit(surface);
        if let Some(PopupKind::Xdg(popup)) = self.popups.find_popup(surface)
            && !popup.is_initial_configure_sent()
            && let Err(err) = popup.send_configure()
        {
            warn!("could not send a popup's initial configure: {err:?}");
        }

        self.layer_surface_commit(&root);

        for output in self.outputs_for_surface(&root) {
            self.queue_redraw(&output);
        }
        // A surface may have moved, grown or shrunk under the pointer.
        self.pointer_refresh();
    }
}

static FALLBACK_CLIENT_STATE: std::sync::LazyLock<CompositorClientState> =
    std::sync::LazyLock::new(CompositorClientState::default);

/// Marks a window that has been shown once (and given the keyboard then).
struct ShownOnce;

impl State {
    /// An app's first buffer: it counts as shown for the curtain and `--screenshot`. (The
    /// shell gives it the keyboard only now: clients, foot 1.13 among them, crash on a
    /// keyboard enter for a surface they have not mapped yet.)
    fn first_buffer_shown(&mut self, window: &smithay::desktop::Window, root: &WlSurface) {
        if window.user_data().get::<ShownOnce>().is_some() {
            return;
        }
        let has_buffer =
            with_renderer_surface_state(root, |state| state.buffer().is_some()).unwrap_or(false);
        if !has_buffer {
            return;
        }
        window.user_data().insert_if_missing(|| ShownOnce);
        self.screenshot_window_shown();
        let app_id = crate::shell::activation::window_app_id(window);
        info!(app_id, "window shown");
        self.curtain_app_shown(Some(app_id.as_str()));
        self.demo_window_shown();
    }

    /// Layer surfaces are configured on their first commit and whenever they change what
    /// they ask for; a change of exclusive zone moves the apps.
    fn layer_surface_commit(&mut self, root: &WlSurface) {
        let outputs: Vec<_> = self.space.outputs().cloned().collect();
        for output in outputs {
            let layers = layer_map_for_output(&output);
            let Some(layer) = layers
                .layer_for_surface(root, smithay::desktop::WindowSurfaceType::TOPLEVEL)
                .cloned()
            else {
                continue;
            };
            drop(layers);
            let zone_changed = crate::shell::layer_placement::arrange(&output);
            let initial_configure_sent = with_states(root, |states| {
                states
                    .data_map
                    .get::<LayerSurfaceData>()
                    .map(|data| match data.lock() {
                        Ok(attributes) => attributes.initial_configure_sent,
                        Err(poisoned) => poisoned.into_inner().initial_configure_sent,
                    })
                    .unwrap_or(true)
            });
            if !initial_configure_sent {
                layer.layer_surface().send_configure();
            }
            self.layer_keyboard_follow(&layer);
            if zone_changed {
                self.shell_apply();
            }
            self.queue_redraw(&output);
        }
    }
}

impl BufferHandler for State {
    fn buffer_destroyed(&mut self, _buffer: &WlBuffer) {}
}

impl ShmHandler for State {
    fn shm_state(&self) -> &ShmState {
        &self.protocols.shm
    }
}

delegate_compositor!(State);
// wl_shm is dispatched in shm.rs, through smithay's with limits.
