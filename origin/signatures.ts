// Which objects of the origin layout carry a detached signature, and the `<key>.sig` objects
// served beside them (ipxe.codeSigning). Pure: the signatures themselves are made by
// sign-origin.ts, which reads the key at run time; only the signatures (public) reach here.
import { sha256 } from "../ipxe/build/hash";
import { CONTENT_TYPE, isFetchedByIpxe, keys } from "./keys";
import type { OriginObject } from "./layout";

/** DER signatures by the key of the object they sign. */
export type Signatures = Record<string, Buffer>;

/** What iPXE fetches and the scripts verify: scripts under sites/ and generic/, and artefacts. */
export function needsSignature(o: OriginObject): boolean {
  return isFetchedByIpxe(o.key) && o.contentType !== CONTENT_TYPE.signature;
}

/** One `<key>.sig` per signed object, with the object's cache policy (they expire together). */
export function signatureObjects(objects: OriginObject[], signatures: Signatures): OriginObject[] {
  return objects.filter(needsSignature).map((o) => {
    const der = signatures[o.key];
    if (!der)
      throw new Error(`no signature for ${o.key}: sign the layout (sign-origin.ts) before serving it`);
    return {
      key: keys.signature(o.key),
      contentType: CONTENT_TYPE.signature,
      cacheControl: o.cacheControl,
      sha256: sha256(der),
      size: der.length,
      content: { kind: "bytes", data: der },
    };
  });
}
