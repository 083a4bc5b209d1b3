// The narrow interface the driver runs against. `pulumiStacks.ts` implements it with the Pulumi
// Automation API; tests implement it with fakes. Implementations throw `StackFailure` (errors.ts)
// so that the driver can tell a missing stack from any other failure.

/**
 * Every kind of step the engine takes on a resource, in its order (pulumi/pulumi pkg/resource/deploy/step.go
 * `StepOps`, the SDK's OpType), with the symbol the Pulumi CLI shows for it (`RawPrefix`). `diff` and
 * `extend-parameterize` are the engine's own bookkeeping and never reach a summary.
 */
export const STEP_KINDS = {
    same: "  ",
    create: "+",
    update: "~",
    delete: "-",
    replace: "+-",
    "create-replacement": "++",
    "delete-replaced": "--",
    read: ">",
    "read-replacement": ">>",
    refresh: "~",
    discard: "<",
    "discard-replaced": "<<",
    "remove-pending-replace": "~",
    import: "=",
    "import-replacement": "=>",
} as const;

export type StepKind = keyof typeof STEP_KINDS;

/** How many resources each kind of step touches (0 for the kinds that do not occur). */
export type ChangeCounts = Record<StepKind, number>;

/** Steps that change something: every kind but `same`. */
export type ChangeOp = Exclude<StepKind, "same">;

/** Counts with every kind, 0 where `given` has none. */
export function changeCounts(given: Partial<Record<string, number>> = {}): ChangeCounts {
    return Object.fromEntries((Object.keys(STEP_KINDS) as StepKind[]).map((kind) => [kind, given[kind] ?? 0])) as ChangeCounts;
}

/** True when any step changes something: any but `same` and `read` (reading changes nothing of the stack's). */
export function hasChanges(changes: ChangeCounts): boolean {
    return (Object.keys(changes) as StepKind[]).some((kind) => kind !== "same" && kind !== "read" && changes[kind] > 0);
}

/** One resource that an operation creates, updates, replaces, deletes, imports, reads or discards. */
export interface ResourceChange {
    op: ChangeOp;
    /** Pulumi type token, e.g. `aws:kms/key:Key`. */
    type: string;
    name: string;
}

export interface ChangeReport {
    changes: ChangeCounts;
    resources: ResourceChange[];
}

/** Stack outputs as plain values (secret outputs included in plaintext, as `pulumi stack output --show-secrets`). */
export type StackOutputs = Record<string, unknown>;

/** A resource in a stack's state, by type and name. */
export interface ResourceName {
    type: string;
    name: string;
}

/** What a stack's state still holds, as far as destroying it goes. */
export interface StateSummary {
    /** Resources a `destroy` would delete: everything but the protected ones and what they need. */
    destroyable: number;
    /** Protected resources (and what they need), which `destroy` keeps. */
    kept: ResourceName[];
}

/** Receives what a running operation reports. */
export interface StackListener {
    /** One line of the Pulumi CLI's output (stdout or stderr), without its newline. */
    line(text: string): void;
    /** A resource step finished. */
    resourceDone(): void;
}

/**
 * Each operation takes the run's AbortSignal: aborted, it sends the running Pulumi CLI one SIGINT, which makes it
 * stop at a safe point with its state consistent ("^C received; cancelling"); already aborted, the operation does
 * not start and rejects with OperationNotStarted.
 */
export interface StackHandle {
    /** False when the stack did not exist: opened with `select-or-temporary`, its record is temporary. */
    readonly existed: boolean;
    /** A preview with the project's policy pack. */
    preview(listener: StackListener, signal?: AbortSignal): Promise<ChangeReport>;
    /** An update with the project's policy pack (the driver previews first). */
    up(listener: StackListener, signal?: AbortSignal): Promise<ChangeReport & { outputs: StackOutputs }>;
    /** Destroys every resource but the protected ones (and what they need). */
    destroy(listener: StackListener, signal?: AbortSignal): Promise<ChangeReport>;
    refresh(listener: StackListener, signal?: AbortSignal): Promise<ChangeReport>;
    outputs(): Promise<StackOutputs>;
    /** The stack's config as Pulumi gives it to the program: fully qualified keys, strings (objects as JSON). */
    config(): Promise<Record<string, string>>;
    state(): Promise<StateSummary>;
    /** Removes a temporary record and puts the stack file back as it was; nothing for a stack that existed. */
    release(): Promise<void>;
}

/**
 * `select` fails with `stack-not-found` when the stack does not exist; `create-or-select` creates
 * its record (no cloud resources); `select-or-temporary` creates a record that `release()` removes,
 * so that a stack can be previewed without leaving anything behind.
 */
/** An operation asked for after the run was interrupted: nothing ran. */
export class OperationNotStarted extends Error {
    constructor() {
        super("not started: the run was interrupted");
    }
}

export type OpenMode = "select" | "create-or-select" | "select-or-temporary";

export interface StackWorkspace {
    openStack(stackName: string, mode: OpenMode): Promise<StackHandle>;
    /**
     * A second interrupt: every Pulumi CLI still running gets one more signal, which makes it terminate at once
     * (it may leave pending operations and a lock in its state); how many were signalled.
     */
    terminateRunning(): number;
}
