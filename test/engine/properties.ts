// Resource properties in their wire form (what the SDK sends in RegisterResource), treated the way
// the Pulumi engine treats them:
// - every asset or archive is opened and hashed when its resource registers, in preview and in up,
//   and a file that is not there is fatal. pulumi/pulumi pkg/resource/deploy/source_eval.go,
//   RegisterResource: `plugin.UnmarshalProperties(req.GetObject(), {ComputeAssetHashes: true, ...})`
//   with the resource monitor's working directory (the program's) as the base of relative paths;
// - assets compare by content hash, not by path: the AWS bridge turns an asset into a file named by
//   its hash before diffing (pulumi-terraform-bridge TranslateAsset, cloud-audit.md §4);
// - unknowns (preview) and secrets keep their markers.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as rpc from "@pulumi/pulumi/runtime/rpc";

/** A property value as JSON (google.protobuf.Struct's JavaScript form). */
export type Wire = null | boolean | number | string | Wire[] | { [key: string]: Wire };
export type WireMap = Record<string, Wire>;

const isObject = (v: Wire): v is { [key: string]: Wire } =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const sigOf = (v: Wire): string | undefined =>
  isObject(v) && typeof v[rpc.specialSigKey] === "string" ? (v[rpc.specialSigKey] as string) : undefined;

export const isAsset = (v: Wire): boolean => sigOf(v) === rpc.specialAssetSig;
export const isArchive = (v: Wire): boolean => sigOf(v) === rpc.specialArchiveSig;

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/** The engine's message for an asset file it cannot open (pulumi/pulumi sdk/go/common/resource/asset). */
export class AssetHashError extends Error {}

function openFailed(prop: string, file: string, e: NodeJS.ErrnoException): AssetHashError {
  const why = e.code === "ENOENT" ? "no such file or directory" : e.message;
  return new AssetHashError(
    `failed to compute asset hash for "${prop}": failed to open asset file '${file}': open ${file}: ${why}`,
  );
}

function hashDir(dir: string): string {
  const h = createHash("sha256");
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(`${path.relative(dir, p)}\0`).update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return h.digest("hex");
}

/** The value with every asset and archive hashed (relative paths from `workDir`); throws like the engine. */
export function withAssetHashes(value: Wire, workDir: string, prop: string): Wire {
  if (Array.isArray(value)) return value.map((v) => withAssetHashes(v, workDir, prop));
  if (!isObject(value)) return value;
  if (isAsset(value)) {
    if (typeof value.path === "string") {
      const file = path.resolve(workDir, value.path);
      try {
        return { ...value, hash: sha256(fs.readFileSync(file)) };
      } catch (e) {
        throw openFailed(prop, file, e as NodeJS.ErrnoException);
      }
    }
    if (typeof value.text === "string") return { ...value, hash: sha256(value.text) };
    if (typeof value.hash === "string") return value;
    throw new AssetHashError(
      `failed to compute asset hash for "${prop}": a remote asset cannot be fetched here`,
    );
  }
  if (isArchive(value)) {
    if (isObject(value.assets ?? null)) {
      const assets = value.assets as Record<string, Wire>;
      const hashed = Object.fromEntries(
        Object.entries(assets).map(([k, v]) => [k, withAssetHashes(v, workDir, prop)]),
      );
      return { ...value, assets: hashed, hash: sha256(JSON.stringify(comparable(hashed))) };
    }
    if (typeof value.path === "string") {
      const target = path.resolve(workDir, value.path);
      try {
        const st = fs.statSync(target);
        return { ...value, hash: st.isDirectory() ? hashDir(target) : sha256(fs.readFileSync(target)) };
      } catch (e) {
        throw openFailed(prop, target, e as NodeJS.ErrnoException);
      }
    }
    return value;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withAssetHashes(v, workDir, prop)]));
}

/** Every top-level property hashed; the first missing file stops the registration. */
export function hashInputs(inputs: WireMap, workDir: string): WireMap {
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, withAssetHashes(v, workDir, k)]));
}

/** What two values are compared on: an asset or archive by its hash alone. */
export function comparable(value: Wire): Wire {
  if (Array.isArray(value)) return value.map(comparable);
  if (!isObject(value)) return value;
  if (isAsset(value) || isArchive(value))
    return { [rpc.specialSigKey]: value[rpc.specialSigKey], hash: value.hash };
  const keys = Object.keys(value).sort();
  return Object.fromEntries(keys.map((k) => [k, comparable(value[k])]));
}

export function containsUnknown(value: Wire): boolean {
  if (value === rpc.unknownValue) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (isObject(value)) return Object.values(value).some(containsUnknown);
  return false;
}

/** Top-level keys whose values differ (an unknown counts as a change: the provider cannot know). */
export function changedKeys(olds: WireMap, news: WireMap): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys]
    .filter((k) => {
      const n = news[k];
      if (n !== undefined && containsUnknown(n)) return true;
      return JSON.stringify(comparable(olds[k] ?? null)) !== JSON.stringify(comparable(n ?? null));
    })
    .sort();
}

/** A copy with every asset's path dropped, as `pulumi refresh` leaves a Command's `assets` (pulumi-command#537). */
export function withoutAssetPaths(value: Wire): Wire {
  if (Array.isArray(value)) return value.map(withoutAssetPaths);
  if (!isObject(value)) return value;
  if (isAsset(value)) {
    const { path: _dropped, ...rest } = value;
    return rest;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutAssetPaths(v)]));
}

/** Every string in a value (for scans of the state). */
export function stringsIn(value: Wire): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (isObject(value)) return Object.values(value).flatMap(stringsIn);
  return [];
}
