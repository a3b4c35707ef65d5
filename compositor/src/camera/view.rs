//! The camera on screen: one memory buffer the size of the camera's frames, written in place
//! from the helper's shared file when a new frame comes (only while the camera is shown) and scaled to the
//! screen by the renderer. Where it goes: the whole picture, as large as the screen allows,
//! centred (a rear camera must not crop away what is beside the car); the chrome draws the
//! bars around it and the guide lines above it.

use smithay::backend::allocator::Fourcc;
use smithay::backend::renderer::element::Kind;
use smithay::backend::renderer::element::memory::{
    MemoryRenderBuffer, MemoryRenderBufferRenderElement,
};
use smithay::backend::renderer::{ImportMem, Renderer};
use smithay::utils::{Buffer, Logical, Rectangle, Size, Transform};
use tracing::{debug, warn};

use super::CameraFrame;

/// The largest rectangle of the frame's aspect ratio inside `area`, centred in it.
pub fn picture_rect(
    area: Rectangle<i32, Logical>,
    frame_width: u32,
    frame_height: u32,
) -> Rectangle<i32, Logical> {
    if frame_width == 0 || frame_height == 0 || area.size.w <= 0 || area.size.h <= 0 {
        return area;
    }
    let (fw, fh) = (i64::from(frame_width), i64::from(frame_height));
    let (aw, ah) = (i64::from(area.size.w), i64::from(area.size.h));
    // Full width when the area is relatively taller than the frame, else full height.
    let (w, h) = if aw * fh <= ah * fw {
        (aw, (aw * fh + fw / 2) / fw)
    } else {
        ((ah * fw + fh / 2) / fh, ah)
    };
    let (w, h) = (w.clamp(1, aw) as i32, h.clamp(1, ah) as i32);
    Rectangle::new(
        (
            area.loc.x + (area.size.w - w) / 2,
            area.loc.y + (area.size.h - h) / 2,
        )
            .into(),
        (w, h).into(),
    )
}

/// The camera's frame as a render buffer, reused from frame to frame.
#[derive(Default)]
pub struct CameraView {
    buffer: Option<MemoryRenderBuffer>,
    size: (u32, u32),
    sequence: u64,
}

impl CameraView {
    /// A render element showing `frame` in `picture` (output-local logical) at `scale`; the
    /// buffer is written only when the frame is new.
    pub fn element<R>(
        &mut self,
        renderer: &mut R,
        frame: &CameraFrame,
        picture: Rectangle<i32, Logical>,
        scale: f64,
    ) -> Option<MemoryRenderBufferRenderElement<R>>
    where
        R: Renderer + ImportMem,
        R::TextureId: Send + Clone + 'static,
    {
        let size = (frame.width(), frame.height());
        let buffer_size: Size<i32, Buffer> = (
            i32::try_from(size.0).ok()?.max(1),
            i32::try_from(size.1).ok()?.max(1),
        )
            .into();
        let whole = Rectangle::from_size(buffer_size);
        if self.size != size || self.buffer.is_none() {
            // GStreamer's BGRx is DRM's XRGB8888 on a little-endian CPU: opaque everywhere.
            self.buffer = Some(MemoryRenderBuffer::new(
                Fourcc::Xrgb8888,
                buffer_size,
                1,
                Transform::Normal,
                Some(vec![whole]),
            ));
            self.size = size;
            self.sequence = 0;
        }
        let buffer = self.buffer.as_mut()?;
        if self.sequence != frame.sequence {
            let stride = size.0 as usize * 4;
            let copied = buffer.render().draw(|memory| {
                if frame.copy_into(memory, stride) {
                    Ok(vec![whole])
                } else {
                    Err(())
                }
            });
            // A frame the helper wrote over while it was copied: the newer one is announced
            // next, and drawn then.
            match copied {
                Ok(()) => self.sequence = frame.sequence,
                Err(_) => debug!(sequence = frame.sequence, "a camera frame was overwritten"),
            }
        }
        let location = picture.loc.to_f64().to_physical(scale);
        let source = Rectangle::from_size((size.0 as f64, size.1 as f64).into());
        match MemoryRenderBufferRenderElement::from_buffer(
            renderer,
            location,
            buffer,
            None,
            Some(source),
            Some(picture.size),
            Kind::Unspecified,
        ) {
            Ok(element) => Some(element),
            Err(err) => {
                warn!("could not upload the camera frame: {err:?}");
                None
            }
        }
    }

    /// Frees the buffer (and its textures) when the camera is no longer shown.
    pub fn release(&mut self) {
        self.buffer = None;
        self.size = (0, 0);
        self.sequence = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: i32, y: i32, w: i32, h: i32) -> Rectangle<i32, Logical> {
        Rectangle::new((x, y).into(), (w, h).into())
    }

    #[test]
    fn a_wider_screen_gets_bars_left_and_right() {
        assert_eq!(
            picture_rect(rect(0, 0, 1280, 720), 640, 480),
            rect(160, 0, 960, 720)
        );
    }

    #[test]
    fn a_taller_screen_gets_bars_above_and_below() {
        assert_eq!(
            picture_rect(rect(0, 0, 800, 1280), 1280, 720),
            rect(0, 415, 800, 450)
        );
    }

    #[test]
    fn the_same_shape_fills_the_area() {
        assert_eq!(
            picture_rect(rect(10, 20, 640, 480), 160, 120),
            rect(10, 20, 640, 480)
        );
    }

    #[test]
    fn a_frame_without_size_fills_the_area() {
        assert_eq!(
            picture_rect(rect(0, 0, 640, 480), 0, 0),
            rect(0, 0, 640, 480)
        );
    }
}
