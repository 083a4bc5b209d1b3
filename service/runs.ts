// Runs of the driver on the service's project: one active at a time, its events kept in order (on disk and
// for the subscribers of its event stream), a phase of `up` waiting for a caller's confirmation unless the
// request said not to, cancelled through the driver's AbortSignal by a DELETE or by the service stopping.
import { randomUUID } from "crypto";
import type { FastifyBaseLogger } from "fastify";
import { destroy, DriverError, PhasePreview, preview, refresh, RunReport, up, UpOptions, plan } from "../automation";
import { recordableEvent, recordableReport, withoutOutputs } from "./redact";
import { endStatus, EventLine, foldRun, RecordLine, RunEvent, RunFile, RunOperation, RunRequest, RunStore, RunView } from "./records";

const operations: Record<RunOperation, (options: UpOptions) => Promise<RunReport>> = { preview, up, destroy, refresh };

export type StartResult =
    | { started: RunView }
    /** Another run of the project is active. */
    | { conflict: RunView }
    /** The driver refuses the request before running anything (an unknown stack, invalid stack files). */
    | { refused: string }
    | { closing: true };

export type ConfirmResult = { confirmed: RunView } | { notFound: true } | { notWaiting: RunView } | { otherPhase: number };
export type CancelResult = { cancelling: RunView } | { notFound: true } | { ended: RunView };

/** A run's events so far, and, while it is active, a way to hear the next ones. */
export interface RunEvents {
    past: EventLine[];
    /** Undefined once the run has ended; returns the function that stops listening. */
    subscribe?: (listener: (line: EventLine) => void) => () => void;
}

class ActiveRun {
    readonly lines: RecordLine[];
    readonly listeners = new Set<(line: EventLine) => void>();
    readonly cancel = new AbortController();
    readonly terminate = new AbortController();
    cancelledByCaller = false;
    waiting?: { phase: number; answer: (apply: boolean) => void };
    finished: Promise<void> = Promise.resolve();

    constructor(
        readonly id: string,
        readonly request: RunRequest,
        private readonly file: RunFile,
        first: RecordLine,
        private readonly redact: <T>(value: T) => T,
    ) {
        this.lines = [first];
    }

    emit(event: RunEvent): void {
        const line: EventLine = { kind: "event", seq: this.lines.length - 1, at: new Date().toISOString(), event: this.redact(event) };
        this.file.append(line);
        this.lines.push(line);
        this.listeners.forEach((listener) => listener(line));
    }

    /** The driver's `confirm`: resolves once a caller answers, or false when the run is cancelled meanwhile. */
    askConfirmation(phase: PhasePreview): Promise<boolean> {
        return new Promise((resolve) => {
            if (this.cancel.signal.aborted) {
                resolve(false);
                return;
            }
            const onAbort = () => answer(false);
            const answer = (apply: boolean) => {
                this.cancel.signal.removeEventListener("abort", onAbort);
                this.waiting = undefined;
                resolve(apply);
            };
            this.cancel.signal.addEventListener("abort", onAbort, { once: true });
            this.waiting = { phase: phase.phase, answer };
            this.emit({ type: "confirmation-requested", phase: phase.phase, phaseCount: phase.phaseCount, previews: phase.stacks.map(withoutOutputs), later: phase.later });
        });
    }

    close(): void {
        this.file.close();
        this.listeners.clear();
    }
}

export class Runs {
    private active?: ActiveRun;
    private closing = false;

    constructor(
        private readonly store: RunStore,
        private readonly options: { projectDir: string; redact: <T>(value: T) => T; log: FastifyBaseLogger },
    ) {}

    start(request: RunRequest): StartResult {
        if (this.closing) {
            return { closing: true };
        }
        if (this.active) {
            return { conflict: this.view(this.active.id)! };
        }
        try {
            // From the files alone: an unknown stack or a bad stack file is the caller's answer, not a run.
            plan({ projectDir: this.options.projectDir, stacks: request.stacks }, request.operation);
        } catch (e) {
            if (e instanceof DriverError) {
                return { refused: this.options.redact(e.message) };
            }
            throw e;
        }
        const id = randomUUID();
        const at = new Date().toISOString();
        const run = new ActiveRun(id, request, this.store.create(id, at, request), { kind: "request", id, at, request }, this.options.redact);
        this.active = run;
        run.finished = this.execute(run).finally(() => {
            run.close();
            this.active = undefined;
        });
        this.options.log.info({ run: id, operation: request.operation, stacks: request.stacks }, "run started");
        return { started: this.view(id)! };
    }

