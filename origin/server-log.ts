// The local origin's access log: one line per request, with the identity stage-1 sends in the
// query string (site, stage-1 version, MAC, how the network came up), so an operator watching the
// log sees which machine at which site fetched what, and from which of its origins (Host).

export interface AccessLogEntry {
  time: Date;
  method: string;
  path: string;
  status: number;
  /** Body bytes sent (0 for HEAD, 304 and errors without body). */
  bytes: number;
  /** Range asked for, if any (e.g. `bytes=0-99`). */
  range?: string;
  /** The Host the client asked for: which of a machine's origins it used (failover). */
  host?: string;
  site?: string;
  s1?: string;
  mac?: string;
  via?: string;
  /** Milliseconds from request to the last byte written. */
  ms: number;
}

export type AccessLogger = (entry: AccessLogEntry) => void;

const IDENTITY_KEYS = ["site", "s1", "mac", "via"] as const;

/** Reads the stage-1 identity from a query string; values are cut and made printable for the log. */
export function identityFromQuery(
  params: URLSearchParams,
): Pick<AccessLogEntry, (typeof IDENTITY_KEYS)[number]> {
  const out: Partial<Record<(typeof IDENTITY_KEYS)[number], string>> = {};
  for (const key of IDENTITY_KEYS) {
    const v = params.get(key);
    if (v !== null && v !== "") out[key] = printable(v);
  }
  return out;
}

/** Anything a client sent is untrusted: keep log lines single-line and short. */
function printable(s: string): string {
  const clean = s.replace(/[^\x21-\x7e]/g, "?");
  return clean.length > 64 ? `${clean.slice(0, 61)}...` : clean;
}

export function formatAccessLog(e: AccessLogEntry): string {
  const who = IDENTITY_KEYS.filter((k) => e[k] !== undefined).map((k) => `${k}=${e[k]}`);
  return [
    e.time.toISOString(),
    e.method,
    printable(e.path),
    String(e.status),
    `${e.bytes}B`,
    `${e.ms}ms`,
    ...(e.host ? [`host=${printable(e.host)}`] : []),
    ...(e.range ? [`range=${printable(e.range)}`] : []),
    ...who,
  ].join(" ");
}

export const stdoutLogger: AccessLogger = (e) => process.stdout.write(`origin: ${formatAccessLog(e)}\n`);
