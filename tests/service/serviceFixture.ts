// The service on a free loopback port, for one test: real HTTP over 127.0.0.1, its log and run records kept
// where the test can read them.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { Writable } from "stream";
import { buildService } from "../../service/app";
import type { ServiceSettings } from "../../service/settings";
import { projectRoot } from "../fixtures";
import type { PropertyBag } from "../../evaluation/propertyBag";

export interface Answer {
    status: number;
    headers: http.IncomingHttpHeaders;
    text: string;
    /** The body as JSON (undefined when it is not): a test reads the fields it asserts. */
    json: PropertyBag;
}

/** One server-sent event: its id and its data. */
export interface StreamedEvent {
    id: number;
    data: PropertyBag;
}

export interface RunningService {
    url: string;
    token: string;
    recordsDir: string;
    /** Every log line so far. */
    logs(): string;
    /** Every answer this test received, as text. */
    answers(): string[];
    request(method: string, route: string, options?: { body?: unknown; raw?: string | Buffer; token?: string | null; headers?: Record<string, string> }): Promise<Answer>;
    /** The run's event stream, read to its end; `lastEventId` as a reconnecting EventSource sends it. */
    events(id: string, lastEventId?: number): Promise<StreamedEvent[]>;
    /** Polls the run until `done` holds; fails naming `what` after 45 s. */
    until(id: string, what: string, done: (run: Answer["json"]) => boolean): Promise<Answer["json"]>;
}

export const newToken = (): string => randomBytes(32).toString("hex");

/** Runs `test` against the service, started with these settings over the defaults; closes it after (as SIGTERM does). */
export async function withService<T>(overrides: Partial<ServiceSettings>, test: (service: RunningService) => Promise<T>): Promise<T> {
    const recordsDir = overrides.recordsDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "service-records-"));
    const settings: ServiceSettings = {
        port: 0,
        host: "127.0.0.1",
        token: newToken(),
        projectDir: projectRoot,
        recordsDir,
        planConcurrency: 2,
        planQueue: 8,
        planTimeoutMs: 120_000,
        shutdownGraceMs: 20_000,
        logLevel: "info",
        ...overrides,
    };
    let logs = "";
    const stream = new Writable({ write: (chunk, _encoding, done) => ((logs += chunk.toString()), done()) });
    const { app } = buildService(settings, { level: "info", stream });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as { port: number };
    const answers: string[] = [];
    const service: RunningService = {
        url: `http://127.0.0.1:${port}`,
        token: settings.token,
        recordsDir,
        logs: () => logs,
        answers: () => answers,
        request: async (method, route, options = {}) => {
            const answer = await send(port, method, route, {
                ...(options.token === null ? {} : { authorization: `Bearer ${options.token ?? settings.token}` }),
                ...(options.body !== undefined || options.raw !== undefined ? { "content-type": "application/json" } : {}),
                ...options.headers,
            }, options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)));
            answers.push(answer.text);
            return answer;
        },
        events: async (id, lastEventId) => {
            const answer = await send(port, "GET", `/v1/runs/${id}/events`, {
                authorization: `Bearer ${settings.token}`,
                ...(lastEventId === undefined ? {} : { "last-event-id": String(lastEventId) }),
            });
            answers.push(answer.text);
            if (answer.status !== 200 || !String(answer.headers["content-type"]).startsWith("text/event-stream")) {
                throw new Error(`events of ${id}: ${answer.status} ${answer.text}`);
            }
            return parseEventStream(answer.text);
        },
        until: async (id, what, done) => {
            const giveUp = Date.now() + 45_000;
            for (;;) {
                const { json } = await service.request("GET", `/v1/runs/${id}`);
                if (done(json)) {
                    return json;
                }
                if (Date.now() > giveUp) {
                    throw new Error(`gave up waiting for ${what}; the run: ${JSON.stringify(json)}`);
                }
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
        },
    };
    try {
        return await test(service);
    } finally {
        await app.close();
        if (overrides.recordsDir === undefined) {
            fs.rmSync(recordsDir, { recursive: true, force: true });
        }
    }
}

/** One HTTP request over loopback, its answer read whole (a body the server refuses early included). */
export function send(port: number, method: string, route: string, headers: Record<string, string>, body?: string | Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
        const request = http.request({ host: "127.0.0.1", port, method, path: route, headers }, (response) => {
            let text = "";
            response.setEncoding("utf8");
            response.on("data", (chunk: string) => (text += chunk));
            response.on("end", () => {
                let json: unknown;
                try {
                    json = JSON.parse(text);
                } catch {
                    json = undefined;
                }
                resolve({ status: response.statusCode!, headers: response.headers, text, json: json as PropertyBag });
            });
        });
        // The server may answer (413) and close before the whole body is sent: the answer is what counts.
        request.on("error", (error: NodeJS.ErrnoException) => (["EPIPE", "ECONNRESET"].includes(error.code ?? "") ? undefined : reject(error)));
        request.end(body);
    });
}

/** Server-sent events as an EventSource reads them: `id:` and `data:` lines, a blank line after each; comments skipped. */
export function parseEventStream(text: string): StreamedEvent[] {
    return text.split("\n\n").filter((block) => /^(id|data):/m.test(block)).map((block) => {
        const field = (name: string) => block.split("\n").filter((line) => line.startsWith(`${name}: `)).map((line) => line.slice(name.length + 2)).join("\n");
        return { id: Number(field("id")), data: JSON.parse(field("data")) };
    });
}

/** The shipped project file and example stack files, as a caller holds them. */
export function shippedFiles(): Record<string, string> {
    return Object.fromEntries(["Pulumi.yaml", "Pulumi.accountA.yaml", "Pulumi.accountB.yaml"].map((name) => [name, fs.readFileSync(path.join(projectRoot, name), "utf8")]));
}
