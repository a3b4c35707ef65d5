//! The zones of one output: the compositor's status bar and dock along edges, and the app
//! area they leave. A pure calculation on logical sizes, so that it is tested on its own; the
//! chrome issue draws into the panel zones, apps are placed in the app area.

use smithay::utils::{Logical, Rectangle, Size};

use crate::config::{Edge, LayoutConfig, Panel};

/// Output-local rectangles, in logical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zones {
    pub status_bar: Option<Rectangle<i32, Logical>>,
    pub dock: Option<Rectangle<i32, Logical>>,
    pub app_area: Rectangle<i32, Logical>,
}

/// Carves the status bar, then the dock, off the edges they name; what is left is the app
/// area. A panel never takes more than what remains, so the app area may shrink to nothing
/// on an absurdly small output but never has a negative size.
pub fn zones(output_size: Size<i32, Logical>, layout: &LayoutConfig) -> Zones {
    let mut remaining = Rectangle::from_size(output_size);
    let status_bar = layout
        .status_bar
        .as_ref()
        .map(|panel| carve(&mut remaining, *panel.get_ref()));
    let dock = layout
        .dock
        .as_ref()
        .map(|panel| carve(&mut remaining, *panel.get_ref()));
    Zones {
        status_bar,
        dock,
        app_area: remaining,
    }
}

/// Takes a panel off one edge of `remaining` and returns the panel's rectangle.
fn carve(remaining: &mut Rectangle<i32, Logical>, panel: Panel) -> Rectangle<i32, Logical> {
    let size = i32::try_from(panel.size).unwrap_or(i32::MAX);
    match panel.edge {
        Edge::Top | Edge::Bottom => {
            let thickness = size.min(remaining.size.h);
            remaining.size.h -= thickness;
            let y = if panel.edge == Edge::Top {
                let y = remaining.loc.y;
                remaining.loc.y += thickness;
                y
            } else {
                remaining.loc.y + remaining.size.h
            };
            Rectangle::new(
                (remaining.loc.x, y).into(),
                (remaining.size.w, thickness).into(),
            )
        }
        Edge::Left | Edge::Right => {
            let thickness = size.min(remaining.size.w);
            remaining.size.w -= thickness;
            let x = if panel.edge == Edge::Left {
                let x = remaining.loc.x;
                remaining.loc.x += thickness;
                x
            } else {
                remaining.loc.x + remaining.size.w
            };
            Rectangle::new(
                (x, remaining.loc.y).into(),
                (thickness, remaining.size.h).into(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use toml::Spanned;

    use super::*;
    use crate::config::Colour;

    fn layout(status_bar: Option<(Edge, u32)>, dock: Option<(Edge, u32)>) -> LayoutConfig {
        let panel = |(edge, size)| Spanned::new(0..0, Panel { edge, size });
        LayoutConfig {
            status_bar: status_bar.map(panel),
            dock: dock.map(panel),
            background: Colour::default(),
        }
    }

    fn rect(x: i32, y: i32, w: i32, h: i32) -> Rectangle<i32, Logical> {
        Rectangle::new((x, y).into(), (w, h).into())
    }

    #[test]
    fn no_panels_leave_the_whole_output_to_apps() {
        let zones = zones((1920, 720).into(), &layout(None, None));
        assert_eq!(zones.app_area, rect(0, 0, 1920, 720));
        assert_eq!((zones.status_bar, zones.dock), (None, None));
    }

    #[test]
    fn top_bar_and_bottom_dock() {
        let zones = zones(
            (1920, 720).into(),
            &layout(Some((Edge::Top, 48)), Some((Edge::Bottom, 96))),
        );
        assert_eq!(zones.status_bar, Some(rect(0, 0, 1920, 48)));
        assert_eq!(zones.dock, Some(rect(0, 624, 1920, 96)));
        assert_eq!(zones.app_area, rect(0, 48, 1920, 576));
    }

    #[test]
    fn a_side_dock_runs_below_the_status_bar() {
        let zones = zones(
            (1920, 720).into(),
            &layout(Some((Edge::Top, 48)), Some((Edge::Left, 120))),
        );
        assert_eq!(zones.dock, Some(rect(0, 48, 120, 672)));
        assert_eq!(zones.app_area, rect(120, 48, 1800, 672));
    }

    #[test]
    fn panels_never_make_the_app_area_negative() {
        let zones = zones(
            (100, 60).into(),
            &layout(Some((Edge::Bottom, 50)), Some((Edge::Top, 50))),
        );
        assert_eq!(zones.status_bar, Some(rect(0, 10, 100, 50)));
        assert_eq!(zones.dock, Some(rect(0, 0, 100, 10)));
        assert_eq!(zones.app_area.size, (100, 0).into());
    }
}
