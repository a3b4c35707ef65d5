#!/bin/sh
# Fetches the real DBC files the decoder is cross-checked on (pinned, hashes checked) into
# compositor/tests/can/corpus/ (ignored by git): opendbc's car DBCs and cantools' own test
# DBCs, both MIT-licensed, from PyPI. Run by `.ci/install-deps test`; idempotent.
set -eu

# pip runs in the distribution's Python, the one `.ci/install-deps` installs python3-pip
# for: a version manager's python3 earlier on PATH (pyenv) rehashes its shims after every
# pip run and fails the whole script when its lock is stale.
python=/usr/bin/python3

here=$(cd "$(dirname "$0")" && pwd)
corpus="$here/corpus"
OPENDBC=opendbc-0.3.1-py3-none-any.whl
OPENDBC_SHA256=5552994344a885d85836f2487b85e958e69ab1a0e8d11e30ec508d316bf58ae1
CANTOOLS=cantools-45.1.0.tar.gz
CANTOOLS_SHA256=ea1619f3d6108a1c3ecd0f81c952ff2dffd023b244704f6f7a17c4f4dca75f73

# The files each fixture in fixtures/ was generated from.
OPENDBC_FILES="vw_mqb vw_pq chrysler_cusw bmw_e9x_e8x gm_global_a_high_voltage_management
    hyundai_2015_ccan cadillac_ct6_object ford_lincoln_base_pt fca_giorgio tesla_model3_party"
CANTOOLS_FILES="multiplex_2 issue_184_extended_mux_cascaded
    issue_184_extended_mux_independent_multiplexors issue_184_extended_mux_multiple_values
    floating_point signed choices motohawk fd_test big_numbers j1939 vehicle abs"

if [ -f "$corpus/.complete" ]; then
    exit 0
fi
downloads=$(mktemp -d)
trap 'rm -rf "$downloads"' EXIT
"$python" -m pip download --quiet --no-deps --no-binary :all: --dest "$downloads" cantools==45.1.0
"$python" -m pip download --quiet --no-deps --only-binary :all: --dest "$downloads" opendbc==0.3.1
( cd "$downloads" && printf '%s  %s\n%s  %s\n' \
    "$OPENDBC_SHA256" "$OPENDBC" "$CANTOOLS_SHA256" "$CANTOOLS" | sha256sum -c --quiet )

mkdir -p "$downloads/opendbc" "$corpus"
"$python" -m zipfile -e "$downloads/$OPENDBC" "$downloads/opendbc"
tar -xzf "$downloads/$CANTOOLS" -C "$downloads"
for name in $OPENDBC_FILES; do
    cp "$downloads/opendbc/opendbc/dbc/$name.dbc" "$corpus/"
done
for name in $CANTOOLS_FILES; do
    cp "$downloads/cantools-45.1.0/tests/files/dbc/$name.dbc" "$corpus/"
done
touch "$corpus/.complete"
