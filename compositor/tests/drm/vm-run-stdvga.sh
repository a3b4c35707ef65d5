#!/bin/sh
# Runs inside the DRM test VM booted with qemu's standard VGA (tests/drm_vm.rs), whose driver,
# bochs, scans out a plain framebuffer and cannot share buffers (no PRIME export): Cowl must
# draw into the display's own buffers. Same conventions as vm-run.sh: CHECK lines for the
# test, STEP lines it answers with a screendump.
. /mnt/env
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /run/scratch && chmod 1777 /run/scratch
export SYSTEMD_IGNORE_CHROOT=1 HOME=/run/scratch TMPDIR=/run/scratch

fail() {
    echo "CHECK $1 FAIL"
    exit 1
}

# waits up to 60 s for the Nth line of FILE containing TEXT: check NAME N FILE TEXT
check() {
    name=$1 count=$2 file=$3 text=$4 tries=0
    while true; do
        seen=$(grep -c -F -- "$text" "$file" 2>/dev/null)
        [ "${seen:-0}" -ge "$count" ] && break
        tries=$((tries + 1))
        if [ $tries -gt 600 ]; then fail "$name"; fi
        sleep 0.1
    done
    echo "CHECK $name PASS"
}

step() {
    echo "STEP $1"
    tries=0
    while [ ! -e "/mnt/ack-$1" ]; do
        tries=$((tries + 1))
        if [ $tries -gt 1200 ]; then fail "step-$1"; fi
        sleep 0.1
    done
}

/lib/systemd/systemd-udevd --daemon
udevadm trigger --action=add --type=subsystems
udevadm trigger --action=add --type=devices
udevadm settle --timeout=30
[ -e /sys/class/drm/card0-Virtual-1 ] && echo "CHECK bochs-display PASS" || fail bochs-display

seatd -l info -g video > /mnt/seatd.log 2>&1 &
check seatd 1 /mnt/seatd.log "seatd started"
video=$(getent group video | cut -d: -f3)
mkdir -p /run/user/5 && chown 5:100 /run/user/5 && chmod 700 /run/user/5
export XDG_RUNTIME_DIR=/run/user/5 WAYLAND_DISPLAY=cowl-test
LIBSEAT_BACKEND=seatd RUST_LOG=info setpriv --reuid=5 --regid=100 --groups="$video" -- \
    "$COWL" --backend drm --renderer "$RENDERER" --config /mnt/cowl.toml --socket cowl-test \
    --clock 09:41 > /mnt/cowl.log 2>&1 &
cowl=$!
check first-frame 1 /mnt/cowl.log "start-up done"
check configured-mode 1 /mnt/cowl.log 'display connected output="Virtual-1" width=1024 height=768'

stdbuf -oL wev > /mnt/wev.log 2>&1 &
wev=$!
check client-shown 1 /mnt/cowl.log "window shown app_id=\"wev\""
as_cowl_user() {
    setpriv --reuid=5 --regid=100 --clear-groups -- "$@"
}
as_cowl_user grim -o Virtual-1 /run/scratch/grim-1.png && cp /run/scratch/grim-1.png /mnt/ &&
    echo "CHECK screencopy PASS" || fail screencopy
step screendump-1

# Away to another VT and back: the display's buffers are drawn anew at resume.
busybox chvt 2
check session-paused 1 /mnt/cowl.log "session paused"
busybox chvt 1
check session-resumed 1 /mnt/cowl.log "session resumed"
kill $wev
check client-closed 1 /mnt/cowl.log 'window closed app_id="wev"'
as_cowl_user grim -o Virtual-1 /run/scratch/grim-2.png && cp /run/scratch/grim-2.png /mnt/ &&
    echo "CHECK screencopy-after-resume PASS" || fail screencopy-after-resume
step screendump-2
kill $cowl
wait $cowl
echo "CHECK cowl-exited PASS"
