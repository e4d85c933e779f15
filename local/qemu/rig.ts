// The QEMU rig: boots an image under TCG with user-mode networking that reaches nothing but the
// local origin (restrict=on; guestfwd from 10.0.2.100 through socat to 127.0.0.1), BIOS or UEFI
// (OVMF, a fresh copy of the VARS file per run), a unique temp folder and QMP socket per run,
// serial to a file, bounded by a timeout, and always killed and cleaned up.
// Recipes measured in ../../../shared/FACTS.md ("QEMU as a boot-test rig").
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ToolError } from "../../ipxe/build/tools";
import { guestfwd } from "../guest-network";
import { DhcpBlock, startDhcpBlock } from "./dhcp-block";
import { startVlanTrunk, VlanTrunk } from "./vlan-trunk";
import { Qmp } from "./qmp";

export type Firmware = "bios" | "uefi";

export const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
export const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";

/**
 * Debian's OVMF build with Secure Boot enforced and a test key enrolled (as PK, KEK and db), and
 * that key: it stands for an organisation's own db key in the tests. Never a real key.
 */
export const OVMF_SECURE_BOOT = {
  code: "/usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd",
  vars: "/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd",
  key: "/usr/share/ovmf/PkKek-1-snakeoil.key",
  cert: "/usr/share/ovmf/PkKek-1-snakeoil.pem",
  passphrase: "snakeoil",
} as const;

export interface QemuOptions {
  firmware: Firmware;
  /**
   * A bootable ISO as a CD (BIOS: isolinux; UEFI: El Torito EFI image), the same ISO as a USB
   * stick (`usb-storage`, first in the boot order), or a raw disk image.
   */
  image: { iso: string } | { usb: string } | { disk: string };
  /** Raw disk images attached as IDE hard disks after the boot medium (never written to). */
  disks?: string[];
  /**
   * More NICs after the first (net1, net2, ... in iPXE), each on its own user network that
   * reaches the same origin; `linkUp: false` starts it with its cable "unplugged" (QMP set_link).
   * The first NIC can be unplugged the same way with `firstLinkUp: false`.
   */
  extraNics?: Array<{ mac?: string; linkUp?: boolean }>;
  firstLinkUp?: boolean;
  /** Loopback port that the guest's http://10.0.2.100 reaches. */
  httpPort: number;
  /** More guest addresses whose port 80 reaches a loopback port (origin failover). */
  moreOrigins?: { address: string; httpPort: number }[];
  /** Loopback port that the guest's https://10.0.2.100 reaches, if any. */
  httpsPort?: number;
  /** false turns slirp's restriction off (the guest could then reach the host's outside world). */
  restrict?: boolean;
  /**
   * QEMU's user network answers DHCP even with restrict=on; true drops the guest's DHCP
   * requests on the way (see dhcp-block.ts), for "no DHCP at this site" scenarios.
   */
  noDhcp?: boolean;
  /**
   * UEFI only: boot OVMF with Secure Boot enforced (OVMF_SECURE_BOOT): SMM on and the flash
   * locked to SMM, as the firmware's variable store requires for authenticated variables.
   */
  secureBoot?: boolean;
  /** The hostname QEMU's DHCP server hands out (option 12); slirp takes up to 32 characters. */
  dhcpHostname?: string;
  /**
   * The first NIC's cable goes to a port carrying only this VLAN, tagged (vlan-trunk.ts): the
   * guest reaches the user network only with its frames on that VLAN. Not with noDhcp.
   */
  vlanTrunk?: number;
  /** NIC MAC (default QEMU's 52:54:00:12:34:56). */
  mac?: string;
  /**
   * MACs of extra NICs on no network (a hub with nothing else on it), placed before the origin's
   * NIC on the PCI bus: firmware and Linux number them first (multi-NIC tests).
   */
  deadNics?: string[];
  memoryMb?: number;
  /** The run is killed after this long, whatever happens (default 120 s). */
  timeoutMs?: number;
  /** Parent folder for the run's temp folder (default the OS temp dir). */
  tmpRoot?: string;
  log?: (line: string) => void;
}

export class QemuRun {
  private exitCode: number | null | undefined = undefined;
  private readonly exited: Promise<number | null>;
  private readonly killTimer: NodeJS.Timeout;
  timedOut = false;

