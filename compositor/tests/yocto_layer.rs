//! The Yocto layer (`yocto-layer/`, meta-cowl) as far as it can be checked without a build:
//! the crates its recipes fetch (`cowl-crates.inc`) are exactly those of Cargo.lock, with
//! their sha256 sums, and a drift is caught; oelint-adv finds nothing in any recipe, class
//! or include; bitbake's own parser parses layer.conf and every recipe, and what they name
//! exists (scripts/check-layer.py). The checkers come from PyPI, pinned
//! (tests/yocto/fetch-checkers.sh, run by `.ci/install-deps test`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn layer() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../yocto-layer"))
}

/// Where fetch-checkers.sh installed oelint-adv and bitbake's `bb` package.
fn checkers() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/yocto/checkers");
    assert!(
        dir.join(".complete").exists(),
        "the layer's checkers are not installed: run .ci/install-deps test \
         (or compositor/tests/yocto/fetch-checkers.sh)"
    );
    dir
}

/// oelint-adv with the layer's settings (its .oelint.cfg) on `files`, run in `layer`.
fn oelint(layer: &Path, files: &[&str]) -> (bool, String) {
    let output = Command::new("python3")
        .args(["-m", "oelint_adv", "--quiet", "--relpaths", "--jobs", "1"])
        .args(files)
        .current_dir(layer)
        .env("PYTHONPATH", checkers())
        .output()
        .expect("run python3 (is the python3 package installed?)");
    let findings = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), findings)
}

/// The layer's files with one of these extensions, relative to the layer, sorted; the
/// stand-ins under scripts/ are not the layer's.
fn layer_files(layer: &Path, extensions: &[&str]) -> Vec<String> {
    fn walk(folder: &Path, layer: &Path, extensions: &[&str], found: &mut Vec<String>) {
        for entry in std::fs::read_dir(folder)
            .expect("read a layer folder")
            .flatten()
        {
            let path = entry.path();
            let relative = path.strip_prefix(layer).expect("inside the layer");
            if path.is_dir() {
                if relative != Path::new("scripts") {
                    walk(&path, layer, extensions, found);
                }
            } else if path
                .extension()
                .is_some_and(|ext| extensions.iter().any(|wanted| ext == *wanted))
            {
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    let mut found = Vec::new();
    walk(layer, layer, extensions, &mut found);
    found.sort();
    found
}

#[test]
fn oelint_adv_finds_nothing_in_the_layer_and_would_find_a_slip() {
    let files = layer_files(layer(), &["conf", "bb", "bbappend", "inc", "bbclass"]);
    assert!(
        files.iter().filter(|file| file.ends_with(".bb")).count() >= 6,
        "{files:?}"
    );
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    let (clean, findings) = oelint(layer(), &names);
    assert!(
        clean && findings.trim().is_empty(),
        "oelint-adv:\n{findings}"
    );

    // The same recipe with DEPENDS overwritten after its include: oelint-adv says so.
    let copy = tempfile::tempdir().expect("a temporary directory");
    copy_dir(layer(), copy.path());
    let recipe = copy.path().join("recipes-cowl/cowl/cowl-media_git.bb");
    let text = std::fs::read_to_string(&recipe).expect("the media recipe");
    std::fs::write(&recipe, text.replace("DEPENDS += \"", "DEPENDS = \""))
        .expect("write the slipped recipe");
    let (_, findings) = oelint(copy.path(), &["recipes-cowl/cowl/cowl-media_git.bb"]);
    assert!(
        findings.contains("oelint.vars.dependsappend"),
        "oelint-adv missed the slip:\n{findings}"
    );
}

fn check_layer(layer: &Path) -> std::process::Output {
    Command::new("python3")
        .arg(layer.join("scripts/check-layer.py"))
        .arg("--bitbake")
        .arg(checkers())
        .output()
        .expect("run python3 (is the python3 package installed?)")
}

#[test]
fn bitbake_parses_the_layer_and_what_its_recipes_name_exists() {
    let parsed = check_layer(layer());
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&parsed.stdout),
        String::from_utf8_lossy(&parsed.stderr)
    );
    assert!(parsed.status.success(), "{report}");
    let recipes = layer_files(layer(), &["bb"]).len();
    assert!(
        report.contains(&format!("{recipes} of {recipes} recipes parsed by bitbake")),
        "{report}"
    );

    // A recipe that inherits a class nobody has, and one that ships a file it lacks.
    let copy = tempfile::tempdir().expect("a temporary directory");
    copy_dir(layer(), copy.path());
    let media = copy.path().join("recipes-cowl/cowl/cowl-media_git.bb");
    let mut text = std::fs::read_to_string(&media).expect("the media recipe");
    text.push_str("inherit no-such-class\n");
    std::fs::write(&media, text).expect("write the broken recipe");
    let nav = copy.path().join("recipes-cowl/cowl/cowl-nav_git.bb");
    let mut text = std::fs::read_to_string(&nav).expect("the nav recipe");
    text.push_str("SRC_URI += \"file://forgotten.conf\"\n");
    std::fs::write(&nav, text).expect("write the broken recipe");
    let broken = check_layer(copy.path());
    let report = String::from_utf8_lossy(&broken.stdout);
    assert!(!broken.status.success(), "{report}");
    assert!(
        report.contains("cowl-media_git.bb: bitbake cannot parse it")
            && report.contains("no-such-class"),
        "{report}"
    );
    assert!(
        report.contains("cowl-nav_git.bb: SRC_URI's file://forgotten.conf is not beside"),
        "{report}"
    );
}

/// Copies a folder tree (the layer: a few small files).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("make a folder");
    for entry in std::fs::read_dir(from).expect("read a folder").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy a file");
        }
    }
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
