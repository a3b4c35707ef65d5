//! Phone projection, the compositor's policy (the D-Bus side is `dbus/projection.rs`):
//! - the projection app (role `projection`, app_id `projection` by default) is offered in
//!   the dock and can be opened only while a phone is connected; when the phone goes, a
//!   view showing it gives way to the view before;
//! - video focus follows what the driver sees: the projection holds it exactly while its
//!   window is shown and the camera is not; every change is told to the daemon. A phone
//!   asking for the screen (an incoming call) gets it, after reverse if the car is in R;
//! - when reverse begins over the projection, the daemon is told first and the camera waits
//!   for its answer, at most `CAMERA_HANDOVER`, so that the phone hears it lost the screen
//!   before the camera covers it; a daemon that does not answer does not hold the camera;
//! - night mode and the driving status are pushed on every change, and again to a daemon
//!   that (re)appears; audio and navigation focus are granted as the phone asks (the media
//!   app yields to the phone's focus as to the head unit's apps', `audio_focus.rs`).

use std::time::Duration;

use cowl_sdk::projection::{AudioFocus, NavigationFocus, android_auto_driving_status};
use smithay::reexports::calloop::RegistrationToken;
use smithay::reexports::calloop::channel::Sender;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use tracing::{info, warn};

use crate::config::AppRole;
use crate::dbus::projection::{DaemonStatus, ProjectionCall, ProjectionEvent};
use crate::state::State;

/// The longest the camera waits for the daemon to confirm it lost the screen.
pub const CAMERA_HANDOVER: Duration = Duration::from_millis(50);

/// A connected phone.
#[derive(Debug, Clone, PartialEq)]
pub struct Phone {
    pub name: String,
    pub kind: String,
}

#[derive(Default)]
pub struct Projection {
    /// The daemon's unique name while it runs.
    pub owner: Option<String>,
    pub phone: Option<Phone>,
    /// What the phone may play, as granted.
    pub audio_focus: Option<AudioFocus>,
    /// What the daemon was last told (none yet: tell it).
    told_video_focus: Option<bool>,
    told_night: Option<bool>,
    told_restrictions: Option<u32>,
    /// Why video focus is about to change, for the call that tells it.
    focus_reason: Option<&'static str>,
    /// The phone asked for the screen while the camera had it.
    requested_during_reverse: bool,
    /// The camera took the screen from the phone: it gets it back for the same reason.
    lost_to_camera: bool,
    /// Reverse began over the projection: the focus-loss call and the timer that stop the
    /// camera from waiting for its answer longer than `CAMERA_HANDOVER`.
    camera_handover: Option<(u64, RegistrationToken)>,
    /// Where calls' answers and the watcher's news arrive (set once D-Bus is up).
    pub events: Option<Sender<ProjectionEvent>>,
    pub next_call: u64,
}

impl State {
    /// The configured projection app's id, if there is one.
    pub fn projection_app(&self) -> Option<String> {
        self.config
            .apps
            .iter()
            .find(|app| app.role == AppRole::Projection)
            .map(|app| app.id.get_ref().clone())
    }

    /// Whether a phone is connected (through a running daemon).
    pub fn phone_connected(&self) -> bool {
        self.projection.owner.is_some() && self.projection.phone.is_some()
    }

    /// Whether `app_id` is the projection while no phone is connected: not offered in the
    /// dock, not opened, and gone from any view.
    pub fn awaits_phone(&self, app_id: &str) -> bool {
        self.config.role(app_id) == AppRole::Projection && !self.phone_connected()
    }

    /// Whether the camera must still wait for the daemon to let go of the screen.
    pub fn camera_handing_over(&self) -> bool {
        self.projection.camera_handover.is_some()
    }

    /// Whether the projection's window is in the view of its output.
    fn projection_shown(&self) -> bool {
        let Some(app) = self.projection_app() else {
            return false;
        };
        let Some(output) = self.app_output(&app) else {
            return false;
        };
        self.view(&output).slot_of(&app).is_some()
    }

