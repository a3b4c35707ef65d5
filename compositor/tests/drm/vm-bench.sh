#!/bin/sh
# Runs inside the DRM test VM for benches/drm_startup.rs: exec to the first page flip of cowl
# and of Weston 10's DRM backend, alternately, ROUNDS times each after a warm-up. The
# kernel's trace of the first framebuffer flush to the virtio-gpu display marks the first
# frame on screen; a trace marker written just before exec marks the start, so both are
# measured the same way, outside either compositor. Prints BENCH <compositor> <ms> and PHASES <cowl's start-up line>.
. /mnt/env
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Scratch space: the root file system is read-only, /tmp included (see vm-init.sh).
mkdir -p /run/scratch && chmod 1777 /run/scratch
export SYSTEMD_IGNORE_CHROOT=1 HOME=/run/scratch TMPDIR=/run/scratch

/lib/systemd/systemd-udevd --daemon
udevadm trigger --action=add --type=subsystems
udevadm trigger --action=add --type=devices
udevadm settle --timeout=30
seatd -l error > /mnt/seatd.log 2>&1 &
while [ ! -S /run/seatd.sock ]; do sleep 0.05; done
mkdir -p /run/user/0 && chmod 700 /run/user/0
export XDG_RUNTIME_DIR=/run/user/0 LIBSEAT_BACKEND=seatd

trace=/sys/kernel/tracing
mount -t tracefs tracefs $trace 2>/dev/null
# virtio-gpu pushes a framebuffer's pixels to the display with RESOURCE_FLUSH (type 0x104);
# the first one after exec is the first frame reaching the screen. (A vblank event would
# not do: both compositors disable the CRTCs at start with commits that send one.) The
# console's blinking cursor would flush too: it is stopped.
echo 0 > /sys/class/graphics/fbcon/cursor_blink
if ! echo 1 > $trace/events/virtio_gpu/virtio_gpu_cmd_queue/enable; then
    echo "BENCH-FAILED the kernel has no virtio_gpu_cmd_queue trace event"
    exit 1
fi
flip='virtio_gpu_cmd_queue:.*type=0x104'

# Milliseconds from the exec marker to the first framebuffer flush in the trace.
first_flip_ms() {
    awk -v flip="$flip" '
        { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { at = substr($i, 1, length($i) - 1) } }
        /tracing_mark_write: exec/ { start = at }
        $0 ~ flip && start != "" { printf "%.1f\n", (at - start) * 1000; exit }
    ' $trace/trace
}

# measure NAME COMMAND...: one start-up, to its first flip; then the compositor is stopped.
measure() {
    name=$1
    shift
    echo > $trace/trace
    echo "exec $name" > $trace/trace_marker
    "$@" > "/mnt/$name.log" 2>&1 &
    pid=$!
    tries=0
    until grep -q "$flip" $trace/trace; do
        tries=$((tries + 1))
        if [ $tries -gt 6000 ]; then echo "BENCH-FAILED $name never flipped"; exit 1; fi
        sleep 0.01
    done
    result=$(first_flip_ms)
    # Cowl logs its phases once it has the flip's vblank event: let it, then stop it.
    if [ "$name" = cowl ]; then
        tries=0
        until grep -q "start-up done" "/mnt/$name.log" || [ $tries -gt 1000 ]; do
            tries=$((tries + 1))
            sleep 0.01
        done
    fi
    kill $pid
    wait $pid
    echo "$result"
}

cowl_command() {
    exec "$COWL" --backend drm --renderer "$RENDERER" --config /mnt/cowl.toml --socket bench
}
if [ "$RENDERER" = pixman ]; then weston_renderer=--use-pixman; else weston_renderer=; fi
# Debian's Weston 10 has no libseat launcher: as root it takes VT 1 itself (its direct
# launcher), where Cowl goes through seatd.
weston_command() {
    exec weston --backend=drm-backend.so --tty=1 --shell=kiosk-shell.so --socket=bench --idle-time=0 \
        $weston_renderer
}

# A warm-up of each: the first reads the binaries and libraries over 9p.
measure cowl cowl_command > /dev/null
measure weston weston_command > /dev/null
round=0
while [ $round -lt "$ROUNDS" ]; do
    echo "BENCH cowl $(measure cowl cowl_command)"
    echo "PHASES $(grep -o 'phases=.*' /mnt/cowl.log | head -n 1)"
    echo "BENCH weston $(measure weston weston_command)"
    round=$((round + 1))
done
