// The origin's address space and cache policy in one dependency-free module: every object key,
// the Cache-Control each class of object is served with, the CDN's TTL bounds and path patterns
// per class, and the content types. The renderers, the layout, the Pulumi components, the local
// origin, the policy pack and the tests import these; nothing re-types them.

/** Object keys (URL paths without the leading slash). */
export const keys = {
  stage1: (site: string) => `sites/${site}/stage1.ipxe`,
  stage2: (site: string) => `sites/${site}/stage2.ipxe`,
  sitesIndex: "sites/index.ipxe",
  genericStage1: "generic/stage1.ipxe",
  manifest: "manifest.json",
  /** Content-addressed: the key changes when the bytes do. */
  artifact: (name: string, sha256: string) => `artifacts/${sha256}/${name}`,
  /** A site's boot image, content-addressed like artefacts. */
  image: (site: string, sha256: string) => `images/${site}/${sha256}.iso`,
  /**
   * The detached CMS signature of an object iPXE fetches, served beside it (ipxe.codeSigning):
   * same cache class as the object, so a script and its signature expire together.
   */
  signature: (key: string) => `${key}.sig`,
} as const;

/** How long caches may keep an object. */
export type CacheClass = "script" | "immutable";

export const CACHE_CONTROL: Record<CacheClass, string> = {
  // Scripts change by config: live everywhere within a minute, no invalidation needed.
  script: "public, max-age=30, must-revalidate",
  // Content-addressed objects never change once written.
  immutable: "public, max-age=31536000, immutable",
};

/**
 * CDN cache lifetimes in seconds. Scripts: the CDN honours the objects' `max-age=30` and never
 * keeps one longer than a minute, so a config change is live without an invalidation.
 */
export const CDN_TTL: Record<CacheClass, { min: number; default: number; max: number }> = {
  script: { min: 0, default: 30, max: 60 },
  immutable: { min: 86400, default: 31536000, max: 31536000 },
};

/** The CDN's path patterns per cache class; together they cover every key above but the manifest. */
export const PATH_PATTERNS: Record<CacheClass, readonly string[]> = {
  script: ["sites/*", "generic/*"],
  immutable: ["artifacts/*", "images/*"],
};

/**
 * What iPXE itself fetches: scripts and artefacts. When a stack explicitly allows plain HTTP (for
 * an iPXE build without HTTPS), these are the only paths that may serve it: such an iPXE could not
 * follow a redirect to HTTPS for the kernel either. Images (downloaded by people) and everything
 * else stay HTTPS-only.
 */
export const PLAIN_HTTP_PATH_PATTERNS: readonly string[] = ["sites/*", "generic/*", "artifacts/*"];

/** Whether iPXE fetches this key (so, with ipxe.codeSigning, it is signed and verified). */
export function isFetchedByIpxe(key: string): boolean {
  return PLAIN_HTTP_PATH_PATTERNS.some((p) => key.startsWith(p.slice(0, -1)));
}

export function mayServePlainHttp(pattern: string): boolean {
  return PLAIN_HTTP_PATH_PATTERNS.includes(pattern);
}

export const CONTENT_TYPE = {
  ipxeScript: "text/plain; charset=utf-8",
  json: "application/json",
  binary: "application/octet-stream",
  iso: "application/x-iso9660-image",
  /** DER CMS (RFC 5652), what `openssl cms -outform DER` writes and imgverify reads. */
  signature: "application/pkcs7-signature",
} as const;

/** How a site's image is offered for download: saved under a name a person recognises. */
export const imageContentDisposition = (site: string): string => `attachment; filename="boot-${site}.iso"`;
