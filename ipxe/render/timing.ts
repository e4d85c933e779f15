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
 * Menus that nobody answers pick their default after this long, also after a keypress
 * (`--retimeout`), so an unattended machine retries by itself (ipxe-review #5).
 */
export const UNATTENDED_RETRY_MS = 300_000;
/** How long stage-1 offers the failsafe key before anything automatic happens. */
export const FAILSAFE_KEY_MS = 3_000;
export const FAILSAFE_KEY = "m";
/** A prompt at a DHCP-first site waits this long for the operator, then DHCP is tried again. */
export const PROMPT_IDLE_MS = 120_000;
/** Waiting for a NIC's link when choosing the interface, per pass over all NICs. */
export const LINK_WAIT_MS = 5_000;
/** Pause after a failed boot entry before the menu comes back. */
export const FAILED_PAUSE_MS = 10_000;
