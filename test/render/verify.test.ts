// Scripts of a stack with ipxe.codeSigning: permanent trust before any download, every chained
// script and every kernel/initrd verified against `<key>.sig` before it runs, a refusal named on
// screen and sent to the recovery menu (stage-1) or the failed-entry path (stage-2). Without
// codeSigning nothing of this is rendered (Debian's iPXE has neither command).
import { validateStackConfig } from "../../config/validate";
import { renderGenericStage1, renderSitesIndex } from "../../ipxe/render/generic";
import { lintScript } from "../../ipxe/render/lint";
import { renderStage1 } from "../../ipxe/render/stage1";
import { renderStage2 } from "../../ipxe/render/stage2";
import { FETCH_TIMEOUT_MS, SCRIPT_FETCH_TIMEOUT_MS } from "../../ipxe/render/timing";
import { REFUSED_HINT, signatureUrl } from "../../ipxe/render/verify";
import { keys } from "../../origin/keys";
import { originLayout } from "../../origin/layout";
import { prodRaw } from "../support/prod-config";

const config = validateStackConfig(prodRaw());
const origin = { baseUrl: "https://boot.example.com" };
const ams1 = config.sites.find((s) => s.name === "ams1")!;
const B = origin.baseUrl;
/** Where the scripts fetch from at run time: the origin that answered (ipxe/render/origins.ts). */
const SERVING = "${bs_origin}";
const FROM = "${bs_from}";
const re = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test("the signature key sits beside the object; the URL drops the query", () => {
  expect(keys.signature("sites/ams1/stage2.ipxe")).toBe("sites/ams1/stage2.ipxe.sig");
  expect(signatureUrl(`${B}/sites/ams1/stage2.ipxe?site=ams1&s1=2`)).toBe(`${B}/sites/ams1/stage2.ipxe.sig`);
});

