// The driver: which stacks run in which order, how many at once, what stops what, the destroy
// guard and the role ARN cross-check. It only knows the StackWorkspace interface.
//
// The order comes from one kind of edge: "stack X reads stack Y" (X's StackReference to Y). Y must
// be up before X is previewed or updated, and X must be gone before Y is destroyed. In this
// project a pipeline stack reads its target stacks, so targets go first and are destroyed last.

import { setTimeout as sleep } from "timers/promises";
import { runBounded } from "./bounded";
import { crossCheckRoleArns, RoleArnCheck } from "./crossCheck";
import { DriverError, messageOf, StackFailure } from "./errors";
import { StackDefinition, StackRole } from "./stackFiles";
import {
    ChangeCounts,
    hasChanges,
    OperationNotStarted,
    ResourceChange,
    ResourceName,
    StackHandle,
    StackListener,
    StackOutputs,
    StackWorkspace,
} from "./stackWorkspace";

export type Operation = "preview" | "up" | "destroy" | "refresh" | "outputs";

export type StackStatus = "succeeded" | "failed" | "skipped" | "refused" | "interrupted";

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
    /** A preview of a stack that does not exist yet in the backend (previewed on a temporary record). */
    newStack?: boolean;
    /** What a preview could not know: it read outputs that a stack before it is about to change. */
    caveat?: string;
    /** After `destroy`: the protected resources it kept (and what they need). */
    kept?: ResourceName[];
    /** Why the stack failed, was skipped or was refused. */
    message?: string;
}

export interface RunReport {
    operation: Operation;
    /** No stack failed or was refused, everything asked was applied, and every role ARN check passed. */
    ok: boolean;
    stacks: StackResult[];
    /** `up`: the preview of every stack, made (with the policy pack) just before its phase was applied. */
    previews?: StackResult[];
    /** After `up`: one entry per pair of a pipeline stack and a target stack it reads (an `all` stack with itself). */
    roleArnChecks: RoleArnCheck[];
    /** `up`: why a phase was not applied (not confirmed, or a preview failed). */
    notApplied?: string;
    /** The run was cancelled (`signal`): what ran stopped at a safe point, nothing more started. */
    interrupted?: true;
}

export type DriverEvent =
    | { type: "planned"; operation: Operation; phases: string[][] }
    | { type: "started"; operation: Operation; stack: string }
    | { type: "output"; stack: string; line: string }
    | { type: "progress"; stack: string; resourcesDone: number }
    | { type: "finished"; operation: Operation; result: StackResult }
    /** `stacks`: how every stack is named, `<organization>/<project>/<stack>`. */
    | { type: "backend"; url: string; source: string; stacks: string }
    | { type: "note"; stack?: string; text: string };

/** One phase's previews, shown before it is applied. */
export interface PhasePreview {
    /** 1-based. */
    phase: number;
    phaseCount: number;
    stacks: StackResult[];
    /** The phases after this one; each is previewed (against this one's new outputs) and confirmed in turn. */
    later: string[][];
}

/** Shown a phase's previews; resolves true to apply that phase. */
export type ConfirmApply = (preview: PhasePreview) => Promise<boolean>;

/**
 * The waits before each new `up` of a pipeline stack whose UpdatePipeline could not yet assume a target's new role
 * (StackFailure "role-not-yet-assumable"). IAM changes are eventually consistent ("Changes that I make are not always
 * immediately visible", https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency);
 * the AWS provider gives CreatePipeline two minutes for it, and this gives UpdatePipeline as long, over three more tries.
 */
export const ROLE_PROPAGATION_RETRY_DELAYS_MS: readonly number[] = [15_000, 30_000, 75_000];

