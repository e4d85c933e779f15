// The CLI as a pull request uses it: run in-process through main(), with real files.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { main } from "../../cli/main";
import { EXIT } from "../../errors/user-error";
import { prodRaw, PROJECT_DIR } from "../support/prod-config";

let tmp: string;
let out: string[];
let err: string[];

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-cli-"));
  out = [];
  err = [];
  jest.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  jest.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A project folder with a stack file built from the example, mutated by the test. */
function project(mutate: (r: ReturnType<typeof prodRaw>) => void = () => {}): string {
  const raw = prodRaw();
  mutate(raw);
  const config = Object.fromEntries(Object.entries(raw).map(([k, v]) => [`boot-stack:${k}`, v]));
  fs.writeFileSync(path.join(tmp, "Pulumi.yaml"), "name: boot-stack\nruntime: nodejs\n");
  fs.writeFileSync(
    path.join(tmp, "Pulumi.test.yaml"),
    stringify({ config: { "aws:region": "eu-west-1", ...config } }),
  );
  return tmp;
}

test("validate passes the example stack", async () => {
  expect(await main(["validate", "--stack", "prod", "--project-dir", PROJECT_DIR])).toBe(0);
  expect(out.join("")).toMatch(
    /^ok: .*Pulumi\.prod\.yaml: 4 sites \(ams1:prompt, fra-lab:dhcp, nyc2:static, sgp1:dhcp-then-prompt\), 2 artefacts/,
  );
});

test("validate exits CONFIG and lists every problem", async () => {
  const dir = project((r) => {
    r.sites[0].network.gateway = "10.0.0.300";
    r.sites[1].menu.default = "nope";
  });
  expect(await main(["validate", "--stack", "test", "--project-dir", dir])).toBe(EXIT.CONFIG);
  const text = err.join("");
  expect(text).toContain("2 problems");
  expect(text).toContain('sites[0] "ams1".network.gateway: "10.0.0.300" is not an IPv4 address');
  expect(text).toContain('sites[1] "fra-lab".menu.default: "nope" is not the id of any entry');
});

test("validate names a missing stack file and a bad stack name", async () => {
  expect(await main(["validate", "--stack", "nosuch", "--project-dir", PROJECT_DIR])).toBe(EXIT.CONFIG);
  expect(err.join("")).toMatch(/Pulumi\.nosuch\.yaml.*cannot be read \(ENOENT\)/s);
  expect(await main(["validate", "--stack", "../etc/x", "--project-dir", PROJECT_DIR])).toBe(EXIT.USAGE);
  expect(err.join("")).toContain("may hold only letters");
});

test("validate refuses keys outside the schema in our namespace", async () => {
  const dir = project();
  const file = path.join(dir, "Pulumi.test.yaml");
  fs.appendFileSync(file, "  boot-stack:site: []\n");
  expect(await main(["validate", "--stack", "test", "--project-dir", dir])).toBe(EXIT.CONFIG);
  expect(err.join("")).toContain("boot-stack:site: is not a boot-stack config key");
});

test("render writes the layout, replaces an earlier render, and writes nothing for a bad config", async () => {
  const dir = project();
  const dest = path.join(tmp, "out");
  expect(
    await main([
      "render",
      "--stack",
      "test",
      "--project-dir",
      dir,
      "--out",
      dest,
      "--base-url",
      "http://10.0.2.100",
    ]),
  ).toBe(0);
  const stage2 = fs.readFileSync(path.join(dest, "sites/ams1/stage2.ipxe"), "utf8");
  // The origin stage-2 names for itself (its artefacts come from the one that served it).
  expect(stage2).toContain("|| set bs_origin http://10.0.2.100\n");
  const manifest = JSON.parse(fs.readFileSync(path.join(dest, "manifest.json"), "utf8"));
  expect(manifest.objects.map((o: { key: string }) => o.key)).toContain("sites/nyc2/stage2.ipxe");

  // A second, broken render must leave the first one exactly as it was.
  const before = fs.readFileSync(path.join(dest, "manifest.json"), "utf8");
  const broken = project((r) => (r.sites[0].name = "Bad"));
  expect(await main(["render", "--stack", "test", "--project-dir", broken, "--out", dest])).toBe(EXIT.CONFIG);
  expect(fs.readFileSync(path.join(dest, "manifest.json"), "utf8")).toBe(before);
  expect(fs.readdirSync(tmp).filter((f) => f.includes(".tmp-"))).toEqual([]);
});

test("render refuses a non-empty folder that is not an earlier render, and a bad --base-url", async () => {
  const dir = project();
  const dest = path.join(tmp, "precious");
  fs.mkdirSync(dest);
  fs.writeFileSync(path.join(dest, "notes.txt"), "keep me");
  expect(await main(["render", "--stack", "test", "--project-dir", dir, "--out", dest])).toBe(EXIT.USAGE);
  expect(err.join("")).toContain("holds no earlier render");
  expect(fs.readdirSync(dest)).toEqual(["notes.txt"]);
  expect(
    await main([
      "render",
      "--stack",
      "test",
      "--project-dir",
      dir,
      "--out",
      path.join(tmp, "o2"),
      "--base-url",
      "http://x/$y",
    ]),
  ).toBe(EXIT.USAGE);
  expect(err.join("")).toContain("--base-url");
  expect(fs.existsSync(path.join(tmp, "o2"))).toBe(false);
});

test("every command has --help", async () => {
  for (const cmd of ["validate", "render"]) {
    out = [];
    expect(await main([cmd, "--help"])).toBe(0);
    expect(out.join("")).toContain(`Usage: boot-stack ${cmd}`);
  }
});

test("render --cdn-domain writes the scripts pulumi up deploys: the distribution's name second; a bad one is refused", async () => {
  const dir = project();
  const dest = path.join(tmp, "cdn");
  const args = ["render", "--stack", "test", "--project-dir", dir, "--out", dest];
  expect(await main([...args, "--cdn-domain", "d111111abcdef8.cloudfront.net"])).toBe(0);
  const stage1 = fs.readFileSync(path.join(dest, "sites/ams1/stage1.ipxe"), "utf8");
  expect(stage1).toContain(
    "set bs_origin_0 https://boot.example.com\nset bs_origin_1 https://d111111abcdef8.cloudfront.net\n",
  );
  expect(await main([...args, "--cdn-domain", "https://d1.cloudfront.net"])).toBe(EXIT.USAGE);
  expect(err.join("")).toContain('--cdn-domain "https://d1.cloudfront.net": give the distribution\'s domain');
});
