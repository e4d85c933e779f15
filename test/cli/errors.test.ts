// One error path: every user mistake, in every command, ends in a message without a stack trace
// and a named exit code (errors/user-error.ts); only a bug shows its stack. Each command is tried
// with a missing file, a bad flag and a bad config, as a user would meet them.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { runProgram } from "../../cli/main";
import { EXIT } from "../../errors/user-error";
import { RawStackConfig } from "../../config/validate";
import { CliRun, runCli, STACK_FRAME, writeProject } from "../support/cli";

jest.setTimeout(60_000);
const REPO = path.resolve(__dirname, "..", "..");

let tmp: string;
let dir: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-cli-errors-"));
  dir = path.join(tmp, "project");
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const KERNEL = Buffer.from("not really a kernel\n");
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** One DHCP site booting one local artefact; `mutate` breaks it the way a test needs. */
function project(mutate: (raw: any) => void = () => undefined): string {
  const raw: any = {
    origin: { hostname: "boot.example.com", cloudflareZoneId: "0123456789abcdef0123456789abcdef" },
    artifacts: { k: { source: "vmlinuz", sha256: sha256(KERNEL) } },
    sites: [
      {
        name: "lab1",
        network: { mode: "dhcp" },
        menu: { default: "k", entries: [{ type: "linux", id: "k", label: "Kernel", kernel: "k" }] },
      },
    ],
  };
  mutate(raw);
  writeProject(dir, raw as RawStackConfig, "t");
  fs.writeFileSync(path.join(dir, "vmlinuz"), KERNEL);
  return dir;
}

const badGateway = (raw: any) => {
  raw.sites[0].network = {
    mode: "static",
    subnet: "10.0.0.0/24",
    gateway: "10.0.0.300",
    address: "10.0.0.9",
  };
};

/** A user's mistake: the exit code of its kind, `boot-stack: ` and a message, never a stack frame. */
function expectUserError(r: CliRun, code: number, message: string | RegExp): void {
  expect(r.stderr).not.toMatch(STACK_FRAME);
  expect(r.stderr.startsWith("boot-stack: ")).toBe(true);
  if (typeof message === "string") expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(r.code).toBe(code);
}

/** Usage mistakes are one line. */
function expectUsage(r: CliRun, message: string | RegExp): void {
  expectUserError(r, EXIT.USAGE, message);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
}

const base = (cmd: string) => [cmd, "--stack", "t", "--project-dir", dir];
const COMMANDS: Record<string, () => string[]> = {
  validate: () => base("validate"),
  render: () => [...base("render"), "--out", path.join(tmp, "out")],
  iso: () => [...base("iso"), "--site", "lab1", "--out", path.join(tmp, "out")],
  serve: () => [...base("serve"), "--port", "0"],
};

describe.each(Object.keys(COMMANDS))("%s", (cmd) => {
  test("a missing stack file: exit CONFIG, names the file and the fix", async () => {
    project();
    const args = COMMANDS[cmd]().map((a) => (a === "t" ? "nope" : a));
    expectUserError(
      await runCli(args),
      EXIT.CONFIG,
      `Pulumi.nope.yaml: 1 problem\n  file: cannot be read (ENOENT); create it or pass another --stack`,
    );
    expect(fs.existsSync(path.join(tmp, "out"))).toBe(false);
  });

  test("an unknown flag: exit USAGE, one line naming it and where the flags are listed", async () => {
    project();
    expectUsage(
      await runCli([...COMMANDS[cmd](), "--bogus"]),
      `boot-stack: unknown option '--bogus' (see boot-stack ${cmd} --help)`,
    );
  });

  test("a missing required flag: exit USAGE, one line", async () => {
    project();
    expectUsage(
      await runCli([cmd, "--project-dir", dir]),
      /required option '-s, --stack <name>' not specified/,
    );
  });

  test("a --project-dir without Pulumi.yaml: exit USAGE", async () => {
    project();
    const args = COMMANDS[cmd]().map((a) => (a === dir ? tmp : a));
    expectUsage(await runCli(args), `--project-dir ${tmp}: no Pulumi.yaml there`);
  });

  test("a bad --stack name: exit USAGE", async () => {
    project();
    const args = COMMANDS[cmd]().map((a) => (a === "t" ? "../etc/x" : a));
    expectUsage(await runCli(args), '--stack "../etc/x": may hold only letters, digits, . _ - (e.g. prod)');
  });

  test("a bad config: exit CONFIG, every problem listed, nothing written", async () => {
    project(badGateway);
    const r = await runCli(COMMANDS[cmd]());
    expectUserError(r, EXIT.CONFIG, 'sites[0] "lab1".network.gateway: "10.0.0.300" is not an IPv4 address');
    expect(r.stdout).toBe("");
    expect(fs.existsSync(path.join(tmp, "out"))).toBe(false);
  });
});

