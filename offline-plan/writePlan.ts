// Writes the plan folder: per account the resources, each policy as its own file, the pipeline definition,
// the report as printed. The plan replaces only a folder it wrote itself, marked by a file that lists what
// it wrote; a user's files are never deleted or overwritten.
import * as fs from "fs";
import * as path from "path";
import { quotas, share } from "../definition/quotas";
import type { AccessFinding } from "../verification/evaluation";
import { accountContents, asWritten, fileText } from "./accountFiles";
import { grantsOf, PlanContents } from "./grants";
import type { PlanResult } from "./plan";
import { accountFileOf, checksFile, grantsFile, planFormat } from "./planFiles";

/** The marker of a plan folder: its first line says what it is, the others list the files the plan wrote. */
export const markerFile = ".cross-account-pipeline-plan";
const markerHeading = "Written by `npm run plan` of cross-account-pipeline: the next plan replaces the files listed below, and refuses this folder if it holds anything else.";
const projectDir = path.resolve(__dirname, "..");

/** A folder the plan may not write into; the message names it and says why. */
export class PlanFolderError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanFolderError";
    }
}

/**
 * Why the plan may not write `outDir`, or undefined when it may: a folder that is absent, empty, or a
 * plan folder holding nothing but what the plan wrote. Never the current or the project directory, nor
 * a folder above them.
 */
export function planFolderProblem(outDir: string): string | undefined {
    const folder = path.resolve(outDir);
    const refuse = (why: string) => `cannot write the plan to ${folder}: ${why}`;
    const real = (dir: string) => fs.realpathSync(dir);
    let stat: fs.Stats;
    try {
        stat = fs.lstatSync(folder);
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "ENOENT" ? undefined : refuse(fileSystemProblem(e));
    }
    if (stat.isSymbolicLink()) {
        return refuse("it is a symbolic link; name the folder itself");
    }
    if (!stat.isDirectory()) {
        return refuse("it is a file, not a folder, and the plan replaces what it writes to; name a folder (absent, empty, or one the plan wrote)");
    }
    // Both may hold (the project and the current directory may share a parent): say each.
    const holds = [["the current directory", process.cwd()], ["the project directory", projectDir]].filter(([, dir]) => {
        const relative = path.relative(real(folder), real(dir));
        return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
    });
    if (holds.length > 0) {
        return refuse(`it is ${holds.map(([name]) => `${name} or a folder above it`).join(", and ")}, which the plan would replace; name a folder of its own, e.g. --out plan`);
    }
    let present: string[];
    try {
        present = filesIn(folder);
    } catch (e) {
        return refuse(`its contents cannot be listed (${fileSystemProblem(e)}); name a folder the plan may read and write`);
    }
    const listed = writtenBefore(folder);
    const foreign = present.filter((file) => file !== markerFile && !listed?.includes(file));
    if (foreign.length > 0) {
        const shown = foreign.slice(0, 5).join(", ") + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : "");
        const unmarkedPlan = !listed && foreign.includes("checks.json") ? " (a plan folder from before plans were marked: delete it once)" : "";
        return refuse(`it holds files the plan did not write (${shown}); the plan replaces only an empty folder or one it wrote itself (marked by ${markerFile}); move them, or name another folder${unmarkedPlan}`);
    }
    return undefined;
}

/**
 * Files written at a time: each write runs on one of libuv's threads, beside this one, which meanwhile
 * serializes the next files; a plan of hundreds of targets writes thousands of files. While the checks
 * run, this thread starts the next writes only between chunks of checks: with 8 at a time, the accounts'
 * files of 250 targets took longer to write than the checks to run, with 64 under half as long.
 */
const concurrentWrites = 64;

/**
 * A plan folder being written: opened with the names of every file the plan will write, replacing
 * what an earlier plan wrote there, then written part by part (the accounts' files while the checks
 * run, the rest once they are done). Text is written as it is, anything else as JSON.
 */
export class PlanFolder {
    private constructor(readonly dir: string, private readonly listed: ReadonlySet<string>) {}

