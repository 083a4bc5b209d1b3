// Turns what the Pulumi Automation API throws into a StackFailure whose message says what to do.
// The API raises typed errors for some cases (ConcurrentUpdateError, StackNotFoundError) and a
// generic CommandError, whose message holds the CLI's stdout and stderr, for the rest.

import { ConcurrentUpdateError, StackNotFoundError } from "@pulumi/pulumi/automation";
import { FailureKind, messageOf, StackFailure } from "./errors";

export const PULUMI_INSTALL_HINT =
    "install it with `curl -fsSL https://get.pulumi.com | sh` (or see https://www.pulumi.com/docs/install/), " +
    "then check that `pulumi version` runs";

/** Where the failure happened, to name it in the message. */
export interface FailureContext {
    stack: string;
    backendUrl: string;
}

interface FailurePattern {
    kind: FailureKind;
    matches: RegExp;
    /** `line`: the line of the CLI's output where the match starts; `match`: the match itself. */
    message: (context: FailureContext, line: string, match?: RegExpExecArray) => string;
}

// The first pattern that matches wins; the texts are the Pulumi CLI's and the AWS provider's own.
const FAILURE_PATTERNS: readonly FailurePattern[] = [
    {
        kind: "pulumi-cli-missing",
        // The CLI missing, or, run through the driver's wrapper (pulumiInItsOwnGroup), not found by it on PATH.
        matches: /spawn \S*pulumi ENOENT|exit code 127: \S*pulumi version/,
        message: () => `the Pulumi CLI was not found on PATH; ${PULUMI_INSTALL_HINT}`,
    },
    {
        kind: "pulumi-cli-missing",
        matches: /Minimum version requirement failed|Major version mismatch/,
        message: (_context, line) => `${line}; ${PULUMI_INSTALL_HINT}`,
    },
    {
        kind: "concurrent-update",
        matches: /Another update is currently in progress|the stack is currently locked by/,
        message: ({ stack }) =>
            `another update of stack ${stack} is in progress (or an interrupted one left its lock behind): ` +
            `wait for it to finish; if none is running, clear the lock with \`pulumi cancel --stack ${stack}\``,
    },
    {
        // UpdatePipeline assumes every action role, as CreatePipeline does; a role created or given a new trust
        // moments before may not be assumable yet, and AWS answers InvalidStructureException "... is not authorized to
        // perform AssumeRole on ... role ...". The AWS provider retries CreatePipeline on it for two minutes
        // (terraform-provider-aws internal/service/codepipeline, propagationTimeout) but not UpdatePipeline
        // (hashicorp/terraform#14263 shows it failing there): the driver retries the update (driver.ts).
        kind: "role-not-yet-assumable",
        matches: /UpdatePipeline[^\n]*InvalidStructureException[^\n]*not authorized to perform AssumeRole/,
        message: ({ stack }, line) =>
            `stack ${stack}: UpdatePipeline could not assume an action role (${line.trim()}): a role created or changed moments before ` +
            "may not have propagated in IAM yet",
    },
    {
        kind: "stack-not-found",
        matches: /no stack named.*found/,
        message: ({ stack, backendUrl }) =>
            `stack ${stack} does not exist yet in the backend ${backendUrl}: deploy it first ` +
            `(npm run deploy -- --up --stack ${stack}), or check the backend URL`,
    },
    {
        kind: "passphrase",
        matches: /passphrase must be set|incorrect passphrase/i,
        message: ({ stack }, line) =>
            `${line}: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the passphrase stack ${stack} was created with`,
    },
    {
        kind: "credentials",
        matches: new RegExp(
            [
                "no valid credential sources",
                "NoCredentialProviders",
                "failed to get shared config profile",
                "Invalid credentials configured",
                "unable to validate AWS credentials",
                "ExpiredToken",
                "InvalidClientTokenId",
                "security token included in the request is (invalid|expired)",
                "AWS account ID not allowed",
            ].join("|"),
            "i",
        ),
        message: ({ stack }, line) =>
            `AWS credentials for stack ${stack} are missing, expired or for another account (${line}). ` +
            `Give the stack its account's credentials: \`--profile ${stack}=<profile>\` on the command line, ` +
            `\`credentials: { ${stack}: { profile } }\` in the library, or the account's credentials in config (docs/operations.md#deploy-for-real, step 4)`,
    },
    {
        // Current CLIs (the engine's step generator): `resource "<urn>" cannot be deleted` and, on the
        // next line, `because it is protected. To unprotect the resource, ...`; older ones: `unable to
        // delete resource "<urn>" as it is currently marked for protection`. An update that would
        // delete or replace a protected resource fails with it too (destroy excludes them).
        kind: "protected-resource",
        matches:
            /resource "(urn:[^"]+)" cannot be deleted\s+because it is protected|unable to (?:delete|replace) resource "(urn:[^"]+)"\s+as it is currently marked for protection|refusing to delete protected resource/,
        message: ({ stack }, _line, match) => {
            const urn = match?.[1] ?? match?.[2];
            const what = urn === undefined ? "a protected resource" : `the protected resource ${urnName(urn)}`;
            const unprotect = `pulumi state unprotect --stack ${stack} ${urn === undefined ? "<urn>" : `'${urn}'`}`;
            return (
                `stack ${stack}: this would delete or replace ${what}, which Pulumi refuses; nothing else was deleted on its account. ` +
                `To delete it on purpose, unprotect it first (for the artifact key and buckets: protectArtifacts: false, then up; ` +
                `otherwise \`${unprotect}\`)`
            );
        },
    },
];

