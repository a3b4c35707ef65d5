//! The navigation app's window: the map view filling it, the next-maneuver banner on top
//! while guiding (a tap on it lists the maneuvers to come), a column of touch-sized buttons (places, zoom, recentre, end), the places
//! list with its search (the field hidden, and the list short and nearest first, while the
//! car restricts), and the OpenStreetMap attribution. The app follows the vehicle heading-up until the
//! driver pans, and a long press on the map or a place from the list starts guidance.
//!
//! Where the vehicle is comes from the car (Vehicle1's GNSS location, course and speed),
//! snapped to the road; while the location is unknown (a tunnel) guidance carries the car
//! along the route by its speed. `--simulate` drives each route by itself instead.

pub mod map_view;

use std::sync::Arc;
use std::time::{Duration, Instant};

use iced::widget::{
    Space, button, column, container, row, scrollable, shader, stack, text, text_input,
};
use iced::{Alignment, Color, Element, Font, Length, Subscription, Task, Theme as IcedTheme};

use cowl_sdk::vehicle::{CarUpdate, Motion, ux};

use crate::geo::{LatLon, Point, UNITS_PER_M};
use crate::guidance::{self, Event as GuidanceEvent, Fix, Guidance};
use crate::mapdata::{MapData, Polyline};
use crate::places;
use crate::render::Camera;
use crate::render::style::Theme;
use crate::routing::snap;
use crate::voice::{self, Voice};
use cowl_sdk::guidance::distance_words;
use map_view::{Gesture, MapView};

pub const APP_ID: &str = "org.cowl.Navigation";
/// The apps' typeface and smallest touch target (cowl_sdk::ui).
use cowl_sdk::ui::{FONT_BOLD, FONT_REGULAR, TOUCH_TARGET};
const FONT: Font = Font::with_name(cowl_sdk::ui::FONT_FAMILY);
/// Pixels per metre: street level, and the limits of zoom.
const STREET_SCALE: f32 = 1.5;
const SCALE_LIMITS: (f32, f32) = (0.05, 8.0);
/// The simulated drive's speed and position rate.
const SIMULATED_SPEED_MPS: f64 = 12.0;
const FIX_INTERVAL: Duration = Duration::from_millis(200);
/// GNSS course over ground is noise when the car crawls or stands: below this speed the
/// vehicle keeps the heading it had.
const COURSE_MIN_KMH: f64 = 10.0;
/// A position from the car this far from any road is drawn where it is, not on a road.
const SNAP_TO_ROAD_M: f64 = 30.0;
/// The longest gap between two steps of dead reckoning (a stalled window does not jump).
const RECKON_STEP_LIMIT: Duration = Duration::from_secs(1);

/// How the app is started.
pub struct Options {
    pub map: Arc<MapData>,
    /// Drive along each route by itself (development without a car), instead of following
    /// the car's position.
    pub simulate: bool,
    pub theme: Theme,
    /// Follow the car (day and night, restrictions) through Cowl's Vehicle1.
    pub follow_car: bool,
    /// The spoken prompts (none: silent).
    pub voice: Option<Voice>,
    /// A place (by name) to start guidance to at once (the demo's drive).
    pub destination: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Gesture(Gesture),
    ZoomIn,
    ZoomOut,
    Recentre,
    TogglePlaces,
    ToggleManeuvers,
    Search(String),
    Go(usize),
    EndGuidance,
    Tick,
    Car(CarUpdate),
}

impl From<Gesture> for Message {
    fn from(gesture: Gesture) -> Message {
        Message::Gesture(gesture)
    }
}

