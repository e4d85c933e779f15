// Detached CMS signatures checked by the real consumer: a compiled iPXE that trusts the
// organisation's code-signing CA (codeSigningTrust → TRUST=/CERT=) and runs `imgtrust --permanent`,
// booted in QEMU against the local origin, which serves scripts and their `.sig` beside them.
// One boot checks: a tampered script is refused, a script signed under another CA is refused,
// an unverified script cannot be chained at all, and a correctly signed one verifies and runs.
// It also measures what one imgverify adds (a control interval without verification is
// subtracted). Hand-written scripts: the stage-1/stage-2 that use this come in phase 2.
// Needs BOOT_STACK_IPXE_SRC (a compile); BIOS, whose compiled console is mirrored to serial.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadCodeSigner, signDetached } from "../../ipxe/sign/cms";
import { sha256 } from "../../ipxe/build/hash";
import { cachedCodeSigningPki, CodeSigningPki } from "../../local/code-signing-pki";
import { buildTestImage } from "../../local/image";
import { withQemuLock } from "../../local/qemu/lock";
import { startQemu } from "../../local/qemu/rig";
import { GUEST_ORIGIN } from "../../local/guest-network";
import { stripAnsi } from "../../local/qemu/screen";
import { CACHE_CONTROL } from "../../origin/keys";
import { OriginObject, script } from "../../origin/layout";
import { OriginServer } from "../../origin/server";
import { AccessLogEntry } from "../../origin/server-log";
import { expectNothingLeftBehind, reportDir, whenIpxeSource } from "./helpers";

expectNothingLeftBehind();

const ORIGIN = GUEST_ORIGIN.baseUrl;
const REPEATS = 3;

const GOOD = "#!ipxe\necho SIGTEST good script ran\npoweroff\n";
const TAMPERED = "#!ipxe\necho SIGTEST tampered script ran\npoweroff\n";

/** The embedded script: QEMU's static network, permanent trust, then the checks in order. */
function embeddedScript(): string {
  const verify = (name: string) => [
    `imgfetch -n ${name} ${ORIGIN}/${name}.ipxe || goto fetch_failed`,
    `imgverify ${name} ${ORIGIN}/${name}.ipxe.sig && echo SIGTEST ${name} accepted || echo SIGTEST ${name} refused`,
    `imgfree ${name}`,
  ];
  // Timing: [c0, sig fetched, c1] against [v0, sig fetched and verified, v1], REPEATS times.
  const timing = Array.from({ length: REPEATS }, (_, i) => [
    `imgfetch -n c0_${i} ${ORIGIN}/mark/c0-${i} || goto fetch_failed`,
    `imgfetch -n sig_${i} ${ORIGIN}/good.ipxe.sig || goto fetch_failed`,
    `imgfetch -n c1_${i} ${ORIGIN}/mark/c1-${i} || goto fetch_failed`,
    `imgfetch -n good_${i} ${ORIGIN}/good.ipxe || goto fetch_failed`,
    `imgfetch -n v0_${i} ${ORIGIN}/mark/v0-${i} || goto fetch_failed`,
    `imgverify good_${i} ${ORIGIN}/good.ipxe.sig || echo SIGTEST good refused`,
    `imgfetch -n v1_${i} ${ORIGIN}/mark/v1-${i} || goto fetch_failed`,
  ]).flat();
  return [
    "#!ipxe",
    "set net0/ip 10.0.2.15",
    "set net0/netmask 255.255.255.0",
    "set net0/gateway 10.0.2.2",
    "ifopen net0 || goto fetch_failed",
    "imgtrust --permanent",
    ...verify("tampered"),
    ...verify("other"),
    `chain ${ORIGIN}/good.ipxe && echo SIGTEST unverified-chain ran || echo SIGTEST unverified-chain refused`,
    ...timing,
    `echo SIGTEST chaining good`,
    `chain good_${REPEATS - 1} || echo SIGTEST good chain failed`,
    "poweroff",
    ":fetch_failed",
    "echo SIGTEST fetch failed",
    "poweroff",
    "",
  ].join("\n");
}

