// `boot-stack validate --check-artifacts`: fetches and verifies every artefact into the one cache
// (BOOT_STACK_CACHE or the repo's .cache/, as the program and the image builder use), and the
// example stacks' pinned artefacts really verify, here, from Debian's archive.
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { AddressInfo } from "node:net";
import { stringify } from "yaml";
import { main } from "../../cli/main";
import { sha256 } from "../../ipxe/build/hash";
import { prodRaw, PROJECT_DIR } from "../support/prod-config";

jest.setTimeout(300_000);

let tmp: string;
let out: string[];
let err: string[];
const savedCache = process.env.BOOT_STACK_CACHE;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-validate-artifacts-"));
  out = [];
  err = [];
  jest.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  jest.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
});
afterEach(() => {
  jest.restoreAllMocks();
  if (savedCache === undefined) delete process.env.BOOT_STACK_CACHE;
  else process.env.BOOT_STACK_CACHE = savedCache;
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A project folder whose stack `test` has the example's sites and the given artefacts. */
function project(artifacts: Record<string, unknown>): string {
  const dir = path.join(tmp, "project");
  fs.mkdirSync(dir);
  const raw = prodRaw();
  const name = Object.keys(artifacts)[0];
  for (const site of raw.sites)
    for (const entry of site.menu.entries)
      if (entry.type === "linux") Object.assign(entry, { kernel: name, initrds: [] });
  const config = Object.fromEntries(
    Object.entries({ ...raw, artifacts }).map(([k, v]) => [`boot-stack:${k}`, v]),
  );
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: boot-stack\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "Pulumi.test.yaml"), stringify({ config }));
  return dir;
}

async function withHttpServer<T>(body: Buffer, run: (url: string) => Promise<T>): Promise<T> {
  const server = http.createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    return await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/kernel`);
  } finally {
    server.close();
  }
}

test("downloads land in BOOT_STACK_CACHE (the one cache rule), not in the project folder", async () => {
  const bytes = Buffer.from("a kernel\n");
  const cache = path.join(tmp, "cache");
  process.env.BOOT_STACK_CACHE = cache;
  await withHttpServer(bytes, async (url) => {
    const dir = project({ kernel: { source: url, sha256: sha256(bytes) } });
    expect(await main(["validate", "--stack", "test", "--project-dir", dir, "--check-artifacts"])).toBe(0);
    expect(fs.readFileSync(path.join(cache, "artifacts", sha256(bytes), "kernel"))).toEqual(bytes);
    expect(fs.existsSync(path.join(dir, ".cache"))).toBe(false);
  });
});

// The example stacks' artefacts are pinned Debian package files: they verify here, for real,
// from Debian's archive (~133 MB once, into the shared cache; later runs read the cache).
test.each(["prod", "staging"])("the example stack %s verifies its artefacts", async (stack) => {
  expect(await main(["validate", "--stack", stack, "--project-dir", PROJECT_DIR, "--check-artifacts"])).toBe(
    0,
  );
  expect(out.join("")).toMatch(
    new RegExp(`^ok: .*Pulumi\\.${stack}\\.yaml: .*, 2 artefacts \\(hashes verified\\)\\n$`),
  );
});