struct App {
    map: Arc<MapData>,
    camera: Camera,
    theme: Theme,
    /// Where the vehicle is and which way it heads (radians counter-clockwise from east).
    vehicle: Option<(Point, f64)>,
    following: bool,
    places_open: bool,
    /// The list of maneuvers to come is shown (under the banner).
    maneuvers_open: bool,
    /// What the driver typed into the places search.
    query: String,
    guidance: Option<Guidance>,
    route_line: Option<Arc<Polyline>>,
    banner: Option<Banner>,
    simulate: bool,
    /// The simulated car's distance along the route line, metres.
    driven_m: f64,
    /// Follow the car on the session bus (off in offscreen tools).
    follow_car: bool,
    /// The car's UxRestrictions bits (none until Cowl says).
    restrictions: u32,
    voice: Option<Voice>,
    /// The car's speed, metres a second, while known.
    speed_mps: Option<f64>,
    /// Dead reckoning: since when the car has been carried along the route without a
    /// location (none while GNSS gives one).
    reckoned_at: Option<Instant>,
    /// Where guidance leads (the picked point), while it does.
    destination: Option<Point>,
    /// The guidance on Cowl's bus, for its home view (none in offscreen tools).
    guidance_bus: Option<crate::guidance_bus::GuidanceBus>,
}

/// The next maneuver as the banner shows it.
#[derive(Debug, Clone)]
struct Banner {
    /// Its index in the route's maneuvers.
    next: usize,
    instruction: String,
    onto: Option<String>,
    distance_m: f64,
    remaining_m: f64,
}

/// Runs the window until it is closed.
pub fn run(options: Options) -> iced::Result {
    let options = std::sync::Mutex::new(options);
    let boot = move || {
        let mut options = options
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        App::new(&mut options)
    };
    iced::application(boot, App::update, App::view)
        .title("Navigation")
        .subscription(App::subscription)
        .theme(App::iced_theme)
        .font(FONT_REGULAR)
        .font(FONT_BOLD)
        .default_font(FONT)
        .window(iced::window::Settings {
            platform_specific: iced::window::settings::PlatformSpecific {
                application_id: APP_ID.to_string(),
                ..Default::default()
            },
            ..Default::default()
        })
        .run()
}

fn metres(point: Point) -> [f32; 2] {
    [
        (f64::from(point[0]) / UNITS_PER_M) as f32,
        (f64::from(point[1]) / UNITS_PER_M) as f32,
    ]
}

impl App {
    fn new(options: &mut Options) -> App {
        let map = options.map.clone();
        let middle = [
            (map.bounds[0][0] / 2).saturating_add(map.bounds[1][0] / 2),
            (map.bounds[0][1] / 2).saturating_add(map.bounds[1][1] / 2),
        ];
        // The simulated car starts on the road nearest the middle of the map.
        let vehicle = options.simulate.then(|| {
            snap::snap(
                &map.graph,
                middle,
                None,
                f64::MAX,
                snap::all_edges(&map.graph),
            )
            .map(|snapped| (snapped.at, 0.0))
        });
        let vehicle = vehicle.flatten();
        let camera = Camera::centred_on(vehicle.map_or(middle, |(at, _)| at), STREET_SCALE, [0, 0]);
        let mut app = App {
            map,
            camera,
            theme: options.theme,
            vehicle,
            following: vehicle.is_some(),
            places_open: false,
            maneuvers_open: false,
            query: String::new(),
            guidance: None,
            route_line: None,
            banner: None,
            simulate: options.simulate,
            driven_m: 0.0,
            follow_car: options.follow_car,
            restrictions: 0,
            voice: options.voice.take(),
            speed_mps: None,
            reckoned_at: None,
            destination: None,
            guidance_bus: options
                .follow_car
                .then(|| crate::guidance_bus::GuidanceBus::start(APP_ID)),
        };
        if let Some(name) = &options.destination {
            let place = app
                .map
                .places
                .iter()
                .find(|place| place.name.eq_ignore_ascii_case(name))
                .map(|place| place.at);
            match place {
                Some(at) => app.start_guidance(at),
                None => tracing::warn!(name, "no such place on the map"),
            }
        }
        app
    }

    fn iced_theme(&self) -> IcedTheme {
        match self.theme {
            Theme::Day => IcedTheme::Light,
            Theme::Night => IcedTheme::Dark,
        }
    }

    /// A point on screen (logical pixels from the map's centre, y down) on the map.
    fn to_map(&self, on_screen: iced::Vector) -> Point {
        let [east, north] = self.camera.to_metres([on_screen.x, -on_screen.y]);
        [
            (f64::from(east) * UNITS_PER_M).round() as i32,
            (f64::from(north) * UNITS_PER_M).round() as i32,
        ]
    }

