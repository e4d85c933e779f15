// Pulumi mocks for the cloud tests: records every resource registration (type, name, inputs, and
// from the raw request its parent, provider and protect flag), fills in the outputs real providers
// compute (ARNs, domain names, certificate validation options), and fails on any invoke.
// Call installMocks() before the module under test is imported (FACTS.md, Pulumi toolchain).
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as pulumiType from "@pulumi/pulumi";
import type { ArtifactConfig } from "../../config/schema";

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, any>;
  urn: string;
  /** Type of the parent resource, from the URN (`Parent$Child` type chain); undefined at top level. */
  parentType?: string;
  /** URN of the parent as sent to the monitor. */
  parentUrn: string;
  /** Provider reference `urn::id` ("" = default provider). */
  provider: string;
  protect: boolean;
  custom: boolean;
  /** Per input, the URNs it depends on (as the engine hands them to policy packs). */
  propertyDependencies: Record<string, string[]>;
}

export const ACCOUNT = "123456789012";
export const DISTRIBUTION_DOMAIN = "d111111abcdef8.cloudfront.net";

function computed(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = `${name}-0a1b2c3`;
      return {
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        bucketDomainName: `${bucket}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${bucket}.s3.eu-west-1.amazonaws.com`,
      };
    }
    case "aws:cloudfront/distribution:Distribution":
      return {
        arn: `arn:aws:cloudfront::${ACCOUNT}:distribution/E2EXAMPLE${name.length}`,
        domainName: DISTRIBUTION_DOMAIN,
      };
    case "aws:acm/certificate:Certificate":
      return {
        arn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/${name}`,
        domainValidationOptions: [
          {
            domainName: inputs.domainName,
            resourceRecordName: `_a79865eb4cd1a6ab990a45779b4e0b96.${inputs.domainName}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: "_424c7224e9b0146f9a8808af955727d0.acm-validations.aws.",
          },
        ],
      };
    case "aws:acm/certificateValidation:CertificateValidation":
      return { certificateArn: inputs.certificateArn };
    case "command:local:Command": {
      // The image builder's JSON result line (components/ipxe-iso.ts parseResult).
      const env = inputs.environment ?? {};
      const site = env.BOOT_STACK_SITE;
      const sha256 = crypto.createHash("sha256").update(`${site}\n${env.BOOT_STACK_STAGE1}`).digest("hex");
      return {
        stdout: `building ${site}\n${JSON.stringify({ isoPath: `${env.BOOT_STACK_OUT_DIR}/${site}.iso`, sha256, size: 2097152 })}\n`,
      };
    }
    default:
      return {};
  }
}

export interface Harness {
  pulumi: typeof pulumiType;
  records: Recorded[];
  /** Waits until no registration is in flight (children are registered asynchronously). */
  settle(): Promise<void>;
  reset(): void;
}

interface RawRequest {
  getPropertydependenciesMap(): {
    forEach(f: (value: { getUrnsList(): string[] }, key: string) => void): void;
  };
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getProtect(): boolean;
  getCustom(): boolean;
}

export interface MockOptions {
  config?: Record<string, string>;
  secretKeys?: string[];
  stack?: string;
  /** Preview mode: providers compute nothing, so ARNs, domains and build results stay unknown. */
  preview?: boolean;
}

function propertyDependencies(req: RawRequest): Record<string, string[]> {
  const deps: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((v, k) => (deps[k] = v.getUrnsList()));
  return deps;
}

export async function installMocks(options: MockOptions = {}): Promise<Harness> {
  const pulumi = await import("@pulumi/pulumi");
  const records: Recorded[] = [];
  const pending = new Set<Promise<unknown>>();

  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const state = options.preview
          ? args.inputs
          : { ...args.inputs, ...computed(args.type, args.name, args.inputs) };
        return { id: `${args.name}-id`, state };
      },
      call: (args) => {
        throw new Error(
          `unmocked invoke ${args.token}(${JSON.stringify(args.inputs)}): a component called a data source`,
        );
      },
    },
    "boot-stack",
    options.stack ?? "prod",
    options.preview ?? false,
  );
  if (options.config) pulumi.runtime.setAllConfig(options.config, options.secretKeys);

  // Wrap the mock monitor to see the raw request: parent, provider and protect are not in MockResourceArgs.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RawRequest & { getObject(): any }, cb: (err: any, res: any) => void): Promise<void>;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const done = original(req, (err, res) => {
      if (!err) {
        const urn: string = res.getUrn();
        const qualifiedType = urn.split("::")[2];
        const chain = qualifiedType.split("$");
        records.push({
          type: req.getType(),
          name: req.getName(),
          inputs: pulumi.runtime.deserializeProperties(req.getObject()),
          urn,
          parentType: chain.length > 1 ? chain[chain.length - 2] : undefined,
          parentUrn: req.getParent(),
          provider: req.getProvider(),
          protect: req.getProtect(),
          custom: req.getCustom(),
          propertyDependencies: propertyDependencies(req),
        });
      }
      cb(err, res);
    });
    pending.add(done);
    void done.finally(() => pending.delete(done));
    return done;
  };

  const settle = async () => {
    for (let quiet = 0; quiet < 3;) {
      const before = records.length;
      await Promise.all([...pending]);
      await new Promise((r) => setTimeout(r, 5));
      quiet = records.length === before && pending.size === 0 ? quiet + 1 : 0;
    }
  };
  return { pulumi, records, settle, reset: () => records.splice(0) };
}

/** Resolves an Output in a test (mocks run in update mode, so every value is known). */
export function valueOf<T>(output: pulumiType.Output<T> | T): Promise<T> {
  const o = output as any;
  return o && typeof o.apply === "function"
    ? new Promise((resolve) => o.apply(resolve))
    : Promise.resolve(output as T);
}

/**
 * The example stack's artefacts point at Debian URLs and local files that are not here: replace
 * each with a small temp file holding known bytes, and its real sha256 (no network, no mocks of
 * the resolver, so the hash check itself runs).
 */
export function tempArtifacts(names: string[]): {
  artifacts: Record<string, ArtifactConfig>;
  paths: Record<string, string>;
  dir: string;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-stack-artifacts-"));
  const artifacts: Record<string, ArtifactConfig> = {};
  const paths: Record<string, string> = {};
  for (const name of names) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `test bytes of ${name}\n`);
    artifacts[name] = {
      source: file,
      sha256: crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex"),
    };
    paths[name] = file;
  }
  return { artifacts, paths, dir };
}

export const byType = (records: Recorded[], type: string): Recorded[] =>
  records.filter((r) => r.type === type);
export const one = (records: Recorded[], type: string): Recorded => {
  const found = byType(records, type);
  if (found.length !== 1)
    throw new Error(
      `expected exactly one ${type}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
    );
  return found[0];
};
