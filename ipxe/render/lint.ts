// A structural check of rendered scripts: every command is one the supported iPXE builds know,
// and every goto lands on a label. Cheap enough to run on every render and in tests.

/** Commands the scripts may use: present in Debian 13's iPXE and in the compiled build
 * (ipxe/config/local/general.h). See ../shared/FACTS.md for what each prebuilt has. */
export const KNOWN_COMMANDS = new Set([
  "chain",
  "kernel",
  "initrd",
  "boot",
  "imgfetch",
  "imgexec",
  "imgargs",
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
  "dhcp",
  "vcreate",
]);

export interface LintProblem {
  line: number;
  message: string;
}

export function lintScript(text: string): LintProblem[] {
  const problems: LintProblem[] = [];
  const lines = text.split("\n");
  if (lines[0] !== "#!ipxe") problems.push({ line: 1, message: "script must start with #!ipxe" });
  const labels = new Set<string>();
  const gotos: Array<{ line: number; target: string }> = [];
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(raw))
      problems.push({ line: n, message: "control character" });
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    if (line.startsWith(":")) {
      labels.add(line.slice(1));
      return;
    }
    const tokens = line.split(/\s+/);
    let expectCommand = true;
    tokens.forEach((tok, j) => {
      if (tok === "||" || tok === "&&") {
        expectCommand = true;
        return;
      }
      if (tok.startsWith("#"))
        problems.push({ line: n, message: `token ${tok} would start a comment mid-line` });
      if (!expectCommand) return;
      expectCommand = false;
      if (!KNOWN_COMMANDS.has(tok)) problems.push({ line: n, message: `unknown command ${tok}` });
      if (tok === "goto" && tokens[j + 1]) gotos.push({ line: n, target: tokens[j + 1] });
    });
  });
  for (const g of gotos) {
    const dynamic = /^([^$]*)\$\{[^}]+\}$/.exec(g.target);
    const ok = dynamic ? [...labels].some((l) => l.startsWith(dynamic[1])) : labels.has(g.target);
    if (!ok) problems.push({ line: g.line, message: `goto ${g.target}: no such label` });
  }
  return problems;
}
