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

/**
 * How the Pulumi program groups the signed objects into signature commands, for 1,000 sites:
 * one per site (its stage-1 and stage-2: a menu change re-signs that site alone), one for the
 * site index and the generic stage-1, one per artefact (named by artefact, so a new version is an
 * update of the same command). One per object would double the resources and the command starts
 * (~1 s each) for nothing; one for all would re-sign and re-upload every site on any change.
 */
export function signatureGroup(o: OriginObject): string {
  if (o.content.kind === "artifact") return `artifacts/${o.content.name}`;
  const site = /^sites\/([^/]+)\//.exec(o.key);
  return site ? `sites/${site[1]}` : "shared";
}

/** The signed objects by group (signatureGroup), in layout order. */
export function signatureGroups(objects: OriginObject[]): Map<string, OriginObject[]> {
  const groups = new Map<string, OriginObject[]>();
  for (const o of objects.filter(needsSignature)) {
    const g = signatureGroup(o);
    groups.set(g, [...(groups.get(g) ?? []), o]);
  }
  return groups;
}
