// Turning what the guest shows into text: the 80x25 VGA text buffer (BIOS: iPXE draws there
// and prints nothing on serial) and serial output with its ANSI escapes removed (UEFI: OVMF
// mirrors the console to the serial port).

export const VGA_TEXT_BASE = 0xb8000;
export const VGA_COLS = 80;
export const VGA_ROWS = 25;
export const VGA_BYTES = VGA_COLS * VGA_ROWS * 2;

/** One line per row, trailing spaces trimmed: every second byte is a character (CP437). */
export function decodeVgaText(mem: Buffer): string[] {
  const rows: string[] = [];
  for (let r = 0; r < VGA_ROWS; r++) {
    let line = "";
    for (let c = 0; c < VGA_COLS; c++) {
      const b = mem[(r * VGA_COLS + c) * 2] ?? 0x20;
      line += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : " ";
    }
    rows.push(line.replace(/\s+$/, ""));
  }
  return rows;
}

/** Serial text as a reader sees it: escapes and carriage returns gone, lines kept. */
export function stripAnsi(text: string): string {
  return text
    .replace(/\x1b\[[0-9;]*[Hf]/g, "\n") // cursor placement: a new screen line
    .replace(/\x1b\[[0-9;?]*[ -\/]*[@-~]/g, "") // other CSI sequences (colours, erase)
    .replace(/\x1b[()][A-Za-z0-9]/g, "") // charset selection
    .replace(/\x1b[@-Z\\-_]/g, "")
    .replace(/\r(?!\n)/g, "\n")
    .replace(/\r/g, "")
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
}
