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

IPARG=""
FETCH=""
for a in $(cat /proc/cmdline); do
  case "$a" in
    ip=*) IPARG="${a#ip=}" ;;
    bootstack.fetch=*) FETCH="${a#bootstack.fetch=}" ;;
  esac
done

insmod /lib/e1000.ko 2>/dev/null
n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
if [ -e /sys/class/net/eth0 ]; then
  MAC=$(cat /sys/class/net/eth0/address)
  # ip=<client>:<server>:<gateway>:<netmask>:<hostname>:<device>:<autoconf>:<dns0>
  IFS=: read -r CIP SIP GW MASK HOST DEV AUTO DNS <<END
$IPARG
END
  if [ "$IPARG" = dhcp ]; then
    # The boot loader used DHCP: ask again (bound-script prints the lease as BOOTSTACK-NET).
    ifconfig eth0 up
    udhcpc -i eth0 -n -q -t 5 -T 1 -s /bin/dhcp-bound || echo "BOOTSTACK-NET: dev=eth0 mac=$MAC dhcp failed"
  elif [ -n "$CIP" ] && [ -n "$MASK" ]; then
    ifconfig eth0 "$CIP" netmask "$MASK" up
    [ -n "$GW" ] && route add default gw "$GW"
    echo "BOOTSTACK-NET: dev=eth0 mac=$MAC ip=$CIP netmask=$MASK gateway=$GW hostname=$HOST dns=$DNS"
  else
    echo "BOOTSTACK-NET: dev=eth0 mac=$MAC unconfigured (no usable ip= argument: '$IPARG')"
  fi
else
  echo "BOOTSTACK-NET: no eth0 (e1000 driver did not load)"
fi

if [ -n "$FETCH" ]; then
  # The link comes up a moment after the interface is configured.
  n=0
  while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
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
