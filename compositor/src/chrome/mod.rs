//! The chrome: what Cowl draws itself, so that it works when every app is dead or hung. The
//! status bar (clock, speed, outside temperature, phone), the dock (home button and app
//! icons, the active app highlighted, app states marked), the home view (cards for what
//! plays, the next turn, the phone and the weather outside, above a grid of the apps) and
//! the "not responding" cover over hung apps; in a day and a night theme.
//!
//! Each frame, [`State::chrome_frame`] says what every panel of an output shows
//! ([`panels::Content`]); [`Chrome::render_elements`] draws a panel again only when its
//! content changed (the clock once a minute, a state change, a theme switch) and hands the
//! renderer memory buffers, so an unchanged chrome costs a comparison and no damage. The
//! chrome is drawn in the same frame as the curtain lifts: the first frame after the curtain
//! is whole.

pub mod car_readouts;
pub mod cards;
pub mod layout;
pub mod painter;
pub mod panels;
pub mod theme;
pub mod waiting;

use std::collections::HashMap;
use std::time::Duration;

use smithay::backend::allocator::Fourcc;
use smithay::backend::renderer::element::Kind;
use smithay::backend::renderer::element::memory::{
    MemoryRenderBuffer, MemoryRenderBufferRenderElement,
};
use smithay::backend::renderer::{ImportMem, Renderer};
use smithay::output::Output;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::utils::{Buffer, Logical, Rectangle, Transform};
use tracing::warn;

use crate::config::AppRole;
use crate::shell::activation::window_app_id;
use crate::shell::app_state::AppStatus;
use crate::shell::views::View;
use crate::state::State;
use layout::{Target, dock_buttons};
use painter::Painter;
use panels::{
    CameraOverlay, Canvas, Content, CoverContent, CoverReason, DockContent, DockEntry, HomeContent,
    HomeEntry, Mark, StatusContent, WaitingContent,
};
use theme::ThemeName;

/// Which panel of an output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PanelKind {
    StatusBar,
    Dock,
    Home,
    /// The cover over one hung window, by its surface's protocol id.
    Cover(String),
    /// A slot waiting for its app, by the app's id.
    Waiting(String),
    /// The rear camera, full screen.
    Camera,
}

/// One panel to show in a frame: where (output-local logical) and what.
pub struct PanelJob {
    pub kind: PanelKind,
    pub rect: Rectangle<i32, Logical>,
    pub content: Content,
}

/// The chrome of one output's frame.
pub struct ChromeFrame {
    pub output: String,
    pub scale: f64,
    /// Above everything: the covers of hung apps and of video while driving, or the camera.
    pub above: Vec<PanelJob>,
    /// Above every app surface, so that no app can cover or fake them: status bar, dock.
    pub panels: Vec<PanelJob>,
    /// Below the apps: the home view (no app is shown over it but popups).
    pub below: Vec<PanelJob>,
    /// The camera's picture, drawn below the `above` panels (its overlay) and above the rest.
    pub camera: Option<CameraShot>,
}

/// The camera frame a frame shows, and where (output-local logical).
pub struct CameraShot {
    pub frame: std::sync::Arc<crate::camera::CameraFrame>,
    pub picture: Rectangle<i32, Logical>,
}

/// A frame's chrome as render elements, front to back within each tier.
pub struct ChromeElements<R: Renderer> {
    /// Above every surface: covers, or the camera's overlay and picture.
    pub above: Vec<MemoryRenderBufferRenderElement<R>>,
    /// Above every app surface: the status bar and the dock.
    pub panels: Vec<MemoryRenderBufferRenderElement<R>>,
    /// Below the apps: the home view.
    pub below: Vec<MemoryRenderBufferRenderElement<R>>,
}

struct CachedPanel {
    rect: Rectangle<i32, Logical>,
    scale: f64,
    content: Content,
    buffer: MemoryRenderBuffer,
}

