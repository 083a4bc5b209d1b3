// The StackWorkspace interface on the Pulumi Automation API: one LocalWorkspace per stack (so each
// stack's Pulumi process gets its own environment) over the project directory.
//
// Every stack is named in full (stackNames.ts), and none is ever selected: the SDK opens a stack with
// `pulumi stack select` and creates one with `stack init`, both of which change the stack the user
// has selected in this project (~/.pulumi/workspaces/<project>-<hash>-workspace.json), and run one
// CLI command per stack before anything starts. Here one `pulumi stack ls` says which stacks exist,
// `stack init` gets `--no-select`, as the SDK does for a remote workspace (localWorkspace.js), and
// every operation passes `--stack`. Only `stack rm`, which always clears the selection
// (pkg/cmd/pulumi/stack/stack_remove.go), touches that file: it is put back after each, one at a time.

import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    EngineEvent,
    LocalWorkspace,
    OpMap,
    OutputMap,
    PulumiCommand,
    Stack,
    StepEventMetadata,
} from "@pulumi/pulumi/automation";
import { EngineResource, isManagedResource, keptByDestroy } from "../definition/engine";
import { fullyQualified } from "./stackNames";
import { driverCredentialsVariable } from "../config";
import { DriverError, messageOf } from "./errors";
import { describeFailure, FailureContext, PULUMI_INSTALL_HINT } from "./failures";
import {
    ChangeCounts,
    changeCounts,
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
    STEP_KINDS,
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
    /** The organization and project of every stack: each is named `<organization>/<project>/<stack>`. */
    organization: string;
    projectName: string;
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

/**
 * Runs one Pulumi CLI command with the SDK's own runner (`PulumiCommand.run`, which every SDK method uses), for the
 * three commands the SDK has no method for: `stack ls --fully-qualify-stack-names`, `stack init --no-select` (the SDK
 * adds it for remote workspaces only) and `org get-default`. The runner is marked internal in the SDK's typings;
 * the SDK's version is pinned (package.json), and tests/automation runs these commands through it.
 */
function runCommand(pulumiCommand: PulumiCommand, args: string[], cwd: string, env: Record<string, string>): Promise<{ stdout: string }> {
    const runner = pulumiCommand as unknown as { run(args: string[], cwd: string, env: Record<string, string>): Promise<{ stdout: string }> };
    return runner.run(args, cwd, env);
}

/**
 * The organization a short stack name means on a service backend: the CLI's default organization
 * (`pulumi org get-default`), else, when none is set, the user's own (`pulumi whoami`), as the CLI resolves it.
 */
export async function defaultOrganization(pulumiCommand: PulumiCommand, projectDir: string, env: Record<string, string>): Promise<string> {
    try {
        const named = (await runCommand(pulumiCommand, ["org", "get-default"], projectDir, env)).stdout.trim();
        if (/^[\w.-]+$/.test(named)) {
            return named;
        }
        const workspace = await LocalWorkspace.create({ workDir: projectDir, pulumiCommand, envVars: env });
        return (await workspace.whoAmI()).user;
    } catch (error) {
        throw new DriverError(`the Pulumi CLI cannot say which organization to deploy the stacks in (${describeFailure(error, { stack: "", backendUrl: "" }).message}); pass --org`);
    }
}

/** One at a time: `stack rm` and putting the workspace settings file back after it. */
class SelectionLock {
    private tail: Promise<unknown> = Promise.resolve();

    run<T>(task: () => Promise<T>): Promise<T> {
        const result = this.tail.then(task);
        this.tail = result.catch(() => undefined);
        return result;
    }
}

/** The fully qualified names of the project's stacks in the backend, from one `pulumi stack ls`. */
export async function existingStacks(pulumiCommand: PulumiCommand, projectDir: string, env: Record<string, string>): Promise<Set<string>> {
    const result = await runCommand(pulumiCommand, ["stack", "ls", "--json", "--fully-qualify-stack-names"], projectDir, env);
    return new Set((JSON.parse(result.stdout) as { name: string }[]).map((stack) => stack.name));
}

/**
 * The file in which the Pulumi CLI keeps the stack selected in this project: `<PULUMI_HOME>/workspaces/<project>-
 * <sha1 of the Pulumi.yaml path>-workspace.json` (pulumi/pulumi pkg/workspace/workspace.go settingsPath).
 */
export function workspaceSettingsFile(projectDir: string, projectName: string, pulumiHome = process.env.PULUMI_HOME): string {
    const projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((file) => path.join(projectDir, file)).find((file) => fs.existsSync(file)) ?? path.join(projectDir, "Pulumi.yaml");
    // `projectDir` as the CLI finds its project (its working directory, os.Getwd): the driver runs it in the real
    // path and with PWD set to it (createPulumiWorkspace), so that a symbolic link on the way hashes the same.
    const hash = crypto.createHash("sha1").update(projectFile).digest("hex");
    return path.join(pulumiHome ?? path.join(os.homedir(), ".pulumi"), "workspaces", `${projectName}-${hash}-workspace.json`);
}

/** Makes `workspace` open and create stacks without selecting them (see the head of this file). */
function withoutSelecting(workspace: LocalWorkspace): LocalWorkspace {
    workspace.selectStack = async () => undefined;
    workspace.createStack = async (stackName: string) => {
        const secretsProvider = workspace.secretsProvider ? ["--secrets-provider", workspace.secretsProvider] : [];
        await runCommand(workspace.pulumiCommand, ["stack", "init", stackName, "--no-select", ...secretsProvider], workspace.workDir, workspace.envVars);
    };
    return workspace;
}

export function createPulumiWorkspace(pulumiCommand: PulumiCommand, settings: PulumiWorkspaceSettings): StackWorkspace {
    const removals = new SelectionLock();
    const settingsFile = workspaceSettingsFile(settings.projectDir, settings.projectName, settings.env.PULUMI_HOME);
    let existing: Promise<Set<string>> | undefined;
    const open = async (stackName: string, mode: OpenMode): Promise<StackHandle> => {
        const name = fullyQualified(settings.organization, settings.projectName, stackName);
        const context = { stack: stackName, backendUrl: settings.backendUrl };
        try {
            const known = await (existing ??= existingStacks(pulumiCommand, settings.projectDir, settings.env));
            const workspace = withoutSelecting(
                await LocalWorkspace.create({
                    workDir: settings.projectDir,
                    pulumiCommand,
                    secretsProvider: settings.secretsProviders[stackName],
                    envVars: { ...settings.env, ...settings.stackEnv[stackName], CROSS_ACCOUNT_PIPELINE_RUN_DIR: settings.runDir },
                }),
            );
            if (known.has(name)) {
                return new PulumiStackHandle(await Stack.select(name, workspace), context, settings, true);
            }
            if (mode === "select") {
                throw describeFailure(new Error(`no stack named '${name}' found`), context);
            }
            if (mode === "create-or-select") {
                const created = await Stack.create(name, workspace);
                known.add(name);
                return new PulumiStackHandle(created, context, settings, true);
            }
            // `stack init` writes the passphrase provider's `encryptionsalt` into the stack file.
            const restoreStackFile = keepFile(settings.stackFiles[stackName]);
            const stack = await Stack.create(name, workspace);
            return new PulumiStackHandle(stack, context, settings, false, async () => {
                await removals.run(async () => {
                    const restoreSelection = keepFile(settingsFile);
                    try {
                        await workspace.removeStack(name, { preserveConfig: true });
                    } finally {
                        restoreSelection();
                    }
                });
                restoreStackFile();
            });
        } catch (error) {
            throw describeFailure(error, context);
        }
    };
    const opened = new Map<string, Promise<StackHandle>>();
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
            const known = opened.get(stackName);
            if (known) {
                return known;
            }
            const handle = open(stackName, mode);
            opened.set(stackName, handle);
            // Only an existing stack stays known; a temporary record is gone after release().
            handle.then(
                (stack) => !stack.existed && opened.delete(stackName),
                () => opened.delete(stackName),
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

    /**
     * The stack's credentials were given to the driver: they reach its providers through the program
     * (config/index.ts), which `destroy` and `refresh` run only when asked (`--run-program`), using the provider
     * configuration kept in the state otherwise.
     */
    private get runProgram(): { runProgram?: true } {
        return this.settings.stackEnv[this.context.stack]?.[driverCredentialsVariable] ? { runProgram: true } : {};
    }

    async preview(listener: StackListener, signal?: AbortSignal): Promise<ChangeReport> {
        const { policyPacks, stackFiles } = this.settings;
        // A preview writes nothing of the user's: yet the CLI saves a new `encryptionsalt` into a
        // passphrase stack's file that has none (pulumi/pulumi `GetSecretsManager`, "must save").
        const restoreStackFile = keepFile(stackFiles[this.context.stack]);
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
                (options) => this.stack.destroy({ ...options, excludeProtected: true, ...this.runProgram }),
                (result) => result.summary.resourceChanges,
            )
        ).report;
    }

    async refresh(listener: StackListener, signal?: AbortSignal): Promise<ChangeReport> {
        return (await this.operate(listener, signal, (options) => this.stack.refresh({ ...options, ...this.runProgram }), (result) => result.summary.resourceChanges))
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
            // One step per resource and kind: the SDK's tail of an event-log file (a CLI before 3.206) may hand an event over twice.
            const seen = new Set<string>();
            const stdout = lineSplitter((line) => listener.line(line));
            const stderr = lineSplitter((line) => listener.line(line));
            const onEvent = (event: EngineEvent): void => {
                const step = event.resourcePreEvent?.metadata;
                const change = step && resourceChangeOf(step);
                if (change && !seen.has(`${step.op} ${step.urn}`)) {
                    seen.add(`${step.op} ${step.urn}`);
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

/** Every kind of step, counted (0 for those that did not occur). */
export function countChanges(opMap: OpMap | undefined): ChangeCounts {
    return changeCounts(opMap);
}

/** The two halves of a replacement, which its `replace` step already stands for in a list of resources. */
const REPLACEMENT_HALVES: readonly string[] = ["create-replacement", "delete-replaced"] satisfies ChangeOp[];

/**
 * The resource a step changes: every step but `same`, `read` (a StackReference or a `get` reads on every run; the
 * CLI shows reads only with --show-reads, and counts one only when what it read changed) and the halves of a
 * replacement (and the engine's own bookkeeping steps, which are no step kind).
 */
export function resourceChangeOf(step: Pick<StepEventMetadata, "op" | "urn" | "type">): ResourceChange | undefined {
    if (!(step.op in STEP_KINDS) || step.op === "same" || step.op === "read" || REPLACEMENT_HALVES.includes(step.op)) {
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
