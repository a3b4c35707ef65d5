//! The parts of Cowl that need no display: the configuration, the vehicle's signals (DBC
//! decoding, candump logs) and the link to the camera helper. They form a library so that
//! `cowlctl`, `cowl-camera`, the benchmarks, the tests and the fuzz targets use exactly the
//! code the compositor runs.

pub mod camera_link;
pub mod config;
pub mod vehicle;
