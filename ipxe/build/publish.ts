// Publishing a built image to the origin's bucket under its content-addressed key, once:
// HEAD images/<site>/<sha256>.iso; upload only when it is not there (PutObject with the SHA-256
// S3 checks, the headers of origin/keys.ts and the sha256 and inputs digest as metadata).
//
// Which image resource owns a key: its inputs digest, kept in the object's metadata. A new inputs
// digest can give the same bytes (e.g. a builder version bump); Pulumi then creates the new image
// resource before it deletes the old one, so the new one re-labels the object (CopyObject onto
// itself) and the old one's delete finds another digest there and keeps the object.
import * as fs from "node:fs";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { CACHE_CONTROL, CONTENT_TYPE, imageContentDisposition, keys } from "../../origin/keys";
import { ImageBuildError } from "./errors";
import { s3Client } from "./s3-client";

export interface PublishTarget {
  bucket: string;
  region: string;
}

export interface BuiltImage {
  site: string;
  digest: string;
  file: string;
  sha256: string;
}

/** S3 user metadata keys (x-amz-meta-*). */
const META = { sha256: "sha256", digest: "inputs-digest" } as const;

const client = (target: PublishTarget): S3Client => s3Client(target.region);

function s3Failure(what: string, target: PublishTarget, e: unknown, needs: string): ImageBuildError {
  const status = e instanceof S3ServiceException ? ` (${e.name}, HTTP ${e.$metadata.httpStatusCode})` : "";
  return new ImageBuildError(
    `could not ${what} in bucket ${target.bucket}${status}: ${(e as Error).message}; the deploy role needs ${needs}`,
  );
}

/** The object's inputs digest, or undefined when there is no object (or it cannot be seen). */
async function ownerOf(s3: S3Client, target: PublishTarget, key: string): Promise<string | null | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }));
    return head.Metadata?.[META.digest] ?? null;
  } catch (e) {
    // Without s3:ListBucket, S3 answers 403 for a missing key: treat both as "not there".
    const status = (e as S3ServiceException).$metadata?.httpStatusCode;
    if (status === 404 || status === 403) return undefined;
    throw s3Failure(`look up ${key}`, target, e, "s3:GetObject on images/*");
  }
}

/** Uploads the image unless it is already there; returns what was done. */
export async function publishImage(
  target: PublishTarget,
  image: BuiltImage,
): Promise<"uploaded" | "present" | "claimed"> {
  const s3 = client(target);
  const key = keys.image(image.site, image.sha256);
  const headers = {
    ContentType: CONTENT_TYPE.iso,
    CacheControl: CACHE_CONTROL.immutable,
    ContentDisposition: imageContentDisposition(image.site),
    Metadata: { [META.sha256]: image.sha256, [META.digest]: image.digest },
  };
  try {
    const owner = await ownerOf(s3, target, key);
    if (owner === image.digest) return "present";
    if (owner !== undefined) {
      await s3.send(
        new CopyObjectCommand({
          Bucket: target.bucket,
          Key: key,
          CopySource: `${target.bucket}/${key}`,
          MetadataDirective: "REPLACE",
          ...headers,
        }),
      );
      return "claimed";
    }
    await s3.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: key,
        Body: fs.readFileSync(image.file),
        // S3 recomputes the SHA-256 of what it received and refuses the upload if it differs.
        ChecksumSHA256: Buffer.from(image.sha256, "hex").toString("base64"),
        ...headers,
      }),
    );
    return "uploaded";
  } catch (e) {
    if (e instanceof ImageBuildError) throw e;
    throw s3Failure(`upload ${key}`, target, e, "s3:PutObject and s3:GetObject on images/*");
  } finally {
    s3.destroy();
  }
}

/** Deletes the image's object if this image resource still owns it (see above). */
export async function unpublishImage(
  target: PublishTarget,
  image: { key: string; digest: string },
): Promise<"deleted" | "kept" | "absent"> {
  const s3 = client(target);
  try {
    const owner = await ownerOf(s3, target, image.key);
    if (owner === undefined) return "absent";
    if (owner !== image.digest) return "kept";
    await s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: image.key }));
    return "deleted";
  } catch (e) {
    if (e instanceof ImageBuildError) throw e;
    throw s3Failure(`delete ${image.key}`, target, e, "s3:DeleteObject on images/*");
  } finally {
    s3.destroy();
  }
}
