//! Which app windows are shown where: the shell's windows, each output's view, and the
//! operations that change them (activate an app, go home, split two apps).
//!
//! Every toplevel lives in [`Shell::windows`] from its creation; only the windows that the
//! views show are mapped into the `Space` that is rendered. A window is mapped only once it
//! has acknowledged and committed the size of its slot, so that no frame ever shows an app at
//! a wrong size or place: during a resize its slot shows the background for a frame or two,
//! never a stretched or cropped picture (an app too late with its new size is shown again
//! with the picture it has, `resize_deadline.rs`). A window that keeps its own size
//! (minimum equal to maximum) is told that size, and any window that draws another size
//! than its slot's sits centred in it. A window whose app_id changes after it appeared is placed again by the new
//! id, as a new window with that id would be. Roles (from config, by app_id): main, split and
//! projection apps are shown by the views; popup apps float centred above the app area
//! whenever they have a window; background apps are never shown.

use std::collections::HashMap;

use smithay::backend::renderer::utils::with_renderer_surface_state;
use smithay::desktop::Window;
use smithay::output::Output;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::utils::{Logical, Rectangle, SERIAL_COUNTER};
use tracing::info;

use super::views::{Slot, View, slot_rect};
use crate::config::AppRole;
use crate::state::State;

/// The share of the app area a popup-role app gets, centred.
const POPUP_SHARE: f64 = 2.0 / 3.0;

#[derive(Default)]
pub struct Shell {
    /// Every toplevel, shown or not, oldest first.
    pub windows: Vec<Window>,
    /// The view of each output, by output name; an output without one shows home.
    views: HashMap<String, View>,
    /// Apps that were active, most recent last: where the view goes back to when the active
    /// app goes away.
    history: Vec<String>,
    /// Windows that a view shows but that have not yet drawn at their slot's size, with the
    /// output they go on: they get frame callbacks at once, so that they draw.
    pub awaiting: Vec<(Window, Output)>,
    /// The conformance harness's mode (`free_placement.rs`): windows at their own size where
    /// the harness puts them, no views.
    pub free_placement: bool,
    /// Apps whose window appeared while they were restricted (the car moving, or not yet
    /// known at start-up): they come forward, as a new window does, once they may be shown,
    /// unless the view changed meanwhile.
    appeared_while_restricted: Vec<String>,
}

/// Enough to go back a few apps; bounded so that thousands of switches cost nothing.
const HISTORY_LENGTH: usize = 16;

/// Why a shell request was refused; the message is shown to D-Bus callers and cowlctl users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShellError {
    #[error("no app {0:?} is configured or running")]
    UnknownApp(String),
    #[error(
        "app {0:?} has the {1} role and is not activated (only main, split and projection apps are)"
    )]
    NotActivatable(String, &'static str),
    #[error("app {0:?} is not running and has no exec command to start it")]
    NotRunning(String),
    #[error("a split needs two different apps")]
    SameApp,
    #[error("apps {0:?} and {1:?} are on different outputs")]
    DifferentOutputs(String, String),
    #[error("no output is connected")]
    NoOutput,
    #[error("no output is named {0:?}")]
    UnknownOutput(String),
    #[error("{0:?} is not available while driving")]
    RestrictedWhileDriving(String),
    #[error("no phone is connected")]
    NoPhone,
}

/// Where a window goes and whether it is shown.
pub(super) struct WindowLayout {
    /// The rectangle it is configured to fill (also while hidden, so that it is ready).
    pub rect: Rectangle<i32, Logical>,
    pub shown: bool,
    /// Stacking: background 0, apps 1, popups 2.
    pub layer: u8,
}

/// A window as `configure_window` left it.
pub(super) struct Configured {
    pub layout: WindowLayout,
    /// It has taken the size it was told (its slot's, or its own fixed size) and drawn.
    pub ready: bool,
    /// Where it goes: its slot's corner, or, drawn at another size, centred in the slot.
    pub place: smithay::utils::Point<i32, Logical>,
    pub mapped_at: Option<smithay::utils::Point<i32, Logical>>,
}

fn role_name(role: AppRole) -> &'static str {
    match role {
        AppRole::Main => "main",
        AppRole::Split => "split",
        AppRole::Popup => "popup",
        AppRole::Background => "background",
        AppRole::Projection => "projection",
    }
}

