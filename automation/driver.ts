// The driver: which stacks run in which order, how many at once, what stops what, the destroy
// guard and the role ARN cross-check. It only knows the StackWorkspace interface.

import { crossCheckRoleArns, RoleArnCheck } from "./crossCheck";
import { messageOf, StackFailure } from "./errors";
import { StackDefinition, StackRole } from "./stackFiles";
import { ChangeCounts, ChangeReport, ResourceChange, StackListener, StackOutputs, StackWorkspace } from "./stackWorkspace";

export type Operation = "preview" | "up" | "destroy" | "refresh" | "outputs";

export type StackStatus = "succeeded" | "failed" | "skipped" | "refused";

export interface StackResult {
    stack: string;
    role: StackRole;
    status: StackStatus;
    seconds: number;
    changes?: ChangeCounts;
    /** The resources that change (a preview lists what it would change). */
    resources?: ResourceChange[];
    /** After `up` and `outputs`. */
    outputs?: StackOutputs;
    /** Why the stack failed, was skipped or was refused. */
    message?: string;
}

export interface RunReport {
    operation: Operation;
    /** No stack failed or was refused, and every role ARN check passed. */
    ok: boolean;
    stacks: StackResult[];
    /** After `up`: one entry per target of every target (or `all`) stack that was updated. */
    roleArnChecks: RoleArnCheck[];
    /** Set when `up` with a confirmation step applied nothing; `stacks` are then the previews. */
    notApplied?: string;
}

export type DriverEvent =
    | { type: "planned"; operation: Operation; phases: string[][] }
    | { type: "started"; operation: Operation; stack: string }
    | { type: "output"; stack: string; line: string }
    | { type: "progress"; stack: string; resourcesDone: number }
    | { type: "finished"; operation: Operation; result: StackResult };

export interface DriverRequest {
    operation: Operation;
    stacks: readonly StackDefinition[];
    /** Every stack of the project: the destroy guard also looks at target stacks outside the run. */
    projectStacks: readonly StackDefinition[];
    /** How many stacks of one phase run at the same time. */
    concurrency: number;
    /** Destroy a pipeline stack even while a target stack that reads it still has resources. */
    force?: boolean;
    onEvent?: (event: DriverEvent) => void;
}

/** Shown the preview of every stack; resolves true to apply. */
export type ConfirmApply = (preview: RunReport) => Promise<boolean>;

/**
 * The phases of a run, each a set of stacks that may run together. The pipeline stack (and any
 * `all` stack, which needs no other) comes before the targets that read it; destroy reverses that.
 */
export function planPhases(stacks: readonly StackDefinition[], operation: Operation): StackDefinition[][] {
    if (operation === "outputs") {
        return stacks.length > 0 ? [[...stacks]] : [];
    }
    const pipelines = stacks.filter((stack) => stack.role !== "target");
    const targets = stacks.filter((stack) => stack.role === "target");
    const phases = operation === "destroy" ? [targets, pipelines] : [pipelines, targets];
    return phases.filter((phase) => phase.length > 0);
}

/** The reason to refuse destroying a pipeline stack, or undefined when no target stack still holds resources. */
export function destroyGuardRefusal(resourceCounts: readonly { stack: string; count: number }[]): string | undefined {
    const holding = resourceCounts.filter(({ count }) => count > 0);
    if (holding.length === 0) {
        return undefined;
    }
    const list = holding.map(({ stack, count }) => `${stack} (${count} resources)`).join(", ");
    return (
        `not destroyed: target stacks that read it still have resources: ${list}; ` +
        "destroy them first, or force it (--force, or force: true in the library)"
    );
}

export async function runOperation(workspace: StackWorkspace, request: DriverRequest): Promise<RunReport> {
    const emit = request.onEvent ?? (() => undefined);
    const phases = planPhases(request.stacks, request.operation);
    emit({ type: "planned", operation: request.operation, phases: phases.map((phase) => phase.map((s) => s.name)) });

    const results: StackResult[] = [];
    for (const phase of phases) {
        const blockers = results.filter((result) => result.status === "failed" || result.status === "refused");
        if (blockers.length > 0) {
            // A target reads its pipeline stack's outputs (and destroying a pipeline stack under live
            // targets strands them), so nothing runs after a failed phase.
            const message = `not run because ${blockers.map((b) => `${b.stack} ${b.status}`).join(", ")}`;
            for (const stack of phase) {
                const result: StackResult = { stack: stack.name, role: stack.role, status: "skipped", seconds: 0, message };
                emit({ type: "finished", operation: request.operation, result });
                results.push(result);
            }
            continue;
        }
        results.push(...(await runBounded(phase, request.concurrency, (stack) => runStack(workspace, request, stack))));
    }

    const roleArnChecks = request.operation === "up" ? await checkRoleArns(workspace, request.stacks, results) : [];
    const ok =
        results.every((result) => result.status === "succeeded" || result.status === "skipped") &&
        roleArnChecks.every((check) => check.problem === undefined);
    return { operation: request.operation, ok, stacks: results, roleArnChecks };
}

/** `up` that first previews every stack and applies only when `confirm` says so. */
export async function upAfterConfirmation(
    workspace: StackWorkspace,
    request: DriverRequest,
    confirm: ConfirmApply,
): Promise<RunReport> {
    const preview = await runOperation(workspace, { ...request, operation: "preview" });
    if (!preview.ok) {
        return { ...preview, notApplied: "a preview failed" };
    }
    if (!(await confirm(preview))) {
        return { ...preview, ok: false, notApplied: "not confirmed" };
    }
    return runOperation(workspace, { ...request, operation: "up" });
}

