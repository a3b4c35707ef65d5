//! cowl-nav: Cowl's navigation app. The map data pipeline (OpenStreetMap extract to a
//! compact map file), the router, and the app built on them.

pub mod app;
pub mod audio_focus;
pub mod geo;
pub mod guidance;
pub mod guidance_bus;
pub mod lines;
pub mod mapdata;
pub mod osm_rules;
pub mod places;
pub mod preprocess;
pub mod render;
pub mod routing;
pub mod voice;
