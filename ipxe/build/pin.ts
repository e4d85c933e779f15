// What the images are built from, pinned, so every runner builds the same bytes and the inputs
// digest (digest.ts) names them. Override the iPXE commit per stack with `ipxe.ref`.
export const IPXE_UPSTREAM_URL = "https://github.com/ipxe/ipxe.git";
/** Upstream master as of the 2026 tests (see ../../docs/images.md, "compile"). */
export const IPXE_PINNED_COMMIT = "0ab2277c40f1de56c736b9e7db7ee23d52509ec5";

/**
 * Debian 13 (trixie)'s `ipxe` package, the prebuilt default: fetched with
 * `apt-get download ipxe=<version>` and refused unless the .deb has this sha256 (cloud-audit D6).
 * To move to a newer package, change both and every image is rebuilt (its digest changes).
 */
export const DEBIAN13_IPXE = {
  package: "ipxe",
  suite: "trixie",
  version: "1.21.1+git20250501.dad20602+dfsg-1",
  sha256: "eeaca79dbde0fb86c102bf1d362c6f6a67ed0ddab38b3dd12e1b332339f5dd99",
} as const;

/** The .deb's file name as apt names it (version with ':' escaped; none here). */
export const debian13DebName = (): string =>
  `${DEBIAN13_IPXE.package}_${DEBIAN13_IPXE.version.replace(/:/g, "%3a")}_all.deb`;