/// The app_id a window is treated as: what its client claims, where the client may claim it
/// (`identity.rs`); "" for a window that set none (an undeclared app of its own).
pub fn window_app_id(window: &Window) -> String {
    crate::identity::effective_app_id_of(window)
}

/// The slot a window is shown in (global logical), kept in its user data while it is mapped:
/// its surfaces, subsurfaces and popups are clipped to it, and its covers fill it.
struct ShownSlot(std::cell::Cell<Option<Rectangle<i32, Logical>>>);

/// The slot a mapped window fills; `None` while it is not shown.
pub fn shown_slot(window: &Window) -> Option<Rectangle<i32, Logical>> {
    window
        .user_data()
        .get::<ShownSlot>()
        .and_then(|slot| slot.0.get())
}

fn set_shown_slot(window: &Window, slot: Option<Rectangle<i32, Logical>>) {
    window
        .user_data()
        .get_or_insert(|| ShownSlot(std::cell::Cell::new(None)))
        .0
        .set(slot);
}

pub(super) fn has_buffer(surface: &WlSurface) -> bool {
    with_renderer_surface_state(surface, |state| state.buffer().is_some()).unwrap_or(false)
}

/// The size of the picture a surface shows (its buffer, scaled or cropped by the client).
fn surface_size(surface: &WlSurface) -> Option<smithay::utils::Size<i32, Logical>> {
    with_renderer_surface_state(surface, |state| state.surface_size()).flatten()
}

impl State {
    /// The shell's window made of this root surface.
    pub fn window_for_surface(&self, root: &WlSurface) -> Option<Window> {
        self.shell
            .windows
            .iter()
            .find(|window| window.toplevel().is_some_and(|t| t.wl_surface() == root))
            .cloned()
    }

    /// The output an app is shown on: the one its configuration names when connected, else
    /// the primary output.
    pub fn app_output(&self, app_id: &str) -> Option<Output> {
        self.config
            .app(app_id)
            .and_then(|app| app.output.as_ref())
            .and_then(|name| {
                self.space
                    .outputs()
                    .find(|output| output.name() == *name.get_ref())
                    .cloned()
            })
            .or_else(|| super::primary_output(&self.space))
    }

    /// The view of an output.
    pub fn view(&self, output: &Output) -> View {
        self.shell
            .views
            .get(&output.name())
            .cloned()
            .unwrap_or_default()
    }

    /// The app the driver sees on the primary output, if any.
    pub fn active_app(&self) -> Option<String> {
        let output = super::primary_output(&self.space)?;
        self.view(&output).active_app().map(str::to_string)
    }

    /// The app the driver sees on `output`, if any.
    pub fn active_app_on(&self, output: &Output) -> Option<String> {
        self.view(output).active_app().map(str::to_string)
    }

    fn set_view(&mut self, output: &Output, view: View) {
        info!(output = output.name(), ?view, "view");
        // The driver (or the car) has moved on: a window that appeared while restricted no
        // longer comes forward by itself once it may be shown.
        self.shell.appeared_while_restricted.clear();
        if let Some(active) = view.active_app() {
            let history = &mut self.shell.history;
            history.retain(|app| app != active);
            if history.len() == HISTORY_LENGTH {
                history.remove(0);
            }
            history.push(active.to_string());
        }
        self.shell.views.insert(output.name(), view);
    }

    fn has_window(&self, app_id: &str) -> bool {
        self.shell
            .windows
            .iter()
            .any(|window| window_app_id(window) == app_id)
    }

    /// Whether an app in a view is gone for good: no window, and the supervisor is neither
    /// starting nor restarting it.
    /// An app that cannot run (its program missing, or given up after crashing in a loop)
    /// is not gone: its slot stays, saying why and offering to try again
    /// (`chrome/waiting.rs`).
    fn is_gone(&self, app_id: &str) -> bool {
        use crate::supervisor::AppState;
        self.awaits_phone(app_id)
            || !self.has_window(app_id)
                && !matches!(
                    self.supervisor.state(app_id),
                    Some(AppState::Running { .. } | AppState::Restarting)
                )
                && !self
                    .supervisor
                    .trouble(app_id)
                    .is_some_and(crate::supervisor::Trouble::cannot_run)
    }