/** `aws:kms/key:Key artifact-key` from `urn:pulumi:<stack>::<project>::<type chain>::<name>`. */
function urnName(urn: string): string {
    const [, , typeChain = "", ...name] = urn.split("::");
    return `${typeChain.split("$").pop()} ${name.join("::")}`;
}

export function describeFailure(error: unknown, context: FailureContext): StackFailure {
    if (error instanceof StackFailure) {
        return error;
    }
    const text = messageOf(error);
    // The typed errors first: they are what the API itself decided.
    const typedKind: FailureKind | undefined =
        error instanceof ConcurrentUpdateError ? "concurrent-update" : error instanceof StackNotFoundError ? "stack-not-found" : undefined;
    const pattern = FAILURE_PATTERNS.find((candidate) =>
        typedKind !== undefined ? candidate.kind === typedKind : candidate.matches.test(text),
    );
    if (pattern === undefined) {
        return new StackFailure("command-failed", summarizeErrorOutput(text));
    }
    const match = pattern.matches.exec(text);
    return new StackFailure(pattern.kind, pattern.message(context, match ? lineAt(text, match.index) : "", match ?? undefined));
}

/**
 * The `error:` lines of the CLI's output (what a person reads in the Diagnostics section), or the
 * first line that says something when there are none (not the exit code or the stream labels).
 */
export function summarizeErrorOutput(text: string): string {
    const errorLines = text
        .split(/\r?\n/)
        .flatMap((line) => {
            const at = line.indexOf("error:");
            return at < 0 ? [] : [line.slice(at).trim()];
        })
        .filter((line, index, all) => all.indexOf(line) === index);
    if (errorLines.length > 0) {
        return errorLines.slice(0, 5).join("\n");
    }
    const meaningful = text
        .split(/\r?\n/)
        .map(withoutStreamLabel)
        .find((line) => line !== "" && !/^code: -?\d+$/.test(line));
    return meaningful ?? "failed without a message";
}

/** The line of `text` that holds position `index`. */
function lineAt(text: string, index: number): string {
    const start = text.lastIndexOf("\n", index - 1) + 1;
    const end = text.indexOf("\n", index);
    return withoutStreamLabel(text.slice(start, end < 0 ? undefined : end));
}

/** A CommandError's message labels the CLI's streams: ` stdout: …`, ` stderr: …`, ` err?: …`. */
function withoutStreamLabel(line: string): string {
    return line.replace(/^\s*(stdout:|stderr:|err\?:)?\s*/, "").trim();
}
