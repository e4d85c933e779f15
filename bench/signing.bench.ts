// Signing costs: detached CMS signatures (what phase 2 adds to every upload) for 1,000 sites'
// stage-2 scripts, rendered from a synthetic stack, with one openssl process per object, a few
// at a time; one 8 MiB artefact (kernel-sized); and a Secure Boot signature (sbsign under
// faketime) of iPXE's UEFI binary; and what `pulumi up` does with ipxe.codeSigning for a
// 1,000-site stack (signOrigin: every stage-1/stage-2, the index, the artefacts), into an empty
// signature cache and then again from it. Keys are a throwaway test PKI made here.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { validateStackConfig } from "../config/validate";
import { debian13IpxeDir } from "../ipxe/build";
import { DEFAULT_SOURCE_DATE_EPOCH } from "../ipxe/build/plan";
import { loadCodeSigner, signDetached, signDetachedAll } from "../ipxe/sign/cms";
import { signEfiBinary } from "../ipxe/sign/efi";
import { loadSigner } from "../ipxe/sign/signer";
import { originRefFor } from "../ipxe/render/origin-ref";
import { renderStage2 } from "../ipxe/render/stage2";
import { makeCodeSigningPki } from "../local/code-signing-pki";
import { cacheDir } from "../ipxe/build/cache";
import { OVMF_SECURE_BOOT } from "../local/qemu/rig";
import { signOrigin } from "../origin/sign-origin";
import { syntheticStack } from "./synthetic-sites";

function emit(bench: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench, value: Math.round(value * 100) / 100, unit, ...extra }));
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-bench-sign-"));
  try {
    const pki = await makeCodeSigningPki(path.join(dir, "pki"));
    const signer = loadCodeSigner({ certFile: pki.signer.cert, keyFile: pki.signer.key }, "bench");
    const config = validateStackConfig(syntheticStack(1000));
    const origin = originRefFor(config.origin);
    let t = performance.now();
    const scripts = config.sites.map((s) => Buffer.from(renderStage2(s, config.artifacts, origin)));
    const renderMs = performance.now() - t;
    const bytes = scripts.reduce((n, b) => n + b.length, 0);

    t = performance.now();
    await signDetachedAll(scripts, signer);
    const ms = performance.now() - t;
    // What a deploy of 1,000 sites pays per change of every site: render each stage-2 and sign it
    // (artefacts are shared by content hash and signed once each; see sign.cms.8MiB).
    emit("sign.sites.1000", (renderMs + ms) / 1000, "s", {
      renderS: Math.round(renderMs) / 1000,
      signS: Math.round(ms) / 1000,
    });
    emit("sign.cms.stage2.1000", ms / 1000, "s", {
      perObjectMs: Math.round((ms / scripts.length) * 100) / 100,
      concurrency: os.cpus().length,
      meanScriptBytes: Math.round(bytes / scripts.length),
    });

    t = performance.now();
    await signDetachedAll(scripts.slice(0, 100), signer, { concurrency: 1 });
    emit("sign.cms.stage2.one-at-a-time", (performance.now() - t) / 100, "ms", { runs: 100 });

    const kernel = randomBytes(8 * 1024 * 1024);
    t = performance.now();
    await signDetached(kernel, signer);
    emit("sign.cms.8MiB", performance.now() - t, "ms");

    const raw = syntheticStack(1000);
    const signing = validateStackConfig({
      ...raw,
      ipxe: {
        mode: "compile",
        codeSigning: { trust: [pki.ca.cert], certFile: pki.signer.cert, keyFile: pki.signer.key },
      },
    });
    // Artefact bytes: 8 MiB and 32 MiB stand-ins (the signature does not care what they hold).
    const files: Record<string, string> = {
      kernel: path.join(dir, "vmlinuz"),
      initrd: path.join(dir, "initrd.img"),
    };
    fs.writeFileSync(files.kernel, kernel);
    fs.writeFileSync(files.initrd, randomBytes(32 * 1024 * 1024));
    const signOpts = {
      projectDir: dir,
      artifactFile: (name: string) => files[name],
      cache: path.join(dir, "sig-cache"),
    };
    t = performance.now();
    const sigs = await signOrigin(signing, origin, signOpts);
    emit("sign.origin.1000-sites", (performance.now() - t) / 1000, "s", {
      objects: Object.keys(sigs!).length,
    });
    t = performance.now();
    await signOrigin(signing, origin, signOpts);
    emit("sign.origin.1000-sites.unchanged", performance.now() - t, "ms", {
      note: "every signature from the cache",
    });

    process.env.BENCH_DB_PASSPHRASE = OVMF_SECURE_BOOT.passphrase;
    const db = loadSigner(
      {
        certFile: OVMF_SECURE_BOOT.cert,
        keyFile: OVMF_SECURE_BOOT.key,
        passphraseEnv: "BENCH_DB_PASSPHRASE",
      },
      "bench",
    );
    const efi = path.join(await debian13IpxeDir(cacheDir()), "ipxe-amd64.efi");
    t = performance.now();
    await signEfiBinary(efi, path.join(dir, "ipxe.efi"), db, DEFAULT_SOURCE_DATE_EPOCH);
    emit("sign.efi.ipxe", performance.now() - t, "ms", { bytes: fs.statSync(efi).size });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
