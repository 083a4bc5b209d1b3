// The two ways a run reports trouble, as plain classes with no dependency on the Pulumi SDK, so
// the driver and its tests never load the Automation API.

/** A run that cannot start: bad options, bad stack files, no passphrase, no Pulumi CLI. */
export class DriverError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DriverError";
    }
}

/** What went wrong with one stack, sorted into the cases a user can act on. */
export type FailureKind =
    | "pulumi-cli-missing"
    | "concurrent-update"
    | "stack-not-found"
    | "credentials"
    | "passphrase"
    | "protected-resource"
    | "role-not-yet-assumable"
    | "command-failed";

/** One stack's operation failed; `message` is already written for a person, without a stack trace. */
export class StackFailure extends Error {
    constructor(readonly kind: FailureKind, message: string) {
        super(message);
        this.name = "StackFailure";
    }
}

/** The message of anything thrown, without its stack trace. */
export function messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
