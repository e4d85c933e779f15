// The iPXE source that compile mode builds, pinned. Override per stack with `ipxe.ref`.
export const IPXE_UPSTREAM_URL = "https://github.com/ipxe/ipxe.git";
/** Upstream master as of the 2026 tests (see ../../docs/images.md, "compile"). */
export const IPXE_PINNED_COMMIT = "0ab2277c40f1de56c736b9e7db7ee23d52509ec5";
