//! org.cowl.PhoneSim1 at /org/cowl/PhoneSim: how a developer or a test plays the phone
//! (connect, disconnect, an incoming call, asking for focus) and reads what Cowl told it.
//! The CLI's subcommands call it through [`PhoneSim1Proxy`].

use calloop::channel::Sender;
use cowl_sdk::projection::{AudioFocus, NavigationFocus, PhoneKind, ProjectionServer};

use crate::backend::{ReceivedLog, SimBackend};

pub const CONTROL_PATH: &str = "/org/cowl/PhoneSim";

/// What the phone does, for the screen.
#[derive(Debug, Clone)]
pub enum Played {
    Phone(Option<(String, PhoneKind)>),
    Call(Option<String>),
}

pub struct Control {
    pub server: ProjectionServer<SimBackend>,
    pub log: ReceivedLog,
    pub played: Sender<Played>,
}

fn failed(err: impl std::fmt::Display) -> zbus::fdo::Error {
    zbus::fdo::Error::Failed(err.to_string())
}

#[zbus::interface(name = "org.cowl.PhoneSim1")]
impl Control {
    /// A phone connects: kind is "android-auto", "carplay" or "other".
    async fn connect(&self, name: &str, kind: &str) -> zbus::fdo::Result<()> {
        let kind: PhoneKind = kind.parse().map_err(zbus::fdo::Error::InvalidArgs)?;
        self.server
            .set_phone(Some((name, kind)))
            .await
            .map_err(failed)?;
        let _ = self
            .played
            .send(Played::Phone(Some((name.to_string(), kind))));
        Ok(())
    }

    /// The phone goes away (unplugged, out of range).
    async fn disconnect(&self) -> zbus::fdo::Result<()> {
        self.server.set_phone(None).await.map_err(failed)?;
        let _ = self.played.send(Played::Call(None));
        let _ = self.played.send(Played::Phone(None));
        Ok(())
    }

    /// A call comes in: the phone asks for the screen and for call audio.
    async fn incoming_call(&self, caller: &str) -> zbus::fdo::Result<()> {
        let _ = self.played.send(Played::Call(Some(caller.to_string())));
        self.server
            .request_video_focus("call")
            .await
            .map_err(failed)?;
        self.server
            .request_audio_focus(AudioFocus::Call)
            .await
            .map_err(failed)
    }

    /// The call ends: the phone gives call audio back.
    async fn end_call(&self) -> zbus::fdo::Result<()> {
        let _ = self.played.send(Played::Call(None));
        self.server
            .request_audio_focus(AudioFocus::None)
            .await
            .map_err(failed)
    }

    /// The phone asks for the screen for `reason`.
    async fn request_video_focus(&self, reason: &str) -> zbus::fdo::Result<()> {
        self.server
            .request_video_focus(reason)
            .await
            .map_err(failed)
    }

    /// The phone asks to play `focus` ("none", "media", "guidance", "call").
    async fn request_audio_focus(&self, focus: &str) -> zbus::fdo::Result<()> {
        let focus: AudioFocus = focus.parse().map_err(zbus::fdo::Error::InvalidArgs)?;
        self.server.request_audio_focus(focus).await.map_err(failed)
    }

    /// The phone asks to guide ("projected") or gives guidance back ("native").
    async fn request_navigation_focus(&self, focus: &str) -> zbus::fdo::Result<()> {
        let focus: NavigationFocus = focus.parse().map_err(zbus::fdo::Error::InvalidArgs)?;
        self.server
            .request_navigation_focus(focus)
            .await
            .map_err(failed)
    }

    /// Every call Cowl made, and every touch on the phone's screen, in order:
    /// (CLOCK_MONOTONIC ns, "Method args" or "Touch x y" in surface coordinates).
    #[zbus(property)]
    fn received(&self) -> Vec<(u64, String)> {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }
}

#[zbus::proxy(
    interface = "org.cowl.PhoneSim1",
    default_service = "org.cowl.Projection",
    default_path = "/org/cowl/PhoneSim"
)]
pub trait PhoneSim1 {
    async fn connect(&self, name: &str, kind: &str) -> zbus::Result<()>;
    async fn disconnect(&self) -> zbus::Result<()>;
    async fn incoming_call(&self, caller: &str) -> zbus::Result<()>;
    async fn end_call(&self) -> zbus::Result<()>;
    async fn request_video_focus(&self, reason: &str) -> zbus::Result<()>;
    async fn request_audio_focus(&self, focus: &str) -> zbus::Result<()>;
    async fn request_navigation_focus(&self, focus: &str) -> zbus::Result<()>;
    #[zbus(property)]
    fn received(&self) -> zbus::Result<Vec<(u64, String)>>;
}
