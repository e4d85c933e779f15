// The one S3 client setup of the commands the Pulumi program runs at `up` (the image command and
// the signature command): the region of the bucket, credentials from the environment (the stack's
// AWS_PROFILE), and an S3-compatible endpoint when AWS_ENDPOINT_URL_S3 names one (tests: s3rver).
import { S3Client } from "@aws-sdk/client-s3";

export function s3Client(region: string): S3Client {
  // The Node SDK warns on every start that its 2027 releases will need Node 22; the project pins
  // its SDK and runs on Node 20, and the warning would land in the stack's state (the Command's stderr).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const endpoint = process.env.AWS_ENDPOINT_URL_S3;
  // An S3-compatible endpoint (tests: a local S3 API on 127.0.0.1) is addressed path-style.
  return new S3Client({ region, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) });
}
