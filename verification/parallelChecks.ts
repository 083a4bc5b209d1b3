// The access checks evaluated on every core: a plan of hundreds of targets makes thousands of checks, each
// an IAM evaluation of a millisecond or more, and they are independent of each other. Each worker thread
// gets a contiguous slice of the checks and answers with its findings in order, so the findings are the
// ones the checks give evaluated one after the other, in the same order.
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { AccessCheck, AccessFinding, evaluateCheck } from "./evaluation";

/** Starting a worker (a thread, the evaluator's modules) costs about what this many checks do: fewer run here. */
const checksPerWorker = 500;

/** How many worker threads evaluate `checks`: one per core while each gets at least checksPerWorker; none for fewer. */
export function workerCount(checks: number, cores = os.availableParallelism()): number {
    const workers = Math.min(cores, Math.floor(checks / checksPerWorker));
    return workers < 2 ? 0 : workers;
}

/** Contiguous slices of `items`, `count` of them, as even as they divide. */
export function slices<T>(items: T[], count: number): T[][] {
    return Array.from({ length: count }, (_, i) => items.slice(Math.floor((i * items.length) / count), Math.floor(((i + 1) * items.length) / count)));
}

/** What a worker answers for one check: its finding without the check, which the caller holds. */
export type WorkerFinding = Omit<AccessFinding, "check">;

/** Every check evaluated, in order: in `workers` threads (by default as workerCount says), or with none one after the other here. */
export async function evaluateChecks(checks: AccessCheck[], workers = workerCount(checks.length)): Promise<AccessFinding[]> {
    if (workers === 0) {
        // One after the other: all at once takes no less time, and holds every request's evaluation in memory together.
        const findings: AccessFinding[] = [];
        for (const check of checks) {
            findings.push(await evaluateCheck(check));
        }
        return findings;
    }
    const answered = await Promise.all(slices(checks, workers).map(evaluateInWorker));
    return answered.flat().map((finding, i) => ({ check: checks[i], ...finding }));
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
