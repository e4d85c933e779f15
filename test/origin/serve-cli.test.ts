// `boot-stack serve` as a user runs it: a real process, a real socket, Ctrl-C to stop.
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { CodeSigningPki, makeCodeSigningPki } from "../../local/code-signing-pki";
import { OriginServer } from "../../origin/server";
import { runCli, STACK_FRAME } from "../support/cli";

const REPO = path.resolve(__dirname, "..", "..");
jest.setTimeout(60_000);

let dir: string;
let child: ChildProcess | undefined;

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url}: no answer within 10 s`)));
    req.on("error", reject);
  });
}

function startServe(args: string[]): Promise<{ url: string; out: () => string }> {
  // One process (tsx as a loader, not its CLI wrapper), so SIGTERM reaches the server itself.
  child = spawn(process.execPath, ["--import", "tsx", path.join(REPO, "cli", "main.ts"), "serve", ...args], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c) => (out += c));
  child.stderr!.on("data", (c) => (out += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
    const check = () => {
      // Ready once the last start-up line is out (stdout may arrive in several chunks).
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m && out.includes("Ctrl-C stops it")) {
        clearTimeout(timer);
        resolve({ url: m[1], out: () => out });
      }
    };
    child!.stdout!.on("data", check);
    child!.on("exit", () => reject(new Error(`serve exited: ${out}`)));
  });
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "serve-cli-"));
  const kernel = Buffer.from("not really a kernel\n");
  fs.writeFileSync(path.join(dir, "vmlinuz"), kernel);
  const sha = createHash("sha256").update(kernel).digest("hex");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: serve-test\nruntime: nodejs\n");
  fs.writeFileSync(
    path.join(dir, "Pulumi.t.yaml"),
    `config:
  boot-stack:origin: { hostname: boot.example.com, cloudflareZoneId: 0123456789abcdef0123456789abcdef }
  boot-stack:artifacts:
    k: { source: vmlinuz, sha256: ${sha} }
    remote: { source: "https://example.invalid/initrd", sha256: "${"1".repeat(64)}" }
  boot-stack:sites:
    - name: lab1
      network: { mode: dhcp }
      menu:
        default: k
        entries: [{ type: linux, id: k, label: Kernel, kernel: k, initrds: [remote] }]
`,
  );
});
afterEach(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  child = undefined;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("serves the layout for QEMU's view, logs requests, warns about uncached URL artefacts, stops on SIGTERM", async () => {
  const { url, out } = await startServe(["--stack", "t", "--port", "0", "--project-dir", dir]);
  expect(out()).toContain("scripts point at http://10.0.2.100");
  expect(out()).toMatch(
    /warning: artifacts\/1{64}\/remote is a URL artefact not in the cache: answered with 404/,
  );
  const stage2 = await get(`${url}/sites/lab1/stage2.ipxe?site=lab1&s1=1&mac=52-54-00-12-34-56&via=dhcp`);
  expect(stage2.status).toBe(200);
  expect(stage2.body).toContain("|| set bs_origin http://10.0.2.100\n");
  expect((await get(`${url}/artifacts/${"1".repeat(64)}/remote`)).status).toBe(404);
  await new Promise((r) => setTimeout(r, 100));
  expect(out()).toMatch(
    /GET \/sites\/lab1\/stage2\.ipxe 200 \d+B \d+ms host=127\.0\.0\.1:\d+ site=lab1 s1=1 mac=52-54-00-12-34-56 via=dhcp/,
  );
  const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
  child!.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(out()).toContain("SIGTERM: closing");
  await expect(get(`${url}/manifest.json`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
});

test("a bad port is a usage error (exit 2) naming the flag", async () => {
  const r = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(REPO, "cli", "main.ts"),
      "serve",
      "--stack",
      "t",
      "--port",
      "http",
      "--project-dir",
      dir,
    ],
    { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] },
  );
  let err = "";
  r.stderr.on("data", (c) => (err += c));
  const code = await new Promise((res) => r.on("exit", res));
  expect(code).toBe(2);
  expect(err).toContain('--port "http": expected a TCP port number 0-65535');
});

describe("a signing stack (ipxe.codeSigning)", () => {
  let pki: CodeSigningPki;
  const stackFile = (name: string, codeSigning: Record<string, unknown>, withRemote: boolean) =>
    fs.writeFileSync(
      path.join(dir, `Pulumi.${name}.yaml`),
      stringify({
        config: {
          "boot-stack:origin": {
            hostname: "boot.example.com",
            cloudflareZoneId: "0123456789abcdef0123456789abcdef",
          },
          "boot-stack:ipxe": { mode: "compile", codeSigning },
          "boot-stack:artifacts": {
            k: {
              source: "vmlinuz",
              sha256: createHash("sha256").update("not really a kernel\n").digest("hex"),
            },
            ...(withRemote
              ? { remote: { source: "https://example.invalid/initrd", sha256: "1".repeat(64) } }
              : {}),
          },
          "boot-stack:sites": [
            {
              name: "lab1",
              network: { mode: "dhcp" },
              menu: {
                default: "k",
                entries: [
                  {
                    type: "linux",
                    id: "k",
                    label: "Kernel",
                    kernel: "k",
                    initrds: withRemote ? ["remote"] : [],
                  },
                ],
              },
            },
          ],
        },
      }),
    );
  beforeAll(async () => {
    pki = await makeCodeSigningPki(path.join(dir, "pki"));
  });
  const signing = () => ({ trust: [pki.ca.cert], certFile: pki.signer.cert, keyFile: pki.signer.key });

  test("serves <key>.sig beside stage-2 and the artefact; the scripts verify", async () => {
    stackFile("s", signing(), false);
    const { url } = await startServe(["--stack", "s", "--port", "0", "--project-dir", dir]);
    expect((await get(`${url}/sites/lab1/stage2.ipxe`)).body).toContain("imgverify");
    expect((await get(`${url}/sites/lab1/stage2.ipxe.sig`)).status).toBe(200);
    const sha = createHash("sha256").update("not really a kernel\n").digest("hex");
    expect((await get(`${url}/artifacts/${sha}/k.sig`)).status).toBe(200);
  });

  test("a URL artefact not in the cache, or a key that is not there: one line, nothing served", async () => {
    stackFile("r", signing(), true);
    const r = await runCli(["serve", "--stack", "r", "--port", "0", "--project-dir", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /artefact remote is a URL not in the cache, and ipxe\.codeSigning must sign it: run with --fetch-artifacts/,
    );
    stackFile("k", { ...signing(), keyFile: undefined, keyEnv: "BOOT_STACK_TEST_SERVE_UNSET" }, false);
    const k = await runCli(["serve", "--stack", "k", "--port", "0", "--project-dir", dir]);
    expect(k.code).toBe(3);
    expect(k.stderr.trim()).toMatch(
      /^boot-stack: ipxe\.codeSigning\.keyEnv: environment variable BOOT_STACK_TEST_SERVE_UNSET is not set[^\n]*$/,
    );
    expect(k.stderr).not.toMatch(STACK_FRAME);
    expect(OriginServer.listeningCount()).toBe(0);
  });
});