    /// After windows closed or apps exited: a view never keeps showing an app that is gone.
    /// Half a split becomes the other half; a gone active app gives way to the app that was
    /// active before it, or to home.
    pub fn shell_forget_gone_apps(&mut self) {
        let outputs: Vec<Output> = self.space.outputs().cloned().collect();
        let mut changed = false;
        for output in outputs {
            let view = self.view(&output);
            let next = match &view {
                View::Home => continue,
                View::Split { primary, secondary } => {
                    match (self.is_gone(primary), self.is_gone(secondary)) {
                        (false, false) => continue,
                        (false, true) => View::App(primary.clone()),
                        (true, false) => View::App(secondary.clone()),
                        (true, true) => self.previous_view(&output, &[primary, secondary]),
                    }
                }
                View::App(active) if self.is_gone(active) => self.previous_view(&output, &[active]),
                View::App(_) => continue,
            };
            self.set_view(&output, next);
            changed = true;
        }
        if changed {
            self.shell_apply();
        }
    }

    /// The most recently active app on `output` that still has a window, else home.
    fn previous_view(&self, output: &Output, gone: &[&String]) -> View {
        self.shell
            .history
            .iter()
            .rev()
            .filter(|app| !gone.contains(app))
            .find(|app| self.has_window(app) && self.app_output(app).as_ref() == Some(output))
            .map_or(View::Home, |app| View::App(app.clone()))
    }

    fn window_layout(&self, window: &Window) -> Option<WindowLayout> {
        if self.shell.free_placement {
            return self.free_layout();
        }
        let app_id = window_app_id(window);
        let output = self.app_output(&app_id)?;
        let area = super::app_area(&self.space, &output, &self.config)?;
        let layout = match self.config.role(&app_id) {
            AppRole::Background => WindowLayout {
                rect: area,
                shown: false,
                layer: 0,
            },
            AppRole::Popup => {
                let size = area.size.to_f64().upscale(POPUP_SHARE).to_i32_round();
                let loc = area.loc + ((area.size - size).downscale(2)).to_point();
                WindowLayout {
                    rect: Rectangle::new(loc, size),
                    shown: !self.is_restricted_now(&app_id),
                    layer: 2,
                }
            }
            AppRole::Main | AppRole::Split | AppRole::Projection => {
                let slot = self.view(&output).slot_of(&app_id);
                WindowLayout {
                    rect: slot_rect(
                        area,
                        slot.unwrap_or(Slot::Full),
                        self.config.shell.split_ratio(),
                    ),
                    // `restrict_views` has taken restricted apps out of the views; this
                    // holds even for a window whose view is not yet set right.
                    shown: slot.is_some() && !self.is_restricted_now(&app_id),
                    layer: 1,
                }
            }
        };
        Some(layout)
    }

    /// Configures every window for its slot and maps exactly the windows that are shown and
    /// ready at their size; restacks and moves the keyboard focus to the active app.
    pub fn shell_apply(&mut self) {
        self.restrict_views();
        let windows = self.shell.windows.clone();
        let mut shown: Vec<(u8, Window)> = Vec::new();
        let mut awaiting = Vec::new();
        let mut changed = false;
        let mut newly_mapped = None;
        for window in &windows {
            let Some(Configured {
                layout,
                ready,
                place,
                mapped_at,
            }) = self.configure_window(window)
            else {
                continue;
            };
            if layout.shown && ready {
                set_shown_slot(window, Some(layout.rect));
                if mapped_at.is_none() {
                    newly_mapped = Some(window.clone());
                }
                if mapped_at != Some(place) {
                    self.space.map_element(window.clone(), place, false);
                    changed = true;
                }
                shown.push((layout.layer, window.clone()));
            } else {
                set_shown_slot(window, None);
                if mapped_at.is_some() {
                    self.space.unmap_elem(window);
                    changed = true;
                }
                if layout.shown
                    && let Some(output) = self.app_output(&window_app_id(window))
                {
                    awaiting.push((window.clone(), output));
                }
            }
        }
        self.shell.awaiting = awaiting;
        // Raise in stacking order: apps above background, popups above apps; among equals
        // the newest on top. Freely placed windows stay as they were mapped and raised.
        if !self.shell.free_placement {
            shown.sort_by_key(|(layer, _)| *layer);
            for (_, window) in &shown {
                self.space.raise_element(window, false);
            }
        }
        if newly_mapped.is_some() {
            // A menu open in another window closes when a new one comes forward.
            self.popup_grab_end();
        }
        if self.shell.free_placement {
            // As on a desktop: the window that appeared last has the keyboard.
            if let Some(window) = newly_mapped
                && !self.exclusive_layer_holds_keyboard()
            {
                self.focus_keyboard_on(&window);
            }
        } else {
            self.focus_active_window(&shown);
        }
        if changed {
            // Which outputs show which window is what frame callbacks and presentation
            // feedback follow; a frame drawn before the next refresh must already know.
            self.space.refresh();
            self.queue_redraw_all();
            self.pointer_refresh();
        }
    }

