// Wires one environment from a validated StackConfig: the Origin, the uploads of the origin
// layout, and one boot image per site. index.ts feeds it from pulumi.Config; the unit tests feed it
// Pulumi.<stack>.yaml through loadStackFile, so both see the same resources.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { SiteConfig, StackConfig } from "../config/schema";
import { keys } from "../origin/keys";
import { originLayout } from "../origin/layout";
import { originRefFor } from "../ipxe/render/origin-ref";
import { defaultCacheDir as cacheDir, REPO_ROOT } from "../ipxe/build/cache";
import { trustFiles } from "../ipxe/build/trust";
import { IpxeIso } from "./ipxe-iso";
import { Origin, OriginArgs } from "./origin";
import { SiteContent, SiteImage } from "./site-content";

export interface BootStackOptions {
  /** Verified local files by artefact name (origin/artifacts.ts `resolveArtifacts`). */
  artifactPaths: Record<string, string>;
  /** Builds a site's boot image from its rendered stage-1 script. @default one IpxeIso per site */
  buildImage?: (site: SiteConfig, stage1: string) => Omit<SiteImage, "site">;
  /** Where the default builder writes images. @default <cache>/images/<stack> */
  imageDir?: string;
  /** Passed to the Origin (e.g. explicit providers in tests or multi-account setups). */
  originOptions?: Pick<OriginArgs, "usEast1Provider" | "usEast1ProviderArgs" | "cloudflareProvider" | "tags">;
}

export interface SiteOutputs {
  stage1Url: string;
  stage2Url: string;
  /** Download URL of the site's ISO, when images are built and published. */
  isoUrl?: pulumi.Output<string>;
  isoSha256?: pulumi.Input<string>;
}

export interface BootStackOutputs {
  /** https://<hostname>: the CDN, always HTTPS. */
  cdnUrl: pulumi.Output<string>;
  /** Base URL the scripts use (http:// only when the stack allows plain HTTP). */
  scriptBaseUrl: string;
  bucketName: pulumi.Output<string>;
  distributionId: pulumi.Output<string>;
  distributionDomain: pulumi.Output<string>;
  sitesIndexUrl: string;
  manifestUrl: pulumi.Output<string>;
  sites: Record<string, SiteOutputs>;
}

export interface BootStack {
  origin: Origin;
  content: SiteContent;
  outputs: BootStackOutputs;
}

export function bootStack(config: StackConfig, options: BootStackOptions): BootStack {
  const originRef = originRefFor(config.origin);
  const layout = originLayout(config, originRef);

  const origin = new Origin("origin", {
    hostname: config.origin.hostname,
    cloudflareZoneId: config.origin.cloudflareZoneId,
    allowHttpScripts: config.origin.transport === "http" && config.origin.allowInsecureHttp,
    priceClass: config.origin.priceClass,
    accessLogs: config.origin.accessLogs,
    protect: config.origin.protect,
    // The certificate's provider must use the same credentials as the default one.
    usEast1ProviderArgs: { profile: new pulumi.Config("aws").get("profile") },
    ...options.originOptions,
  });

  const buildImage =
    options.buildImage ??
    ipxeIsoBuilder(config, options.imageDir ?? path.join(cacheDir(), "images", pulumi.getStack()));
  const images: SiteImage[] = config.sites.map((site) => {
    const stage1 = layout.find((o) => o.key === keys.stage1(site.name));
    if (!stage1 || stage1.content.kind !== "inline")
      throw new Error(`origin layout has no stage-1 script for site ${site.name}`);
    return { site: site.name, ...buildImage(site, stage1.content.text) };
  });
  const published = config.origin.publishImages ? images : [];

  const content = new SiteContent("content", {
    bucket: origin.bucketName,
    objects: layout,
    artifactPaths: options.artifactPaths,
    images: published,
  });

  const sites: Record<string, SiteOutputs> = {};
  for (const site of config.sites) {
    const image = images.find((i) => i.site === site.name);
    const isoKey = content.imageKeys[site.name];
    sites[site.name] = {
      stage1Url: `${originRef.baseUrl}/${keys.stage1(site.name)}`,
      stage2Url: `${originRef.baseUrl}/${keys.stage2(site.name)}`,
      ...(isoKey ? { isoUrl: pulumi.interpolate`${origin.url}/${isoKey}` } : {}),
      ...(image ? { isoSha256: image.sha256 } : {}),
    };
  }

  return {
    origin,
    content,
    outputs: {
      cdnUrl: origin.url,
      scriptBaseUrl: originRef.baseUrl,
      bucketName: origin.bucketName,
      distributionId: origin.distributionId,
      distributionDomain: origin.distributionDomain,
      sitesIndexUrl: `${originRef.baseUrl}/${keys.sitesIndex}`,
      manifestUrl: pulumi.interpolate`${origin.url}/${keys.manifest}`,
      sites,
    },
  };
}

/** One IpxeIso per site, built as the stack's `boot-stack:ipxe` section says. */
function ipxeIsoBuilder(config: StackConfig, outDir: string): NonNullable<BootStackOptions["buildImage"]> {
  const ipxe = config.ipxe;
  return (site, stage1) => {
    const iso = new IpxeIso(`iso-${site.name}`, {
      site: site.name,
      stage1,
      outDir,
      mode: ipxe.mode,
      platforms: ipxe.platforms,
      prebuiltDir: ipxe.prebuiltDir,
      sourceDir: ipxe.sourceDir,
      ref: ipxe.ref,
      trust: ipxe.mode === "compile" ? trustFiles(ipxe, config.origin, REPO_ROOT) : undefined,
      embed: ipxe.embed,
    });
    return { path: iso.path, sha256: iso.sha256 };
  };
}
