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
import { Document, isMap, isNode, isScalar, parseDocument, YAMLMap } from "yaml";
import type { z } from "zod";
import { configKeys, configNamespace } from "../config/schema";
import { programKeys } from "./stackFileSchema";

type ConfigKey = (typeof configKeys)[number];

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

/** The fields of a declaration that `npm run schema` writes; every other field of it is the user's, and kept. */
const generatedFields = ["type", "description", "default"];

/**
 * `text` with its declarations of the program's scalar keys made current. What the user wrote stays: every other
 * entry of `config:` (shared values such as `targets` or `pulumi:disable-default-providers`), every comment, and in a
 * declaration every field that is not generated: a `value:` for every stack, above all. A declaration with a `value`
 * gets no `default` (the CLI refuses a declaration with both: "cannot have both a 'default' and 'value' attribute",
 * pulumi/pulumi sdk/go/common/workspace/project.go `Validate`); a plain value (Pulumi's shorthand) becomes its `value`.
 * A declaration of a key of this namespace the program no longer has loses its generated fields, and the entry
 * goes when nothing of the user's is left.
 */
export function withCurrentDeclarations(text: string): string {
    const document = parseDocument(text);
    const current = projectConfigDeclarations();
    const config = document.get("config");
    if (!(config instanceof YAMLMap)) {
        document.set("config", document.createNode(current));
        return document.toString();
    }
    for (const pair of [...config.items]) {
        const name = namespaceKey(pair.key);
        if (name === undefined || configKeys.includes(name as ConfigKey) || !isMap(pair.value)) {
            continue;
        }
        for (const field of generatedFields) {
            pair.value.delete(field);
        }
        if (pair.value.items.length === 0) {
            config.delete(pair.key);
        }
    }
    for (const [key, declaration] of Object.entries(current)) {
        config.set(key, declared(document, config.get(key, true), declaration));
    }
    return document.toString({ lineWidth: 0 });
}

/** A key of `config:` as the name of a key of this program's namespace (written with the namespace or without); undefined for another namespace's. */
function namespaceKey(key: unknown): string | undefined {
    const written = isScalar(key) ? String(key.value) : undefined;
    return written === undefined ? undefined : written.startsWith(`${configNamespace}:`) ? written.slice(configNamespace.length + 1) : written.includes(":") ? undefined : written;
}

/** The current declaration with what the user wrote in the entry besides the generated fields, as they wrote it (flow or block style). */
function declared(document: Document, existing: unknown, declaration: ConfigDeclaration): YAMLMap {
    const written = isMap(existing) ? existing : undefined;
    const kept = written
        ? written.items.filter((pair) => !generatedFields.includes(String(isScalar(pair.key) ? pair.key.value : pair.key)))
        : isNode(existing) && !(isScalar(existing) && existing.value === null) ? [document.createPair("value", existing)] : [];
    const hasValue = kept.some((pair) => isScalar(pair.key) && pair.key.value === "value");
    const { default: programDefault, ...typeAndDescription } = declaration;
    const node = document.createNode(hasValue || programDefault === undefined ? typeAndDescription : declaration, { flow: true }) as YAMLMap;
    node.items.push(...kept);
    if (written) {
        node.flow = written.flow === true;
        node.comment = written.comment;
    }
    return node;
}
