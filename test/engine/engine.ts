// A model of the Pulumi engine for one `pulumi preview`, `pulumi up` or `pulumi refresh`, built on
// `pulumi.runtime.setMocks` but keeping state between runs as the engine does. It takes over the mock
// monitor's RegisterResource, so that for every resource the program registers it:
// - opens and hashes every asset (properties.ts; a missing file fails the run, preview included);
// - compares the inputs with the stored ones (assets by hash) and decides create / same / update /
//   replace (REPLACE_ON_CHANGES, plus the resource's own replaceOnChanges and ignoreChanges);
// - answers an unchanged resource with its stored outputs, without calling the provider: a
//   `command:local:Command` is not re-run and its stdout comes from the state;
// - in preview answers a changed resource with its inputs only (what providers compute stays unknown);
// - in up really runs a changed Command (providers.ts) and lets the cloud providers compute outputs.
// Resources in the state that the program did not register are deletes. Only up writes state; a
// replaced or deleted Command runs its `delete` at the end, as the engine deletes replaced resources
// after creating their replacements (create-before-delete, the default).
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as pulumi from "@pulumi/pulumi";
import { RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
import { changedKeys, hashInputs, WireMap } from "./properties";
import {
  applyCommand,
  cloudOutputs,
  COMMAND_TYPE,
  deleteCommand,
  REPLACE_ON_CHANGES,
  runShell,
} from "./providers";

export type Mode = "preview" | "up";
export type Op = "create" | "same" | "update" | "replace" | "delete";

export interface StoredResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string;
  id: string;
  inputs: WireMap;
  outputs: WireMap;
  dependencies: string[];
  retainOnDelete: boolean;
}

export interface StateFile {
  resources: StoredResource[];
}

export interface Step {
  urn: string;
  type: string;
  name: string;
  op: Op;
  /** Inputs that differ from the state (update/replace). */
  diff?: string[];
}

export interface RunResult {
  ok: boolean;
  error?: string;
  steps: Step[];
  /** Commands that ran: `create`, `update` or `delete` of a Command, or a `local.run` invoke. */
  commands: { name: string; action: "create" | "update" | "delete" | "run" }[];
  /** Registration order: the index at which each resource started and finished registering. */
  order: Record<string, { started: number; finished: number }>;
  /** The run's peak resident memory (the program under the engine model). */
  peakRssMiB: number;
  /** CPU seconds of the run's process (user + system): a figure the machine's load does not inflate. */
  cpuSeconds: number;
  state?: StateFile;
}

const ROOT_STACK = "pulumi:pulumi:Stack";

interface RawRegistration {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): Struct | undefined;
  getDependenciesList(): string[];
  getRetainondelete(): boolean;
  getReplaceonchangesList(): string[];
  getIgnorechangesList(): string[];
}

