// The StackWorkspace interface on the Pulumi Automation API: one LocalWorkspace per stack (so each
// stack's Pulumi process gets its own account's credentials) over the project directory.
//
// `pulumi stack select`, `stack init` and `stack rm` rewrite one workspace settings file shared by
// every stack of the project (~/.pulumi/workspaces/<project>-<hash>-workspace.json) without
// locking it (pulumi/pulumi#8186, #6287), so they run one at a time here; updates of different
// stacks, which pass `--stack` and leave that file alone, still run together.

import * as fs from "fs";
import * as path from "path";
import {
    EngineEvent,
    LocalWorkspace,
    OpMap,
    OutputMap,
    PulumiCommand,
    Stack,
    StackNotFoundError,
    StepEventMetadata,
} from "@pulumi/pulumi/automation";
import { EngineResource, isManagedResource, keptByDestroy } from "../definition/engine";
import { DriverError, messageOf } from "./errors";
import { describeFailure, FailureContext, PULUMI_INSTALL_HINT } from "./failures";
import {
    ChangeCounts,
    ChangeOp,
    ChangeReport,
    OpenMode,
    OperationNotStarted,
    ResourceChange,
    ResourceName,
    StackHandle,
    StackListener,
    StackOutputs,
    StackWorkspace,
    StateSummary,
} from "./stackWorkspace";

export interface PulumiWorkspaceSettings {
    projectDir: string;
    /** Named in failure messages. */
    backendUrl: string;
    /** Environment of every stack's Pulumi process: the backend and the passphrase. */
    env: Record<string, string>;
    /** Extra environment per stack name: that stack's account credentials. */
    stackEnv: Record<string, Record<string, string>>;
    /** The secrets provider a stack is created with (`stack init --secrets-provider`), by stack name; absent: the backend's default. */
    secretsProviders: Record<string, string | undefined>;
    /** Policy packs (absolute directories) every preview and update runs with. */
    policyPacks: string[];
    /** Each stack's file: a temporary record's `stack init` writes into it, and `release()` puts it back. */
    stackFiles: Record<string, string>;
    /**
     * Where each running Pulumi CLI's wrapper (pulumiInItsOwnGroup) leaves its pid, so that a second interrupt can
     * reach it without a terminal; passed to every CLI process as CROSS_ACCOUNT_PIPELINE_RUN_DIR.
     */
    runDir: string;
}

/**
 * The Pulumi CLI as the driver runs it: through a wrapper that runs it in a process group of its own (see the
 * wrapper's head), so that a terminal's Ctrl-C reaches each CLI once, through the driver's cancellation. Windows
 * has no process groups to separate: there the CLI is run as it is.
 */
const ownGroupRoot = process.platform === "win32" ? undefined : path.join(__dirname, "pulumiInItsOwnGroup");

/** In `runDir`, once the run is interrupted: the wrapper then starts no preview, update, destroy or refresh. */
export const CANCELLED_MARKER = "cancelled";

/**
 * Finds the Pulumi CLI once, and checks it is at least the version the project requires (`requiredPulumiVersion`
 * of Pulumi.yaml, `>=x.y.z`); a missing or older CLI stops the run before any stack starts, in one line.
 */
export async function findPulumiCli(required?: { file: string; range: string }): Promise<PulumiCommand> {
    const minimum = required && minimumVersion(required.file, required.range);
    let command: PulumiCommand;
    try {
        command = await PulumiCommand.get(ownGroupRoot ? { root: ownGroupRoot } : {});
    } catch (error) {
        const failure = describeFailure(error, { stack: "", backendUrl: "" });
        throw new DriverError(
            failure.kind === "pulumi-cli-missing" ? failure.message : `the Pulumi CLI cannot be run: ${failure.message}; ${PULUMI_INSTALL_HINT}`,
        );
    }
    if (minimum && command.version && command.version.compare(minimum) < 0) {
        throw new DriverError(`the Pulumi CLI is ${command.version.format()}, and this project needs ${minimum} or later (requiredPulumiVersion in ${required.file}); ` +
            "upgrade it: `curl -fsSL https://get.pulumi.com | sh`, or see https://www.pulumi.com/docs/install/");
    }
    return command;
}

