// The engine model itself, on a tiny program whose real-engine behaviour is documented: a Command
// that writes a file and lists it in assetPaths, a resource that takes that file as a FileAsset,
// and a local.run invoke. Each expectation is a documented engine or provider behaviour (cited in
// engine.ts / providers.ts / properties.ts); if the model stopped doing one, the day-2 test could
// pass for the wrong reason.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { diffOf, pulumiRun, REPO } from "./workspace";

jest.setTimeout(120_000);

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
export = async () => {
  const variant = new pulumi.Config("t").get("variant") ?? "a";
  const build = new command.local.Command("build", {
    create: "mkdir -p out && echo $VARIANT > out/file.txt && echo built $VARIANT \\"[$PULUMI_COMMAND_STDOUT]\\"",
    environment: { VARIANT: variant },
    assetPaths: ["out/file.txt"],
  });
  new pulumi.CustomResource("test:index:Blob", "blob", {
    source: build.stdout.apply(() => new pulumi.asset.FileAsset("out/file.txt")),
  });
  const run = command.local.runOutput({ command: "echo ran" });
  return { stdout: build.stdout, run: run.stdout };
};
`;

let root: string;
let project: string;
const stateFile = () => path.join(root, "state.json");

function writeProject(variant: string): void {
  fs.mkdirSync(project, { recursive: true });
  fs.writeFileSync(path.join(project, "index.ts"), PROGRAM);
  fs.writeFileSync(path.join(project, "Pulumi.t.yaml"), `config:\n  t:variant: ${variant}\n`);
  if (!fs.existsSync(path.join(project, "node_modules")))
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(project, "node_modules"));
}

const run = (mode: "preview" | "up" | "refresh") =>
  pulumiRun(project, mode, { stack: "t", stateFile: stateFile() });
const BUILD = "command:local:Command::build";
const BLOB = "test:index:Blob::blob";

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "bs-engine-"));
  project = path.join(root, "project");
  writeProject("a");
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test("up creates, runs the Command and the invoke, and writes state", async () => {
  const r = await run("up");
  expect(r.error).toBeUndefined();
  expect(diffOf(r).create).toEqual([BUILD, "pulumi:pulumi:Stack::boot-stack-t", BLOB]);
  expect(r.commands).toEqual([
    { name: "echo ran", action: "run" },
    { name: "build", action: "create" },
  ]);
  expect(fs.existsSync(stateFile())).toBe(true);
});

test("preview with nothing changed: every resource same, the Command not re-run, the invoke run again", async () => {
  const r = await run("preview");
  expect(r.error).toBeUndefined();
  expect(diffOf(r)).toEqual({ create: [], update: [], replace: [], delete: [], same: 3 });
  expect(r.commands).toEqual([{ name: "echo ran", action: "run" }]);
});

test("a changed environment updates the Command: create runs again with the previous stdout", async () => {
  writeProject("b");
  const r = await run("up");
  expect(r.error).toBeUndefined();
  // The blob's file now holds "b": its asset hash changed too.
  expect(diffOf(r).update).toEqual([BUILD, BLOB]);
  const state = JSON.parse(fs.readFileSync(stateFile(), "utf8"));
  const build = state.resources.find((x: any) => x.name === "build");
  expect(build.outputs.stdout).toBe("built b [built a []]");
});

test("a file the program's asset needs is missing (a fresh checkout): preview fails like the engine", async () => {
  fs.rmSync(path.join(project, "out"), { recursive: true });
  const r = await run("preview");
  expect(r.error).toMatch(
    new RegExp(
      `failed to compute asset hash for "source": failed to open asset file '${path.join(project, "out/file.txt")}': .*no such file or directory`,
    ),
  );
  expect(r.commands).toEqual([{ name: "echo ran", action: "run" }]); // the unchanged Command did not run
});

test("after a refresh, a Command's assets have lost their paths and the next preview fails (pulumi-command#537)", async () => {
  writeProject("c"); // a change, so the Command re-creates out/file.txt in up
  expect((await run("up")).error).toBeUndefined();
  expect((await run("refresh")).error).toBeUndefined();
  const r = await run("preview");
  expect(r.error).toMatch(/Invalid asset encountered when unmarshaling resource property/);
});
