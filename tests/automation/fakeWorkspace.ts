// A StackWorkspace that records every call, in order, and can delay or fail any of them.

import { StackFailure } from "../../automation/errors";
import { StackDefinition } from "../../automation/stackFiles";
import {
    ChangeCounts,
    changeCounts,
    ChangeReport,
    OpenMode,
    OperationNotStarted,
    ResourceChange,
    ResourceName,
    StackHandle,
    StackListener,
    StackOutputs,
    StackWorkspace,
} from "../../automation/stackWorkspace";

export type FakeAction = "preview" | "up" | "destroy" | "refresh" | "outputs" | "config" | "state" | "release";

export interface FakeStack {
    /** How long each operation takes. */
    delayMs?: number;
    /** Throw this from the named operation (after the delay); a list: one per call, in order, then succeed. */
    failures?: Partial<Record<FakeAction, Error | Error[]>>;
    /** False: `select` fails with stack-not-found, `select-or-temporary` gives a temporary record. Default true. */
    exists?: boolean;
    changes?: Partial<ChangeCounts>;
    resources?: ResourceChange[];
    outputs?: StackOutputs;
    /** Resources a destroy would delete; destroy sets it to 0. */
    destroyable?: number;
    /** Protected resources destroy keeps. */
    kept?: ResourceName[];
    /** Lines the operation prints. */
    lines?: string[];
}

export interface RecordedCall {
    stack: string;
    action: FakeAction | "open";
    mode?: OpenMode;
    event: "start" | "end";
}

export class FakeWorkspace implements StackWorkspace {
    readonly calls: RecordedCall[] = [];
    /** The stacks whose running operation was told to stop: once when the run's signal aborted, again on terminateRunning. */
    readonly interrupted: string[] = [];
    private readonly runningStacks = new Set<string>();
    private readonly listening = new Map<FakeAction, number>();
    private waiting: { action: FakeAction; count: number; resolve: () => void }[] = [];
    /** Most operations (preview/up/destroy/refresh) that were running at the same moment. */
    maxRunning = 0;
    private running = 0;

    constructor(private readonly stacks: Record<string, FakeStack>) {}

    async openStack(stackName: string, mode: OpenMode): Promise<StackHandle> {
        this.calls.push({ stack: stackName, action: "open", mode, event: "start" });
        const stack = (this.stacks[stackName] ??= {});
        const existed = stack.exists !== false;
        if (!existed && mode === "select") {
            throw new StackFailure("stack-not-found", `stack ${stackName} does not exist yet`);
        }
        if (!existed && mode === "create-or-select") {
            stack.exists = true;
        }
        const operate = (action: FakeAction, listener: StackListener, signal?: AbortSignal): Promise<ChangeReport> =>
            this.track(stackName, action, true, signal, async () => {
                (stack.lines ?? []).forEach((line) => listener.line(line));
                listener.resourceDone();
                if (action === "destroy") {
                    stack.destroyable = 0;
                }
                return { changes: changeCounts(stack.changes), resources: stack.resources ?? [] };
            });
        return {
            existed,
            preview: (listener, signal) => operate("preview", listener, signal),
            up: async (listener, signal) => ({ ...(await operate("up", listener, signal)), outputs: stack.outputs ?? {} }),
            destroy: (listener, signal) => operate("destroy", listener, signal),
            refresh: (listener, signal) => operate("refresh", listener, signal),
            outputs: () => this.track(stackName, "outputs", false, undefined, async () => stack.outputs ?? {}),
            config: () => this.track(stackName, "config", false, undefined, async () => ({})),
            state: () => this.track(stackName, "state", false, undefined, async () => ({ destroyable: stack.destroyable ?? 0, kept: stack.kept ?? [] })),
            release: async () => {
                if (!existed) {
                    await this.track(stackName, "release", false, undefined, async () => undefined);
                }
            },
        };
    }

    /** Resolves once `count` operations of `action` are running, each listening for the run's signal. */
    whenRunning(action: FakeAction, count: number): Promise<void> {
        return new Promise((resolve) => this.waiting.push({ action, count, resolve }));
    }

    terminateRunning(): number {
        this.interrupted.push(...this.runningStacks);
        return this.runningStacks.size;
    }

    /** Stack names whose `action` started, in start order. */
    started(action: FakeAction): string[] {
        return this.calls.filter((call) => call.action === action && call.event === "start").map((call) => call.stack);
    }

    /** Position of a call in the log (-1 when it never happened). */
    indexOf(stack: string, action: FakeAction, event: "start" | "end"): number {
        return this.calls.findIndex((call) => call.stack === stack && call.action === action && call.event === event);
    }

    actions(): Set<string> {
        return new Set(this.calls.map((call) => call.action));
    }

    /** An operation, as the CLI runs it: an abort of the run's signal while it runs stops it, as a cancelled CLI fails. */
    private async track<T>(stackName: string, action: FakeAction, counted: boolean, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
        const stack = this.stacks[stackName] ?? {};
        if (signal?.aborted) {
            throw new OperationNotStarted();
        }
        this.calls.push({ stack: stackName, action, event: "start" });
        if (counted) {
            this.running++;
            this.maxRunning = Math.max(this.maxRunning, this.running);
            this.runningStacks.add(stackName);
        }
        let stop: (() => void) | undefined;
        try {
            await new Promise<void>((resolve, reject) => {
                const timer = setTimeout(resolve, stack.delayMs ?? 0);
                stop = () => {
                    this.interrupted.push(stackName);
                    clearTimeout(timer);
                    reject(new Error(`${action} canceled`));
                };
                signal?.addEventListener("abort", stop, { once: true });
                this.listening.set(action, (this.listening.get(action) ?? 0) + 1);
                this.waiting = this.waiting.filter((waiter) => {
                    const reached = waiter.action === action && this.listening.get(action)! >= waiter.count;
                    if (reached) {
                        waiter.resolve();
                    }
                    return !reached;
                });
            });
            const failures = stack.failures?.[action];
            const failure = Array.isArray(failures) ? failures.shift() : failures;
            if (failure) {
                throw failure;
            }
            return await run();
        } finally {
            if (stop) {
                signal?.removeEventListener("abort", stop);
                this.listening.set(action, this.listening.get(action)! - 1);
            }
            if (counted) {
                this.running--;
                this.runningStacks.delete(stackName);
            }
            this.calls.push({ stack: stackName, action, event: "end" });
        }
    }
}

/** A pipeline stack that reads the given target stacks. */
export const pipelineStack = (name: string, reads: string[]): StackDefinition => ({ name, role: "pipeline", reads });
export const targetStack = (name: string): StackDefinition => ({ name, role: "target", reads: [] });
export const allStack = (name: string): StackDefinition => ({ name, role: "all", reads: [] });

export const roleArn = (account: string, name = "CrossAccount_Role"): string => `arn:aws:iam::${account}:role/${name}`;

/** A target stack's `targets` output with one target. */
export function targetOutputs(target: string, crossAccountRoleArn: string): StackOutputs {
    return {
        targets: {
            [target]: { crossAccountRoleArn, instanceRoleArn: "arn:aws:iam::1:role/i", applicationName: "app", deploymentGroupName: "group" },
        },
    };
}