/** The engine's URN: the parent's type chain, except the root stack's (resource.NewURN). */
function urnOf(stack: string, project: string, parent: string, type: string, name: string): string {
  let qualified = type;
  if (parent) {
    const parentType = parent.split("::")[2];
    if (parentType !== ROOT_STACK) qualified = `${parentType}$${type}`;
  }
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

export class Engine {
  private readonly prior: Map<string, StoredResource>;
  private readonly registered = new Map<string, StoredResource>();
  private readonly steps: Step[] = [];
  private readonly commands: RunResult["commands"] = [];
  private readonly order: RunResult["order"] = {};
  private readonly pending = new Set<Promise<unknown>>();
  private readonly errors: string[] = [];
  private counter = 0;
  private onFailure?: () => void;
  /** Resolves at the first failure: a failed program may leave its outputs pending for ever. */
  readonly failed = new Promise<void>((resolve) => (this.onFailure = resolve));

  constructor(
    private readonly mode: Mode,
    private readonly stack: string,
    private readonly project: string,
    prior: StateFile,
    private readonly workDir: string,
  ) {
    this.prior = new Map(prior.resources.map((r) => [r.urn, r]));
  }

  /** Installs the mocks and takes over registration; call before the program is loaded. */
  async install(): Promise<void> {
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          throw new Error(`${args.type} ${args.name}: reading existing resources is not modelled`);
        },
        call: (args) => this.invoke(args.token, args.inputs),
      },
      this.project,
      this.stack,
      this.mode === "preview",
    );
    const monitor = pulumi.runtime.getMonitor() as any;
    monitor.registerResource = (req: RawRegistration, cb: (err: any, res?: any) => void) =>
      this.track(
        this.register(req).then(
          (res) => cb(null, res),
          (err) => {
            this.fail(err);
            cb(err);
          },
        ),
      );
    // A component's outputs (registerOutputs) are stored with it.
    monitor.registerResourceOutputs = (req: any, cb: (err: any, res?: any) => void) => {
      const entry = this.registered.get(req.getUrn());
      if (!entry) return cb(new Error(`unknown resource ${req.getUrn()}`));
      entry.outputs = (req.getOutputs()?.toJavaScript() ?? {}) as WireMap;
      cb(null, {});
    };
  }

  /** Records a failure once (a failed registration also rejects every output that depends on it). */
  fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (!this.errors.some((e) => message.includes(e) || e.includes(message))) this.errors.push(message);
    this.onFailure?.();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return p;
  }

  /** Waits until no registration is in flight for a few turns (children register asynchronously). */
  async settle(): Promise<void> {
    for (let quiet = 0; quiet < 3;) {
      const before = this.counter;
      await Promise.allSettled([...this.pending]);
      await new Promise((r) => setTimeout(r, 10));
      quiet = this.counter === before && this.pending.size === 0 ? quiet + 1 : 0;
    }
  }

  private async invoke(token: string, inputs: Record<string, any>): Promise<Record<string, any>> {
    // local.run is an invoke: it runs on every preview and every up (pulumi-command#87).
    if (token === "command:local:run") {
      this.commands.push({ name: String(inputs.command), action: "run" });
      const r = await runShell(`local.run ${inputs.command}`, inputs.command, {
        dir: inputs.dir,
        environment: inputs.environment,
      });
      return { ...inputs, ...r };
    }
    throw new Error(`unmodelled invoke ${token}`);
  }

  private async register(req: RawRegistration): Promise<RegisterResourceResponse> {
    const started = this.counter++;
    const type = req.getType();
    const name = req.getName();
    const parent = req.getParent();
    const custom = req.getCustom();
    const urn = urnOf(this.stack, this.project, parent, type, name);
    const inputs = hashInputs((req.getObject()?.toJavaScript() ?? {}) as WireMap, this.workDir);
    const old = this.prior.get(urn);
    const step = this.decide(urn, type, name, inputs, old, req);
    this.steps.push(step);
    const outputs = await this.outputsFor(step, inputs, old, custom);
    const id = custom ? (old?.id ?? `${name}-id`) : "";
    this.registered.set(urn, {
      urn,
      type,
      name,
      custom,
      parent,
      id,
      inputs,
      outputs,
      dependencies: req.getDependenciesList(),
      retainOnDelete: req.getRetainondelete(),
    });
    this.order[urn] = { started, finished: this.counter++ };
    const res = new RegisterResourceResponse();
    res.setUrn(urn);
    res.setId(id);
    res.setObject(Struct.fromJavaScript(outputs as any));
    return res;
  }

  private decide(
    urn: string,
    type: string,
    name: string,
    inputs: WireMap,
    old: StoredResource | undefined,
    req: RawRegistration,
  ): Step {
    if (!old) return { urn, type, name, op: "create" };
    const ignored = new Set(req.getIgnorechangesList());
    const diff = changedKeys(old.inputs, inputs).filter((k) => !ignored.has(k));
    if (diff.length === 0) return { urn, type, name, op: "same" };
    const replaceOn = new Set([...(REPLACE_ON_CHANGES[type] ?? []), ...req.getReplaceonchangesList()]);
    return { urn, type, name, op: diff.some((k) => replaceOn.has(k)) ? "replace" : "update", diff };
  }

  private async outputsFor(
    step: Step,
    inputs: WireMap,
    old: StoredResource | undefined,
    custom: boolean,
  ): Promise<WireMap> {
    if (step.op === "same") return old!.outputs;
    if (!custom) return {};
    if (this.mode === "preview") {
      // What the provider computes is unknown until it runs; an update keeps what it cannot change.
      if (step.op === "update" && step.type !== COMMAND_TYPE) return { ...old!.outputs, ...inputs };
      return inputs;
    }
    if (step.type === COMMAND_TYPE) {
      const action = step.op === "update" ? "update" : "create";
      this.commands.push({ name: step.name, action });
      return applyCommand(
        `${step.name} (${action})`,
        inputs,
        step.op === "update" ? old!.outputs : undefined,
      );
    }
    return { ...inputs, ...cloudOutputs(step.type, step.name, inputs) };
  }

  /** Ends the run: deletes, Command deletes (up), and the new state (up, when nothing failed). */
  async finish(): Promise<RunResult> {
    await this.settle();
    const deleted = [...this.prior.values()].filter((r) => !this.registered.has(r.urn));
    for (const r of deleted) this.steps.push({ urn: r.urn, type: r.type, name: r.name, op: "delete" });
    if (this.errors.length === 0 && this.mode === "up") {
      const replaced = this.steps
        .filter((s) => s.op === "replace" && s.type === COMMAND_TYPE)
        .map((s) => this.prior.get(s.urn)!);
      // Dependents first: the reverse of the order the resources were registered in.
      for (const r of [...replaced, ...deleted.reverse()].filter((r) => r.type === COMMAND_TYPE)) {
        this.commands.push({ name: r.name, action: "delete" });
        try {
          await deleteCommand(`${r.name} (delete)`, r.outputs);
        } catch (e) {
          this.fail(e);
        }
      }
    }
    const ok = this.errors.length === 0;
    return {
      ok,
      ...(ok ? {} : { error: this.errors.join("\n") }),
      steps: this.steps.sort((a, b) => (a.urn < b.urn ? -1 : 1)),
      commands: this.commands,
      order: this.order,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      cpuSeconds: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1e5) / 10,
      ...(ok && this.mode === "up" ? { state: { resources: [...this.registered.values()] } } : {}),
    };
  }
}
