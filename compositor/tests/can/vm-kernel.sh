#!/bin/sh
# Fetches the Debian kernel the VM tests boot under qemu (this machine's kernel has no AF_CAN
# and no DRM device): the image linux-image-amd64 depends on, unpacked to tests/can/vm/
# (ignored by git) with the modules they load: the four vcan needs (tests/can_vm.rs), and
# virtio-gpu, bochs (qemu's standard VGA), uinput, evdev and 9p for the DRM backend's VM
# (tests/drm_vm.rs).
# Run by `.ci/install-deps test`; idempotent.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
vm="$here/vm"
if [ -f "$vm/.complete-bochs" ]; then
    exit 0
fi
package=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
if [ -z "$package" ]; then
    echo "vm-kernel.sh: no kernel package behind linux-image-amd64" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
# apt downloads as _apt where it can: a directory that user may write.
( cd "$work" && apt-get download -q "$package" )
dpkg -x "$work"/linux-image-*.deb "$work/root"
rm -rf "$vm"
mkdir -p "$vm/modules"
cp "$work"/root/boot/vmlinuz-* "$vm/vmlinuz"
for module in net/can/can.ko net/can/can-raw.ko drivers/net/can/dev/can-dev.ko \
    drivers/net/can/vcan.ko \
    drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko drivers/virtio/virtio_pci_modern_dev.ko \
    drivers/virtio/virtio_pci_legacy_dev.ko drivers/virtio/virtio_pci.ko \
    drivers/virtio/virtio_dma_buf.ko fs/netfs/netfs.ko fs/fscache/fscache.ko net/9p/9pnet.ko \
    net/9p/9pnet_virtio.ko fs/9p/9p.ko drivers/gpu/drm/drm.ko drivers/gpu/drm/drm_kms_helper.ko \
    drivers/gpu/drm/drm_shmem_helper.ko drivers/gpu/drm/virtio/virtio-gpu.ko \
    drivers/gpu/drm/ttm/ttm.ko drivers/gpu/drm/drm_ttm_helper.ko drivers/gpu/drm/drm_vram_helper.ko \
    drivers/gpu/drm/tiny/bochs.ko \
    drivers/input/misc/uinput.ko drivers/input/evdev.ko; do
    found=$(find "$work/root/lib/modules" -path "*/kernel/$module*" | head -n 1)
    case "$found" in
        *.xz) xz -dc "$found" > "$vm/modules/$(basename "$module")" ;;
        *.zst) zstd -dqc "$found" > "$vm/modules/$(basename "$module")" ;;
        ?*) cp "$found" "$vm/modules/" ;;
        *) echo "vm-kernel.sh: $module missing from $package" >&2; exit 1 ;;
    esac
done
echo "$package" > "$vm/.complete-bochs"
