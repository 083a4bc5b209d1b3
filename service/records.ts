// Run records on disk: one file per run, `<id>.jsonl`, appended line by line as the run goes (its request,
// then each event, the last one `ended` with the report), so that a run survives a restart of the service.
// A run whose file has no `ended` was active when the service stopped: on start it is marked interrupted,
// with the stacks it had touched.
import * as fs from "fs";
import * as path from "path";
import type { DriverEvent, RunReport, StackResult } from "../automation";

export type RunOperation = "preview" | "up" | "destroy" | "refresh";

/** What a caller asked for: nothing else is kept of the request. */
export interface RunRequest {
    operation: RunOperation;
    stacks?: string[];
    /** `up` only: apply each phase without waiting for a confirmation. */
    yes?: boolean;
}

export type EndStatus = "succeeded" | "failed" | "cancelled" | "interrupted";
export type RunStatus = "running" | "awaiting-confirmation" | EndStatus;

/** The previews of a phase of `up` waiting for POST /v1/runs/{id}/confirm. */
export interface ConfirmationRequest {
    phase: number;
    phaseCount: number;
    previews: StackResult[];
    /** The phases after this one, each previewed and confirmed in its turn. */
    later: string[][];
}

/** The driver's events, and the service's own about the run. */
export type RunEvent =
    | DriverEvent
    | ({ type: "confirmation-requested" } & ConfirmationRequest)
    | { type: "confirmation"; phase: number; apply: boolean }
    | { type: "cancel-requested" }
    | {
          type: "ended";
          status: EndStatus;
          report?: RunReport;
          /** Why the run could not start or did not end by itself. */
          error?: string;
          /** Interrupted by a restart: the stacks whose operation had started and not finished. */
          runningStacks?: string[];
      };

export type RecordLine =
    | { kind: "request"; id: string; at: string; request: RunRequest }
    | { kind: "event"; seq: number; at: string; event: RunEvent };

export type EventLine = Extract<RecordLine, { kind: "event" }>;

/** A run as GET /v1/runs/{id} shows it. */
export interface RunView {
    id: string;
    request: RunRequest;
    status: RunStatus;
    createdAt: string;
    endedAt?: string;
    /** The stacks an operation (a preview included) started on, in order. */
    touchedStacks: string[];
    awaitingConfirmation?: ConfirmationRequest;
    report?: RunReport;
    error?: string;
}

/** A run's lines, folded into what it is now; undefined without its request line. */
export function foldRun(lines: readonly RecordLine[]): RunView | undefined {
    const [first, ...rest] = lines;
    if (first?.kind !== "request") {
        return undefined;
    }
    const events = rest.filter((line): line is EventLine => line.kind === "event");
    const view: RunView = { id: first.id, request: first.request, status: "running", createdAt: first.at, touchedStacks: touchedStacks(events) };
    for (const { at, event } of events) {
        if (event.type === "confirmation-requested") {
            const { type: _type, ...request } = event;
            view.awaitingConfirmation = request;
        } else if (event.type === "confirmation" || event.type === "cancel-requested") {
            delete view.awaitingConfirmation;
        } else if (event.type === "ended") {
            delete view.awaitingConfirmation;
            view.status = event.status;
            view.endedAt = at;
            Object.assign(view, event.report ? { report: event.report } : {}, event.error ? { error: event.error } : {});
        }
    }
    if (view.awaitingConfirmation) {
        view.status = "awaiting-confirmation";
    }
    return view;
}

/** The stacks an operation started on, in order. */
export function touchedStacks(events: readonly EventLine[]): string[] {
    return [...new Set(events.flatMap(({ event }) => (event.type === "started" ? [event.stack] : [])))];
}

/** The stacks whose last operation started and has not finished. */
export function runningStacks(events: readonly EventLine[]): string[] {
    const running = new Set<string>();
    for (const { event } of events) {
        if (event.type === "started") {
            running.add(event.stack);
        } else if (event.type === "finished") {
            running.delete(event.result.stack);
        }
    }
    return [...running];
}

