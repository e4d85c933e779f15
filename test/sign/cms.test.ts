// Detached CMS signatures as iPXE's imgverify reads them: deterministic (-noattr, RSA), verifiable
// with openssl against the organisation's CA for the code-signing purpose, and not against
// another CA. The consumer (iPXE in QEMU) is test/boot/signed-script.test.ts.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadCodeSigner, signDetached, signDetachedAll } from "../../ipxe/sign/cms";
import { SigningError } from "../../ipxe/sign/errors";
import { Signer } from "../../ipxe/sign/signer";
import { run } from "../../ipxe/build/tools";
import { CodeSigningPki, makeCodeSigningPki } from "../../local/code-signing-pki";

jest.setTimeout(60_000);
let dir: string;
let pki: CodeSigningPki;
let signer: Signer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cms-sign-"));
  pki = await makeCodeSigningPki(path.join(dir, "pki"));
  signer = loadCodeSigner({ certFile: pki.signer.cert, keyFile: pki.signer.key }, "test");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function verifies(data: Buffer, sig: Buffer, caFile: string): Promise<boolean> {
  fs.writeFileSync(path.join(dir, "data"), data);
  fs.writeFileSync(path.join(dir, "data.sig"), sig);
  const r = await run("openssl", [
    "cms",
    "-verify",
    "-binary",
    "-inform",
    "DER",
    "-in",
    path.join(dir, "data.sig"),
    "-content",
    path.join(dir, "data"),
    "-CAfile",
    caFile,
    // OpenSSL 3.0 has no codesign purpose; loadCodeSigner checks the usage instead.
    "-purpose",
    "any",
    "-out",
    "/dev/null",
  ]);
  return r.code === 0;
}

const script = Buffer.from("#!ipxe\necho signed\n");

test("the same bytes and key give the same signature", async () => {
  const a = await signDetached(script, signer);
  const b = await signDetached(script, signer);
  expect(a.equals(b)).toBe(true);
  expect(a[0]).toBe(0x30); // DER SEQUENCE
});

test("the signature verifies against the organisation's CA, not another CA, and not for other bytes", async () => {
  const sig = await signDetached(script, signer);
  expect(await verifies(script, sig, pki.ca.cert)).toBe(true);
  expect(await verifies(script, sig, pki.other.ca.cert)).toBe(false);
  expect(await verifies(Buffer.from("#!ipxe\necho tampered\n"), sig, pki.ca.cert)).toBe(false);
});

test("signing many keeps the order", async () => {
  const items = Array.from({ length: 6 }, (_, i) => Buffer.from(`#!ipxe\necho ${i}\n`));
  const sigs = await signDetachedAll(items, signer, { concurrency: 3 });
  for (let i = 0; i < items.length; i++)
    expect(sigs[i].equals(await signDetached(items[i], signer))).toBe(true);
});

test("a certificate without the codeSigning usage is refused before anything is signed", () => {
  // The CA's own certificate: a valid key pair, but not a code-signing certificate.
  expect(() => loadCodeSigner({ certFile: pki.ca.cert, keyFile: pki.ca.key }, "ipxe.signing")).toThrow(
    SigningError,
  );
  expect(() => loadCodeSigner({ certFile: pki.ca.cert, keyFile: pki.ca.key }, "ipxe.signing")).toThrow(
    /ipxe\.signing\.certFile .* has no extendedKeyUsage codeSigning/,
  );
});
