#!/usr/bin/env python3
"""Writes recipes-cowl/cowl/cowl-crates.inc from the workspace's Cargo.lock.

oe-core's cargo class fetches every crate a recipe builds from SRC_URI entries
(crate://crates.io/NAME/VERSION) checked against a sha256sum each; bitbake's own generator
(the update_crates task) needs a bitbake build, which our machines do not have. This script
makes the same entries from Cargo.lock (whose checksum is the sha256 of the .crate file),
one file for every recipe of the workspace. With --check it only says whether the committed
file is current, and fails when it has drifted from Cargo.lock (CI runs that).

    yocto-layer/scripts/make-crates-inc.py [--check] [--lock Cargo.lock] [--out FILE]
"""

import argparse
import pathlib
import sys
import tomllib

LAYER = pathlib.Path(__file__).resolve().parent.parent
LOCK = LAYER.parent / "Cargo.lock"
OUT = LAYER / "recipes-cowl" / "cowl" / "cowl-crates.inc"
CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"


def crates_inc(lock_text):
    lock = tomllib.loads(lock_text)
    crates = sorted(
        (package["name"], package["version"], package["checksum"])
        for package in lock.get("package", [])
        if package.get("source") == CRATES_IO
    )
    lines = [
        "# Made by yocto-layer/scripts/make-crates-inc.py from the workspace's Cargo.lock;",
        "# do not edit (CI fails when it drifts from Cargo.lock).",
        "",
    ]
    # oelint-adv's layout: the first entry after the quote, the others under it.
    uris = [f"crate://crates.io/{name}/{version}" for name, version, _ in crates]
    opening = 'SRC_URI += "'
    lines += [
        (opening if index == 0 else " " * len(opening)) + uri + " \\"
        for index, uri in enumerate(uris)
    ]
    lines += [" " * len(opening) + '"', ""]
    lines += [
        f'SRC_URI[{name}-{version}.sha256sum] = "{checksum}"'
        for name, version, checksum in crates
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="fail if the file differs from what Cargo.lock makes")
    parser.add_argument("--lock", type=pathlib.Path, default=LOCK)
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args()
    try:
        made = crates_inc(args.lock.read_text())
    except (OSError, tomllib.TOMLDecodeError, KeyError) as err:
        sys.exit(f"{args.lock}: cannot read the crates: {err!r}")
    if args.check:
        current = args.out.read_text() if args.out.exists() else ""
        if current != made:
            sys.exit(f"{args.out} has drifted from {args.lock}: "
                     "run yocto-layer/scripts/make-crates-inc.py")
        print(f"{args.out}: current")
        return
    args.out.write_text(made)
    print(f"{args.out}: {made.count('crate://')} crates")


if __name__ == "__main__":
    main()
