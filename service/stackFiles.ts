// The files of a plan request, checked before any plan runs: each read as the plan reads it
// (project/stackFiles.ts); the stack files' values checked by the program's own config parser, so that a caller reads
// what `npm run plan` says (the value, where it is written, what is expected: offline-plan/stackConfigs.ts); where
// that cannot run (a file that does not read), each stack file against the stack files' JSON Schema, the one editors
// use (schema/stack-config.schema.json, generated from config/schema.ts). Every problem of every file, named.
import Ajv, { ErrorObject } from "ajv";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { configNamespace } from "../config/schema";
import { stackConfigs } from "../offline-plan/stackConfigs";
import { parseProjectFile, parseStackFile, ProjectFile, StackFile, StackFileError, withProjectConfig } from "../project/stackFiles";
import { schemaFile } from "../schema/stackFileSchema";

export const PROJECT_FILE = "Pulumi.yaml";

const validateStackFile = new Ajv({ allErrors: true }).compile(JSON.parse(fs.readFileSync(path.join(__dirname, "..", schemaFile), "utf8")));

/** Every problem of the files, each naming its file; none when the plan may run on them. */
export function planFileProblems(files: Readonly<Record<string, string>>): string[] {
    const readProblems: string[] = [];
    const stackFiles: { file: StackFile; text: string }[] = [];
    let project: ProjectFile | undefined;
    for (const [name, text] of Object.entries(files)) {
        try {
            if (name === PROJECT_FILE) {
                project = parseProjectFile(name, text);
            } else {
                // No environment: a secret is never supplied by the service's own.
                const file = parseStackFile(name, text, {});
                readProblems.push(...secretProblems(name, file));
                stackFiles.push({ file, text });
            }
        } catch (e) {
            readProblems.push(messageOfRead(e));
        }
    }
    // The values can only be judged once every file reads (a stack file's config needs the project's shared values).
    const configProblems = readProblems.length === 0 ? stackConfigs(stackFiles.map(({ file }) => withProjectConfig(file, project))).problems : [];
    // The parser's messages when it has any (it knows every key and value the program reads); else what the schema
    // refuses, if anything.
    return [...readProblems, ...(configProblems.length > 0 ? configProblems : stackFiles.flatMap(({ file, text }) => schemaProblems(file.file, text)))];
}

function secretProblems(name: string, file: StackFile): string[] {
    return (file.unreadableSecrets ?? [])
        .filter((key) => key.startsWith(`${configNamespace}:`))
        .map((key) => `${name}: ${key} is a secret (secure:), which the plan cannot decrypt and the service takes no plaintext for; keep secrets out of the keys this program reads`);
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