/** No iPXE source named: a check that must come before compile mode looks for one. */
async function withoutIpxeSource<T>(f: () => Promise<T>): Promise<T> {
  const saved = process.env.BOOT_STACK_IPXE_SRC;
  delete process.env.BOOT_STACK_IPXE_SRC;
  try {
    return await f();
  } finally {
    if (saved !== undefined) process.env.BOOT_STACK_IPXE_SRC = saved;
  }
}

describe("command-specific mistakes", () => {
  test("validate --check-artifacts with a missing artefact file: exit ARTIFACT, no stack trace (aesthetics §7.5)", async () => {
    project();
    fs.rmSync(path.join(dir, "vmlinuz"));
    const r = await runCli([...COMMANDS.validate(), "--check-artifacts"]);
    expectUserError(
      r,
      EXIT.ARTIFACT,
      `boot-stack: 1 artefact problem:\n  artifacts.k.source: file ${dir}/vmlinuz does not exist; fix the path, or fetch it from a URL or Debian package (a file that is not in git does not exist on a CI runner)\n`,
    );
    expect(r.stdout).toBe("");
  });

  test("validate --check-artifacts with a changed artefact: exit ARTIFACT, names both hashes", async () => {
    project();
    fs.writeFileSync(path.join(dir, "vmlinuz"), "changed\n");
    const r = await runCli([...COMMANDS.validate(), "--check-artifacts"]);
    expectUserError(
      r,
      EXIT.ARTIFACT,
      `artifacts.k.sha256: ${dir}/vmlinuz has sha256 ${sha256(Buffer.from("changed\n"))}`,
    );
  });

  test("render --base-url that is not a URL: exit USAGE, nothing written", async () => {
    project();
    expectUsage(
      await runCli([...COMMANDS.render(), "--base-url", "http://x/$y"]),
      /^boot-stack: --base-url: /,
    );
    expect(fs.existsSync(path.join(tmp, "out"))).toBe(false);
  });

  test("iso --mode and --platforms values that do not exist: exit USAGE", async () => {
    project();
    expectUsage(
      await runCli([...COMMANDS.iso(), "--mode", "fast"]),
      "--mode fast: must be prebuilt or compile",
    );
    expectUsage(
      await runCli([...COMMANDS.iso(), "--platforms", "bios,arm"]),
      "--platforms bios,arm: must be a comma-separated list of bios, uefi",
    );
    expectUsage(
      await runCli([...base("iso"), "--out", tmp]),
      "iso: give exactly one of --site <site> or --all",
    );
  });

  test("iso with an ipxe.prebuiltDir that is not there: exit IMAGE, one line, nothing written", async () => {
    project((raw) => (raw.ipxe = { prebuiltDir: "no-such-dir" }));
    const r = await runCli(COMMANDS.iso());
    expectUserError(r, EXIT.IMAGE, `ipxe.prebuiltDir ${dir}/no-such-dir is not a readable folder`);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(fs.existsSync(path.join(tmp, "out")) ? fs.readdirSync(path.join(tmp, "out")) : []).toEqual([]);
  });

  describe("iso with ipxe.secureBoot whose key cannot be used: exit IMAGE, one line naming the field and the fix, before any build", () => {
    const DB_CERT = "/usr/share/ovmf/PkKek-1-snakeoil.pem";
    const secureBoot = (sb: Record<string, string>) => (raw: any) => {
      raw.origin.transport = "http";
      raw.origin.allowInsecureHttp = true;
      raw.ipxe = { mode: "compile", platforms: ["uefi"], secureBoot: sb };
    };
    const expectOneLine = async (r: CliRun, message: string) => {
      expectUserError(r, EXIT.IMAGE, `boot-stack: ${message}\n`);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(fs.existsSync(path.join(tmp, "out"))).toBe(false);
    };

    test.each<[string, Record<string, string>, string]>([
      [
        "keyEnv names a variable that is not set",
        { certFile: "db.pem", keyEnv: "BS_TEST_UNSET_DB_KEY" },
        "ipxe.secureBoot.keyEnv: environment variable BS_TEST_UNSET_DB_KEY is not set: export the PEM private key in it (e.g. from the CI secret store)",
      ],
      [
        "passphraseEnv names a variable that is not set",
        { certFile: "db.pem", keyFile: "db.key", passphraseEnv: "BS_TEST_UNSET_PASS" },
        "ipxe.secureBoot.passphraseEnv: environment variable BS_TEST_UNSET_PASS is not set: export the key's passphrase in it",
      ],
      [
        "keyFile does not exist",
        { certFile: "db.pem", keyFile: "/nonexistent/db.key" },
        "ipxe.secureBoot.keyFile /nonexistent/db.key cannot be read (ENOENT): give the PEM private key file",
      ],
      [
        "certFile does not exist",
        { certFile: "missing.pem", keyEnv: "BS_TEST_UNSET_DB_KEY" },
        "ipxe.secureBoot.certFile <dir>/missing.pem cannot be read (ENOENT): fix the path in the stack config",
      ],
    ])("%s", async (_, sb, message) => {
      project(secureBoot(sb));
      fs.copyFileSync(DB_CERT, path.join(dir, "db.pem"));
      fs.copyFileSync(DB_CERT.replace(/\.pem$/, ".key"), path.join(dir, "db.key"));
      await expectOneLine(
        await withoutIpxeSource(() => runCli(COMMANDS.iso())),
        message.replace("<dir>", dir),
      );
    });
  });

  test("iso with an ipxe.codeSigning CA file that is not there: exit IMAGE, names the field", async () => {
    project((raw) => {
      raw.origin.transport = "http";
      raw.origin.allowInsecureHttp = true;
      raw.ipxe = {
        mode: "compile",
        codeSigning: { trust: ["ca.pem"], certFile: "cs.pem", keyEnv: "CS_KEY" },
      };
    });
    const r = await withoutIpxeSource(() => runCli(COMMANDS.iso()));
    expectUserError(
      r,
      EXIT.IMAGE,
      `boot-stack: ipxe.codeSigning.trust[0] ${dir}/ca.pem cannot be read (ENOENT)`,
    );
    expect(fs.existsSync(path.join(tmp, "out"))).toBe(false);
  });

  test("serve with a missing artefact file: exit ARTIFACT, listens on nothing", async () => {
    project();
    fs.rmSync(path.join(dir, "vmlinuz"));
    const r = await runCli(COMMANDS.serve());
    expectUserError(r, EXIT.ARTIFACT, `artifacts.k.source: file ${dir}/vmlinuz does not exist`);
    expect(r.stdout).toBe("");
  });

  test("serve with an artefact whose bytes changed: exit ARTIFACT", async () => {
    project();
    fs.writeFileSync(path.join(dir, "vmlinuz"), "changed\n");
    expectUserError(await runCli(COMMANDS.serve()), EXIT.ARTIFACT, "artifacts.k.sha256:");
  });

  test("serve --port that is not a port: exit USAGE", async () => {
    project();
    expectUsage(
      await runCli([...base("serve"), "--port", "http"]),
      'boot-stack: --port "http": expected a TCP port number 0-65535',
    );
  });

  test("demo --site that is not an example site: exit USAGE before anything starts", async () => {
    const r = await runCli(["demo", "--site", "lon9"]);
    expectUsage(r, /^boot-stack: --site "lon9": not a site of Pulumi\.prod\.yaml \(sites: ams1, /);
    expect(r.stdout).toBe("");
  });

  test("demo with an unknown flag: exit USAGE", async () => {
    expectUsage(
      await runCli(["demo", "--bogus"]),
      "boot-stack: unknown option '--bogus' (see boot-stack demo --help)",
    );
  });
});

describe("demo, run from a copy of the project whose example stack is broken", () => {
  // The demo always boots the project's own Pulumi.prod.yaml; a copy of the project lets a test
  // remove or break that file without touching the repository.
  let copy: string;
  beforeEach(() => {
    copy = path.join(tmp, "copy");
    const files = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
      cwd: REPO,
      encoding: "utf8",
    })
      .stdout.split("\n")
      .filter((f) => f && !f.startsWith("test/") && fs.existsSync(path.join(REPO, f)));
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
      fs.copyFileSync(path.join(REPO, f), path.join(copy, f));
    }
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(copy, "node_modules"));
  });
  const demo = (args: string[]) => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(copy, "cli", "main.ts"), "demo", ...args],
      {
        cwd: copy, // where `--import tsx` is resolved (its node_modules links to the repo's)
        encoding: "utf8",
        env: { ...process.env, BOOT_STACK_CACHE: path.join(tmp, "cache") },
      },
    );
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  test("a missing Pulumi.prod.yaml: exit CONFIG, before any tool or QEMU runs", () => {
    fs.rmSync(path.join(copy, "Pulumi.prod.yaml"));
    const r = demo(["--site", "ams1"]);
    expectUserError(r, EXIT.CONFIG, /Pulumi\.prod\.yaml: 1 problem\n {2}file: cannot be read \(ENOENT\)/);
    expect(r.stdout).toBe("");
  });

  test("a bad config in Pulumi.prod.yaml: exit CONFIG, before any tool or QEMU runs", () => {
    const file = path.join(copy, "Pulumi.prod.yaml");
    fs.writeFileSync(
      file,
      fs.readFileSync(file, "utf8").replace("gateway: 10.20.0.1", "gateway: 10.20.0.300"),
    );
    const r = demo(["--site", "ams1"]);
    expectUserError(r, EXIT.CONFIG, 'sites[0] "ams1".network.gateway: "10.20.0.300" is not an IPv4 address');
    expect(r.stdout).toBe("");
    expect(fs.existsSync(path.join(tmp, "cache"))).toBe(false);
  });
});

