//! `[security]`: what is left of it is a key that was removed, refused with the way
//! forward (trust is handed by Cowl, never read off an executable: `trust.rs`).

use serde::Deserialize;
use toml::Spanned;

use super::invalid::Invalid;

/// Who may use the privileged protocols (see `trust.rs`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Removed: trust by executable path could be spoofed (an LD_PRELOAD into a listed
    /// program, or exec after connecting). Read only to refuse it with a way forward.
    privileged_executables: Option<Spanned<toml::Value>>,
}

impl SecurityConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        match &self.privileged_executables {
            Some(removed) => Err(Invalid::at(
                removed,
                "security.privileged_executables",
                "no longer supported: a process's executable path can be spoofed. Declare \
                 the tool as an app with `privileged = true` for Cowl to start it, or run \
                 it as Cowl's user or root on the trusted socket \
                 (WAYLAND_DISPLAY=<socket>-trusted)",
            )),
            None => Ok(()),
        }
    }
}
