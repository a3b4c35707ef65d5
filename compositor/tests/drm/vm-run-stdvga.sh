#!/bin/sh
# Runs inside the DRM test VM booted with qemu's standard VGA (tests/drm_vm.rs), whose driver,
# bochs, scans out a plain framebuffer and cannot share buffers (no PRIME export): Cowl must
# draw into the display's own buffers. Helpers and conventions: vm-lib.sh.
. /mnt/env
. "$TESTS/drm/vm-lib.sh"

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
grim_as_cowl "$WAYLAND_DISPLAY" -o Virtual-1 /run/scratch/grim-1.png && cp /run/scratch/grim-1.png /mnt/ &&
    echo "CHECK screencopy PASS" || fail screencopy
step screendump-1

# Away to another VT and back: the display's buffers are drawn anew at resume.
busybox chvt 2
check session-paused 1 /mnt/cowl.log "session paused"
busybox chvt 1
check session-resumed 1 /mnt/cowl.log "session resumed"
kill $wev
check client-closed 1 /mnt/cowl.log 'window closed app_id="wev"'
grim_as_cowl "$WAYLAND_DISPLAY" -o Virtual-1 /run/scratch/grim-2.png && cp /run/scratch/grim-2.png /mnt/ &&
    echo "CHECK screencopy-after-resume PASS" || fail screencopy-after-resume
step screendump-2
kill $cowl
wait $cowl
echo "CHECK cowl-exited PASS"