  constructor(
    readonly dir: string,
    readonly child: ChildProcess,
    readonly qmp: Qmp,
    readonly serialPath: string,
    readonly firmware: Firmware,
    readonly startedAt: number,
    timeoutMs: number,
    /** Set when DHCP is blocked: closed with the run; its count shows DHCP was tried. */
    readonly dhcpBlock?: DhcpBlock,
    /** Set when the first NIC sits on a VLAN trunk port. */
    readonly vlanTrunk?: VlanTrunk,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      child.once("exit", (code) => resolve(code));
    }).then((code) => (this.exitCode = code as number | null));
    this.killTimer = setTimeout(() => {
      this.timedOut = true;
      void this.kill();
    }, timeoutMs);
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Plugs or unplugs NIC `index`'s cable (the guest sees its link go up or down). */
  async setLink(index: number, up: boolean): Promise<void> {
    await this.qmp.execute("set_link", { name: nicId(index), up });
  }

  /** Everything the guest wrote to its first serial port so far. */
  serial(): string {
    try {
      return fs.readFileSync(this.serialPath, "latin1");
    } catch {
      return "";
    }
  }

  /** Resolves with QEMU's exit code once it ends on its own (e.g. the guest powers off). */
  async waitExit(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs)));
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (result === "timeout") throw new Error(`QEMU still running after ${timeoutMs} ms`);
    return result;
  }

  /** Stops QEMU (quit over QMP, then SIGKILL) and removes the run's temp folder. Idempotent. */
  async kill(keepDir = false): Promise<void> {
    clearTimeout(this.killTimer);
    if (this.running) {
      this.qmp.execute("quit", undefined, 1000).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const gone = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 1500))),
      ]);
      clearTimeout(timer);
      if (!gone) {
        try {
          process.kill(-this.child.pid!, "SIGKILL"); // the whole group: QEMU and its socat children
        } catch {
          /* already gone */
        }
        await this.exited;
      }
    }
    this.qmp.close();
    await this.dhcpBlock?.close();
    await this.vlanTrunk?.close();
    if (!keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs started and not yet killed: a test's afterAll can check that none is left. */
const live = new Set<QemuRun>();
export const liveRuns = (): number => [...live].filter((r) => r.running).length;

/** Stops every run of this process (e.g. on Ctrl-C in the demo). */
export async function killAllRuns(): Promise<void> {
  await Promise.all([...live].map((r) => r.kill()));
}

/** Process groups of every QEMU this process started (QEMU leads it; its socats join it). */
const startedGroups = new Set<number>();

/** Processes still alive in any group this process started: QEMU or socat left behind. */
export function leftoverProcesses(): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the ")" of the command name: state ppid pgrp ...
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === "Z" || !startedGroups.has(Number(pgrp))) continue;
      out.push(`${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim()}`);
    } catch {
      // Ended while we looked.
    }
  }
  return out;
}

/** QEMU ids of the NIC devices, first to last (for QMP set_link). */
export const nicId = (index: number): string => `nic${index}`;

