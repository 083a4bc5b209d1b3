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
    const config = (document as { config?: Record<string, unknown> } | undefined)?.config ?? {};
    return {
        stack,
        file,
        config: Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)])),
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

/** The stack a stack reference names (`org/project/stack`, `project/stack` or `stack`): its last part. */
export function referencedStackName(reference: string): string {
    return reference.split("/").pop()!;
}

/** A fully qualified stack name, `<organization>/<project>/<stack>`, in its parts; undefined for anything else. */
export interface QualifiedStackName {
    organization: string;
    project: string;
    stack: string;
}

export function qualifiedStackName(reference: string): QualifiedStackName | undefined {
    const parts = reference.split("/");
    return parts.length === 3 && parts.every((part) => part !== "") ? { organization: parts[0], project: parts[1], stack: parts[2] } : undefined;
}