    fn zoom_about(&mut self, factor: f32, about: iced::Vector) {
        let fixed = metres(self.to_map(about));
        let scale = (self.camera.scale * factor).clamp(SCALE_LIMITS.0, SCALE_LIMITS.1);
        let applied = scale / self.camera.scale;
        self.camera.scale = scale;
        // The point under the fingers stays under them.
        for (centre, fixed) in self.camera.center.iter_mut().zip(fixed) {
            *centre = fixed + (*centre - fixed) / applied;
        }
    }

    fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Gesture(Gesture::Pan(delta)) => {
                self.following = false;
                // The map moves with the finger: the centre moves against it.
                self.camera.center = self.camera.to_metres([-delta.x, delta.y]);
            }
            Message::Gesture(Gesture::ZoomTurn {
                factor,
                turn,
                about,
            }) => {
                self.zoom_about(factor, about);
                if turn != 0.0 {
                    self.following = false;
                    self.camera.rotation += turn;
                }
            }
            Message::Gesture(Gesture::DoubleTap(at)) => self.zoom_about(2.0, at),
            Message::Gesture(Gesture::LongPress(at)) => {
                let target = self.to_map(at);
                self.start_guidance(target);
            }
            Message::ZoomIn => self.zoom_about(1.5, iced::Vector::ZERO),
            Message::ZoomOut => self.zoom_about(1.0 / 1.5, iced::Vector::ZERO),
            Message::Recentre => {
                self.following = self.vehicle.is_some();
                self.follow_vehicle();
            }
            Message::TogglePlaces => {
                self.places_open = !self.places_open;
                self.maneuvers_open = false;
            }
            Message::ToggleManeuvers => {
                self.maneuvers_open = !self.maneuvers_open && self.guidance.is_some();
                self.places_open = false;
            }
            Message::Search(query) => {
                // Typing is for when the car stands (a field that is hidden types nothing).
                if self.keyboard_allowed() {
                    self.query = query;
                }
            }
            Message::Go(index) => {
                if let Some(place) = self.map.places.get(index) {
                    let at = place.at;
                    self.places_open = false;
                    self.start_guidance(at);
                }
            }
            Message::EndGuidance => {
                self.maneuvers_open = false;
                self.guidance = None;
                self.route_line = None;
                self.banner = None;
                self.reckoned_at = None;
                self.destination = None;
                self.publish_guidance();
            }
            Message::Tick if self.simulate => self.drive_simulated(),
            Message::Tick => self.reckon(),
            Message::Car(CarUpdate::Motion(motion)) => self.follow_motion(motion),
            Message::Car(CarUpdate::Night(night)) => {
                self.theme = if night { Theme::Night } else { Theme::Day };
            }
            Message::Car(CarUpdate::Restrictions(bits)) => self.restrictions = bits,
        }
        Task::none()
    }

    /// Guidance from the vehicle (or the map's centre, until the car's position is known)
    /// to the road nearest `target`.
    fn start_guidance(&mut self, target: Point) {
        let graph = &self.map.graph;
        let Some(end) = snap::snap(graph, target, None, 200.0, snap::all_edges(graph)) else {
            tracing::info!("no road near the picked point");
            return;
        };
        let destination = graph.edges[end.edge as usize].to;
        let (at, heading) = self.vehicle.unwrap_or((
            [
                (f64::from(self.camera.center[0]) * UNITS_PER_M) as i32,
                (f64::from(self.camera.center[1]) * UNITS_PER_M) as i32,
            ],
            0.0,
        ));
        let fix = Fix {
            at,
            heading: self.vehicle.map(|_| heading),
        };
        match Guidance::start(self.map.clone(), fix, destination) {
            Some(guidance) => {
                self.route_line = Some(Arc::new(guidance.line()));
                self.guidance = Some(guidance);
                self.destination = Some(target);
                self.driven_m = 0.0;
                self.update_banner(None);
                if self.vehicle.is_some() {
                    self.following = true;
                }
            }
            None => tracing::info!("no route to the picked point"),
        }
    }

    fn update_banner(&mut self, progress: Option<guidance::Progress>) {
        let Some(guidance) = &self.guidance else {
            self.banner = None;
            return;
        };
        let maneuvers = guidance.maneuvers();
        let (next, distance_m, remaining_m) = match progress {
            Some(progress) => (progress.next, progress.to_next_m, progress.remaining_m),
            None => {
                let distance = maneuvers.get(1).map_or(0, |m| m.distance_dm);
                (
                    1,
                    distance as f64 / UNITS_PER_M,
                    guidance.route().length_dm as f64 / UNITS_PER_M,
                )
            }
        };
        self.banner = maneuvers.get(next).map(|maneuver| Banner {
            next,
            instruction: maneuver.turn.instruction().to_string(),
            onto: maneuver.onto.clone(),
            distance_m,
            remaining_m,
        });
        self.publish_guidance();
    }

    /// Tells Cowl's bus what the banner says (or that guidance ended).
    fn publish_guidance(&mut self) {
        let state = match (&self.banner, &self.guidance) {
            (Some(banner), Some(guidance)) => {
                // The route's own time, in proportion to what is left of it.
                let route_m = guidance.route().length_dm as f64 / UNITS_PER_M;
                let route_s = guidance.route().millis as f64 / 1000.0;
                let share = if route_m > 0.0 {
                    (banner.remaining_m / route_m).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                cowl_sdk::guidance::GuidanceState {
                    active: true,
                    instruction: banner.instruction.clone(),
                    onto: banner.onto.clone().unwrap_or_default(),
                    // Whole metres: a fix's jitter below a metre is no news.
                    maneuver_distance_m: banner.distance_m.round(),
                    remaining_distance_m: banner.remaining_m.round(),
                    remaining_time_s: (route_s * share).round() as u32,
                }
            }
            _ => cowl_sdk::guidance::GuidanceState::default(),
        };
        if let Some(bus) = &mut self.guidance_bus {
            bus.publish(state);
        }
    }

    fn follow_vehicle(&mut self) {
        if let (true, Some((at, heading))) = (self.following, self.vehicle) {
            self.camera.center = metres(at);
            // Heading up.
            self.camera.rotation = (std::f64::consts::FRAC_PI_2 - heading) as f32;
        }
    }

    /// Moves the simulated car along the route and feeds its fix to guidance.
    fn drive_simulated(&mut self) {
        let Some(line) = self.route_line.clone() else {
            return;
        };
        self.driven_m += SIMULATED_SPEED_MPS * FIX_INTERVAL.as_secs_f64();
        let Some((at, heading)) = point_along(&line, self.driven_m) else {
            return;
        };
        self.vehicle = Some((at, heading));
        let events = self
            .guidance
            .as_mut()
            .map(|guidance| {
                guidance.update(Fix {
                    at,
                    heading: Some(heading),
                })
            })
            .unwrap_or_default();
        self.follow_guidance(events);
        self.follow_vehicle();
    }

    /// The car's position and motion from Vehicle1: a fix for guidance, or the start of
    /// dead reckoning when the location is gone.
    fn follow_motion(&mut self, motion: Motion) {
        if self.simulate {
            return;
        }
        self.speed_mps = motion.speed_kmh.map(|kmh| kmh / 3.6);
        let Some((lat, lon)) = motion.location else {
            // GNSS lost: guidance carries the car on (on the ticks) while it knows the speed.
            if self.guidance.is_some() && self.reckoned_at.is_none() {
                tracing::info!("no location from the car: reckoning along the route");
                self.reckoned_at = Some(Instant::now());
            }
            return;
        };
        self.reckoned_at = None;
        let at = self.map.projection.project(LatLon { lat, lon });
        let moving = motion
            .speed_kmh
            .is_some_and(|kmh| kmh.abs() >= COURSE_MIN_KMH);
        // Clockwise from north to the map's counter-clockwise from east.
        let course = motion
            .heading_deg
            .map(|course| std::f64::consts::FRAC_PI_2 - course.to_radians());
        let kept = self.vehicle.map(|(_, heading)| heading);
        // Standing, the course is only a hint: for the first fix, better than none.
        let heading = if moving {
            course.or(kept)
        } else {
            kept.or(course)
        };
        let first = self.vehicle.is_none();
        // Which way the car points is unknown until it moves: north up meanwhile.
        self.vehicle = Some((at, heading.unwrap_or(std::f64::consts::FRAC_PI_2)));
        if first {
            tracing::info!(lat, lon, "the car's position");
            self.following = true;
            // A route planned from the map's centre, before the car was known, now starts
            // from the car.
            if let (Some(destination), true) = (self.destination, self.guidance.is_some()) {
                self.start_guidance(destination);
            }
        }
        let fix = Fix { at, heading };
        match self.guidance.as_mut().map(|guidance| guidance.update(fix)) {
            Some(events) => self.follow_guidance(events),
            None => {
                // Drawn on the road it is on, not where GNSS put it.
                let graph = &self.map.graph;
                if let Some(snapped) =
                    snap::snap(graph, at, heading, SNAP_TO_ROAD_M, snap::all_edges(graph))
                {
                    self.vehicle =
                        Some((snapped.at, heading.unwrap_or(std::f64::consts::FRAC_PI_2)));
                }
            }
        }
        self.follow_vehicle();
    }

    /// One step of dead reckoning: the distance driven since the last.
    fn reckon(&mut self) {
        let (Some(since), Some(speed)) = (self.reckoned_at, self.speed_mps) else {
            return;
        };
        let now = Instant::now();
        let elapsed = now.duration_since(since).min(RECKON_STEP_LIMIT);
        self.reckoned_at = Some(now);
        let events = self
            .guidance
            .as_mut()
            .map(|guidance| guidance.dead_reckon(speed * elapsed.as_secs_f64()))
            .unwrap_or_default();
        self.follow_guidance(events);
        self.follow_vehicle();
    }

    /// What guidance said of the latest fix: the banner, prompts, a new route, the end.
    fn follow_guidance(&mut self, events: Vec<GuidanceEvent>) {
        for event in events {
            match event {
                GuidanceEvent::Progress(progress) => {
                    // Drawn where the fix matched the road, along it, not where GNSS put it.
                    self.vehicle = Some((progress.on_route, progress.heading));
                    self.update_banner(Some(progress));
                }
                GuidanceEvent::Prompt { maneuver, stage } => {
                    let turn = self
                        .guidance
                        .as_ref()
                        .and_then(|guidance| guidance.maneuvers().get(maneuver))
                        .map(|maneuver| maneuver.turn);
                    if let (Some(voice), Some(prompt)) = (
                        &self.voice,
                        turn.and_then(|turn| voice::prompt_for(turn, stage)),
                    ) {
                        voice.say(&prompt);
                    }
                }
                GuidanceEvent::OffRoute => tracing::info!("off the route"),
                GuidanceEvent::Rerouted => {
                    if let Some(voice) = &self.voice {
                        voice.say(voice::REROUTED);
                    }
                    if let Some(guidance) = &self.guidance {
                        self.route_line = Some(Arc::new(guidance.line()));
                        self.driven_m = 0.0;
                    }
                }
                GuidanceEvent::Arrived => {
                    tracing::info!("arrived");
                    self.maneuvers_open = false;
                    self.guidance = None;
                    self.route_line = None;
                    self.banner = None;
                    self.reckoned_at = None;
                    self.destination = None;
                    self.publish_guidance();
                }
            }
        }
    }

    /// Whether the car limits what the driver may browse (moving).
    fn limits_content(&self) -> bool {
        self.restrictions & ux::LIMIT_CONTENT != 0
    }

    /// Whether the driver may type (not while moving).
    fn keyboard_allowed(&self) -> bool {
        self.restrictions & ux::NO_KEYBOARD == 0
    }

    fn subscription(&self) -> Subscription<Message> {
        // Only a simulated drive and dead reckoning tick; otherwise nothing wakes the window
        // but the car and the driver.
        let reckoning = self.reckoned_at.is_some() && self.speed_mps.is_some();
        let ticks = if (self.simulate || reckoning) && self.guidance.is_some() {
            iced::time::every(FIX_INTERVAL).map(|_| Message::Tick)
        } else {
            Subscription::none()
        };
        let car = if self.follow_car {
            Subscription::run(car_updates)
        } else {
            Subscription::none()
        };
        Subscription::batch([ticks, car])
    }

    fn view(&self) -> Element<'_, Message> {
        let palette = Palette::of(self.theme);
        let map = shader(MapView {
            map: self.map.clone(),
            camera: self.camera,
            theme: self.theme,
            route: self.route_line.clone(),
            vehicle: self.vehicle,
        })
        .width(Length::Fill)
        .height(Length::Fill);
        let ground = container(map)
            .width(Length::Fill)
            .height(Length::Fill)
            .style(move |_| container::Style {
                background: Some(palette.ground.into()),
                ..Default::default()
            });

        let control = |label: &'static str, message: Message| {
            button(text(label).size(22).center())
                .width(TOUCH_TARGET)
                .height(TOUCH_TARGET)
                .on_press(message)
                .style(move |_, status| palette.button(status))
        };
        let mut controls = column![
            control("☰", Message::TogglePlaces),
            control("+", Message::ZoomIn),
            control("−", Message::ZoomOut),
        ]
        .spacing(12);
        if self.vehicle.is_some() && !self.following {
            controls = controls.push(control("◎", Message::Recentre));
        }
        if self.guidance.is_some() {
            controls = controls.push(control("✕", Message::EndGuidance));
        }

        let mut overlay = column![]
            .spacing(12)
            .padding(16)
            .width(Length::Fill)
            .height(Length::Fill);
        if let Some(banner) = &self.banner {
            overlay = overlay.push(banner_view(banner, palette));
        }
        let maneuvers = match (&self.banner, &self.guidance, self.maneuvers_open) {
            (Some(banner), Some(guidance), true) => {
                Some(self.maneuvers_view(banner, guidance.maneuvers(), palette))
            }
            _ => None,
        };
        let attribution = text("© OpenStreetMap contributors (ODbL)")
            .size(13)
            .color(palette.muted);
        let places: Element<'_, Message> = if let Some(maneuvers) = maneuvers {
            maneuvers
        } else if self.places_open {
            self.places_view(palette)
        } else {
            Space::new().width(Length::Fill).into()
        };
        overlay = overlay.push(
            row![places, controls]
                .spacing(12)
                .height(Length::Fill)
                .align_y(Alignment::Start),
        );
        overlay = overlay.push(attribution);
        stack![ground, overlay].into()
    }
}

