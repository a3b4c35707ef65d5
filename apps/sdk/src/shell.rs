//! org.cowl.Shell1 (the shell: apps, activation, split, screenshots) and org.cowl.Debug1
//! (input injection for tests and development, served only with `cowl --debug-input`).

/// The bus name Cowl owns.
pub const SHELL_NAME: &str = "org.cowl.Shell";

#[zbus::proxy(
    interface = "org.cowl.Shell1",
    default_service = "org.cowl.Shell",
    default_path = "/org/cowl/Shell"
)]
pub trait Shell1 {
    /// Shows an app, starting it if needed.
    async fn activate(&self, app_id: &str) -> zbus::Result<()>;
    /// Shows the home view on the primary output.
    async fn home(&self) -> zbus::Result<()>;
    /// Shows two apps side by side.
    async fn set_split(&self, primary: &str, secondary: &str) -> zbus::Result<()>;
    /// Writes a PNG of the primary output into a regular file opened for writing.
    async fn screenshot(&self, file: zbus::Fd<'_>) -> zbus::Result<()>;
    /// Holds audio focus of `kind` ("guidance", "media" or "call") until abandoned or the
    /// caller leaves the bus.
    async fn request_audio_focus(&self, kind: &str) -> zbus::Result<()>;
    /// Gives back the audio focus the caller holds.
    async fn abandon_audio_focus(&self) -> zbus::Result<()>;
    /// An app changed state (running, starting, stopped, not-responding, ...).
    #[zbus(signal)]
    fn app_state_changed(&self, app_id: String, state: String) -> zbus::Result<()>;
    /// (app_id, name, state) of every configured and running app.
    #[zbus(property)]
    fn apps(&self) -> zbus::Result<Vec<(String, String, String)>>;
    /// The app shown on the primary output; empty on the home view.
    #[zbus(property)]
    fn active_app(&self) -> zbus::Result<String>;
    /// The strongest audio focus the head unit's apps hold: none, guidance, media or call.
    #[zbus(property)]
    fn audio_focus(&self) -> zbus::Result<String>;
}

#[zbus::proxy(
    interface = "org.cowl.Debug1",
    default_service = "org.cowl.Shell",
    default_path = "/org/cowl/Debug"
)]
pub trait Debug1 {
    /// One touch event (down, motion, up, cancel) at global logical coordinates.
    async fn touch(&self, kind: &str, slot: u32, x: f64, y: f64) -> zbus::Result<()>;
    /// With `cowl --replay-stepped`: plays the next `count` frames; how many there were.
    async fn replay_step(&self, count: u32) -> zbus::Result<u32>;
    /// One CAN frame (`ID#DATA`) as if `interface` had received it.
    async fn can_frame(&self, interface: &str, frame: &str) -> zbus::Result<()>;
    /// One touch event at 0..1 across the named output's panel, as its touchscreen reports.
    async fn panel_touch(
        &self,
        output: &str,
        kind: &str,
        slot: u32,
        x: f64,
        y: f64,
    ) -> zbus::Result<()>;
}