    /// Configures a window for its slot (a configure goes out only when that changed); where
    /// it goes, whether it has drawn at its slot's size, and where it is mapped now.
    fn configure_window(&self, window: &Window) -> Option<Configured> {
        let toplevel = window.toplevel()?;
        let layout = self.window_layout(window)?;
        if self.shell.free_placement {
            return self.configure_freely(window, toplevel, layout);
        }
        let size = super::fixed_size(toplevel).unwrap_or(layout.rect.size);
        super::configure_to_fill(toplevel, layout.rect, size);
        if toplevel.is_initial_configure_sent() {
            toplevel.send_pending_configure();
        }
        // Ready once it has taken the size it was told, or is too late with it
        // (`resize_deadline.rs`). What it then draws may still differ (a client that keeps
        // its own size): it is centred in its slot, not hidden.
        let taken = toplevel.current_state().size == Some(size);
        let ready =
            has_buffer(toplevel.wl_surface()) && self.size_taken_or_overdue(window, size, taken);
        // The client's own picture, not the geometry it declares (which may say anything):
        // one of another size than its slot is centred in it.
        let place = match surface_size(toplevel.wl_surface()) {
            Some(drawn) if drawn != layout.rect.size && drawn.w > 0 && drawn.h > 0 => {
                super::centred_in(layout.rect, drawn) + window.geometry().loc
            }
            _ => layout.rect.loc,
        };
        Some(Configured {
            layout,
            ready,
            place,
            mapped_at: self.space.element_location(window),
        })
    }

    /// A window committed new content: it alone is configured again, and only when its
    /// mapping changes (it became ready at its slot's size, or stopped being) does the whole
    /// shell apply. A commit costs the same with one window or thousands.
    pub fn shell_apply_window(&mut self, window: &Window) {
        let Some(Configured {
            layout,
            ready,
            place,
            mapped_at,
        }) = self.configure_window(window)
        else {
            return;
        };
        let stays = if layout.shown && ready {
            mapped_at == Some(place)
        } else {
            mapped_at.is_none()
        };
        if !stays {
            self.shell_apply();
        }
    }

    /// The keyboard goes to the topmost popup, else to the active app of the primary output.
    fn focus_active_window(&mut self, shown: &[(u8, Window)]) {
        if self.exclusive_layer_holds_keyboard() {
            return;
        }
        let active = self.active_app();
        let target = shown
            .iter()
            .rev()
            .find(|(layer, window)| {
                *layer == 2 || active.as_deref() == Some(window_app_id(window).as_str())
            })
            .and_then(|(_, window)| window.toplevel().map(|t| t.wl_surface().clone()));
        let Some(keyboard) = self.seat.get_keyboard() else {
            return;
        };
        let current = keyboard.current_focus();
        // With no app to focus (the home view), an app that is no longer shown loses the
        // keyboard (and its text field the on-screen keyboard); anything else keeps it.
        // A window redrawing at a new size is still shown, only not yet mapped.
        let hidden_app_has_focus = current.as_ref().is_some_and(|surface| {
            self.window_for_surface(surface).is_some_and(|window| {
                self.space.element_location(&window).is_none()
                    && !self
                        .shell
                        .awaiting
                        .iter()
                        .any(|(awaiting, _)| *awaiting == window)
            })
        });
        if current != target && (target.is_some() || hidden_app_has_focus) {
            keyboard.set_focus(self, target, SERIAL_COUNTER.next_serial());
        }
    }

