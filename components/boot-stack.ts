// Wires one environment from a validated StackConfig: the Origin, the uploads of the origin
// layout, and one boot image per site. index.ts feeds it from pulumi.Config; the unit tests feed it
// Pulumi.<stack>.yaml through loadStackFile, so both see the same resources.
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/schema";
import { cdnTrustFiles } from "../origin/cdn-trust";
import { keys } from "../origin/keys";
import { OriginObject, originLayout } from "../origin/layout";
import { checkCodeSigningCert } from "../origin/sign-origin";
import { OriginRef, originRefFor } from "../ipxe/render/origin-ref";
import { originsOf } from "../ipxe/render/origins";
import { checkSecureBootKey, imageInputsDigest, imageOptionsFor, secureBootFor } from "../ipxe/build/index";
import { IpxeIso } from "./ipxe-iso";
import { Origin, OriginArgs } from "./origin";
import { ObjectSigningArgs } from "./object-signatures";
import { SiteContent } from "./site-content";

export interface BootStackOptions {
  /** Verified local files by artefact name (origin/artifacts.ts `resolveArtifacts`). */
  artifactPaths: Record<string, string>;
  /** The project folder (Pulumi.yaml), where pulumi runs the program: base of relative paths in the
   * config and of the image command. @default process.cwd() */
  projectDir?: string;
  /** The stack's aws:region: where the content bucket is, and so where images are uploaded. */
  region: string;
  /** The stack's aws:profile, if it names one: the certificate's provider and the image uploads use it too. */
  awsProfile?: string;
  /** Passed to the Origin (e.g. explicit providers in tests or multi-account setups). */
  originOptions?: Pick<OriginArgs, "usEast1Provider" | "usEast1ProviderArgs" | "cloudflareProvider" | "tags">;
}

export interface SiteOutputs {
  /** Base URLs the site's image tries, in order: the stack's hostname, the distribution's own name, the site's mirror. */
  origins: pulumi.Output<string[]>;
  stage1Url: string;
  stage2Url: string;
  /** Download URL of the site's ISO, when images are published. */
  isoUrl?: pulumi.Output<string>;
  isoSha256: pulumi.Output<string>;
  /** Digest of the image's inputs: changes exactly when the image is rebuilt. */
  isoInputsDigest: pulumi.Output<string>;
}

export interface BootStackOutputs {
  /** https://<hostname>: the CDN, always HTTPS. */
  cdnUrl: pulumi.Output<string>;
  /** Base URL the scripts use (http:// only when the stack allows plain HTTP). */
  scriptBaseUrl: string;
  bucketName: pulumi.Output<string>;
  distributionId: pulumi.Output<string>;
  distributionDomain: pulumi.Output<string>;
  /** The distribution's own name as a base URL: the same layout, reachable without the hostname's DNS. */
  cdnDefaultUrl: pulumi.Output<string>;
  sitesIndexUrl: string;
  manifestUrl: pulumi.Output<string>;
  sites: Record<string, SiteOutputs>;
}

export interface BootStack {
  origin: Origin;
  content: SiteContent;
  images: Record<string, IpxeIso>;
  outputs: BootStackOutputs;
}

