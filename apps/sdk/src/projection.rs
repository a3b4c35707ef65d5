//! org.cowl.Projection1: the phone-projection daemon's side of the contract with Cowl
//! (`assets/dbus/org.cowl.Projection1.xml`). Cowl is the client ([`Projection1Proxy`]); a
//! daemon serves it by implementing [`ProjectionBackend`] for its stack (Android Auto through
//! aasdk, a CarPlay dongle, or `cowl-phone-sim`) and calling [`serve`], which answers Cowl's
//! calls, keeps the properties and emits the signals. What the phone does (connects, asks
//! for focus) goes through the returned [`ProjectionServer`].

use std::fmt;
use std::str::FromStr;

use zbus::object_server::{InterfaceRef, SignalEmitter};

/// The bus name a projection daemon owns, and where it serves the interface.
pub const PROJECTION_NAME: &str = "org.cowl.Projection";
pub const PROJECTION_PATH: &str = "/org/cowl/Projection";

/// Android Auto's driving-status bits (the sensor source's DrivingStatus).
pub mod android_auto {
    pub const UNRESTRICTED: u32 = 0;
    pub const NO_VIDEO: u32 = 1;
    pub const NO_KEYBOARD_INPUT: u32 = 2;
    pub const NO_VOICE_INPUT: u32 = 4;
    pub const NO_CONFIG: u32 = 8;
    pub const LIMIT_MESSAGE_LEN: u32 = 16;
    pub const FULLY_RESTRICTED: u32 = 31;
}

/// Android Auto's driving status for a set of UX restrictions (Vehicle1's bits): each
/// restriction that Android Auto knows maps to its bit.
pub fn android_auto_driving_status(ux_restrictions: u32) -> u32 {
    use crate::vehicle::ux;
    [
        (ux::NO_VIDEO, android_auto::NO_VIDEO),
        (ux::NO_KEYBOARD, android_auto::NO_KEYBOARD_INPUT),
        (ux::NO_VOICE_TRANSCRIPTION, android_auto::NO_VOICE_INPUT),
        (ux::NO_SETUP, android_auto::NO_CONFIG),
        (ux::LIMIT_STRING_LENGTH, android_auto::LIMIT_MESSAGE_LEN),
    ]
    .iter()
    .filter(|(restriction, _)| ux_restrictions & restriction != 0)
    .fold(android_auto::UNRESTRICTED, |status, (_, bit)| status | bit)
}

/// A string-valued part of the contract that has a fixed set of values.
macro_rules! contract_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$variant_meta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$variant_meta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == text)
                    .ok_or_else(|| {
                        let known: Vec<&str> = $name::ALL.iter().map(|value| value.as_str()).collect();
                        format!("{text:?} is not one of {}", known.join(", "))
                    })
            }
        }
    };
}

contract_enum!(
    /// What kind of phone projection is connected.
    PhoneKind {
        AndroidAuto = "android-auto",
        CarPlay = "carplay",
        Other = "other",
    }
);

contract_enum!(
    /// What the phone may play.
    AudioFocus {
        None = "none",
        Media = "media",
        /// Spoken directions: media elsewhere ducks.
        Guidance = "guidance",
        /// A phone call: media elsewhere pauses.
        Call = "call",
    }
);

contract_enum!(
    /// Who guides the driver.
    NavigationFocus {
        Native = "native",
        Projected = "projected",
    }
);

contract_enum!(
    /// A steering-wheel key that may go to the phone.
    SteeringKey {
        Next = "next",
        Previous = "previous",
        PlayPause = "play-pause",
        Voice = "voice",
        Call = "call",
    }
);

