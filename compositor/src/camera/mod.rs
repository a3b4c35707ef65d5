//! The rear camera, Cowl's side. The GStreamer pipeline (`[camera] pipeline`, ending in an
//! appsink named `camera`) runs in the `cowl-camera` helper, a process of Cowl's own
//! (`src/bin/cowl-camera`, linked through `crate::camera::link`): a camera driver or plugin
//! that crashes takes only the helper down, and Cowl itself never loads GStreamer. The
//! helper is started at start-up and kept running so that reverse never waits for a camera
//! to open; it copies and announces frames only while the camera is shown, so that out of R
//! nothing wakes the loop. While the gear is R the chrome shows the newest frame full screen
//! above everything ([`view`]): black while the first frame is on its way, and a "Camera
//! unavailable" screen when none has come for `CAMERA_TIMEOUT`. A helper that exits, or
//! sends anything but the link's messages, or falls silent (a watchdog, in R or not), is
//! replaced after a delay that grows while it keeps failing. Nothing here depends on an app or on D-Bus.

mod helper;
pub mod link;
pub mod view;

use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::camera::link::SharedFrames;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use tracing::warn;

use crate::state::State;

/// With no frame for this long after reverse (or since the last one), the fallback shows.
pub const CAMERA_TIMEOUT: Duration = Duration::from_millis(500);

/// How long frames wait, when reverse begins, for the helper's first frame (it answers
/// within a millisecond or two), before they are drawn black without it.
pub const FIRST_FRAME_WAIT: Duration = Duration::from_millis(20);

/// One camera frame: a slot of the helper's shared file.
#[derive(Debug)]
pub struct CameraFrame {
    frames: Arc<SharedFrames>,
    slot: u32,
    /// Counts frames, so that a new one tells itself apart.
    pub sequence: u64,
    /// When the frame reached the helper.
    pub arrived: Instant,
}

impl CameraFrame {
    pub fn width(&self) -> u32 {
        self.frames.format().width
    }

    pub fn height(&self) -> u32 {
        self.frames.format().height
    }

    /// Copies the picture into `dest`, rows of `dest_stride` bytes (4 bytes a pixel, as the
    /// frame's). False when the helper has already written a newer frame over it.
    pub fn copy_into(&self, dest: &mut [u8], dest_stride: usize) -> bool {
        self.frames
            .copy_frame(self.slot, self.sequence, dest, dest_stride)
    }
}

/// What reverse shows.
pub enum CameraPicture {
    Frame(Arc<CameraFrame>),
    /// The camera has just been turned on and its first frame is on its way: black.
    Starting,
    /// "Camera unavailable": no frame for `CAMERA_TIMEOUT`, or no camera.
    Unavailable,
}

#[derive(Default)]
pub struct Camera {
    /// The pipeline the helper runs; none: no camera is configured.
    pipeline: Option<String>,
    helper: Option<helper::Helper>,
    /// Helpers that ended or were killed, until SIGCHLD lets them be reaped.
    ended: Vec<Child>,
    frames: Option<Arc<SharedFrames>>,
    latest: Option<Arc<CameraFrame>>,
    /// When the camera went on screen; none while it is not shown.
    watched_since: Option<Instant>,
    /// Reverse has just begun and the first frame is on its way: redraws wait until then.
    redraws_held_until: Option<Instant>,
    /// Failures in a row, for the restart delay.
    failures: u32,
    restart_pending: bool,
}

impl Camera {
    /// Tells the helper whether the camera is on screen: only then does it send frames.
    pub fn watch(&mut self, on: bool) {
        self.watched_since = match (on, self.watched_since) {
            (true, None) => Some(Instant::now()),
            (true, since) => since,
            (false, _) => None,
        };
        if !on {
            self.redraws_held_until = None;
            // Out of R the helper sends nothing: the frame kept would only grow stale.
            self.latest = None;
        }
        if let Some(helper) = &self.helper {
            helper.watch(on);
        }
    }

    /// Whether a helper runs that will send a frame now that the camera is shown, none
    /// recent enough to show having come yet.
    fn first_frame_on_its_way(&self) -> bool {
        self.watched_since.is_some() && self.helper.is_some() && self.fresh_frame().is_none()
    }

    /// Whether redraws wait for the camera's first frame (see `State::camera_hold_redraws`).
    pub fn holds_redraws(&self) -> bool {
        self.redraws_held_until
            .is_some_and(|until| Instant::now() < until)
    }

    /// The newest frame, unless it is older than `CAMERA_TIMEOUT`.
    fn fresh_frame(&self) -> Option<&Arc<CameraFrame>> {
        self.latest
            .as_ref()
            .filter(|frame| frame.arrived.elapsed() < CAMERA_TIMEOUT)
    }
}
/// Starts the helper for `description`. Without the helper, reverse shows the fallback.
pub fn start(state: &mut State, description: &str) {
    state.camera.pipeline = Some(description.to_string());
    state.camera_spawn_helper();
    state.camera_start_watchdog();
}

impl State {
    /// Whether the camera is due: R was the last gear received (`Car::in_reverse`).
    pub fn reversing(&self) -> bool {
        self.car.in_reverse()
    }

    /// Whether the camera is on screen: in R, once the phone projection (if it had the
    /// screen) has let go of it or the handover has timed out.
    pub fn camera_due(&self) -> bool {
        self.reversing() && !self.camera_handing_over()
    }

    /// What reverse shows now: the newest frame unless it is older than `CAMERA_TIMEOUT`;
    /// black while the first one is on its way; else the fallback screen.
    pub fn camera_picture(&self) -> CameraPicture {
        let camera = &self.camera;
        if let Some(frame) = camera.fresh_frame() {
            return CameraPicture::Frame(frame.clone());
        }
        let starting = camera.helper.is_some()
            && camera
                .watched_since
                .is_some_and(|since| since.elapsed() < CAMERA_TIMEOUT);
        if starting {
            CameraPicture::Starting
        } else {
            CameraPicture::Unavailable
        }
    }

    /// Reverse has begun: if the camera's first frame is on its way, redraws wait for it
    /// (`FIRST_FRAME_WAIT` at most). Drawing at once would put a black frame on the next
    /// refresh and the camera only on the one after; whatever asked for a redraw meanwhile
    /// (the status bar's gear) is drawn with the camera.
    pub fn camera_hold_redraws(&mut self) {
        if !self.camera.first_frame_on_its_way() {
            return;
        }
        let wait = Timer::from_duration(FIRST_FRAME_WAIT);
        let released = self.loop_handle.insert_source(wait, |_, _, state| {
            state.camera_release_redraws();
            TimeoutAction::Drop
        });
        match released {
            Ok(_) => self.camera.redraws_held_until = Some(Instant::now() + FIRST_FRAME_WAIT),
            Err(err) => warn!("could not wait for the camera's first frame: {err}"),
        }
    }

    /// The first frame came, or the wait is over: what waited is drawn now.
    fn camera_release_redraws(&mut self) {
        if self.camera.redraws_held_until.take().is_some() {
            self.queue_redraw_all();
        }
    }
}
