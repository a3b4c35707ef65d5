//! Where a touch on a panel lands. A touch controller reports positions in the panel's own
//! pixel grid, the grid the framebuffer is scanned out in; clients and the shell work in
//! global logical coordinates, which the output's transform (how the panel is mounted) and
//! scale (its density) turn into that grid. Mapping back through the same two steps is what
//! puts a finger on the pixel the driver touched, on any panel in any orientation.

use smithay::desktop::{Space, Window};
use smithay::output::Output;
use smithay::utils::{Logical, Physical, Point, Rectangle, Size};

/// The global logical point shown at `native`, a position in `output`'s panel pixels (its
/// mode, untransformed). `None` when the output is not mapped or has no mode.
pub fn panel_to_global(
    space: &Space<Window>,
    output: &Output,
    native: Point<f64, Physical>,
) -> Option<Point<f64, Logical>> {
    let geometry = space.output_geometry(output)?;
    let panel = output.current_mode()?.size.to_f64();
    let upright = output
        .current_transform()
        .transform_point_in(native, &panel);
    let logical = upright.to_logical(output.current_scale().fractional_scale());
    Some(logical + geometry.loc.to_f64())
}

/// The panel pixels that show `region`, a rectangle in `output`'s own logical coordinates
/// (its top-left corner at 0,0): what a capture of that region reads from the framebuffer.
pub fn panel_rect_of(
    output: &Output,
    region: Rectangle<i32, Logical>,
) -> Option<Rectangle<i32, Physical>> {
    let panel = output.current_mode()?.size.to_f64();
    let transform = output.current_transform();
    let upright_size = transform.transform_size(panel);
    // The inverse of `transform_point_in(transform)`: a rotation turns back the other way,
    // a mirroring is its own inverse.
    let back = if transform.flipped() {
        transform
    } else {
        transform.invert()
    };
    let scale = output.current_scale().fractional_scale();
    let upright = region.to_f64().to_physical(scale);
    let corners = [upright.loc, upright.loc + upright.size.to_point()]
        .map(|corner| back.transform_point_in(corner, &upright_size));
    let rect = Rectangle::from_extremities(
        (
            corners[0].x.min(corners[1].x),
            corners[0].y.min(corners[1].y),
        ),
        (
            corners[0].x.max(corners[1].x),
            corners[0].y.max(corners[1].y),
        ),
    );
    Some(rect.to_i32_round())
}

/// The output's panel size in its own pixels, which device positions are scaled to.
pub fn panel_size(output: &Output) -> Option<Size<f64, Physical>> {
    Some(output.current_mode()?.size.to_f64())
}