impl App {
    /// The maneuvers after the next one (which the banner shows), each with how far ahead
    /// it is; a few only while the car limits content.
    fn maneuvers_view<'a>(
        &self,
        banner: &Banner,
        maneuvers: &'a [crate::routing::Maneuver],
        palette: Palette,
    ) -> Element<'a, Message> {
        let limit = if self.limits_content() {
            places::LIMITED_ROWS
        } else {
            usize::MAX
        };
        let mut ahead_m = banner.distance_m;
        let mut rows = column![].spacing(4).width(Length::Fill);
        let upcoming = maneuvers.iter().skip(banner.next + 1);
        let count = upcoming.clone().count();
        for maneuver in upcoming.take(limit) {
            ahead_m += maneuver.distance_dm as f64 / UNITS_PER_M;
            let headline = match &maneuver.onto {
                Some(onto) => format!("{} onto {onto}", maneuver.turn.instruction()),
                None => maneuver.turn.instruction().to_string(),
            };
            rows = rows.push(
                container(
                    row![
                        text(distance_words(ahead_m))
                            .size(18)
                            .width(90)
                            .color(palette.muted),
                        text(headline).size(20).color(palette.text),
                    ]
                    .spacing(12)
                    .align_y(Alignment::Center),
                )
                .width(Length::Fill)
                .height(TOUCH_TARGET)
                .align_y(Alignment::Center)
                .padding([0, 8]),
            );
        }
        if count > limit {
            rows = rows.push(text("More when parked").size(18).color(palette.muted));
        }
        if count == 0 {
            rows = rows.push(text("Nothing more to come.").size(18).color(palette.muted));
        }
        side_panel(scrollable(rows).height(Length::Fill), palette)
    }

    /// The places list: a search field on top while the driver may type, the matches below
    /// (nearest first once the car is known; a few only while the car limits content).
    fn places_view(&self, palette: Palette) -> Element<'_, Message> {
        let typing = self.keyboard_allowed();
        let query = if typing { self.query.as_str() } else { "" };
        let near = self.vehicle.map(|(at, _)| at);
        let limit = self.limits_content().then_some(places::LIMITED_ROWS);
        let (found, more) = places::matching(&self.map.places, query, near, limit);
        let mut rows = column![].spacing(4);
        if found.is_empty() {
            rows = rows.push(
                text("No place matches the search.")
                    .size(18)
                    .color(palette.muted),
            );
        }
        for index in found {
            let place = &self.map.places[index];
            let detail = match near {
                Some(near) => format!(
                    "{} · {}",
                    place.kind,
                    distance_words(crate::geo::planar_m(place.at, near))
                ),
                None => place.kind.clone(),
            };
            rows = rows.push(
                button(
                    column![
                        text(&place.name).size(20).color(palette.text),
                        text(detail).size(13).color(palette.muted),
                    ]
                    .spacing(2),
                )
                .width(Length::Fill)
                .height(TOUCH_TARGET + 8.0)
                .on_press(Message::Go(index))
                .style(move |_, status| palette.row(status)),
            );
        }
        if more {
            rows = rows.push(text("More when parked").size(18).color(palette.muted));
        }
        let list = scrollable(rows).height(Length::Fill);
        let content: Element<'_, Message> = if typing {
            // Hidden, not just disabled, while moving: no field, no keyboard.
            let search = text_input("Search places", &self.query)
                .on_input(Message::Search)
                .size(20)
                .padding(14)
                .style(move |_, status| palette.field(status));
            column![search, list].spacing(8).into()
        } else {
            list.into()
        };
        side_panel(content, palette)
    }
}