export interface DriverRequest {
    operation: Operation;
    stacks: readonly StackDefinition[];
    /** Every stack of the project: the destroy guard and the cross-check also look at stacks outside the run. */
    projectStacks: readonly StackDefinition[];
    /** How many stacks of one phase run at the same time. */
    concurrency: number;
    /** `destroy`: destroy a stack even while a stack outside the run still reads it and has resources. */
    force?: boolean;
    /** `up`: asked before each phase is applied; without it every phase is applied after its preview. */
    confirm?: ConfirmApply;
    onEvent?: (event: DriverEvent) => void;
    /** Cancels the run: nothing more starts, and each running operation is asked to stop at a safe point. */
    signal?: AbortSignal;
    /** After `signal`: the running operations were told to stop at once. */
    terminate?: AbortSignal;
    /** Default ROLE_PROPAGATION_RETRY_DELAYS_MS. */
    rolePropagationRetryDelaysMs?: readonly number[];
}

/**
 * The phases of a run, each a set of stacks that may run together, from the "reads" edges among
 * the stacks of the run. Preview, up and refresh: a stack runs after every stack it reads, and as
 * late as that allows (a stack nothing reads runs in the last phase). Destroy reverses that. A
 * stack outside the run orders nothing. Read cycles are an error.
 */
export function planPhases(stacks: readonly StackDefinition[], operation: Operation): StackDefinition[][] {
    if (stacks.length === 0) {
        return [];
    }
    if (operation === "outputs") {
        return [[...stacks]];
    }
    const readers = (name: string) => stacks.filter((stack) => stack.reads.includes(name));
    // depth = the longest chain of readers above a stack: 0 when no stack of the run reads it.
    const depth = new Map<string, number>();
    const depthOf = (stack: StackDefinition, path: string[]): number => {
        if (path.includes(stack.name)) {
            const cycle = [...path.slice(path.indexOf(stack.name)), stack.name].reverse();
            throw new DriverError(`stacks read each other in a cycle (${cycle.join(" reads ")}); no order can deploy them`);
        }
        if (!depth.has(stack.name)) {
            const above = readers(stack.name).map((reader) => depthOf(reader, [...path, stack.name]) + 1);
            depth.set(stack.name, Math.max(0, ...above));
        }
        return depth.get(stack.name)!;
    };
    stacks.forEach((stack) => depthOf(stack, []));
    const deepest = Math.max(...depth.values());
    const phases = Array.from({ length: deepest + 1 }, (_, level) =>
        stacks.filter((stack) => depth.get(stack.name) === deepest - level),
    );
    return (operation === "destroy" ? phases.reverse() : phases).filter((phase) => phase.length > 0);
}

/** The reason to refuse destroying a stack, or undefined when no stack that reads it still has resources. */
export function destroyGuardRefusal(readerStates: readonly { stack: string; destroyable: number }[]): string | undefined {
    const holding = readerStates.filter(({ destroyable }) => destroyable > 0);
    if (holding.length === 0) {
        return undefined;
    }
    const list = holding.map(({ stack, destroyable }) => `${stack} (${destroyable} resources)`).join(", ");
    return (
        `not destroyed: stacks that read it, and so still deploy to it, have resources: ${list}; ` +
        "destroy them first, or force it (--force, or force: true in the library)"
    );
}

export async function runOperation(workspace: StackWorkspace, request: DriverRequest): Promise<RunReport> {
    const emit = request.onEvent ?? (() => undefined);
    const phases = planPhases(request.stacks, request.operation);
    emit({ type: "planned", operation: request.operation, phases: phases.map((phase) => phase.map((s) => s.name)) });
    const run = new Run(workspace, request, emit);
    for (const [index, phase] of phases.entries()) {
        if (!(await run.phase(phase, index, phases))) {
            break;
        }
    }
    return run.report();
}

type StackOutcome = Omit<StackResult, "stack" | "role" | "seconds">;

/** One run: the results so far, and what stops a stack from running. */
class Run {
    private readonly results: StackResult[] = [];
    private readonly previews: StackResult[] = [];
    /** Stacks of the run that did not end as they should have: they stop the stacks that depend on them. */
    private readonly unfinished = new Set<string>();
    private notApplied?: string;

    constructor(
        private readonly workspace: StackWorkspace,
        private readonly request: DriverRequest,
        private readonly emit: (event: DriverEvent) => void,
    ) {}

