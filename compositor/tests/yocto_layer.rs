//! The Yocto layer (`yocto-layer/`, meta-cowl) as far as it is checked here: the crates its
//! recipes fetch (`cowl-crates.inc`) are exactly those of Cargo.lock, with their sha256 sums,
//! and a lock that changes without the file being made again is caught.

use std::path::Path;
use std::process::Command;

fn layer() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../yocto-layer"))
}

fn make_crates_inc(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new("python3")
        .arg(layer().join("scripts/make-crates-inc.py"))
        .args(args)
        .output()
        .expect("run python3 (is the python3 package installed?)")
}

#[test]
fn the_crates_inc_matches_cargo_lock_and_a_drift_is_caught() {
    let current = make_crates_inc(&["--check".as_ref()]);
    assert!(
        current.status.success(),
        "{}",
        String::from_utf8_lossy(&current.stderr)
    );

    // One crate's checksum changed in the lock (as an update would): the file is stale.
    let lock = std::fs::read_to_string(layer().join("../Cargo.lock")).expect("Cargo.lock");
    let (at, _) = lock
        .match_indices("checksum = \"")
        .next()
        .expect("a checksum in Cargo.lock");
    let start = at + "checksum = \"".len();
    let mut changed = lock.clone();
    let flipped = if &lock[start..start + 1] == "0" {
        "1"
    } else {
        "0"
    };
    changed.replace_range(start..start + 1, flipped);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let changed_lock = dir.path().join("Cargo.lock");
    std::fs::write(&changed_lock, changed).expect("write the changed lock");
    let drifted = make_crates_inc(&[
        "--check".as_ref(),
        "--lock".as_ref(),
        changed_lock.as_os_str(),
    ]);
    assert!(!drifted.status.success(), "a drift must fail the check");
    assert!(
        String::from_utf8_lossy(&drifted.stderr).contains("has drifted"),
        "{}",
        String::from_utf8_lossy(&drifted.stderr)
    );

    // Every crate of the lock from crates.io is fetched and checked.
    let inc = std::fs::read_to_string(layer().join("recipes-cowl/cowl/cowl-crates.inc"))
        .expect("cowl-crates.inc");
    let from_crates_io = lock
        .matches("source = \"registry+https://github.com/rust-lang/crates.io-index\"")
        .count();
    assert_eq!(inc.matches("crate://crates.io/").count(), from_crates_io);
    assert_eq!(inc.matches(".sha256sum] = \"").count(), from_crates_io);
}
