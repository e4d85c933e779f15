// Where scripts point at: the origin's base URL, and the content-addressed artefact keys.
import { OriginConfig } from "../../config/schema";

export interface OriginRef {
  /** e.g. `https://boot.example.com` or, for the local origin, `http://10.0.2.100`. No trailing slash. */
  baseUrl: string;
}

export function originRefFor(origin: OriginConfig): OriginRef {
  return { baseUrl: `${origin.transport}://${origin.hostname}` };
}

export const artifactKey = (name: string, sha256: string): string => `artifacts/${sha256}/${name}`;
