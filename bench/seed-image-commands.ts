// For bench/day2*.bench.ts only: stands in for the image (and signature) commands while the bench seeds the state of
// a first `up` of 1,000 sites (ENGINE_SEED_COMMANDS, test/engine/providers.ts), so that the figures
// that matter — later previews and ups on fresh runners — are measured without first running
// 1,000 real builds. The line has the command's shape; its sha256 is marked as not an image's.
import { createHash } from "node:crypto";

export function seed(env: Record<string, string>): { stdout: string; stderr: string } {
  // A signature command (origin/signature-command.ts): its line, with nothing signed or uploaded.
  if (env.BOOT_STACK_SIGN_OBJECTS) {
    const objects: { key: string; sha256: string }[] = JSON.parse(env.BOOT_STACK_SIGN_OBJECTS);
    const signatures = objects.map((o) => ({ key: `${o.key}.sig`, sha256: o.sha256 }));
    return { stdout: JSON.stringify({ signatures }), stderr: "seeded by the bench (not signed)" };
  }
  const sha256 = createHash("sha256")
    .update(`seeded by the bench ${env.BOOT_STACK_IMAGE_DIGEST}`)
    .digest("hex");
  const result = {
    digest: env.BOOT_STACK_IMAGE_DIGEST,
    key: `images/${env.BOOT_STACK_SITE}/${sha256}.iso`,
    sha256,
    size: 0,
  };
  return {
    stdout: JSON.stringify(result),
    stderr: `${env.BOOT_STACK_SITE}: seeded by the bench (not built)`,
  };
}
