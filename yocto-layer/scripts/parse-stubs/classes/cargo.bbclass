# A stand-in for oe-core's cargo class (cargo_common, rust-target-config): builds CARGO_SRC_DIR with the crates of the recipe's SRC_URI.
# Only parsed by scripts/check-layer.py; a real build uses oe-core's.
CARGO_SRC_DIR ??= ""
CARGO_MANIFEST_PATH ??= "${S}/${CARGO_SRC_DIR}/Cargo.toml"
