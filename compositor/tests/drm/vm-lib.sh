# Shared by the DRM test VM's scripts (vm-run.sh, vm-run-stdvga.sh), sourced after /mnt/env:
# the environment, and the helpers that print CHECK and STEP lines for tests/drm_vm.rs.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Scratch space: the root file system is read-only, /tmp included (see vm-init.sh).
mkdir -p /run/scratch && chmod 1777 /run/scratch
export SYSTEMD_IGNORE_CHROOT=1 HOME=/run/scratch TMPDIR=/run/scratch

# The first check that fails ends the run: what follows would only wait on it.
fail() {
    echo "CHECK $1 FAIL"
    # Where each of Cowl's threads waits: a stuck event loop shows here.
    for task in /proc/"$(pidof cowl)"/task/*; do
        echo "$task $(cat "$task/comm") $(cat "$task/wchan") $(cat "$task/syscall")"
    done > /mnt/cowl-threads.log 2>&1
    udevadm info --export-db > /mnt/udev-db.txt 2>&1
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

as_cowl_user() {
    setpriv --reuid=5 --regid=100 --clear-groups -- "$@"
}

# grim captures through screencopy: as Cowl's user, on the trusted socket beside the
# Cowl socket named first (only Cowl's user and root may connect there).
grim_as_cowl() {
    socket=$1
    shift
    as_cowl_user env WAYLAND_DISPLAY="$socket-trusted" grim "$@"
}
