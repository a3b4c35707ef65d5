//! wp_security_context_v1: a sandbox (Flatpak and the like) hands its apps a socket of their
//! own; clients that connect through it carry the sandbox's context and are never trusted
//! with privileged protocols (`trust.rs`).

use std::sync::Arc;

use smithay::delegate_security_context;
use smithay::wayland::security_context::{
    SecurityContext, SecurityContextHandler, SecurityContextListenerSource,
};
use tracing::{info, warn};

use crate::state::{ClientState, State};

impl SecurityContextHandler for State {
    fn context_created(&mut self, source: SecurityContextListenerSource, context: SecurityContext) {
        info!(
            sandbox = ?context.sandbox_engine,
            app_id = ?context.app_id,
            "a sandbox opened a socket"
        );
        let inserted = self
            .loop_handle
            .insert_source(source, move |stream, _, state| {
                let client_state = ClientState {
                    security_context: Some(context.clone()),
                    ..ClientState::default()
                };
                if let Err(err) = state
                    .display_handle
                    .insert_client(stream, Arc::new(client_state))
                {
                    warn!("could not accept a sandboxed client: {err}");
                }
            });
        if let Err(err) = inserted {
            warn!("could not listen on a sandbox's socket: {err}");
        }
    }
}

delegate_security_context!(State);
