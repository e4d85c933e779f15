// Signature checks in the scripts, rendered when the stack signs what its origin serves
// (ipxe.codeSigning; compile mode only, as Debian's iPXE has neither command). Stage-1 makes
// image trust permanent before it fetches anything; from then on iPXE runs (chain, boot) only
// images that `imgverify` accepted against the detached signature served beside them
// (origin/keys.ts keys.signature). https://ipxe.org/cmd/imgtrust https://ipxe.org/cmd/imgverify
import { keys } from "../../origin/keys";
import { SCRIPT_FETCH_TIMEOUT_MS } from "./timing";

/** What a refused object's scripts say on screen, below iPXE's own "Could not verify" line. */
export const REFUSED_HINT =
  "It was changed after signing, or signed by a certificate this image does not trust.";

/** The signature beside the object (keys.signature); any query string stays on the object's URL only. */
export function signatureUrl(url: string): string {
  return keys.signature(url.split("?")[0]);
}

/** Stage-1, after the boot medium's own script and before any download. No script can undo it. */
export function requireSignedImages(): string[] {
  return ["imgtrust --permanent"];
}

export interface VerifiedChain {
  /** Image name while it is checked; distinct per script (iPXE finds the first of equal names). */
  image: string;
  url: string;
  /** chain's own flags, e.g. `--autofree` or `--replace --autofree`. */
  chainFlags: string;
  /** Where a failed download goes (also a chained script that ends without booting). */
  failed: string;
  /** Where a signature that does not verify goes. */
  refused: string;
}

/** Fetch, verify, run: what `chain <url>` does in one step, with imgverify in between. */
export function chainVerified(c: VerifiedChain): string[] {
  const timeout = `--timeout ${SCRIPT_FETCH_TIMEOUT_MS}`;
  return [
    // A retry's earlier copy (refused, or left by a script that ended) must not be the one verified.
    `imgfree ${c.image} ||`,
    `imgfetch ${timeout} --name ${c.image} ${c.url} || goto ${c.failed}`,
    `imgverify ${timeout} ${c.image} ${signatureUrl(c.url)} || goto ${c.refused}`,
    `chain ${timeout} ${c.chainFlags} ${c.image} || goto ${c.failed}`,
  ];
}

/**
 * Stage-2: checks a kernel or initrd already fetched as `image`. `bs_refused` names it for the
 * `refused` section; iPXE keeps the failing command's errno across the `set` (src/core/exec.c).
 */
export function verifyFetched(image: string, url: string, what: string, timeoutMs: number): string[] {
  return [
    `set bs_refused ${what}`,
    `imgverify --timeout ${timeoutMs} ${image} ${signatureUrl(url)} || goto refused`,
  ];
}

/** Stage-2's `refused` section: names the object, then the usual failed-entry path (the menu). */
export function refusedSection(failed: string): string[] {
  return [
    ":refused",
    "echo Refused ${bs_refused}: its signature did not verify (error ${errno:hexraw}, https://ipxe.org/err/${errno:hexraw}).",
    `echo ${REFUSED_HINT}`,
    `goto ${failed}`,
  ];
}