    /// A new window's app_id is known (its first commit): a main, split or projection app
    /// that someone started becomes active, the way launching an app does on a phone. Not
    /// when the supervisor restarted it after a crash (it keeps its place), and not, while
    /// the start-up curtain is down, over an autostart app declared before it (the first
    /// autostart app is the one the driver sees first).
    pub fn shell_window_appeared(&mut self, window: &Window) {
        let app_id = window_app_id(window);
        if self.is_restricted_now(&app_id) {
            // It waits, unseen, until it may be shown (`shell_enforce_restrictions`).
            if !self.shell.appeared_while_restricted.contains(&app_id) {
                self.shell.appeared_while_restricted.push(app_id);
            }
            return;
        }
        self.bring_forward_appeared(&app_id);
    }

    /// A window's app_id changed after its first commit (xdg-shell allows set_app_id at any
    /// time, and weston's demo clients set it late): the view lets go of the old id when no
    /// window has it any more, and the window comes forward by its new id, placed and
    /// restricted as a new window of that app would be.
    pub fn shell_window_app_id_changed(&mut self, window: &Window) {
        self.shell_forget_gone_apps();
        self.shell_window_appeared(window);
        self.shell_apply();
    }

    fn bring_forward_appeared(&mut self, app_id: &str) {
        let app_id = app_id.to_string();
        let role = self.config.role(&app_id);
        if !matches!(role, AppRole::Main | AppRole::Split | AppRole::Projection)
            || self.supervisor.is_restart(&app_id)
            // The projection's window exists before any phone does; it shows only with one.
            || self.awaits_phone(&app_id)
        {
            return;
        }
        let Some(output) = self.app_output(&app_id) else {
            return;
        };
        let view = self.view(&output);
        if self.curtain.is_down()
            && let Some(active) = view.active_app()
            && self.autostart_rank(active) < self.autostart_rank(&app_id)
        {
            return;
        }
        let next = view.activating(&app_id, role);
        if next != view {
            self.set_view(&output, next);
        }
    }

    /// Autostart apps by config order; everything else after them.
    fn autostart_rank(&self, app_id: &str) -> usize {
        self.config
            .apps
            .iter()
            .filter(|app| app.autostart)
            .position(|app| app.id.get_ref() == app_id)
            .unwrap_or(usize::MAX)
    }

    /// Checks that `app_id` can be shown by a view; says whether it must be started.
    fn check_showable(&self, app_id: &str) -> Result<(AppRole, bool), ShellError> {
        let role = self.config.role(app_id);
        let has_window = self.has_window(app_id);
        if self.config.app(app_id).is_none() && !has_window {
            return Err(ShellError::UnknownApp(app_id.to_string()));
        }
        if matches!(role, AppRole::Popup | AppRole::Background) {
            return Err(ShellError::NotActivatable(
                app_id.to_string(),
                role_name(role),
            ));
        }
        if self.awaits_phone(app_id) {
            return Err(ShellError::NoPhone);
        }
        if !has_window && !self.supervisor.can_start(app_id) {
            return Err(ShellError::NotRunning(app_id.to_string()));
        }
        Ok((role, !has_window))
    }

    /// Shows an app on its output (starting it if needed); a split-role app opens beside
    /// the active main app.
    pub fn activate(&mut self, app_id: &str) -> Result<(), ShellError> {
        let (role, start) = self.check_showable(app_id)?;
        if self.is_restricted_now(app_id) {
            return Err(ShellError::RestrictedWhileDriving(app_id.to_string()));
        }
        let output = self.app_output(app_id).ok_or(ShellError::NoOutput)?;
        if start {
            self.supervisor.start_if_stopped(app_id);
        }
        let next = self.view(&output).activating(app_id, role);
        self.set_view(&output, next);
        self.shell_apply();
        Ok(())
    }

