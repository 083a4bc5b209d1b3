// How a config problem reads: the key path as the user writes it, the value (or "missing"), and what
// is expected. The schema's fields declare their wording with `expecting`; `problemsOf` turns zod's
// issues into these lines.
import { z } from "zod";

/** A problem of one key path (the whole config when empty). */
export interface Problem {
    path: (string | number)[];
    message: string;
}

/** A problem as one line: `<key path>: <message>`. */
export function problemLine({ path, message }: Problem): string {
    return path.length > 0 ? `${keyPath(path)}: ${message}` : message;
}

/** A value as a message quotes it: scalars in quotes, objects and lists as JSON. */
export function shown(value: unknown): string {
    return typeof value === "object" && value !== null ? JSON.stringify(value) : `"${String(value)}"`;
}

/** A key path as written in config: `targets[1].accountId`. */
export function keyPath(path: readonly (string | number)[]): string {
    return path.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join("");
}

export interface Wording {
    /** What a present but bad value "is": default "is not valid". */
    invalid?: string;
    /** What to expect when the key is missing, if that reads differently. */
    missing?: string;
    /** What the text is, said of a YAML number or boolean written where text is expected: default "expected <expected>". */
    asText?: string;
}

/**
 * A field's error map: `missing; expected <expected>`, `<value> is not valid; expected <expected>`, or, for a
 * number or boolean YAML typed where text is expected, that it is one and how to quote it.
 */
export function expecting(expected: string, wording: Wording = {}): z.core.$ZodErrorMap {
    return (issue) => {
        if (issue.input === undefined) {
            return `missing; expected ${wording.missing ?? expected}`;
        }
        if ((issue.code === "too_big" || issue.code === "too_small") && typeof issue.input === "string") {
            return `${shownText(issue.input)} ${lengthOf(issue.input)}; expected ${expected}`;
        }
        return typedByYaml(issue, wording.asText ?? `expected ${expected}`)
            ?? `${shown(issue.input)} ${wording.invalid ?? "is not valid"}; expected ${expected}`;
    };
}

/** Text as a message about its length quotes it: whole up to 60 characters, else its first 40 and an ellipsis. */
function shownText(text: string): string {
    return text.length <= 60 ? `"${text}"` : `"${text.slice(0, 40)}..."`;
}

/** `is empty`, `is 1001 characters long`. */
export function lengthOf(text: string): string {
    return text.length === 0 ? "is empty" : `is ${text.length} characters long`;
}

/**
 * A value inside a list or an object that YAML typed as a number or a boolean (it was not quoted; Pulumi hands
 * the program such values as JSON, so they stay numbers and booleans), where a string is expected: what it is,
 * and the fix. A number's text is suggested in quotes when that text is valid; a boolean's is not, as YAML 1.1
 * reads `yes`, `no`, `on` and `off` as booleans too, and only its writer knows which was meant.
 */
function typedByYaml(issue: z.core.$ZodRawIssue, asText: string): string | undefined {
    const { input } = issue;
    if (issue.code !== "invalid_type" || issue.expected !== "string" || !["number", "bigint", "boolean"].includes(typeof input)) {
        return undefined;
    }
    const text = String(input);
    if (typeof input === "boolean") {
        return `${text} is a boolean in YAML (so are yes, no, on and off, unquoted); quote the text you meant (${asText})`;
    }
    const fits = issue.inst !== undefined && z.safeParse(issue.inst as z.ZodType, text).success;
    return `${text} is a number in YAML; ${fits ? `quote it: "${text}"` : "quote the text you meant"} (${asText})`;
}

/** For a schema without wording of its own: the value and that it is not valid (never zod's default text). */
export const notValid: z.core.$ZodErrorMap = (issue) => (issue.input === undefined ? "missing" : `${shown(issue.input)} is not valid`);

/**
 * One problem per key path: an unknown key per key, and a value that fits none of a union's types (`true`
 * or an object, a number or its text) reported by the one type that matches its kind, so
 * `fleet: {size: "x"}` names `fleet.size` rather than the whole union.
 */
export function problemsOf(issues: readonly z.core.$ZodIssue[], at: readonly (string | number)[] = []): Problem[] {
    return issues.flatMap((issue) => {
        // Config paths are keys and indexes: zod's symbols never occur in them.
        const path = [...at, ...issue.path as (string | number)[]];
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((key) => ({ path: [...path, key], message: issue.message }));
        }
        if (issue.code === "invalid_union") {
            const fitting = issue.errors.filter((errors) => !errors.some((e) => e.code === "invalid_type" && e.path.length === 0));
            if (fitting.length === 1) {
                return problemsOf(fitting[0], path);
            }
        }
        return [{ path, message: issue.message }];
    });
}