/** The version a `requiredPulumiVersion` of the form `>=x.y.z` names; any other form is refused, naming the file. */
function minimumVersion(file: string, range: string): string {
    const version = /^>=\s*v?(\d+\.\d+\.\d+)$/.exec(range.trim())?.[1];
    if (version === undefined) {
        throw new DriverError(`${file}: requiredPulumiVersion ${JSON.stringify(range)} is not understood here; expected the form ">=3.252.0"`);
    }
    return version;
}

/** The backend URL the CLI uses in this project with this environment (`pulumi whoami --json`). */
export async function backendUrlOfCli(pulumiCommand: PulumiCommand, projectDir: string, env: Record<string, string>): Promise<string> {
    let url: string | undefined;
    try {
        const workspace = await LocalWorkspace.create({ workDir: projectDir, pulumiCommand, envVars: env });
        url = (await workspace.whoAmI()).url;
    } catch (error) {
        throw new DriverError(`the Pulumi CLI cannot reach the backend you chose: ${describeFailure(error, { stack: "", backendUrl: "" }).message}`);
    }
    if (!url) {
        throw new DriverError("the Pulumi CLI does not say which backend it uses (pulumi whoami --json has no url); pass --backend URL");
    }
    return url;
}

/** One at a time: the commands that rewrite the shared workspace settings file. */
class SelectionLock {
    private tail: Promise<unknown> = Promise.resolve();

    run<T>(task: () => Promise<T>): Promise<T> {
        const result = this.tail.then(task);
        this.tail = result.catch(() => undefined);
        return result;
    }
}

export function createPulumiWorkspace(pulumiCommand: PulumiCommand, settings: PulumiWorkspaceSettings): StackWorkspace {
    const lock = new SelectionLock();
    // Stacks known to exist, selected once per run; stacks known not to exist, so as not to ask again.
    const selected = new Map<string, Promise<StackHandle>>();
    const missing = new Set<string>();
    const open = async (stackName: string, mode: OpenMode): Promise<StackHandle> => {
        const context = { stack: stackName, backendUrl: settings.backendUrl };
        try {
            const workspace = await LocalWorkspace.create({
                workDir: settings.projectDir,
                pulumiCommand,
                secretsProvider: settings.secretsProviders[stackName],
                envVars: { ...settings.env, ...settings.stackEnv[stackName], CROSS_ACCOUNT_PIPELINE_RUN_DIR: settings.runDir },
            });
            return await lock.run(async () => {
                if (!missing.has(stackName)) {
                    try {
                        return new PulumiStackHandle(await Stack.select(stackName, workspace), context, settings, true);
                    } catch (error) {
                        if (!(error instanceof StackNotFoundError)) {
                            throw error;
                        }
                        missing.add(stackName);
                    }
                }
                if (mode === "select") {
                    throw describeFailure(new Error(`no stack named '${stackName}' found`), context);
                }
                if (mode === "create-or-select") {
                    const created = new PulumiStackHandle(await Stack.create(stackName, workspace), context, settings, true);
                    missing.delete(stackName);
                    return created;
                }
                // `stack init` writes the passphrase provider's `encryptionsalt` into the stack file.
                const restoreStackFile = keepFile(settings.stackFiles[stackName]);
                const stack = await Stack.create(stackName, workspace);
                return new PulumiStackHandle(stack, context, settings, false, async () => {
                    await lock.run(() => workspace.removeStack(stackName, { preserveConfig: true }));
                    restoreStackFile();
                });
            });
        } catch (error) {
            throw describeFailure(error, context);
        }
    };
    return {
        terminateRunning(): number {
            const pids = fs.existsSync(settings.runDir) ? fs.readdirSync(settings.runDir).flatMap((file) => /^pulumi-(\d+)\.pid$/.exec(file)?.[1] ?? []) : [];
            // The wrapper passes a signal on as one more SIGINT: the CLI's "terminate immediately".
            return pids.filter((pid) => {
                try {
                    process.kill(Number(pid), "SIGTERM");
                    return true;
                } catch {
                    return false; // it has just ended
                }
            }).length;
        },
        openStack(stackName: string, mode: OpenMode): Promise<StackHandle> {
            const known = selected.get(stackName);
            if (known) {
                return known;
            }
            const handle = open(stackName, mode);
            selected.set(stackName, handle);
            // Only an existing stack stays known; a temporary record is gone after release().
            handle.then(
                (opened) => !opened.existed && selected.delete(stackName),
                () => selected.delete(stackName),
            );
            return handle;
        },
    };
}

