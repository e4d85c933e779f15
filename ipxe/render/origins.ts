// Origin failover (issue 11 item 3): a machine knows an ordered list of origins — the stack's
// hostname, then the CDN's own name(s), then the site's mirror — and moves to the next when one
// fails, inside the same attempt: the back-off budget (timing.ts) stays what it was, so failing
// over costs one fetch timeout at most, never another round of pauses. The origin that served
// stage-2 is the one its kernels and initrds come from (${bs_origin}), unless it fails too.
// Settings: stage-1 writes the list as bs_origin_0, bs_origin_1, ... and the serving origin as bs_origin;
// stage-2 reads both (vars.ts). An origin is only a source of bytes: integrity comes from TLS and
// signatures whichever one answers (docs/threat-model.md).
import { OriginRef } from "./origin-ref";
import { assertScriptSafe } from "./script";
import { CHAIN_ATTEMPTS, SCRIPT_FETCH_TIMEOUT_MS } from "./timing";
import { chainVerified, REFUSED_HINT } from "./verify";

/** The base URLs in the order a machine tries them, each once. */
export function originsOf(ref: OriginRef, mirror?: string): string[] {
  const all = [ref.baseUrl, ...(ref.fallbacks ?? []), ...(mirror ? [mirror] : [])];
  return [...new Set(all)].map((u) => assertScriptSafe(u, "origin base URL"));
}

/** Stage-1: the list as settings (bs_origin_<i>). */
export function originSettings(origins: string[]): string[] {
  return origins.map((o, i) => `set bs_origin_${i} ${o}`);
}

/**
 * Stage-1: fetch stage-2 from each origin in turn; the attempt fails only when every origin has.
 * `query` is the identity stage-1 sends (site, image version, MAC, how the network came up).
 * `signed`: stage-2 runs only once imgverify accepted it (verify.ts); a refused copy is named and
 * the next origin is asked, and when none is left the recovery menu comes at once (retrying by
 * itself would fetch the same bytes).
 */
export function chainFromOrigins(target: string, query: string, signed = false): string[] {
  const url = `\${bs_origin}/${target}?${query}`;
  return [
    ":chain",
    "set bs_oi:int32 0",
    ":chain_origin",
    "set bs_origin ${bs_origin_${bs_oi}}",
    `echo Fetching \${bs_origin}/${target} (attempt \${bs_try} of ${CHAIN_ATTEMPTS}) as \${\${bs_if}/ip} on \${bs_if}...`,
    // Not --replace: if stage-2 ends (a broken script, or it asks to leave), this script goes on.
    ...(signed
      ? chainVerified({
          image: "stage2",
          url,
          chainFlags: "--autofree",
          failed: "chain_failed",
          refused: "chain_refused",
        })
      : [`chain --timeout ${SCRIPT_FETCH_TIMEOUT_MS} --autofree ${url} || goto chain_failed`]),
    // A stage-2 that returns, failed or not, lands here (never in chain_refused below).
    ":chain_failed",
    "set bs_error ${errno:hexraw}",
    "iseq ${bs_leave} firmware && exit 1 ||",
    "echo Origin ${bs_origin} not reachable (error ${bs_error}).",
    "inc bs_oi",
    "isset ${bs_origin_${bs_oi}} && goto chain_origin ||",
    "set bs_failed origin",
    "goto attempt_failed",
    ...(signed
      ? [
          ":chain_refused",
          "set bs_error ${errno:hexraw}",
          `echo Refused \${bs_origin}/${target}: its signature did not verify (error \${bs_error}).`,
          `echo ${REFUSED_HINT}`,
          "inc bs_oi",
          "isset ${bs_origin_${bs_oi}} && goto chain_origin ||",
          "set bs_failed signature",
          "set bs_problem refused a script from its origin (bad signature)",
          "goto recovery",
        ]
      : []),
  ];
}

/** Stage-2, first lines: chained by hand (no stage-1), the origin is the one this script names. */
export function servingOrigin(base: string): string[] {
  return [`isset \${bs_origin} || set bs_origin ${base}`];
}

/**
 * Stage-2: an entry's downloads, from the serving origin first (bs_from), then from every other
 * origin of stage-1's list. `fetch` are the entry's fetch lines, each ending in `|| goto <fail>`
 * with `fail` = `next_origin_<id>`; `boot` what follows them.
 */
export function fetchWithFailover(id: string, fetch: string[], boot: string[]): string[] {
  return [
    "set bs_ai:int32 0",
    "set bs_from ${bs_origin}",
    `:fetch_${id}`,
    // Every image stays registered until freed, and Linux gets every registered image as an
    // initrd: a kernel left from a failed try would be unpacked first (ipxe-review #1).
    "imgfree",
    ...fetch,
    ...boot,
    `:next_origin_${id}`,
    `set bs_ret ${id}`,
    "goto next_origin",
  ];
}

/** The URL of an object on the origin an entry is fetching from. */
export const fromOrigin = (key: string): string => `\${bs_from}/${key}`;

/**
 * Stage-2, once: picks the next origin of stage-1's list that is not the serving one; when none
 * is left, the entry fails with the download's error (kept in bs_ferr: the checks here would
 * overwrite ${errno}) at `failed_with`.
 */
export function nextOrigin(): string[] {
  return [
    ":next_origin",
    "set bs_ferr ${errno:hexraw}",
    "echo Could not fetch from ${bs_from} (error ${bs_ferr}).",
    ":next_origin_try",
    "isset ${bs_origin_${bs_ai}} || goto failed_with",
    "set bs_from ${bs_origin_${bs_ai}}",
    "inc bs_ai",
    "iseq ${bs_from} ${bs_origin} && goto next_origin_try ||",
    "echo Trying ${bs_from} instead...",
    "goto fetch_${bs_ret}",
  ];
}
