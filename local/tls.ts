// A throwaway test CA for the HTTPS boot tests: a CA, a server certificate for the guest's view
// of the origin (IP 10.0.2.100) signed by it, and a rogue self-signed one for the same address.
// RSA 2048 and SHA-256: what iPXE's TLS (1.2 at most) accepts.
import * as fs from "node:fs";
import * as path from "node:path";
import { QEMU_NET } from "./guest-network";
import { runTool } from "./proc";

export interface TestPki {
  caCert: string;
  server: { key: string; cert: string };
  rogue: { key: string; cert: string };
}

export async function makeTestPki(dir: string, ip = QEMU_NET.origin): Promise<TestPki> {
  fs.mkdirSync(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  const ssl = (args: string[]) => runTool("openssl", args, { timeoutMs: 30_000 });
  const ext = f("server.ext");
  fs.writeFileSync(
    ext,
    `subjectAltName=IP:${ip}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  /** A self-signed RSA certificate, <name>.key and <name>.crt, valid for 2 days. */
  const selfSigned = (name: string, subject: string, extensions: string[]) =>
    ssl([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-sha256",
      "-days",
      "2",
      "-subj",
      subject,
      ...extensions.flatMap((e) => ["-addext", e]),
      "-keyout",
      f(`${name}.key`),
      "-out",
      f(`${name}.crt`),
    ]);
  await selfSigned("ca", "/CN=boot-stack test CA", [
    "basicConstraints=critical,CA:TRUE",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await ssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-sha256",
    "-subj",
    `/CN=${ip}`,
    "-keyout",
    f("server.key"),
    "-out",
    f("server.csr"),
  ]);
  await ssl([
    "x509",
    "-req",
    "-sha256",
    "-days",
    "2",
    "-in",
    f("server.csr"),
    "-CA",
    f("ca.crt"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-extfile",
    ext,
    "-out",
    f("server.crt"),
  ]);
  await selfSigned("rogue", `/CN=${ip}`, [`subjectAltName=IP:${ip}`]);
  const read = (n: string) => fs.readFileSync(f(n), "utf8");
  return {
    caCert: f("ca.crt"),
    // The chain up to (and including) the CA: iPXE validates what the server sends.
    server: { key: read("server.key"), cert: read("server.crt") + read("ca.crt") },
    rogue: { key: read("rogue.key"), cert: read("rogue.crt") },
  };
}
