// The signature command itself (origin/signature-command.ts), run as the Pulumi Command runs it
// (tsx in the project folder, values in the environment, scripts on stdin) against a local S3 API
// (s3rver): it refuses bytes that are not the ones the program named (a script on stdin, an
// artefact in the bucket) and uploads nothing then; without the key it stops with one line naming
// the field; otherwise it uploads `<key>.sig` that verifies under the org CA, prints only public
// values, and its delete removes the signatures.
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { sha256 } from "../../ipxe/build/hash";
import { verifyDetached } from "../../ipxe/sign/cms";
import { makeCodeSigningPki, CodeSigningPki } from "../../local/code-signing-pki";
import { CACHE_CONTROL } from "../../origin/keys";
import { SIGNATURE_COMMAND, signatureCommandEnv, SignedObjectRef } from "../../origin/signature-command-env";
import { LocalS3, startLocalS3 } from "../support/local-s3";

jest.setTimeout(120_000);

const REPO = path.resolve(__dirname, "..", "..");
const BUCKET = "sig-bucket";
const KEY_ENV = "BOOT_STACK_TEST_CMD_SIGNING_KEY";
const SCRIPT = "#!ipxe\necho stage-2 of a\n";
const ARTEFACT = Buffer.from("kernel bytes\n");
const scriptRef: SignedObjectRef = {
  key: "sites/a/stage2.ipxe",
  sha256: sha256(SCRIPT),
  cacheControl: CACHE_CONTROL.script,
  from: "stdin",
};
const artefactRef: SignedObjectRef = {
  key: `artifacts/${sha256(ARTEFACT)}/kernel`,
  sha256: sha256(ARTEFACT),
  cacheControl: CACHE_CONTROL.immutable,
  from: "bucket",
};

let dir: string;
let s3: LocalS3;
let pki: CodeSigningPki;
let key: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-sigcmd-"));
  s3 = await startLocalS3([BUCKET]);
  pki = await makeCodeSigningPki(path.join(dir, "pki"));
  key = fs.readFileSync(pki.signer.key, "utf8");
});
afterAll(async () => {
  await s3?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function runCommand(
  action: "create" | "delete",
  objects: SignedObjectRef[],
  stdin: Record<string, string>,
  withKey = true,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    ...s3.env,
    BOOT_STACK_CACHE: path.join(dir, "cache"),
    ...signatureCommandEnv({
      codeSigning: { trust: [pki.ca.cert], certFile: pki.signer.cert, keyEnv: KEY_ENV },
      certSha256: certSha256(),
      objects,
      bucket: BUCKET,
      region: "eu-west-1",
    }),
  } as NodeJS.ProcessEnv;
  if (withKey) env[KEY_ENV] = key;
  else delete env[KEY_ENV];
  return new Promise((resolve) => {
    const child = spawn(
      "/bin/sh",
      ["-c", action === "delete" ? `${SIGNATURE_COMMAND} delete` : SIGNATURE_COMMAND],
      {
        cwd: REPO,
        env,
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.stdin.end(JSON.stringify(stdin));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function certSha256(): string {
  return sha256(new X509Certificate(fs.readFileSync(pki.signer.cert)).raw);
}

const sigKeys = async () => (await s3.keys(BUCKET)).filter((k) => k.endsWith(".sig"));

test("bytes other than the program named, or no key: one line, nothing uploaded", async () => {
  const tampered = await runCommand("create", [scriptRef], { [scriptRef.key]: SCRIPT + "shell\n" });
  expect(tampered.code).toBe(1);
  expect(tampered.stderr.trim()).toMatch(
    /^boot-stack signatures: sites\/a\/stage2\.ipxe: its bytes have sha256 [0-9a-f]{64}, the program signs [0-9a-f]{64}; nothing was signed/,
  );
  await s3.client.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: artefactRef.key, Body: Buffer.from("other\n") }),
  );
  const badArtefact = await runCommand("create", [artefactRef], {});
  expect(badArtefact.stderr.trim()).toMatch(
    /^boot-stack signatures: artifacts\/\S+\/kernel: its bytes have sha256/,
  );
  const noKey = await runCommand("create", [scriptRef], { [scriptRef.key]: SCRIPT }, false);
  expect(noKey.stderr.trim()).toBe(
    `boot-stack signatures: ipxe.codeSigning.keyEnv: environment variable ${KEY_ENV} is not set: export the PEM private key in it (e.g. from the CI secret store)`,
  );
  expect(await sigKeys()).toEqual([]);
});

test("signs, verifies and uploads each <key>.sig; prints only public values; delete removes them", async () => {
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: artefactRef.key, Body: ARTEFACT }));
  const r = await runCommand("create", [scriptRef, artefactRef], { [scriptRef.key]: SCRIPT });
  expect(r.stderr).toBe(`signed and uploaded ${scriptRef.key}.sig, ${artefactRef.key}.sig\n`);
  expect(r.code).toBe(0);
  const result = JSON.parse(r.stdout);
  expect(await sigKeys()).toEqual([`${artefactRef.key}.sig`, `${scriptRef.key}.sig`]);
  for (const [ref, bytes] of [
    [scriptRef, Buffer.from(SCRIPT)],
    [artefactRef, ARTEFACT],
  ] as const) {
    const der = await s3.get(BUCKET, `${ref.key}.sig`);
    expect(await verifyDetached(bytes, der, [pki.ca.cert])).toBe(true);
    expect(await verifyDetached(bytes, der, [pki.other.ca.cert])).toBe(false);
    expect(result.signatures).toContainEqual({ key: `${ref.key}.sig`, sha256: sha256(der) });
    const head = await s3.head(BUCKET, `${ref.key}.sig`);
    expect(head.headers).toMatchObject({
      contentType: "application/pkcs7-signature",
      cacheControl: ref.cacheControl,
    });
    expect(head.metadata["signed-sha256"]).toBe(ref.sha256);
  }
  expect(r.stdout + r.stderr).not.toContain("PRIVATE KEY");
  const d = await runCommand("delete", [scriptRef], {}, false);
  expect(d.code).toBe(0);
  expect(await sigKeys()).toEqual([`${artefactRef.key}.sig`]);
});
