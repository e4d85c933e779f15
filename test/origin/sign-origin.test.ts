// Signing what the origin serves (ipxe.codeSigning): every script and artefact iPXE fetches gets
// a `<key>.sig` that openssl verifies against the org CA (the boot consumer is
// test/boot/signed-chain.test.ts), with the object's cache policy; signatures are cached by
// certificate and content, so an unchanged stack signs nothing; a wrong key or a certificate
// not under the configured CA stops with one line naming the field, before anything is signed.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StackConfig } from "../../config/schema";
import { validateStackConfig } from "../../config/validate";
import { run } from "../../ipxe/build/tools";
import { CodeSigningPki, makeCodeSigningPki } from "../../local/code-signing-pki";
import { CACHE_CONTROL, CONTENT_TYPE, keys } from "../../origin/keys";
import { originLayout } from "../../origin/layout";
import { CodeSigningConfigError, loadOriginSigner, signOrigin } from "../../origin/sign-origin";
import { needsSignature } from "../../origin/signatures";
import { prodRaw } from "../support/prod-config";

jest.setTimeout(60_000);
const origin = { baseUrl: "https://boot.example.com" };
let dir: string;
let pki: CodeSigningPki;
let config: StackConfig;
const artefactBytes = (name: string) => Buffer.from(`artefact ${name}\n`);

