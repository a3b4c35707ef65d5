//! The map view rendered offscreen with wgpu (on Mesa's software adapters where there is no
//! GPU) and compared with reference images: a known view of Helsinki by day with a route and
//! the vehicle, and the same view by night, turned heading-up.
//!
//! `COWL_UPDATE_REFERENCES=1 cargo test -p cowl-nav --test render` rewrites the references;
//! look at them before committing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cowl_nav::mapdata::{MapData, Polyline};
use cowl_nav::render::Camera;
use cowl_nav::render::offscreen::{Gpu, write_png};
use cowl_nav::render::style::Theme;
use cowl_nav::routing::{Options, Router};

const SIZE: [u32; 2] = [800, 480];

fn bundled_map() -> MapData {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/map/helsinki.cowlmap");
    cowl_nav::mapdata::read(&path).expect("the bundled map reads")
}

fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name)
}

fn read_png(path: &Path) -> (Vec<u8>, [u32; 2]) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(path).unwrap_or_else(|err| panic!("{}: {err}", path.display())),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("PNG pixels");
    pixels.truncate(info.buffer_size());
    assert_eq!(info.color_type, png::ColorType::Rgba, "{}", path.display());
    (pixels, [info.width, info.height])
}

/// Compares `pixels` with the reference `name`: at most 0.5 % of pixels may differ by more
/// than 24 in a channel (software rasterisers differ at edges, not in what they draw).
/// Writes the render beside the target dir for a look when it fails.
fn matches_reference(name: &str, pixels: &[u8]) {
    let path = reference(name);
    if std::env::var_os("COWL_UPDATE_REFERENCES").is_some() {
        write_png(&path, SIZE, pixels).unwrap();
        return;
    }
    let (expected, size) = read_png(&path);
    assert_eq!(size, SIZE, "{name}: reference size");
    let differing = pixels
        .chunks(4)
        .zip(expected.chunks(4))
        .filter(|(got, want)| got.iter().zip(*want).any(|(a, b)| a.abs_diff(*b) > 24))
        .count();
    let total = (SIZE[0] * SIZE[1]) as usize;
    if differing * 200 > total {
        let actual = std::env::temp_dir().join(format!("cowl-nav-actual-{name}"));
        let _ = write_png(&actual, SIZE, pixels);
        panic!(
            "{name}: {differing} of {total} pixels differ from the reference; this render is {}",
            actual.display()
        );
    }
}

/// How many pixels have exactly this colour (sRGB).
fn count_colour(pixels: &[u8], rgb: u32) -> usize {
    let want = [(rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8];
    pixels.chunks(4).filter(|p| p[..3] == want).count()
}

/// A route across the view: between graph nodes near the middle, as far west and east as
/// the router connects (a clipped extract has islands of road).
fn route_line(map: &MapData) -> Polyline {
    let graph = &map.graph;
    let mut near_middle: Vec<u32> = (0..graph.node_count() as u32)
        .filter(|&node| graph.nodes[node as usize][1].abs() < 2_000)
        .collect();
    near_middle.sort_by_key(|&node| graph.nodes[node as usize][0]);
    let router = Router::new(graph);
    let route = near_middle
        .iter()
        .take(40)
        .flat_map(|&west| {
            near_middle
                .iter()
                .rev()
                .take(40)
                .map(move |&east| (west, east))
        })
        .find_map(|(west, east)| router.route(west, east, Options::default()))
        .expect("a route across the middle");
    route.line(graph)
}

#[test]
fn a_known_view_by_day_and_by_night_matches_its_reference() {
    let map = Arc::new(bundled_map());
    let gpu = Gpu::new().expect("a wgpu adapter (Mesa's lavapipe or llvmpipe will do)");
    let mut renderer = gpu.renderer(map.clone());
    let route = route_line(&map);
    renderer.set_route(&gpu.device, Some(&route));
    let vehicle_at = route.0[route.0.len() / 2];
    renderer.set_vehicle(&gpu.device, &gpu.queue, Some((vehicle_at, 0.0)));

    // North up, 1.3 km across (the extract's width), on its middle.
    let camera = Camera::centred_on([0, 0], 0.6, SIZE);
    let day = gpu.render(&mut renderer, &camera).unwrap();
    // What a driver must see is there: water, parks, buildings, the blue route.
    assert!(count_colour(&day, 0xaad3df) > 200, "water");
    assert!(count_colour(&day, 0xc8e6b0) > 1000, "parks");
    assert!(count_colour(&day, 0xd9d0c9) > 1000, "buildings");
    assert!(count_colour(&day, 0x1a73e8) > 1000, "the route");
    matches_reference("helsinki-day.png", &day);

    // Night, zoomed in on the vehicle, turned a quarter.
    renderer.set_theme(&gpu.queue, Theme::Night);
    let mut close = Camera::centred_on(vehicle_at, 2.0, SIZE);
    close.rotation = std::f32::consts::FRAC_PI_2;
    let night = gpu.render(&mut renderer, &close).unwrap();
    assert_eq!(
        count_colour(&night, 0xf2efe9),
        0,
        "no daylight ground at night"
    );
    matches_reference("helsinki-night.png", &night);
}
