//! The guidance audio focus, held from Cowl while a prompt plays: Cowl's Shell1 arbitrates
//! the head unit's apps' focus, and the media app ducks for "guidance". The D-Bus calls run
//! on a thread of their own; the voice waits at most [`HOLD_WAIT`] for the focus before it
//! speaks (so the music is down first when Cowl answers, and a prompt is never held up by a
//! hung or missing bus), and never waits for the release. Without a bus or Cowl the prompts
//! are spoken all the same (the music just stays loud), which is logged once, not per prompt.

use std::sync::mpsc;
use std::time::Duration;

use cowl_sdk::shell::Shell1Proxy;

use crate::voice::FocusHolder;

/// The longest a prompt waits for Cowl to grant the focus; also each call's D-Bus timeout.
pub const HOLD_WAIT: Duration = Duration::from_millis(500);

enum Request {
    Hold(mpsc::Sender<()>),
    Release,
}

/// Holds "guidance" through Shell1 on the session bus.
pub struct GuidanceFocus {
    requests: mpsc::Sender<Request>,
}

impl GuidanceFocus {
    pub fn new() -> GuidanceFocus {
        let (requests, incoming) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("cowl-nav focus".into())
            .spawn(move || serve(incoming));
        if let Err(err) = spawned {
            tracing::warn!("no guidance audio focus: {err}");
        }
        // Without the thread the sends fail: prompts are spoken without the focus.
        GuidanceFocus { requests }
    }
}

impl Default for GuidanceFocus {
    fn default() -> GuidanceFocus {
        GuidanceFocus::new()
    }
}

impl FocusHolder for GuidanceFocus {
    fn hold(&mut self) {
        let (done, granted) = mpsc::channel();
        if self.requests.send(Request::Hold(done)).is_ok() {
            let _ = granted.recv_timeout(HOLD_WAIT);
        }
    }

    fn release(&mut self) {
        let _ = self.requests.send(Request::Release);
    }
}

/// The calls, one after the other, on the focus thread.
fn serve(incoming: mpsc::Receiver<Request>) {
    let mut connection: Option<zbus::Connection> = None;
    // A failure was logged; the next success says so.
    let mut failing = false;
    for request in incoming {
        let hold = matches!(request, Request::Hold(_));
        let result = zbus::block_on(async {
            let bus = match &connection {
                Some(bus) => bus.clone(),
                None => {
                    let bus = cowl_sdk::bus::CowlBus::from_env()
                        .builder()?
                        .method_timeout(HOLD_WAIT)
                        .build()
                        .await?;
                    connection = Some(bus.clone());
                    bus
                }
            };
            let shell = Shell1Proxy::new(&bus).await?;
            if hold {
                shell.request_audio_focus("guidance").await
            } else {
                shell.abandon_audio_focus().await
            }
        });
        if let Request::Hold(done) = request {
            let _ = done.send(());
        }
        match result {
            Ok(()) if std::mem::take(&mut failing) => {
                tracing::info!("the guidance audio focus works again");
            }
            Ok(()) => {}
            Err(err) if !failing => {
                failing = true;
                let what = if hold { "hold" } else { "release" };
                tracing::warn!("could not {what} the guidance audio focus: {err}");
            }
            Err(_) => {}
        }
    }
}