/// The panel beside the buttons that the places and the maneuvers are listed in.
fn side_panel<'a>(
    content: impl Into<Element<'a, Message>>,
    palette: Palette,
) -> Element<'a, Message> {
    container(content)
        .width(Length::FillPortion(2))
        .height(Length::Fill)
        .padding(8)
        .style(move |_| container::Style {
            background: Some(palette.panel.into()),
            border: iced::Border::default().rounded(12),
            ..Default::default()
        })
        .into()
}

/// The car's day/night mode and restrictions, as Cowl publishes them (Vehicle1 on Cowl's
/// bus, `cowl_sdk::bus`), whenever Cowl is there.
fn car_updates() -> impl iced::futures::Stream<Item = Message> {
    iced::stream::channel(16, async |output| {
        let connection = match cowl_sdk::bus::connect().await {
            Ok(connection) => connection,
            Err(err) => {
                tracing::warn!("Cowl's bus is not there, so no day/night or restrictions: {err}");
                return;
            }
        };
        let followed = cowl_sdk::vehicle::follow(&connection, move |update| {
            let mut output = output.clone();
            let _ = output.try_send(Message::Car(update));
        })
        .await;
        if let Err(err) = followed {
            tracing::warn!("cannot follow the car: {err}");
        }
    })
}

