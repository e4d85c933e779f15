// The stage-1 → stage-2 contract (ipxe/render/vars.ts) against every rendered script: each
// bs_* setting a script sets or reads is declared, by the kind of script that uses it, and each
// declaration is borne out by some rendered script. A mistyped name or a new hand-off that is
// not written down fails here.
import { validateStackConfig } from "../../config/validate";
import { renderGenericStage1, renderSitesIndex } from "../../ipxe/render/generic";
import { bootPathScripts } from "../../ipxe/render/medium";
import { renderStage1 } from "../../ipxe/render/stage1";
import { renderStage2 } from "../../ipxe/render/stage2";
import { LOCAL, SHARED, ScriptKind } from "../../ipxe/render/vars";
import { prodRaw } from "../support/prod-config";

const config = validateStackConfig(prodRaw());
const origin = { baseUrl: "https://boot.example.com" };

const scripts: Array<[ScriptKind, string]> = [
  ...config.sites.map((s): [ScriptKind, string] => ["stage-1", renderStage1(s, origin)]),
  ["stage-1", renderGenericStage1(origin)],
  ["site index", renderSitesIndex(config.sites, origin)],
  ...config.sites.map((s): [ScriptKind, string] => ["stage-2", renderStage2(s, config.artifacts, origin)]),
  ...Object.values(bootPathScripts()).map((text): [ScriptKind, string] => ["boot path", text]),
  // Signed (ipxe.codeSigning): the verifying variants add their own settings.
  ["stage-1", renderStage1(config.sites[0], origin, true)],
  ["stage-1", renderGenericStage1(origin, true)],
  ["site index", renderSitesIndex(config.sites, origin, true)],
  ["stage-2", renderStage2(config.sites[0], config.artifacts, origin, true)],
];

/** Settings a script writes (set/clear/inc/read, and choose's target) and reads (${...}). */
function uses(text: string): { sets: Set<string>; reads: Set<string> } {
  const sets = new Set<string>();
  const reads = new Set<string>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.startsWith(":")) continue;
    for (const m of line.matchAll(/\b(?:set|clear|inc|read) (bs_[a-z0-9_]+)/g)) sets.add(m[1]);
    for (const m of line.matchAll(/\bchoose (?:[^|]* )?(bs_[a-z0-9_]+)(?: \|\||$)/g)) sets.add(m[1]);
    for (const m of line.matchAll(/\$\{(bs_[a-z0-9_]+)[:}]/g)) reads.add(m[1]);
    // A numbered family read by index, e.g. ${bs_origin_${bs_oi}}.
    for (const m of line.matchAll(/\$\{(bs_[a-z0-9_]+_)\$\{/g)) reads.add(`${m[1]}*`);
  }
  return { sets, reads };
}

/** The declaration of a setting: by its name, or by its numbered family (`bs_origin_*`). */
const sharedOf = (name: string) =>
  SHARED[name] ??
  Object.entries(SHARED).find(([k]) => k.endsWith("*") && name.startsWith(k.slice(0, -1)))?.[1];
const family = (key: string) => (n: string) =>
  key.endsWith("*") ? n.startsWith(key.slice(0, -1)) : n === key;

const isLocal = (kind: ScriptKind, name: string) =>
  LOCAL[kind].some((l) => (l.endsWith("*") ? name.startsWith(l.slice(0, -1)) : l === name));

describe.each(scripts.map(([kind, text], i) => [`${kind} #${i}`, kind, text] as const))(
  "%s",
  (_label, kind, text) => {
    const { sets, reads } = uses(text);
    test("sets only what it is declared to set", () => {
      const undeclared = [...sets].filter((n) => !isLocal(kind, n) && !sharedOf(n)?.setBy.includes(kind));
      expect(undeclared).toEqual([]);
    });
    test("reads only what it is declared to read", () => {
      const undeclared = [...reads].filter((n) => !isLocal(kind, n) && !sharedOf(n)?.readBy.includes(kind));
      expect(undeclared).toEqual([]);
    });
  },
);

describe("every declaration is borne out by a rendered script", () => {
  test.each(Object.entries(SHARED))("%s", (name, decl) => {
    for (const kind of decl.setBy)
      expect({
        kind,
        sets: scripts.some(([k, t]) => k === kind && [...uses(t).sets].some(family(name))),
      }).toEqual({
        kind,
        sets: true,
      });
    for (const kind of decl.readBy)
      expect({
        kind,
        reads: scripts.some(([k, t]) => k === kind && [...uses(t).reads].some(family(name))),
      }).toEqual({
        kind,
        reads: true,
      });
  });
});
