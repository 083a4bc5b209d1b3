// The `config:` block of a project file (`Pulumi.yaml`) declares the program's scalar keys with their type,
// description and default, so that `pulumi preview`, `up` and `destroy` check them before the program
// runs (`pulumi config set` does not) (https://www.pulumi.com/docs/iac/concepts/projects/project-file/#config-options). Generated from
// config/schema.ts by `npm run schema`; tests/schema.test.ts fails when a project file's declarations differ.
//
// Declared: the keys every stack sets (required) and the scalar keys with a plain default. Left to the
// program: lists and objects (a project type is only string, integer, boolean or an array of those) and
// optional keys without a default, because the CLI refuses a stack that lacks a declared key of the
// project's namespace with neither a default nor a value ("Stack '<stack>' is missing configuration
// value", workspace `mergeConfig` in pulumi/pulumi sdk/go/common/workspace/config.go).
import { parseDocument, YAMLMap } from "yaml";
import type { z } from "zod";
import { programKeys } from "./stackFileSchema";

type JsonSchema = z.core.JSONSchema.JSONSchema;

/** The repository's project files: the two-account example at the root, and the three-account example. */
export const projectFiles = ["Pulumi.yaml", "examples/three-accounts/Pulumi.yaml"];

export interface ConfigDeclaration {
    type: "string" | "integer" | "boolean";
    description: string;
    default?: string | number | boolean;
}

/** The declarations of the program's scalar keys, by key, in the schema's order. */
export function projectConfigDeclarations(): Record<string, ConfigDeclaration> {
    const keys = programKeys();
    const required = new Set(keys.required ?? []);
    const declarations: Record<string, ConfigDeclaration> = {};
    for (const [key, field] of Object.entries(keys.properties ?? {})) {
        const schema = field as JsonSchema;
        const type = projectTypeOf(schema);
        const plainDefault = ["string", "number", "boolean"].includes(typeof schema.default);
        if (type && (required.has(key) || plainDefault)) {
            declarations[key] = {
                type,
                description: String(schema.description ?? "").replace(/`/g, ""),
                ...(plainDefault ? { default: schema.default as string | number | boolean } : {}),
            };
        }
    }
    return declarations;
}

/**
 * The project type of a key as its stack files may write it: a string; a whole number (written as a
 * number or its digits); true or false (written as a boolean or its text). Undefined for the others.
 */
function projectTypeOf(schema: JsonSchema): ConfigDeclaration["type"] | undefined {
    const types = new Set((schema.anyOf ?? [schema]).map((alternative) => (alternative as JsonSchema).type));
    return types.has("integer") ? "integer" : types.has("boolean") ? "boolean" : types.size === 1 && types.has("string") ? "string" : undefined;
}

/** The declarations a project file holds now: its `config:` entries that carry a `type`. */
export function declarationsIn(text: string): Record<string, unknown> {
    const config = parseDocument(text).toJS()?.config as Record<string, unknown> | undefined;
    return Object.fromEntries(Object.entries(config ?? {}).filter(([, value]) => typeof value === "object" && value !== null && "type" in value));
}

/**
 * `text` with its declarations replaced by the current ones; every other entry of `config:` (shared values
 * such as `targets` or `pulumi:disable-default-providers`) and every comment stay as they are.
 */
export function withCurrentDeclarations(text: string): string {
    const document = parseDocument(text);
    const current = projectConfigDeclarations();
    const config = document.get("config");
    if (!(config instanceof YAMLMap)) {
        document.set("config", document.createNode(current));
        return document.toString();
    }
    for (const key of Object.keys(declarationsIn(text)).filter((key) => !(key in current))) {
        config.delete(key);
    }
    for (const [key, declaration] of Object.entries(current)) {
        config.set(key, document.createNode(declaration, { flow: true }));
    }
    return document.toString({ lineWidth: 0 });
}
