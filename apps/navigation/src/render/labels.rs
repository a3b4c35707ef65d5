//! Street names written along their roads. Names are shaped once by cosmic-text and each
//! glyph's outline filled once by lyon (in pixels); placing them depends on the view (a
//! label's length on the ground is its length in pixels over the scale, and it must read
//! left to right on screen), so labels are laid out again when the zoom or the turn of the
//! map changes enough ([`Labels::needs_layout`]). Placement is greedy, biggest roads first:
//! a label goes where its road is long and straight enough on screen and it overlaps no
//! label placed before it. Each glyph gets a halo (four copies, offset) so it reads on any
//! ground.

use std::collections::HashMap;

use cosmic_text::{
    Attrs, Buffer, CacheKey, Command, Family, FontSystem, Metrics, Shaping, SwashCache, Wrap,
    fontdb,
};
use lyon_tessellation::math::point;
use lyon_tessellation::path::Path;
use lyon_tessellation::{BuffersBuilder, FillOptions, FillTessellator, FillVertex, VertexBuffers};

use crate::geo::UNITS_PER_M;
use crate::mapdata::MapData;
use crate::osm_rules::RoadClass;

use super::Camera;
use super::geometry::{Mesh, Vertex};
use super::style::StyleId;

/// The apps' typeface (cowl_sdk::ui), for the roads' names too.
const FONT: &[u8] = cowl_sdk::ui::FONT_REGULAR;
const FAMILY: &str = cowl_sdk::ui::FONT_FAMILY;
/// Label text size, pixels.
pub const TEXT_PX: f32 = 14.0;
/// Halo width, pixels.
const HALO_PX: f32 = 1.5;
/// Labels bend with their road up to this much between neighbouring glyphs.
const MAX_BEND: f32 = 0.5;
/// The same name is not written again closer than this, pixels.
const REPEAT_PX: f32 = 300.0;

/// One shaped glyph: where it starts along the line of text, how wide it is, its outline.
#[derive(Clone, Copy)]
struct ShapedGlyph {
    key: CacheKey,
    x: f32,
    width: f32,
}

struct Shaped {
    glyphs: Vec<ShapedGlyph>,
    width: f32,
}

/// A glyph's filled outline, pixels, y up, from its origin on the baseline.
type GlyphMesh = VertexBuffers<[f32; 2], u32>;

pub struct Labels {
    fonts: FontSystem,
    outlines: SwashCache,
    shaped: HashMap<String, Shaped>,
    glyphs: HashMap<CacheKey, GlyphMesh>,
    /// The view the current layout was made for.
    laid_out_for: Option<(f32, f32)>,
    /// Named roads joined end to end into chains (a street is many short ways in
    /// OpenStreetMap), made at the first layout.
    chains: Option<Vec<Chain>>,
}

/// A run of connected ways of one name: where a label can go.
struct Chain {
    class: RoadClass,
    name: u32,
    points: Vec<[i32; 2]>,
}

impl Default for Labels {
    fn default() -> Labels {
        Labels::new()
    }
}

/// A point and direction on screen: pixels from the view's centre, y up.
#[derive(Clone, Copy)]
struct OnScreen {
    at: [f32; 2],
    angle: f32,
}

impl Labels {
    /// Only the embedded font: labels look the same on every machine.
    pub fn new() -> Labels {
        let mut db = fontdb::Database::new();
        db.load_font_data(FONT.to_vec());
        db.set_sans_serif_family(FAMILY);
        Labels {
            fonts: FontSystem::new_with_locale_and_db("fi-FI".to_string(), db),
            outlines: SwashCache::new(),
            shaped: HashMap::new(),
            glyphs: HashMap::new(),
            laid_out_for: None,
            chains: None,
        }
    }

    /// Whether `camera` differs enough from the last layout's view (zoom by a tenth, a turn
    /// of 10 degrees) that the labels must be placed again. Panning never needs it.
    pub fn needs_layout(&self, camera: &Camera) -> bool {
        match self.laid_out_for {
            None => true,
            Some((scale, rotation)) => {
                (camera.scale / scale - 1.0).abs() > 0.1
                    || (camera.rotation - rotation).abs() > 10f32.to_radians()
            }
        }
    }

