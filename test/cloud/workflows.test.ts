// The GitOps workflows, read as GitHub would (the YAML parsed, the shell steps run here where they
// can run): what each job does, which credentials it can reach, what it caches, and that every
// action and the Pulumi CLI are pinned. actionlint lints them when it is installed.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../support/prod-config";
import { MENU_IDLE_MS } from "../../ipxe/render/timing";

jest.setTimeout(120_000);

const DIR = path.join(PROJECT_DIR, ".github", "workflows");
const SCRIPTS = path.join(PROJECT_DIR, ".github", "scripts");
const read = (file: string) => fs.readFileSync(path.join(DIR, file), "utf8");

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, any>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string[];
  if?: string;
  environment?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  strategy?: { matrix: { stack: string } };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, any>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const pr: Workflow = parse(read("pull-request.yml"));
const deploy: Workflow = parse(read("deploy.yml"));
const oidc: Workflow = parse(read("oidc-subject.yml"));
const files = ["pull-request.yml", "deploy.yml", "oidc-subject.yml"];

const action = (job: Job, name: string) => job.steps.find((s) => s.uses?.startsWith(`${name}@`));
const actionIndex = (job: Job, name: string) => job.steps.findIndex((s) => s.uses?.startsWith(`${name}@`));
const stepText = (s: Step) => JSON.stringify(s);

describe("every action is pinned to a full commit, the tag named beside it", () => {
  const uses = files.flatMap((f) =>
    read(f)
      .split("\n")
      .filter((l) => /^\s*-?\s*uses:/.test(l))
      .map((l) => [f, l.trim()] as const),
  );

  test("owner/repo@<40 hex> # vX.Y.Z on every uses: line", () => {
    expect(uses.length).toBeGreaterThan(20);
    for (const [file, line] of uses)
      expect([file, line]).toEqual([
        file,
        expect.stringMatching(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/),
      ]);
  });

  test("one action, one commit: the same pin everywhere it is used", () => {
    const pins = new Map<string, Set<string>>();
    for (const [, line] of uses) {
      const [, name, pin] = /uses: ([^@]+)@(\S+ # \S+)/.exec(line)!;
      pins.set(name, (pins.get(name) ?? new Set()).add(pin));
    }
    for (const [name, set] of pins) expect([name, set.size]).toEqual([name, 1]);
  });

  test("the Pulumi CLI is pinned to the SDK's version (package.json), in every pulumi step", () => {
    const sdk = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).dependencies[
      "@pulumi/pulumi"
    ];
    expect(sdk).toBe("3.248.0");
    for (const job of [pr.jobs.preview, deploy.jobs.up])
      expect(action(job, "pulumi/actions")!.with!["pulumi-version"]).toBe(sdk);
  });

  test("checkouts leave no token behind for later steps", () => {
    for (const wf of [pr, deploy])
      for (const job of Object.values(wf.jobs))
        for (const s of job.steps.filter((s) => s.uses?.startsWith("actions/checkout@")))
          expect(s.with?.["persist-credentials"]).toBe(false);
  });
});

describe("permissions: least privilege per job", () => {
  test("workflows read contents only; no job asks for more than it uses", () => {
    expect(pr.permissions).toEqual({ contents: "read" });
    expect(deploy.permissions).toEqual({ contents: "read" });
    const granted = (wf: Workflow) =>
      Object.fromEntries(Object.entries(wf.jobs).map(([name, job]) => [name, job.permissions]));
    expect(granted(pr)).toEqual({
      test: undefined,
      stacks: undefined,
      render: undefined,
      preview: { contents: "read", "id-token": "write" },
      comment: { "pull-requests": "write" },
    });
    expect(granted(deploy)).toEqual({
      test: undefined,
      stacks: undefined,
      up: { contents: "read", "id-token": "write" },
    });
  });

  test("the job that may write to the pull request runs none of its code", () => {
    const comment = pr.jobs.comment;
    const checkout = action(comment, "actions/checkout")!;
    expect(checkout.with).toMatchObject({
      ref: "${{ github.event.pull_request.base.sha }}",
      "sparse-checkout": ".github/scripts",
    });
    const runs = comment.steps.filter((s) => s.run).map((s) => s.run!);
    expect(runs.join("\n")).toContain("trusted/.github/scripts/comment-body.sh");
    expect(runs.join("\n")).not.toMatch(/npm|bin\/boot-stack|tsx|setup\.sh/);
  });

  test("pull requests: triggered by pull_request, never pull_request_target (forks get no secrets)", () => {
    expect(pr.on).toEqual({ pull_request: { branches: ["main"] } });
    expect(read("pull-request.yml")).not.toContain("pull_request_target");
  });
});

