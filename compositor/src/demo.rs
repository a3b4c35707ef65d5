//! `--demo`: the shell at work. The apps are the real cowl-nav (on the bundled Helsinki map,
//! following the demo drive's GNSS track) and cowl-media (on the generated media) when they are built beside
//! cowl, else foot terminals standing in for them, all by their app_ids
//! (`cli::DEMO_CLIENTS`, `cli::demo_nav_command`, `cli::demo_media_command`). Once both have shown, they are split side by side, so that
//! the picture shows every zone: status bar, the two apps, the dock with both highlighted.

use tracing::warn;

use crate::cli::DEMO_SPLIT;
use crate::shell::activation::window_app_id;
use crate::state::State;

impl State {
    /// A window showed its first buffer: split the demo's apps once both are there.
    pub fn demo_window_shown(&mut self) {
        if !self.demo_split_pending {
            return;
        }
        let (primary, secondary) = DEMO_SPLIT;
        let shown = |id: &str| self.shell.windows.iter().any(|w| window_app_id(w) == id);
        if !(shown(primary) && shown(secondary)) {
            return;
        }
        self.demo_split_pending = false;
        if let Err(err) = self.set_split(primary, secondary) {
            warn!("the demo could not split its apps: {err}");
        }
    }
}
