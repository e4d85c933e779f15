// Stack configs for local boots: a fixture or the example stack, with artefacts pointing at the
// test OS (built at run time, so paths and hashes are only known then) and, for the demo, the
// sites' network facts moved into QEMU's user network.
import { readRawStackConfig } from "../config/stack-file";
import { isPlainObject as isPlain, RawStackConfig, validateStackConfig } from "../config/validate";
import { NETWORK_MODE } from "../config/network-modes";
import { NetworkMode, StackConfig } from "../config/schema";
import { QEMU_NET } from "./guest-network";
import { TestOs } from "./testos";

/** Artefact names in fixtures that stand for the test OS's kernel and initrd. */
export const TESTOS_KERNEL = "testos-kernel";
export const TESTOS_INITRD = "testos-initrd";

/** Reads a fixture stack file and points its `testos-*` artefacts at the built test OS; `ipxe`
 * replaces the file's section (validated like the rest, as `pulumi up` would). */
export function loadFixtureStack(file: string, os: TestOs, ipxe?: RawStackConfig["ipxe"]): StackConfig {
  return loadStackWithArtifacts(file, { [TESTOS_KERNEL]: os.kernel, [TESTOS_INITRD]: os.initrd }, ipxe);
}

/** Reads a fixture stack file with the named artefacts replaced by files built at run time. */
export function loadStackWithArtifacts(
  file: string,
  files: Record<string, { path: string; sha256: string }>,
  ipxe?: RawStackConfig["ipxe"],
): StackConfig {
  const raw = readRawStackConfig(file);
  const artifacts = isPlain(raw.artifacts) ? { ...raw.artifacts } : {};
  for (const [name, f] of Object.entries(files)) artifacts[name] = { source: f.path, sha256: f.sha256 };
  return validateStackConfig({ ...raw, artifacts, ...(ipxe !== undefined ? { ipxe } : {}) }, file);
}

/**
 * The example stack for the demo: every artefact is replaced by the test OS (initrds by its
 * initrd, kernels by its kernel) and every site's network by QEMU's (10.0.2.0/24), since the
 * real sites' addresses mean nothing inside QEMU. VLANs are dropped: QEMU's user network
 * does not pass tagged frames. Returns the notes to print about what was changed.
 */
export function demoStack(file: string, os: TestOs): { config: StackConfig; notes: string[] } {
  const raw: RawStackConfig = readRawStackConfig(file);
  const notes: string[] = [];
  const artifacts: Record<string, unknown> = {};
  for (const name of Object.keys(isPlain(raw.artifacts) ? raw.artifacts : {})) {
    const initrd = /initrd/i.test(name);
    const f = initrd ? os.initrd : os.kernel;
    artifacts[name] = { source: f.path, sha256: f.sha256 };
    notes.push(`artefact ${name} -> test OS ${initrd ? "initrd" : "kernel"} (${f.sha256.slice(0, 12)}...)`);
  }
  const sites = (Array.isArray(raw.sites) ? raw.sites : []).map((s: unknown) => {
    if (!isPlain(s) || !isPlain(s.network)) return s;
    const net = { ...s.network };
    const changed: string[] = [];
    const set = (key: string, value: unknown) => {
      if (net[key] === undefined) return;
      net[key] = value;
      changed.push(key);
    };
    set("subnet", QEMU_NET.subnet);
    set("gateway", QEMU_NET.gateway);
    // Prompt sites pre-fill a different address, so the demo's typing shows on screen.
    set(
      "address",
      NETWORK_MODE[net.mode as NetworkMode]?.address === "use" ? QEMU_NET.guest : QEMU_NET.prefill,
    );
    set("dns", [QEMU_NET.dns]);
    if (net.vlan !== undefined) {
      delete net.vlan;
      changed.push("vlan (removed)");
    }
    if (Array.isArray(net.fixed)) {
      net.fixed = net.fixed.map((f: unknown, i: number) =>
        isPlain(f) ? { ...f, ip: `10.0.2.${21 + i}` } : f,
      );
      changed.push("fixed[].ip");
    }
    if (changed.length)
      notes.push(
        `site ${String(s.name)}: network ${changed.join(", ")} -> QEMU's ${QEMU_NET.subnet} (gateway ${QEMU_NET.gateway})`,
      );
    return { ...s, network: net };
  });
  return { config: validateStackConfig({ ...raw, artifacts, sites }, `${file} (demo overrides)`), notes };
}
