// The StackWorkspace interface on the Pulumi Automation API: one LocalWorkspace per stack (so each
// stack's Pulumi process gets its own account's credentials) over the project directory.

import {
    EngineEvent,
    LocalWorkspace,
    OpMap,
    OutputMap,
    PulumiCommand,
    Stack,
    StepEventMetadata,
} from "@pulumi/pulumi/automation";
import { DriverError } from "./errors";
import { describeFailure, FailureContext, PULUMI_INSTALL_HINT } from "./failures";
import { BackendSettings } from "./environment";
import {
    ChangeCounts,
    ChangeOp,
    ChangeReport,
    OpenMode,
    ResourceChange,
    StackHandle,
    StackListener,
    StackOutputs,
    StackWorkspace,
} from "./stackWorkspace";

export interface PulumiWorkspaceSettings {
    projectDir: string;
    backend: BackendSettings;
    /** Extra environment per stack name: that stack's account credentials. */
    stackEnv: Record<string, Record<string, string>>;
}

/** Finds the Pulumi CLI once (a missing CLI stops the run before any stack starts) and opens stacks with it. */
export async function createPulumiWorkspace(settings: PulumiWorkspaceSettings): Promise<StackWorkspace> {
    let pulumiCommand: PulumiCommand;
    try {
        pulumiCommand = await PulumiCommand.get();
    } catch (error) {
        const failure = describeFailure(error, { stack: "", backendUrl: settings.backend.backendUrl });
        throw new DriverError(
            failure.kind === "pulumi-cli-missing"
                ? failure.message
                : `the Pulumi CLI cannot be run: ${failure.message}; ${PULUMI_INSTALL_HINT}`,
        );
    }
    return {
        async openStack(stackName: string, mode: OpenMode): Promise<StackHandle> {
            const context = { stack: stackName, backendUrl: settings.backend.backendUrl };
            try {
                const workspace = await LocalWorkspace.create({
                    workDir: settings.projectDir,
                    pulumiCommand,
                    secretsProvider: settings.backend.secretsProvider,
                    envVars: { ...settings.backend.env, ...settings.stackEnv[stackName] },
                });
                const stack =
                    mode === "select" ? await Stack.select(stackName, workspace) : await Stack.createOrSelect(stackName, workspace);
                return new PulumiStackHandle(stack, context);
            } catch (error) {
                throw describeFailure(error, context);
            }
        },
    };
}

/** The options that stream a running operation to a listener; the same for preview, up, destroy and refresh. */
interface StreamOptions {
    color: "never";
    onOutput: (chunk: string) => void;
    onError: (chunk: string) => void;
    onEvent: (event: EngineEvent) => void;
}

class PulumiStackHandle implements StackHandle {
    constructor(
        private readonly stack: Stack,
        private readonly context: FailureContext,
    ) {}

    async preview(listener: StackListener): Promise<ChangeReport> {
        return (await this.operate(listener, (options) => this.stack.preview(options), (result) => result.changeSummary)).report;
    }

    async up(listener: StackListener): Promise<ChangeReport & { outputs: StackOutputs }> {
        const { result, report } = await this.operate(
            listener,
            (options) => this.stack.up(options),
            (upResult) => upResult.summary.resourceChanges,
        );
        return { ...report, outputs: plainOutputs(result.outputs) };
    }

    async destroy(listener: StackListener): Promise<ChangeReport> {
        return (await this.operate(listener, (options) => this.stack.destroy(options), (result) => result.summary.resourceChanges))
            .report;
    }

    async refresh(listener: StackListener): Promise<ChangeReport> {
        return (await this.operate(listener, (options) => this.stack.refresh(options), (result) => result.summary.resourceChanges))
            .report;
    }

    outputs(): Promise<StackOutputs> {
        return this.mapFailure(async () => plainOutputs(await this.stack.outputs()));
    }

    resourceCount(): Promise<number> {
        return this.mapFailure(async () => countManagedResources((await this.stack.exportStack()).deployment));
    }

    private operate<R>(
        listener: StackListener,
        run: (options: StreamOptions) => Promise<R>,
        opMapOf: (result: R) => OpMap | undefined,
    ): Promise<{ result: R; report: ChangeReport }> {
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
                const result = await run({ color: "never", onOutput: stdout.push, onError: stderr.push, onEvent });
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
    // urn:pulumi:<stack>::<project>::<type chain>::<name>
    const name = step.urn.split("::").slice(3).join("::");
    return { op: step.op as ChangeOp, type: step.type, name };
}

/** Resources in an exported deployment, leaving out the stack resource and providers, which every stack has. */
export function countManagedResources(deployment: unknown): number {
    const resources = (deployment as { resources?: { type?: string }[] } | undefined)?.resources ?? [];
    return resources.filter(({ type = "" }) => type !== "pulumi:pulumi:Stack" && !type.startsWith("pulumi:providers:")).length;
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
