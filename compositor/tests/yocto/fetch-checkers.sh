#!/bin/sh
# Installs the checkers of meta-cowl (oelint-adv, and bitbake's parser from the
# bitbake-setup wheel) from PyPI into compositor/tests/yocto/checkers/ (ignored by git),
# pinned by requirements.txt. Run by `.ci/install-deps test`; idempotent.
set -eu

# pip runs in the distribution's Python, the one `.ci/install-deps` installs python3-pip
# for: a version manager's python3 earlier on PATH (pyenv) rehashes its shims after every
# pip run and fails the whole script when its lock is stale.
python=/usr/bin/python3

here=$(cd "$(dirname "$0")" && pwd)
checkers="$here/checkers"
stamp="$checkers/.complete"

if [ -f "$stamp" ] && cmp -s "$here/requirements.txt" "$stamp"; then
    exit 0
fi
rm -rf "$checkers"
"$python" -m pip install --quiet --disable-pip-version-check --no-deps --only-binary :all: \
    --target "$checkers" --requirement "$here/requirements.txt"
cp "$here/requirements.txt" "$stamp"