/** Runs `run` over `items`, at most `limit` at a time; results keep the order of `items`. */
export async function runBounded<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < items.length) {
            const index = next++;
            results[index] = await run(items[index]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

type StackOutcome = Omit<StackResult, "stack" | "role" | "seconds">;
type StackTask = (
    workspace: StackWorkspace,
    request: DriverRequest,
    stack: StackDefinition,
    listener: StackListener,
) => Promise<StackOutcome>;

const succeeded = (report: ChangeReport | { outputs: StackOutputs }): StackOutcome => ({ status: "succeeded", ...report });

const STACK_TASKS: Record<Operation, StackTask> = {
    // Preview and up create a missing stack record (it holds no resources) so a first deployment can be previewed.
    preview: async (workspace, _request, stack, listener) =>
        succeeded(await (await workspace.openStack(stack.name, "create-or-select")).preview(listener)),
    up: async (workspace, _request, stack, listener) =>
        succeeded(await (await workspace.openStack(stack.name, "create-or-select")).up(listener)),
    refresh: async (workspace, _request, stack, listener) =>
        succeeded(await (await workspace.openStack(stack.name, "select")).refresh(listener)),
    outputs: async (workspace, _request, stack) =>
        succeeded({ outputs: await (await workspace.openStack(stack.name, "select")).outputs() }),
    destroy: destroyStack,
};

async function runStack(workspace: StackWorkspace, request: DriverRequest, stack: StackDefinition): Promise<StackResult> {
    const emit = request.onEvent ?? (() => undefined);
    const startedAt = Date.now();
    emit({ type: "started", operation: request.operation, stack: stack.name });
    let resourcesDone = 0;
    const listener: StackListener = {
        line: (line) => emit({ type: "output", stack: stack.name, line }),
        resourceDone: () => emit({ type: "progress", stack: stack.name, resourcesDone: ++resourcesDone }),
    };
    let outcome: StackOutcome;
    try {
        outcome = await STACK_TASKS[request.operation](workspace, request, stack, listener);
    } catch (error) {
        outcome = { status: "failed", message: messageOf(error) };
    }
    const result: StackResult = { stack: stack.name, role: stack.role, seconds: (Date.now() - startedAt) / 1000, ...outcome };
    emit({ type: "finished", operation: request.operation, result });
    return result;
}

async function destroyStack(
    workspace: StackWorkspace,
    request: DriverRequest,
    stack: StackDefinition,
    listener: StackListener,
): Promise<StackOutcome> {
    if (stack.role === "pipeline" && !request.force) {
        const refusal = await targetsStillHoldingResources(workspace, request.projectStacks, stack.name).catch(
            (error: unknown) => `not destroyed: cannot tell whether its target stacks still have resources: ${messageOf(error)}`,
        );
        if (refusal !== undefined) {
            return { status: "refused", message: refusal };
        }
    }
    const handle = await workspace.openStack(stack.name, "select").catch((error: unknown) => {
        if (isStackNotFound(error)) {
            return undefined;
        }
        throw error;
    });
    if (handle === undefined) {
        return { status: "skipped", message: "the stack does not exist in the backend: nothing to destroy" };
    }
    return succeeded(await handle.destroy(listener));
}

async function targetsStillHoldingResources(
    workspace: StackWorkspace,
    projectStacks: readonly StackDefinition[],
    pipelineStack: string,
): Promise<string | undefined> {
    const dependents = projectStacks.filter((stack) => stack.role === "target" && stack.pipelineStack === pipelineStack);
    const counts = await Promise.all(
        dependents.map(async ({ name }) => ({ stack: name, count: await resourceCountOf(workspace, name) })),
    );
    return destroyGuardRefusal(counts);
}

async function resourceCountOf(workspace: StackWorkspace, stackName: string): Promise<number> {
    try {
        return await (await workspace.openStack(stackName, "select")).resourceCount();
    } catch (error) {
        if (isStackNotFound(error)) {
            return 0;
        }
        throw error;
    }
}

/**
 * After `up`: every updated target (or `all`) stack's exported role ARNs against what its pipeline
 * stack assumes. A pipeline stack outside the run has its outputs read from the backend.
 */
async function checkRoleArns(
    workspace: StackWorkspace,
    stacks: readonly StackDefinition[],
    results: readonly StackResult[],
): Promise<RoleArnCheck[]> {
    const outputsByStack = new Map<string, Promise<StackOutputs>>();
    for (const result of results) {
        if (result.outputs !== undefined) {
            outputsByStack.set(result.stack, Promise.resolve(result.outputs));
        }
    }
    const outputsOf = (stackName: string): Promise<StackOutputs> => {
        if (!outputsByStack.has(stackName)) {
            outputsByStack.set(stackName, workspace.openStack(stackName, "select").then((handle) => handle.outputs()));
        }
        return outputsByStack.get(stackName)!;
    };
    const updated = stacks.filter(
        (stack) => stack.role !== "pipeline" && results.some((r) => r.stack === stack.name && r.status === "succeeded"),
    );
    const checks = await Promise.all(
        updated.map(async (stack) => {
            const pipelineStack = stack.role === "target" ? stack.pipelineStack : stack.name;
            try {
                const [targetOutputs, pipelineOutputs] = await Promise.all([outputsOf(stack.name), outputsOf(pipelineStack)]);
                return crossCheckRoleArns(stack.name, targetOutputs, pipelineStack, pipelineOutputs);
            } catch (error) {
                const problem = `cannot read the outputs of ${pipelineStack}: ${messageOf(error)}`;
                return [{ targetStack: stack.name, pipelineStack, problem }];
            }
        }),
    );
    return checks.flat();
}

function isStackNotFound(error: unknown): boolean {
    return error instanceof StackFailure && error.kind === "stack-not-found";
}
