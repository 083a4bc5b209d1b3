// The narrow interface the driver runs against. `pulumiStacks.ts` implements it with the Pulumi
// Automation API; tests implement it with fakes. Implementations throw `StackFailure` (errors.ts)
// so that the driver can tell a missing stack from any other failure.

/** Resource counts of a preview or an operation, in Pulumi's own terms. */
export interface ChangeCounts {
    create: number;
    update: number;
    replace: number;
    delete: number;
    same: number;
}

export type ChangeOp = "create" | "update" | "replace" | "delete";

/** One resource that an operation creates, updates, replaces or deletes. */
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