describe("the real command line (bin/boot-stack)", () => {
  test("validate --check-artifacts with a missing artefact prints one message, no stack trace (aesthetics §7.5)", () => {
    project();
    fs.rmSync(path.join(dir, "vmlinuz"));
    const r = spawnSync(
      path.join(REPO, "bin", "boot-stack"),
      ["validate", "--stack", "t", "--project-dir", dir, "--check-artifacts"],
      { encoding: "utf8" },
    );
    expect(r.stderr).toBe(
      `boot-stack: 1 artefact problem:\n  artifacts.k.source: file ${dir}/vmlinuz does not exist; fix the path, or fetch it from a URL or Debian package (a file that is not in git does not exist on a CI runner)\n`,
    );
    expect(r.status).toBe(EXIT.ARTIFACT);
  });
});

describe("a bug is not a user mistake", () => {
  test("any other error shows its stack and exits INTERNAL", async () => {
    const err: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((c) => (err.push(String(c)), true));
    const program = new Command("boot-stack").exitOverride();
    program.command("boom").action(() => {
      throw new TypeError("cannot read properties of undefined");
    });
    try {
      expect(await runProgram(program, ["boom"])).toBe(EXIT.INTERNAL);
    } finally {
      spy.mockRestore();
    }
    expect(err.join("")).toMatch(
      /^boot-stack: internal error \(a bug in boot-stack\): TypeError: cannot read/,
    );
    expect(err.join("")).toMatch(STACK_FRAME);
  });
});

test("the README's exit-code table lists exactly the named exit codes", () => {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const table = /\| exit \| meaning \|\n\|---\|---\|\n((?:\|.*\n)+)/.exec(readme)?.[1] ?? "";
  const documented = [...table.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
  expect(documented).toEqual(Object.values(EXIT));
});
