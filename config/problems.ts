// How a config problem reads: the key path as the user writes it, the value (or "missing"), and what
// is expected. The schema's fields declare their wording with `expecting`; `problemsOf` turns zod's
// issues into these lines.
import type { z } from "zod";

/** A value as a message quotes it: scalars in quotes, objects and lists as JSON. */
export function shown(value: unknown): string {
    return typeof value === "object" && value !== null ? JSON.stringify(value) : `"${String(value)}"`;
}

/** A key path as written in config: `targets[1].accountId`. */
export function keyPath(path: readonly PropertyKey[]): string {
    return path.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join("");
}

export interface Wording {
    /** What a present but bad value "is": default "is not valid". */
    invalid?: string;
    /** What to expect when the key is missing, if that reads differently. */
    missing?: string;
}

/** A field's error map: `missing; expected <expected>` or `<value> is not valid; expected <expected>`. */
export function expecting(expected: string, wording: Wording = {}): z.core.$ZodErrorMap {
    return (issue) => issue.input === undefined
        ? `missing; expected ${wording.missing ?? expected}`
        : `${shown(issue.input)} ${wording.invalid ?? "is not valid"}; expected ${expected}`;
}

/** For a schema without wording of its own: the value and that it is not valid (never zod's default text). */
export const notValid: z.core.$ZodErrorMap = (issue) => (issue.input === undefined ? "missing" : `${shown(issue.input)} is not valid`);

/**
 * One line per problem, `<key path>: <message>`: an unknown key per key, and a value that fits none of a
 * union's types (`true` or an object, a number or its text) reported by the one type that matches its
 * kind, so `fleet: {size: "x"}` names `fleet.size` rather than the whole union.
 */
export function problemsOf(issues: readonly z.core.$ZodIssue[], at: readonly PropertyKey[] = []): string[] {
    return issues.flatMap((issue) => {
        const path = [...at, ...issue.path];
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((key) => `${keyPath([...path, key])}: ${issue.message}`);
        }
        if (issue.code === "invalid_union") {
            const fitting = issue.errors.filter((errors) => !errors.some((e) => e.code === "invalid_type" && e.path.length === 0));
            if (fitting.length === 1) {
                return problemsOf(fitting[0], path);
            }
        }
        return [`${keyPath(path)}: ${issue.message}`];
    });
}
