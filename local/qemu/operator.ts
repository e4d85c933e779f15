// The operator driver: what a person at the console would do, over QMP. Reads the screen (BIOS:
// the VGA text buffer, since iPXE writes nothing to serial there; UEFI: serial, which OVMF
// mirrors the console to), waits for text, types answers, picks menu entries, and saves a
// PNG screenshot per step into a report folder.
import * as fs from "node:fs";
import * as path from "node:path";
import { keysFor } from "./keys";
import { QemuRun } from "./rig";
import { decodeVgaText, stripAnsi, VGA_BYTES, VGA_COLS, VGA_TEXT_BASE } from "./screen";

export interface OperatorOptions {
  /** Screenshots go here as NN-<step>.png (created if missing); none are taken without it. */
  reportDir?: string;
  /** Progress lines ("typed ...", "saw ..."). */
  log?: (line: string) => void;
  /** Time a key is held, and the pause after it (TCG guests poll the keyboard slowly). */
  keyHoldMs?: number;
  keyGapMs?: number;
}

export class WaitTimeout extends Error {
  constructor(what: string, ms: number, screen: string) {
    super(`timed out after ${ms} ms waiting for ${what}; the screen shows:\n${screen}`);
    this.name = "WaitTimeout";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Operator {
  private shot = 0;
  /** Key events sent so far (one per send-key: a key, or a combination such as Ctrl-U). */
  keyEvents = 0;
  /** UEFI: serial text before this offset has been consumed by earlier waits. */
  private serialMark = 0;

  constructor(
    readonly run: QemuRun,
    private readonly opts: OperatorOptions = {},
  ) {
    if (opts.reportDir) fs.mkdirSync(opts.reportDir, { recursive: true });
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  /** The console as text lines. BIOS: the 80x25 text screen; UEFI: serial since the last consumed wait. */
  async screen(): Promise<string[]> {
    if (this.run.firmware === "bios") return decodeVgaText(await this.vgaMemory());
    return stripAnsi(this.run.serial().slice(this.serialMark)).split("\n");
  }

  private async vgaMemory(): Promise<Buffer> {
    const file = path.join(this.run.dir, "vga.bin");
    await this.run.qmp.execute("pmemsave", { val: VGA_TEXT_BASE, size: VGA_BYTES, filename: file });
    return fs.readFileSync(file);
  }

  async screenText(): Promise<string> {
    return (await this.screen()).join("\n");
  }

  /**
   * Waits until `pattern` shows. `where: "last"` asks that it is on the last non-empty line
   * (a prompt waiting for input), not just somewhere on screen. Returns the matching line.
   */
  async waitFor(
    pattern: RegExp | string,
    opts: { timeoutMs?: number; where?: "anywhere" | "last"; serial?: boolean } = {},
  ): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const re = typeof pattern === "string" ? new RegExp(escapeRe(pattern)) : pattern;
    const deadline = Date.now() + timeoutMs;
    const fromSerial = opts.serial || this.run.firmware === "uefi";
    let lines: string[] = [];
    for (;;) {
      const raw = fromSerial ? this.run.serial() : "";
      if (fromSerial) lines = stripAnsi(opts.serial ? raw : raw.slice(this.serialMark)).split("\n");
      else lines = await this.screen().catch(() => lines);
      const candidates = opts.where === "last" ? lines.filter((l) => l.trim()).slice(-1) : lines;
      const hit = candidates.find((l) => re.test(l));
      if (hit !== undefined) {
        // UEFI: what was read is consumed, so an old prompt never satisfies a later wait.
        if (fromSerial && !opts.serial) this.serialMark = raw.length;
        this.log(`operator: saw "${hit.trim()}"`);
        return hit;
      }
      if (!this.run.running) throw new WaitTimeout(`${re} (QEMU exited first)`, timeoutMs, lines.join("\n"));
      if (Date.now() > deadline)
        throw new WaitTimeout(
          String(re),
          timeoutMs,
          lines
            .filter((l) => l.trim())
            .slice(-25)
            .join("\n"),
        );
      await sleep(200);
    }
  }

  /** Presses one key combination, e.g. press("ret"), press("ctrl", "u"). */
  async press(...qcodes: string[]): Promise<void> {
    await this.run.qmp.execute("send-key", {
      keys: qcodes.map((q) => ({ type: "qcode", data: q })),
      "hold-time": this.opts.keyHoldMs ?? 40,
    });
    this.keyEvents++;
    await sleep(this.opts.keyGapMs ?? 40);
  }

  async type(text: string): Promise<void> {
    for (const ch of text) await this.press(...keysFor(ch));
  }

  /**
   * Turns the pre-filled `from` into `to` as a person would: Backspace over what differs at the
   * end (the cursor sits after the pre-filled text), then type the new tail.
   */
  async edit(from: string, to: string): Promise<void> {
    let same = 0;
    while (same < from.length && same < to.length && from[same] === to[same]) same++;
    for (let i = same; i < from.length; i++) await this.press("backspace");
    await this.type(to.slice(same));
  }

  /** Erases the pre-filled value of an iPXE `read` (Ctrl-U: delete to the start of the line). */
  async clearField(): Promise<void> {
    await this.press("ctrl", "u");
  }

  /** Waits for a prompt, replaces its pre-filled value with `value`, presses Enter. */
  async answer(
    prompt: RegExp | string,
    value: string,
    opts: { timeoutMs?: number; keepPrefill?: boolean } = {},
  ): Promise<void> {
    await this.waitFor(prompt, { timeoutMs: opts.timeoutMs, where: "last" });
    if (!opts.keepPrefill) await this.clearField();
    await this.type(value);
    this.log(
      opts.keepPrefill && value === ""
        ? "operator: kept the pre-filled value"
        : `operator: typed "${value}"${opts.keepPrefill ? " after the pre-filled value" : ""}`,
    );
    await this.screenshot(`typed-${slug(String(prompt))}`);
    await this.press("ret");
  }

  /**
   * Moves the menu highlight to the entry whose text contains `label`, then presses Enter.
   * BIOS reads the highlight from the VGA attributes; UEFI needs the entry's index (0-based
   * among selectable items) because the serial stream does not show the highlight.
   */
  async pickMenuEntry(label: string, opts: { index?: number; timeoutMs?: number } = {}): Promise<void> {
    await this.waitFor(label, { timeoutMs: opts.timeoutMs });
    if (this.run.firmware === "uefi") {
      if (opts.index === undefined) throw new Error("pickMenuEntry on UEFI needs the entry's index");
      await this.press("home");
      for (let i = 0; i < opts.index; i++) await this.press("down");
    } else {
      await this.press("home");
      await this.settle();
      for (let i = 0; i < 30 && !(await this.highlighted()).includes(label); i++) {
        // TCG redraws slowly: press again only once the last press shows, or a press that is
        // still on its way moves the bar past the entry (it once picked Reboot for the shell).
        const before = await this.highlighted();
        await this.press("down");
        await this.settle(before);
      }
      const now = await this.highlighted();
      if (!now.includes(label))
        throw new Error(`menu entry "${label}" never became highlighted (highlighted: "${now.trim()}")`);
    }
    this.log(`operator: picked "${label}"`);
    await this.screenshot(`menu-${slug(label)}`);
    await this.press("ret");
  }

  /** BIOS: waits (up to 2 s) until the highlighted row differs from `from`, or for a short while. */
  private async settle(from?: string): Promise<void> {
    const deadline = Date.now() + 2000;
    if (from === undefined) {
      await sleep(300);
      return;
    }
    while (Date.now() < deadline && (await this.highlighted()) === from) await sleep(50);
  }

  /** BIOS: the text of the menu row drawn on the highlight bar (a background unlike the screen's). */
  private async highlighted(): Promise<string> {
    const mem = await this.vgaMemory();
    const rows = decodeVgaText(mem);
    const bg = (cell: number) => (mem[cell * 2 + 1] >> 4) & 0x7;
    const counts = new Map<number, number>();
    for (let cell = 0; cell < mem.length / 2; cell++) counts.set(bg(cell), (counts.get(bg(cell)) ?? 0) + 1);
    const screenBg = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    for (let r = 0; r < rows.length; r++) {
      // Column 40: inside the bar, past any label; the bar spans the menu's width.
      if (rows[r].trim() && bg(r * VGA_COLS + 40) !== screenBg) return rows[r];
    }
    return "";
  }

  /** Saves a PNG of the screen as <reportDir>/NN-<step>.png; returns its path. */
  async screenshot(step: string): Promise<string | undefined> {
    if (!this.opts.reportDir || !this.run.running) return undefined;
    const file = path.join(this.opts.reportDir, `${String(++this.shot).padStart(2, "0")}-${slug(step)}.png`);
    try {
      await this.run.qmp.execute("screendump", { filename: file, format: "png" });
    } catch {
      return undefined; // the machine stopped meanwhile
    }
    this.log(`operator: screenshot ${file}`);
    return file;
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40) || "step";