    /**
     * Refuses a folder the plan may not write (planFolderProblem); deletes what the earlier plan wrote
     * there but its accounts' files that `files` lists too (written over later); marks the folder as
     * the plan's, listing `files`. The earlier plan's checks, grants, report, summary and diff go at
     * once: a plan that stops before writing its own leaves a folder without a verdict (which
     * `--against` refuses), never the earlier verdict beside this plan's accounts' files.
     */
    static open(outDir: string, files: string[]): PlanFolder {
        const problem = planFolderProblem(outDir);
        if (problem) {
            throw new PlanFolderError(problem);
        }
        try {
            removeEarlierPlan(outDir, new Set(files.filter((file) => accountFileOf(file))));
            // The marker first: a plan interrupted while writing leaves a folder the next plan still recognises.
            fs.mkdirSync(outDir, { recursive: true });
            fs.writeFileSync(path.join(outDir, markerFile), [markerHeading, ...files].join("\n") + "\n");
            for (const dir of new Set(files.map((file) => path.dirname(path.join(outDir, file))))) {
                fs.mkdirSync(dir, { recursive: true });
            }
        } catch (e) {
            throw new PlanFolderError(`cannot write the plan to ${path.resolve(outDir)}: ${fileSystemProblem(e)}`);
        }
        return new PlanFolder(outDir, new Set(files));
    }

    /**
     * Writes these files, `concurrentWrites` at a time; returns their paths. Only files the folder was
     * opened with: one its marker does not list would make the next plan refuse the folder as not its own.
     */
    async write(contents: PlanContents): Promise<string[]> {
        const unlisted = [...contents.keys()].filter((file) => !this.listed.has(file));
        if (unlisted.length > 0) {
            throw new Error(`the plan folder ${this.dir} was not opened with ${unlisted.join(", ")}: its marker must list every file the plan writes`);
        }
        // A file the earlier plan wrote too is written over, not deleted and created: much faster on some file systems.
        const files = [...contents];
        try {
            await Promise.all(Array.from({ length: concurrentWrites }, async (_, lane) => {
                for (let i = lane; i < files.length; i += concurrentWrites) {
                    const [file, content] = files[i];
                    await fs.promises.writeFile(path.join(this.dir, file), `${fileText(content)}\n`);
                }
            }));
        } catch (e) {
            throw new PlanFolderError(`cannot write the plan to ${path.resolve(this.dir)}: ${fileSystemProblem(e)}`);
        }
        return files.map(([file]) => path.join(this.dir, file));
    }
}

/** Writes the plan's contents into `outDir`, replacing what an earlier plan wrote there; returns the files written. */
export async function writePlan(outDir: string, contents: PlanContents): Promise<string[]> {
    return PlanFolder.open(outDir, [...contents.keys()]).write(contents);
}

/**
 * An earlier plan's folder, to compare with (`--against`): the files its marker lists, JSON parsed.
 * A folder without the marker, or without `checks.json`, is not one; the problem says so.
 */
export function readPlanFolder(folder: string): { contents: PlanContents } | { problem: string } {
    const resolved = path.resolve(folder);
    const notAPlan = (why: string) => ({ problem: `--against ${folder}: ${resolved} is not a plan folder (${why}); name the folder an earlier \`npm run plan\` wrote, e.g. its --out` });
    if (!fs.existsSync(resolved) || !fs.statSync(resolved).isDirectory()) {
        return notAPlan(fs.existsSync(resolved) ? "it is a file" : "it does not exist");
    }
    const listed = writtenBefore(resolved);
    if (!listed) {
        return notAPlan(`it has no ${markerFile} marker`);
    }
    if (!listed.includes("checks.json") || !fs.existsSync(path.join(resolved, "checks.json"))) {
        return notAPlan("it has no checks.json");
    }
    const contents: PlanContents = new Map();
    for (const file of listed) {
        const full = path.join(resolved, file);
        let text: string;
        try {
            text = fs.readFileSync(full, "utf8");
        } catch (e) {
            return { problem: `--against ${folder}: cannot read ${full}: ${fileSystemProblem(e)}` };
        }
        if (!file.endsWith(".json")) {
            contents.set(file, text.replace(/\n$/, ""));
            continue;
        }
        try {
            contents.set(file, JSON.parse(text));
        } catch (e) {
            return { problem: `--against ${folder}: ${full} is not valid JSON (${(e as Error).message}); plan the earlier version again` };
        }
    }
    const checks = contents.get("checks.json");
    if (typeof checks !== "object" || checks === null || Array.isArray(checks)) {
        return notAPlan("its checks.json is not the object a plan writes");
    }
    return { contents };
}

