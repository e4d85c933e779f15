#!/usr/bin/env bash
# Installs everything boot-stack needs on a fresh Debian machine (idempotent, quick when done):
# the Debian packages for images and boot tests, and the npm toolchain from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  qemu-system-x86 ovmf            # the boot rig (TCG) and UEFI firmware
  ipxe                            # Debian 12's iPXE (the rig's fallback; images use Debian 13's)
  isolinux syslinux-common        # BIOS El Torito boot of the hybrid ISO
  syslinux                        # SYSLINUX on the USB stick's own partition (ipxe/build/usb.ts)
  xorriso mtools dosfstools       # ISO and EFI FAT image building
  busybox-static cpio             # the tiny test OS's initrd
  socat                           # guestfwd from QEMU's user network to the loopback origin
  ca-certificates openssl         # Amazon's roots for compiled images; the HTTPS test CA
  debian-archive-keyring xz-utils # fetching Debian 13's iPXE (signed); probing compressed .lkrn
  gcc make perl liblzma-dev git   # compile mode of the image builder (iPXE from source)
  sbsigntool faketime             # Secure Boot signing (sbsign), with a fixed signing time
  # The dracut boot test: Debian's dracut runs unpacked from the cache (never installed: the
  # `dracut` package would remove initramfs-tools); it copies these host tools into the image.
  udev kmod isc-dhcp-client iputils-arping curl
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
