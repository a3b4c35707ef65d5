//! What the app area of one output shows: the home view, one active app, or a split of two.
//! A pure model with its layout math, tested on its own; `activation.rs` applies it to the
//! windows.

use smithay::utils::{Logical, Rectangle};

use crate::config::AppRole;

/// The view of one output's app area.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum View {
    /// No app: the home view (the grid of apps, drawn by the chrome).
    #[default]
    Home,
    /// One app fills the app area.
    App(String),
    /// Two apps side by side: `primary` on the left (the driver's side on a left-hand-drive
    /// car), `secondary` on the right.
    Split { primary: String, secondary: String },
}

/// The part of the app area an app gets in a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Full,
    Primary,
    Secondary,
}

impl View {
    /// The slot of `app_id` in this view; `None` when the view does not show it.
    pub fn slot_of(&self, app_id: &str) -> Option<Slot> {
        match self {
            View::Home => None,
            View::App(active) => (active == app_id).then_some(Slot::Full),
            View::Split { primary, .. } if primary == app_id => Some(Slot::Primary),
            View::Split { secondary, .. } if secondary == app_id => Some(Slot::Secondary),
            View::Split { .. } => None,
        }
    }

    /// The app that has the driver's attention: the active one, or the primary of a split.
    pub fn active_app(&self) -> Option<&str> {
        match self {
            View::Home => None,
            View::App(active) => Some(active),
            View::Split { primary, .. } => Some(primary),
        }
    }

    /// The view after an app of `role` is activated. A split-role app opens beside the main
    /// app that is active (and replaces the other half of a split); every other role
    /// takes the whole area.
    pub fn activating(&self, app_id: &str, role: AppRole) -> View {
        if role == AppRole::Split
            && let Some(primary) = self.active_app()
            && primary != app_id
        {
            return View::Split {
                primary: primary.to_string(),
                secondary: app_id.to_string(),
            };
        }
        View::App(app_id.to_string())
    }
}

/// The rectangle of a slot in `area`; `ratio` is the primary's share of the width.
pub fn slot_rect(area: Rectangle<i32, Logical>, slot: Slot, ratio: f64) -> Rectangle<i32, Logical> {
    let primary_width = ((f64::from(area.size.w) * ratio).round() as i32).clamp(0, area.size.w);
    match slot {
        Slot::Full => area,
        Slot::Primary => Rectangle::new(area.loc, (primary_width, area.size.h).into()),
        Slot::Secondary => Rectangle::new(
            (area.loc.x + primary_width, area.loc.y).into(),
            (area.size.w - primary_width, area.size.h).into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: i32, y: i32, w: i32, h: i32) -> Rectangle<i32, Logical> {
        Rectangle::new((x, y).into(), (w, h).into())
    }

    #[test]
    fn a_split_divides_the_width_and_nothing_is_lost() {
        let area = rect(0, 48, 1921, 576);
        let primary = slot_rect(area, Slot::Primary, 0.6);
        let secondary = slot_rect(area, Slot::Secondary, 0.6);
        assert_eq!(primary, rect(0, 48, 1153, 576));
        assert_eq!(secondary, rect(1153, 48, 768, 576));
        assert_eq!(primary.size.w + secondary.size.w, area.size.w);
        assert_eq!(slot_rect(area, Slot::Full, 0.6), area);
    }

    #[test]
    fn views_show_only_their_apps() {
        let split = View::Split {
            primary: "nav".into(),
            secondary: "media".into(),
        };
        assert_eq!(split.slot_of("nav"), Some(Slot::Primary));
        assert_eq!(split.slot_of("media"), Some(Slot::Secondary));
        assert_eq!(split.slot_of("phone"), None);
        assert_eq!(View::Home.slot_of("nav"), None);
        assert_eq!(View::App("nav".into()).slot_of("nav"), Some(Slot::Full));
    }

    #[test]
    fn a_split_role_app_opens_beside_the_active_app() {
        let nav = View::App("nav".into());
        assert_eq!(
            nav.activating("media", AppRole::Split),
            View::Split {
                primary: "nav".into(),
                secondary: "media".into()
            }
        );
        assert_eq!(
            nav.activating("phone", AppRole::Main),
            View::App("phone".into())
        );
        assert_eq!(
            View::Home.activating("media", AppRole::Split),
            View::App("media".into())
        );
        assert_eq!(
            nav.activating("nav", AppRole::Split),
            View::App("nav".into())
        );
    }
}
