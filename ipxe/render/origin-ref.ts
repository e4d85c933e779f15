// Where scripts point at: the origin's base URL.
import { OriginConfig } from "../../config/schema";

export interface OriginRef {
  /** e.g. `https://boot.example.com` or, for the local origin, `http://10.0.2.100`. No trailing slash. */
  baseUrl: string;
  /** Tried in order when `baseUrl` fails (the CDN's own name); a site's mirror comes after (origins.ts). */
  fallbacks?: string[];
}

export function originRefFor(origin: OriginConfig): OriginRef {
  return { baseUrl: `${origin.transport}://${origin.hostname}` };
}

/** Checks a user-given base URL (`--base-url`); returns an error text, or undefined when fine. */
export function baseUrlProblem(url: string): string | undefined {
  const m = /^(https?):\/\/([a-z0-9.-]+|\[[0-9a-f:]+\])(:\d{1,5})?(\/[A-Za-z0-9._~\/-]*)?$/i.exec(url);
  if (!m)
    return `${JSON.stringify(url)} is not a base URL like https://boot.example.com or http://10.0.2.100:8080 (no query, no spaces)`;
  if (url.endsWith("/")) return `${JSON.stringify(url)} must not end with a slash`;
  return undefined;
}