    /** Runs one phase; false when the run stops here (`up` not applied, or the run interrupted). */
    async phase(phase: StackDefinition[], index: number, phases: StackDefinition[][]): Promise<boolean> {
        const { operation, concurrency, signal } = this.request;
        if (signal?.aborted) {
            phases.slice(index).flat().forEach((stack) => this.skip(stack, "not started: the run was interrupted"));
            return false;
        }
        const runnable = phase.filter((stack) => this.mayRun(stack));
        if (operation !== "up") {
            const results = await runBounded(runnable, concurrency, (stack) => this.runStack(operation, stack));
            results.forEach((result) => this.record(result));
            return true;
        }
        const previews = await runBounded(runnable, concurrency, (stack) => this.runStack("preview", stack));
        this.previews.push(...previews);
        const later = phases.slice(index + 1);
        const failed = previews.filter((preview) => preview.status !== "succeeded");
        if (failed.length > 0) {
            failed.forEach((preview) => this.record({ ...preview, message: `preview failed: ${preview.message}` }));
            this.stop(`the preview of ${failed.map((p) => p.stack).join(", ")} failed`, runnable, failed, later);
            return false;
        }
        const confirm = this.request.confirm;
        if (confirm && !(await confirm({ phase: index + 1, phaseCount: phases.length, stacks: previews, later: names(later) }))) {
            this.stop("not confirmed", runnable, [], later);
            return false;
        }
        if (signal?.aborted) {
            this.stop("the run was interrupted", runnable, [], later);
            return false;
        }
        const results = await runBounded(runnable, concurrency, (stack) => this.runStack("up", stack));
        results.forEach((result) => this.record(result));
        return true;
    }

    async report(): Promise<RunReport> {
        const { operation } = this.request;
        const roleArnChecks = operation === "up" ? await this.checkRoleArns() : [];
        const interrupted = this.request.signal?.aborted === true;
        const ok =
            !interrupted &&
            this.notApplied === undefined &&
            this.results.every((result) => result.status === "succeeded" || (result.status === "skipped" && !this.unfinished.has(result.stack))) &&
            roleArnChecks.every((check) => check.problem === undefined);
        return {
            operation,
            ok,
            stacks: this.results,
            ...(operation === "up" ? { previews: this.previews } : {}),
            roleArnChecks,
            ...(this.notApplied !== undefined ? { notApplied: this.notApplied } : {}),
            ...(interrupted ? { interrupted: true as const } : {}),
        };
    }

    /** True when `stack` may run; otherwise records why it is skipped. */
    private mayRun(stack: StackDefinition): boolean {
        if (this.request.signal?.aborted) {
            this.skip(stack, "not started: the run was interrupted");
            return false;
        }
        const blockers = this.blockersOf(stack);
        if (blockers.length > 0) {
            this.skip(stack, `not run because ${blockers.join(", ")}`);
            return false;
        }
        const { operation } = this.request;
        if (operation === "preview") {
            // A stack that reads a stack not deployed yet cannot be previewed: its StackReference
            // has nothing to read. It is previewed by `up`, once that stack is up.
            const notDeployed = this.resultsOf(stack.reads).filter((preview) => preview.newStack);
            if (notDeployed.length > 0) {
                const list = notDeployed.map((p) => p.stack).join(", ");
                this.skip(
                    stack,
                    `not previewed: it reads ${list}, which ${notDeployed.length > 1 ? "are" : "is"} not deployed yet; ` +
                        `\`--up\` previews it once ${list} ${notDeployed.length > 1 ? "are" : "is"} up, and asks before applying it`,
                    false,
                );
                return false;
            }
        }
        return true;
    }

    /** The stacks of the run whose outcome stops `stack`, worded for its message. */
    private blockersOf(stack: StackDefinition): string[] {
        const { operation, stacks } = this.request;
        const before =
            operation === "destroy"
                ? stacks.filter((other) => other.reads.includes(stack.name)).map((other) => other.name)
                : stack.reads;
        return this.results
            .filter((result) => before.includes(result.stack) && this.unfinished.has(result.stack))
            .map((result) => `${result.stack} ${result.status}`);
    }

