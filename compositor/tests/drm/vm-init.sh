#!/bin/busybox sh
# /init of the DRM backend's test VM (tests/drm_vm.rs): loads virtio-gpu and bochs (whichever
# display controller the VM has binds its driver), uinput and 9p, then
# mounts this machine's root file system read-only over 9p, so that the VM runs this very
# build of cowl with the libraries, udev, seatd and clients installed here. The test's own
# directory is the 9p share "out", mounted at /mnt: it holds the script to run (run.sh) and
# receives logs and captures. Writable places are tmpfs: /run, /dev/shm. /tmp is left as
# the host's, read-only: the build under test may live there (CARGO_TARGET_DIR=/tmp/...).
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for module in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
    virtio_dma_buf netfs fscache 9pnet 9pnet_virtio 9p drm drm_kms_helper drm_shmem_helper \
    virtio-gpu ttm drm_ttm_helper drm_vram_helper bochs uinput evdev; do
    insmod /modules/$module.ko || echo "VM-FAILED insmod $module"
done
mkdir -p /host
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 host /host; then
    echo "VM-FAILED the host's root file system cannot be mounted"
    poweroff -f
fi
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts pts /host/dev/pts
mount -t tmpfs shm /host/dev/shm
mount -t tmpfs run /host/run
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out /host/mnt
echo "VM-BOOTED"
chroot /host /bin/sh /mnt/run.sh
echo "VM-DONE"
poweroff -f