    view(id: string): RunView | undefined {
        return foldRun(this.active?.id === id ? this.active.lines : this.store.lines(id) ?? []);
    }

    events(id: string): RunEvents | undefined {
        const run = this.active?.id === id ? this.active : undefined;
        const lines = run ? run.lines : this.store.lines(id);
        if (lines === undefined || foldRun(lines) === undefined) {
            return undefined;
        }
        const past = lines.filter((line): line is EventLine => line.kind === "event");
        if (!run) {
            return { past };
        }
        return {
            past,
            subscribe: (listener) => {
                run.listeners.add(listener);
                return () => run.listeners.delete(listener);
            },
        };
    }

    confirm(id: string, answer: { apply: boolean; phase?: number }): ConfirmResult {
        const run = this.active?.id === id ? this.active : undefined;
        if (!run) {
            const view = this.view(id);
            return view ? { notWaiting: view } : { notFound: true };
        }
        if (!run.waiting) {
            return { notWaiting: this.view(id)! };
        }
        if (answer.phase !== undefined && answer.phase !== run.waiting.phase) {
            return { otherPhase: run.waiting.phase };
        }
        const { phase, answer: reply } = run.waiting;
        run.emit({ type: "confirmation", phase, apply: answer.apply });
        reply(answer.apply);
        return { confirmed: this.view(id)! };
    }

    cancel(id: string): CancelResult {
        const run = this.active?.id === id ? this.active : undefined;
        if (!run) {
            const view = this.view(id);
            return view ? { ended: view } : { notFound: true };
        }
        if (!run.cancelledByCaller) {
            run.cancelledByCaller = true;
            run.emit({ type: "cancel-requested" });
            run.cancel.abort();
        }
        return { cancelling: this.view(id)! };
    }

    /**
     * Starts no more runs and cancels the active one through the driver's signal (each running CLI stops at a safe
     * point); after `graceMs` its CLIs are stopped at once (`terminate`). Resolves once it has ended and is recorded.
     */
    async shutdown(graceMs: number): Promise<void> {
        this.closing = true;
        const run = this.active;
        if (!run) {
            return;
        }
        this.options.log.info({ run: run.id }, "cancelling the active run: the service is stopping");
        run.cancel.abort();
        const terminate = setTimeout(() => {
            this.options.log.warn({ run: run.id }, `the run is still going ${graceMs / 1000} s after it was cancelled: stopping its Pulumi CLIs at once`);
            this.terminate();
        }, graceMs);
        await run.finished;
        clearTimeout(terminate);
    }

    /** Stops the active run's Pulumi CLIs at once (the driver's `terminate`), which may leave pending operations and a lock. */
    terminate(): void {
        this.active?.terminate.abort();
    }

    private async execute(run: ActiveRun): Promise<void> {
        const { operation, stacks, yes } = run.request;
        const options: UpOptions = {
            projectDir: this.options.projectDir,
            stacks,
            onEvent: (event) => run.emit(recordableEvent(event)),
            signal: run.cancel.signal,
            terminate: run.terminate.signal,
            ...(operation === "up" && yes !== true ? { confirm: (phase: PhasePreview) => run.askConfirmation(phase) } : {}),
        };
        let ended: Extract<RunEvent, { type: "ended" }>;
        try {
            const report = await operations[operation](options);
            ended = { type: "ended", status: endStatus(report, run.cancelledByCaller), report: recordableReport(report) };
        } catch (e) {
            // A run that cannot start (no Pulumi CLI, no passphrase...) says why in the driver's words; anything else is a bug.
            if (!(e instanceof DriverError)) {
                this.options.log.error({ run: run.id, err: e }, "run failed unexpectedly");
            }
            const status = !run.cancel.signal.aborted ? "failed" : run.cancelledByCaller ? "cancelled" : "interrupted";
            ended = { type: "ended", status, error: e instanceof DriverError ? e.message : `unexpected error (see the service's log): ${(e as Error).message}` };
        }
        run.emit(ended);
        this.options.log.info({ run: run.id, operation, status: ended.status }, "run ended");
    }
}
