//! The map view's renderer: one wgpu pipeline that draws the map's areas, its roads (casings,
//! then fills), the route and the vehicle arrow from [`geometry`] meshes, under a [`Camera`]
//! that pans, zooms and rotates by changing one uniform. It draws into any render pass (an
//! iced shader widget's, or an offscreen texture's: [`offscreen`]).

pub mod geometry;
pub mod labels;
pub mod offscreen;
pub mod style;

use std::sync::Arc;

use wgpu::util::DeviceExt;

use crate::geo::{Point, UNITS_PER_M};
use crate::mapdata::{MapData, Polyline};
use geometry::{MapGeometry, Mesh, Vertex};
use labels::Labels;
use style::{StyleId, Theme};

/// What part of the map is seen, and how.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    /// The map point at the middle of the view, metres east and north of the origin.
    pub center: [f32; 2],
    /// Pixels per metre.
    pub scale: f32,
    /// Counter-clockwise turn of the map on screen, radians (heading-up views turn it).
    pub rotation: f32,
    /// The view's size in pixels.
    pub size: [u32; 2],
}

impl Camera {
    /// A map point (metres) on screen: pixels from the view's centre, y up.
    pub fn to_screen(&self, metres: [f32; 2]) -> [f32; 2] {
        let (sin, cos) = self.rotation.sin_cos();
        let x = (metres[0] - self.center[0]) * self.scale;
        let y = (metres[1] - self.center[1]) * self.scale;
        [x * cos - y * sin, x * sin + y * cos]
    }

    /// A point on screen (pixels from the view's centre, y up) on the map, in metres.
    pub fn to_metres(&self, on_screen: [f32; 2]) -> [f32; 2] {
        let (sin, cos) = (-self.rotation).sin_cos();
        let [x, y] = on_screen;
        [
            self.center[0] + (x * cos - y * sin) / self.scale,
            self.center[1] + (x * sin + y * cos) / self.scale,
        ]
    }

    pub fn centred_on(point: Point, scale: f32, size: [u32; 2]) -> Camera {
        Camera {
            center: [
                (f64::from(point[0]) / UNITS_PER_M) as f32,
                (f64::from(point[1]) / UNITS_PER_M) as f32,
            ],
            scale,
            rotation: 0.0,
            size,
        }
    }
}

#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Globals {
    center: [f32; 2],
    viewport: [f32; 2],
    scale: f32,
    rotation: f32,
    style_offset: u32,
    _pad: u32,
}

/// A mesh on the GPU.
struct GpuMesh {
    vertices: wgpu::Buffer,
    indices: wgpu::Buffer,
    count: u32,
}

impl GpuMesh {
    fn new(device: &wgpu::Device, mesh: &Mesh, label: &str) -> Option<GpuMesh> {
        if mesh.is_empty() {
            return None;
        }
        Some(GpuMesh {
            vertices: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(&mesh.vertices),
                // Written in place when the mesh moves (the vehicle arrow).
                usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
            }),
            indices: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(&mesh.indices),
                usage: wgpu::BufferUsages::INDEX,
            }),
            count: mesh.indices.len() as u32,
        })
    }

    fn draw(&self, pass: &mut wgpu::RenderPass<'_>) {
        pass.set_vertex_buffer(0, self.vertices.slice(..));
        pass.set_index_buffer(self.indices.slice(..), wgpu::IndexFormat::Uint32);
        pass.draw_indexed(0..self.count, 0, 0..1);
    }
}

pub struct MapRenderer {
    pipeline: wgpu::RenderPipeline,
    /// Globals for the fill pass and the casing pass (they differ in the style offset).
    fill_globals: wgpu::Buffer,
    casing_globals: wgpu::Buffer,
    styles: wgpu::Buffer,
    fill_bind: wgpu::BindGroup,
    casing_bind: wgpu::BindGroup,
    areas: Option<GpuMesh>,
    roads: Option<GpuMesh>,
    route: Option<GpuMesh>,
    labels: Option<GpuMesh>,
    vehicle: Option<GpuMesh>,
    theme: Theme,
    map: Arc<MapData>,
    label_maker: Labels,
}

