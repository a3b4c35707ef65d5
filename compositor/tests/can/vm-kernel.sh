#!/bin/sh
# Fetches the Debian kernel the SocketCAN tests boot under qemu (this machine's kernel has no
# AF_CAN): the image linux-image-amd64 depends on, unpacked to tests/can/vm/ (ignored by git)
# with the four modules vcan needs. Run by `.ci/install-deps test`; idempotent.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
vm="$here/vm"
if [ -f "$vm/.complete" ]; then
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
    drivers/net/can/vcan.ko; do
    found=$(find "$work/root/lib/modules" -path "*/kernel/$module*" | head -n 1)
    case "$found" in
        *.xz) xz -dc "$found" > "$vm/modules/$(basename "$module")" ;;
        *.zst) zstd -dqc "$found" > "$vm/modules/$(basename "$module")" ;;
        ?*) cp "$found" "$vm/modules/" ;;
        *) echo "vm-kernel.sh: $module missing from $package" >&2; exit 1 ;;
    esac
done
echo "$package" > "$vm/.complete"