impl crate::state::State {
    /// The global logical point at `x`, `y` (0..1 across the panel's pixels as mounted) on
    /// the output named `output`, as its touch controller would report it; `None` for an
    /// output that does not exist or has no mode.
    pub fn panel_fraction_to_global(
        &self,
        output: &str,
        x: f64,
        y: f64,
    ) -> Option<Point<f64, Logical>> {
        let output = self
            .space
            .outputs()
            .find(|candidate| candidate.name() == output)?;
        let size = panel_size(output)?;
        panel_to_global(&self.space, output, (x * size.w, y * size.h).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smithay::output::{Mode, PhysicalProperties, Scale, Subpixel};
    use smithay::utils::Transform;

    /// An 800x500 panel at x 100, mounted with `transform` at `scale`.
    fn space_with(transform: Transform, scale: f64) -> (Space<Window>, Output) {
        panel_in_space((800, 500).into(), transform, scale, 100)
    }

    /// A `panel`-sized output mapped at (`x`, 0) with `transform` and a fractional `scale`.
    fn panel_in_space(
        panel: Size<i32, Physical>,
        transform: Transform,
        scale: f64,
        x: i32,
    ) -> (Space<Window>, Output) {
        let output = Output::new(
            "PANEL".into(),
            PhysicalProperties {
                size: (0, 0).into(),
                subpixel: Subpixel::Unknown,
                make: "test".into(),
                model: "test".into(),
            },
        );
        let mode = Mode {
            size: panel,
            refresh: 60_000,
        };
        output.change_current_state(
            Some(mode),
            Some(transform),
            Some(Scale::Fractional(scale)),
            Some((x, 0).into()),
        );
        let mut space = Space::default();
        space.map_output(&output, (x, 0));
        (space, output)
    }

    fn global(space: &Space<Window>, output: &Output, x: f64, y: f64) -> (f64, f64) {
        let point = panel_to_global(space, output, (x, y).into()).expect("mapped");
        (point.x, point.y)
    }

    #[test]
    fn corners_of_a_normal_panel_scale_down_and_shift_to_the_output() {
        let (space, output) = space_with(Transform::Normal, 2.0);
        assert_eq!(global(&space, &output, 0.0, 0.0), (100.0, 0.0));
        assert_eq!(global(&space, &output, 800.0, 500.0), (500.0, 250.0));
    }

    #[test]
    fn a_rotated_panel_maps_its_corners_onto_the_portrait_logical_output() {
        // 800x500 panel turned by 90 degrees at scale 1.25: a 400x640 logical output.
        let (space, output) = space_with(Transform::_90, 1.25);
        let geometry = space.output_geometry(&output).expect("mapped");
        assert_eq!((geometry.size.w, geometry.size.h), (400, 640));
        let corners = [(0.0, 0.0), (800.0, 0.0), (0.0, 500.0), (800.0, 500.0)];
        let mapped: Vec<(f64, f64)> = corners
            .iter()
            .map(|&(x, y)| global(&space, &output, x, y))
            .collect();
        // Every panel corner lands on a distinct logical corner.
        for (x, y) in &mapped {
            assert!(
                [100.0, 500.0].contains(x) && [0.0, 640.0].contains(y),
                "{mapped:?}"
            );
        }
        let mut distinct = mapped.clone();
        distinct.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
        distinct.dedup();
        assert_eq!(distinct.len(), 4, "{mapped:?}");
    }

    /// The renderer decides where a logical rectangle appears on the panel; a touch on any
    /// of those pixels must land inside the rectangle, and a touch anywhere else outside it,
    /// for every way a panel can be mounted.
    #[test]
    fn a_touch_lands_on_what_the_renderer_drew_there_in_every_transform() {
        use smithay::backend::allocator::Fourcc;
        use smithay::backend::renderer::damage::OutputDamageTracker;
        use smithay::backend::renderer::element::Id;
        use smithay::backend::renderer::element::Kind;
        use smithay::backend::renderer::element::solid::SolidColorRenderElement;
        use smithay::backend::renderer::pixman::PixmanRenderer;
        use smithay::backend::renderer::{Bind, Offscreen};

        use crate::protocols::screencopy::{RowOrder, read_back};

        const SCALE: f64 = 1.25;
        let panel: Size<i32, Physical> = (50, 30).into();
        // Away from the centre and from every axis of symmetry: a wrong turn shows.
        let target: Rectangle<i32, Logical> = Rectangle::new((4, 4).into(), (8, 4).into());

        let mut renderer = PixmanRenderer::new().expect("pixman");
        for transform in [
            Transform::Normal,
            Transform::_90,
            Transform::_180,
            Transform::_270,
            Transform::Flipped,
            Transform::Flipped90,
            Transform::Flipped180,
            Transform::Flipped270,
        ] {
            let (space, output) = panel_in_space(panel, transform, SCALE, 0);

            let element = SolidColorRenderElement::new(
                Id::new(),
                target.to_f64().to_physical(SCALE).to_i32_round(),
                0,
                [1.0, 1.0, 1.0, 1.0],
                Kind::Unspecified,
            );
            let mut image = renderer
                .create_buffer(Fourcc::Xrgb8888, (panel.w, panel.h).into())
                .expect("buffer");
            let mut framebuffer = renderer.bind(&mut image).expect("bind");
            OutputDamageTracker::from_output(&output)
                .render_output(
                    &mut renderer,
                    &mut framebuffer,
                    0,
                    &[element],
                    [0.0, 0.0, 0.0, 1.0],
                )
                .expect("render");
            let pixels = read_back(
                &mut renderer,
                &framebuffer,
                panel,
                RowOrder::TopFirst,
                Rectangle::from_size(panel),
            )
            .expect("read back");

            let shown = panel_rect_of(&output, target).expect("mapped");
            for y in 0..panel.h {
                for x in 0..panel.w {
                    let offset = ((y * panel.w + x) * 4) as usize;
                    let painted = pixels[offset] > 0x80;
                    let centre = (f64::from(x) + 0.5, f64::from(y) + 0.5).into();
                    let touched = panel_to_global(&space, &output, centre).expect("mapped");
                    assert_eq!(
                        target.to_f64().contains(touched),
                        painted,
                        "{transform:?}: panel pixel {x},{y} is painted: {painted}, \
                         but a touch there lands at {touched:?}"
                    );
                    assert_eq!(
                        shown.contains((x, y)),
                        painted,
                        "{transform:?}: a capture of the target reads panel pixels {shown:?}"
                    );
                }
            }
        }
    }
}