#[zbus::proxy(
    interface = "org.cowl.Projection1",
    default_service = "org.cowl.Projection",
    default_path = "/org/cowl/Projection"
)]
pub trait Projection1 {
    /// Grants or revokes video focus; returns once the daemon has applied it.
    async fn set_video_focus(&self, focused: bool, reason: &str) -> zbus::Result<()>;
    /// What the phone may play: "none", "media", "guidance" or "call".
    async fn set_audio_focus(&self, focus: &str) -> zbus::Result<()>;
    /// Who guides: "native" or "projected".
    async fn set_navigation_focus(&self, focus: &str) -> zbus::Result<()>;
    async fn set_night_mode(&self, night: bool) -> zbus::Result<()>;
    async fn set_driving_status(
        &self,
        ux_restrictions: u32,
        android_auto_status: u32,
    ) -> zbus::Result<()>;
    /// A steering-wheel key pressed or released.
    async fn key(&self, key: &str, pressed: bool) -> zbus::Result<()>;
    /// The phone asks for the screen.
    #[zbus(signal)]
    fn video_focus_requested(&self, reason: String) -> zbus::Result<()>;
    /// The phone asks to play.
    #[zbus(signal)]
    fn audio_focus_requested(&self, focus: String) -> zbus::Result<()>;
    /// The phone asks to guide, or gives guidance back.
    #[zbus(signal)]
    fn navigation_focus_requested(&self, focus: String) -> zbus::Result<()>;
    #[zbus(property)]
    fn connected(&self) -> zbus::Result<bool>;
    #[zbus(property)]
    fn phone_name(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn phone_kind(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn video_focus(&self) -> zbus::Result<bool>;
    #[zbus(property)]
    fn audio_focus(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn navigation_focus(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn night_mode(&self) -> zbus::Result<bool>;
    #[zbus(property)]
    fn driving_status(&self) -> zbus::Result<u32>;
}

/// What a projection stack does when Cowl asks. Called on the daemon's D-Bus task; a
/// method should hand the work to the stack and return soon (Cowl's calls time out).
pub trait ProjectionBackend: Send + Sync + 'static {
    /// Start (true) or stop showing the phone's screen on the daemon's surface, and tell
    /// the phone (Android Auto's video focus). An error is returned to Cowl.
    fn set_video_focus(&mut self, focused: bool, reason: &str) -> Result<(), String>;
    fn set_audio_focus(&mut self, focus: AudioFocus);
    fn set_navigation_focus(&mut self, focus: NavigationFocus);
    fn set_night_mode(&mut self, night: bool);
    /// The car's UX restrictions and their Android Auto driving status.
    fn set_driving_status(&mut self, ux_restrictions: u32, android_auto_status: u32);
    fn key(&mut self, key: SteeringKey, pressed: bool);
}

/// Errors as Cowl sees them: `org.cowl.Projection1.Error.<Variant>`.
#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "org.cowl.Projection1.Error")]
pub enum ProjectionError {
    #[zbus(error)]
    ZBus(zbus::Error),
    /// A value outside the contract (an unknown focus or key).
    InvalidArgs(String),
    /// The stack could not do it.
    Failed(String),
}

/// The state the interface publishes.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionStatus {
    pub connected: bool,
    pub phone_name: String,
    pub phone_kind: Option<PhoneKind>,
    pub video_focus: bool,
    pub audio_focus: AudioFocus,
    pub navigation_focus: NavigationFocus,
    pub night_mode: bool,
    pub driving_status: u32,
}

impl Default for ProjectionStatus {
    fn default() -> Self {
        ProjectionStatus {
            connected: false,
            phone_name: String::new(),
            phone_kind: None,
            video_focus: false,
            audio_focus: AudioFocus::None,
            navigation_focus: NavigationFocus::Native,
            night_mode: false,
            // Until Cowl says otherwise, nothing is allowed.
            driving_status: android_auto::FULLY_RESTRICTED,
        }
    }
}

/// The served interface: the backend and the published state.
pub struct ProjectionService<B: ProjectionBackend> {
    backend: B,
    status: ProjectionStatus,
}

impl<B: ProjectionBackend> ProjectionService<B> {
    pub fn status(&self) -> &ProjectionStatus {
        &self.status
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }
}

fn parse<T: FromStr<Err = String>>(text: &str) -> Result<T, ProjectionError> {
    text.parse().map_err(ProjectionError::InvalidArgs)
}

#[zbus::interface(name = "org.cowl.Projection1")]
impl<B: ProjectionBackend> ProjectionService<B> {
    async fn set_video_focus(
        &mut self,
        focused: bool,
        reason: &str,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), ProjectionError> {
        self.backend
            .set_video_focus(focused, reason)
            .map_err(ProjectionError::Failed)?;
        if self.status.video_focus != focused {
            self.status.video_focus = focused;
            self.video_focus_changed(&emitter).await?;
        }
        Ok(())
    }

    async fn set_audio_focus(
        &mut self,
        focus: &str,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), ProjectionError> {
        let focus: AudioFocus = parse(focus)?;
        self.backend.set_audio_focus(focus);
        if self.status.audio_focus != focus {
            self.status.audio_focus = focus;
            self.audio_focus_changed(&emitter).await?;
        }
        Ok(())
    }

    async fn set_navigation_focus(
        &mut self,
        focus: &str,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), ProjectionError> {
        let focus: NavigationFocus = parse(focus)?;
        self.backend.set_navigation_focus(focus);
        if self.status.navigation_focus != focus {
            self.status.navigation_focus = focus;
            self.navigation_focus_changed(&emitter).await?;
        }
        Ok(())
    }

    async fn set_night_mode(
        &mut self,
        night: bool,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), ProjectionError> {
        self.backend.set_night_mode(night);
        if self.status.night_mode != night {
            self.status.night_mode = night;
            self.night_mode_changed(&emitter).await?;
        }
        Ok(())
    }

    async fn set_driving_status(
        &mut self,
        ux_restrictions: u32,
        android_auto_status: u32,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), ProjectionError> {
        self.backend
            .set_driving_status(ux_restrictions, android_auto_status);
        if self.status.driving_status != android_auto_status {
            self.status.driving_status = android_auto_status;
            self.driving_status_changed(&emitter).await?;
        }
        Ok(())
    }

    async fn key(&mut self, key: &str, pressed: bool) -> Result<(), ProjectionError> {
        let key: SteeringKey = parse(key)?;
        self.backend.key(key, pressed);
        Ok(())
    }

    #[zbus(signal)]
    async fn video_focus_requested(emitter: &SignalEmitter<'_>, reason: &str) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn audio_focus_requested(emitter: &SignalEmitter<'_>, focus: &str) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn navigation_focus_requested(
        emitter: &SignalEmitter<'_>,
        focus: &str,
    ) -> zbus::Result<()>;

    #[zbus(property)]
    fn connected(&self) -> bool {
        self.status.connected
    }

    #[zbus(property)]
    fn phone_name(&self) -> String {
        self.status.phone_name.clone()
    }

    #[zbus(property)]
    fn phone_kind(&self) -> String {
        self.status
            .phone_kind
            .map_or_else(String::new, |kind| kind.as_str().to_string())
    }

    #[zbus(property)]
    fn video_focus(&self) -> bool {
        self.status.video_focus
    }

    #[zbus(property)]
    fn audio_focus(&self) -> String {
        self.status.audio_focus.as_str().to_string()
    }

    #[zbus(property)]
    fn navigation_focus(&self) -> String {
        self.status.navigation_focus.as_str().to_string()
    }

    #[zbus(property)]
    fn night_mode(&self) -> bool {
        self.status.night_mode
    }

    #[zbus(property)]
    fn driving_status(&self) -> u32 {
        self.status.driving_status
    }
}

/// The daemon's handle on the served interface: what the phone does.
pub struct ProjectionServer<B: ProjectionBackend> {
    interface: InterfaceRef<ProjectionService<B>>,
}

impl<B: ProjectionBackend> Clone for ProjectionServer<B> {
    fn clone(&self) -> Self {
        ProjectionServer {
            interface: self.interface.clone(),
        }
    }
}

/// Serves `backend` at [`PROJECTION_PATH`] on `connection` and takes [`PROJECTION_NAME`].
pub async fn serve<B: ProjectionBackend>(
    connection: &zbus::Connection,
    backend: B,
) -> zbus::Result<ProjectionServer<B>> {
    let service = ProjectionService {
        backend,
        status: ProjectionStatus::default(),
    };
    connection
        .object_server()
        .at(PROJECTION_PATH, service)
        .await?;
    let interface = connection
        .object_server()
        .interface::<_, ProjectionService<B>>(PROJECTION_PATH)
        .await?;
    connection.request_name(PROJECTION_NAME).await?;
    Ok(ProjectionServer { interface })
}

impl<B: ProjectionBackend> ProjectionServer<B> {
    /// A phone connected (or disconnected, with `None`). Disconnecting drops every focus.
    pub async fn set_phone(&self, phone: Option<(&str, PhoneKind)>) -> zbus::Result<()> {
        let emitter = self.interface.signal_emitter();
        let mut service = self.interface.get_mut().await;
        let before = service.status.clone();
        match phone {
            Some((name, kind)) => {
                service.status.connected = true;
                service.status.phone_name = name.to_string();
                service.status.phone_kind = Some(kind);
            }
            None => {
                service.status.connected = false;
                service.status.phone_name.clear();
                service.status.phone_kind = None;
                service.status.video_focus = false;
                service.status.audio_focus = AudioFocus::None;
                service.status.navigation_focus = NavigationFocus::Native;
            }
        }
        let now = &service.status;
        if now.connected != before.connected {
            service.connected_changed(emitter).await?;
        }
        if now.phone_name != before.phone_name {
            service.phone_name_changed(emitter).await?;
        }
        if now.phone_kind != before.phone_kind {
            service.phone_kind_changed(emitter).await?;
        }
        if now.video_focus != before.video_focus {
            service.video_focus_changed(emitter).await?;
        }
        if now.audio_focus != before.audio_focus {
            service.audio_focus_changed(emitter).await?;
        }
        if now.navigation_focus != before.navigation_focus {
            service.navigation_focus_changed(emitter).await?;
        }
        Ok(())
    }

    /// The phone asks for the screen.
    pub async fn request_video_focus(&self, reason: &str) -> zbus::Result<()> {
        ProjectionService::<B>::video_focus_requested(self.interface.signal_emitter(), reason).await
    }

    /// The phone asks to play (or says it is done, with [`AudioFocus::None`]).
    pub async fn request_audio_focus(&self, focus: AudioFocus) -> zbus::Result<()> {
        ProjectionService::<B>::audio_focus_requested(
            self.interface.signal_emitter(),
            focus.as_str(),
        )
        .await
    }

    /// The phone asks to guide, or gives guidance back.
    pub async fn request_navigation_focus(&self, focus: NavigationFocus) -> zbus::Result<()> {
        ProjectionService::<B>::navigation_focus_requested(
            self.interface.signal_emitter(),
            focus.as_str(),
        )
        .await
    }

    /// The published state now.
    pub async fn status(&self) -> ProjectionStatus {
        self.interface.get().await.status.clone()
    }

    /// Runs `f` on the backend (for the daemon's own state).
    pub async fn with_backend<R>(&self, f: impl FnOnce(&mut B) -> R) -> R {
        f(&mut self.interface.get_mut().await.backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vehicle::ux;

    #[test]
    fn android_auto_status_follows_the_restrictions() {
        assert_eq!(android_auto_driving_status(0), android_auto::UNRESTRICTED);
        assert_eq!(
            android_auto_driving_status(ux::FULLY_RESTRICTED),
            android_auto::FULLY_RESTRICTED
        );
        assert_eq!(
            android_auto_driving_status(ux::NO_VIDEO | ux::NO_KEYBOARD | ux::NO_DIALPAD),
            android_auto::NO_VIDEO | android_auto::NO_KEYBOARD_INPUT
        );
    }

    #[test]
    fn contract_strings_read_back() {
        for focus in AudioFocus::ALL {
            assert_eq!(focus.as_str().parse::<AudioFocus>(), Ok(*focus));
        }
        assert_eq!("carplay".parse::<PhoneKind>(), Ok(PhoneKind::CarPlay));
        let err = "loud".parse::<AudioFocus>().unwrap_err();
        assert!(err.contains("none, media, guidance, call"), "{err}");
    }
}
