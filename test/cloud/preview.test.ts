// `pulumi preview` (what CI runs first on a real account): nothing computed by a provider is
// known yet (ARNs, the certificate's validation record, the CDN domain, built ISOs). The
// program must still declare every resource, with no code path waiting on those values.
import type * as BootStackModule from "../../components/boot-stack";
import { loadStackFile } from "../../config/stack-file";
import { PROD_FILE } from "../support/prod-config";
import { byType, installMocks, Recorded, tempArtifacts } from "./harness";

// Registering ~50 mocked resources takes seconds on 2 cores when the suite runs in parallel.
jest.setTimeout(60_000);

const prod = loadStackFile(PROD_FILE);
const { paths } = tempArtifacts(Object.keys(prod.artifacts));

const unknown = async (v: unknown) => (await import("@pulumi/pulumi/output")).isUnknown(v);

async function declare(preview: boolean): Promise<{ records: Recorded[]; dryRun: boolean }> {
  const h = await installMocks({ preview });
  const { bootStack }: typeof BootStackModule = await import("../../components/boot-stack");
  h.reset();
  bootStack(prod, { artifactPaths: paths });
  await h.settle();
  return { records: [...h.records], dryRun: h.pulumi.runtime.isDryRun() };
}

test("preview declares the same resources as an update, with unknowns where providers compute", async () => {
  const update = await declare(false);
  const preview = await declare(true);
  expect([update.dryRun, preview.dryRun]).toEqual([false, true]);

  const urns = (records: Recorded[]) => records.map((r) => r.urn).sort();
  expect(urns(preview.records)).toEqual(urns(update.records));
  expect(preview.records).toHaveLength(49);

  const validationRecord = byType(preview.records, "cloudflare:index/dnsRecord:DnsRecord").find(
    (r) => r.name === "origin-cert-validation-record",
  )!;
  expect(await unknown(validationRecord.inputs.name)).toBe(true); // until ACM answers
  expect(await unknown(preview.records.find((r) => r.name === "origin-bucket-policy")!.inputs.policy)).toBe(
    true,
  ); // needs the distribution's ARN
  const images = byType(preview.records, "aws:s3/bucketObjectv2:BucketObjectv2").filter((r) =>
    r.name.startsWith("content-image-"),
  );
  expect(images.map((r) => r.name)).toEqual(prod.sites.map((s) => `content-image-${s.name}`));
  for (const image of images) expect(await unknown(image.inputs.key)).toBe(true); // holds the ISO's sha256
  // Known in the update run: the same checks are not vacuous.
  expect(await unknown(update.records.find((r) => r.name === "origin-bucket-policy")!.inputs.policy)).toBe(
    false,
  );
});
