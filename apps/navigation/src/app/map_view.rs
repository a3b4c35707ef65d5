//! The map as an iced widget: a shader widget whose primitive draws with [`MapRenderer`],
//! and the touch gestures a driver uses on it. One finger pans; two pinch to zoom and turn;
//! a double tap zooms in where it lands; a long press picks a destination. A mouse does the
//! same for developers: drag, wheel, double click, long click.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use iced::mouse;
use iced::touch;
use iced::widget::shader::{self, Action, Viewport};
use iced::{Event, Point, Rectangle, Vector};

use crate::geo::Point as MapPoint;
use crate::mapdata::{MapData, Polyline};
use crate::render::style::Theme;
use crate::render::{Camera, MapRenderer};

/// What a gesture asks of the app, in logical pixels relative to the widget's centre
/// (x right, y down, as on screen).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gesture {
    Pan(Vector),
    /// Zoom by a factor (and turn by radians, counter-clockwise) about a point.
    ZoomTurn {
        factor: f32,
        turn: f32,
        about: Vector,
    },
    DoubleTap(Vector),
    LongPress(Vector),
}

const DOUBLE_TAP: Duration = Duration::from_millis(350);
const LONG_PRESS: Duration = Duration::from_millis(600);
/// A finger that moves further than this is panning, not tapping or pressing.
const SLOP_PX: f32 = 12.0;

/// What the map shows this frame.
#[derive(Clone)]
pub struct MapView {
    pub map: Arc<MapData>,
    /// Logical pixels per metre; the primitive multiplies by the scale factor.
    pub camera: Camera,
    pub theme: Theme,
    pub route: Option<Arc<Polyline>>,
    pub vehicle: Option<(MapPoint, f64)>,
}

#[derive(Default)]
pub struct GestureState {
    fingers: HashMap<touch::Finger, Point>,
    mouse_down: Option<Point>,
    /// Where and when the current press began, while it may still be a tap or long press.
    press: Option<(Point, Instant)>,
    last_tap: Option<(Point, Instant)>,
}

impl<Message> shader::Program<Message> for MapView
where
    Message: From<Gesture>,
{
    type State = GestureState;
    type Primitive = MapPrimitive;

    fn update(
        &self,
        state: &mut GestureState,
        event: &Event,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> Option<Action<Message>> {
        let centre = bounds.center();
        let relative = |at: Point| Vector::new(at.x - centre.x, at.y - centre.y);
        let publish =
            |gesture: Gesture| Some(Action::publish(Message::from(gesture)).and_capture());
        match event {
            Event::Touch(touch::Event::FingerPressed { id, position }) => {
                if !bounds.contains(*position) {
                    return None;
                }
                state.fingers.insert(*id, *position);
                if state.fingers.len() == 1 {
                    return state
                        .pressed(*position, relative(*position))
                        .map(|g| Action::publish(Message::from(g)).and_capture())
                        .or_else(|| {
                            Some(
                                Action::request_redraw_at(Instant::now() + LONG_PRESS)
                                    .and_capture(),
                            )
                        });
                }
                state.press = None;
                Some(Action::capture())
            }
            Event::Touch(touch::Event::FingerMoved { id, position }) => {
                let previous = *state.fingers.get(id)?;
                if state.fingers.len() == 1 {
                    state.fingers.insert(*id, *position);
                    state.moved(*position);
                    return publish(Gesture::Pan(*position - previous));
                }
                // Two fingers: the pair's span and angle, before and after this move.
                let other = state
                    .fingers
                    .iter()
                    .find(|(finger, _)| *finger != id)
                    .map(|(_, at)| *at)?;
                state.fingers.insert(*id, *position);
                let before = previous - other;
                let after = *position - other;
                let span = |v: Vector| v.x.hypot(v.y).max(1.0);
                let angle = |v: Vector| (-v.y).atan2(v.x);
                let middle = Point::new((position.x + other.x) / 2.0, (position.y + other.y) / 2.0);
                publish(Gesture::ZoomTurn {
                    factor: span(after) / span(before),
                    turn: angle(after) - angle(before),
                    about: relative(middle),
                })
            }
            Event::Touch(
                touch::Event::FingerLifted { id, .. } | touch::Event::FingerLost { id, .. },
            ) => {
                state.fingers.remove(id)?;
                state.press = None;
                Some(Action::capture())
            }
            Event::Mouse(mouse::Event::ButtonPressed(mouse::Button::Left)) => {
                let at = cursor
                    .position_in(bounds)
                    .map(|p| Point::new(p.x + bounds.x, p.y + bounds.y))?;
                state.mouse_down = Some(at);
                state
                    .pressed(at, relative(at))
                    .map(|g| Action::publish(Message::from(g)).and_capture())
                    .or_else(|| {
                        Some(Action::request_redraw_at(Instant::now() + LONG_PRESS).and_capture())
                    })
            }
            Event::Mouse(mouse::Event::CursorMoved { position }) => {
                let previous = state.mouse_down?;
                state.mouse_down = Some(*position);
                state.moved(*position);
                publish(Gesture::Pan(*position - previous))
            }
            Event::Mouse(mouse::Event::ButtonReleased(mouse::Button::Left)) => {
                state.mouse_down.take()?;
                state.press = None;
                Some(Action::capture())
            }
            Event::Mouse(mouse::Event::WheelScrolled { delta }) => {
                let at = cursor.position_over(bounds)?;
                let lines = match delta {
                    mouse::ScrollDelta::Lines { y, .. } => *y,
                    mouse::ScrollDelta::Pixels { y, .. } => *y / 40.0,
                };
                publish(Gesture::ZoomTurn {
                    factor: 1.25f32.powf(lines),
                    turn: 0.0,
                    about: relative(at),
                })
            }
            Event::Window(iced::window::Event::RedrawRequested(now)) => {
                let (at, since) = state.press?;
                if now.duration_since(since) >= LONG_PRESS {
                    state.press = None;
                    return publish(Gesture::LongPress(relative(at)));
                }
                None
            }
            _ => None,
        }
    }

    fn draw(
        &self,
        _state: &GestureState,
        _cursor: mouse::Cursor,
        _bounds: Rectangle,
    ) -> MapPrimitive {
        MapPrimitive(self.clone())
    }
}

impl GestureState {
    /// A first finger or button down at `at`: a double tap, or the start of a press.
    fn pressed(&mut self, at: Point, relative: Vector) -> Option<Gesture> {
        let now = Instant::now();
        if let Some((last, when)) = self.last_tap.take()
            && now.duration_since(when) < DOUBLE_TAP
            && at.distance(last) < SLOP_PX * 2.0
        {
            self.press = None;
            return Some(Gesture::DoubleTap(relative));
        }
        self.last_tap = Some((at, now));
        self.press = Some((at, now));
        None
    }

    fn moved(&mut self, to: Point) {
        if self
            .press
            .is_some_and(|(from, _)| from.distance(to) > SLOP_PX)
        {
            self.press = None;
            self.last_tap = None;
        }
    }
}

/// One frame of the map, for the renderer.
pub struct MapPrimitive(MapView);

impl std::fmt::Debug for MapPrimitive {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("MapPrimitive")
            .field("camera", &self.0.camera)
            .finish_non_exhaustive()
    }
}