/** Scripts inline, signatures as files (served like artefacts: sha256-checked before serving). */
async function originObjects(pki: CodeSigningPki, dir: string): Promise<OriginObject[]> {
  const org = loadCodeSigner({ certFile: pki.signer.cert, keyFile: pki.signer.key }, "test signer");
  const other = loadCodeSigner({ certFile: pki.other.signer.cert, keyFile: pki.other.signer.key }, "other");
  const sigs: Record<string, Buffer> = {
    "good.ipxe.sig": await signDetached(Buffer.from(GOOD), org),
    // The signature of the good script, served beside a changed one.
    "tampered.ipxe.sig": await signDetached(Buffer.from(GOOD), org),
    "other.ipxe.sig": await signDetached(Buffer.from(GOOD), other),
  };
  const objects = [
    script("good.ipxe", GOOD),
    script("tampered.ipxe", TAMPERED),
    script("other.ipxe", GOOD),
    ...["c0", "c1", "v0", "v1"].flatMap((m) =>
      Array.from({ length: REPEATS }, (_, i) => script(`mark/${m}-${i}`, "#!ipxe\n")),
    ),
  ];
  for (const [key, bytes] of Object.entries(sigs)) {
    const file = path.join(dir, key);
    fs.writeFileSync(file, bytes);
    objects.push({
      key,
      contentType: "application/pkcs7-signature",
      cacheControl: CACHE_CONTROL.script,
      sha256: sha256(bytes),
      content: { kind: "artifact", name: key, source: file },
    });
  }
  return objects;
}

const compiled = whenIpxeSource("signed-script.test.ts: imgverify needs a compiled iPXE; the test is");

compiled(
  "a compiled iPXE trusting the org CA refuses tampered, foreign-CA and unverified scripts, and runs a signed one",
  async () => {
    const pki = await cachedCodeSigningPki();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "signed-script-"));
    const report = reportDir("signed-script");
    const log: AccessLogEntry[] = [];
    try {
      // The first time a full BIOS build for this CA (minutes); then cached.
      const image = await buildTestImage({
        site: "sigtest",
        stage1: embeddedScript(),
        outDir: dir,
        platforms: ["bios"],
        mode: "compile",
        codeSigningTrust: [pki.ca.cert],
      });
      const serial = await withQemuLock(600_000, async () => {
        const origin = await OriginServer.start({
          objects: await originObjects(pki, dir),
          resolveArtifact: async (_name, source) => (typeof source === "string" ? source : undefined),
          logger: (e) => log.push(e),
        });
        const run = await startQemu({
          firmware: "bios",
          image: { iso: image.isoPath },
          httpPort: origin.port,
          timeoutMs: 150_000,
        });
        try {
          await run.waitExit(140_000);
          return run.serial();
        } finally {
          fs.writeFileSync(path.join(report, "serial.log"), run.serial());
          await run.kill();
          await origin.down();
        }
      });
      const results = stripAnsi(serial)
        .split("\n")
        .map((l) => /SIGTEST .*$/.exec(l)?.[0].trim())
        .filter(Boolean);
      expect(results).toEqual([
        "SIGTEST tampered refused",
        "SIGTEST other refused",
        "SIGTEST unverified-chain refused",
        "SIGTEST chaining good",
        "SIGTEST good script ran",
      ]);
      // Why each was refused, from the error's source file (iPXE 0ab2277c, src/include/ipxe/errfile.h):
      // rsa.c: the signature does not match the bytes; x509.c: the signer chains to no trusted
      // root; image.c: an image not verified may not run under `imgtrust --permanent`.
      const text = stripAnsi(serial);
      expect(text).toContain("Could not verify: Permission denied (https://ipxe.org/0227e13c)");
      expect(text).toContain("Could not verify: Permission denied (https://ipxe.org/0216eb3c)");
      expect(text).toContain("Could not boot: Permission denied (https://ipxe.org/0200813c)");
      // The signature was fetched from beside each script.
      expect(log.filter((e) => e.path.endsWith(".sig")).map((e) => e.status)).not.toContain(404);

      const at = (p: string) => log.find((e) => e.path === p)!.time.getTime();
      const added = Array.from(
        { length: REPEATS },
        (_, i) => at(`/mark/v1-${i}`) - at(`/mark/v0-${i}`) - (at(`/mark/c1-${i}`) - at(`/mark/c0-${i}`)),
      ).sort((a, b) => a - b);
      const median = added[Math.floor(REPEATS / 2)];
      fs.writeFileSync(
        path.join(report, "verify-timing.json"),
        `${JSON.stringify({ addedMsPerVerification: added, medianMs: median, note: "TCG, BIOS, RSA-2048" })}\n`,
      );
      process.stdout.write(`signed-script: one imgverify adds ${median} ms (runs: ${added.join(", ")} ms)\n`);
      expect(median).toBeLessThan(5_000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  30 * 60_000,
);