    private resultsOf(stackNames: readonly string[]): StackResult[] {
        return this.results.filter((result) => stackNames.includes(result.stack));
    }

    private skip(stack: StackDefinition, message: string, blocking = true): void {
        const result: StackResult = { stack: stack.name, role: stack.role, status: "skipped", seconds: 0, message };
        this.emit({ type: "finished", operation: this.request.operation, result });
        this.record(result, blocking);
    }

    /** `blocking`: the stacks that depend on this one do not run (a failure does, a stack with nothing to destroy does not). */
    private record(result: StackResult, blocking = result.status === "failed" || result.status === "refused"): void {
        this.results.push(result);
        if (blocking) {
            this.unfinished.add(result.stack);
        }
    }

    /** `up` stops: the rest of this phase and every later phase is not applied. */
    private stop(reason: string, phase: StackDefinition[], failed: StackResult[], later: StackDefinition[][]): void {
        this.notApplied = reason;
        phase
            .filter((stack) => !failed.some((result) => result.stack === stack.name))
            .forEach((stack) => this.skip(stack, `not applied: ${reason}`));
        later.flat().forEach((stack) => this.skip(stack, `not applied: ${reason}`));
    }

    private async runStack(operation: Operation, stack: StackDefinition): Promise<StackResult> {
        if (this.request.signal?.aborted) {
            // A stack that waited for a free slot: not even opened, so no record is created for it.
            const result: StackResult = { stack: stack.name, role: stack.role, status: "skipped", seconds: 0, message: new OperationNotStarted().message };
            this.emit({ type: "finished", operation, result });
            return result;
        }
        const startedAt = Date.now();
        this.emit({ type: "started", operation, stack: stack.name });
        let resourcesDone = 0;
        const listener: StackListener = {
            line: (line) => this.emit({ type: "output", stack: stack.name, line }),
            resourceDone: () => this.emit({ type: "progress", stack: stack.name, resourcesDone: ++resourcesDone }),
        };
        let outcome: StackOutcome;
        try {
            outcome = await this.task(operation, stack, listener);
        } catch (error) {
            outcome =
                error instanceof OperationNotStarted ? { status: "skipped", message: error.message }
                : this.request.signal?.aborted ? this.interruptedOutcome(stack)
                : { status: "failed", message: messageOf(error) };
        }
        const result: StackResult = { stack: stack.name, role: stack.role, seconds: (Date.now() - startedAt) / 1000, ...outcome };
        this.emit({ type: "finished", operation, result });
        return result;
    }

    /** How a stack ends when the run was interrupted while it ran: cleanly, or at once, and what that leaves. */
    private interruptedOutcome(stack: StackDefinition): StackOutcome {
        return this.request.terminate?.aborted
            ? {
                status: "interrupted",
                message: "terminated at once: its state may hold pending operations and a lock; `pulumi cancel` (if it says the stack is locked), " +
                    `then \`pulumi refresh -s ${stack.name}\`, which offers to clear the pending operations, before the next run`,
            }
            : { status: "interrupted", message: "the Pulumi CLI stopped at a safe point, its state consistent; run the operation again to finish it" };
    }

    private async task(operation: Operation, stack: StackDefinition, listener: StackListener): Promise<StackOutcome> {
        const open = (mode: "select" | "create-or-select") => this.workspace.openStack(stack.name, mode);
        const { signal } = this.request;
        switch (operation) {
            case "preview":
                return this.preview(stack, listener);
            case "up":
                return this.up(await open("create-or-select"), stack, listener);
            case "refresh":
                return { status: "succeeded", ...(await (await open("select")).refresh(listener, signal)) };
            case "outputs":
                return { status: "succeeded", outputs: await (await open("select")).outputs() };
            case "destroy":
                return this.destroy(stack, listener);
        }
    }

