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

/** Receives what a running operation reports. */
export interface StackListener {
    /** One line of the Pulumi CLI's output (stdout or stderr), without its newline. */
    line(text: string): void;
    /** A resource step finished. */
    resourceDone(): void;
}

export interface StackHandle {
    preview(listener: StackListener): Promise<ChangeReport>;
    up(listener: StackListener): Promise<ChangeReport & { outputs: StackOutputs }>;
    destroy(listener: StackListener): Promise<ChangeReport>;
    refresh(listener: StackListener): Promise<ChangeReport>;
    outputs(): Promise<StackOutputs>;
    /** Resources in the stack's state, not counting the stack itself and its providers. */
    resourceCount(): Promise<number>;
}

/** `create-or-select` makes an empty stack record when none exists (no cloud resources); `select` fails with `stack-not-found`. */
export type OpenMode = "create-or-select" | "select";

export interface StackWorkspace {
    openStack(stackName: string, mode: OpenMode): Promise<StackHandle>;
}