    fn shape(&mut self, name: &str) -> &Shaped {
        if !self.shaped.contains_key(name) {
            let mut buffer = Buffer::new(&mut self.fonts, Metrics::new(TEXT_PX, TEXT_PX * 1.2));
            buffer.set_wrap(Wrap::None);
            let attrs = Attrs::new().family(Family::Name(FAMILY));
            buffer.set_text(name, &attrs, Shaping::Advanced, None);
            buffer.shape_until_scroll(&mut self.fonts, false);
            let mut glyphs = Vec::new();
            let mut width = 0.0f32;
            for run in buffer.layout_runs() {
                width = width.max(run.line_w);
                for glyph in run.glyphs {
                    glyphs.push(ShapedGlyph {
                        key: glyph.physical((0.0, 0.0), 1.0).cache_key,
                        x: glyph.x,
                        width: glyph.w,
                    });
                }
            }
            self.shaped
                .insert(name.to_owned(), Shaped { glyphs, width });
        }
        &self.shaped[name]
    }

    fn glyph_mesh(&mut self, key: CacheKey) -> &GlyphMesh {
        if !self.glyphs.contains_key(&key) {
            let mut builder = Path::builder();
            let mut open = false;
            if let Some(commands) = self.outlines.get_outline_commands(&mut self.fonts, key) {
                for command in commands {
                    match *command {
                        Command::MoveTo(to) => {
                            if open {
                                builder.end(true);
                            }
                            builder.begin(point(to.x, to.y));
                            open = true;
                        }
                        Command::LineTo(to) => {
                            builder.line_to(point(to.x, to.y));
                        }
                        Command::QuadTo(control, to) => {
                            builder.quadratic_bezier_to(
                                point(control.x, control.y),
                                point(to.x, to.y),
                            );
                        }
                        Command::CurveTo(first, second, to) => {
                            builder.cubic_bezier_to(
                                point(first.x, first.y),
                                point(second.x, second.y),
                                point(to.x, to.y),
                            );
                        }
                        Command::Close => {
                            if open {
                                builder.end(true);
                                open = false;
                            }
                        }
                    }
                }
            }
            if open {
                builder.end(true);
            }
            let mut mesh = GlyphMesh::new();
            // A glyph lyon cannot fill is left blank rather than the label dropped.
            let _ = FillTessellator::new().tessellate_path(
                &builder.build(),
                &FillOptions::tolerance(0.05),
                &mut BuffersBuilder::new(&mut mesh, |vertex: FillVertex| {
                    vertex.position().to_array()
                }),
            );
            self.glyphs.insert(key, mesh);
        }
        &self.glyphs[&key]
    }

    /// The labels of `map`'s named roads in the view of `camera`.
    pub fn layout(&mut self, map: &MapData, camera: &Camera) -> Mesh {
        self.laid_out_for = Some((camera.scale, camera.rotation));
        let to_screen = |point: [i32; 2]| {
            camera.to_screen([
                (f64::from(point[0]) / UNITS_PER_M) as f32,
                (f64::from(point[1]) / UNITS_PER_M) as f32,
            ])
        };
        let half = [camera.size[0] as f32 / 2.0, camera.size[1] as f32 / 2.0];
        let inside = |at: [f32; 2]| at[0].abs() < half[0] && at[1].abs() < half[1];

        let chains = self.chains.take().unwrap_or_else(|| chains_of(map));
        let mut placed_boxes: Vec<[f32; 4]> = Vec::new();
        let mut placed_names: Vec<(&str, [f32; 2])> = Vec::new();
        let mut mesh = Mesh::default();
        for chain in &chains {
            let Some(name) = map.names.get(chain.name as usize).map(String::as_str) else {
                continue;
            };
            let line: Vec<[f32; 2]> = chain.points.iter().map(|&p| to_screen(p)).collect();
            if !line.iter().any(|&at| inside(at)) {
                continue;
            }
            let width = self.shape(name).width;
            let Some(placement) = place_along(&line, width, &self.shaped[name].glyphs) else {
                continue;
            };
            let centre = placement[placement.len() / 2].at;
            if !placement.iter().all(|glyph| inside(glyph.at)) {
                continue;
            }
            if placed_names.iter().any(|(other, at)| {
                *other == name && (at[0] - centre[0]).hypot(at[1] - centre[1]) < REPEAT_PX
            }) {
                continue;
            }
            let boxes: Vec<[f32; 4]> = placement.iter().map(|glyph| glyph_box(glyph.at)).collect();
            if boxes
                .iter()
                .any(|b| placed_boxes.iter().any(|placed| overlaps(b, placed)))
            {
                continue;
            }
            placed_boxes.extend(boxes);
            placed_names.push((name, centre));
            let glyphs = self.shaped[name].glyphs.clone();
            self.emit(&mut mesh, &glyphs, &placement, camera);
        }
        self.chains = Some(chains);
        mesh
    }