pub struct Chrome {
    /// Created at the first frame that shows chrome (loading fonts takes a moment).
    painter: Option<Painter>,
    pub theme: ThemeName,
    /// A fixed clock (`--clock`), for screenshots and reference images.
    fixed_clock: Option<String>,
    pub readouts: car_readouts::Readouts,
    /// With theme "auto": whether the car has set the theme yet, and the change waiting to
    /// hold (the theme it would become, and its timer).
    pub theme_from_car: bool,
    pub theme_pending: Option<(ThemeName, smithay::reexports::calloop::RegistrationToken)>,
    cache: HashMap<(String, PanelKind), CachedPanel>,
    /// The camera's frame buffer, kept while the camera shows.
    camera: crate::camera::view::CameraView,
    /// The apps' states as the dock and home view last marked them.
    app_states_shown: Vec<(String, AppStatus)>,
}

impl Chrome {
    pub fn new(theme: ThemeName, fixed_clock: Option<String>) -> Chrome {
        Chrome {
            painter: None,
            theme,
            fixed_clock,
            readouts: car_readouts::Readouts::default(),
            app_states_shown: Vec::new(),
            theme_from_car: false,
            theme_pending: None,
            cache: HashMap::new(),
            camera: Default::default(),
        }
    }

    /// The clock as the status bar shows it: local time, 24-hour.
    fn clock(&self) -> String {
        if let Some(fixed) = &self.fixed_clock {
            return fixed.clone();
        }
        jiff::ZonedDateTime::now().strftime("%H:%M").to_string()
    }

    /// Render elements for a frame's chrome, in its three tiers. Panels whose content,
    /// place and scale are unchanged reuse their buffer.
    pub fn render_elements<R>(&mut self, renderer: &mut R, frame: ChromeFrame) -> ChromeElements<R>
    where
        R: Renderer + ImportMem,
        R::TextureId: Send + Clone + 'static,
    {
        let ChromeFrame {
            output,
            scale,
            above,
            panels,
            below,
            camera,
        } = frame;
        let mut used = Vec::new();
        let mut elements = |jobs: Vec<PanelJob>, this: &mut Chrome| {
            let mut out = Vec::new();
            for job in jobs {
                let key = (output.clone(), job.kind.clone());
                let buffer = this.panel_buffer(&key, &job, scale);
                used.push(key);
                let Some(buffer) = buffer else {
                    continue;
                };
                let location = job.rect.loc.to_f64().to_physical(scale);
                match MemoryRenderBufferRenderElement::from_buffer(
                    renderer,
                    location,
                    &buffer,
                    None,
                    None,
                    Some(job.rect.size),
                    Kind::Unspecified,
                ) {
                    Ok(element) => out.push(element),
                    Err(err) => warn!("could not upload the chrome: {err:?}"),
                }
            }
            out
        };
        let mut above = elements(above, self);
        let panels = elements(panels, self);
        let below = elements(below, self);
        match camera {
            Some(shot) => {
                above.extend(
                    self.camera
                        .element(renderer, &shot.frame, shot.picture, scale),
                )
            }
            // The buffer is kept only while some output shows the camera.
            None if !self
                .cache
                .keys()
                .any(|key| key.1 == PanelKind::Camera && key.0 != output) =>
            {
                self.camera.release()
            }
            None => {}
        }
        // Panels no longer shown (a home view left, a cover lifted) free their memory.
        self.cache
            .retain(|key, _| key.0 != output || used.contains(key));
        ChromeElements {
            above,
            panels,
            below,
        }
    }

