// Runs the real program (index.ts) under Pulumi's own runtime mocks, for one stack's config.
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { configNamespace } from "../config";
import { DeclaredResource, MockCloud } from "./mockCloud";
import type { PropertyBag } from "./propertyBag";

// The project's name is its config namespace (Pulumi.yaml `name`).
export const projectName = configNamespace;
export const organization = "organization";
const projectRoot = path.resolve(__dirname, "..");
const programEntry = path.join(projectRoot, "index.ts");

export interface ProgramRunOptions {
    stack: string;
    /** Fully qualified keys (`cross-account-pipeline:region`) to raw string values, as Pulumi passes them. */
    config: Record<string, string>;
    /** Outputs of other stacks, served to StackReferences by fully qualified stack name. */
    stackOutputs?: Record<string, Record<string, unknown>>;
    /** Run as a preview: unknown values stay unknown. */
    preview?: boolean;
}

export interface ProgramRun {
    stack: string;
    resources: DeclaredResource[];
    outputs: PropertyBag;
    /** What the program logged with `pulumi.log.warn`, as `pulumi up` would show it. */
    warnings: string[];
}

/** Evaluates index.ts afresh for one stack and returns what it declared and exported. */
export async function runProgram(options: ProgramRunOptions): Promise<ProgramRun> {
    const cloud = new MockCloud(options.stackOutputs);
    pulumi.runtime.setAllConfig(options.config);
    await pulumi.runtime.setMocks(cloud, projectName, options.stack, options.preview ?? false, organization);
    recordRegistrations(cloud);
    forgetProgramModules();
    // A program error raised inside an apply surfaces as an unhandled rejection, which fails
    // `pulumi up`; here it fails the run instead of leaving its registrations pending forever.
    let onRejection: (reason: unknown) => void = () => undefined;
    const failure = new Promise<never>((_, reject) => {
        onRejection = (reason) => reject(reason instanceof Error ? reason : new Error(String(reason)));
        process.on("unhandledRejection", onRejection);
    });
    // A promise of the runtime rejected by that error may be handled later, while the run ends: expected, not worth
    // Node's warning.
    const handledLater = () => undefined;
    process.on("rejectionHandled", handledLater);
    const warnings = collectWarnings();
    const restoreBookkeeping = process.env.PULUMI_DEBUG_PROMISE_LEAKS ? () => undefined : withoutEngineBookkeeping();
    // The program declares its targets one per turn of the event loop, so it may still be declaring when a
    // registration fails: a failed run waits for it to end, and for what it declared to register here.
    let programEnded: Promise<unknown> = Promise.resolve();
    const program = () => {
        const run = runEntry();
        programEnded = run.catch(() => undefined);
        return run;
    };
    try {
        const outputs = await Promise.race([pulumi.runtime.runInPulumiStack(program), failure]);
        // Let every registration settle before the next run replaces the mocks, and give a failed
        // one's rejection a turn of the event loop to surface.
        await Promise.race([pulumi.runtime.disconnect().then(nextTurns), failure]);
        return { stack: options.stack, resources: cloud.resources, outputs: plainOutputs(outputs ?? {}), warnings: warnings.lines };
    } catch (e) {
        // The same error rejects other promises of the runtime (the stack's outputs, its registration):
        // they surface here, while this run's handler takes them, and not in the run that follows.
        await programEnded;
        await pulumi.runtime.disconnect().catch(() => undefined);
        await nextTurns();
        throw e;
    } finally {
        restoreBookkeeping();
        warnings.stop();
        process.off("unhandledRejection", onRejection);
        process.off("rejectionHandled", handledLater);
        releaseRun();
    }
}

// The runtime's promise wrapper (internal: its typings export nothing) and the resources' call-site reader (private).
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(promise: Promise<T>, context?: unknown) => Promise<T> };
const resourceClass = pulumi.Resource as unknown as { callsites(): unknown[] };

/**
 * Leaves out, for one run, what the runtime records only for the engine or for debugging and the mocks
 * never read: each resource's source position and stack (the SDK lifts the stack trace limit to take them),
 * and for each of its promises a stack trace, three properties and a place in the exit-time leak detector
 * (PULUMI_DEBUG_PROMISE_LEAKS). Over half of a run's time at 250 targets, with the garbage they make.
 * And it makes each resource's property Outputs only when the program reads them (transferWhenObserved): two
 * thirds of the plan's peak memory at 497 targets. Nothing the program declares changes; an error it raises
 * is reported by its message, without frames. Returns what puts the runtime back as it was.
 */
