#!/bin/busybox sh
# /init of the SocketCAN test VM (tests/can_vm.rs): a real kernel with vcan, cowl reading
# vcan0, and can-utils' cansend driving it. Each check waits (bounded) for the line cowl
# logs when it sees what the check did, and prints CHECK <name> PASS or FAIL.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mkdir -p /proc /sys
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp /run/cowl && chmod 700 /run/cowl
for module in can can-dev can-raw vcan; do insmod /modules/$module.ko; done
ip link add dev vcan0 type vcan && ip link set up vcan0

export XDG_RUNTIME_DIR=/run/cowl LD_LIBRARY_PATH=/lib RUST_LOG=info,cowl::car=debug
# The log exists before cowl starts: a check that ran before the background job opened it
# would otherwise count nothing, fail to compare, and pass too early.
: > /tmp/cowl.log
/cowl --backend headless --renderer pixman --output 320x240 --vehicle can \
    --config /cowl.toml > /tmp/cowl.log 2>&1 &

# waits up to 60 s for the Nth line containing TEXT: check NAME N TEXT
check() {
    name=$1 count=$2 text=$3 tries=0
    while true; do
        seen=$(grep -c -F "$text" /tmp/cowl.log 2>/dev/null)
        [ "${seen:-0}" -ge "$count" ] && break
        tries=$((tries + 1))
        if [ $tries -gt 600 ]; then echo "CHECK $name FAIL"; return; fi
        sleep 0.1
    done
    echo "CHECK $name PASS"
}

# Like a real bus, the drive frames keep coming (every 100 ms) until the check sees what
# they did: a frame sent once goes stale (gear after 1 s, speed after 0.5 s) and, on a
# slow emulated CPU, could expire before cowl judges the state.
# The sender is stopped by a file, not a signal, and waited for, so no frame of it can
# land after the frames the script sends next.
drive_until() {
    rm -f /tmp/stop-driving
    ( while [ ! -e /tmp/stop-driving ]; do
        cansend vcan0 123#33
        cansend vcan0 100#B80B010000000000
        sleep 0.1
    done ) &
    sender=$!
    check "$@"
    : > /tmp/stop-driving
    wait $sender
}

check opened 1 'SocketCAN open'
# Drive in D at 30 km/h: decoded, mapped, judged.
drive_until moving 1 'to="moving"'
# An id the DBC lacks is dropped by the kernel filter: cowl never sees it.
cansend vcan0 7FF#00
cansend vcan0 123#00
check parked 1 'to="parked"'
if grep -q 'does not describe' /tmp/cowl.log; then echo "CHECK filtered FAIL"; else echo "CHECK filtered PASS"; fi
# An error frame reporting bus-off, then the controller back to error-active.
cansend vcan0 20000040#0000000000000000
check bus-off 1 'state="bus-off"'
cansend vcan0 20000004#0040000000000000
check error-active 2 'state="error-active"'
# The interface goes down and up: the socket is reopened and frames flow again.
ip link set down vcan0
check down 1 'reopening'
ip link set up vcan0
check reopened 2 'SocketCAN open'
drive_until moving-again 2 'to="moving"'
# The interface disappears and comes back.
ip link del vcan0
ip link add dev vcan0 type vcan && ip link set up vcan0
check recreated 3 'SocketCAN open'
cansend vcan0 123#00
check parked-again 2 'to="parked"'

echo "----- cowl log"
cat /tmp/cowl.log
echo "VM DONE"
poweroff -f
