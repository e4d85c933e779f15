#!/bin/busybox sh
# udhcpc's event script in the test OS: apply a lease and report it like a static ip= would be.
case "$1" in
  bound | renew)
    ifconfig "$interface" "$ip" netmask "$subnet" up
    [ -n "$router" ] && route add default gw "${router%% *}"
    echo "BOOTSTACK-NET: dev=$interface mac=$(cat /sys/class/net/$interface/address) ip=$ip netmask=$subnet gateway=${router%% *} hostname=$hostname dns=${dns%% *} via=dhcp"
    ;;
esac
