// A StackWorkspace that records every call, in order, and can delay or fail any of them.

import { StackFailure } from "../../automation/errors";
import { StackDefinition } from "../../automation/stackFiles";
import {
    ChangeCounts,
    ChangeReport,
    OpenMode,
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
    /** Throw this from the named operation (after the delay). */
    failures?: Partial<Record<FakeAction, Error>>;
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
        const operate = (action: FakeAction, listener: StackListener): Promise<ChangeReport> =>
            this.track(stackName, action, true, async () => {
                (stack.lines ?? []).forEach((line) => listener.line(line));
                listener.resourceDone();
                if (action === "destroy") {
                    stack.destroyable = 0;
                }
                return { changes: { create: 0, update: 0, replace: 0, delete: 0, same: 0, ...stack.changes }, resources: stack.resources ?? [] };
            });
        return {
            existed,
            preview: (listener) => operate("preview", listener),
            up: async (listener) => ({ ...(await operate("up", listener)), outputs: stack.outputs ?? {} }),
            destroy: (listener) => operate("destroy", listener),
            refresh: (listener) => operate("refresh", listener),
            outputs: () => this.track(stackName, "outputs", false, async () => stack.outputs ?? {}),
            config: () => this.track(stackName, "config", false, async () => ({})),
            state: () => this.track(stackName, "state", false, async () => ({ destroyable: stack.destroyable ?? 0, kept: stack.kept ?? [] })),
            release: async () => {
                if (!existed) {
                    await this.track(stackName, "release", false, async () => undefined);
                }
            },
        };
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

    private async track<T>(stackName: string, action: FakeAction, counted: boolean, run: () => Promise<T>): Promise<T> {
        const stack = this.stacks[stackName] ?? {};
        this.calls.push({ stack: stackName, action, event: "start" });
        if (counted) {
            this.running++;
            this.maxRunning = Math.max(this.maxRunning, this.running);
        }
        try {
            await new Promise((resolve) => setTimeout(resolve, stack.delayMs ?? 0));
            const failure = stack.failures?.[action];
            if (failure) {
                throw failure;
            }
            return await run();
        } finally {
            if (counted) {
                this.running--;
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