    fn panel_buffer(
        &mut self,
        key: &(String, PanelKind),
        job: &PanelJob,
        scale: f64,
    ) -> Option<MemoryRenderBuffer> {
        if let Some(cached) = self.cache.get(key)
            && cached.rect == job.rect
            && cached.scale == scale
            && cached.content == job.content
        {
            return Some(cached.buffer.clone());
        }
        let size = job
            .rect
            .size
            .to_f64()
            .to_physical(scale)
            .to_i32_round::<i32>();
        let pixmap = resvg::tiny_skia::Pixmap::new(size.w.max(1) as u32, size.h.max(1) as u32)?;
        let mut canvas = Canvas {
            pixmap,
            origin: (job.rect.loc.x, job.rect.loc.y),
            scale,
        };
        let painter = self.painter.get_or_insert_with(Painter::new);
        panels::draw(painter, &mut canvas, &job.content);
        let buffer_size: smithay::utils::Size<i32, Buffer> =
            (canvas.pixmap.width() as i32, canvas.pixmap.height() as i32).into();
        let opaque = Some(opaque_region(&canvas, &job.content));
        // tiny-skia's premultiplied RGBA bytes are DRM's ABGR8888 on a little-endian CPU.
        let buffer = MemoryRenderBuffer::from_slice(
            canvas.pixmap.data(),
            Fourcc::Abgr8888,
            buffer_size,
            1,
            Transform::Normal,
            opaque,
        );
        self.cache.insert(
            key.clone(),
            CachedPanel {
                rect: job.rect,
                scale,
                content: job.content.clone(),
                buffer: buffer.clone(),
            },
        );
        Some(buffer)
    }
}

/// Which pixels of a drawn panel are opaque, so that what lies beneath is not drawn: all of
/// them, except the camera overlay's clear picture.
fn opaque_region(canvas: &Canvas, content: &Content) -> Vec<Rectangle<i32, Buffer>> {
    let size = (canvas.pixmap.width(), canvas.pixmap.height());
    let rect = |(left, top, right, bottom): (u32, u32, u32, u32)| {
        Rectangle::new(
            (left as i32, top as i32).into(),
            ((right - left) as i32, (bottom - top) as i32).into(),
        )
    };
    match content {
        Content::CameraOverlay(overlay) => {
            let picture = panels::canvas_pixels(size, canvas.origin, canvas.scale, overlay.picture);
            panels::camera_overlay_opaque(size, picture)
                .into_iter()
                .map(rect)
                .collect()
        }
        _ => vec![rect((0, 0, size.0, size.1))],
    }
}

fn mark(status: AppStatus) -> Mark {
    match status {
        AppStatus::Running => Mark::Running,
        AppStatus::Starting | AppStatus::Restarting => Mark::Starting,
        AppStatus::Hung | AppStatus::Failed => Mark::Trouble,
        AppStatus::Stopped => Mark::None,
    }
}

impl State {
    /// The apps the dock and home view offer on `output`: the declared apps that a view can
    /// show, on this output, in config order.
    pub fn launcher_apps(&self, output: &Output) -> Vec<String> {
        self.config
            .apps
            .iter()
            .filter(|app| {
                matches!(
                    app.role,
                    AppRole::Main | AppRole::Split | AppRole::Projection
                )
            })
            .map(|app| app.id.get_ref().clone())
            .filter(|id| !self.awaits_phone(id))
            .filter(|id| self.app_output(id).as_ref() == Some(output))
            .collect()
    }

    /// After every batch of events: the dock and home view mark each app's state
    /// (starting, running, not responding), so a change of one redraws them, even when no
    /// window committed (an app starting has none yet).
    pub fn chrome_follow_app_states(&mut self) {
        let states: Vec<(String, AppStatus)> = self
            .config
            .apps
            .iter()
            .map(|app| {
                let id = app.id.get_ref();
                (id.clone(), self.app_status(id))
            })
            .collect();
        if states != self.chrome.app_states_shown {
            self.chrome.app_states_shown = states;
            self.queue_redraw_all();
        }
    }

