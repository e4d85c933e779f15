// The table of failure states in docs/boot-tests.md (section "Failure states"): one row per
// failure the boot tests reach, with a column saying whether a power-cycle is the only way
// forward. The bench counts those rows; the docs are the one place the table lives.
import * as fs from "node:fs";

export interface FailureStates {
  /** Rows of the table. */
  states: number;
  /** Rows whose power-cycle column says yes. */
  powerCycleOnly: string[];
}

const HEADING = /^#{2,4}\s+Failure states\b/i;
const POWER_CYCLE_COLUMN = /power-cycle/i;

/** Reads the table from the docs' markdown; undefined when the section or its column is missing. */
export function failureStates(markdown: string): FailureStates | undefined {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => HEADING.test(l));
  if (start < 0) return undefined;
  const table: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,4}\s/.test(line)) break;
    if (line.trim().startsWith("|")) table.push(cells(line));
    else if (table.length) break;
  }
  const [header, rule, ...rows] = table;
  const column = header?.findIndex((c) => POWER_CYCLE_COLUMN.test(c)) ?? -1;
  if (!rule || column < 0) return undefined;
  return {
    states: rows.length,
    powerCycleOnly: rows.filter((r) => /^yes\b/i.test(r[column] ?? "")).map((r) => r[0]),
  };
}

export function failureStatesOf(file: string): FailureStates | undefined {
  return fs.existsSync(file) ? failureStates(fs.readFileSync(file, "utf8")) : undefined;
}

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}
