// One problem in a stack config, named so that the reader can go straight to the line.
import { UserError } from "../errors/user-error";

export interface ConfigIssue {
  /** e.g. `sites[2] "ams1".network.gateway` */
  path: string;
  /** e.g. `"10.0.0.300" is not an IPv4 address` */
  message: string;
}

export class ConfigError extends UserError {
  constructor(
    public readonly source: string,
    public readonly issues: ConfigIssue[],
  ) {
    super(
      `${source}: ${issues.length} problem${issues.length === 1 ? "" : "s"}\n` +
        issues.map(formatIssue).join("\n"),
      "CONFIG",
    );
  }
}

export const formatIssue = (i: ConfigIssue): string => `  ${i.path}: ${i.message}`;

/** Shows a bad value briefly and safely (control characters made visible, long values cut). */
export function showValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
