// The site-less image: it asks for the network (after trying DHCP), then offers the list of
// sites from the origin. One image for every site, for when a site's own image is not at hand.
import { SiteConfig } from "../../config/schema";
import { keys } from "../../origin/keys";
import { OriginRef } from "./origin-ref";
import { servingOrigin } from "./origins";
import { assertScriptSafe, header, joinScript } from "./script";
import { renderStage1Plan, STAGE1_VERSION } from "./stage1";
import { SCRIPT_FETCH_TIMEOUT_MS } from "./timing";
import { chainVerified, REFUSED_HINT } from "./verify";

export const GENERIC_NAME = "generic";

export function renderGenericStage1(origin: OriginRef, signed = false): string {
  return renderStage1Plan(
    {
      name: GENERIC_NAME,
      network: { mode: "dhcp-then-prompt", interface: "auto", dns: [], dhcpTimeoutSeconds: 10, fixed: [] },
      target: keys.sitesIndex,
      identity: `${GENERIC_NAME}-${STAGE1_VERSION}`,
    },
    origin,
    "boot-stack generic stage-1: network first, then pick this machine's site from the origin.",
    signed,
  );
}

/** sites/index.ipxe: a menu of every site; the chosen site's stage-2 is chained. */
export function renderSitesIndex(sites: SiteConfig[], origin: OriginRef, signed = false): string {
  const base = assertScriptSafe(origin.baseUrl, "origin base URL");
  const url = `\${bs_origin}/${keys.stage2("${bs_site}")}?site=\${bs_site}&s1=\${bs_stage1}&mac=\${\${bs_if}/mac:hexhyp}&via=\${bs_via}`;
  return joinScript([
    header("boot-stack site index, chained by the generic stage-1.", ["Lists every site of this stack."]),
    // The site's stage-2 comes from the origin that served this list.
    servingOrigin(base),
    [
      ":menu",
      "menu -- Which site is this machine at?",
      ...sites.map((s) => `item ${s.name} ${s.name}${s.description ? ` - ${s.description}` : ""}`),
      "choose bs_site || goto menu",
      // Signed: not the name stage-1 gave this index ("stage2"), which is still registered.
      ...(signed
        ? chainVerified({
            image: "site-stage2",
            url,
            chainFlags: "--replace --autofree",
            failed: "failed",
            refused: "refused",
          })
        : [`chain --timeout ${SCRIPT_FETCH_TIMEOUT_MS} --replace --autofree ${url} || goto failed`]),
      ":failed",
      "echo Could not fetch that site's stage-2.",
      "prompt --timeout 10000 Press any key for the site list... ||",
      "goto menu",
      ...(signed
        ? [
            ":refused",
            "echo Refused that site's stage-2: its signature did not verify (error ${errno:hexraw}).",
            `echo ${REFUSED_HINT}`,
            "prompt --timeout 10000 Press any key for the site list... ||",
            "goto menu",
          ]
        : []),
    ],
  ]);
}
