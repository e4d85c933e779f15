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
  bootStack(prod, { artifactPaths: paths, region: "eu-west-1" });
  await h.settle();
  return { records: [...h.records], dryRun: h.pulumi.runtime.isDryRun() };
}

test("preview declares the same resources as an update, with unknowns where providers compute", async () => {
  const update = await declare(false);
  const preview = await declare(true);
  expect([update.dryRun, preview.dryRun]).toEqual([false, true]);

  const urns = (records: Recorded[]) => records.map((r) => r.urn).sort();
  expect(urns(preview.records)).toEqual(urns(update.records));
  expect(preview.records).toHaveLength(45); // main's 49 minus the 4 image objects: the image commands upload

  const validationRecord = byType(preview.records, "cloudflare:index/dnsRecord:DnsRecord").find(
    (r) => r.name === "origin-cert-validation-record",
  )!;
  expect(await unknown(validationRecord.inputs.name)).toBe(true); // until ACM answers
  expect(await unknown(preview.records.find((r) => r.name === "origin-bucket-policy")!.inputs.policy)).toBe(
    true,
  ); // needs the distribution's ARN
  const images = byType(preview.records, "command:local:Command");
  expect(images.map((r) => r.name)).toEqual(prod.sites.map((s) => `iso-${s.name}-build`));
  for (const image of images) {
    expect(await unknown(image.inputs.environment)).toBe(true); // names the bucket, not created yet
    // The inputs digest names the distribution's own domain (stage-1's second origin), which
    // CloudFront assigns: unknown on a stack's first preview only; from then on it comes from state
    // (the day-2 runs under the engine model, test/engine/day2.test.ts, preview with no change).
    expect(await unknown(image.inputs.triggers[0])).toBe(true);
  }
  // Known in the update run: the same checks are not vacuous.
  expect(await unknown(update.records.find((r) => r.name === "origin-bucket-policy")!.inputs.policy)).toBe(
    false,
  );
});

test("a preview needs no Secure Boot key (pull-request jobs hold none): it declares every image", async () => {
  const h = await installMocks({ preview: true });
  const { bootStack }: typeof BootStackModule = await import("../../components/boot-stack");
  h.reset();
  const secureBoot = { certFile: "/usr/share/ovmf/PkKek-1-snakeoil.pem", keyEnv: "BS_TEST_UNSET_DB_KEY" };
  bootStack({ ...prod, ipxe: { ...prod.ipxe, secureBoot } }, { artifactPaths: paths, region: "eu-west-1" });
  await h.settle();
  expect(byType(h.records, "command:local:Command")).toHaveLength(prod.sites.length);
});
