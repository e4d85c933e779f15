// Fixture stacks for the real consumers of the network hand-off: Debian's installer and a dracut
// initramfs, with their placeholder artefacts replaced by the files fetched or built at run time.
import * as path from "node:path";
import { StackConfig } from "../../config/schema";
import { DebianInstaller, ensureDebianInstaller } from "../../local/consumers/debian-installer";
import { DracutImage, ensureDracutImage } from "../../local/consumers/dracut";
import { REPO_ROOT } from "../../ipxe/build/cache";
import { loadStackWithArtifacts } from "../../local/stack";

const FIXTURES = path.join(REPO_ROOT, "test", "fixtures", "boot");
const log = (l: string) => process.stdout.write(`${l}\n`);

export async function installerStack(): Promise<{ stack: StackConfig; installer: DebianInstaller }> {
  const installer = await ensureDebianInstaller({ log });
  const stack = loadStackWithArtifacts(path.join(FIXTURES, "Pulumi.installer.yaml"), {
    "di-linux": installer.linux,
    "di-initrd": installer.initrd,
  });
  return { stack, installer };
}

export async function dracutStack(): Promise<{ stack: StackConfig; image: DracutImage }> {
  const image = await ensureDracutImage({ log });
  const stack = loadStackWithArtifacts(path.join(FIXTURES, "Pulumi.dracut.yaml"), {
    "dracut-kernel": image.kernel,
    "dracut-initramfs": image.initramfs,
  });
  return { stack, image };
}
