// A real S3 API on 127.0.0.1 for tests (s3rver, from npm): the image command's uploads go through
// the AWS SDK to it exactly as they would to AWS (path-style, via AWS_ENDPOINT_URL_S3), and tests
// read back what was stored. Not a mock: requests, headers, metadata and bytes are S3's wire format.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";

interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
// s3rver ships no types; this is the part of its API used here.
const S3rver: new (opts: Record<string, unknown>) => S3rverServer = require("s3rver");

export interface LocalS3 {
  endpoint: string;
  /** What a process needs to talk to it with the AWS SDK (credentials s3rver accepts). */
  env: Record<string, string>;
  client: S3Client;
  /** Every key in a bucket, sorted. */
  keys(bucket: string): Promise<string[]>;
  head(
    bucket: string,
    key: string,
  ): Promise<{ metadata: Record<string, string>; headers: Record<string, string> }>;
  get(bucket: string, key: string): Promise<Buffer>;
  close(): Promise<void>;
}

export async function startLocalS3(buckets: string[]): Promise<LocalS3> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true"; // see ipxe/build/publish.ts
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "bs-s3-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: "eu-west-1",
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
  for (const Bucket of buckets) await client.send(new CreateBucketCommand({ Bucket }));
  return {
    endpoint,
    env,
    client,
    async keys(Bucket) {
      const r = await client.send(new ListObjectsV2Command({ Bucket }));
      return (r.Contents ?? []).map((o) => o.Key!).sort();
    },
    async head(Bucket, Key) {
      const r = await client.send(new HeadObjectCommand({ Bucket, Key }));
      return {
        metadata: r.Metadata ?? {},
        headers: {
          contentType: r.ContentType ?? "",
          cacheControl: r.CacheControl ?? "",
          contentDisposition: r.ContentDisposition ?? "",
          contentLength: String(r.ContentLength ?? ""),
        },
      };
    },
    async get(Bucket, Key) {
      const r = await client.send(new GetObjectCommand({ Bucket, Key }));
      return Buffer.from(await r.Body!.transformToByteArray());
    },
    async close() {
      client.destroy();
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