/// The point `distance_m` along `line`, with the heading of the leg it is on.
fn point_along(line: &Polyline, distance_m: f64) -> Option<(Point, f64)> {
    let mut left = distance_m * UNITS_PER_M;
    for leg in line.0.windows(2) {
        let (a, b) = (leg[0], leg[1]);
        let (dx, dy) = (f64::from(b[0] - a[0]), f64::from(b[1] - a[1]));
        let length = dx.hypot(dy);
        if left <= length && length > 0.0 {
            let t = left / length;
            return Some((
                [
                    (f64::from(a[0]) + dx * t).round() as i32,
                    (f64::from(a[1]) + dy * t).round() as i32,
                ],
                dy.atan2(dx),
            ));
        }
        left -= length;
    }
    let last = line.0.windows(2).last()?;
    let (dx, dy) = (
        f64::from(last[1][0] - last[0][0]),
        f64::from(last[1][1] - last[0][1]),
    );
    Some((last[1], dy.atan2(dx)))
}

/// The banner; a tap on it opens or closes the list of maneuvers.
fn banner_view(banner: &Banner, palette: Palette) -> Element<'_, Message> {
    let headline = match &banner.onto {
        Some(onto) => format!("{} onto {onto}", banner.instruction),
        None => banner.instruction.clone(),
    };
    button(
        row![
            text(distance_words(banner.distance_m))
                .size(34)
                .color(palette.banner_text),
            column![
                text(headline).size(24).color(palette.banner_text),
                text(format!("{} to go", distance_words(banner.remaining_m)))
                    .size(16)
                    .color(palette.banner_text),
            ]
            .spacing(4),
        ]
        .spacing(24)
        .align_y(Alignment::Center),
    )
    .padding(16)
    .width(Length::Fill)
    .on_press(Message::ToggleManeuvers)
    .style(move |_, _| button::Style {
        background: Some(palette.banner.into()),
        text_color: palette.banner_text,
        border: iced::Border::default().rounded(12),
        ..Default::default()
    })
    .into()
}

