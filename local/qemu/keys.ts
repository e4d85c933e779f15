// Characters to QMP `send-key` qcodes (US layout), as an operator's keyboard would send them.
// https://www.qemu.org/docs/master/interop/qemu-qmp-ref.html#enum-QMP-ui.QKeyCode
const PLAIN: Record<string, string> = {
  " ": "spc",
  "-": "minus",
  "=": "equal",
  "[": "bracket_left",
  "]": "bracket_right",
  "\\": "backslash",
  ";": "semicolon",
  "'": "apostrophe",
  ",": "comma",
  ".": "dot",
  "/": "slash",
  "`": "grave_accent",
  "\n": "ret",
  "\t": "tab",
};
const SHIFTED: Record<string, string> = {
  "!": "1",
  "@": "2",
  "#": "3",
  $: "4",
  "%": "5",
  "^": "6",
  "&": "7",
  "*": "8",
  "(": "9",
  ")": "0",
  _: "minus",
  "+": "equal",
  "{": "bracket_left",
  "}": "bracket_right",
  "|": "backslash",
  ":": "semicolon",
  '"': "apostrophe",
  "<": "comma",
  ">": "dot",
  "?": "slash",
  "~": "grave_accent",
};

/** The qcodes pressed together for one character, e.g. ":" → ["shift", "semicolon"]. */
export function keysFor(ch: string): string[] {
  if (/^[a-z0-9]$/.test(ch)) return [ch];
  if (/^[A-Z]$/.test(ch)) return ["shift", ch.toLowerCase()];
  if (PLAIN[ch]) return [PLAIN[ch]];
  if (SHIFTED[ch]) return ["shift", SHIFTED[ch]];
  throw new Error(`cannot type ${JSON.stringify(ch)}: no US-layout key for it`);
}