/** The options that stream a running operation to a listener and cancel it; the same for preview, up, destroy and refresh. */
interface StreamOptions {
    color: "never";
    onOutput: (chunk: string) => void;
    onError: (chunk: string) => void;
    onEvent: (event: EngineEvent) => void;
    signal?: AbortSignal;
}

class PulumiStackHandle implements StackHandle {
    constructor(
        private readonly stack: Stack,
        private readonly context: FailureContext,
        private readonly settings: PulumiWorkspaceSettings,
        readonly existed: boolean,
        private readonly removeTemporaryRecord?: () => Promise<void>,
    ) {}

    async preview(listener: StackListener, signal?: AbortSignal): Promise<ChangeReport> {
        const { policyPacks, stackFiles } = this.settings;
        // A preview writes nothing of the user's: yet the CLI saves a new `encryptionsalt` into a
        // passphrase stack's file that has none (pulumi/pulumi `GetSecretsManager`, "must save").
        const restoreStackFile = keepFile(stackFiles[this.stack.name]);
        try {
            return (await this.operate(listener, signal, (options) => this.stack.preview({ ...options, policyPacks }), (result) => result.changeSummary))
                .report;
        } finally {
            restoreStackFile();
        }
    }

    async up(listener: StackListener, signal?: AbortSignal): Promise<ChangeReport & { outputs: StackOutputs }> {
        const { policyPacks } = this.settings;
        const { result, report } = await this.operate(
            listener,
            signal,
            (options) => this.stack.up({ ...options, policyPacks }),
            (upResult) => upResult.summary.resourceChanges,
        );
        return { ...report, outputs: plainOutputs(result.outputs) };
    }

    async destroy(listener: StackListener, signal?: AbortSignal): Promise<ChangeReport> {
        // `--exclude-protected`: everything but the protected resources (the artifact key and
        // buckets) and what they need; a plain destroy would stop at the first protected one.
        return (
            await this.operate(
                listener,
                signal,
                (options) => this.stack.destroy({ ...options, excludeProtected: true }),
                (result) => result.summary.resourceChanges,
            )
        ).report;
    }

    async refresh(listener: StackListener, signal?: AbortSignal): Promise<ChangeReport> {
        return (await this.operate(listener, signal, (options) => this.stack.refresh(options), (result) => result.summary.resourceChanges))
            .report;
    }

    outputs(): Promise<StackOutputs> {
        return this.mapFailure(async () => plainOutputs(await this.stack.outputs()));
    }

    config(): Promise<Record<string, string>> {
        // `pulumi config --json --show-secrets`: the stack file, the project's values and ESC environments.
        return this.mapFailure(async () =>
            Object.fromEntries(Object.entries(await this.stack.getAllConfig()).map(([key, { value }]) => [key, value])),
        );
    }

    state(): Promise<StateSummary> {
        return this.mapFailure(async () => summarizeState((await this.stack.exportStack()).deployment));
    }

    async release(): Promise<void> {
        if (this.removeTemporaryRecord) {
            await this.mapFailure(this.removeTemporaryRecord).catch((error: unknown) => {
                throw new DriverError(`could not remove the temporary stack record made for the preview: ${messageOf(error)}`);
            });
        }
    }

