// HTTP Range parsing for the local origin (RFC 9110 §14): one byte range per request, which is
// all iPXE and curl ask for. Several ranges are answered with the whole object (the RFC allows
// a server to ignore Range).

export type RangeResult =
  | { kind: "full" }
  | { kind: "partial"; start: number; end: number } // inclusive end, as in Content-Range
  | { kind: "unsatisfiable" };

export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: "full" };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return { kind: "full" }; // unknown units or several ranges: ignore
  const [, first, last] = m;
  if (first === "" && last === "") return { kind: "full" };
  if (first === "") {
    // Suffix range: the last N bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return { kind: "full" }; // invalid: ignore
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", start, end };
}
