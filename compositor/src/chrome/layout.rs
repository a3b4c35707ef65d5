//! Where things are in the chrome: the dock's buttons and the home view's tiles, in
//! output-local logical pixels. Drawing and touch both use these functions, so that a tap
//! lands on exactly what is drawn; they are pure and tested here.

use smithay::utils::{Logical, Point, Rectangle};

/// What a dock button or home tile does when tapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Home,
    App(String),
    /// "Try again" on a slot whose app could not run (`waiting.rs`).
    Retry(String),
}

/// A tappable square of the chrome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub rect: Rectangle<i32, Logical>,
    pub target: Target,
}

/// The dock's buttons: home first, then the apps, as squares as thick as the dock, centred
/// along it. Buttons that do not fit are left out.
pub fn dock_buttons(dock: Rectangle<i32, Logical>, apps: &[String]) -> Vec<Button> {
    let horizontal = dock.size.w >= dock.size.h;
    let (length, thickness) = if horizontal {
        (dock.size.w, dock.size.h)
    } else {
        (dock.size.h, dock.size.w)
    };
    if thickness <= 0 {
        return Vec::new();
    }
    let targets: Vec<Target> = std::iter::once(Target::Home)
        .chain(apps.iter().cloned().map(Target::App))
        .take((length / thickness).max(0) as usize)
        .collect();
    let start = (length - thickness * targets.len() as i32) / 2;
    targets
        .into_iter()
        .enumerate()
        .map(|(index, target)| {
            let along = start + thickness * index as i32;
            let loc: Point<i32, Logical> = if horizontal {
                (dock.loc.x + along, dock.loc.y).into()
            } else {
                (dock.loc.x, dock.loc.y + along).into()
            };
            Button {
                rect: Rectangle::new(loc, (thickness, thickness).into()),
                target,
            }
        })
        .collect()
}

/// The home view's tiles: a centred grid of squares, as large as the area allows up to 200
/// pixels, with gaps of a fifth of a tile. Tiles that do not fit are left out.
pub fn home_tiles(area: Rectangle<i32, Logical>, apps: &[String]) -> Vec<Button> {
    if apps.is_empty() || area.size.w <= 0 || area.size.h <= 0 {
        return Vec::new();
    }
    let tile = ((area.size.h as f64 * 0.4).min(200.0) as i32).max(48);
    let gap = tile / 5;
    let columns = ((area.size.w + gap) / (tile + gap)).max(1);
    let max_rows = ((area.size.h + gap) / (tile + gap)).max(1);
    let count = apps.len().min((columns * max_rows) as usize) as i32;
    let used_columns = count.min(columns);
    let rows = (count + columns - 1) / columns;
    let grid_w = used_columns * tile + (used_columns - 1) * gap;
    let grid_h = rows * tile + (rows - 1) * gap;
    let x0 = area.loc.x + (area.size.w - grid_w) / 2;
    let y0 = area.loc.y + (area.size.h - grid_h) / 2;
    apps.iter()
        .take(count as usize)
        .enumerate()
        .map(|(index, app)| {
            let (row, column) = (index as i32 / columns, index as i32 % columns);
            Button {
                rect: Rectangle::new(
                    (x0 + column * (tile + gap), y0 + row * (tile + gap)).into(),
                    (tile, tile).into(),
                ),
                target: Target::App(app.clone()),
            }
        })
        .collect()
}

/// The button under a point, if any.
pub fn button_at(buttons: &[Button], point: Point<f64, Logical>) -> Option<&Button> {
    buttons
        .iter()
        .find(|button| button.rect.to_f64().contains(point))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apps(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    fn rect(x: i32, y: i32, w: i32, h: i32) -> Rectangle<i32, Logical> {
        Rectangle::new((x, y).into(), (w, h).into())
    }

    #[test]
    fn the_dock_centres_home_and_the_apps() {
        let buttons = dock_buttons(rect(0, 624, 1920, 96), &apps(&["nav", "media"]));
        assert_eq!(buttons.len(), 3);
        assert_eq!(buttons[0].target, Target::Home);
        assert_eq!(buttons[0].rect, rect(816, 624, 96, 96));
        assert_eq!(buttons[2].rect, rect(1008, 624, 96, 96));
        assert_eq!(
            button_at(&buttons, (1000.0, 700.0).into()).map(|b| &b.target),
            Some(&Target::App("nav".into()))
        );
        assert_eq!(button_at(&buttons, (10.0, 700.0).into()), None);
    }

    #[test]
    fn a_side_dock_stacks_and_drops_what_does_not_fit() {
        let buttons = dock_buttons(rect(0, 48, 100, 250), &apps(&["a", "b", "c"]));
        assert_eq!(buttons.len(), 2, "250 pixels hold two 100-pixel buttons");
        assert_eq!(buttons[0].rect, rect(0, 73, 100, 100));
        assert_eq!(buttons[1].rect, rect(0, 173, 100, 100));
    }

    #[test]
    fn home_tiles_form_a_centred_grid_inside_the_area() {
        let area = rect(0, 40, 640, 360);
        let tiles = home_tiles(area, &apps(&["a", "b", "c", "d"]));
        assert_eq!(tiles.len(), 4);
        // 144-pixel tiles, 28-pixel gaps, three columns, two rows.
        assert_eq!(tiles[0].rect, rect(76, 62, 144, 144));
        assert_eq!(tiles[3].rect, rect(76, 234, 144, 144));
        for tile in &tiles {
            assert!(area.contains_rect(tile.rect), "{tile:?} outside the area");
        }
        assert!(home_tiles(area, &[]).is_empty());
    }
}