/// The renderer, made at the first frame (the map comes with the primitive), and what it
/// was last given, so that the route and vehicle are uploaded only when they change.
pub struct MapPipeline {
    format: wgpu::TextureFormat,
    renderer: Option<MapRenderer>,
    route: Option<Arc<Polyline>>,
    vehicle: Option<(MapPoint, f64)>,
}

impl shader::Pipeline for MapPipeline {
    fn new(_device: &wgpu::Device, _queue: &wgpu::Queue, format: wgpu::TextureFormat) -> Self {
        MapPipeline {
            format,
            renderer: None,
            route: None,
            vehicle: None,
        }
    }
}

impl shader::Primitive for MapPrimitive {
    type Pipeline = MapPipeline;

    fn prepare(
        &self,
        pipeline: &mut MapPipeline,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        bounds: &Rectangle,
        viewport: &Viewport,
    ) {
        let view = &self.0;
        // iced draws its own primitives single-sampled into the frame: the map does too.
        let renderer = pipeline
            .renderer
            .get_or_insert_with(|| MapRenderer::new(device, pipeline.format, 1, view.map.clone()));
        if renderer.theme() != view.theme {
            renderer.set_theme(queue, view.theme);
        }
        let same_route = match (&pipeline.route, &view.route) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if !same_route {
            renderer.set_route(device, view.route.as_deref());
            pipeline.route = view.route.clone();
        }
        if pipeline.vehicle != view.vehicle {
            renderer.set_vehicle(device, queue, view.vehicle);
            pipeline.vehicle = view.vehicle;
        }
        let scale_factor = viewport.scale_factor();
        let mut camera = view.camera;
        camera.scale *= scale_factor;
        camera.size = [
            (bounds.width * scale_factor).round() as u32,
            (bounds.height * scale_factor).round() as u32,
        ];
        renderer.prepare(device, queue, &camera);
    }

    fn draw(&self, pipeline: &MapPipeline, render_pass: &mut wgpu::RenderPass<'_>) -> bool {
        if let Some(renderer) = &pipeline.renderer {
            renderer.draw(render_pass);
        }
        true
    }
}
