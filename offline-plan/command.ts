// The offline plan's command as `npm run plan` runs it (package.json's `plan` script), without npm:
// what the benchmark, the comparison of two versions' plans, the service and the tests run as a process, and what its exit status means.
import * as fs from "fs";
import * as path from "path";

/** The plan's exit status. Like `terraform plan -detailed-exitcode`, but 2 was taken already (a wrong input), so a change is 4. */
export const exitStatus = { ok: 0, planFailed: 1, badInput: 2, internalError: 3, changed: 4 } as const;

export interface Command {
    file: string;
    args: string[];
    /** The folder it runs in, which its relative paths are relative to. */
    cwd: string;
}

/** The `plan` script of the project in `projectDir`: `node ...` runs this Node, any other program the project's own (node_modules/.bin). */
export function planCommand(projectDir: string): Command {
    const scripts = (JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const [program, ...args] = scripts.plan.trim().split(/\s+/);
    return { file: program === "node" ? process.execPath : path.join(projectDir, "node_modules", ".bin", program), args, cwd: projectDir };
}
