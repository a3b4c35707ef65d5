#!/bin/sh
# Runs inside the DRM test VM (tests/drm_vm.rs), chrooted into this machine's root file
# system: udev, seatd, a uinput touchscreen, cowl on the virtio-gpu display, and real
# clients (wev shows what a client receives, grim captures through Cowl's screencopy).
#
# /mnt/env names the build to test. Each check waits (bounded) for a line in a log and prints
# CHECK <name> PASS or FAIL; each step prints STEP <name> and waits for the test to act on
# the VM from outside (a qemu screendump) and answer with the file /mnt/ack-<name>.
. /mnt/env
. "$TESTS/drm/vm-lib.sh"

# udev tells libinput what the uinput device is (ID_INPUT_TOUCHSCREEN) and, by this rule,
# which display it lies on.
mkdir -p /run/udev/rules.d
printf 'SUBSYSTEM=="input", ATTRS{name}=="%s", ENV{WL_OUTPUT}="Virtual-1"\n' \
    "$TOUCHSCREEN" > /run/udev/rules.d/70-cowl-test-touchscreen.rules
/lib/systemd/systemd-udevd --daemon
udevadm trigger --action=add --type=subsystems
udevadm trigger --action=add --type=devices
udevadm settle --timeout=30

mkfifo /run/scratch/touch
python3 "$TESTS/drm/touchscreen.py" "$TOUCHSCREEN" 1280 800 /run/scratch/touch > /mnt/touch.log 2>&1 &
check touchscreen-created 1 /mnt/touch.log "created"
# A second panel's touch sensor, mounted mirrored left to right: cowl.toml names it, maps it
# to Virtual-1 and gives it the calibration matrix that mirrors X back.
mkfifo /run/scratch/touch-mirrored
python3 "$TESTS/drm/touchscreen.py" "$MIRRORED_TOUCHSCREEN" 1280 800 /run/scratch/touch-mirrored \
    > /mnt/touch-mirrored.log 2>&1 &
check mirrored-touchscreen-created 1 /mnt/touch-mirrored.log "created"

# Cowl runs unprivileged, as on the car: seatd opens the display controller and the input
# devices for it; its socket is for the video group. The user is Debian's "games" (uid 5),
# whose primary group is "users" (100): neither may open /dev/dri or /dev/input itself.
seatd -l info -g video > /mnt/seatd.log 2>&1 &
check seatd 1 /mnt/seatd.log "seatd started"

video=$(getent group video | cut -d: -f3)
mkdir -p /run/user/5 && chown 5:100 /run/user/5 && chmod 700 /run/user/5
export XDG_RUNTIME_DIR=/run/user/5
: > /mnt/cowl.log
# It runs under flip-faults.py, which refuses every page flip from the start here, so that
# no display shows a first frame yet: what waits for the first frame (libinput, the
# keyboard, the apps) must come anyway, two seconds on, and the displays light up once the
# flips are taken.
echo all > /run/scratch/flip-faults
LIBSEAT_BACKEND=seatd RUST_LOG=info python3 "$TESTS/drm/flip-faults.py" /run/scratch/flip-faults \
    /mnt/flip-faults.log setpriv --reuid=5 --regid=100 --groups="$video" -- \
    "$COWL" --backend drm --renderer "$RENDERER" --config /mnt/cowl.toml --socket cowl-test \
    --clock 09:41 > /mnt/cowl.log 2>&1 &
cowl=$!
export WAYLAND_DISPLAY=cowl-test

check renderer 1 /mnt/cowl.log "renderer=\"$RENDERER\""
check first-flips-refused 1 /mnt/flip-faults.log "refused flip 1 "
check apps-without-first-frame 1 /mnt/cowl.log "no first frame on these displays yet; starting the keyboard and apps anyway"
check touchscreen-without-first-frame 1 /mnt/cowl.log "device=$TOUCHSCREEN output=Virtual-1"
# A client gets its window and the keyboard's focus before any display shows a frame.
# wev writes through stdio: line-buffered, so that each event is in the log at once.
stdbuf -oL wev > /mnt/wev.log 2>&1 &
wev=$!
check client-shown 1 /mnt/cowl.log "window shown app_id=\"wev\""
check client-focused 1 /mnt/wev.log "wl_keyboard] enter"
# Still refused, so nothing can have been presented.
if grep -q "first frame presented" /mnt/cowl.log; then fail no-frame-while-refused; fi
echo "CHECK no-frame-while-refused PASS"
echo 0 > /run/scratch/flip-faults
check first-frame 1 /mnt/cowl.log "start-up done"
check configured-mode 1 /mnt/cowl.log 'display connected output="Virtual-1" width=1024 height=768'
# The passenger display on the second head, in its preferred mode (qemu's, 800x600).
check passenger-display 1 /mnt/cowl.log 'display connected output="Virtual-2" width=800 height=600'
check passenger-first-frame 1 /mnt/cowl.log 'first frame presented output=Virtual-2'
check touchscreen-mapped 1 /mnt/cowl.log "device=$TOUCHSCREEN output=Virtual-1"
check mirrored-touchscreen-mapped 1 /mnt/cowl.log "device=$MIRRORED_TOUCHSCREEN output=Virtual-1"

