// Origin failover as rendered (ipxe/render/origins.ts): the order of origins, stage-1's list and
// its walk through it inside one attempt, stage-2's downloads from the serving origin first.
// The behaviour itself is proven in QEMU by test/boot/origin-failover.test.ts.
import { validateStackConfig } from "../../config/validate";
import { lintScript } from "../../ipxe/render/lint";
import { originsOf } from "../../ipxe/render/origins";
import { renderStage1 } from "../../ipxe/render/stage1";
import { renderStage2 } from "../../ipxe/render/stage2";
import { CHAIN_ATTEMPTS } from "../../ipxe/render/timing";
import { prodRaw } from "../support/prod-config";

const CDN = "https://d111111abcdef8.cloudfront.net";
const raw = prodRaw();
raw.sites[0].mirror = "https://mirror.example.net/boot";
const config = validateStackConfig(raw);
const ams1 = config.sites[0];
const ref = { baseUrl: "https://boot.example.com", fallbacks: [CDN] };

test("origins: the hostname, the fallbacks, the site's mirror; each once", () => {
  expect(originsOf(ref, ams1.mirror)).toEqual([
    "https://boot.example.com",
    CDN,
    "https://mirror.example.net/boot",
  ]);
  expect(originsOf({ baseUrl: "https://a.example", fallbacks: ["https://a.example"] })).toEqual([
    "https://a.example",
  ]);
  expect(() => originsOf(ref, "https://x/${y}")).toThrow(/could inject iPXE commands/);
});

test("stage-1 lists them in order, tries the next within the attempt, and names them all in recovery", () => {
  const s = renderStage1(ams1, ref);
  expect(lintScript(s)).toEqual([]);
  expect(s).toContain(
    `set bs_origin_0 https://boot.example.com\nset bs_origin_1 ${CDN}\nset bs_origin_2 https://mirror.example.net/boot\n`,
  );
  // A failed origin moves on before the attempt counts as failed (no back-off between origins).
  expect(s).toContain(
    "inc bs_oi\nisset ${bs_origin_${bs_oi}} && goto chain_origin ||\nset bs_failed origin\ngoto attempt_failed\n",
  );
  expect(s).toContain(`iseq \${bs_try} ${CHAIN_ATTEMPTS} && goto recovery ||`);
  expect(s).toContain(`item --gap -- Origin 2: ${CDN}\n`);
});

test("stage-2 downloads from the origin that served it, then from the others, and keeps the error", () => {
  const s = renderStage2(ams1, config.artifacts, ref);
  expect(lintScript(s)).toEqual([]);
  expect(s).toContain("isset ${bs_origin} || set bs_origin https://boot.example.com\n");
  expect(s).toMatch(
    /set bs_from \$\{bs_origin\}\n:fetch_debian-install\nimgfree\nkernel --timeout \d+ \$\{bs_from\}\/artifacts\//,
  );
  expect(s).toContain("iseq ${bs_from} ${bs_origin} && goto next_origin_try ||\n");
  expect(s).toContain(":next_origin\nset bs_ferr ${errno:hexraw}\n");
  expect(s).toContain("isset ${bs_origin_${bs_ai}} || goto failed_with\n");
  expect(s).not.toContain("https://boot.example.com/artifacts/");
});
