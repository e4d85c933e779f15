#!/bin/sh
# Sourced by dracut's network module once it has brought an interface up (initqueue/online, the
# interface as $1). Reports on the first serial port what dracut configured, fetches the URL
# named by bootstack.fetch= over that network, then powers off: the boot test has what it needs.
type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh
_bs_if="$1"
_bs_url="$(getarg bootstack.fetch=)"
{
    echo "BOOTSTACK-DRACUT-IF: $_bs_if mac=$(cat "/sys/class/net/$_bs_if/address")"
    ip -o link show | sed 's/^/BOOTSTACK-DRACUT-LINK: /'
    ip -o -4 addr show | sed 's/^/BOOTSTACK-DRACUT-ADDR: /'
    ip -4 route show | sed 's/^/BOOTSTACK-DRACUT-ROUTE: /'
    sed 's/^/BOOTSTACK-DRACUT-DNS: /' /etc/resolv.conf
    echo "BOOTSTACK-DRACUT-HOSTNAME: $(cat /proc/sys/kernel/hostname)"
    if [ -n "$_bs_url" ]; then
        if curl -sS --max-time 20 -o /tmp/bootstack-fetch "$_bs_url"; then
            echo "BOOTSTACK-DRACUT-FETCH: ok $(wc -c < /tmp/bootstack-fetch) bytes from $_bs_url"
        else
            echo "BOOTSTACK-DRACUT-FETCH: failed $_bs_url"
        fi
    fi
    echo "BOOTSTACK-DRACUT: done"
} > /dev/ttyS0 2>&1
sync
echo o > /proc/sysrq-trigger
