// The signature command a Pulumi Command runs at `up` (components/object-signatures.ts), in the
// program's folder:
//   node_modules/.bin/tsx origin/signature-command.ts          create/update: sign, check, upload
//   node_modules/.bin/tsx origin/signature-command.ts delete   delete: remove the signatures
// Values come from the environment (signature-command-env.ts), the scripts' text from stdin. The
// key is read here, at run time, from keyFile or keyEnv (loadOriginSigner, as the local origin
// does); the program and its preview never hold it. Before signing, each object's bytes must
// have the sha256 the program named; each signature must verify against the CAs in trust before
// it is uploaded as `<key>.sig`. Prints one JSON line (the signatures' keys and sha256) on stdout,
// a one-line summary on stderr; a failure is one line.
import * as path from "node:path";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { UserError } from "../errors/user-error";
import { sha256 } from "../ipxe/build/hash";
import { s3Client } from "../ipxe/build/s3-client";
import { verifyDetached } from "../ipxe/sign/cms";
import { CONTENT_TYPE, keys } from "./keys";
import { loadOriginSigner, signCached } from "./sign-origin";
import {
  SignatureCommandError,
  SignatureCommandInput,
  signatureCommandInput,
  SignatureCommandResult,
} from "./signature-command-env";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function s3Step<T>(
  what: string,
  input: SignatureCommandInput,
  needs: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    throw new SignatureCommandError(
      `could not ${what} in bucket ${input.bucket}${status ? ` (HTTP ${status})` : ""}: ${(e as Error).message}; the deploy role needs ${needs}`,
    );
  }
}

/** The bytes the program meant: the script from stdin, or the artefact as the bucket holds it. */
async function objectBytes(
  s3: S3Client,
  input: SignatureCommandInput,
  key: string,
  from: "stdin" | "bucket",
  texts: Record<string, string>,
): Promise<Buffer> {
  if (from === "stdin") {
    if (typeof texts[key] !== "string") throw new SignatureCommandError(`${key}: its text is not on stdin`);
    return Buffer.from(texts[key]);
  }
  return s3Step(`read ${key}`, input, "s3:GetObject on artifacts/*", async () => {
    const r = await s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: key }));
    return Buffer.from(await r.Body!.transformToByteArray());
  });
}

async function create(): Promise<string> {
  const input = signatureCommandInput(process.env, "create");
  const cwd = process.cwd();
  const signer = loadOriginSigner(input.codeSigning, cwd);
  if (signer.certSha256 !== input.certSha256)
    throw new SignatureCommandError(
      `ipxe.codeSigning.certFile: the program named certificate ${input.certSha256.slice(0, 12)}, this checkout has ${signer.certSha256.slice(0, 12)}: run pulumi up again`,
    );
  const stdin = input.objects.some((o) => o.from === "stdin") ? await readStdin() : "{}";
  let texts: Record<string, string>;
  try {
    texts = JSON.parse(stdin);
  } catch {
    throw new SignatureCommandError("stdin is not a JSON object of script texts by key");
  }
  const s3 = s3Client(input.region);
  try {
    const bytes = await Promise.all(input.objects.map((o) => objectBytes(s3, input, o.key, o.from, texts)));
    input.objects.forEach((o, i) => {
      const actual = sha256(bytes[i]);
      if (actual !== o.sha256)
        throw new SignatureCommandError(
          `${o.key}: its bytes have sha256 ${actual}, the program signs ${o.sha256}; nothing was signed: run pulumi up again`,
        );
    });
    const sigs = await signCached(
      signer,
      input.objects.map((o, i) => ({ sha256: o.sha256, bytes: () => bytes[i] })),
    );
    const trust = input.codeSigning.trust.map((f) => path.resolve(cwd, f));
    for (const [i, o] of input.objects.entries())
      if (!(await verifyDetached(bytes[i], sigs[i], trust)))
        throw new SignatureCommandError(
          `${o.key}: its signature does not verify against ipxe.codeSigning.trust; nothing more was uploaded`,
        );
    const result: SignatureCommandResult = { signatures: [] };
    for (const [i, o] of input.objects.entries()) {
      const key = keys.signature(o.key);
      await s3Step(`upload ${key}`, input, "s3:PutObject on sites/*, generic/* and artifacts/*", () =>
        s3.send(
          new PutObjectCommand({
            Bucket: input.bucket,
            Key: key,
            Body: sigs[i],
            ContentType: CONTENT_TYPE.signature,
            CacheControl: o.cacheControl,
            ChecksumSHA256: Buffer.from(sha256(sigs[i]), "hex").toString("base64"),
            Metadata: { sha256: sha256(sigs[i]), "signed-sha256": o.sha256 },
          }),
        ),
      );
      result.signatures.push({ key, sha256: sha256(sigs[i]) });
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return `signed and uploaded ${result.signatures.map((s) => s.key).join(", ")}`;
  } finally {
    s3.destroy();
  }
}

async function remove(): Promise<string> {
  const input = signatureCommandInput(process.env, "delete");
  const s3 = s3Client(input.region);
  try {
    const gone = input.objects.map((o) => keys.signature(o.key));
    for (const key of gone)
      await s3Step(`delete ${key}`, input, "s3:DeleteObject on sites/* and generic/*", () =>
        s3.send(new DeleteObjectCommand({ Bucket: input.bucket, Key: key })),
      );
    return `deleted ${gone.join(", ")}`;
  } finally {
    s3.destroy();
  }
}

async function main(action: string): Promise<number> {
  try {
    if (action !== "create" && action !== "delete")
      throw new SignatureCommandError(`unknown action ${JSON.stringify(action)}: use create or delete`);
    process.stderr.write(`${action === "create" ? await create() : await remove()}\n`);
    return 0;
  } catch (e) {
    // A user-facing problem (a missing key, bytes that changed, S3 refusing) is one line; a bug keeps its stack.
    const known = e instanceof UserError;
    process.stderr.write(`boot-stack signatures: ${known ? e.message : ((e as Error).stack ?? String(e))}\n`);
    return 1;
  }
}

main(process.argv[2] ?? "create").then((code) => process.exit(code));