export function qemuArgs(opts: QemuOptions, dir: string, extra: string[] = []): string[] {
  const restrict = opts.restrict ?? true;
  const netdevOf = (id: string) =>
    [
      "user",
      `id=${id}`,
      `restrict=${restrict ? "on" : "off"}`,
      ...(opts.dhcpHostname ? [`hostname=${opts.dhcpHostname.replace(/,/g, ",,")}`] : []),
      guestfwd(80, opts.httpPort),
      ...(opts.httpsPort ? [guestfwd(443, opts.httpsPort)] : []),
      ...(opts.moreOrigins ?? []).map((o) => guestfwd(80, o.httpPort, o.address)),
    ].join(",");
  const netdev = netdevOf("n0");
  const moreNics = (opts.extraNics ?? []).flatMap((nic, i) => [
    "-netdev",
    netdevOf(`n${i + 1}`),
    "-device",
    `e1000,id=${nicId(i + 1)},netdev=n${i + 1},romfile=${nic.mac ? `,mac=${nic.mac}` : ""}`,
  ]);
  const args = [
    "-machine",
    opts.firmware === "uefi" ? (opts.secureBoot ? "q35,smm=on" : "q35") : "pc",
    ...(opts.secureBoot ? ["-global", "driver=cfi.pflash01,property=secure,value=on"] : []),
    "-accel",
    "tcg",
    "-m",
    String(opts.memoryMb ?? 512),
    "-smp",
    "1",
    "-display",
    "none",
    "-vga",
    "std",
    "-no-reboot",
    "-serial",
    `file:${path.join(dir, "serial.log")}`,
    "-qmp",
    `unix:${path.join(dir, "qmp.sock")},server=on,wait=off`,
    ...(opts.deadNics ?? []).flatMap((mac, i) => [
      "-netdev",
      `hubport,id=dead${i},hubid=${90 + i}`,
      "-device",
      `e1000,netdev=dead${i},romfile=,mac=${mac}`,
    ]),
    "-netdev",
    netdev,
    // romfile= keeps the NIC's own PXE ROM from taking over the boot.
    "-device",
    `e1000,id=${nicId(0)},netdev=n0,romfile=${opts.mac ? `,mac=${opts.mac}` : ""}`,
    ...moreNics,
    ...extra,
  ];
  if (opts.firmware === "uefi") {
    const code = opts.secureBoot ? OVMF_SECURE_BOOT.code : OVMF_CODE;
    args.push("-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${code}`);
    args.push("-drive", `if=pflash,format=raw,unit=1,file=${path.join(dir, "OVMF_VARS.fd")}`);
  }
  if ("iso" in opts.image && opts.disks?.length)
    // Devices with a bootindex come before `-boot d`: the CD needs one too, ahead of the disks.
    args.push(
      "-drive",
      `if=none,id=cd0,file=${opts.image.iso},media=cdrom,readonly=on`,
      "-device",
      "ide-cd,drive=cd0,bootindex=0",
    );
  else if ("iso" in opts.image)
    args.push("-drive", `file=${opts.image.iso},media=cdrom,readonly=on`, "-boot", "d");
  else if ("usb" in opts.image)
    // SeaBIOS boots a USB stick as a hard disk: the BIOS makes it drive 0x80, the disks follow.
    args.push(
      "-usb",
      "-drive",
      `if=none,id=stick,format=raw,file=${opts.image.usb},snapshot=on`,
      "-device",
      "usb-storage,drive=stick,bootindex=0",
    );
  else args.push("-drive", `file=${opts.image.disk},format=raw,if=ide,snapshot=on`);
  (opts.disks ?? []).forEach((disk, i) =>
    args.push(
      "-drive",
      `if=none,id=disk${i},format=raw,file=${disk},snapshot=on`,
      "-device",
      `ide-hd,drive=disk${i},bootindex=${i + 1}`,
    ),
  );
  return args;
}

export async function startQemu(opts: QemuOptions): Promise<QemuRun> {
  if (opts.secureBoot && opts.firmware !== "uefi") throw new Error("secureBoot needs firmware uefi");
  const dir = fs.mkdtempSync(path.join(opts.tmpRoot ?? os.tmpdir(), `boot-stack-qemu-${opts.firmware}-`));
  if (opts.firmware === "uefi") {
    const [code, vars] = opts.secureBoot
      ? [OVMF_SECURE_BOOT.code, OVMF_SECURE_BOOT.vars]
      : [OVMF_CODE, OVMF_VARS];
    if (!fs.existsSync(code))
      throw new ToolError(`${code} is missing: install the ovmf package (scripts/setup.sh does)`);
    fs.copyFileSync(vars, path.join(dir, "OVMF_VARS.fd"));
  }
  if (opts.noDhcp && opts.vlanTrunk) throw new Error("the rig cannot block DHCP on a VLAN trunk port");
  const block = opts.noDhcp ? await startDhcpBlock() : undefined;
  const trunk = opts.vlanTrunk ? await startVlanTrunk(opts.vlanTrunk) : undefined;
  const args = qemuArgs(opts, dir, [...(block?.args("n0") ?? []), ...(trunk?.args("n0") ?? [])]);
  opts.log?.(`qemu: qemu-system-x86_64 ${args.join(" ")}`);
  const startedAt = Date.now();
  // Own process group, so a kill also ends the socat processes QEMU spawned for guestfwd.
  // Wrapped in timeout(1): QEMU ends even if this process is killed before it can clean up.
  const limitS = Math.ceil((opts.timeoutMs ?? 120_000) / 1000) + 15;
  const child = spawn("timeout", ["--kill-after=5", String(limitS), "qemu-system-x86_64", ...args], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  let qmp: Qmp;
  try {
    qmp = await Promise.race([
      Qmp.connect(
        path.join(dir, "qmp.sock"),
        15_000,
        () => child.exitCode === null && child.signalCode === null,
      ),
      spawnError.then((e) => {
        throw (e as NodeJS.ErrnoException).code === "ENOENT"
          ? new Error("qemu-system-x86_64 is not installed (run scripts/setup.sh)")
          : e;
      }),
    ]);
  } catch (e) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
    fs.rmSync(dir, { recursive: true, force: true });
    await block?.close();
    await trunk?.close();
    throw new Error(
      `${(e as Error).message}${stderr ? `; QEMU said: ${stderr.trim().split("\n").pop()}` : ""}`,
    );
  }
  startedGroups.add(child.pid!);
  const run = new QemuRun(
    dir,
    child,
    qmp,
    path.join(dir, "serial.log"),
    opts.firmware,
    startedAt,
    opts.timeoutMs ?? 120_000,
    block,
    trunk,
  );
  live.add(run);
  child.once("exit", () => live.delete(run));
  // Cables "unplugged" before the guest's firmware gets far (it takes seconds to reach iPXE).
  const down = [
    opts.firstLinkUp === false ? 0 : -1,
    ...(opts.extraNics ?? []).map((n, i) => (n.linkUp === false ? i + 1 : -1)),
  ];
  for (const i of down.filter((i) => i >= 0)) await run.setLink(i, false);
  return run;
}
