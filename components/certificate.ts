// An ACM certificate for one hostname, validated through a DNS record in Cloudflare. CloudFront
// only accepts certificates from us-east-1, so the caller passes a provider pinned there.
import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

export interface DnsValidatedCertificateArgs {
  hostname: pulumi.Input<string>;
  cloudflareZoneId: pulumi.Input<string>;
  /** An aws.Provider in us-east-1. */
  usEast1: aws.Provider;
  /** Cloudflare provider; undefined uses the default one (reads `cloudflare:apiToken`). */
  cloudflareProvider?: pulumi.ProviderResource;
}

export interface DnsValidatedCertificate {
  certificate: aws.acm.Certificate;
  validationRecord: cloudflare.DnsRecord;
  validation: aws.acm.CertificateValidation;
}

/** ACM writes FQDNs with a trailing dot; Cloudflare stores names without one (else a diff each run). */
const noTrailingDot = (s: string): string => s.replace(/\.$/, "");

export function createDnsValidatedCertificate(
  name: string,
  args: DnsValidatedCertificateArgs,
  parent: pulumi.Resource,
): DnsValidatedCertificate {
  const certificate = new aws.acm.Certificate(
    `${name}-cert`,
    // RSA: iPXE cannot verify an ECDSA certificate. Not even Debian 13's 2025 build has ECDSA
    // (its binaries hold rsa, ecdhe, x25519, p256, p384 but no ecdsa; cloud audit D10).
    { domainName: args.hostname, validationMethod: "DNS", keyAlgorithm: "RSA_2048" },
    { parent, provider: args.usEast1 },
  );
  // One hostname, no SANs: exactly one validation record, so no resource is created in an apply.
  const option = certificate.domainValidationOptions.apply((options) => {
    if (options.length !== 1)
      throw new Error(`certificate ${name}: expected one DNS validation option, got ${options.length}`);
    return options[0];
  });
  const validationRecord = new cloudflare.DnsRecord(
    `${name}-cert-validation-record`,
    {
      zoneId: args.cloudflareZoneId,
      name: option.apply((o) => noTrailingDot(o.resourceRecordName)),
      type: option.apply((o) => o.resourceRecordType),
      content: option.apply((o) => noTrailingDot(o.resourceRecordValue)),
      ttl: 60,
      // ACM must see the record itself, not Cloudflare's proxy.
      proxied: false,
      comment: pulumi.interpolate`ACM validation for ${args.hostname} (managed by Pulumi)`,
    },
    { parent, provider: args.cloudflareProvider },
  );
  const validation = new aws.acm.CertificateValidation(
    `${name}-cert-validation`,
    {
      certificateArn: certificate.arn,
      validationRecordFqdns: [option.apply((o) => noTrailingDot(o.resourceRecordName))],
    },
    { parent, provider: args.usEast1, dependsOn: [validationRecord] },
  );
  return { certificate, validationRecord, validation };
}
