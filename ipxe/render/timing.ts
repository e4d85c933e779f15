// Every wait and retry count the scripts use, in one place: the renderers, the tests and the
// docs import these (a test that re-typed "5 attempts" would go stale silently).

/** Stage-1 fetches stage-2 this many times before it shows the recovery menu. */
export const CHAIN_ATTEMPTS = 5;
/** The first back-off pause; each further pause doubles (2, 4, 8, 16 s). */
export const FIRST_RETRY_DELAY_S = 2;
/**
 * iPXE gives up a download after this long without progress (the timer restarts on every
 * packet, so big files are fine). Debian 13's iPXE has no HTTP watchdog of its own: without it
 * a stalled connection hangs forever (ipxe-review #7).
 */
export const SCRIPT_FETCH_TIMEOUT_MS = 30_000;
export const FETCH_TIMEOUT_MS = 60_000;
/**
 * Stage-1's recovery menu retries by itself after this long, also after a keypress
 * (`--retimeout`): an unattended machine recovers once the network or origin is back
 * (ipxe-review #5). Each retry redoes the link, VLAN and DHCP as well as the fetch.
 */
export const RECOVERY_RETRY_MS = 60_000;
/**
 * Stage-2's menu boots its default after this long without a key, also after a keypress; a
 * zero `timeoutSeconds` uses it for the menu that shows after the default failed.
 */
export const MENU_IDLE_MS = 300_000;
/** How long stage-1 offers the failsafe key before anything automatic happens. */
export const FAILSAFE_KEY_MS = 3_000;
export const FAILSAFE_KEY = "m";
/** A prompt at a DHCP-first site waits this long for the operator, then DHCP is tried again. */
export const PROMPT_IDLE_MS = 60_000;
/** Waiting for a port's link when choosing among several (all were opened together before). */
export const NIC_LINK_WAIT_MS = 3_000;
/** Waiting for the link of the chosen port before anything is sent (autonegotiation). */
export const LINK_WAIT_MS = 10_000;
/** Pause after a failed boot entry before the menu comes back. */
export const FAILED_PAUSE_MS = 10_000;
