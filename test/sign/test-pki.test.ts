// The throwaway PKIs the boot tests rely on, checked with openssl: the HTTPS server certificate
// chains to the test CA for the server purpose and the rogue one does not; the code-signing
// leaves chain to their own CA only.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run } from "../../ipxe/build/tools";
import { makeCodeSigningPki } from "../../local/code-signing-pki";
import { makeTestPki } from "../../local/tls";

jest.setTimeout(60_000);
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "test-pki-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function verifies(caFile: string, cert: string, purpose: string): Promise<boolean> {
  const file = path.join(dir, "leaf.pem");
  fs.writeFileSync(file, cert.startsWith("-----") ? cert : fs.readFileSync(cert));
  return (await run("openssl", ["verify", "-CAfile", caFile, "-purpose", purpose, file])).code === 0;
}

test("HTTPS test PKI: server certificate under the CA, rogue self-signed", async () => {
  const pki = await makeTestPki(path.join(dir, "tls"));
  expect(
    await verifies(pki.caCert, pki.server.cert.split(/(?<=-----END CERTIFICATE-----\n)/)[0], "sslserver"),
  ).toBe(true);
  expect(await verifies(pki.caCert, pki.rogue.cert, "sslserver")).toBe(false);
});

test("code-signing test PKI: each leaf under its own CA only", async () => {
  const pki = await makeCodeSigningPki(path.join(dir, "cs"));
  expect(await verifies(pki.ca.cert, pki.signer.cert, "any")).toBe(true);
  expect(await verifies(pki.other.ca.cert, pki.other.signer.cert, "any")).toBe(true);
  expect(await verifies(pki.ca.cert, pki.other.signer.cert, "any")).toBe(false);
});
