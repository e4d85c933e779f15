// A throwaway test CA for the HTTPS boot tests: a CA, a server certificate for the guest's view
// of the origin (IP 10.0.2.100) signed by it, and a rogue self-signed one for the same address.
import * as fs from "node:fs";
import { QEMU_NET } from "./guest-network";
import { issueLeaf, makeCa, selfSigned } from "./test-ca";

export interface TestPki {
  caCert: string;
  server: { key: string; cert: string };
  rogue: { key: string; cert: string };
}

export async function makeTestPki(dir: string, ip = QEMU_NET.origin): Promise<TestPki> {
  const ca = await makeCa(dir, "ca", "boot-stack test CA");
  const server = await issueLeaf(dir, ca, "server", ip, [
    `subjectAltName=IP:${ip}`,
    "basicConstraints=CA:FALSE",
    "keyUsage=digitalSignature,keyEncipherment",
    "extendedKeyUsage=serverAuth",
  ]);
  const rogue = await selfSigned(dir, "rogue", ip, [`subjectAltName=IP:${ip}`]);
  const read = (f: string) => fs.readFileSync(f, "utf8");
  return {
    caCert: ca.cert,
    // The chain up to (and including) the CA: iPXE validates what the server sends.
    server: { key: read(server.key), cert: read(server.cert) + read(ca.cert) },
    rogue: { key: read(rogue.key), cert: read(rogue.cert) },
  };
}
