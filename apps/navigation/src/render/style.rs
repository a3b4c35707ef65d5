//! How the map looks: a style per road class, area kind, the route and the vehicle, each a
//! colour and a width (metres on the ground, never under a minimum in pixels), for the day
//! and the night. Roads are drawn twice, casing under fill: the casing styles are the fill
//! styles' twins, `CASING` further on in the table.

use crate::osm_rules::{AreaKind, RoadClass};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum StyleId {
    Motorway = 0,
    Trunk,
    Primary,
    Secondary,
    Tertiary,
    Minor,
    Service,
    Path,
    Water,
    Green,
    Building,
    Route,
    Vehicle,
    /// Street names, and the halo around them.
    Label,
    LabelHalo,
}

/// Styles in the table: fills, then casings at `CASING + fill`.
pub const CASING: u32 = 16;
pub const TABLE_LEN: usize = 32;

pub fn road(class: RoadClass) -> StyleId {
    match class {
        RoadClass::Motorway => StyleId::Motorway,
        RoadClass::Trunk => StyleId::Trunk,
        RoadClass::Primary => StyleId::Primary,
        RoadClass::Secondary => StyleId::Secondary,
        RoadClass::Tertiary => StyleId::Tertiary,
        RoadClass::Minor => StyleId::Minor,
        RoadClass::Service => StyleId::Service,
        RoadClass::Path => StyleId::Path,
    }
}

pub fn area(kind: AreaKind) -> StyleId {
    match kind {
        AreaKind::Water => StyleId::Water,
        AreaKind::Green => StyleId::Green,
        AreaKind::Building => StyleId::Building,
    }
}

/// One entry of the shader's style table.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Style {
    /// Linear RGBA, premultiplied by nothing (the pipeline blends straight alpha).
    pub color: [f32; 4],
    pub width_m: f32,
    pub min_px: f32,
    pub _pad: [f32; 2],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Day,
    Night,
}

/// (fill colour, casing colour, width m, min px) per style, sRGB hex.
struct Look {
    fill: u32,
    casing: u32,
    width_m: f32,
    min_px: f32,
}

const fn look(fill: u32, casing: u32, width_m: f32, min_px: f32) -> Look {
    Look {
        fill,
        casing,
        width_m,
        min_px,
    }
}

const DAY: [Look; 15] = [
    look(0xe892a2, 0xc24e6b, 16.0, 4.0), // motorway
    look(0xf9b29c, 0xc84e2f, 14.0, 3.5), // trunk
    look(0xfcd6a4, 0xa06b00, 12.0, 3.0), // primary
    look(0xf7fabf, 0x707d05, 10.0, 2.5), // secondary
    look(0xffffff, 0x8f8f8f, 9.0, 2.0),  // tertiary
    look(0xffffff, 0xb0b0b0, 7.0, 1.5),  // minor
    look(0xffffff, 0xc0c0c0, 4.0, 1.0),  // service
    look(0xfdfbf8, 0xddd5cb, 2.0, 0.0),  // path: pale, thin
    look(0xaad3df, 0, 0.0, 0.0),         // water
    look(0xc8e6b0, 0, 0.0, 0.0),         // green
    look(0xd9d0c9, 0, 0.0, 0.0),         // building
    look(0x1a73e8, 0x0b4aa2, 10.0, 7.0), // route
    look(0x0b3d91, 0xffffff, 0.0, 40.0), // vehicle
    look(0x353a40, 0, 0.0, 2.0),         // label (2 px wide: normals are pixels)
    look(0xffffff, 0, 0.0, 2.0),         // label halo
];

const NIGHT: [Look; 15] = [
    look(0xb5687a, 0x4a2530, 16.0, 4.0),
    look(0xa5745e, 0x45291d, 14.0, 3.5),
    look(0x8c7a55, 0x3d3220, 12.0, 3.0),
    look(0x6f7350, 0x2f3120, 10.0, 2.5),
    look(0x4b5563, 0x232830, 9.0, 2.0),
    look(0x3e4653, 0x232830, 7.0, 1.5),
    look(0x353c47, 0x232830, 4.0, 1.0),
    look(0x2b3039, 0x1d2229, 2.0, 0.0),
    look(0x1c3347, 0, 0.0, 0.0),
    look(0x1e3020, 0, 0.0, 0.0),
    look(0x2a2f38, 0, 0.0, 0.0),
    look(0x4f9cff, 0x1b4f99, 10.0, 7.0),
    look(0xe8eef7, 0x0b3d91, 0.0, 40.0),
    look(0xd0d6de, 0, 0.0, 2.0),
    look(0x161b22, 0, 0.0, 2.0),
];

/// The ground between everything.
pub fn background(theme: Theme) -> [f32; 4] {
    linear(match theme {
        Theme::Day => 0xf2efe9,
        Theme::Night => 0x161b22,
    })
}

/// sRGB hex to linear RGBA (the map renders into sRGB targets).
pub fn linear(hex: u32) -> [f32; 4] {
    let channel = |shift: u32| {
        let value = f64::from((hex >> shift) & 0xff) / 255.0;
        let linear = if value <= 0.04045 {
            value / 12.92
        } else {
            ((value + 0.055) / 1.055).powf(2.4)
        };
        linear as f32
    };
    [channel(16), channel(8), channel(0), 1.0]
}

/// The shader's table for `theme`.
pub fn table(theme: Theme) -> [Style; TABLE_LEN] {
    let looks = match theme {
        Theme::Day => &DAY,
        Theme::Night => &NIGHT,
    };
    let mut table = [Style::default(); TABLE_LEN];
    for (index, look) in looks.iter().enumerate() {
        table[index] = Style {
            color: linear(look.fill),
            width_m: look.width_m,
            min_px: look.min_px,
            _pad: [0.0; 2],
        };
        // A casing is the fill's width plus a border of a metre and a half each side, at
        // least a pixel.
        table[CASING as usize + index] = Style {
            color: linear(look.casing),
            width_m: look.width_m + 3.0,
            min_px: look.min_px + 2.0,
            _pad: [0.0; 2],
        };
    }
    // The vehicle arrow's casing is its white outline: a little larger.
    let vehicle = StyleId::Vehicle as usize;
    table[CASING as usize + vehicle].min_px = looks[vehicle].min_px + 10.0;
    table
}