    /**
     * An update; a pipeline stack's is run again while UpdatePipeline cannot yet assume a role that was just created
     * or changed, a bounded number of times: the engine keeps what the failed update did, so the next one only retries
     * what is left, the pipeline first.
     */
    private async up(handle: StackHandle, stack: StackDefinition, listener: StackListener): Promise<StackOutcome> {
        const { signal } = this.request;
        const delays = this.request.rolePropagationRetryDelaysMs ?? ROLE_PROPAGATION_RETRY_DELAYS_MS;
        for (let retry = 0; ; retry++) {
            try {
                return { status: "succeeded", ...(await handle.up(listener, signal)) };
            } catch (error) {
                if (!(error instanceof StackFailure && error.kind === "role-not-yet-assumable")) {
                    throw error;
                }
                if (retry === delays.length) {
                    const waited = delays.reduce((sum, delay) => sum + delay, 0) / 1000;
                    throw new StackFailure(error.kind, `${error.message}; still so after ${delays.length} more tries over ${waited} s: ` +
                        "check that each target stack is up and that its roles trust this pipeline's role (npm run plan shows both)");
                }
                this.emit({
                    type: "note",
                    stack: stack.name,
                    text: `${error.message}: trying the update again in ${delays[retry] / 1000} s (${retry + 1} of ${delays.length})`,
                });
                await sleep(delays[retry], undefined, { signal });
            }
        }
    }

    /** A preview that leaves nothing behind: a stack not in the backend yet is previewed on a temporary record. */
    private async preview(stack: StackDefinition, listener: StackListener): Promise<StackOutcome> {
        const handle = await this.workspace.openStack(stack.name, "select-or-temporary");
        try {
            const report = await handle.preview(listener, this.request.signal);
            return { status: "succeeded", ...report, ...(handle.existed ? {} : { newStack: true }), ...this.caveatOf(stack) };
        } finally {
            await handle.release();
        }
    }

    /** In a plain preview: the stacks this one reads that have changes to apply make its preview provisional. */
    private caveatOf(stack: StackDefinition): { caveat?: string } {
        if (this.request.operation !== "preview") {
            return {}; // `up` previews a stack only after the stacks it reads are up
        }
        const changing = this.resultsOf(stack.reads).filter(({ changes }) => changes !== undefined && hasChanges(changes));
        if (changing.length === 0) {
            return {};
        }
        const list = changing.map((p) => p.stack).join(", ");
        return {
            caveat:
                `computed from the current outputs of ${list}, which ${changing.length > 1 ? "have" : "has"} changes to apply: ` +
                `what ${stack.name} changes may differ once ${list} ${changing.length > 1 ? "are" : "is"} up (\`--up\` previews it again then)`,
        };
    }

    private async destroy(stack: StackDefinition, listener: StackListener): Promise<StackOutcome> {
        if (!this.request.force) {
            const refusal = await this.readersStillDeploying(stack).catch(
                (error: unknown) => `not destroyed: cannot tell whether the stacks that read it still have resources: ${messageOf(error)}`,
            );
            if (refusal !== undefined) {
                return { status: "refused", message: refusal };
            }
        }
        const handle = await this.selectIfExists(stack.name);
        if (handle === undefined) {
            return { status: "skipped", message: "the stack does not exist in the backend: nothing to destroy" };
        }
        const report = await handle.destroy(listener, this.request.signal);
        const { kept } = await handle.state();
        if (kept.length === 0) {
            return { status: "succeeded", ...report };
        }
        return {
            status: "succeeded",
            ...report,
            kept,
            message:
                `kept ${kept.length} protected resource${kept.length > 1 ? "s" : ""} (and what they need): ` +
                `${kept.map(({ name }) => name).join(", ")}; see docs/operations.md#tear-down-for-good to delete them on purpose`,
        };
    }