grim_as_cowl "$WAYLAND_DISPLAY" -o Virtual-1 /run/scratch/grim-1.png && cp /run/scratch/grim-1.png /mnt/ &&
    echo "CHECK screencopy PASS" || fail screencopy
step screendump-1
grim_as_cowl "$WAYLAND_DISPLAY" -o Virtual-2 /run/scratch/grim-passenger.png &&
    cp /run/scratch/grim-passenger.png /mnt/ && echo "CHECK passenger-screencopy PASS" ||
    fail passenger-screencopy
step screendump-passenger

# The touchscreen's 1280x800 axes span the display's 1024x768 mode, and the client's window
# starts below the 48 px status bar: a finger at (640, 400) is the panel's (512, 384), which
# the client is told as (512, 336).
echo "tap 640 400" > /run/scratch/touch
check touch-down 1 /mnt/wev.log "x, y: 512.000000, 336.000000"
# Two fingers at once: (100, 300) and (900, 600).
echo "tap2 100 300 900 600" > /run/scratch/touch
check multitouch-first 1 /mnt/wev.log "x, y: 80.000000, 240.000000"
check multitouch-second 1 /mnt/wev.log "x, y: 720.000000, 528.000000"
# The mirrored sensor reports (960, 400) where the finger is at the panel's (256, 384): the
# calibration matrix [-1 0 1; 0 1 0] maps it back, the client hears (256, 336).
echo "tap 960 400" > /run/scratch/touch-mirrored
check calibrated-touch 1 /mnt/wev.log "x, y: 256.000000, 336.000000"

# Away to another VT and back: seatd pauses and resumes Cowl's session.
busybox chvt 2
check session-paused 1 /mnt/cowl.log "session paused"
busybox chvt 1
check session-resumed 1 /mnt/cowl.log "session resumed"
# libinput opens the input devices again after the displays: a touch before that is lost.
check touchscreen-back 2 /mnt/cowl.log "device=$TOUCHSCREEN output=Virtual-1"
echo "tap 320 200" > /run/scratch/touch
check touch-after-resume 1 /mnt/wev.log "x, y: 256.000000, 144.000000"
grim_as_cowl "$WAYLAND_DISPLAY" -o Virtual-1 /run/scratch/grim-2.png && cp /run/scratch/grim-2.png /mnt/ &&
    echo "CHECK screencopy-after-resume PASS" ||
    fail screencopy-after-resume
step screendump-2

# The driver's way to another VT: Ctrl+Alt+F2 on a keyboard (a uinput one, plugged in while
# Cowl runs). On Cowl's VT the kernel leaves the keys to Cowl, which asks the seat for VT 2;
# on VT 2's text console the kernel itself takes Ctrl+Alt+F1 back to Cowl's.
KEYBOARD="Cowl test keyboard"
mkfifo /run/scratch/keys
python3 "$TESTS/drm/keyboard.py" "$KEYBOARD" /run/scratch/keys > /mnt/keys.log 2>&1 &
check keyboard-created 1 /mnt/keys.log "created"
check keyboard-taken 1 /mnt/cowl.log "device=$KEYBOARD"
# KEY_LEFTCTRL, KEY_LEFTALT, KEY_F2 (linux/input-event-codes.h).
echo "chord 29 56 60" > /run/scratch/keys
check vt-key-paused 2 /mnt/cowl.log "session paused"
[ "$(cat /sys/class/tty/tty0/active)" = tty2 ] && echo "CHECK vt-key-on-vt2 PASS" ||
    fail vt-key-on-vt2
# KEY_LEFTCTRL, KEY_LEFTALT, KEY_F1.
echo "chord 29 56 59" > /run/scratch/keys
check vt-key-resumed 2 /mnt/cowl.log "session resumed"
# libinput opens the devices again after the displays: a touch or key before that is lost.
check touchscreen-back-after-vt-keys 3 /mnt/cowl.log "device=$TOUCHSCREEN output=Virtual-1"
check keyboard-back-after-vt-keys 2 /mnt/cowl.log "device=$KEYBOARD"
echo "tap 320 200" > /run/scratch/touch
check touch-after-vt-keys 2 /mnt/wev.log "x, y: 256.000000, 144.000000"
# A key typed now reaches the client as itself: the Ctrl and Alt let go around the VT
# switch are not held any more. KEY_A.
echo "chord 30" > /run/scratch/keys
check typed-after-vt-keys 1 /mnt/wev.log "utf8: 'a'"
# F2 (xkb's 68) was the session's, pressed and released: the client, which has heard every
# key since, up to the A, heard neither.
if grep -q "key: 68;" /mnt/wev.log; then fail vt-key-kept-from-client; fi
echo "CHECK vt-key-kept-from-client PASS"

