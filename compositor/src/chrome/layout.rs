//! Where things are in the chrome: the dock's buttons and the home view's cards and tiles,
//! in output-local logical pixels. Drawing and touch both use these functions, so that a tap
//! lands on exactly what is drawn; they are pure and tested here.

use smithay::utils::{Logical, Point, Rectangle};

/// What a dock button or home tile does when tapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Home,
    App(String),
    /// "Try again" on a slot whose app could not run (`waiting.rs`).
    Retry(String),
    /// The now-playing card's play/pause and next buttons (the media app, over MPRIS).
    PlayPause,
    Next,
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

/// What a home card shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardKind {
    NowPlaying,
    Navigation,
    Phone,
    Temperature,
}

/// A card of the home view: where it is, and what a tap on it does (its buttons first,
/// then the card as a whole, which opens its app).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPlace {
    pub kind: CardKind,
    pub rect: Rectangle<i32, Logical>,
    pub buttons: Vec<Button>,
}

/// The home view: a row of cards along the top of the app area, the app tiles below.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeLayout {
    pub cards: Vec<CardPlace>,
    pub tiles: Vec<Button>,
}

impl HomeLayout {
    /// What a tap at `point` lands on: a card's button before the card, then a tile.
    pub fn target_at(&self, point: Point<f64, Logical>) -> Option<Target> {
        self.cards
            .iter()
            .flat_map(|card| card.buttons.iter())
            .chain(self.tiles.iter())
            .find(|button| button.rect.to_f64().contains(point))
            .map(|button| button.target.clone())
    }
}

/// The home view in `area`: `cards` (each with the app a tap on it opens, if any) side by
/// side in a row a third of the area high (96 to 200 pixels), now playing and navigation
/// twice as wide as the others, the tiles of `apps` in what is left below. Without room for both (an area under 240 pixels high), only the tiles.
pub fn home_layout(
    area: Rectangle<i32, Logical>,
    apps: &[String],
    cards: &[(CardKind, Option<String>)],
) -> HomeLayout {
    if cards.is_empty() || area.size.h < 240 || area.size.w < 320 {
        return HomeLayout {
            cards: Vec::new(),
            tiles: home_tiles(area, apps),
        };
    }
    let gap = (area.size.h / 30).clamp(8, 24);
    let height = (area.size.h / 3).clamp(96, 200);
    let count = cards.len() as i32;
    // What plays and where to turn have more to say than the phone and the weather: they
    // are twice as wide.
    let weight = |kind: CardKind| match kind {
        CardKind::NowPlaying | CardKind::Navigation => 2,
        CardKind::Phone | CardKind::Temperature => 1,
    };
    let weights: i32 = cards.iter().map(|(kind, _)| weight(*kind)).sum();
    let unit = (area.size.w - gap * (count + 1)) / weights.max(1);
    let top = area.loc.y + gap;
    let mut left = area.loc.x + gap;
    let places = cards
        .iter()
        .map(|(kind, opens)| {
            let width = unit * weight(*kind);
            let rect = Rectangle::new((left, top).into(), (width, height).into());
            left += width + gap;
            let mut buttons = Vec::new();
            if *kind == CardKind::NowPlaying {
                // Two round buttons at the card's right, as large as a finger needs and
                // the card allows.
                let side = (height * 2 / 5).clamp(40, 72);
                let y = rect.loc.y + (rect.size.h - side) / 2;
                let right = rect.loc.x + rect.size.w - gap / 2;
                for (index, target) in [Target::Next, Target::PlayPause].into_iter().enumerate() {
                    let x = right - side * (index as i32 + 1) - gap / 2 * index as i32;
                    buttons.push(Button {
                        rect: Rectangle::new((x, y).into(), (side, side).into()),
                        target,
                    });
                }
            }
            if let Some(app) = opens {
                buttons.push(Button {
                    rect,
                    target: Target::App(app.clone()),
                });
            }
            CardPlace {
                kind: *kind,
                rect,
                buttons,
            }
        })
        .collect();
    let below = top + height;
    let tiles_area = Rectangle::new(
        (area.loc.x, below).into(),
        (area.size.w, area.loc.y + area.size.h - below).into(),
    );
    HomeLayout {
        cards: places,
        tiles: home_tiles(tiles_area, apps),
    }
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
    fn cards_sit_above_the_tiles_and_their_buttons_come_before_the_card() {
        let area = rect(0, 48, 1280, 672);
        let cards = [
            (CardKind::NowPlaying, Some("media".to_string())),
            (CardKind::Navigation, Some("nav".to_string())),
            (CardKind::Temperature, None),
        ];
        let layout = home_layout(area, &apps(&["nav", "media"]), &cards);
        assert_eq!(layout.cards.len(), 3);
        let lowest_card = layout
            .cards
            .iter()
            .map(|card| card.rect.loc.y + card.rect.size.h)
            .max()
            .unwrap();
        for tile in &layout.tiles {
            assert!(tile.rect.loc.y >= lowest_card, "a tile under a card");
            assert!(area.contains_rect(tile.rect));
        }
        for pair in layout.cards.windows(2) {
            assert!(pair[0].rect.loc.x + pair[0].rect.size.w < pair[1].rect.loc.x);
        }
        let playing = &layout.cards[0];
        let play = &playing.buttons[1];
        assert_eq!(play.target, Target::PlayPause);
        assert!(playing.rect.contains_rect(play.rect) && play.rect.size.w >= 40);
        let centre = |r: Rectangle<i32, Logical>| {
            Point::from((r.loc.x + r.size.w / 2, r.loc.y + r.size.h / 2)).to_f64()
        };
        assert_eq!(layout.target_at(centre(play.rect)), Some(Target::PlayPause));
        assert_eq!(
            layout.target_at(centre(layout.cards[1].rect)),
            Some(Target::App("nav".into()))
        );
        assert_eq!(layout.target_at(centre(layout.cards[2].rect)), None);
        assert_eq!(
            layout.target_at(centre(layout.tiles[0].rect)),
            Some(Target::App("nav".into()))
        );
    }

    #[test]
    fn a_small_home_view_keeps_only_its_tiles() {
        let area = rect(0, 0, 400, 200);
        let layout = home_layout(area, &apps(&["a"]), &[(CardKind::Temperature, None)]);
        assert!(layout.cards.is_empty());
        assert_eq!(layout.tiles, home_tiles(area, &apps(&["a"])));
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
