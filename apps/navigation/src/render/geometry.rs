//! The map as triangles, made once when a map loads: areas filled (even-odd, so inner rings
//! are holes) and roads stroked along their centre lines. A road vertex keeps its centre-line
//! position and its unit normal apart, and the vertex shader pushes it out by the road's
//! width at the current zoom: zooming never re-tessellates, and a road never gets thinner
//! than its class's minimum pixel width. The route line and the vehicle arrow are made the
//! same way, whenever they change.

use lyon_tessellation::math::point;
use lyon_tessellation::path::Path;
use lyon_tessellation::{
    BuffersBuilder, FillOptions, FillRule, FillTessellator, FillVertex, LineCap, LineJoin,
    StrokeOptions, StrokeTessellator, StrokeVertex, VertexBuffers,
};

use crate::geo::{Point, UNITS_PER_M};
use crate::mapdata::{MapData, Polyline};
use crate::osm_rules::AreaKind;

use super::style::{self, StyleId};

/// One vertex: a map position in metres, the direction (and, at joins, the length) it is
/// pushed out by half the line's width, and its style.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Vertex {
    pub position: [f32; 2],
    pub normal: [f32; 2],
    pub style: u32,
}

#[derive(Debug, Default, Clone)]
pub struct Mesh {
    pub vertices: Vec<Vertex>,
    pub indices: Vec<u32>,
}

impl Mesh {
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

/// The static map: areas under roads, minor roads under major ones.
#[derive(Debug, Default, Clone)]
pub struct MapGeometry {
    pub areas: Mesh,
    pub roads: Mesh,
}

/// Arcs of round joins and caps are cut finer than a 16-pixel road would show.
const TOLERANCE: f32 = 0.1;

fn metres(point: Point) -> [f32; 2] {
    [
        (f64::from(point[0]) / UNITS_PER_M) as f32,
        (f64::from(point[1]) / UNITS_PER_M) as f32,
    ]
}

fn path_of(line: &Polyline, closed: bool) -> Option<Path> {
    let mut points = line.0.iter().map(|&p| metres(p));
    let first = points.next()?;
    let mut builder = Path::builder();
    builder.begin(point(first[0], first[1]));
    for next in points {
        builder.line_to(point(next[0], next[1]));
    }
    builder.end(closed);
    Some(builder.build())
}

/// Strokes `line` at unit width into `mesh`, for the shader to widen.
pub fn stroke(mesh: &mut Mesh, line: &Polyline, style: StyleId) {
    let Some(path) = path_of(line, false) else {
        return;
    };
    let mut buffers = VertexBuffers::<Vertex, u32>::new();
    let options = StrokeOptions::tolerance(TOLERANCE)
        .with_line_width(1.0)
        .with_line_join(LineJoin::Round)
        .with_line_cap(LineCap::Round);
    let made = StrokeTessellator::new().tessellate_path(
        &path,
        &options,
        &mut BuffersBuilder::new(&mut buffers, |vertex: StrokeVertex| Vertex {
            position: vertex.position_on_path().to_array(),
            normal: vertex.normal().to_array(),
            style: style as u32,
        }),
    );
    if made.is_ok() {
        append(mesh, buffers);
    }
}

fn fill(mesh: &mut Mesh, rings: &[Polyline], style: StyleId) {
    let mut builder = Path::builder();
    for ring in rings {
        let mut points = ring.0.iter().map(|&p| metres(p));
        let Some(first) = points.next() else {
            continue;
        };
        builder.begin(point(first[0], first[1]));
        for next in points {
            builder.line_to(point(next[0], next[1]));
        }
        builder.end(true);
    }
    let path = builder.build();
    let mut buffers = VertexBuffers::<Vertex, u32>::new();
    let made = FillTessellator::new().tessellate_path(
        &path,
        &FillOptions::tolerance(TOLERANCE).with_fill_rule(FillRule::EvenOdd),
        &mut BuffersBuilder::new(&mut buffers, |vertex: FillVertex| Vertex {
            position: vertex.position().to_array(),
            normal: [0.0, 0.0],
            style: style as u32,
        }),
    );
    // An area lyon cannot fill (self-intersecting beyond repair) is left out, not the map.
    if made.is_ok() {
        append(mesh, buffers);
    }
}

fn append(mesh: &mut Mesh, buffers: VertexBuffers<Vertex, u32>) {
    let base = mesh.vertices.len() as u32;
    mesh.vertices.extend(buffers.vertices);
    mesh.indices
        .extend(buffers.indices.into_iter().map(|index| base + index));
}

impl MapGeometry {
    pub fn new(map: &MapData) -> MapGeometry {
        let mut geometry = MapGeometry::default();
        // Green under water under buildings.
        for kind in [AreaKind::Green, AreaKind::Water, AreaKind::Building] {
            for area in map.areas.iter().filter(|area| area.kind == kind) {
                fill(&mut geometry.areas, &area.rings, style::area(kind));
            }
        }
        let mut roads: Vec<_> = map.roads.iter().collect();
        // Paths first, motorways last (on top).
        roads.sort_by_key(|road| std::cmp::Reverse(road.class));
        for road in roads {
            stroke(&mut geometry.roads, &road.points, style::road(road.class));
        }
        geometry
    }
}

/// The vehicle arrow at `at`, pointing along `heading` (radians counter-clockwise from
/// east): a fixed-size shape in pixels, made of normals around one position.
pub fn arrow(at: Point, heading: f64) -> Mesh {
    let centre = metres(at);
    // Tip, right wing, notch, left wing (unit half-widths: the style sets the pixel size).
    let shape = [[1.0f64, 0.0], [-0.8, -0.7], [-0.45, 0.0], [-0.8, 0.7]];
    let (sin, cos) = heading.sin_cos();
    let vertices = shape
        .iter()
        .map(|&[x, y]| Vertex {
            position: centre,
            normal: [(x * cos - y * sin) as f32, (x * sin + y * cos) as f32],
            style: StyleId::Vehicle as u32,
        })
        .collect();
    Mesh {
        vertices,
        indices: vec![0, 1, 2, 0, 2, 3],
    }
}