describe("the preview job cannot change production", () => {
  const preview = pr.jobs.preview;
  const text = read("pull-request.yml");

  test("it runs `pulumi preview` only, in the `preview` environment, with the read-only AWS role", () => {
    expect(preview.environment).toBe("preview");
    expect(action(preview, "pulumi/actions")!.with).toMatchObject({
      command: "preview",
      diff: true,
      policyPacks: "policy",
    });
    expect(action(preview, "aws-actions/configure-aws-credentials")!.with!["role-to-assume"]).toBe(
      "${{ vars.AWS_PREVIEW_ROLE_ARN }}",
    );
    expect(text).not.toMatch(/command: (up|update|destroy|refresh|import)\b/);
    expect(text).not.toContain("AWS_DEPLOY_ROLE_ARN");
  });

  test("no long-lived Pulumi token: a team token by OIDC, whose team the environment names", () => {
    expect(text).not.toContain("secrets.PULUMI_ACCESS_TOKEN");
    expect(action(preview, "pulumi/auth-actions")!.with).toEqual({
      organization: "${{ vars.PULUMI_ORGANIZATION }}",
      "requested-token-type": "urn:pulumi:token-type:access_token:team",
      scope: "team:${{ vars.PULUMI_TEAM }}",
      "export-environment-variables": false,
    });
  });

  test("credentials reach only the pulumi step: the Cloudflare token is never a stack secret", () => {
    const withSecrets = preview.steps.filter((s) => stepText(s).includes("secrets."));
    expect(withSecrets.map((s) => s.id)).toEqual(["preview"]);
    expect(Object.keys(action(preview, "pulumi/actions")!.env!).sort()).toEqual([
      "CLOUDFLARE_API_TOKEN",
      "PULUMI_ACCESS_TOKEN",
      "PULUMI_CONFIG_PASSPHRASE",
    ]);
    for (const stack of ["prod", "staging"])
      expect(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")).not.toMatch(
        /cloudflare:apiToken|secure:/,
      );
  });
});

describe.each([
  ["pull-request.yml", pr, "preview", "${{ vars.AWS_PREVIEW_ROLE_ARN }}"],
  ["deploy.yml", deploy, "up", "${{ vars.AWS_DEPLOY_ROLE_ARN }}"],
] as const)("%s", (file, wf, jobName, role) => {
  const job = wf.jobs[jobName];
  const runs = job.steps.map((s) => s.run ?? "");
  const firstCredential = Math.min(
    actionIndex(job, "aws-actions/configure-aws-credentials"),
    actionIndex(job, "pulumi/auth-actions"),
  );

  test("the whole test suite runs first, in a job without credentials", () => {
    expect(wf.jobs.test.steps.map((s) => s.run).filter(Boolean)).toEqual(["./bin/test-all"]);
    expect(job.needs).toEqual(["test", "stacks"]);
  });

  test("one job per stack, the stack name only through the environment (never pasted into shell)", () => {
    expect(job.strategy!.matrix.stack).toBe("${{ fromJSON(needs.stacks.outputs.names) }}");
    expect(job.env).toEqual({ STACK: "${{ matrix.stack }}" });
    for (const r of runs) expect(r).not.toContain("${{");
  });

  test("serialised per stack: one concurrency group shared by previews and deploys, nothing cancelled", () => {
    expect(job.concurrency).toEqual({ group: "stack-${{ matrix.stack }}", "cancel-in-progress": false });
  });

  test("AWS only through OIDC, with this workflow's role; no access keys anywhere", () => {
    expect(action(job, "aws-actions/configure-aws-credentials")!.with!["role-to-assume"]).toBe(role);
    expect(read(file)).not.toMatch(
      /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/,
    );
  });

  test("installs, downloads and builds happen before any credential exists", () => {
    const before = (needle: string) => {
      const i = runs.findIndex((r) => r.includes(needle));
      expect([needle, i >= 0 && i < firstCredential]).toEqual([needle, true]);
    };
    expect(firstCredential).toBeGreaterThan(0);
    before("scripts/setup.sh");
    before('./bin/boot-stack validate --stack "$STACK" --check-artifacts');
    before('./bin/boot-stack iso --stack "$STACK" --all');
    expect(actionIndex(job, "actions/cache")).toBeLessThan(firstCredential);
    // Nothing after the credentials but the policy link and pulumi itself.
    const after = job.steps.slice(firstCredential).filter((s) => s.run);
    expect(after.every((s) => /^(mkdir -p out\n)?printf|^ln -sfn/.test(s.run!))).toBe(true);
  });

  test("the iPXE build is cached by commit, committed headers and trust; artefacts by their sha256s", () => {
    const caches = job.steps.filter((s) => s.uses?.startsWith("actions/cache@"));
    expect(caches.map((c) => c.with)).toEqual([
      {
        path: ".cache/ipxe",
        key: "ipxe-${{ runner.os }}-${{ hashFiles('ipxe/build/pin.ts', 'ipxe/config/local/*.h') }}-${{ steps.cache-keys.outputs.trust }}",
        "restore-keys": "ipxe-${{ runner.os }}-",
      },
      {
        path: ".cache/artifacts\n!.cache/artifacts/debian\n",
        key: "artifacts-${{ steps.cache-keys.outputs.artifacts }}",
        "restore-keys": "artifacts-",
      },
    ]);
    expect(job.steps.find((s) => s.id === "cache-keys")!.run).toBe(
      '.github/scripts/cache-keys.sh >> "$GITHUB_OUTPUT"',
    );
    for (const f of ["ipxe/build/pin.ts", "ipxe/config/local/general.h"])
      expect(fs.existsSync(path.join(PROJECT_DIR, f))).toBe(true);
  });

  test("pulumi runs the stack with the policy pack and a diff", () => {
    const pulumi = action(job, "pulumi/actions")!;
    expect(pulumi.with).toMatchObject({ command: jobName, diff: true, policyPacks: "policy" });
    expect(pulumi.with!["stack-name"]).toBe("${{ vars.PULUMI_STACK_PREFIX }}${{ matrix.stack }}");
  });
});

