//! `[camera]`: the rear camera's pipeline.

use serde::Deserialize;

/// The rear camera (see `camera/`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CameraConfig {
    /// A GStreamer pipeline ending in `appsink name=camera` with BGRx caps; none: reverse
    /// shows the "Camera unavailable" screen.
    pub pipeline: Option<String>,
}