    private operate<R>(
        listener: StackListener,
        signal: AbortSignal | undefined,
        run: (options: StreamOptions) => Promise<R>,
        opMapOf: (result: R) => OpMap | undefined,
    ): Promise<{ result: R; report: ChangeReport }> {
        // The SDK listens for the abort only once the CLI runs: an operation asked for after it would run to its end.
        if (signal?.aborted) {
            return Promise.reject(new OperationNotStarted());
        }
        return this.mapFailure(async () => {
            const resources: ResourceChange[] = [];
            const stdout = lineSplitter((line) => listener.line(line));
            const stderr = lineSplitter((line) => listener.line(line));
            const onEvent = (event: EngineEvent): void => {
                const step = event.resourcePreEvent?.metadata;
                const change = step && resourceChangeOf(step);
                if (change) {
                    resources.push(change);
                }
                if (event.resOutputsEvent) {
                    listener.resourceDone();
                }
            };
            try {
                const result = await run({ color: "never", onOutput: stdout.push, onError: stderr.push, onEvent, signal });
                return { result, report: { changes: countChanges(opMapOf(result)), resources } };
            } finally {
                stdout.flush();
                stderr.flush();
            }
        });
    }

    private async mapFailure<T>(run: () => Promise<T>): Promise<T> {
        try {
            return await run();
        } catch (error) {
            throw describeFailure(error, this.context);
        }
    }
}

/** Remembers a file's bytes (or its absence); the function returned puts them back if they changed. */
export function keepFile(file: string): () => void {
    const before = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    return () => {
        const now = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
        if (before === undefined) {
            fs.rmSync(file, { force: true });
        } else if (now === undefined || !now.equals(before)) {
            fs.writeFileSync(file, before);
        }
    };
}

export function countChanges(opMap: OpMap | undefined): ChangeCounts {
    return {
        create: opMap?.create ?? 0,
        update: opMap?.update ?? 0,
        replace: opMap?.replace ?? 0,
        delete: opMap?.delete ?? 0,
        same: opMap?.same ?? 0,
    };
}

const CHANGE_OPS: readonly string[] = ["create", "update", "replace", "delete"] satisfies ChangeOp[];

/**
 * The resource a step changes, or undefined for steps that change nothing (`same`, `read`) and
 * for the create/delete halves of a replacement, which the `replace` step already stands for.
 */
export function resourceChangeOf(step: Pick<StepEventMetadata, "op" | "urn" | "type">): ResourceChange | undefined {
    if (!CHANGE_OPS.includes(step.op)) {
        return undefined;
    }
    return { op: step.op as ChangeOp, type: step.type, name: nameOfUrn(step.urn) };
}

/** urn:pulumi:<stack>::<project>::<type chain>::<name> */
function nameOfUrn(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

/**
 * What `destroy --exclude-protected` leaves in an exported state (keptByDestroy), and what it would delete.
 * The stack resource and providers are not counted.
 */
export function summarizeState(deployment: unknown): StateSummary {
    const resources = ((deployment as { resources?: EngineResource[] } | undefined)?.resources ?? []).filter(
        (resource) => typeof resource?.urn === "string",
    );
    const kept = keptByDestroy(resources);
    const managed = resources.filter(({ type = "" }) => isManagedResource(type));
    const keptNames: ResourceName[] = managed.filter((r) => kept.has(r.urn)).map((r) => ({ type: r.type, name: nameOfUrn(r.urn) }));
    return { destroyable: managed.filter((r) => !kept.has(r.urn)).length, kept: keptNames };
}

export function plainOutputs(outputs: OutputMap): StackOutputs {
    return Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.value]));
}

/** The CLI's output arrives in chunks; this hands it on line by line. */
export function lineSplitter(emit: (line: string) => void): { push: (chunk: string) => void; flush: () => void } {
    let pending = "";
    return {
        push: (chunk) => {
            const lines = (pending + chunk).split(/\r?\n/);
            pending = lines.pop() ?? "";
            lines.forEach(emit);
        },
        flush: () => {
            if (pending !== "") {
                emit(pending);
            }
            pending = "";
        },
    };
}