test("the signing key reaches only the deploy's pulumi up (the preview needs none: docs/signing.md)", () => {
  const up = deploy.jobs.up.steps.find((s: any) => String(s.uses ?? "").startsWith("pulumi/actions"));
  expect(up?.env?.BOOT_STACK_SIGNING_KEY).toBe("${{ secrets.BOOT_STACK_SIGNING_KEY }}");
  const text = fs.readFileSync(path.join(PROJECT_DIR, ".github/workflows/pull-request.yml"), "utf8");
  expect(text).not.toContain("SIGNING_KEY");
});

test("main deploys each stack in the GitHub environment of its name", () => {
  expect(Object.keys(deploy.on)).toEqual(["push", "workflow_dispatch"]);
  expect(deploy.on.push).toEqual({ branches: ["main"] });
  expect(deploy.jobs.up.environment).toBe("${{ matrix.stack }}");
});

test("the OIDC-subject helper prints claims only, for a chosen environment", () => {
  expect(oidc.on).toEqual({ workflow_dispatch: expect.anything() });
  expect(oidc.permissions).toEqual({ "id-token": "write" });
  expect(oidc.jobs.show.environment).toBe("${{ inputs.environment }}");
  const run = oidc.jobs.show.steps[0].run!;
  expect(run).toContain('print(f"{key}: {claims.get(key)}")');
  expect(run).not.toMatch(/echo .*\$token|print\(.*value/);
});

describe("shell steps, run here", () => {
  test("the stack list: one stack per Pulumi.<stack>.yaml, and no name that could become shell", () => {
    for (const wf of [pr, deploy]) {
      const script = wf.jobs.stacks.steps.find((s) => s.id === "list")!.run!;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-stack-stacks-"));
      for (const f of [
        "Pulumi.yaml",
        "Pulumi.prod.yaml",
        "Pulumi.staging-eu.yaml",
        "Pulumi.$(id).yaml",
        "README.md",
      ])
        fs.writeFileSync(path.join(dir, f), "");
      const out = path.join(dir, "github-output");
      execFileSync("bash", ["-euo", "pipefail", "-c", script], {
        cwd: dir,
        env: { ...process.env, GITHUB_OUTPUT: out },
      });
      expect(fs.readFileSync(out, "utf8")).toBe('names=["prod","staging-eu"]\n');
      fs.rmSync(dir, { recursive: true });
    }
  });

  test("cache keys: the artefact key follows every artefact sha256, and only them", () => {
    const keys = (dir: string) =>
      Object.fromEntries(
        execFileSync(path.join(dir, ".github/scripts/cache-keys.sh"), { encoding: "utf8" })
          .trim()
          .split("\n")
          .map((l) => l.split("=")),
      );
    const tree = cloneTree();
    const before = keys(tree);
    expect(before).toEqual({
      trust: expect.stringMatching(/^[0-9a-f]{16}$/),
      artifacts: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    const stackFile = path.join(tree, "Pulumi.staging.yaml");
    const text = fs.readFileSync(stackFile, "utf8");
    fs.writeFileSync(stackFile, text.replace("timeoutSeconds: 15", "timeoutSeconds: 20"));
    expect(keys(tree)).toEqual(before);
    fs.writeFileSync(stackFile, text.replace(/sha256: d8808aa4/, "sha256: 00000000"));
    expect(keys(tree).artifacts).not.toBe(before.artifacts);
    fs.rmSync(tree, { recursive: true });
  });

  test("the render diff (what the comment shows): the exact iPXE lines a menu change alters", () => {
    const base = cloneTree();
    const head = cloneTree();
    const stackFile = path.join(head, "Pulumi.prod.yaml");
    fs.writeFileSync(
      stackFile,
      fs
        .readFileSync(stackFile, "utf8")
        .replace("        timeoutSeconds: 15\n", "        timeoutSeconds: 20\n"),
    );
    const out = path.join(os.tmpdir(), `render-diff-${process.pid}.diff`);
    execFileSync(path.join(SCRIPTS, "render-diff.sh"), [base, head, "prod", out]);
    const diff = fs.readFileSync(out, "utf8");
    expect(diff).toContain("--- base/prod/sites/ams1/stage2.ipxe\n+++ pr/prod/sites/ams1/stage2.ipxe\n");
    expect(diff).toContain(
      `\n-choose --default debian-install --timeout 15000 --retimeout ${MENU_IDLE_MS} bs_choice || goto menu\n`,
    );
    expect(diff).toContain(
      `\n+choose --default debian-install --timeout 20000 --retimeout ${MENU_IDLE_MS} bs_choice || goto menu\n`,
    );
    // Only ams1's stage-2 and the manifest (which lists its hash) changed.
    expect([...diff.matchAll(/^diff -ru (\S+)/gm)].map((m) => m[1])).toEqual([
      "base/prod/manifest.json",
      "base/prod/sites/ams1/stage2.ipxe",
    ]);

    // A stack the base does not have yet: everything is new.
    fs.renameSync(path.join(base, "Pulumi.staging.yaml"), path.join(base, "Pulumi.staging.yaml.off"));
    execFileSync(path.join(SCRIPTS, "render-diff.sh"), [base, head, "staging", out]);
    expect(fs.readFileSync(out, "utf8")).toMatch(/^Only in pr: staging$/m);
    for (const d of [base, head]) fs.rmSync(d, { recursive: true });
    fs.rmSync(out);
  });

  test("the comment body: both parts, fenced so the texts cannot break out, cut to GitHub's limit", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-stack-comment-"));
    const diff = path.join(dir, "d.diff");
    const preview = path.join(dir, "p.txt");
    fs.writeFileSync(diff, "-old\n+new\n~~~\n");
    fs.writeFileSync(preview, "x".repeat(40_000));
    const body = execFileSync(path.join(SCRIPTS, "comment-body.sh"), ["prod", diff, preview], {
      encoding: "utf8",
    });
    expect(body.startsWith("<!-- boot-stack:prod -->\n## Stack `prod`\n")).toBe(true);
    expect(body).toContain("~~~diff\n-old\n+new\n ~~~\n\n~~~\n");
    expect(body).toContain("_cut at 30000 characters");
    expect(body.length).toBeLessThan(65_536);
    const missing = execFileSync(
      path.join(SCRIPTS, "comment-body.sh"),
      ["prod", diff, path.join(dir, "none")],
      {
        encoding: "utf8",
      },
    );
    expect(missing).toContain("_not available: the job that makes it did not finish");
    fs.rmSync(dir, { recursive: true });
  });
});

/** A checkout of this tree (tracked files, working-tree contents) sharing its node_modules. */
function cloneTree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-stack-tree-"));
  const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f && fs.existsSync(path.join(PROJECT_DIR, f)));
  for (const f of tracked) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
    fs.chmodSync(path.join(dir, f), fs.statSync(path.join(PROJECT_DIR, f)).mode);
  }
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

const actionlint = spawnSync("actionlint", ["-version"], { encoding: "utf8" });
const lint = actionlint.status === 0 ? test : test.skip;
lint(
  actionlint.status === 0
    ? "actionlint finds nothing"
    : "actionlint finds nothing [SKIPPED: actionlint is not installed here: Debian bookworm does not package it, npm has no trustworthy package of it, and its release binaries are on GitHub, which this machine cannot reach]",
  () => {
    const result = spawnSync("actionlint", ["-color=never", ...files.map((f) => path.join(DIR, f))], {
      encoding: "utf8",
      cwd: PROJECT_DIR,
    });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  },
);