export function bootStack(config: StackConfig, options: BootStackOptions): BootStack {
  const originRef = originRefFor(config.origin);
  const projectDir = options.projectDir ?? process.cwd();
  // ipxe.codeSigning: checked before any resource; the signatures are made by command at up
  // (components/object-signatures.ts), so the layout has none.
  const signing = objectSigningFor(config, { ...options, projectDir });
  const layout = originLayout(config, originRef);
  // At `pulumi up`, a Secure Boot key that cannot be used (unset variable, unreadable file, wrong
  // passphrase) fails the run before any resource is declared. A preview does not need it: pull
  // request jobs hold no signing key, and an unchanged image is never rebuilt.
  const secureBoot = secureBootFor(config.ipxe, projectDir);
  if (secureBoot && !pulumi.runtime.isDryRun()) checkSecureBootKey(secureBoot);
  // Every file an image is made of (binaries, CAs, the db certificate) is the same for all sites:
  // read them now, so a bad path fails with its field before any resource, not inside an apply.
  const first = config.sites[0];
  const firstStage1 = layout.find((o) => o.key === keys.stage1(first.name))?.content;
  if (firstStage1?.kind === "inline")
    imageInputsDigest(
      imageOptionsFor(config, first.name, firstStage1.text, {
        projectDir,
        baseUrl: originRef.baseUrl,
        defaultTrust: cdnTrustFiles,
      }),
    );

  const origin = new Origin("origin", {
    hostname: config.origin.hostname,
    cloudflareZoneId: config.origin.cloudflareZoneId,
    allowHttpScripts: config.origin.transport === "http" && config.origin.allowInsecureHttp,
    priceClass: config.origin.priceClass,
    accessLogs: config.origin.accessLogs,
    protect: config.origin.protect,
    // The certificate's provider must use the same credentials as the default one.
    usEast1ProviderArgs: { profile: options.awsProfile },
    ...options.originOptions,
  });

  // What the machines get: the layout again, with the distribution's own name as the origin after
  // the hostname (ipxe/render/origins.ts), so a DNS outage of the hostname is survived. Its keys
  // are `layout`'s; its texts are known once the distribution exists (at preview, from state).
  const cdnRef = origin.distributionDomain.apply((domain): OriginRef => ({
    ...originRef,
    fallbacks: [`${config.origin.transport}://${domain}`],
  }));
  const deployed = cdnRef.apply((ref) => originLayout(config, ref));
  const texts = deployed.apply((objects) =>
    Object.fromEntries(
      objects.flatMap((o) => (o.content.kind === "inline" ? [[o.key, o.content.text] as const] : [])),
    ),
  );

  const images: Record<string, IpxeIso> = {};
  const sites: Record<string, SiteOutputs> = {};
  for (const site of config.sites) {
    const imageOptions = (stage1: string) =>
      imageOptionsFor(config, site.name, stage1, {
        projectDir,
        baseUrl: originRef.baseUrl,
        defaultTrust: cdnTrustFiles,
      });
    const image = (images[site.name] = new IpxeIso(`iso-${site.name}`, {
      image: texts.apply((t) => imageOptions(t[keys.stage1(site.name)])),
      projectDir,
      bucket: origin.bucketName,
      region: options.region,
      publish: config.origin.publishImages,
      awsProfile: options.awsProfile,
    }));
    sites[site.name] = {
      origins: cdnRef.apply((ref) => originsOf(ref, site.mirror)),
      stage1Url: `${originRef.baseUrl}/${keys.stage1(site.name)}`,
      stage2Url: `${originRef.baseUrl}/${keys.stage2(site.name)}`,
      ...(config.origin.publishImages ? { isoUrl: pulumi.interpolate`${origin.url}/${image.key}` } : {}),
      isoSha256: image.sha256,
      isoInputsDigest: image.digest,
    };
  }

  const content = siteContent(layout, origin.bucketName, { ...options, projectDir, signing, texts });

  return {
    origin,
    content,
    images,
    outputs: {
      cdnUrl: origin.url,
      scriptBaseUrl: originRef.baseUrl,
      bucketName: origin.bucketName,
      distributionId: origin.distributionId,
      distributionDomain: origin.distributionDomain,
      cdnDefaultUrl: pulumi.interpolate`${config.origin.transport}://${origin.distributionDomain}`,
      sitesIndexUrl: `${originRef.baseUrl}/${keys.sitesIndex}`,
      manifestUrl: pulumi.interpolate`${origin.url}/${keys.manifest}`,
      sites,
    },
  };
}

/**
 * ipxe.codeSigning for the signature commands, or undefined: the certificate is checked now
 * (public, no key: a preview can), one line naming the field when it cannot sign for the images.
 */
export function objectSigningFor(
  config: StackConfig,
  options: Pick<BootStackOptions, "region" | "awsProfile"> & { projectDir: string },
): ObjectSigningArgs | undefined {
  const cs = config.ipxe.codeSigning;
  if (!cs) return undefined;
  return {
    codeSigning: cs,
    certSha256: checkCodeSigningCert(cs, options.projectDir).certSha256,
    region: options.region,
    ...(options.awsProfile ? { awsProfile: options.awsProfile } : {}),
  };
}

/** The uploads of the layout into `bucket`; with `signing`, signature commands make the `.sig` objects at up. */
export function siteContent(
  layout: OriginObject[],
  bucket: pulumi.Input<string>,
  options: {
    artifactPaths: Record<string, string>;
    projectDir: string;
    signing?: ObjectSigningArgs;
    /** Deploy-time texts of the scripts (site-content.ts SiteContentArgs.texts). */
    texts?: pulumi.Input<Record<string, string>>;
  },
): SiteContent {
  return new SiteContent("content", {
    bucket,
    objects: layout,
    artifactPaths: options.artifactPaths,
    workDir: options.projectDir,
    ...(options.texts ? { texts: options.texts } : {}),
    ...(options.signing ? { signing: options.signing } : {}),
  });
}
