#!/usr/bin/env python3
"""Parses meta-cowl with bitbake's own parser and checks what a parse can show.

bitbake's `bb` package comes from PyPI's bitbake-setup wheel (the directory holding it is
given with --bitbake, or it is on PYTHONPATH). oe-core's classes are not there, so the
stand-ins in scripts/parse-stubs/ take their place: they define only the names the recipes
use. For layer.conf and every recipe this checks that bitbake parses it (syntax, overrides,
every require and inherit found), and then:

- layer.conf: the collection, wrynose, and that BBFILES finds every recipe;
- every file:// in SRC_URI exists beside the recipe (files/), every crate:// has its
  sha256sum, and the source is the repository the layer is in;
- a cargo recipe's CARGO_SRC_DIR holds a Cargo.toml, the vehicle files it installs exist,
  an app's unit exists;
- the packagegroups name only packages the layer makes or oe-core recipes.

Exit status 0 when all is well; otherwise every problem is printed, one a line.
"""

import argparse
import fnmatch
import glob
import logging
import os
import sys

LAYER = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
REPOSITORY = os.path.dirname(LAYER)
STUBS = os.path.join(LAYER, "scripts", "parse-stubs")
# Packages the image's packagegroups may take from oe-core (wrynose) besides the layer's.
OE_CORE_PACKAGES = {"iproute2", "seatd"}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bitbake", help="the directory holding bitbake's bb package")
    return parser.parse_args()


def base_datastore(bb):
    d = bb.data.init()
    d.setVar("BBPATH", f"{STUBS}:{LAYER}")
    d.setVar("LAYERDIR", LAYER)
    d = bb.parse.handle(os.path.join(LAYER, "conf", "layer.conf"), d)
    # As bitbake's cooker does: LAYERDIR is written into what layer.conf set, then dropped.
    d.expandVarref("LAYERDIR")
    d.delVar("LAYERDIR")
    d = bb.parse.handle(os.path.join(STUBS, "conf", "bitbake.conf"), d)
    # Every recipe inherits base, as bitbake's cooker makes it from INHERIT; classes are
    # looked for in classes-recipe/ and classes/, as for a recipe.
    d.setVar("__bbclasstype", "recipe")
    for cls in (d.getVar("INHERIT") or "").split():
        bb.parse.BBHandler.inherit(cls, "configuration INHERIT", 1, d)
    # The cooker's signature generator (the no-op one: nothing is built here).
    bb.parse.siggen = bb.siggen.init(d)
    return d


def check_layer_conf(d, problems):
    if "cowl" not in (d.getVar("BBFILE_COLLECTIONS") or "").split():
        problems.append("layer.conf: BBFILE_COLLECTIONS lacks cowl")
    if (d.getVar("LAYERSERIES_COMPAT_cowl") or "").split() != ["wrynose"]:
        problems.append("layer.conf: LAYERSERIES_COMPAT_cowl is not wrynose")
    patterns = (d.getVar("BBFILES") or "").split()
    found = set()
    for pattern in patterns:
        found.update(glob.glob(pattern))
    recipes = set(glob.glob(os.path.join(LAYER, "recipes-*", "*", "*.bb")))
    for recipe in sorted(recipes - found):
        problems.append(f"layer.conf: BBFILES does not find {os.path.relpath(recipe, LAYER)}")
    return sorted(recipes)


def check_recipe(bb, base, recipe, problems, made_packages):
    name = os.path.relpath(recipe, LAYER)
    d = bb.data.createCopy(base)
    try:
        variants = bb.parse.handle(recipe, d)
    except Exception as err:  # bitbake's parse errors have no common base class
        problems.append(f"{name}: bitbake cannot parse it: {err}")
        return None
    d = variants[""]
    if d.getVar("__SKIPPED"):
        problems.append(f"{name}: skipped by the parser: {d.getVar('__SKIPPED')}")
        return None

    src_uri = (d.getVar("SRC_URI") or "").split()
    filespath = (d.getVar("FILESPATH") or "").split(":")
    for uri in src_uri:
        scheme, _, rest = uri.partition("://")
        path = rest.split(";")[0]
        if scheme == "file":
            if not any(os.path.exists(os.path.join(folder, path)) for folder in filespath):
                problems.append(f"{name}: SRC_URI's file://{path} is not beside the recipe")
        elif scheme == "crate":
            _, crate, version = path.split("/")
            if not d.getVarFlag("SRC_URI", f"{crate}-{version}.sha256sum"):
                problems.append(f"{name}: crate {crate} {version} has no sha256sum")
        elif scheme == "git":
            if os.path.normpath(path) != REPOSITORY:
                problems.append(f"{name}: the source {path} is not the layer's repository")

    if bb.data.inherits_class("cargo", d):
        manifest = d.getVar("CARGO_MANIFEST_PATH")
        if not os.path.isfile(manifest):
            problems.append(f"{name}: no Cargo.toml at {manifest} (CARGO_SRC_DIR)")
        if not any(uri.startswith("crate://") for uri in src_uri):
            problems.append(f"{name}: fetches no crates (cowl-crates.inc not required?)")
    for variable in ("COWL_DBC", "COWL_VEHICLE_MAPPING"):
        path = d.getVar(variable)
        if path is not None and not os.path.isfile(path):
            problems.append(f"{name}: {variable} {path} does not exist")
    if bb.data.inherits_class("cowl_app", d):
        unit = d.getVar("COWL_APP_SERVICE")
        if not unit or f"file://{unit}" not in src_uri:
            problems.append(f"{name}: COWL_APP_SERVICE {unit!r} is not in SRC_URI")

    made_packages.update((d.getVar("PACKAGES") or "").split())
    return d


def main():
    args = parse_args()
    if args.bitbake:
        sys.path.insert(0, args.bitbake)
    sys.path.append(os.path.join(STUBS, "python"))
    try:
        import bb
        import bb.data
        import bb.parse
        import bb.siggen
    except ImportError as err:
        sys.exit(f"bitbake's bb package is not there ({err}): give --bitbake DIR")
    logging.basicConfig(level=logging.WARNING)

    problems = []
    base = base_datastore(bb)
    recipes = check_layer_conf(base, problems)
    made_packages = set()
    parsed = {}
    for recipe in recipes:
        d = check_recipe(bb, base, recipe, problems, made_packages)
        if d is not None:
            parsed[recipe] = d
    for recipe, d in parsed.items():
        if not bb.data.inherits_class("packagegroup", d):
            continue
        for package in (d.getVar("PACKAGES") or "").split():
            wanted = (d.getVar(f"RDEPENDS:{package}") or "").split()
            for dependency in wanted:
                if dependency not in made_packages | OE_CORE_PACKAGES:
                    problems.append(
                        f"{os.path.relpath(recipe, LAYER)}: {package} wants {dependency}, "
                        "which no recipe of the layer makes"
                    )
    for problem in problems:
        print(problem)
    print(f"meta-cowl: layer.conf and {len(parsed)} of {len(recipes)} recipes parsed by "
          f"bitbake {bb.__version__}; {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
