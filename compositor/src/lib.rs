//! The parts of Cowl that need no display: the vehicle's signals (DBC decoding, candump logs).
//! They form a library so that `cowlctl`, the benchmarks and the tests use exactly the code the
//! compositor runs.

pub mod vehicle;
