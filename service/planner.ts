// POST /v1/plan: the offline plan of a caller's files, each plan in a process of its own (the plan evaluates
// the program under Pulumi's runtime mocks, which are global to a process), in a scratch folder, without the
// Pulumi CLI. At most `concurrency` plans run at once and `queue` more wait; past that a plan is refused (429).
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import pLimit from "p-limit";
import { exitStatus, planCommand } from "../offline-plan/command";
import { planFileProblems, PROJECT_FILE } from "./stackFiles";

export type PlanOutcome =
    /** The plan ran: `ok` when it holds. `checks` is checks.json, `summary` summary.md. */
    | { kind: "planned"; ok: boolean; verdict: string; checks: unknown; summary: string }
    /** The files are wrong input: every problem, each naming its file. */
    | { kind: "refused"; problems: string[] }
    /** The pool and its queue are full. */
    | { kind: "busy"; running: number; waiting: number }
    | { kind: "timed-out"; seconds: number }
    /** The plan broke (a bug); `detail` is for the service's log, not for the caller. */
    | { kind: "broke"; detail: string };

export interface PlannerOptions {
    /** The project whose plan runs (its package.json `plan` script, its program). */
    codeDir: string;
    concurrency: number;
    queue: number;
    timeoutMs: number;
}

/** Whether a plan may run or wait now, given how many run and wait. */
export function admits(running: number, waiting: number, limits: { concurrency: number; queue: number }): boolean {
    return running + waiting < limits.concurrency + limits.queue;
}

/** What a plan prints beyond this is not kept (the plan prints a few kB). */
const OUTPUT_LIMIT = 1 << 20;

export class Planner {
    private readonly limit: pLimit.Limit;

    constructor(private readonly options: PlannerOptions) {
        this.limit = pLimit(options.concurrency);
    }

    get running(): number {
        return this.limit.activeCount;
    }

    get waiting(): number {
        return this.limit.pendingCount;
    }

    /** Plans `files` (file name → text): `Pulumi.yaml` and the stack files `Pulumi.<stack>.yaml`. */
    async plan(files: Readonly<Record<string, string>>): Promise<PlanOutcome> {
        const problems = planFileProblems(files);
        if (problems.length > 0) {
            return { kind: "refused", problems };
        }
        if (!admits(this.running, this.waiting, this.options)) {
            return { kind: "busy", running: this.running, waiting: this.waiting };
        }
        return this.limit(() => this.planInScratchFolder(files));
    }

    private async planInScratchFolder(files: Readonly<Record<string, string>>): Promise<PlanOutcome> {
        const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-plan-"));
        try {
            for (const [name, text] of Object.entries(files)) {
                fs.writeFileSync(path.join(scratch, name), text, { mode: 0o600 });
            }
            const stackFiles = Object.keys(files).filter((name) => name !== PROJECT_FILE).sort().map((name) => path.join(scratch, name));
            const result = await this.runPlan(["--out", path.join(scratch, "plan"), ...stackFiles]);
            // The caller knows its files by their names: the scratch folder is nobody's business.
            const inCallersTerms = (text: string) => text.split(`${scratch}${path.sep}`).join("").split(scratch).join(".");
            return outcomeOf(result, (file) => inCallersTerms(fs.readFileSync(path.join(scratch, "plan", file), "utf8")), inCallersTerms, this.options.timeoutMs);
        } finally {
            fs.rmSync(scratch, { recursive: true, force: true });
        }
    }

    private runPlan(args: string[]): Promise<PlanProcessResult> {
        const command = planCommand(this.options.codeDir);
        return new Promise((resolve, reject) => {
            // Nothing of the service's environment (its token, AWS keys, a passphrase, CROSS_ACCOUNT_PIPELINE_CONFIG_*
            // secrets) reaches the plan: it needs a PATH only.
            const child = spawn(command.file, [...command.args, ...args], {
                cwd: command.cwd,
                env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
                stdio: ["ignore", "pipe", "pipe"],
            });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (chunk: Buffer) => (stdout = (stdout + chunk.toString()).slice(-OUTPUT_LIMIT)));
            child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-OUTPUT_LIMIT)));
            let timedOut = false;
            const timer = setTimeout(() => {
                timedOut = true;
                child.kill("SIGKILL");
            }, this.options.timeoutMs);
            child.on("error", (error) => {
                clearTimeout(timer);
                reject(error);
            });
            child.on("close", (code, signal) => {
                clearTimeout(timer);
                resolve({ code, signal, stdout, stderr, timedOut });
            });
        });
    }
}

interface PlanProcessResult {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
}

/** What a finished plan process means, by the plan's exit status (offline-plan/cli.ts). */
export function outcomeOf(result: PlanProcessResult, planFile: (name: string) => string, inCallersTerms: (text: string) => string, timeoutMs: number): PlanOutcome {
    if (result.timedOut) {
        return { kind: "timed-out", seconds: timeoutMs / 1000 };
    }
    switch (result.code) {
        case exitStatus.ok:
        case exitStatus.planFailed: {
            const lines = result.stdout.trimEnd().split("\n");
            return {
                kind: "planned",
                ok: result.code === exitStatus.ok,
                verdict: inCallersTerms(lines[lines.length - 1]),
                checks: JSON.parse(planFile("checks.json")),
                summary: planFile("summary.md"),
            };
        }
        case exitStatus.badInput:
            return {
                kind: "refused",
                problems: result.stderr.split("\n").filter((line) => line.startsWith("plan: ")).map((line) => inCallersTerms(line.slice("plan: ".length))),
            };
        default:
            return { kind: "broke", detail: `the plan exited with ${result.code ?? result.signal}: ${result.stderr.slice(-4000)}` };
    }
}