    pub fn projection_event(&mut self, event: ProjectionEvent) {
        match event {
            ProjectionEvent::Owner(owner) => {
                if owner != self.projection.owner {
                    info!(?owner, "phone projection daemon");
                    // A new daemon knows nothing: tell it everything again.
                    self.projection.told_video_focus = None;
                    self.projection.told_night = None;
                    self.projection.told_restrictions = None;
                    self.projection.audio_focus = None;
                }
                if owner.is_none() {
                    self.projection_phone(None);
                }
                self.projection.owner = owner;
            }
            ProjectionEvent::Status(DaemonStatus {
                connected,
                phone_name,
                phone_kind,
            }) => {
                let phone = connected.then_some(Phone {
                    name: phone_name,
                    kind: phone_kind,
                });
                self.projection_phone(phone);
            }
            ProjectionEvent::VideoFocusRequested(reason) => {
                info!(reason, "the phone asks for the screen");
                if !self.phone_connected() {
                    return;
                }
                if self.reversing() {
                    self.projection.requested_during_reverse = true;
                } else {
                    self.projection_open("phone");
                }
            }
            ProjectionEvent::AudioFocusRequested(focus) => match focus.parse::<AudioFocus>() {
                Ok(focus) => {
                    self.projection.audio_focus = Some(focus);
                    self.projection_call(ProjectionCall::AudioFocus(focus.as_str().into()));
                }
                Err(err) => warn!("the phone asks for audio focus: {err}"),
            },
            ProjectionEvent::NavigationFocusRequested(focus) => {
                match focus.parse::<NavigationFocus>() {
                    Ok(focus) => {
                        self.projection_call(ProjectionCall::NavigationFocus(
                            focus.as_str().into(),
                        ));
                    }
                    Err(err) => warn!("the phone asks for navigation focus: {err}"),
                }
            }
            // Answered or failed alike: either way the camera waits no longer.
            ProjectionEvent::Replied { call, answered } => {
                if matches!(self.projection.camera_handover, Some((id, _)) if id == call) {
                    if !answered {
                        warn!(
                            "the phone did not confirm it lost the screen: the camera goes ahead"
                        );
                    }
                    self.projection_camera_handed_over();
                }
            }
        }
    }

    /// A phone connected or went; the dock and status bar follow, and a view showing the
    /// projection without a phone gives way.
    fn projection_phone(&mut self, phone: Option<Phone>) {
        if phone == self.projection.phone {
            return;
        }
        info!(?phone, "phone");
        if phone.is_none() {
            self.projection.audio_focus = None;
            self.projection.requested_during_reverse = false;
        }
        self.chrome_show_phone(phone.as_ref().map(|phone| phone.name.clone()));
        self.projection.phone = phone;
        self.shell_forget_gone_apps();
        // The dock offers the phone's app only while a phone is connected.
        self.queue_redraw_all();
    }

    /// Shows the projection (the phone asked, or the driver opened it).
    fn projection_open(&mut self, reason: &'static str) {
        let Some(app) = self.projection_app() else {
            return;
        };
        self.projection.focus_reason = Some(reason);
        if let Err(err) = self.activate(&app) {
            warn!("could not show the phone: {err}");
        }
    }

    /// Reverse began: if the projection holds the screen, the daemon is told at once and the
    /// camera waits for its answer, at most `CAMERA_HANDOVER`.
    pub fn projection_reverse_began(&mut self) {
        if self.projection.told_video_focus != Some(true) || !self.projection_shown() {
            return;
        }
        let call = self.projection_call(ProjectionCall::VideoFocus(false, "camera"));
        self.projection.told_video_focus = Some(false);
        self.projection.lost_to_camera = true;
        // Nothing could be sent (no bus): nothing to wait for.
        let Some(call) = call else {
            return;
        };
        let timer =
            self.loop_handle
                .insert_source(Timer::from_duration(CAMERA_HANDOVER), |_, _, state| {
                    warn!("the projection daemon did not answer in time: the camera goes ahead");
                    state.projection.camera_handover = None;
                    state.queue_redraw_all();
                    TimeoutAction::Drop
                });
        match timer {
            Ok(token) => self.projection.camera_handover = Some((call, token)),
            Err(err) => warn!("the camera does not wait for the phone: {err}"),
        }
    }

    fn projection_camera_handed_over(&mut self) {
        if let Some((_, token)) = self.projection.camera_handover.take() {
            self.loop_handle.remove(token);
            self.queue_redraw_all();
        }
    }

    /// After every batch of events: tells the daemon what changed for it (video focus,
    /// night mode, driving status).
    pub fn projection_sync(&mut self) {
        if self.projection.owner.is_none() {
            return;
        }
        if self.projection.requested_during_reverse && !self.reversing() && self.phone_connected() {
            self.projection.requested_during_reverse = false;
            self.projection_open("phone");
        }
        let focused = self.phone_connected() && self.projection_shown() && !self.reversing();
        if self.projection.told_video_focus != Some(focused) {
            let reason = if self.reversing() || self.projection.lost_to_camera {
                "camera"
            } else {
                self.projection
                    .focus_reason
                    .unwrap_or(if focused { "user" } else { "app" })
            };
            self.projection.lost_to_camera = !focused && reason == "camera";
            self.projection.told_video_focus = Some(focused);
            self.projection_call(ProjectionCall::VideoFocus(focused, reason));
        }
        self.projection.focus_reason = None;

        let night = self.chrome.theme == crate::chrome::theme::ThemeName::Night;
        if self.projection.told_night != Some(night) {
            self.projection.told_night = Some(night);
            self.projection_call(ProjectionCall::NightMode(night));
        }
        let restrictions = self.car.restrictions();
        if self.projection.told_restrictions != Some(restrictions) {
            self.projection.told_restrictions = Some(restrictions);
            self.projection_call(ProjectionCall::DrivingStatus(
                restrictions,
                android_auto_driving_status(restrictions),
            ));
        }
    }
}