describe("stage-1, signed", () => {
  const s = renderStage1(ams1, origin, true);
  test("imgtrust --permanent after the medium script and before the first download", () => {
    const at = (re: RegExp) => s.split("\n").findIndex((l) => re.test(l));
    expect(at(/^imgtrust --permanent$/)).toBeGreaterThan(at(/^imgexec <INITRD>/));
    expect(at(/^imgtrust --permanent$/)).toBeLessThan(at(/^imgfetch /));
  });
  test("fetch, verify against stage2.ipxe.sig, then chain the verified image", () => {
    const t = `--timeout ${SCRIPT_FETCH_TIMEOUT_MS}`;
    expect(s).toMatch(
      new RegExp(
        [
          `:chain_origin\n[^\n]*\n[^\n]*\nimgfree stage2 \\|\\|`,
          `imgfetch ${t} --name stage2 ${re(SERVING)}/sites/ams1/stage2\\.ipxe\\?site=ams1[^\n]* \\|\\| goto chain_failed`,
          `imgverify ${t} stage2 ${re(SERVING)}/sites/ams1/stage2\\.ipxe\\.sig \\|\\| goto chain_refused`,
          `chain ${t} --autofree stage2 \\|\\| goto chain_failed\n`,
        ].join("\n"),
      ),
    );
  });
  test("a stage-2 that returns goes to chain_failed, never through the refusal", () => {
    expect(s).toMatch(/\|\| goto chain_failed\n(#[^\n]*\n)?:chain_failed\n/);
  });
  test("a refusal is named, the next origin is asked, and with none left the recovery menu comes at once, whose title says so", () => {
    expect(s).toContain(
      [
        ":chain_refused",
        "set bs_error ${errno:hexraw}",
        `echo Refused ${SERVING}/sites/ams1/stage2.ipxe: its signature did not verify (error \${bs_error}).`,
        `echo ${REFUSED_HINT}`,
        "inc bs_oi",
        "isset ${bs_origin_${bs_oi}} && goto chain_origin ||",
        "set bs_failed signature",
        "set bs_problem refused a script from its origin (bad signature)",
        "goto recovery",
      ].join("\n"),
    );
    expect(s).toContain(":attempt_failed\nset bs_problem cannot reach its origin\n");
    expect(s).toContain("menu -- boot-stack: site ams1 ${bs_problem}\n");
  });
  test("lint: clean for the compiled build, and refused for Debian's (no imgtrust/imgverify)", () => {
    expect(lintScript(s, { compiled: true })).toEqual([]);
    expect(lintScript(s).map((p) => p.message)).toEqual(
      expect.arrayContaining(["unknown command imgtrust", "unknown command imgverify"]),
    );
  });
});

describe("stage-2, signed", () => {
  const s = renderStage2(ams1, config.artifacts, origin, true);
  const art = (name: string) => `${FROM}/${keys.artifact(name, config.artifacts[name].sha256)}`;
  test("each kernel and initrd is verified right after its download, before boot", () => {
    const t = `--timeout ${FETCH_TIMEOUT_MS}`;
    const entry = s.slice(s.indexOf(":entry_rescue"), s.indexOf(":entry_disk"));
    expect(entry.split("\n").filter((l) => /^(kernel|initrd|imgverify|set bs_refused|boot)/.test(l))).toEqual(
      [
        expect.stringMatching(new RegExp(`^kernel ${t} -n debian12-linux ${re(art("debian12-linux"))} `)),
        "set bs_refused kernel debian12-linux",
        `imgverify ${t} debian12-linux ${art("debian12-linux")}.sig || goto refused`,
        `initrd ${t} -n debian12-initrd ${art("debian12-initrd")} || goto next_origin_rescue`,
        "set bs_refused initrd debian12-initrd",
        `imgverify ${t} debian12-initrd ${art("debian12-initrd")}.sig || goto refused`,
        "boot || goto failed",
      ],
    );
  });
  test("a refusal names the object, then the failed-entry path back to the menu", () => {
    expect(s).toMatch(
      /:refused\necho Refused \$\{bs_refused\}: its signature did not verify [^\n]*\n[^\n]*\ngoto failed\n/,
    );
    expect(lintScript(s, { compiled: true })).toEqual([]);
  });
});

test("generic stage-1 and the site index verify what they chain", () => {
  const g = renderGenericStage1(origin, true);
  expect(g).toContain("imgtrust --permanent");
  expect(g).toContain(
    `imgverify --timeout ${SCRIPT_FETCH_TIMEOUT_MS} stage2 ${SERVING}/sites/index.ipxe.sig`,
  );
  const ix = renderSitesIndex(config.sites, origin, true);
  expect(ix).toContain(
    `imgverify --timeout ${SCRIPT_FETCH_TIMEOUT_MS} site-stage2 ${SERVING}/sites/\${bs_site}/stage2.ipxe.sig || goto refused`,
  );
  expect(ix).toContain(
    `chain --timeout ${SCRIPT_FETCH_TIMEOUT_MS} --replace --autofree site-stage2 || goto failed`,
  );
  for (const text of [g, ix]) expect(lintScript(text, { compiled: true })).toEqual([]);
});

test("the layout renders verifying scripts exactly when ipxe.codeSigning is set", () => {
  const plain = originLayout(config, origin);
  const signed = originLayout(
    {
      ...config,
      ipxe: {
        ...config.ipxe,
        mode: "compile",
        codeSigning: { trust: ["ca.pem"], certFile: "c", keyEnv: "K" },
      },
    },
    origin,
  );
  const text = (objects: typeof plain) =>
    objects.flatMap((o) => (o.content.kind === "inline" && o.key.endsWith(".ipxe") ? [o.content.text] : []));
  expect(text(plain).some((t) => /imgverify|imgtrust/.test(t))).toBe(false);
  const signedScripts = text(signed).filter((t) => /imgverify/.test(t));
  // Every stage-1, stage-2, the generic stage-1 and the index.
  expect(signedScripts).toHaveLength(config.sites.length * 2 + 2);
});