/// The chrome's colours, day and night.
#[derive(Debug, Clone, Copy)]
struct Palette {
    ground: Color,
    panel: Color,
    text: Color,
    muted: Color,
    banner: Color,
    banner_text: Color,
    button: Color,
    button_text: Color,
}

fn rgb(hex: u32) -> Color {
    Color::from_rgb8((hex >> 16) as u8, (hex >> 8) as u8, hex as u8)
}

impl Palette {
    fn of(theme: Theme) -> Palette {
        match theme {
            Theme::Day => Palette {
                ground: rgb(0xf2efe9),
                panel: rgb(0xffffff),
                text: rgb(0x1f2328),
                muted: rgb(0x5b636e),
                banner: rgb(0x0b5b3c),
                banner_text: rgb(0xffffff),
                button: rgb(0xffffff),
                button_text: rgb(0x1f2328),
            },
            Theme::Night => Palette {
                ground: rgb(0x161b22),
                panel: rgb(0x202833),
                text: rgb(0xe6edf3),
                muted: rgb(0x9aa4b1),
                banner: rgb(0x0d4a32),
                banner_text: rgb(0xffffff),
                button: rgb(0x2a323d),
                button_text: rgb(0xe6edf3),
            },
        }
    }

    fn button(self, status: button::Status) -> button::Style {
        button::Style {
            background: Some(
                match status {
                    button::Status::Pressed => self.muted,
                    _ => self.button,
                }
                .into(),
            ),
            text_color: self.button_text,
            border: iced::Border::default().rounded(TOUCH_TARGET / 2.0),
            shadow: iced::Shadow {
                color: Color::from_rgba(0.0, 0.0, 0.0, 0.3),
                offset: iced::Vector::new(0.0, 2.0),
                blur_radius: 6.0,
            },
            ..Default::default()
        }
    }

    /// The search field: the map's ground colour inside the panel, outlined when focused.
    fn field(self, status: text_input::Status) -> text_input::Style {
        let focused = matches!(status, text_input::Status::Focused { .. });
        text_input::Style {
            background: self.ground.into(),
            border: iced::Border::default()
                .rounded(8)
                .width(if focused { 2.0 } else { 1.0 })
                .color(if focused { self.banner } else { self.muted }),
            icon: self.muted,
            placeholder: self.muted,
            value: self.text,
            selection: Color {
                a: 0.3,
                ..self.banner
            },
        }
    }

    fn row(self, status: button::Status) -> button::Style {
        button::Style {
            background: Some(
                match status {
                    button::Status::Pressed => self.muted,
                    _ => self.panel,
                }
                .into(),
            ),
            text_color: self.text,
            ..Default::default()
        }
    }
}
