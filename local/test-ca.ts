// Throwaway certificate authorities for tests, made with openssl at test time and never
// committed: a self-signed CA, and leaf certificates it issues with the extensions a test needs.
// RSA 2048 and SHA-256: what iPXE's TLS and imgverify accept.
import * as fs from "node:fs";
import * as path from "node:path";
import { runTool } from "./proc";

export interface TestCa {
  name: string;
  key: string;
  cert: string;
}

export interface TestLeaf {
  key: string;
  cert: string;
}

const ssl = (args: string[]) => runTool("openssl", args, { timeoutMs: 30_000 });

/** A self-signed certificate `<dir>/<name>.{key,crt}` with `addext` extensions, valid `days`. */
export async function selfSigned(
  dir: string,
  name: string,
  cn: string,
  addext: string[],
  days = 2,
): Promise<TestLeaf> {
  fs.mkdirSync(dir, { recursive: true });
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  await ssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-sha256",
    "-days",
    String(days),
    "-subj",
    `/CN=${cn}`,
    "-keyout",
    key,
    "-out",
    cert,
    ...addext.flatMap((e) => ["-addext", e]),
  ]);
  return { key, cert };
}

/** A self-signed CA `<dir>/<name>.{key,crt}` (CA:TRUE, keyCertSign), valid `days` (default two). */
export async function makeCa(dir: string, name: string, cn: string, days = 2): Promise<TestCa> {
  const ca = await selfSigned(
    dir,
    name,
    cn,
    ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"],
    days,
  );
  return { name, ...ca };
}

/** A leaf `<dir>/<name>.{key,crt}` for `cn` issued by `ca`, with `extensions` (openssl extfile lines). */
export async function issueLeaf(
  dir: string,
  ca: TestCa,
  name: string,
  cn: string,
  extensions: string[],
  days = 2,
): Promise<TestLeaf> {
  const f = (ext: string) => path.join(dir, `${name}.${ext}`);
  fs.writeFileSync(f("ext"), `${extensions.join("\n")}\n`);
  await ssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-sha256",
    "-subj",
    `/CN=${cn}`,
    "-keyout",
    f("key"),
    "-out",
    f("csr"),
  ]);
  await ssl([
    "x509",
    "-req",
    "-sha256",
    "-days",
    String(days),
    "-in",
    f("csr"),
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-set_serial",
    `0x${Buffer.from(name).toString("hex").slice(0, 30)}`,
    "-extfile",
    f("ext"),
    "-out",
    f("crt"),
  ]);
  return { key: f("key"), cert: f("crt") };
}