/** The last event of a run that was active when the service stopped. */
export function interruptedByRestart(events: readonly EventLine[]): Extract<RunEvent, { type: "ended" }> {
    const running = runningStacks(events);
    const touched = touchedStacks(events);
    const stacks = running.length > 0
        ? `; ${running.join(", ")} ${running.length === 1 ? "was" : "were"} running: if one says it is locked, run \`pulumi cancel\` on it, then \`pulumi refresh\``
        : touched.length > 0 ? `; no stack was running (touched: ${touched.join(", ")})` : "; no stack had started";
    return { type: "ended", status: "interrupted", error: `the service stopped while this run was active${stacks}`, runningStacks: running };
}

/** The status a run ends with: cancelled by a DELETE, interrupted by the service stopping, else as the report says. */
export function endStatus(report: RunReport, cancelledByCaller: boolean): EndStatus {
    if (report.interrupted) {
        return cancelledByCaller ? "cancelled" : "interrupted";
    }
    return report.ok ? "succeeded" : "failed";
}

/** A run's file, open for appending: each line is written through at once, so that a crash loses none. */
export class RunFile {
    constructor(private readonly fd: number) {}

    append(line: RecordLine): void {
        fs.writeSync(this.fd, `${JSON.stringify(line)}\n`);
    }

    close(): void {
        fs.closeSync(this.fd);
    }
}

/** The folder of run records: readable by the service's user only. */
export class RunStore {
    private constructor(readonly dir: string) {}

    /** Opens (creating) the folder and ends every run a stopped service left active; returns those runs. */
    static open(dir: string): { store: RunStore; interrupted: RunView[] } {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const store = new RunStore(dir);
        const interrupted: RunView[] = [];
        for (const id of store.ids()) {
            const lines = store.lines(id) ?? [];
            const status = foldRun(lines)?.status;
            if (status === "running" || status === "awaiting-confirmation") {
                const events = lines.filter((line): line is EventLine => line.kind === "event");
                const file = store.append(id);
                const seq = events.length === 0 ? 0 : events[events.length - 1].seq + 1;
                file.append({ kind: "event", seq, at: new Date().toISOString(), event: interruptedByRestart(events) });
                file.close();
                interrupted.push(foldRun(store.lines(id)!)!);
            }
        }
        return { store, interrupted };
    }

    /** A new run's file, holding its request. */
    create(id: string, at: string, request: RunRequest): RunFile {
        const file = new RunFile(fs.openSync(this.fileOf(id), "wx", 0o600));
        file.append({ kind: "request", id, at, request });
        return file;
    }

    /** A run's lines; undefined for a run it does not have. A last line cut short by a crash is left out. */
    lines(id: string): RecordLine[] | undefined {
        let text: string;
        try {
            text = fs.readFileSync(this.fileOf(id), "utf8");
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "ENOENT") {
                return undefined;
            }
            throw e;
        }
        return text.split("\n").flatMap((line) => {
            try {
                return line === "" ? [] : [JSON.parse(line) as RecordLine];
            } catch {
                return [];
            }
        });
    }

    private ids(): string[] {
        return fs.readdirSync(this.dir).filter((file) => file.endsWith(".jsonl")).map((file) => file.slice(0, -".jsonl".length));
    }

    /** A run's file, open for appending after its last whole line (a line a crash cut short is ended first). */
    private append(id: string): RunFile {
        const fd = fs.openSync(this.fileOf(id), "a+", 0o600);
        const { size } = fs.fstatSync(fd);
        const last = Buffer.alloc(1);
        if (size > 0 && fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a) {
            fs.writeSync(fd, "\n");
        }
        return new RunFile(fd);
    }

    private fileOf(id: string): string {
        // Ids are the service's own UUIDs, and the routes accept nothing else: never a path.
        if (!/^[0-9a-f-]{36}$/.test(id)) {
            throw new Error(`not a run id: ${JSON.stringify(id)}`);
        }
        return path.join(this.dir, `${id}.jsonl`);
    }
}
