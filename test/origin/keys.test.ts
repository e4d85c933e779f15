// origin/keys.ts is the one definition of the origin's keys and cache policy: every object the
// layout produces falls under exactly one CDN path class (or the default behaviour, for the
// manifest), and carries that class's Cache-Control.
import { validateStackConfig } from "../../config/validate";
import { CACHE_CONTROL, CacheClass, CDN_TTL, keys, PATH_PATTERNS } from "../../origin/keys";
import { originLayout } from "../../origin/layout";
import { prodRaw } from "../support/prod-config";

/** CloudFront path patterns here are `prefix/*`: a key matches when it starts with the prefix. */
function classesOf(key: string): CacheClass[] {
  return (Object.keys(PATH_PATTERNS) as CacheClass[]).filter((c) =>
    PATH_PATTERNS[c].some((p) => key.startsWith(p.slice(0, -1))),
  );
}

test.each([
  [keys.stage1("ams1"), ["script"]],
  [keys.stage2("ams1"), ["script"]],
  [keys.sitesIndex, ["script"]],
  [keys.genericStage1, ["script"]],
  [keys.artifact("linux", "a".repeat(64)), ["immutable"]],
  [keys.image("ams1", "b".repeat(64)), ["immutable"]],
  [keys.manifest, []],
])("%s is in CDN class %j", (key, classes) => {
  expect(classesOf(key)).toEqual(classes);
});

test("every object of the example layout carries the Cache-Control of its CDN class", () => {
  const config = validateStackConfig(prodRaw());
  for (const o of originLayout(config, { baseUrl: "https://boot.example.com" })) {
    const [cls = "script"] = classesOf(o.key); // the manifest rides the default (script-like) behaviour
    expect([o.key, o.cacheControl]).toEqual([o.key, CACHE_CONTROL[cls]]);
  }
});

test.each(Object.keys(CDN_TTL) as CacheClass[])("the CDN's TTL bounds for %s contain its max-age", (cls) => {
  const maxAge = Number(/max-age=(\d+)/.exec(CACHE_CONTROL[cls])![1]);
  expect(maxAge).toBeGreaterThanOrEqual(CDN_TTL[cls].min);
  expect(maxAge).toBeLessThanOrEqual(CDN_TTL[cls].max);
});