    /// Adds the halo and the text of one placed label.
    fn emit(
        &mut self,
        mesh: &mut Mesh,
        glyphs: &[ShapedGlyph],
        placement: &[OnScreen],
        camera: &Camera,
    ) {
        // Text sits on the road's centre line: the baseline a third of the size below it.
        let drop = -TEXT_PX * 0.35;
        // Four diagonal copies: at 1.5 px they close around the glyph, at half the cost of
        // eight on a software rasteriser.
        let halo_offsets: Vec<[f32; 2]> = (0..4)
            .map(|step| {
                let angle = (step as f32 + 0.5) * std::f32::consts::FRAC_PI_2;
                [angle.cos() * HALO_PX, angle.sin() * HALO_PX]
            })
            .collect();
        for (style, offsets) in [
            (StyleId::LabelHalo, halo_offsets.as_slice()),
            (StyleId::Label, &[[0.0, 0.0]][..]),
        ] {
            for (glyph, on_screen) in glyphs.iter().zip(placement) {
                let outline = self.glyph_mesh(glyph.key).clone();
                if outline.indices.is_empty() {
                    continue;
                }
                // The glyph's centre is on the line; its origin half a width back.
                let anchor = camera.to_metres(on_screen.at);
                for offset in offsets {
                    let base = mesh.vertices.len() as u32;
                    for vertex in &outline.vertices {
                        let local = [
                            vertex[0] - glyph.width / 2.0 + offset[0],
                            vertex[1] + drop + offset[1],
                        ];
                        // Turned along the road on screen, then back by the map's turn: the
                        // shader turns every offset with the map.
                        let on_screen_offset = rotate(local, on_screen.angle);
                        let normal = rotate(on_screen_offset, -camera.rotation);
                        mesh.vertices.push(Vertex {
                            position: anchor,
                            normal,
                            style: style as u32,
                        });
                    }
                    mesh.indices
                        .extend(outline.indices.iter().map(|&index| base + index));
                }
            }
        }
    }
}

/// A named way's class and points, before chaining.
type Piece = (RoadClass, Vec<[i32; 2]>);

/// The named roads (minor and up) as chains of ways that meet end to end with the same
/// name, biggest class first, longest first within a class.
fn chains_of(map: &MapData) -> Vec<Chain> {
    let mut by_name: HashMap<u32, Vec<Piece>> = HashMap::new();
    for road in &map.roads {
        if let (Some(name), true) = (road.name, road.class <= RoadClass::Minor) {
            by_name
                .entry(name)
                .or_default()
                .push((road.class, road.points.0.clone()));
        }
    }
    let mut chains = Vec::new();
    for (name, pieces) in by_name {
        // A street is as important as its biggest part.
        let class = pieces
            .iter()
            .map(|(class, _)| *class)
            .min()
            .unwrap_or(RoadClass::Minor);
        let lines = pieces.into_iter().map(|(_, points)| points).collect();
        for points in crate::lines::join_end_to_end(lines) {
            chains.push(Chain {
                class,
                name,
                points,
            });
        }
    }
    // Fully ordered (the first point breaks ties), so the layout is the same every run.
    chains.sort_by_key(|chain| {
        (
            chain.class,
            std::cmp::Reverse(chain.points.len()),
            chain.name,
            chain.points.first().copied(),
        )
    });
    chains
}

