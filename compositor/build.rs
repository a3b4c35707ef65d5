//! Link options for Cowl's binaries.
//!
//! Relative relocations packed (`-z pack-relative-relocs`, DT_RELR): Cowl's binary holds
//! some 67,000 relative relocations (vtables and other pointers in read-only data), which
//! the dynamic loader reads and applies at every start. Packed, their table shrinks from
//! about 1.6 MB to a few KB: less to read from storage before `main`, the part of start-up
//! that `start-up done`'s `before_main` measures. The binary then needs glibc 2.36 or later,
//! and says so (a GLIBC_ABI_DT_RELR version dependency): Debian 12 has 2.36, and every
//! Yocto release since 4.2 a later one. A linker without the option (GNU ld before 2.38)
//! only warns and links as before.

fn main() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if target_os == "linux" && target_env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
