//! The guidance audio focus, held from Cowl while a prompt plays: Cowl's Shell1 arbitrates
//! the head unit's apps' focus, and the media app ducks for "guidance". The calls are made on
//! the voice's thread and wait at most [`CALL_TIMEOUT`]: without a bus, or with Cowl gone or
//! hung, prompts are spoken all the same (the music just stays loud), and that is logged
//! once, not for every prompt.

use std::time::Duration;

use cowl_sdk::shell::Shell1Proxy;

use crate::voice::FocusHolder;

/// The longest a prompt waits for Cowl to grant or take back the focus.
pub const CALL_TIMEOUT: Duration = Duration::from_millis(500);

/// Holds "guidance" through Shell1 on the session bus.
#[derive(Default)]
pub struct GuidanceFocus {
    connection: Option<zbus::Connection>,
    /// A failure was logged; the next success says so.
    failing: bool,
}

impl GuidanceFocus {
    fn call(&mut self, what: &str, hold: bool) {
        let result = zbus::block_on(async {
            let connection = match &self.connection {
                Some(connection) => connection.clone(),
                None => {
                    let connection = zbus::connection::Builder::session()
                        .method_timeout(CALL_TIMEOUT)
                        .build()
                        .await?;
                    self.connection = Some(connection.clone());
                    connection
                }
            };
            let shell = Shell1Proxy::new(&connection).await?;
            if hold {
                shell.request_audio_focus("guidance").await
            } else {
                shell.abandon_audio_focus().await
            }
        });
        match result {
            Ok(()) if std::mem::take(&mut self.failing) => {
                tracing::info!("the guidance audio focus works again");
            }
            Ok(()) => {}
            Err(err) if !self.failing => {
                self.failing = true;
                tracing::warn!("could not {what} the guidance audio focus: {err}");
            }
            Err(_) => {}
        }
    }
}

impl FocusHolder for GuidanceFocus {
    fn hold(&mut self) {
        self.call("hold", true);
    }

    fn release(&mut self) {
        self.call("release", false);
    }
}
