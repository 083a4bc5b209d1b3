// Each stack's config, parsed and validated once, before any stack is evaluated. A config problem is an input
// problem (exit status 2): it is reported where the value at fault is written, once however many stacks read that
// value (the project's shared `targets` in Pulumi.yaml is read by every stack file), with the stacks it affects.
import * as path from "path";
import { ConfigError, configNamespace, parseConfig, Problem, problemLine, ProgramConfig } from "../config";
import { programKeys, SourcePosition, StackFile, ValueSource, valuePosition } from "../project/stackFiles";

/** A stack file with the config the program reads from it, valid. */
export interface ConfiguredStack {
    file: StackFile;
    config: ProgramConfig;
}

/** One problem as found in one or more stacks: where its value is written, if anywhere. */
interface FoundProblem {
    problem: Problem;
    source?: ValueSource;
    /** The stack files it was found in, by stack name, in the order given. */
    stacks: Map<string, string>;
}

/**
 * Each stack file's config, parsed once; and each distinct problem once, as a line: `<file>:<line>:<column>: <key
 * path>: <message> [<the stacks it affects>]`. A problem is distinct by the value at fault (the file and key that
 * write it) and its message; one of a key that no file writes (a missing key) by its message alone.
 */
export function stackConfigs(files: StackFile[]): { stacks: ConfiguredStack[]; problems: string[] } {
    const stacks: ConfiguredStack[] = [];
    const found = new Map<string, FoundProblem>();
    for (const file of files) {
        try {
            stacks.push({ file, config: parseConfig(programKeys(file)) });
        } catch (e) {
            if (!(e instanceof ConfigError)) {
                throw e;
            }
            for (const problem of e.issues) {
                const [key] = problem.path;
                const source = key === undefined ? undefined : file.sources?.[`${configNamespace}:${key}`];
                const identity = JSON.stringify([source?.file, source?.at, problem.path, problem.message]);
                const entry = found.get(identity) ?? { problem, source, stacks: new Map() };
                entry.stacks.set(file.stack, file.file);
                found.set(identity, entry);
            }
        }
    }
    const stackCount = new Set(files.map((file) => file.stack)).size;
    return { stacks, problems: [...found.values()].map((entry) => problemAt(entry, stackCount)) };
}

/** A found problem as its line: where (the value's position; for a key no file writes, the one stack file missing it), what, and for which stacks. */
function problemAt({ problem, source, stacks }: FoundProblem, stackCount: number): string {
    const [onlyFile] = stacks.size === 1 ? [...stacks.values()] : [];
    const where = source ? positionText(valuePosition(source, problem.path.slice(1))) : onlyFile && shownPath(onlyFile);
    return `${where ? `${where}: ` : ""}${problemLine(problem)} [${affectedStacks([...stacks.keys()], stackCount)}]`;
}

/** `Pulumi.yaml:12:20`, the file as `shownPath` shows it. */
export function positionText(position: SourcePosition): string {
    return `${shownPath(position.file)}:${position.line}:${position.column}`;
}

/** The stacks a problem affects, of the `total` planned: `all 121 stacks`, `stack accountA`, `stacks a, b and c`, `25 stacks: a, b, c and 22 more`. */
export function affectedStacks(stacks: string[], total: number): string {
    if (stacks.length === 1) {
        return `stack ${stacks[0]}`;
    }
    if (stacks.length === total) {
        return `all ${total} stacks`;
    }
    const listed = stacks.length <= 5 ? stacks : [...stacks.slice(0, 3), `${stacks.length - 3} more`];
    return `${stacks.length <= 5 ? "stacks" : `${stacks.length} stacks:`} ${listed.slice(0, -1).join(", ")} and ${listed[listed.length - 1]}`;
}

/** A path as the user would type it from here: relative to the current directory when inside it, else absolute. */
export function shownPath(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative || ".";
}
