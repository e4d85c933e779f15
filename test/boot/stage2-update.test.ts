// The point of the two stages: a stage-2 changed on the origin after an image was built is
// what the next boot of that same image runs. Same ISO bytes, same stage-1, new menu.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { originLayout } from "../../origin/layout";
import { buildTestImage } from "../../local/image";
import { GUEST_ORIGIN } from "../../local/guest-network";
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind, fixtureStack } from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

const sha = (f: string) => createHash("sha256").update(fs.readFileSync(f)).digest("hex");

test("a changed stage-2 is picked up by the same image, not rebuilt", async () => {
  const before = await fixtureStack();
  const site = before.sites.find((s) => s.name === "lab-static")!;
  const after = structuredClone(before);
  const entry = after.sites.find((s) => s.name === "lab-static")!.menu.entries[0];
  if (entry.type !== "linux") throw new Error("fixture changed: lab-static's first entry must be linux");
  entry.args.push("bootstack.rev=2");
  after.sites.find((s) => s.name === "lab-static")!.menu.title = "lab-static menu rev 2";

  const stage1 = (cfg: typeof before) =>
    originLayout(cfg, GUEST_ORIGIN).find((o) => o.key === `sites/${site.name}/stage1.ipxe`)!;
  expect(stage1(after).sha256).toBe(stage1(before).sha256);
  const stage1Text = stage1(before).content;
  if (stage1Text.kind !== "inline") throw new Error("stage-1 is inline");

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stage2-update-"));
  try {
    const image = await buildTestImage({
      site: site.name,
      stage1: stage1Text.text,
      outDir: dir,
      platforms: ["bios"],
    });
    const imageSha = sha(image.isoPath);

    const first = await boot(
      "stage2-before",
      { site: site.name, firmware: "bios", image: image.isoPath, stack: before, timeoutMs: 90_000 },
      async ({ op }) => {
        await op.waitFor(/lab-static boot menu/, { timeoutMs: 60_000 });
      },
    );
    expect(first.report.cmdline).not.toContain("bootstack.rev=2");

    // Only the origin changes, while the same ISO file boots again: the running origin is
    // switched to the new layout before the machine asks for its stage-2.
    expect(sha(image.isoPath)).toBe(imageSha);
    const second = await boot(
      "stage2-after",
      { site: site.name, firmware: "bios", image: image.isoPath, stack: before, timeoutMs: 90_000 },
      async ({ op, origin, accessLog }) => {
        expect(accessLog).toEqual([]);
        await origin.setLayout(originLayout(after, GUEST_ORIGIN));
        await op.waitFor(/lab-static menu rev 2/, { timeoutMs: 60_000 });
        await op.screenshot("new-menu");
      },
    );
    expect(second.report.cmdline).toContain("bootstack.rev=2");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
