// What a response or a run record may hold: never a secret of the service's environment (the token, the
// passphrase, AWS and Pulumi credentials), never a password in a URL, never a stack output (the driver
// gives them in plaintext, secret ones included, and cannot say which were secret).
import * as fs from "fs";
import type { DriverEvent, RunReport, StackResult } from "../automation";

/** The variables whose values are secrets wherever they appear. */
export const secretVariables = [
    "PIPELINE_SERVICE_TOKEN",
    "PULUMI_CONFIG_PASSPHRASE",
    "PULUMI_ACCESS_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
] as const;

/** What a secret becomes. */
export const REDACTED = "[secret]";

/** The secrets of an environment: the values of `secretVariables`, the passphrase file's content, and `extra` (the token, read from its file). */
export function secretValues(env: NodeJS.ProcessEnv, extra: string[] = []): string[] {
    const values = [...secretVariables.map((name) => env[name]), ...extra];
    const passphraseFile = env.PULUMI_CONFIG_PASSPHRASE_FILE;
    if (passphraseFile) {
        try {
            values.push(fs.readFileSync(passphraseFile, "utf8").replace(/\r?\n$/, ""));
        } catch {
            // The driver says so when it needs the passphrase; nothing to hide here.
        }
    }
    // Longest first, so that a secret containing another is replaced whole.
    return [...new Set(values.filter((value): value is string => value !== undefined && value !== ""))].sort((a, b) => b.length - a.length);
}

/** `scheme://user:password@host` → `scheme://user:[secret]@host`. */
const urlPassword = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;

/** A function that copies a JSON value with every secret in its strings replaced. */
export function redactor(secrets: readonly string[]): <T>(value: T) => T {
    const inText = (text: string): string =>
        secrets.reduce((redacted, secret) => redacted.split(secret).join(REDACTED), text).replace(urlPassword, `$1${REDACTED}@`);
    const walk = (value: unknown): unknown => {
        if (typeof value === "string") {
            return inText(value);
        }
        if (Array.isArray(value)) {
            return value.map(walk);
        }
        if (value !== null && typeof value === "object") {
            return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]));
        }
        return value;
    };
    return <T>(value: T) => walk(value) as T;
}

/** A stack's result without its outputs. */
export function withoutOutputs(result: StackResult): StackResult {
    const { outputs: _outputs, ...kept } = result;
    return kept;
}

/** A driver event as the service keeps it: a finished stack's result without its outputs. */
export function recordableEvent(event: DriverEvent): DriverEvent {
    return event.type === "finished" ? { ...event, result: withoutOutputs(event.result) } : event;
}

/** A run's report as the service keeps it: no stack's outputs. */
export function recordableReport(report: RunReport): RunReport {
    return {
        ...report,
        stacks: report.stacks.map(withoutOutputs),
        ...(report.previews ? { previews: report.previews.map(withoutOutputs) } : {}),
    };
}
