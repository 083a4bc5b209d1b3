// The access checks evaluated on every core: a plan of hundreds of targets makes thousands of checks, each
// an IAM evaluation of a millisecond or more, and they are independent of each other. The checks are cut
// into contiguous slices, one per core: this thread evaluates the first (beside the plan's other checks),
// a worker thread each of the others; the findings come back in the order of the checks, as the checks
// give them evaluated one after the other.
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { AccessCheck, AccessFinding, evaluateCheck } from "./evaluation";

/**
 * A worker starts cold (a thread, the evaluator's modules and data, the compiling of its code), about what
 * a thousand checks cost: a 25-target plan's 765 checks take less here alone than with a worker.
 */
const checksPerSlice = 1000;

/** How many worker threads evaluate `checks` beside this one: a slice per core, while each slice gets checksPerSlice. */
export function workerCount(checks: number, cores = os.availableParallelism()): number {
    return Math.max(0, Math.min(cores, Math.floor(checks / checksPerSlice)) - 1);
}

/** Contiguous slices of `items`, `count` of them, as even as they divide. */
export function slices<T>(items: T[], count: number): T[][] {
    return Array.from({ length: count }, (_, i) => items.slice(Math.floor((i * items.length) / count), Math.floor(((i + 1) * items.length) / count)));
}

/** What a worker answers for one check: its finding without the check, which the caller holds. */
export type WorkerFinding = Omit<AccessFinding, "check">;

/** Every check evaluated, in order: the first slice here, one after the other, and one slice in each of `workers` threads. */
export async function evaluateChecks(checks: AccessCheck[], workers = workerCount(checks.length)): Promise<AccessFinding[]> {
    const [here, ...elsewhere] = slices(checks, workers + 1);
    // Started first, so that they run while this thread evaluates its own slice.
    const answered = Promise.all(elsewhere.map(evaluateInWorker));
    // One after the other: all at once takes no less time, and holds every request's evaluation in memory together.
    const findings: AccessFinding[] = [];
    for (const check of here) {
        findings.push(await evaluateCheck(check));
    }
    const fromWorkers = (await answered).flat();
    return [...findings, ...fromWorkers.map((finding, i) => ({ check: checks[here.length + i], ...finding }))];
}

/** One slice in a worker thread. The slice goes as one message, so checks that share a policy document still share it there. */
function evaluateInWorker(checks: AccessCheck[]): Promise<WorkerFinding[]> {
    return new Promise((resolve, reject) => {
        const worker = new Worker(path.join(__dirname, "checkWorker.js"), { workerData: checks });
        worker.once("message", (findings: WorkerFinding[]) => resolve(findings));
        worker.once("error", reject);
        worker.once("exit", (code) => reject(new Error(`an access-check worker exited with code ${code} before it answered`)));
    });
}