impl MapRenderer {
    /// A renderer of `map` for targets of `format` with `samples` samples per pixel.
    pub fn new(
        device: &wgpu::Device,
        format: wgpu::TextureFormat,
        samples: u32,
        map: Arc<MapData>,
    ) -> MapRenderer {
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("cowl-nav map"),
            source: wgpu::ShaderSource::Wgsl(include_str!("map.wgsl").into()),
        });
        let uniform = |binding| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::VERTEX,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("cowl-nav map"),
            entries: &[uniform(0), uniform(1)],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("cowl-nav map"),
            bind_group_layouts: &[&layout],
            push_constant_ranges: &[],
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("cowl-nav map"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &shader,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[wgpu::VertexBufferLayout {
                    array_stride: std::mem::size_of::<Vertex>() as u64,
                    step_mode: wgpu::VertexStepMode::Vertex,
                    attributes: &wgpu::vertex_attr_array![
                        0 => Float32x2, 1 => Float32x2, 2 => Uint32
                    ],
                }],
            },
            fragment: Some(wgpu::FragmentState {
                module: &shader,
                entry_point: Some("fs_main"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    blend: Some(wgpu::BlendState::ALPHA_BLENDING),
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState {
                count: samples,
                ..Default::default()
            },
            multiview: None,
            cache: None,
        });
        let globals = |label| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: std::mem::size_of::<Globals>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let fill_globals = globals("cowl-nav fill globals");
        let casing_globals = globals("cowl-nav casing globals");
        let styles = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("cowl-nav styles"),
            contents: bytemuck::cast_slice(&style::table(Theme::Day)),
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        });
        let bind = |globals: &wgpu::Buffer| {
            device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("cowl-nav map"),
                layout: &layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: globals.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: styles.as_entire_binding(),
                    },
                ],
            })
        };
        let fill_bind = bind(&fill_globals);
        let casing_bind = bind(&casing_globals);
        let geometry = MapGeometry::new(&map);
        MapRenderer {
            pipeline,
            fill_globals,
            casing_globals,
            styles,
            fill_bind,
            casing_bind,
            areas: GpuMesh::new(device, &geometry.areas, "cowl-nav areas"),
            roads: GpuMesh::new(device, &geometry.roads, "cowl-nav roads"),
            route: None,
            labels: None,
            vehicle: None,
            theme: Theme::Day,
            map,
            label_maker: Labels::new(),
        }
    }

    /// Triangles of the static map (areas, roads), for benchmark records.
    pub fn map_triangles(&self) -> usize {
        [&self.areas, &self.roads]
            .into_iter()
            .flatten()
            .map(|mesh| mesh.count as usize / 3)
            .sum()
    }

    pub fn theme(&self) -> Theme {
        self.theme
    }

    pub fn set_theme(&mut self, queue: &wgpu::Queue, theme: Theme) {
        self.theme = theme;
        queue.write_buffer(&self.styles, 0, bytemuck::cast_slice(&style::table(theme)));
    }

    /// The route line (none: no route).
    pub fn set_route(&mut self, device: &wgpu::Device, route: Option<&Polyline>) {
        self.route = route.and_then(|line| {
            let mut mesh = Mesh::default();
            geometry::stroke(&mut mesh, line, StyleId::Route);
            GpuMesh::new(device, &mesh, "cowl-nav route")
        });
    }

    /// The vehicle arrow at `at`, heading radians counter-clockwise from east (none: the
    /// position is unknown). The arrow moves with every fix: its buffers are written in
    /// place once made.
    pub fn set_vehicle(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        vehicle: Option<(Point, f64)>,
    ) {
        let Some((at, heading)) = vehicle else {
            self.vehicle = None;
            return;
        };
        let mesh = geometry::arrow(at, heading);
        match &self.vehicle {
            // Always the same four vertices and six indices: only the vertices change.
            Some(arrow) if arrow.count as usize == mesh.indices.len() => {
                queue.write_buffer(&arrow.vertices, 0, bytemuck::cast_slice(&mesh.vertices));
            }
            _ => self.vehicle = GpuMesh::new(device, &mesh, "cowl-nav vehicle"),
        }
    }

    /// Uploads the camera for the next [`draw`](Self::draw), placing the street names again
    /// when the zoom or turn has changed enough.
    pub fn prepare(&mut self, device: &wgpu::Device, queue: &wgpu::Queue, camera: &Camera) {
        if self.label_maker.needs_layout(camera) {
            let mesh = self.label_maker.layout(&self.map, camera);
            self.labels = GpuMesh::new(device, &mesh, "cowl-nav labels");
        }
        let globals = |style_offset| Globals {
            center: camera.center,
            viewport: [camera.size[0].max(1) as f32, camera.size[1].max(1) as f32],
            scale: camera.scale,
            rotation: camera.rotation,
            style_offset,
            _pad: 0,
        };
        queue.write_buffer(&self.fill_globals, 0, bytemuck::bytes_of(&globals(0)));
        queue.write_buffer(
            &self.casing_globals,
            0,
            bytemuck::bytes_of(&globals(style::CASING)),
        );
    }

    /// Draws the map into `pass` (whose target was cleared to [`style::background`]).
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'_>) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.fill_bind, &[]);
        if let Some(areas) = &self.areas {
            areas.draw(pass);
        }
        for (bind, mesh) in [
            (&self.casing_bind, &self.roads),
            (&self.fill_bind, &self.roads),
            (&self.casing_bind, &self.route),
            (&self.fill_bind, &self.route),
            (&self.fill_bind, &self.labels),
            (&self.casing_bind, &self.vehicle),
            (&self.fill_bind, &self.vehicle),
        ] {
            if let Some(mesh) = mesh {
                pass.set_bind_group(0, bind, &[]);
                mesh.draw(pass);
            }
        }
    }
}
