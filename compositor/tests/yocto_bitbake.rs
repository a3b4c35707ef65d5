//! meta-cowl with the real Yocto tools: bitbake 2.18 and openembedded-core wrynose (the
//! release whose Rust, 1.94, Cowl is held to), unchanged upstream trees taken from the
//! tarballs in the workspace's `../shared/yocto/` (or the folder `COWL_YOCTO_DIR` names);
//! they are not on the package registries, so they are not fetched, and nothing of them is
//! committed.
//!
//! `bitbake -g cowl-image` in a build folder of oe-core's `meta` and the layer parses every
//! recipe, class and include of both (0 errors, no recipe skipped for an error of ours) and
//! resolves the image's whole dependency graph, which must hold every recipe of the layer.
//! A recipe broken on purpose (it inherits a class nobody has) makes the same parse fail,
//! so the check can fail.
//!
//! A test binary of its own, as the VM tests are: each parse keeps both cores busy for about
//! a minute, which the pixel and timing checks of `process` are better off without. Where
//! the tarballs are not there the tests say so and pass: the layer is then checked by
//! `yocto_layer.rs` alone (bitbake's parser from PyPI over stand-in classes).

use std::path::{Path, PathBuf};
use std::process::Command;

fn layer() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../yocto-layer")
}

/// The folder with the tarballs, if this machine has one.
fn tarballs() -> Option<PathBuf> {
    let folder = std::env::var_os("COWL_YOCTO_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/yocto"));
    let complete = ["bitbake-2.18.tar.xz", "openembedded-core-wrynose.tar.xz"]
        .iter()
        .all(|name| folder.join(name).is_file());
    if complete {
        Some(folder)
    } else {
        eprintln!(
            "SKIPPED: no Yocto tarballs in {} (set COWL_YOCTO_DIR): the layer is checked by \
             yocto_layer.rs alone",
            folder.display()
        );
        None
    }
}

/// bitbake and oe-core unpacked, and a build folder whose layers are oe-core's `meta` and
/// `layer`, with the settings the image is built with.
struct BuildFolder {
    dir: tempfile::TempDir,
}

impl BuildFolder {
    fn new(tarballs: &Path, layer: &Path) -> BuildFolder {
        // Under /tmp: bitbake's server socket lives in the build folder, and a socket's path
        // must stay under 108 bytes.
        let dir = tempfile::Builder::new()
            .prefix("cowl-bb-")
            .tempdir_in(std::env::temp_dir())
            .expect("a temporary directory");
        for tarball in ["bitbake-2.18.tar.xz", "openembedded-core-wrynose.tar.xz"] {
            let status = Command::new("tar")
                .arg("-xJf")
                .arg(tarballs.join(tarball))
                .current_dir(dir.path())
                .status()
                .expect("run tar");
            assert!(status.success(), "tar could not unpack {tarball}");
        }
        let conf = dir.path().join("build/conf");
        std::fs::create_dir_all(&conf).expect("make the build folder");
        let layers = format!(
            "BBPATH = \"${{TOPDIR}}\"\nBBFILES ?= \"\"\nBBLAYERS = \"{} {}\"\n",
            dir.path().join("openembedded-core/meta").display(),
            layer.canonicalize().expect("the layer's path").display()
        );
        std::fs::write(conf.join("bblayers.conf"), layers).expect("write bblayers.conf");
        // The image's settings (kas/cowl-image.yml: its machine and distro features, and
        // usrmerge, which systemd wants) on oe-core's own distro: poky's distro layer is not
        // among the tarballs. The host sanity checks are for building; nothing is built here.
        let local = "MACHINE = \"qemux86-64\"\n\
                     DISTRO_FEATURES:append = \" systemd wayland opengl vulkan usrmerge\"\n\
                     INIT_MANAGER = \"systemd\"\n\
                     INHERIT:remove = \"sanity\"\n";
        std::fs::write(conf.join("local.conf"), local).expect("write local.conf");
        BuildFolder { dir }
    }

    /// Runs bitbake with `args` in the build folder: whether it succeeded, and what it said.
    fn bitbake(&self, args: &[&str]) -> (bool, String) {
        let output = Command::new(self.dir.path().join("bitbake/bin/bitbake"))
            .args(args)
            .current_dir(self.dir.path().join("build"))
            // bitbake insists on a UTF-8 locale; C.UTF-8 is on every glibc system.
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .output()
            .expect("run bitbake (python3 is needed)");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), said)
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join("build").join(name))
            .unwrap_or_else(|err| panic!("bitbake wrote no {name}: {err}"))
    }
}

/// The layer's recipes by name (`cowl_git.bb` is `cowl`).
fn layer_recipes() -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![layer().join("recipes-cowl")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)
            .expect("read a recipe folder")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "bb") {
                let stem = path.file_stem().expect("a name").to_string_lossy();
                let name = stem.split('_').next().unwrap_or_default().to_string();
                found.push(name);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_real_bitbake_parses_oe_core_and_the_layer_and_resolves_the_image() {
    let Some(tarballs) = tarballs() else {
        return;
    };
    let build = BuildFolder::new(&tarballs, &layer());
    let (ok, said) = build.bitbake(&["-g", "cowl-image"]);
    assert!(ok, "bitbake -g cowl-image failed:\n{said}");
    assert!(
        said.contains(" 0 errors.") && said.contains("Parsing of "),
        "bitbake's parse reported errors:\n{said}"
    );
    assert!(!said.contains("ERROR:"), "{said}");
    let build_list = build.file("pn-buildlist");
    let in_graph: Vec<&str> = build_list.lines().map(str::trim).collect();
    let recipes = layer_recipes();
    assert!(recipes.len() >= 6, "the layer's recipes: {recipes:?}");
    for recipe in &recipes {
        assert!(
            in_graph.contains(&recipe.as_str()),
            "{recipe} is not in cowl-image's graph ({} recipes)",
            in_graph.len()
        );
    }
    // The image is built with oe-core's own Rust and the compositor's system parts.
    for from_oe_core in ["rust-native", "cargo-native", "seatd", "systemd", "wayland"] {
        assert!(
            in_graph.contains(&from_oe_core),
            "{from_oe_core} is not in cowl-image's graph"
        );
    }
}

#[test]
fn the_real_bitbake_refuses_a_recipe_that_inherits_a_class_nobody_has() {
    let Some(tarballs) = tarballs() else {
        return;
    };
    let copy = tempfile::tempdir().expect("a temporary directory");
    let status = Command::new("cp")
        .arg("-r")
        .arg(layer())
        .arg(copy.path().join("meta-cowl"))
        .status()
        .expect("run cp");
    assert!(status.success(), "could not copy the layer");
    let media = copy
        .path()
        .join("meta-cowl/recipes-cowl/cowl/cowl-media_git.bb");
    let mut recipe = std::fs::read_to_string(&media).expect("the media recipe");
    recipe.push_str("inherit no-such-class\n");
    std::fs::write(&media, recipe).expect("break the recipe");
    let build = BuildFolder::new(&tarballs, &copy.path().join("meta-cowl"));
    let (ok, said) = build.bitbake(&["-p"]);
    assert!(
        !ok,
        "bitbake parsed a recipe that inherits no-such-class:\n{said}"
    );
    assert!(
        said.contains("cowl-media_git.bb") && said.contains("no-such-class"),
        "{said}"
    );
}
