//! cowl-media: the head unit's media app. A GStreamer player with a tagged library, served
//! over MPRIS2 and drawn by iced. See the crate's README for how the parts fit.

pub mod car;
pub mod engine;
pub mod focus;
pub mod library;
pub mod mpris;
pub mod player;
pub mod queue;
pub mod ui;