function signedConfig(cs: Record<string, unknown>): StackConfig {
  const raw = prodRaw();
  raw.ipxe = { ...raw.ipxe, mode: "compile", codeSigning: cs };
  return validateStackConfig(raw);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sign-origin-"));
  pki = await makeCodeSigningPki(path.join(dir, "pki"));
  config = signedConfig({ trust: [pki.ca.cert], certFile: pki.signer.cert, keyFile: pki.signer.key });
  for (const name of Object.keys(config.artifacts)) {
    fs.writeFileSync(path.join(dir, name), artefactBytes(name));
    config.artifacts[name].sha256 = createHash("sha256").update(artefactBytes(name)).digest("hex");
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const opts = (cache: string) => ({
  projectDir: dir,
  artifactFile: (name: string) => path.join(dir, name),
  cache: path.join(dir, cache),
});

async function verifies(data: Buffer, sig: Buffer, ca: string): Promise<boolean> {
  fs.writeFileSync(path.join(dir, "v.data"), data);
  fs.writeFileSync(path.join(dir, "v.sig"), sig);
  const r = await run("openssl", [
    ...["cms", "-verify", "-binary", "-inform", "DER", "-in", path.join(dir, "v.sig")],
    ...["-content", path.join(dir, "v.data"), "-CAfile", ca, "-purpose", "any", "-out", "/dev/null"],
  ]);
  return r.code === 0;
}

test("every object iPXE fetches is signed, and each signature verifies against the org CA", async () => {
  const sigs = (await signOrigin(config, origin, opts("cache-a")))!;
  const plain = originLayout(config, origin);
  const signedKeys = plain.filter(needsSignature).map((o) => o.key);
  expect(Object.keys(sigs).sort()).toEqual(signedKeys.sort());
  // Scripts under sites/ and generic/, and artefacts; not the manifest.
  expect(signedKeys).toContain("sites/ams1/stage2.ipxe");
  expect(signedKeys).toContain(keys.sitesIndex);
  expect(signedKeys).not.toContain(keys.manifest);
  for (const o of plain.filter(needsSignature)) {
    const bytes =
      o.content.kind === "artifact" ? artefactBytes(o.content.name) : Buffer.from((o.content as any).text);
    expect(await verifies(bytes, sigs[o.key], pki.ca.cert)).toBe(true);
    expect(await verifies(bytes, sigs[o.key], pki.other.ca.cert)).toBe(false);
  }
});

test("the layout serves <key>.sig beside each signed object, with its cache policy; the manifest names it", async () => {
  const sigs = (await signOrigin(config, origin, opts("cache-a")))!;
  const layout = originLayout(config, origin, sigs);
  const at = (k: string) => layout.find((o) => o.key === k)!;
  const stage2Sig = at("sites/ams1/stage2.ipxe.sig");
  expect(stage2Sig).toMatchObject({
    contentType: CONTENT_TYPE.signature,
    cacheControl: CACHE_CONTROL.script,
  });
  expect(stage2Sig.content).toEqual({ kind: "bytes", data: sigs["sites/ams1/stage2.ipxe"] });
  const art = keys.artifact("debian12-linux", config.artifacts["debian12-linux"].sha256);
  expect(at(`${art}.sig`).cacheControl).toBe(CACHE_CONTROL.immutable);
  const manifest = JSON.parse((layout[layout.length - 1].content as any).text);
  // The manifest names each signature, not its bytes (the Pulumi program makes them at up), so it
  // is the same with or without the signatures in hand.
  const entry = manifest.objects.find((o: any) => o.key === "sites/ams1/stage2.ipxe");
  expect(entry.signature).toBe("sites/ams1/stage2.ipxe.sig");
  expect(manifest.objects.map((o: any) => o.key)).not.toContain("sites/ams1/stage2.ipxe.sig");
  expect(layout[layout.length - 1]).toEqual(originLayout(config, origin).at(-1));
});

test("deterministic and cached: a second run signs nothing and gives the same bytes; a fresh cache too", async () => {
  const a = (await signOrigin(config, origin, opts("cache-b")))!;
  const cacheDir = fs.readdirSync(path.join(dir, "cache-b"))[0];
  const files = path.join(dir, "cache-b", cacheDir);
  const before = fs.readdirSync(files).map((f) => fs.statSync(path.join(files, f)).mtimeMs);
  const t0 = Date.now();
  const b = (await signOrigin(config, origin, opts("cache-b")))!;
  const cachedMs = Date.now() - t0;
  expect(fs.readdirSync(files).map((f) => fs.statSync(path.join(files, f)).mtimeMs)).toEqual(before);
  const c = (await signOrigin(config, origin, opts("cache-c")))!;
  for (const k of Object.keys(a)) {
    expect(b[k].equals(a[k])).toBe(true);
    expect(c[k].equals(a[k])).toBe(true);
  }
  process.stdout.write(`sign-origin: ${Object.keys(a).length} objects, from the cache in ${cachedMs} ms\n`);
});

test("no codeSigning: nothing is signed and no key is read", async () => {
  expect(await signOrigin(validateStackConfig(prodRaw()), origin, opts("cache-x"))).toBeUndefined();
});

test("user mistakes: one line naming the field, thrown before anything is signed", () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [
      { trust: [pki.ca.cert], certFile: pki.other.signer.cert, keyFile: pki.other.signer.key },
      /^ipxe\.codeSigning\.certFile .* was not issued by a CA in ipxe\.codeSigning\.trust .*: iPXE would refuse its signatures/,
    ],
    [
      { trust: [pki.ca.cert], certFile: pki.signer.cert, keyFile: pki.other.signer.key },
      /^ipxe\.codeSigning\.keyFile .* does not belong to ipxe\.codeSigning\.certFile/,
    ],
    [
      { trust: [pki.ca.cert], certFile: pki.signer.cert, keyEnv: "BOOT_STACK_TEST_UNSET_KEY" },
      /^ipxe\.codeSigning\.keyEnv: environment variable BOOT_STACK_TEST_UNSET_KEY is not set/,
    ],
    [
      { trust: [path.join(dir, "missing.pem")], certFile: pki.signer.cert, keyFile: pki.signer.key },
      /^ipxe\.codeSigning\.trust\[0\] .*missing\.pem is not a readable PEM certificate/,
    ],
  ];
  for (const [cs, re] of cases) {
    const cfg = signedConfig(cs);
    let err: unknown;
    try {
      loadOriginSigner(cfg.ipxe.codeSigning!, dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CodeSigningConfigError);
    expect((err as CodeSigningConfigError).exitCode).toBe(3);
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).not.toContain("\n");
    expect((err as Error).message).not.toMatch(/PRIVATE KEY/);
  }
});
