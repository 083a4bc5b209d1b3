// Reads Pulumi stack files into the raw config a program run receives.
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";

export interface StackFile {
    /** The stack name: `Pulumi.<stack>.yaml`. */
    stack: string;
    file: string;
    /** Fully qualified keys to the string values Pulumi passes to the program (objects as JSON). */
    config: Record<string, string>;
}

export function readStackFile(file: string): StackFile {
    const stack = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file))?.[1];
    if (!stack) {
        throw new Error(`${file}: not a stack file; expected a name like Pulumi.<stack>.yaml`);
    }
    let document: unknown;
    try {
        document = yaml.load(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`${file}: ${(e as Error).message.split("\n")[0]}`);
    }
    const config = (document as { config?: Record<string, unknown> } | undefined)?.config ?? {};
    return {
        stack,
        file,
        config: Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)])),
    };
}

/** The stack files of a project directory, `Pulumi.yaml` excluded. */
export function stackFilesIn(directory: string): string[] {
    return fs.readdirSync(directory)
        .filter((f) => /^Pulumi\..+\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(directory, f));
}
