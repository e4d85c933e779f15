#!/bin/bash
# boot-stack's dracut boot test (local/consumers/dracut.ts): a report hook, nothing more. The
# network is configured by dracut's own network module from the kernel command line; this hook
# only runs once dracut says an interface is online. See dracut.modules(7) for the hook points.

# called by dracut: only when asked for by name
check() {
    return 255
}

# called by dracut
depends() {
    echo network url-lib
    return 0
}

# called by dracut
install() {
    inst_multiple ip sed wc cat curl sync
    inst_hook initqueue/online 99 "$moddir/report.sh"
}
