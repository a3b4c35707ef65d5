// The map's one pipeline: every vertex is a map position (metres) pushed out along its
// normal by half its style's width in pixels, then rotated, scaled and centred by the camera.

struct Globals {
    center: vec2<f32>,
    viewport: vec2<f32>,
    scale: f32,
    rotation: f32,
    style_offset: u32,
    _pad: u32,
};

struct Style {
    color: vec4<f32>,
    width_m: f32,
    min_px: f32,
    _pad: vec2<f32>,
};

@group(0) @binding(0) var<uniform> globals: Globals;
@group(0) @binding(1) var<uniform> styles: array<Style, 32>;

struct VertexIn {
    @location(0) position: vec2<f32>,
    @location(1) normal: vec2<f32>,
    @location(2) style: u32,
};

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) color: vec4<f32>,
};

@vertex
fn vs_main(vertex: VertexIn) -> VertexOut {
    let style = styles[vertex.style + globals.style_offset];
    let width_px = max(style.width_m * globals.scale, style.min_px);
    let c = cos(globals.rotation);
    let s = sin(globals.rotation);
    let rotate = mat2x2<f32>(vec2<f32>(c, s), vec2<f32>(-s, c));
    let pixels = rotate * ((vertex.position - globals.center) * globals.scale
        + vertex.normal * (width_px * 0.5));
    var out: VertexOut;
    out.clip = vec4<f32>(pixels / (globals.viewport * 0.5), 0.0, 1.0);
    out.color = style.color;
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    return in.color;
}
