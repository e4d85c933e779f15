// The origin layout: every object the origin serves, as one pure function of the validated
// config and the base URL. `boot-stack render`, the local origin server and the Pulumi upload
// all use this function, so what a pull request shows is what gets served.
import { ArtifactSource, StackConfig } from "../config/schema";
import { sha256 } from "../ipxe/build/hash";
import { renderGenericStage1, renderSitesIndex } from "../ipxe/render/generic";
import { renderStage1 } from "../ipxe/render/stage1";
import { renderStage2 } from "../ipxe/render/stage2";
import { OriginRef } from "../ipxe/render/origin-ref";
import { CACHE_CONTROL, CONTENT_TYPE, keys } from "./keys";
import { needsSignature, signatureObjects, Signatures } from "./signatures";

export type OriginContent =
  /** Generated text (scripts, indexes, manifest). */
  | { kind: "inline"; text: string }
  /** A configured artefact: a local path (relative to the project), a URL or a Debian package file. */
  | { kind: "artifact"; name: string; source: ArtifactSource }
  /** Generated binary content: a detached signature (signatures.ts). Public bytes. */
  | { kind: "bytes"; data: Buffer };

export interface OriginObject {
  /** Object key / URL path without leading slash, e.g. `sites/ams1/stage2.ipxe`. */
  key: string;
  contentType: string;
  cacheControl: string;
  /** sha256 of the served bytes (for artefacts: the configured hash, verified before use). */
  sha256: string;
  /** Size in bytes for inline content; undefined for artefacts (known once resolved). */
  size?: number;
  content: OriginContent;
}

/** An inline script object with the scripts' content type and cache policy. */
export function script(key: string, text: string): OriginObject {
  return {
    key,
    contentType: CONTENT_TYPE.ipxeScript,
    cacheControl: CACHE_CONTROL.script,
    sha256: sha256(text),
    size: Buffer.byteLength(text),
    content: { kind: "inline", text },
  };
}

/**
 * Every object the origin serves, sorted by key; the manifest (hashes of all others) last. With
 * `signatures` (by object key, from sign-origin.ts), each signed object's `<key>.sig` is served too
 * (the local origin); the Pulumi program leaves them out and uploads them by command.
 */
export function originLayout(
  config: StackConfig,
  origin: OriginRef,
  signatures?: Signatures,
): OriginObject[] {
  const objects: OriginObject[] = [];
  // ipxe.codeSigning: the scripts verify what they fetch; signatures.ts adds the signatures.
  const signed = config.ipxe.codeSigning !== undefined;
  for (const site of config.sites) {
    objects.push(script(keys.stage1(site.name), renderStage1(site, origin, signed)));
    objects.push(script(keys.stage2(site.name), renderStage2(site, config.artifacts, origin, signed)));
  }
  objects.push(script(keys.sitesIndex, renderSitesIndex(config.sites, origin, signed)));
  objects.push(script(keys.genericStage1, renderGenericStage1(origin, signed)));
  for (const [name, artifact] of Object.entries(config.artifacts)) {
    objects.push({
      key: keys.artifact(name, artifact.sha256),
      contentType: artifact.contentType ?? CONTENT_TYPE.binary,
      cacheControl: CACHE_CONTROL.immutable,
      sha256: artifact.sha256,
      content: { kind: "artifact", name, source: artifact.source },
    });
  }
  const byKey = (a: OriginObject, b: OriginObject) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  objects.sort(byKey);
  // The manifest names each object's signature but not its bytes: the Pulumi program's signature
  // commands make them at `up` (components/object-signatures.ts), so a preview has no key to make them.
  const manifest = manifestObject(objects, origin, signed);
  if (signatures) objects.push(...signatureObjects(objects, signatures));
  objects.sort(byKey);
  objects.push(manifest);
  return objects;
}

function manifestObject(objects: OriginObject[], origin: OriginRef, signed: boolean): OriginObject {
  const manifest = {
    baseUrl: origin.baseUrl,
    objects: objects.map((o) => ({
      key: o.key,
      sha256: o.sha256,
      ...(o.size !== undefined ? { size: o.size } : {}),
      contentType: o.contentType,
      ...(signed && needsSignature(o) ? { signature: keys.signature(o.key) } : {}),
    })),
  };
  const text = JSON.stringify(manifest, null, 2) + "\n";
  return { ...script(keys.manifest, text), contentType: CONTENT_TYPE.json };
}