    /// Everything the chrome of `output` shows in its next frame.
    pub fn chrome_frame(&self, output: &Output) -> ChromeFrame {
        let theme = self.chrome.theme;
        let scale = output.current_scale().fractional_scale();
        let mut frame = ChromeFrame {
            output: output.name(),
            scale,
            above: Vec::new(),
            panels: Vec::new(),
            below: Vec::new(),
            camera: None,
        };
        let Some(zones) = crate::shell::output_zones(&self.space, output, &self.config) else {
            return frame;
        };
        let view = self.view(output);
        let icon_of = |id: &str| {
            self.config
                .app(id)
                .map(|app| app.icon.clone())
                .filter(|icon| !icon.is_empty())
                .unwrap_or_else(|| "app".to_string())
        };
        let name_of = |id: &str| {
            self.config
                .app(id)
                .map_or_else(|| id.to_string(), |app| app.name.clone())
        };

        if let Some(rect) = zones.status_bar {
            let readouts = &self.chrome.readouts;
            frame.panels.push(PanelJob {
                kind: PanelKind::StatusBar,
                rect,
                content: Content::Status(StatusContent {
                    theme,
                    clock: self.chrome.clock(),
                    gear: readouts.gear.clone().unwrap_or_else(|| "--".into()),
                    speed: readouts.speed.clone().unwrap_or_else(|| "-- km/h".into()),
                    temperature: readouts
                        .temperature
                        .clone()
                        .unwrap_or_else(|| "-- °C".into()),
                    phone: readouts.phone.clone().unwrap_or_else(|| "No phone".into()),
                }),
            });
        }

        let apps = self.launcher_apps(output);
        if let Some(rect) = zones.dock {
            let entries = dock_buttons(rect, &apps)
                .into_iter()
                .map(|button| match &button.target {
                    // The dock holds only home and the apps.
                    Target::Home | Target::PlayPause | Target::Next => DockEntry {
                        icon: "home".into(),
                        active: view == View::Home,
                        mark: Mark::None,
                        restricted: false,
                        button,
                    },
                    Target::App(id) | Target::Retry(id) => DockEntry {
                        icon: icon_of(id),
                        active: view.slot_of(id).is_some(),
                        mark: mark(self.app_status(id)),
                        restricted: self.is_restricted_now(id),
                        button,
                    },
                })
                .collect();
            frame.panels.push(PanelJob {
                kind: PanelKind::Dock,
                rect,
                content: Content::Dock(DockContent { theme, entries }),
            });
        }

        if view == View::Home
            && let Some(area) = crate::shell::app_area(&self.space, output, &self.config)
        {
            let origin = self
                .space
                .output_geometry(output)
                .map(|geometry| geometry.loc)
                .unwrap_or_default();
            let local = Rectangle::new(area.loc - origin, area.size);
            let layout = self.home_view_layout(output, local);
            let cards = self.card_contents(&layout);
            let entries = layout
                .tiles
                .into_iter()
                .filter_map(|button| {
                    let Target::App(id) = &button.target else {
                        return None;
                    };
                    Some(HomeEntry {
                        icon: icon_of(id),
                        name: name_of(id),
                        mark: mark(self.app_status(id)),
                        button,
                    })
                })
                .collect::<Vec<_>>();
            if !entries.is_empty() || !cards.is_empty() {
                frame.below.push(PanelJob {
                    kind: PanelKind::Home,
                    rect: local,
                    content: Content::Home(HomeContent {
                        theme,
                        entries,
                        cards,
                    }),
                });
            }
        }

        for slot in self.waiting_slots(output) {
            frame.below.push(PanelJob {
                kind: PanelKind::Waiting(slot.app_id.clone()),
                rect: slot.rect,
                content: Content::Waiting(WaitingContent {
                    theme,
                    icon: icon_of(&slot.app_id),
                    app_name: name_of(&slot.app_id),
                    waiting: slot.waiting,
                }),
            });
        }

        if self.camera_due()
            && let Some(output_geometry) = self.space.output_geometry(output)
        {
            // Above every app, projection included: the picture with its bars and guide
            // lines, or the fallback screen.
            let screen = Rectangle::from_size(output_geometry.size);
            match self.camera_picture() {
                crate::camera::CameraPicture::Frame(camera_frame) => {
                    let picture = crate::camera::view::picture_rect(
                        screen,
                        camera_frame.width(),
                        camera_frame.height(),
                    );
                    frame.above.push(PanelJob {
                        kind: PanelKind::Camera,
                        rect: screen,
                        content: Content::CameraOverlay(CameraOverlay { picture }),
                    });
                    frame.camera = Some(CameraShot {
                        frame: camera_frame,
                        picture,
                    });
                }
                crate::camera::CameraPicture::Starting => frame.above.push(PanelJob {
                    kind: PanelKind::Camera,
                    rect: screen,
                    content: Content::CameraStarting,
                }),
                crate::camera::CameraPicture::Unavailable => frame.above.push(PanelJob {
                    kind: PanelKind::Camera,
                    rect: screen,
                    content: Content::CameraUnavailable,
                }),
            }
            return frame;
        }

        if let Some(output_geometry) = self.space.output_geometry(output) {
            for window in self.space.elements() {
                let Some(toplevel) = window.toplevel() else {
                    continue;
                };
                let reason = if self.watchdog.is_hung(&toplevel.client()) {
                    CoverReason::NotResponding
                } else if self
                    .car
                    .restricts(crate::vehicle_signals::driving::ux::NO_VIDEO)
                    && self.shows_video(window)
                {
                    CoverReason::WhileDriving
                } else {
                    continue;
                };
                // The whole slot, whatever geometry the app gives its window: it draws
                // nothing outside its slot (render.rs), so nothing of it shows past this.
                let Some(visible) = crate::shell::activation::shown_slot(window)
                    .and_then(|slot| slot.intersection(output_geometry))
                else {
                    continue;
                };
                let id = window_app_id(window);
                frame.above.push(PanelJob {
                    kind: PanelKind::Cover(format!("{:?}", toplevel.wl_surface())),
                    rect: Rectangle::new(visible.loc - output_geometry.loc, visible.size),
                    content: Content::Cover(CoverContent {
                        app_name: if id.is_empty() {
                            "The app".into()
                        } else {
                            name_of(&id)
                        },
                        reason,
                    }),
                });
            }
        }
        frame
    }