fn rotate(v: [f32; 2], angle: f32) -> [f32; 2] {
    let (sin, cos) = angle.sin_cos();
    [v[0] * cos - v[1] * sin, v[0] * sin + v[1] * cos]
}

/// A glyph's box on screen, generous: [left, bottom, right, top].
fn glyph_box(centre: [f32; 2]) -> [f32; 4] {
    let reach = TEXT_PX * 0.75;
    [
        centre[0] - reach,
        centre[1] - reach,
        centre[0] + reach,
        centre[1] + reach,
    ]
}

fn overlaps(a: &[f32; 4], b: &[f32; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// Where each glyph's centre goes on `line` (screen pixels) for text `width` pixels long,
/// centred on the line's middle and reading left to right; `None` where the line is too
/// short or bends too sharply under the text.
fn place_along(line: &[[f32; 2]], width: f32, glyphs: &[ShapedGlyph]) -> Option<Vec<OnScreen>> {
    let lengths: Vec<f32> = line
        .windows(2)
        .map(|pair| (pair[1][0] - pair[0][0]).hypot(pair[1][1] - pair[0][1]))
        .collect();
    let total: f32 = lengths.iter().sum();
    if total < width + TEXT_PX * 2.0 || glyphs.is_empty() {
        return None;
    }
    // Read left to right: walk the line backwards if its middle heads left.
    let mut line = line.to_vec();
    let mut lengths = lengths;
    let middle = point_at(&line, &lengths, total / 2.0);
    if middle.angle.cos() < 0.0 {
        line.reverse();
        lengths.reverse();
    }
    let start = (total - width) / 2.0;
    let placement: Vec<OnScreen> = glyphs
        .iter()
        .map(|glyph| point_at(&line, &lengths, start + glyph.x + glyph.width / 2.0))
        .collect();
    let bends_too_much = placement.windows(2).any(|pair| {
        let mut bend = (pair[1].angle - pair[0].angle).abs();
        if bend > std::f32::consts::PI {
            bend = std::f32::consts::TAU - bend;
        }
        bend > MAX_BEND
    });
    (!bends_too_much).then_some(placement)
}

/// The point `distance` along `line`, and the line's direction there.
fn point_at(line: &[[f32; 2]], lengths: &[f32], distance: f32) -> OnScreen {
    let mut left = distance.max(0.0);
    for (segment, &length) in lengths.iter().enumerate() {
        let (a, b) = (line[segment], line[segment + 1]);
        if left <= length || segment + 1 == lengths.len() {
            let t = if length > 0.0 {
                (left / length).min(1.0)
            } else {
                0.0
            };
            return OnScreen {
                at: [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t],
                angle: (b[1] - a[1]).atan2(b[0] - a[0]),
            };
        }
        left -= length;
    }
    OnScreen {
        at: line.first().copied().unwrap_or_default(),
        angle: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_left_to_right_whichever_way_the_road_was_drawn() {
        let glyphs = [ShapedGlyph {
            key: Labels::new().shape("A").glyphs[0].key,
            x: 0.0,
            width: 10.0,
        }];
        let westward = [[100.0, 0.0], [-100.0, 0.0]];
        let lengths = [200.0];
        assert!(point_at(&westward, &lengths, 10.0).angle.cos() < 0.0);
        let placed = place_along(&westward, 10.0, &glyphs).unwrap();
        assert!(placed[0].angle.cos() > 0.99);
        // Too short for the text and its margins.
        assert!(place_along(&[[0.0, 0.0], [20.0, 0.0]], 10.0, &glyphs).is_none());
    }
}