const fileSystemErrors: Record<string, string> = {
    EACCES: "permission denied", EPERM: "permission denied", ENOTDIR: "a part of the path is a file, not a folder",
    ENOSPC: "no space left on the device", EROFS: "a read-only file system",
};

/** A file system error as the path it concerns and what went wrong, without a stack trace. */
function fileSystemProblem(e: unknown): string {
    const { code, path: where, message } = e as NodeJS.ErrnoException;
    return code ? `${where ?? "a file"}: ${fileSystemErrors[code] ?? code}` : message;
}

/**
 * What the plan knows, as the plan folder holds it: each account's files (`accounts`, unless given
 * made from the result); `checks.json`; `grants.json`, derived from the accounts' files.
 */
export function planContents(result: PlanResult, accounts = accountContents(result.stacks)): PlanContents {
    const contents: PlanContents = new Map(accounts);
    const json = (file: string, content: unknown) => contents.set(file, asWritten(content));
    json(checksFile, {
        ok: result.ok,
        planFormat,
        deploymentOrder: result.stacks.map((s) => s.file.stack),
        stackErrors: result.stacks.filter((s) => s.error).map((s) => ({ stack: s.file.stack, error: s.error })),
        warnings: result.stacks.flatMap((s) => (s.run?.warnings ?? []).map((warning) => ({ stack: s.file.stack, warning }))),
        disagreements: result.disagreements,
        collisions: result.collisions,
        createTime: result.createTime,
        rules: result.rules,
        quotas: result.quotas.map((q) => ({ stack: q.stack, resource: q.resource, quota: quotas[q.quota].what, subject: q.subject, figure: q.figure, limit: q.limit, unit: quotas[q.quota].unit, share: share(q), ok: q.ok })),
        namesChecked: result.namesChecked,
        access: result.access.map(findingEntry),
        isolation: result.isolation.findings.map(findingEntry),
        isolationShapes: result.isolation.shapes,
    });
    json(grantsFile, grantsOf(contents));
    return contents;
}

/** An evaluated check as checks.json lists it. */
function findingEntry(f: AccessFinding) {
    const { hop, principal, action, resource, expect, exception } = f.check;
    return { hop, principal, action, resource, expect, result: f.result, ok: f.ok, message: f.message, ...(exception ? { exception } : {}) };
}

/** The files an earlier plan listed in the folder's marker; undefined for a folder without one. */
function writtenBefore(folder: string): string[] | undefined {
    let lines: string[];
    try {
        lines = fs.readFileSync(path.join(folder, markerFile), "utf8").split("\n").filter(Boolean);
    } catch {
        return undefined;
    }
    return lines[0] === markerHeading ? lines.slice(1) : undefined;
}

/** Deletes exactly the files the earlier plan listed that this one does not write, then the folders they leave empty. */
function removeEarlierPlan(folder: string, written: Set<string>): void {
    const listed = (writtenBefore(folder) ?? []).filter((file) => !written.has(file));
    for (const file of [...listed, markerFile]) {
        fs.rmSync(path.join(folder, file), { force: true });
    }
    const folders = [...new Set(listed.flatMap((file) => file.split("/").slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join("/"))))];
    for (const dir of folders.sort((a, b) => b.length - a.length)) {
        const full = path.join(folder, dir);
        if (fs.existsSync(full) && fs.readdirSync(full).length === 0) {
            fs.rmdirSync(full);
        }
    }
}

/** Every file and empty folder below `folder`, relative, with `/`. */
export function filesIn(folder: string, prefix = ""): string[] {
    return fs.readdirSync(path.join(folder, prefix), { withFileTypes: true }).flatMap((entry) => {
        const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (!entry.isDirectory()) {
            return [relative];
        }
        const inside = filesIn(folder, relative);
        return inside.length > 0 ? inside : [`${relative}/`];
    });
}
