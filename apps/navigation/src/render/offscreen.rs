//! Rendering the map without a window: into a texture, read back as RGBA pixels. The tests'
//! reference images, the frame-time benchmark and `cowl-nav --render` use it; on a machine
//! without a GPU, wgpu finds Mesa's software adapters (lavapipe, llvmpipe).

use std::path::Path;

use super::{Camera, MapRenderer, style};

/// The format offscreen renders use: sRGB, as a window's surface is.
pub const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
/// Samples per pixel on a GPU: smooth road edges, nearly free there. A software
/// rasteriser draws single-sampled: 4x costs it four times the frame time (see
/// BENCHMARKS.md).
pub const GPU_SAMPLES: u32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum OffscreenError {
    #[error("no GPU adapter (not even a software one): {0}")]
    NoAdapter(String),
    #[error("the GPU device could not be opened: {0}")]
    NoDevice(String),
    #[error("reading the frame back failed: {0}")]
    ReadBack(String),
    #[error("{path}: {reason}")]
    Png { path: String, reason: String },
}

/// A device to render on.
pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    /// The adapter's name and backend, for logs and benchmark records.
    pub adapter: String,
    /// Samples per pixel of this device's frames.
    pub samples: u32,
}

impl Gpu {
    /// The first adapter wgpu offers (`WGPU_BACKEND`, `WGPU_ADAPTER_NAME` choose): Vulkan
    /// first, GL only where there is none (its EGL probing is slower, and noisy without a
    /// display).
    pub fn new() -> Result<Gpu, OffscreenError> {
        let mut last_error = String::from("no backend tried");
        let chosen = std::env::var_os("WGPU_BACKEND").is_some();
        let tries: &[wgpu::Backends] = if chosen {
            &[wgpu::Backends::all()]
        } else {
            &[wgpu::Backends::PRIMARY, wgpu::Backends::GL]
        };
        let mut found = None;
        for &backends in tries {
            let mut descriptor = wgpu::InstanceDescriptor::from_env_or_default();
            if !chosen {
                descriptor.backends = backends;
            }
            let instance = wgpu::Instance::new(&descriptor);
            match pollster::block_on(wgpu::util::initialize_adapter_from_env_or_default(
                &instance, None,
            )) {
                Ok(adapter) => {
                    found = Some(adapter);
                    break;
                }
                Err(err) => last_error = err.to_string(),
            }
        }
        let adapter = found.ok_or(OffscreenError::NoAdapter(last_error))?;
        let info = adapter.get_info();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("cowl-nav offscreen"),
            required_limits: wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits()),
            ..Default::default()
        }))
        .map_err(|err| OffscreenError::NoDevice(err.to_string()))?;
        let samples = if info.device_type == wgpu::DeviceType::Cpu {
            1
        } else {
            GPU_SAMPLES
        };
        Ok(Gpu {
            device,
            queue,
            adapter: format!("{} ({:?})", info.name, info.backend),
            samples,
        })
    }

    /// A renderer of `map` for this device's offscreen targets.
    pub fn renderer(&self, map: std::sync::Arc<crate::mapdata::MapData>) -> MapRenderer {
        MapRenderer::new(&self.device, FORMAT, self.samples, map)
    }

    /// Textures to draw frames of `size` into.
    pub fn target(&self, size: [u32; 2]) -> Target {
        let extent = wgpu::Extent3d {
            width: size[0].max(1),
            height: size[1].max(1),
            depth_or_array_layers: 1,
        };
        let texture = |samples, usage| {
            self.device.create_texture(&wgpu::TextureDescriptor {
                label: Some("cowl-nav offscreen"),
                size: extent,
                mip_level_count: 1,
                sample_count: samples,
                dimension: wgpu::TextureDimension::D2,
                format: FORMAT,
                usage,
                view_formats: &[],
            })
        };
        let multisampled = (self.samples > 1).then(|| {
            texture(self.samples, wgpu::TextureUsages::RENDER_ATTACHMENT)
                .create_view(&Default::default())
        });
        let resolved = texture(
            1,
            wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        );
        Target {
            extent,
            multisampled,
            resolved_view: resolved.create_view(&Default::default()),
            resolved,
        }
    }

    /// Draws one frame into `target` and waits until the GPU has finished it.
    pub fn draw(
        &self,
        renderer: &mut MapRenderer,
        camera: &Camera,
        target: &Target,
    ) -> Result<(), OffscreenError> {
        let encoder = self.encode(renderer, camera, target);
        self.queue.submit([encoder.finish()]);
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|err| OffscreenError::ReadBack(err.to_string()))
    }

    fn encode(
        &self,
        renderer: &mut MapRenderer,
        camera: &Camera,
        target: &Target,
    ) -> wgpu::CommandEncoder {
        renderer.prepare(&self.device, &self.queue, camera);
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        {
            let [r, g, b, a] = style::background(renderer.theme()).map(f64::from);
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("cowl-nav offscreen"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: target
                        .multisampled
                        .as_ref()
                        .unwrap_or(&target.resolved_view),
                    depth_slice: None,
                    resolve_target: target.multisampled.as_ref().map(|_| &target.resolved_view),
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color { r, g, b, a }),
                        store: if target.multisampled.is_some() {
                            wgpu::StoreOp::Discard
                        } else {
                            wgpu::StoreOp::Store
                        },
                    },
                })],
                ..Default::default()
            });
            renderer.draw(&mut pass);
        }
        encoder
    }

    /// Draws one frame of `renderer` under `camera`, and returns its RGBA pixels, rows top
    /// to bottom.
    pub fn render(
        &self,
        renderer: &mut MapRenderer,
        camera: &Camera,
    ) -> Result<Vec<u8>, OffscreenError> {
        let target = self.target(camera.size);
        let mut encoder = self.encode(renderer, camera, &target);
        let extent = target.extent;
        let (width, height) = (extent.width, extent.height);
        // Rows padded to the copy alignment, unpadded after.
        let row = width * 4;
        let padded_row =
            row.div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("cowl-nav read-back"),
            size: u64::from(padded_row) * u64::from(height),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        encoder.copy_texture_to_buffer(
            target.resolved.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(padded_row),
                    rows_per_image: Some(height),
                },
            },
            extent,
        );
        self.queue.submit([encoder.finish()]);
        let (sender, receiver) = std::sync::mpsc::channel();
        buffer
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |result| {
                let _ = sender.send(result);
            });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|err| OffscreenError::ReadBack(err.to_string()))?;
        receiver
            .recv()
            .map_err(|err| OffscreenError::ReadBack(err.to_string()))?
            .map_err(|err| OffscreenError::ReadBack(err.to_string()))?;
        let mapped = buffer.slice(..).get_mapped_range();
        let mut pixels = Vec::with_capacity((row * height) as usize);
        for line in mapped.chunks(padded_row as usize) {
            pixels.extend_from_slice(&line[..row as usize]);
        }
        Ok(pixels)
    }
}

/// Offscreen textures, kept across frames.
pub struct Target {
    extent: wgpu::Extent3d,
    /// None when drawing single-sampled, straight into `resolved`.
    multisampled: Option<wgpu::TextureView>,
    resolved: wgpu::Texture,
    resolved_view: wgpu::TextureView,
}

/// Writes RGBA `pixels` of `size` as a PNG.
pub fn write_png(path: &Path, size: [u32; 2], pixels: &[u8]) -> Result<(), OffscreenError> {
    let failed = |reason: String| OffscreenError::Png {
        path: path.display().to_string(),
        reason,
    };
    let file = std::fs::File::create(path).map_err(|err| failed(err.to_string()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), size[0], size[1]);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(pixels))
        .map_err(|err| failed(err.to_string()))
}
