// The files of a plan request, checked before any plan runs: each read as the plan reads it
// (project/stackFiles.ts), and each stack file against the stack files' JSON Schema, the one editors use
// (schema/stack-config.schema.json, generated from config/schema.ts): every problem of every file, named.
import Ajv, { ErrorObject } from "ajv";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { configNamespace } from "../config/schema";
import { parseProjectFile, parseStackFile, StackFileError } from "../project/stackFiles";
import { schemaFile } from "../schema/stackFileSchema";

export const PROJECT_FILE = "Pulumi.yaml";

const validateStackFile = new Ajv({ allErrors: true }).compile(JSON.parse(fs.readFileSync(path.join(__dirname, "..", schemaFile), "utf8")));

/** Every problem of the files, each naming its file; none when the plan may run on them. */
export function planFileProblems(files: Readonly<Record<string, string>>): string[] {
    return Object.entries(files).flatMap(([name, text]) => (name === PROJECT_FILE ? projectFileProblems(name, text) : stackFileProblems(name, text)));
}

function projectFileProblems(name: string, text: string): string[] {
    try {
        parseProjectFile(name, text);
        return [];
    } catch (e) {
        return [messageOfRead(e)];
    }
}

function stackFileProblems(name: string, text: string): string[] {
    let secrets: string[];
    try {
        // No environment: a secret is never supplied by the service's own.
        secrets = parseStackFile(name, text, {}).unreadableSecrets ?? [];
    } catch (e) {
        return [messageOfRead(e)];
    }
    const secretProblems = secrets
        .filter((key) => key.startsWith(`${configNamespace}:`))
        .map((key) => `${name}: ${key} is a secret (secure:), which the plan cannot decrypt and the service takes no plaintext for; keep secrets out of the keys this program reads`);
    return [...secretProblems, ...schemaProblems(name, text)];
}

/** What the stack files' JSON Schema says of a stack file's YAML, as an editor shows it (duplicate keys: the last wins, as for the plan). */
function schemaProblems(name: string, text: string): string[] {
    let document: unknown;
    try {
        document = parse(text, { uniqueKeys: false });
    } catch (e) {
        return [`${name}: not valid YAML (${(e as Error).message.split("\n")[0]})`];
    }
    return validateStackFile(document) ? [] : (validateStackFile.errors ?? []).map((error) => `${name}: ${describe(error)}`);
}

/** `config.cross-account-pipeline:region must match pattern "..."`, `config has encryptonKey, which is not among its keys ...`. */
function describe(error: ErrorObject): string {
    const where = error.instancePath === "" ? "the file" : error.instancePath.slice(1).replace(/\//g, ".");
    if (error.keyword === "additionalProperties") {
        return `${where} has ${error.params.additionalProperty}, which is not among its keys (schema/stack-config.schema.json lists them)`;
    }
    const allowed = error.keyword === "enum" ? `: ${(error.params.allowedValues as unknown[]).join(", ")}` : "";
    return `${where} ${error.message}${allowed}`;
}

function messageOfRead(e: unknown): string {
    if (e instanceof StackFileError) {
        return e.message;
    }
    throw e;
}
