//! The guidance on Cowl's bus (org.cowl.Guidance1, `cowl_sdk::guidance`): what the banner
//! says (the next maneuver, the distance to it, what is left of the drive), published for
//! Cowl's home view, whose navigation card shows it while the map is not on screen.
//!
//! The bus work runs on a thread of its own, fed over a channel: the window never waits for
//! the bus. The connection is made at the first state and again after a failure; without a
//! bus the app guides all the same (logged once, not per update).

use std::sync::mpsc;

use cowl_sdk::guidance::{self, GuidanceState};

/// Publishes guidance states, newest last, on Cowl's bus.
pub struct GuidanceBus {
    states: mpsc::Sender<GuidanceState>,
    /// What was sent last, so that an unchanged banner costs nothing.
    last: Option<GuidanceState>,
}

impl GuidanceBus {
    /// Starts the publishing thread for the app `app_id`.
    pub fn start(app_id: &'static str) -> GuidanceBus {
        let (states, incoming) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("cowl-nav guidance bus".into())
            .spawn(move || serve(app_id, incoming));
        if let Err(err) = spawned {
            tracing::warn!("the guidance is not published: {err}");
        }
        GuidanceBus { states, last: None }
    }

    /// Publishes `state` unless it is what was published last.
    pub fn publish(&mut self, state: GuidanceState) {
        if self.last.as_ref() == Some(&state) {
            return;
        }
        self.last = Some(state.clone());
        let _ = self.states.send(state);
    }
}

fn serve(app_id: &'static str, incoming: mpsc::Receiver<GuidanceState>) {
    let mut connection: Option<zbus::Connection> = None;
    let mut failing = false;
    while let Ok(mut state) = incoming.recv() {
        // Only the newest state matters when several wait.
        while let Ok(newer) = incoming.try_recv() {
            state = newer;
        }
        let result = zbus::block_on(async {
            let bus = match &connection {
                Some(bus) => bus.clone(),
                None => {
                    let bus = cowl_sdk::bus::connect().await?;
                    guidance::serve(&bus, app_id).await?;
                    connection = Some(bus.clone());
                    bus
                }
            };
            guidance::publish(&bus, state).await
        });
        match result {
            Ok(()) if std::mem::take(&mut failing) => {
                tracing::info!("the guidance is published on Cowl's bus again");
            }
            Ok(()) => {}
            Err(err) => {
                // The next state connects afresh.
                connection = None;
                if !std::mem::replace(&mut failing, true) {
                    tracing::warn!("could not publish the guidance on Cowl's bus: {err}");
                }
            }
        }
    }
}