function withoutEngineBookkeeping(): () => void {
    const { stackTraceLimit } = Error;
    const { callsites } = resourceClass;
    const { debuggablePromise } = debuggable;
    Error.stackTraceLimit = 0;
    resourceClass.callsites = () => [];
    // The same two steps as the runtime's wrapper, so that registrations happen in the same order.
    const twoSteps: typeof debuggablePromise = (promise) => promise.then((value) => value).catch((error) => {
        throw error;
    });
    debuggable.debuggablePromise = twoSteps;
    const { transferProperties } = rpc;
    rpc.transferProperties = (onto, label, props) => transferWhenObserved(onto, label, props, twoSteps);
    return () => {
        Error.stackTraceLimit = stackTraceLimit;
        resourceClass.callsites = callsites;
        debuggable.debuggablePromise = debuggablePromise;
        rpc.transferProperties = transferProperties;
    };
}

/** How the runtime settles one output property of a resource once its registration returns (rpc.ts `transferProperties`). */
type PropertyResolver = (value: unknown, isKnown: boolean, isSecret: boolean, deps?: unknown[], error?: unknown) => void;
// The runtime's internals the stand-in below replaces and uses (its typings export none of them).
const rpc = require("@pulumi/pulumi/runtime/rpc") as { transferProperties(onto: Record<string, unknown>, label: string, props: Record<string, unknown>): Record<string, PropertyResolver> };
const { isGrpcError } = require("@pulumi/pulumi/errors") as { isGrpcError(error: unknown): boolean };
const OutputImpl = (require("@pulumi/pulumi/output") as { Output: new (resources: unknown, ...promises: Promise<unknown>[]) => unknown }).Output;

/**
 * The runtime's `transferProperties` (@pulumi/pulumi 3.276.0, runtime/rpc.js, the same since 3.x), which
 * `registerResource` calls (as `rpc_1.transferProperties`, read at each call) to put on a new custom resource an
 * Output for each of its properties, but making each property's Output only when the program first reads the
 * property. Each Output is four promises, each wrapped, and the ten or so promises and twenty closures the
 * Output derives from them: some 5 KB, for every output property of every resource (an AWS resource has 10
 * to 60), while the program reads two or three of them (an ARN, a name). All of them are alive at once, from
 * when the program has declared its resources until their registrations return: at 497 targets over 3 regions
 * some 90,000 Outputs, two thirds of the plan's peak memory.
 *
 * The same Output, settled the same way: read before the registration returns (as the program mostly reads
 * them, while declaring), it is made then and settled by the resolver as the runtime's would be; read after,
 * it is made settled with what the resolver was given (the first call wins, as with a promise), so its
 * callbacks run some microtask turns later than those of an Output made at declaration would. A rejection
 * makes the Outputs not yet read at once and rejects them, so that every unhandled rejection the runtime's
 * would raise is raised (the run fails on the first); a gRPC error (the engine going away) leaves them
 * pending, as the runtime does. The property is an accessor until it is read (enumerable, own, as
 * `hasOwnProperty` sees the runtime's), then the Output itself; assigning to it replaces it.
 * Installed only for a run without the runtime's bookkeeping; with PULUMI_DEBUG_PROMISE_LEAKS the runtime's
 * own runs. tests/planProcess.test.ts holds the two to the same resources in the same order; a new version of
 * @pulumi/pulumi whose transferProperties or Output constructor changes must be checked against this.
 */
export function transferWhenObserved(onto: Record<string, unknown>, label: string, props: Record<string, unknown>, wrap: <T>(promise: Promise<T>) => Promise<T>): Record<string, PropertyResolver> {
    const resolvers: Record<string, PropertyResolver> = {};
    for (const k of Object.keys(props)) {
        // "id" and "urn" are the runtime's own, as in transferProperties.
        if (k === "id" || k === "urn") {
            continue;
        }
        if (Object.prototype.hasOwnProperty.call(onto, k)) {
            throw new Error(`Property '${k}' is already initialized on target '${label}`);
        }
        // Before the Output is made: what the first resolver call gave. After: what settles its four promises.
        let settled: Parameters<PropertyResolver> | undefined;
        let settle: PropertyResolver | undefined;
        // Whether the program assigned the property, replacing the Output before it was made.
        let replaced = false;
        const make = (): unknown => {
            const promises: Promise<unknown>[] = [];
            const settlers: { resolve(value: unknown): void; reject(error: unknown): void }[] = [];
            for (let i = 0; i < 4; i++) {
                promises.push(wrap(new Promise((resolve, reject) => settlers.push({ resolve, reject }))));
            }
            const output = new OutputImpl(onto, ...promises);
            const [value, known, secret, dependencies] = settlers;
            settle = (v, isKnown, isSecret, deps = [], error) => {
                if (error) {
                    value.reject(error);
                    known.reject(error);
                    secret.reject(error);
                    dependencies.reject(error);
                } else {
                    value.resolve(v);
                    known.resolve(isKnown);
                    secret.resolve(isSecret);
                    dependencies.resolve(deps);
                }
            };
            if (!replaced) {
                Object.defineProperty(onto, k, { value: output, writable: true, enumerable: true, configurable: true });
            }
            if (settled) {
                settle(...settled);
                settled = undefined;
            }
            return output;
        };
        Object.defineProperty(onto, k, {
            get: make,
            set(value: unknown) {
                replaced = true;
                Object.defineProperty(onto, k, { value, writable: true, enumerable: true, configurable: true });
            },
            enumerable: true,
            configurable: true,
        });
        resolvers[k] = (v, isKnown, isSecret, deps = [], error) => {
            if (error && isGrpcError(error)) {
                return;
            }
            if (settle) {
                settle(v, isKnown, isSecret, deps, error);
            } else if (!settled) {
                settled = [v, isKnown, isSecret, deps, error];
                if (error) {
                    make();
                }
            }
        };
    }
    return resolvers;
}

