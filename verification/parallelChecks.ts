// The access checks evaluated on every core: a plan of hundreds of targets makes thousands of checks, each
// an IAM evaluation of a millisecond or more, and they are independent of each other. This thread and a
// worker thread per other core take the checks in chunks, each the next one not yet taken (a counter
// they share), so that a thread busy with other work (the plan's create-time checks and rules run here
// too) takes fewer; the findings are put back in the order of the checks, as the checks give them
// evaluated one after the other.
import * as os from "os";
import * as path from "path";
import { setImmediate as nextTurn } from "timers/promises";
import { Worker } from "worker_threads";
import { AccessCheck, AccessFinding, evaluateCheck } from "./evaluation";

/**
 * A worker starts cold (a thread, the evaluator's modules and data, the compiling of its code), about what
 * a thousand checks cost: a 25-target plan's 765 checks take less here alone than with a worker.
 */
const checksPerThread = 1000;

/** Checks taken at a time: small enough that the threads end together, large enough that taking is rare. */
export const chunkSize = 25;

/** How many worker threads evaluate `checks` beside this one: one per other core while each thread gets checksPerThread. */
export function workerCount(checks: number, cores = os.availableParallelism()): number {
    return Math.max(0, Math.min(cores, Math.floor(checks / checksPerThread)) - 1);
}

/** What a worker is given: every check, and the counter of chunks taken, shared. */
export interface WorkerTask {
    checks: AccessCheck[];
    taken: Int32Array;
}

/** What a worker answers: the chunks it took, each with its findings (without the checks, which the caller holds). */
export type WorkerAnswer = { chunk: number; findings: Omit<AccessFinding, "check">[] }[];

/** The next chunk not yet taken by any thread, or undefined when all are. */
export function takeChunk(taken: Int32Array, checks: number): number | undefined {
    const chunk = Atomics.add(taken, 0, 1);
    return chunk * chunkSize < checks ? chunk : undefined;
}

/** Every check evaluated, in order: here and in `workers` threads, each taking the next chunk until none is left. */
export async function evaluateChecks(checks: AccessCheck[], workers = workerCount(checks.length)): Promise<AccessFinding[]> {
    const taken = new Int32Array(new SharedArrayBuffer(4));
    // Started first, so that they run while this thread evaluates its own chunks.
    const answered = Promise.all(Array.from({ length: workers }, () => evaluateInWorker({ checks, taken })));
    const findings: AccessFinding[] = new Array(checks.length);
    // One after the other: all at once takes no less time, and holds every request's evaluation in memory together.
    for (let chunk = takeChunk(taken, checks.length); chunk !== undefined; chunk = takeChunk(taken, checks.length)) {
        for (let i = chunk * chunkSize; i < Math.min(checks.length, (chunk + 1) * chunkSize); i++) {
            findings[i] = await evaluateCheck(checks[i]);
        }
        // A check awaits only settled promises, so without this the event loop would not turn until the
        // last chunk: I/O this thread has started (the plan folder's files) goes on between chunks.
        await nextTurn();
    }
    for (const { chunk, findings: found } of (await answered).flat()) {
        found.forEach((finding, offset) => (findings[chunk * chunkSize + offset] = { check: checks[chunk * chunkSize + offset], ...finding }));
    }
    return findings;
}

/** The worker thread's side. The checks go as one message, so checks that share a policy document still share it there. */
function evaluateInWorker(task: WorkerTask): Promise<WorkerAnswer> {
    return new Promise((resolve, reject) => {
        const worker = new Worker(path.join(__dirname, "checkWorker.js"), { workerData: task });
        worker.once("message", (answer: WorkerAnswer) => resolve(answer));
        worker.once("error", reject);
        worker.once("exit", (code) => reject(new Error(`an access-check worker exited with code ${code} before it answered`)));
    });
}
