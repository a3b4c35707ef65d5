//! A window late to take the size it was told. A window is shown only once it has drawn at
//! its slot's size, so that no frame shows it stretched or at a wrong place: while it
//! redraws (a split, the app area shrinking for a panel) its slot shows the background.
//! An app that never acknowledges its new size (hung in a way the ping does not catch, or
//! one that ignores configures) would leave its slot empty for good; after
//! [`RESIZE_DEADLINE`] it is shown again with the picture it has, centred in its slot and
//! clipped to it, as a window that keeps its own size is.

use std::cell::Cell;
use std::time::{Duration, Instant};

use smithay::desktop::Window;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::utils::{Logical, Size};
use tracing::{info, warn};

use crate::state::State;

/// How long a window may take to draw at a new size before its old picture is shown again:
/// a few frames of a slow app on a busy head unit, short enough that a slot is never empty
/// for long.
pub const RESIZE_DEADLINE: Duration = Duration::from_millis(500);

/// The size a window was last told and has not taken yet.
#[derive(Clone, Copy)]
struct Asked {
    size: Size<i32, Logical>,
    since: Instant,
    /// Its lateness has been logged.
    logged: bool,
}

struct SizeAsked(Cell<Option<Asked>>);

impl State {
    /// Whether `window`, told `size`, has taken it (`taken`), or has been late with it for
    /// longer than the deadline. The first time a size is waited for, the shell is asked to
    /// look again at the deadline.
    pub(super) fn size_taken_or_overdue(
        &self,
        window: &Window,
        size: Size<i32, Logical>,
        taken: bool,
    ) -> bool {
        let asked = window
            .user_data()
            .get_or_insert(|| SizeAsked(Cell::new(None)));
        if taken {
            asked.0.set(None);
            return true;
        }
        match asked.0.get() {
            Some(waiting) if waiting.size == size => {
                let overdue = waiting.since.elapsed() >= RESIZE_DEADLINE;
                if overdue && !waiting.logged {
                    asked.0.set(Some(Asked {
                        logged: true,
                        ..waiting
                    }));
                    info!(
                        app_id = super::activation::window_app_id(window),
                        ?size,
                        "window did not take its new size in time; shown at the size it drew"
                    );
                }
                overdue
            }
            _ => {
                asked.0.set(Some(Asked {
                    size,
                    since: Instant::now(),
                    logged: false,
                }));
                let timer = Timer::from_duration(RESIZE_DEADLINE);
                let armed = self.loop_handle.insert_source(timer, |_, _, state| {
                    state.shell_apply();
                    TimeoutAction::Drop
                });
                if let Err(err) = armed {
                    warn!("could not time a window's resize: {err}");
                }
                false
            }
        }
    }
}