/**
 * Without an engine (as under mocks) the SDK writes `pulumi.log.warn` to `console.warn` with this
 * prefix; collect those lines for the run instead, as the engine would show them with the update.
 */
function collectWarnings(): { lines: string[]; stop(): void } {
    const prefix = "warning: [runtime] ";
    const lines: string[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => {
        const text = args.map(String).join(" ");
        if (text.startsWith(prefix)) {
            lines.push(text.slice(prefix.length));
        } else {
            original(...args);
        }
    };
    return { lines, stop: () => (console.warn = original) };
}

/** The registration request as the mock monitor receives it (protobuf getters). */
interface RegisterResourceRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProtect(): boolean;
    getRetainondelete(): boolean;
    getProvidersMap(): { toObject(): [string, string][] };
    getDependenciesList(): string[];
    getImportid(): string;
    getIgnorechangesList(): string[];
    getAliasesList(): { getUrn(): string; getSpec(): { getName(): string; getType(): string; getParenturn(): string } | undefined }[];
}

type RegisterCallback = (error: unknown, response?: { getUrn(): string }) => void;

/**
 * Lets the mock cloud see what the mocks' newResource does not: each resource's URN, its parent, its
 * options (protect, retainOnDelete, the providers of a component, the id to import, ignoreChanges, aliases)
 * and what it waits for, as the engine would receive them.
 */
function recordRegistrations(cloud: MockCloud): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterResourceRequest, callback: RegisterCallback): Promise<void> };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => register(req, (error, response) => {
        if (!error && response) {
            cloud.noteRegistration(req.getType(), req.getName(), {
                urn: response.getUrn(),
                parentUrn: req.getParent() || undefined,
                protect: req.getProtect(),
                retainOnDelete: req.getRetainondelete(),
                providers: Object.fromEntries(req.getProvidersMap().toObject()),
                dependencies: req.getDependenciesList(),
                importId: req.getImportid() || undefined,
                ignoreChanges: req.getIgnorechangesList(),
                aliases: req.getAliasesList().map((alias) => {
                    const spec = alias.getSpec();
                    return spec ? { name: spec.getName(), type: spec.getType() || undefined, parentUrn: spec.getParenturn() || undefined } : { urn: alias.getUrn() };
                }),
            });
        }
        callback(error, response);
    });
}

/**
 * The program, run as the Node.js language host runs a program's main (@pulumi/pulumi cmd/run/run.js): required, inside
 * the stack; when it exports a function (index.ts: an async one), called, and what it returns awaited.
 */
async function runEntry(): Promise<PropertyBag | undefined> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const entry: unknown = require(programEntry);
    return await (entry instanceof Function ? entry() : entry) as PropertyBag | undefined;
}

function nextTurns(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 20));
}

/** The program's modules are evaluated once per run, like a fresh `pulumi up`; packages stay loaded. */
function forgetProgramModules(): void {
    for (const file of Object.keys(require.cache)) {
        if (file.startsWith(projectRoot) && !file.includes(`${path.sep}node_modules${path.sep}`)) {
            delete require.cache[file];
        }
    }
}

// The runtime's state (internal: its typings export nothing).
const runtimeState = require("@pulumi/pulumi/runtime/state") as { setStackResource(stack: unknown): void };

/**
 * Lets go of what the run declared once its outputs are read: its resources, their Outputs and the promises between
 * them, some 55 MB at 497 targets, which whatever runs next (the checks, the next stack) would otherwise carry through
 * each of its garbage collections. The runtime keeps the run's stack resource, the root of them all, until the next
 * run replaces it. (The program's entry module, which Node keeps, holds nothing of a run: it exports a function.)
 */
function releaseRun(): void {
    runtimeState.setStackResource(undefined);
}

/** The program's outputs minus undefined ones (a stack without that part) and, from an entry exporting them as an ES module, its marker. */
function plainOutputs(outputs: PropertyBag): PropertyBag {
    return Object.fromEntries(Object.entries(outputs).filter(([key, value]) => value !== undefined && key !== "__esModule"));
}