# The display unplugged and plugged back: the kernel's connector status forced off, then
# on, each followed by the change event the card sends when a cable comes or goes (forcing
# the status sends none on virtio-gpu, which does not poll). The output goes away and comes
# back with its mode and layout, the client's window in its place again.
connector=/sys/class/drm/card0-Virtual-1/status
echo off > $connector && echo change > /sys/class/drm/card0/uevent
check unplugged 1 /mnt/cowl.log 'display disconnected output="Virtual-1"'
echo on > $connector && echo change > /sys/class/drm/card0/uevent
check replugged 2 /mnt/cowl.log 'display connected output="Virtual-1" width=1024 height=768'
# The client went to the passenger display meanwhile; it is back once it is sized for this
# one again.
check client-back 2 /mnt/wev.log "configure: width: 1024; height: 720"
echo "tap 640 400" > /run/scratch/touch
check touch-after-replug 2 /mnt/wev.log "x, y: 512.000000, 336.000000"
grim_as_cowl "$WAYLAND_DISPLAY" -o Virtual-1 /run/scratch/grim-3.png && cp /run/scratch/grim-3.png /mnt/ &&
    echo "CHECK screencopy-after-replug PASS" || fail screencopy-after-replug
step screendump-3

# The display controller refusing page flips: the kernel answers Cowl's next five flips
# EBUSY (flip-faults.py). Closing wev changes the picture; Cowl commits it again a refresh
# after each refusal, and the display shows it once a flip is taken.
# The counts go on from the refusals at start-up.
refused_before=$(grep -c "refused flip" /mnt/flip-faults.log)
failed_before=$(grep -c "page flip failed" /mnt/cowl.log)
echo 5 > /run/scratch/flip-faults
kill $wev
check client-closed 1 /mnt/cowl.log 'window closed app_id="wev"'
check flips-refused 1 /mnt/flip-faults.log "refused flip $((refused_before + 5)) "
check flips-retried $((failed_before + 5)) /mnt/cowl.log "page flip failed"
grim_as_cowl "$WAYLAND_DISPLAY" -o Virtual-1 /run/scratch/grim-4.png && cp /run/scratch/grim-4.png /mnt/ &&
    echo "CHECK screencopy-after-refused-flips PASS" || fail screencopy-after-refused-flips
step screendump-4

# The display controller itself goes away and comes back: its driver unbound from the PCI
# device and bound again, as when a driver is reloaded. The outputs go with it; Cowl takes
# the controller that appears in its place and lights both displays again.
pci=$(readlink -f /sys/class/drm/card0/device)
case $pci in */virtio*) pci=$(dirname "$pci") ;; esac
echo "$(basename "$pci")" > /sys/bus/pci/drivers/virtio-pci/unbind
check controller-removed 1 /mnt/cowl.log "display controller /dev/dri/card0 was removed"
check outputs-gone 1 /mnt/cowl.log 'display disconnected output="Virtual-2"'
echo "$(basename "$pci")" > /sys/bus/pci/drivers/virtio-pci/bind
check controller-taken 1 /mnt/cowl.log "display controller taken"
check centre-display-back 3 /mnt/cowl.log 'display connected output="Virtual-1" width=1024 height=768'
check passenger-display-back 2 /mnt/cowl.log 'display connected output="Virtual-2" width=800 height=600'
grim_as_cowl "$WAYLAND_DISPLAY" -o Virtual-1 /run/scratch/grim-5.png && cp /run/scratch/grim-5.png /mnt/ &&
    echo "CHECK screencopy-after-rebind PASS" || fail screencopy-after-rebind
step screendump-5

