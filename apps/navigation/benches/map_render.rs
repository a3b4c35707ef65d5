//! Frame time of the map view: a typical city view (central Helsinki at street zoom, a
//! route, the vehicle) at a head unit's 1280x720, panned a little each frame as when
//! following the car; 4x multisampled on a GPU, single-sampled on a software rasteriser. Each frame is drawn and waited for (no read-back). On
//! this machine wgpu runs on lavapipe, Mesa's software Vulkan; on a head unit's GPU the
//! same bench says how far under 16.7 ms (60 fps) a frame is.
//!
//!     cargo bench -p cowl-nav --bench map_render

use std::path::Path;
use std::time::{Duration, Instant};

use cowl_nav::render::Camera;
use cowl_nav::render::offscreen::Gpu;
use cowl_nav::routing::{Options, Router};

const FRAMES: usize = 120;

fn main() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/map/helsinki.cowlmap");
    let map = std::sync::Arc::new(cowl_nav::mapdata::read(&path).expect("the bundled map"));
    let gpu = Gpu::new().expect("a wgpu adapter");
    let started = Instant::now();
    let mut renderer = gpu.renderer(map.clone());
    let setup = started.elapsed();

    // The longest of a few routes from the first graph node that has one.
    let graph = &map.graph;
    let router = Router::new(graph);
    let route = (0..graph.node_count() as u32)
        .step_by(97)
        .filter_map(|to| router.route(0, to, Options::default()))
        .max_by_key(|route| route.length_dm)
        .expect("a route");
    let line = route.line(graph);
    let vehicle = line.0[line.0.len() / 2];
    renderer.set_route(&gpu.device, Some(&line));
    renderer.set_vehicle(&gpu.device, &gpu.queue, Some((vehicle, 0.5)));

    let size = [1280, 720];
    let target = gpu.target(size);
    let mut camera = Camera::centred_on(vehicle, 1.5, size);
    let mut times = Vec::with_capacity(FRAMES);
    for frame in 0..FRAMES + 10 {
        camera.center[0] += 0.5;
        camera.rotation = 0.2 + frame as f32 * 0.002;
        let one = Instant::now();
        gpu.draw(&mut renderer, &camera, &target).expect("a frame");
        // The first frames warm caches and compile pipelines: not counted.
        if frame >= 10 {
            times.push(one.elapsed());
        }
    }
    times.sort();
    let at = |fraction: f64| times[((times.len() - 1) as f64 * fraction) as usize];
    let ms = |time: Duration| time.as_secs_f64() * 1e3;
    println!("adapter: {}", gpu.adapter);
    println!(
        "map upload (tessellate + buffers): {:.1} ms; {} triangles",
        ms(setup),
        renderer.map_triangles()
    );
    println!(
        "frame 1280x720 {}x samples: median {:.2} ms, p90 {:.2} ms, max {:.2} ms ({} frames)",
        gpu.samples,
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(1.0)),
        times.len()
    );
}
