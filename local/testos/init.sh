#!/bin/busybox sh
# boot-stack test OS: report on the serial port what the boot loader handed over (the kernel
# command line), bring eth0 up from its ip= argument, optionally fetch a URL, then power off.
# Markers start with BOOTSTACK- so tests and the demo can find them.
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Write to the first serial port whatever console= says, so the rig always sees the markers.
exec >/dev/ttyS0 2>&1
echo "BOOTSTACK-TESTOS: booted $(uname -r)"
echo "BOOTSTACK-CMDLINE: $(cat /proc/cmdline)"
# What the boot loader put in the initramfs besides this initrd (iPXE hands Linux every image it
# has registered: a stale one shows up here, named after its command line).
echo "BOOTSTACK-ROOTFS: $(ls -A / | tr '\n' ' ')"

IPARG=""
FETCH=""
BOOTIF=""
IFNAMES=""
DI_IP="" DI_MASK="" DI_GW="" DI_DNS="" DI_HOST=""
for a in $(cat /proc/cmdline); do
  a="${a#\"}"; a="${a%\"}"
  case "$a" in
    ip=*) IPARG="${a#ip=}" ;;
    BOOTIF=*) BOOTIF="${a#BOOTIF=01-}" ;;
    ifname=*) IFNAMES="$IFNAMES ${a#ifname=}" ;;
    netcfg/get_ipaddress=*) DI_IP="${a#*=}" ;;
    netcfg/get_netmask=*) DI_MASK="${a#*=}" ;;
    netcfg/get_gateway=*) DI_GW="${a#*=}" ;;
    netcfg/get_nameservers=*) DI_DNS="${a#*=}" ;;
    netcfg/get_hostname=*) DI_HOST="${a#*=}" ;;
    bootstack.fetch=*) FETCH="${a#bootstack.fetch=}" ;;
  esac
done

# The Debian installer's keys, read the way netcfg reads them (a stand-in for the fast tests;
# the real installer is booted in test/boot/debian-installer.test.ts).
if [ -z "$IPARG" ] && [ -n "$DI_IP" ]; then IPARG="$DI_IP::$DI_GW:$DI_MASK:$DI_HOST:::$DI_DNS"; fi

# The NIC with a given MAC (aa:bb:... or aa-bb-...), if any.
dev_by_mac() {
  want=$(echo "$1" | tr '-' ':' | tr 'A-F' 'a-f')
  for d in /sys/class/net/*; do
    [ "$(cat "$d/address" 2>/dev/null)" = "$want" ] && { echo "${d##*/}"; return; }
  done
}

insmod /lib/e1000.ko 2>/dev/null
n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
sleep 0.3
# ip=<client>:<server>:<gateway>:<netmask>:<hostname>:<device>:<autoconf>:<dns0>:<dns1>
IFS=: read -r CIP SIP GW MASK HOST DEV AUTO DNS DNS1 <<END
$IPARG
END
# dracut's DHCP form is ip=<device>:dhcp.
case "$IPARG" in *:*:*) ;; *:dhcp) DEV="${IPARG%%:*}" AUTO=dhcp CIP="" ;; esac
# The device as initramfs-tools and dracut find it: named in ip= (an ifname= alias is a MAC),
# else the NIC whose MAC BOOTIF= gives, else the first one.
for m in $IFNAMES; do [ "${m%%:*}" = "$DEV" ] && DEV=$(dev_by_mac "${m#*:}"); done
[ -z "$DEV" ] && [ -n "$BOOTIF" ] && DEV=$(dev_by_mac "$BOOTIF")
[ -z "$DEV" ] && DEV=eth0
if [ -e "/sys/class/net/$DEV" ]; then
  MAC=$(cat "/sys/class/net/$DEV/address")
  if [ "$IPARG" = dhcp ] || [ "$AUTO" = dhcp ]; then
    # The boot loader used DHCP: ask again (bound-script prints the lease as BOOTSTACK-NET).
    ifconfig "$DEV" up
    udhcpc -i "$DEV" -n -q -t 5 -T 1 -s /bin/dhcp-bound || echo "BOOTSTACK-NET: dev=$DEV mac=$MAC dhcp failed"
  elif [ -n "$CIP" ] && [ -n "$MASK" ]; then
    ifconfig "$DEV" "$CIP" netmask "$MASK" up
    [ -n "$GW" ] && route add default gw "$GW"
    echo "BOOTSTACK-NET: dev=$DEV mac=$MAC ip=$CIP netmask=$MASK gateway=$GW hostname=$HOST dns=$DNS dns1=$DNS1"
  else
    echo "BOOTSTACK-NET: dev=$DEV mac=$MAC unconfigured (no usable ip= argument: '$IPARG')"
  fi
else
  echo "BOOTSTACK-NET: no $DEV (e1000 driver did not load, or no such NIC)"
fi

if [ -n "$FETCH" ]; then
  # The link comes up a moment after the interface is configured.
  n=0
  while [ "$(cat "/sys/class/net/$DEV/carrier" 2>/dev/null)" != 1 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
  ok=""
  for try in 1 2 3; do
    # (busybox-static's wget -T crashes: bound it with timeout instead)
    timeout 10 wget -q -O /tmp/fetched "$FETCH" 2>/tmp/wget.err && ok=1 && break
    sleep 1
  done
  if [ -n "$ok" ]; then
    echo "BOOTSTACK-FETCH: ok $(wc -c < /tmp/fetched) bytes from $FETCH"
  else
    echo "BOOTSTACK-FETCH: failed $FETCH ($(tail -n 1 /tmp/wget.err))"
  fi
fi

echo "BOOTSTACK-TESTOS: done"
sync
poweroff -f
sleep 5
echo o > /proc/sysrq-trigger
