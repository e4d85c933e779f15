// Which URL paths the CDN treats as scripts and which as immutable artefacts. Plain data, shared
// by the Origin component and the policy pack, so the two cannot disagree.
// Keys come from origin/layout.ts (`keys`); images/ from components/site-content.ts.

/** Boot scripts: short-lived in caches. */
export const SCRIPT_PATH_PATTERNS = ["sites/*", "generic/*"] as const;

/** Content-addressed objects (`artifacts/<sha256>/<name>`, `images/<site>/<sha256>.iso`). */
export const IMMUTABLE_PATH_PATTERNS = ["artifacts/*", "images/*"] as const;

/**
 * What iPXE itself fetches: scripts and artefacts. When a stack explicitly allows plain HTTP
 * (for an iPXE build without HTTPS), these are the only paths that may serve it: such an iPXE
 * could not follow a redirect to HTTPS for the kernel either. Images (downloaded by people) and
 * everything else stay HTTPS-only.
 */
export const PLAIN_HTTP_PATH_PATTERNS = ["sites/*", "generic/*", "artifacts/*"] as const;

/**
 * CDN cache lifetimes in seconds. Scripts: origin/layout.ts sends `max-age=30`; the CDN honours
 * it and never keeps a script longer than a minute, so a config change is live without an
 * invalidation. Artefacts: the key changes when the bytes do, so a year is safe.
 */
export const CACHE_TTL = {
  script: { min: 0, default: 30, max: 60 },
  immutable: { min: 86400, default: 31536000, max: 31536000 },
} as const;

/** CloudFront security policy: TLS 1.2 with modern ciphers. iPXE speaks TLS <= 1.2, so a
 * TLS 1.3-only policy would lock every machine out (docs/cloud.md, "TLS and iPXE"). */
export const MINIMUM_TLS_POLICY = "TLSv1.2_2021";

export function mayServePlainHttp(pattern: string): boolean {
  return (PLAIN_HTTP_PATH_PATTERNS as readonly string[]).includes(pattern);
}
