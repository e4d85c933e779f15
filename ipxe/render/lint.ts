// A structural check of rendered scripts against what iPXE does with them: every command is one
// both supported builds know, every goto lands on a label, nothing can end a script that an
// operator's keypress may interrupt, free text is never taken for an option, every download and
// every prompt is bounded, and no free text from DHCP is expanded. Cheap enough to run on every render.
// The iPXE behaviour behind each rule: ../../../shared/reviews/ipxe-review.md (#3, #6, #7, #8).

/**
 * Commands the scripts may use: present in Debian 13's iPXE (1.21.1+git20250501, dad206026) and
 * in the compiled build (upstream defaults + ipxe/config/local/general.h). Debian 13 lacks ntp,
 * params/param, nslookup, imgverify/imgtrust and time: none of those may appear here.
 */
export const KNOWN_COMMANDS = new Set([
  "chain",
  "kernel",
  "initrd",
  "boot",
  "imgfetch",
  "imgexec",
  "imgargs",
  "imgfree",
  "imgstat",
  "sanboot",
  "set",
  "clear",
  "read",
  "isset",
  "iseq",
  "inc",
  "echo",
  "prompt",
  "sleep",
  "goto",
  "exit",
  "menu",
  "item",
  "choose",
  "shell",
  "reboot",
  "poweroff",
  "ifopen",
  "ifclose",
  "ifconf",
  "ifstat",
  "iflinkwait",
  "dhcp",
  "vcreate",
  "show",
]);

/**
 * Commands only the compiled build has (ipxe/config/local/general.h IMAGE_TRUST_CMD): scripts
 * render them only with ipxe.codeSigning, which config/validate.ts allows in compile mode only.
 */
export const COMPILED_ONLY_COMMANDS = new Set(["imgtrust", "imgverify"]);

/**
 * Options of the commands that take free text, as iPXE's getopt sees them (name → takes an
 * argument). Anything else starting with "-" before the text would be parsed as an option
 * (src/core/getopt.c; `--` ends the options).
 */
const TEXT_COMMAND_OPTIONS: Record<string, Record<string, boolean>> = {
  menu: { "--name": true, "-n": true, "--delete": false, "-d": false },
  item: {
    "--menu": true,
    "-m": true,
    "--key": true,
    "-k": true,
    "--default": false,
    "-d": false,
    "--gap": false,
    "-g": false,
  },
  prompt: { "--key": true, "-k": true, "--timeout": true, "-t": true },
  echo: { "-n": false },
};

/** A failure of these ends the whole script unless handled (an operator's Ctrl-C, or `exit` typed in the shell). */
const MUST_BE_HANDLED = new Set(["sleep", "shell"]);
/**
 * Prompts that wait for typing: a menu that times out picks the highlighted item, so a prompt
 * can come up with nobody there; without --timeout it would wait forever.
 */
const READS = new Set(["read"]);
/** Downloads: without --timeout a stalled connection hangs forever on Debian 13's iPXE. */
const DOWNLOADS = new Set(["chain", "kernel", "initrd", "imgfetch", "imgverify"]);
/** DHCP settings that hold free text from the network: never expanded into a script. */
const DHCP_TEXT = /\$\{([^}/]*\/)?(hostname|domain|filename|root-path|user-class)(:[a-z]+)?\}/;

export interface LintProblem {
  line: number;
  message: string;
}

/** `compiled`: the script is for a compiled iPXE only (it may use COMPILED_ONLY_COMMANDS). */
export function lintScript(text: string, opts: { compiled?: boolean } = {}): LintProblem[] {
  const problems: LintProblem[] = [];
  const lines = text.split("\n");
  if (lines[0] !== "#!ipxe") problems.push({ line: 1, message: "script must start with #!ipxe" });
  const labels = new Set<string>();
  const gotos: Array<{ line: number; target: string }> = [];
  lines.forEach((raw, i) => {
    const n = i + 1;
    const problem = (message: string) => problems.push({ line: n, message });
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(raw)) problem("control character");
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    if (line.startsWith(":")) {
      labels.add(line.slice(1));
      return;
    }
    if (DHCP_TEXT.test(line)) problem(`${DHCP_TEXT.exec(line)![0]} expands free text from DHCP`);
    for (const command of splitCommands(line.split(/\s+/))) {
      const [name, ...args] = command.tokens;
      if (name.startsWith("#")) problem(`token ${name} would start a comment mid-line`);
      for (const tok of args) if (tok.startsWith("#")) problem(`token ${tok} would start a comment mid-line`);
      if (!KNOWN_COMMANDS.has(name) && !(opts.compiled && COMPILED_ONLY_COMMANDS.has(name)))
        problem(`unknown command ${name}`);
      if (name === "goto" && args[0]) gotos.push({ line: n, target: args[0] });
      if (MUST_BE_HANDLED.has(name) && command.next !== "||")
        problem(`${name} needs "||": its failure (Ctrl-C, exit) would end the script`);
      if (DOWNLOADS.has(name) && !args.includes("--timeout"))
        problem(`${name} needs --timeout: a stalled download would hang forever`);
      if (READS.has(name) && !args.includes("--timeout"))
        problem(`${name} needs --timeout: nobody may be there to answer`);
      const options = TEXT_COMMAND_OPTIONS[name];
      if (options) {
        const bad = optionProblem(args, options);
        if (bad) problem(`${name}: ${bad}`);
      }
    }
  });
  for (const g of gotos) {
    const dynamic = /^([^$]*)\$\{[^}]+\}$/.exec(g.target);
    const ok = dynamic ? [...labels].some((l) => l.startsWith(dynamic[1])) : labels.has(g.target);
    if (!ok) problems.push({ line: g.line, message: `goto ${g.target}: no such label` });
  }
  return problems;
}

/** Splits a line's tokens at `||` / `&&` into commands, each with the terminator after it. */
function splitCommands(tokens: string[]): Array<{ tokens: string[]; next?: string }> {
  const out: Array<{ tokens: string[]; next?: string }> = [];
  let current: string[] = [];
  for (const tok of tokens) {
    if (tok === "||" || tok === "&&") {
      if (current.length) out.push({ tokens: current, next: tok });
      current = [];
    } else current.push(tok);
  }
  if (current.length) out.push({ tokens: current });
  return out;
}

/** The first token getopt would misread as an option, if any. */
function optionProblem(args: string[], options: Record<string, boolean>): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const tok = args[i];
    if (tok === "--" || !tok.startsWith("-")) return undefined;
    if (!(tok in options)) return `${tok} would be parsed as an option (write "--" before free text)`;
    if (options[tok]) i++;
  }
  return undefined;
}