    /// Whether a window shows video: its app is configured `video = true`, or its surface is
    /// tagged video with wp_content_type_v1.
    pub fn shows_video(&self, window: &smithay::desktop::Window) -> bool {
        use smithay::reexports::wayland_protocols::wp::content_type::v1::server::wp_content_type_v1::Type;
        use smithay::wayland::content_type::ContentTypeSurfaceCachedState;
        let id = window_app_id(window);
        if self.config.app(&id).is_some_and(|app| app.video) {
            return true;
        }
        let Some(toplevel) = window.toplevel() else {
            return false;
        };
        smithay::wayland::compositor::with_states(toplevel.wl_surface(), |states| {
            *states
                .cached_state
                .get::<ContentTypeSurfaceCachedState>()
                .current()
                .content_type()
                == Type::Video
        })
    }

    /// Redraws at every minute boundary, for the clock.
    pub fn chrome_start_clock(&mut self) {
        let inserted = self.loop_handle.insert_source(
            Timer::from_duration(until_next_minute()),
            |_, _, state| {
                state.queue_redraw_all();
                TimeoutAction::ToDuration(until_next_minute())
            },
        );
        if let Err(err) = inserted {
            warn!("could not start the status bar clock: {err}");
        }
    }
}

/// From now to the next minute of the wall clock (plus a little, to land after it).
fn until_next_minute() -> Duration {
    let now = jiff::Timestamp::now();
    let into_minute = now.as_millisecond().rem_euclid(60_000) as u64;
    Duration::from_millis(60_000 - into_minute + 20)
}
