// The GitOps workflows: what each runs, that AWS is reached only through OIDC role assumption,
// and that the stack list they build from Pulumi.<stack>.yaml files is right (the step's shell is
// run here). actionlint lints them when it is installed (see the skip message otherwise).
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../support/prod-config";

const DIR = path.join(PROJECT_DIR, ".github", "workflows");
const read = (file: string) => fs.readFileSync(path.join(DIR, file), "utf8");
const workflow = (file: string) => parse(read(file));

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  id?: string;
}
const steps = (job: { steps: Step[] }) => job.steps;
const action = (job: { steps: Step[] }, name: string) =>
  steps(job).find((s) => s.uses?.startsWith(`${name}@`));

const pr = workflow("pull-request.yml");
const deploy = workflow("deploy.yml");

describe.each([
  ["pull-request.yml", pr, "preview"],
  ["deploy.yml", deploy, "up"],
] as const)("%s", (file, wf, deployJob) => {
  const job = wf.jobs[deployJob];

  test("runs the whole test suite first", () => {
    expect(
      steps(wf.jobs.test)
        .map((s: Step) => s.run)
        .filter(Boolean),
    ).toEqual(["./bin/test-all"]);
    expect(job.needs).toEqual(["test", "stacks"]);
  });

  test("validates each stack's config and artefacts, then runs pulumi with the policy pack", () => {
    expect(job.strategy.matrix.stack).toBe("${{ fromJSON(needs.stacks.outputs.names) }}");
    expect(
      steps(job).some(
        (s: Step) => s.run === './bin/boot-stack validate --stack "${{ matrix.stack }}" --check-artifacts',
      ),
    ).toBe(true);
    const pulumi = action(job, "pulumi/actions")!;
    expect(pulumi.with).toMatchObject({ command: deployJob, diff: true, policyPacks: "policy" });
    expect(pulumi.with!["stack-name"]).toContain("${{ matrix.stack }}");
  });

  test("AWS only through OIDC: id-token permission on that job alone, a role to assume, no keys", () => {
    expect(wf.permissions).toEqual({ contents: "read" });
    expect(job.permissions["id-token"]).toBe("write");
    const aws = action(job, "aws-actions/configure-aws-credentials")!;
    expect(aws.with!["role-to-assume"]).toMatch(/^\$\{\{ vars\.AWS_[A-Z]+_ROLE_ARN \}\}$/);
    expect(read(file)).not.toMatch(
      /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/,
    );
    for (const [name, other] of Object.entries<any>(wf.jobs))
      if (name !== deployJob) expect(other.permissions?.["id-token"]).toBeUndefined();
  });

  test("every action is pinned to a major version or a commit", () => {
    const uses = Object.values<any>(wf.jobs).flatMap((j) =>
      steps(j)
        .map((s: Step) => s.uses)
        .filter(Boolean),
    );
    expect(uses.length).toBeGreaterThan(3);
    for (const u of uses) expect(u).toMatch(/@(v\d+(\.\d+)*|[0-9a-f]{40})$/);
  });
});

test("pull requests get the preview as a comment", () => {
  expect(pr.on).toEqual({ pull_request: { branches: ["main"] } });
  expect(action(pr.jobs.preview, "pulumi/actions")!.with!["comment-on-pr"]).toBe(true);
  expect(pr.jobs.preview.permissions["pull-requests"]).toBe("write");
});

test("main deploys each stack in its own environment, one update at a time", () => {
  expect(Object.keys(deploy.on)).toEqual(["push", "workflow_dispatch"]);
  expect(deploy.on.push).toEqual({ branches: ["main"] });
  expect(deploy.jobs.up.environment).toBe("${{ matrix.stack }}");
  expect(deploy.jobs.up.concurrency).toEqual({
    group: "deploy-${{ matrix.stack }}",
    "cancel-in-progress": false,
  });
});

test("the stack list step finds one stack per Pulumi.<stack>.yaml", () => {
  for (const wf of [pr, deploy]) {
    const script = steps(wf.jobs.stacks).find((s: Step) => s.id === "list")!.run!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-stack-stacks-"));
    for (const f of ["Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.staging-eu.yaml", "README.md"])
      fs.writeFileSync(path.join(dir, f), "");
    const out = path.join(dir, "github-output");
    execFileSync("bash", ["-euo", "pipefail", "-c", script], {
      cwd: dir,
      env: { ...process.env, GITHUB_OUTPUT: out },
    });
    expect(fs.readFileSync(out, "utf8")).toBe('names=["prod","staging-eu"]\n');
  }
});

const actionlint = spawnSync("actionlint", ["-version"], { encoding: "utf8" });
const lint = actionlint.status === 0 ? test : test.skip;
lint(
  actionlint.status === 0
    ? "actionlint finds nothing"
    : "actionlint finds nothing [SKIPPED: actionlint is not installed; it is in neither Debian bookworm nor a trustworthy npm package]",
  () => {
    const result = spawnSync(
      "actionlint",
      ["-color=never", path.join(DIR, "pull-request.yml"), path.join(DIR, "deploy.yml")],
      { encoding: "utf8", cwd: PROJECT_DIR },
    );
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  },
);