    /// Whether `app_id` may not be shown now: the car moves, or its state is unknown, and
    /// the app is not distraction-optimized: declared `restrict_while_driving`, or unknown
    /// (not declared, or not verified as the app it claims to be) unless `[shell]
    /// show_unknown_apps_while_driving` says otherwise.
    pub fn is_restricted_now(&self, app_id: &str) -> bool {
        use crate::vehicle_signals::driving::DrivingState;
        let not_optimized = match self.config.app(app_id) {
            Some(app) => app.restrict_while_driving,
            None => !self.config.shell.show_unknown_apps_while_driving,
        };
        not_optimized
            && matches!(
                self.car.driving_state(),
                DrivingState::Moving | DrivingState::Unknown
            )
    }

    /// After the car started moving: every shown app that is restricted gives way to its
    /// fallback (when that may be shown) or to home.
    /// Apps whose window appeared while restricted, and that may be shown now, come forward.
    pub fn shell_enforce_restrictions(&mut self) {
        let mut changed = self.restrict_views();
        let waiting = std::mem::take(&mut self.shell.appeared_while_restricted);
        for app_id in waiting {
            if !self.has_window(&app_id) {
                continue;
            }
            if self.is_restricted_now(&app_id) {
                self.shell.appeared_while_restricted.push(app_id);
            } else {
                self.bring_forward_appeared(&app_id);
                changed = true;
            }
        }
        if changed {
            self.shell_apply();
        }
    }

    /// Every view that shows a restricted app gives it up: to its fallback (when that may
    /// be shown) or home. Says whether a view changed. `shell_apply` runs this first, so
    /// that no way into a view (Shell1, a dock tap, a new window, a changed app_id, an
    /// activation token, the phone) can show a restricted app.
    fn restrict_views(&mut self) -> bool {
        let outputs: Vec<Output> = self.space.outputs().cloned().collect();
        let mut changed = false;
        for output in outputs {
            let view = self.view(&output);
            let restricted = |app: &String| self.is_restricted_now(app);
            let replacement = |app: &String| -> View {
                self.config
                    .app(app)
                    .and_then(|config| config.fallback.as_ref())
                    .map(|fallback| fallback.get_ref().clone())
                    .filter(|fallback| {
                        !self.is_restricted_now(fallback) && self.check_showable(fallback).is_ok()
                    })
                    .map_or(View::Home, View::App)
            };
            let next = match &view {
                View::Home => continue,
                View::App(active) if restricted(active) => replacement(active),
                View::Split { primary, secondary } => {
                    match (restricted(primary), restricted(secondary)) {
                        (false, false) => continue,
                        (false, true) => View::App(primary.clone()),
                        (true, false) => View::App(secondary.clone()),
                        (true, true) => replacement(primary),
                    }
                }
                View::App(_) => continue,
            };
            if let View::App(fallback) = &next
                && !self.has_window(fallback)
            {
                self.supervisor.start_if_stopped(fallback);
            }
            self.set_view(&output, next);
            changed = true;
        }
        changed
    }

    /// The home view on `output` (the primary output when `None`).
    pub fn home(&mut self, output: Option<Output>) -> Result<(), ShellError> {
        let output = output
            .or_else(|| super::primary_output(&self.space))
            .ok_or(ShellError::NoOutput)?;
        self.set_view(&output, View::Home);
        self.shell_apply();
        Ok(())
    }

    /// `primary` on the left, `secondary` on the right of their output's app area.
    pub fn set_split(&mut self, primary: &str, secondary: &str) -> Result<(), ShellError> {
        if primary == secondary {
            return Err(ShellError::SameApp);
        }
        let output = self.app_output(primary).ok_or(ShellError::NoOutput)?;
        if self.app_output(secondary).as_ref() != Some(&output) {
            return Err(ShellError::DifferentOutputs(
                primary.to_string(),
                secondary.to_string(),
            ));
        }
        let (_, start_primary) = self.check_showable(primary)?;
        let (_, start_secondary) = self.check_showable(secondary)?;
        for app in [primary, secondary] {
            if self.is_restricted_now(app) {
                return Err(ShellError::RestrictedWhileDriving(app.to_string()));
            }
        }
        if start_primary {
            self.supervisor.start_if_stopped(primary);
        }
        if start_secondary {
            self.supervisor.start_if_stopped(secondary);
        }
        self.set_view(
            &output,
            View::Split {
                primary: primary.to_string(),
                secondary: secondary.to_string(),
            },
        );
        self.shell_apply();
        Ok(())
    }
}
