// Pulumi stack files (`Pulumi.<stack>.yaml`): read as the raw config the program receives.
// One reader for the offline plan, the automation driver and the tests.
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { configNamespace } from "../config";

export interface StackFile {
    /** The stack name: `Pulumi.<stack>.yaml`. */
    stack: string;
    file: string;
    /** Fully qualified keys to the string values Pulumi passes to the program (objects as JSON). */
    config: Record<string, string>;
    /** The file's secrets settings, which the CLI writes (`secretsprovider`, `encryptionsalt`). */
    secrets?: { provider?: string; encryptionSalt?: string };
}

const stackFileName = /^Pulumi\.(.+)\.ya?ml$/;

export function readStackFile(file: string): StackFile {
    return parseStackFile(file, fs.readFileSync(file, "utf8"));
}

/** A stack file's text as a StackFile; an error names the file and what is wrong with it. */
export function parseStackFile(file: string, text: string): StackFile {
    const stack = stackFileName.exec(path.basename(file))?.[1];
    if (!stack) {
        throw new Error(`${file}: not a stack file; expected a name like Pulumi.<stack>.yaml`);
    }
    let document: unknown;
    try {
        document = yaml.load(text);
    } catch (e) {
        throw new Error(`${file}: not valid YAML (${(e as Error).message.split("\n")[0]})`);
    }
    const { config = {}, secretsprovider, encryptionsalt } = (document ?? {}) as {
        config?: Record<string, unknown>; secretsprovider?: unknown; encryptionsalt?: unknown;
    };
    return {
        stack,
        file,
        config: Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)])),
        secrets: {
            ...(typeof secretsprovider === "string" ? { provider: secretsprovider } : {}),
            ...(typeof encryptionsalt === "string" ? { encryptionSalt: encryptionsalt } : {}),
        },
    };
}

/** The stack files of a project directory, `Pulumi.yaml` excluded, by stack name. */
export function stackFilesIn(directory: string): string[] {
    return fs.readdirSync(directory)
        .filter((f) => stackFileName.test(f))
        .sort()
        .map((f) => path.join(directory, f));
}

/** The program's keys of a stack file, without the namespace, as `parseConfig` takes them. */
export function programKeys(file: StackFile): Record<string, string> {
    const prefix = `${configNamespace}:`;
    return Object.fromEntries(Object.entries(file.config).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

/** The stack a `pipelineStack` value names (`org/project/stack`, `project/stack` or `stack`): its last part. */
export function referencedStackName(pipelineStack: string): string {
    return pipelineStack.split("/").pop()!;
}

/** What the driver and the plan need from the project file `Pulumi.yaml`. */
export interface ProjectFile {
    /** The project's `name`: the project segment of its fully qualified stack names. */
    name: string;
    /** Project-level config values, fully qualified, as strings (objects as JSON), like `StackFile.config`. */
    config: Record<string, string>;
    /** Where the stack files live (`stackConfigDir`), absolute; the project directory by default. */
    stackConfigDir: string;
    /** `backend.url`: the backend the project asks the Pulumi CLI to use, if any. */
    backendUrl?: string;
}

/** Reads `Pulumi.yaml` (or `Pulumi.yml`) of a project directory; an error names the file and what is wrong. */
export function readProjectFile(projectDir: string): ProjectFile {
    const file = ["Pulumi.yaml", "Pulumi.yml"].map((name) => path.join(projectDir, name)).find((candidate) => fs.existsSync(candidate));
    if (file === undefined) {
        throw new Error(`no Pulumi.yaml in ${projectDir}`);
    }
    let document: { name?: unknown; config?: unknown; stackConfigDir?: unknown; backend?: { url?: unknown } } | undefined;
    try {
        document = yaml.load(fs.readFileSync(file, "utf8")) as typeof document;
    } catch (e) {
        throw new Error(`${file}: not valid YAML (${(e as Error).message.split("\n")[0]})`);
    }
    if (typeof document?.name !== "string" || document.name === "") {
        throw new Error(`${file}: name is missing; expected the project's name`);
    }
    const stackConfigDir = typeof document.stackConfigDir === "string" ? document.stackConfigDir : ".";
    const backendUrl = document.backend?.url;
    return {
        name: document.name,
        config: projectConfigValues(document.name, document.config),
        stackConfigDir: path.resolve(projectDir, stackConfigDir),
        ...(typeof backendUrl === "string" && backendUrl !== "" ? { backendUrl } : {}),
    };
}

const declarationFields = ["type", "description", "items", "secret", "default", "value"];

/**
 * The values a project's `config:` block gives every stack, as Pulumi applies them
 * (https://www.pulumi.com/docs/iac/concepts/projects/project-file/#config-options; the CLI's
 * `workspace.ApplyProjectConfig`): a key without a namespace belongs to the project; a plain value
 * is the value, a declaration (a map of only `type`, `description`, `items`, `secret`, `default`,
 * `value`) gives its `value` or its `default`; a declaration without either gives nothing (the
 * stack must set it).
 */
export function projectConfigValues(projectName: string, block: unknown): Record<string, string> {
    if (typeof block !== "object" || block === null || Array.isArray(block)) {
        return {};
    }
    const values: Record<string, string> = {};
    for (const [key, declared] of Object.entries(block)) {
        const isDeclaration =
            typeof declared === "object" && declared !== null && !Array.isArray(declared) &&
            Object.keys(declared).every((field) => declarationFields.includes(field));
        const value = isDeclaration ? (declared.value ?? declared.default) : declared;
        if (value !== undefined && value !== null) {
            values[key.includes(":") ? key : `${projectName}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return values;
}

/** A stack file's config with the project's values under it: a key the stack sets wins, as in Pulumi. */
export function withProjectConfig(file: StackFile, project: Pick<ProjectFile, "config">): StackFile {
    return { ...file, config: { ...project.config, ...file.config } };
}