    /**
     * Stacks outside the run that read `stack` and still have resources a destroy would delete.
     * Those in the run were destroyed in an earlier phase (or their failure skips this one).
     */
    private async readersStillDeploying(stack: StackDefinition): Promise<string | undefined> {
        const inRun = new Set(this.request.stacks.map((s) => s.name));
        const readers = this.request.projectStacks.filter((other) => other.reads.includes(stack.name) && !inRun.has(other.name));
        const states = await Promise.all(
            readers.map(async ({ name }) => {
                const handle = await this.selectIfExists(name);
                return { stack: name, destroyable: handle === undefined ? 0 : (await handle.state()).destroyable };
            }),
        );
        return destroyGuardRefusal(states);
    }

    private async selectIfExists(stackName: string): Promise<StackHandle | undefined> {
        try {
            return await this.workspace.openStack(stackName, "select");
        } catch (error) {
            if (error instanceof StackFailure && error.kind === "stack-not-found") {
                return undefined;
            }
            throw error;
        }
    }

    /**
     * After `up`: for every pipeline stack and each target stack it reads, the target's exported
     * role ARNs against what the pipeline assumes (an `all` stack against itself). A pair is
     * checked when this run updated its pipeline stack, or updated the target stack of a pipeline
     * stack outside the run; then a pipeline stack that has not caught up is what to run next.
     */
    private async checkRoleArns(): Promise<RoleArnCheck[]> {
        const succeeded = new Set(this.results.filter((r) => r.status === "succeeded").map((r) => r.stack));
        const inRun = new Set(this.request.stacks.map((s) => s.name));
        const outputsByStack = new Map<string, Promise<StackOutputs | undefined>>();
        for (const result of this.results) {
            if (result.outputs !== undefined) {
                outputsByStack.set(result.stack, Promise.resolve(result.outputs));
            }
        }
        const outputsOf = (stackName: string): Promise<StackOutputs | undefined> => {
            if (!outputsByStack.has(stackName)) {
                outputsByStack.set(stackName, this.selectIfExists(stackName).then((handle) => handle?.outputs()));
            }
            return outputsByStack.get(stackName)!;
        };
        const known = new Set(this.request.projectStacks.map((s) => s.name));
        const pairs: { pipeline: string; target: string; pipelineInRun: boolean }[] = [];
        for (const stack of this.request.projectStacks) {
            if (stack.role === "all" && succeeded.has(stack.name)) {
                pairs.push({ pipeline: stack.name, target: stack.name, pipelineInRun: true });
            }
            for (const target of stack.reads.filter((name) => known.has(name))) {
                const pipelineInRun = inRun.has(stack.name);
                if (pipelineInRun ? succeeded.has(stack.name) : succeeded.has(target)) {
                    pairs.push({ pipeline: stack.name, target, pipelineInRun });
                }
            }
        }
        const checks = await Promise.all(
            pairs.map(async ({ pipeline, target, pipelineInRun }) => {
                const next = `run it next: npm run deploy -- --up --stack ${pipeline}`;
                try {
                    const [targetOutputs, pipelineOutputs] = await Promise.all([outputsOf(target), outputsOf(pipeline)]);
                    if (pipelineOutputs === undefined || targetOutputs === undefined) {
                        const missing = pipelineOutputs === undefined ? pipeline : target;
                        const base = { targetStack: target, pipelineStack: pipeline };
                        return pipelineInRun || missing === target
                            ? [{ ...base, problem: `stack ${missing} does not exist in the backend` }]
                            : [{ ...base, pending: `${pipeline} reads ${target} and is not deployed yet; ${next}` }];
                    }
                    const results = crossCheckRoleArns(target, targetOutputs, pipeline, pipelineOutputs);
                    // A pipeline stack outside the run has not read the target's new outputs yet.
                    return pipelineInRun
                        ? results
                        : results.map(({ problem, ...check }) => (problem === undefined ? check : { ...check, pending: `${problem}; ${next}` }));
                } catch (error) {
                    return [{ targetStack: target, pipelineStack: pipeline, problem: `cannot read the outputs: ${messageOf(error)}` }];
                }
            }),
        );
        return checks.flat();
    }
}

function names(phases: readonly StackDefinition[][]): string[][] {
    return phases.map((phase) => phase.map((stack) => stack.name));
}