# The controller goes while the session is paused and comes back before it resumes: the seat
# opens no device for a paused session, so Cowl waits for the resume to take it.
busybox chvt 2
check paused-again 3 /mnt/cowl.log "session paused"
echo "$(basename "$pci")" > /sys/bus/pci/drivers/virtio-pci/unbind
check removed-while-paused 2 /mnt/cowl.log "display controller /dev/dri/card0 was removed"
echo "$(basename "$pci")" > /sys/bus/pci/drivers/virtio-pci/bind
check appeared-while-paused 1 /mnt/cowl.log "appeared while the session is paused"
busybox chvt 1
check resumed-again 3 /mnt/cowl.log "session resumed"
check taken-at-resume 2 /mnt/cowl.log "display controller taken"
check centre-display-at-resume 4 /mnt/cowl.log 'display connected output="Virtual-1" width=1024 height=768'
check passenger-display-at-resume 3 /mnt/cowl.log 'display connected output="Virtual-2" width=800 height=600'
grim_as_cowl "$WAYLAND_DISPLAY" -o Virtual-1 /run/scratch/grim-6.png && cp /run/scratch/grim-6.png /mnt/ &&
    echo "CHECK screencopy-after-resume-rebind PASS" || fail screencopy-after-resume-rebind
step screendump-6

echo quit > /run/scratch/touch
echo quit > /run/scratch/touch-mirrored
echo quit > /run/scratch/keys
kill $cowl
wait $cowl
echo "CHECK cowl-exited PASS"

# Start-up on a seat whose display controller is not there yet (its driver not bound, as
# when it loads late at boot): Cowl is ready at once, without displays, and lights them when
# the controller appears.
echo "$(basename "$pci")" > /sys/bus/pci/drivers/virtio-pci/unbind
LIBSEAT_BACKEND=seatd RUST_LOG=info setpriv --reuid=5 --regid=100 --groups="$video" -- \
    "$COWL" --backend drm --renderer "$RENDERER" --config /mnt/cowl-late.toml --socket cowl-late \
    --clock 09:41 > /mnt/cowl-late.log 2>&1 &
cowl=$!
check ready-without-display 1 /mnt/cowl-late.log "start-up done"
echo "$(basename "$pci")" > /sys/bus/pci/drivers/virtio-pci/bind
check late-controller-taken 1 /mnt/cowl-late.log "display controller taken"
check late-display-lit 1 /mnt/cowl-late.log 'display lit output=Virtual-1'
grim_as_cowl cowl-late -o Virtual-1 /run/scratch/grim-7.png &&
    cp /run/scratch/grim-7.png /mnt/ && echo "CHECK late-screencopy PASS" ||
    fail late-screencopy
step screendump-7

# Direct scanout: a fullscreen window on that display, which has no status bar or dock here,
# shows a dumb buffer of the display controller shared as a dmabuf (the test binary's
# ignored test is the client; it opens the card, so it has the video group). With GLES the
# display scans the client's buffer out itself; Pixman's dumb buffers cannot take it, so
# Cowl composes it.
mkfifo /run/scratch/scanout-quit
setpriv --reuid=5 --regid=100 --groups="$video" -- env XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
    WAYLAND_DISPLAY=cowl-late CARD=/dev/dri/card0 RENDERER="$RENDERER" \
    SCANOUT_QUIT=/run/scratch/scanout-quit \
    "$TEST_BINARY" --ignored --exact --nocapture direct_scanout_inside_the_vm \
    > /mnt/scanout.log 2>&1 &
scanout=$!
check scanout-client-shown 1 /mnt/scanout.log "buffer presented"
if [ "$RENDERER" = gles ]; then
    check direct-scanout 1 /mnt/cowl-late.log "direct scanout: a client's buffer"
elif grep -q "direct scanout:" /mnt/cowl-late.log; then
    fail direct-scanout
else
    echo "CHECK direct-scanout PASS"
fi
grim_as_cowl cowl-late -o Virtual-1 /run/scratch/grim-8.png &&
    cp /run/scratch/grim-8.png /mnt/ && echo "CHECK scanout-screencopy PASS" ||
    fail scanout-screencopy
step screendump-8
echo quit > /run/scratch/scanout-quit
wait $scanout && echo "CHECK scanout-client PASS" || fail scanout-client
# The window gone, Cowl composes the display again.
if [ "$RENDERER" = gles ]; then
    check direct-scanout-ended 1 /mnt/cowl-late.log "direct scanout ended"
else
    echo "CHECK direct-scanout-ended PASS"
fi

# Presentation feedback as a client receives it: the page flip's kernel time, and frames
# kept a refresh apart on a controller whose flips complete at once (this test binary's
# ignored test, run here as the client; as Cowl's user, like the apps). This Cowl's display
# runs in a 10 Hz mode (drm_vm.rs's PACED_MODE).
as_cowl_user env XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" WAYLAND_DISPLAY=cowl-late \
    "$TEST_BINARY" --ignored --exact --nocapture presentation_on_a_real_display_inside_the_vm \
    > /mnt/presentation.log 2>&1 && echo "CHECK presentation PASS" || fail presentation
kill $cowl
wait $cowl
echo "CHECK late-cowl-exited PASS"
