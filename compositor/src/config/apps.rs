//! `[[apps]]`: the head unit's apps by xdg app_id: how each is started, placed, restricted
//! and recognised.

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use super::OutputConfig;
use super::invalid::{Invalid, check};

/// An app of the head unit, by xdg app_id.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "validated now; name, icon, role and restart feed the dock and supervisor"
)]
pub struct AppConfig {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub icon: String,
    /// The command line that starts it (run as `/bin/sh -c "exec COMMAND"`, so it is one
    /// command); none for apps started by others.
    #[serde(default)]
    pub exec: Option<Spanned<String>>,
    #[serde(default)]
    pub role: AppRole,
    /// The output it is shown on; the first configured output when absent.
    #[serde(default)]
    pub output: Option<Spanned<String>>,
    #[serde(default)]
    pub autostart: bool,
    #[serde(default)]
    pub restart: RestartPolicy,
    /// Trusted with the privileged protocols (layer-shell, screencopy, input method,
    /// virtual keyboard) when Cowl starts it.
    #[serde(default)]
    pub privileged: bool,
    /// Shows video: covered while the UX restrictions say NO_VIDEO (an app may also tag its
    /// surfaces as video with wp_content_type_v1).
    #[serde(default)]
    pub video: bool,
    /// Not distraction-optimized: cannot be opened while the car moves (or its state is
    /// unknown); when the car starts moving it is replaced by `fallback`, or home.
    #[serde(default)]
    pub restrict_while_driving: bool,
    /// The app shown instead of this one while driving (a declared app_id).
    #[serde(default)]
    pub fallback: Option<Spanned<String>>,
    /// The Unix user (a name or a uid) the app runs as when others start it (a systemd
    /// unit): clients of that user are this app. Without it, only the process Cowl starts
    /// for the app (and its descendants) is (`identity.rs`).
    #[serde(default)]
    pub user: Option<Spanned<String>>,
    /// Places and takes phone calls: its processes may hold the call audio focus over
    /// Shell1, which pauses the music and silences guidance.
    #[serde(default)]
    pub telephony: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppRole {
    /// Fills the app area when active.
    #[default]
    Main,
    /// May be shown beside a main app.
    Split,
    /// A transient window above the active app.
    Popup,
    /// Runs without being shown.
    Background,
    /// The phone-projection view.
    Projection,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    Never,
    #[default]
    OnFailure,
    Always,
}

/// Checks every app, and what they name: fallbacks among the apps, outputs among `outputs`.
pub(super) fn validate(apps: &[AppConfig], outputs: &[OutputConfig]) -> Result<(), Invalid> {
    for (index, app) in apps.iter().enumerate() {
        if let Some(fallback) = &app.fallback {
            check(
                apps.iter()
                    .any(|other| other.id.get_ref() == fallback.get_ref()),
                fallback,
                format!("apps[{index}].fallback"),
                format!("{:?} is not a declared app", fallback.get_ref()),
            )?;
        }
    }
    let mut app_ids = HashMap::new();
    for (index, app) in apps.iter().enumerate() {
        if let Some(first) = app_ids.insert(app.id.get_ref().clone(), index) {
            return Err(Invalid::at(
                &app.id,
                format!("apps[{index}].id"),
                format!(
                    "app {:?} is declared twice (first as apps[{first}])",
                    app.id.get_ref()
                ),
            ));
        }
        app.validate(&format!("apps[{index}]"), outputs)?;
    }
    Ok(())
}

impl AppConfig {
    fn validate(&self, key: &str, outputs: &[OutputConfig]) -> Result<(), Invalid> {
        let id = self.id.get_ref();
        check(
            !id.trim().is_empty() && !id.chars().any(char::is_whitespace),
            &self.id,
            format!("{key}.id"),
            format!("{id:?} is not an app_id"),
        )?;
        let exec = self
            .exec
            .as_ref()
            .filter(|exec| !exec.get_ref().trim().is_empty());
        if self.autostart && exec.is_none() {
            return Err(Invalid::at(
                self.exec.as_ref().unwrap_or(&self.id),
                format!("{key}.exec"),
                format!("app {id:?} starts automatically but has no exec command"),
            ));
        }
        check(
            !self.privileged || exec.is_some(),
            &self.id,
            format!("{key}.privileged"),
            format!(
                "app {id:?} is privileged but has no exec: only what Cowl starts is trusted by app"
            ),
        )?;
        if let Some(output) = &self.output {
            check(
                outputs.iter().any(|o| o.name.get_ref() == output.get_ref()),
                output,
                format!("{key}.output"),
                format!("no output named {:?} is configured", output.get_ref()),
            )?;
        }
        Ok(())
    }
}
