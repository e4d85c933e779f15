// The image command a site's Pulumi Command runs, run for real (prebuilt mode, BIOS only for
// speed) in the program's folder with the environment the component gives it, uploading through
// the AWS SDK to a local S3 API: build, publish once, report one JSON line; delete only what this
// image owns; one-line errors.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import {
  debian13IpxeDir,
  cacheDir,
  IMAGE_COMMAND,
  imageCommandEnv,
  imageInputsDigest,
  ImageOptions,
} from "../../ipxe/build";
import { REPO_ROOT } from "../../ipxe/build/cache";
import { LocalS3, startLocalS3 } from "../support/local-s3";

jest.setTimeout(180_000);

const BUCKET = "image-command-test";
const STAGE1 = "#!ipxe\necho image command test\n";
let s3: LocalS3;
let tmp: string;
let packageDir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command as pulumi-command does: `/bin/sh -c`, program folder, inherited env + environment. */
function runCommand(args: string, env: Record<string, string>, cache: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", `${IMAGE_COMMAND}${args}`], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...s3.env, BOOT_STACK_CACHE: cache, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout: stdout.trim(), stderr: stderr.trim() }));
  });
}

/** A runner's cache holding only the iPXE package (as restored by CI), so every build is real. */
function freshCache(): string {
  const dir = fs.mkdtempSync(path.join(tmp, "cache-"));
  fs.cpSync(packageDir, path.join(dir, path.relative(cacheDir(), packageDir)), { recursive: true });
  return dir;
}

function envFor(o: ImageOptions, publish = true): Record<string, string> {
  return imageCommandEnv(o, REPO_ROOT, imageInputsDigest(o), {
    publish,
    bucket: BUCKET,
    region: "eu-west-1",
  });
}

const site = (name: string, extra: Partial<ImageOptions> = {}): ImageOptions => ({
  site: name,
  stage1: STAGE1,
  platforms: ["bios"],
  requireHttps: false,
  sourceDateEpoch: 1735689600,
  ...extra,
});

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-image-command-"));
  s3 = await startLocalS3([BUCKET]);
  // The package's folder in the shared cache (…/ipxe/debian13/<sha>), two levels up from its binaries.
  packageDir = path.resolve(await debian13IpxeDir(cacheDir()), "..", "..", "..", "..");
});
afterAll(async () => {
  await s3?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

let first: { digest: string; key: string; sha256: string; size: number };

test("create: builds, uploads with the origin's headers and the hashes as metadata, prints one JSON line", async () => {
  const options = site("cmd1");
  const r = await runCommand("", envFor(options), freshCache());
  expect(r.code).toBe(0);
  first = JSON.parse(r.stdout);
  expect(first).toEqual({
    digest: imageInputsDigest(options),
    key: `images/cmd1/${first.sha256}.iso`,
    sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    size: expect.any(Number),
  });
  expect(r.stderr).toBe(`cmd1: ${first.key} (${first.size} bytes) uploaded`);
  const bytes = await s3.get(BUCKET, first.key);
  expect(createHash("sha256").update(bytes).digest("hex")).toBe(first.sha256);
  expect(await s3.head(BUCKET, first.key)).toEqual({
    metadata: { sha256: first.sha256, "inputs-digest": first.digest },
    headers: {
      contentType: "application/x-iso9660-image",
      cacheControl: "public, max-age=31536000, immutable",
      contentDisposition: 'attachment; filename="boot-cmd1.iso"',
      contentLength: String(first.size),
    },
  });
});

test("create on another runner (empty image cache): the same bytes, not uploaded again", async () => {
  const r = await runCommand("", envFor(site("cmd1")), freshCache());
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual(first);
  expect(r.stderr).toBe(`cmd1: ${first.key} (${first.size} bytes) already published`);
});

test("a new inputs digest with the same bytes takes the object over; the old image's delete then keeps it", async () => {
  // The same Debian binaries from a prebuiltDir: another digest, byte-identical image.
  const copy = path.join(tmp, "binaries");
  fs.cpSync(path.join(packageDir, "pkg", "usr", "lib", "ipxe"), copy, { recursive: true });
  const cache = freshCache();
  const next = await runCommand("", envFor(site("cmd1", { prebuiltDir: copy })), cache);
  expect(next.code).toBe(0);
  const result = JSON.parse(next.stdout);
  expect([result.key, result.digest === first.digest]).toEqual([first.key, false]);
  expect(next.stderr).toMatch(/already published \(relabelled\)$/);

  const del = await runCommand(
    " delete",
    { ...envFor(site("cmd1")), PULUMI_COMMAND_STDOUT: JSON.stringify(first) },
    cache,
  );
  expect([del.code, del.stderr]).toEqual([
    0,
    `cmd1: ${first.key} kept (a newer image of the same bytes owns it)`,
  ]);
  expect(await s3.keys(BUCKET)).toContain(first.key);

  const delNext = await runCommand(
    " delete",
    { ...envFor(site("cmd1", { prebuiltDir: copy })), PULUMI_COMMAND_STDOUT: next.stdout },
    cache,
  );
  expect([delNext.code, delNext.stderr]).toEqual([0, `cmd1: ${first.key} deleted`]);
  expect(await s3.keys(BUCKET)).not.toContain(first.key);
});

test("publishImages false: builds and reports the sha256, uploads nothing", async () => {
  const r = await runCommand("", envFor(site("cmd2"), false), freshCache());
  expect(r.code).toBe(0);
  const result = JSON.parse(r.stdout);
  expect(result.key).toBe(`images/cmd2/${result.sha256}.iso`);
  expect(r.stderr).toMatch(/not published \(origin\.publishImages is false\)$/);
  expect(await s3.keys(BUCKET)).not.toContain(result.key);
});

test("inputs that do not give the program's digest: refused in one line, nothing built or uploaded", async () => {
  const env = { ...envFor(site("cmd3")), BOOT_STACK_IMAGE_DIGEST: "0".repeat(64) };
  const r = await runCommand("", env, freshCache());
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(
    /^boot-stack image: site cmd3: the program named this image 000000000000, but its inputs here give [0-9a-f]{12} .*: run pulumi up again$/,
  );
  expect((await s3.keys(BUCKET)).filter((k) => k.startsWith("images/cmd3/"))).toEqual([]);
});

test("a missing variable is one line naming it, exit 1", async () => {
  const r = await runCommand("", { BOOT_STACK_SITE: "cmd4" }, freshCache());
  expect([r.code, r.stderr]).toEqual([1, "boot-stack image: BOOT_STACK_STAGE1 is not set"]);
});

test("a bucket that does not exist: one line naming the bucket and what the deploy role needs", async () => {
  const o = site("cmd5");
  const env = imageCommandEnv(o, REPO_ROOT, imageInputsDigest(o), {
    publish: true,
    bucket: "no-such-bucket",
    region: "eu-west-1",
  });
  const r = await runCommand("", env, freshCache());
  expect(r.code).toBe(1);
  expect(r.stderr.split("\n").pop()).toMatch(
    /^boot-stack image: could not upload images\/cmd5\/[0-9a-f]{64}\.iso in bucket no-such-bucket \(NoSuchBucket, HTTP 404\): .*; the deploy role needs s3:PutObject and s3:GetObject on images\/\*$/,
  );
});
