// The HTTP service (Fastify): /healthz without a token; under /v1, with `Authorization: Bearer <token>`, plans of a
// caller's files and runs of the driver on the service's project, their events as server-sent events.
import bearerAuth from "@fastify/bearer-auth";
import Fastify, { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from "fastify";
import * as path from "path";
import { Planner, PlanOutcome } from "./planner";
import { EventLine, RunRequest, RunStore } from "./records";
import { redactor, secretValues } from "./redact";
import { Runs } from "./runs";
import { BODY_LIMIT, ConfirmBody, confirmBody, PLAN_BODY_LIMIT, PlanBody, planBody, runBody, RunParams, runParams, validationProblems } from "./schemas";
import type { ServiceSettings } from "./settings";

/** A comment line this often keeps an event stream open through proxies and load balancers that close idle connections. */
const SSE_KEEPALIVE_MS = 15_000;

export interface Service {
    app: FastifyInstance;
    runs: Runs;
}

/** The service, ready to listen; the runs a stopped service had left active are marked interrupted first. */
export function buildService(settings: ServiceSettings, logger: FastifyServerOptions["logger"] = { level: settings.logLevel }): Service {
    const app = Fastify({
        logger,
        bodyLimit: BODY_LIMIT,
        ajv: { customOptions: { allErrors: true, verbose: true, removeAdditional: false, coerceTypes: false, useDefaults: false } },
    });
    const redact = redactor(secretValues(process.env, [settings.token]));
    const { store, interrupted } = RunStore.open(settings.recordsDir);
    interrupted.forEach((run) => app.log.warn({ run: run.id, touchedStacks: run.touchedStacks }, "run marked interrupted: it was active when the service stopped"));
    const runs = new Runs(store, { projectDir: settings.projectDir, redact, log: app.log });
    const planner = new Planner({
        codeDir: path.resolve(__dirname, ".."),
        concurrency: settings.planConcurrency,
        queue: settings.planQueue,
        timeoutMs: settings.planTimeoutMs,
    });

    app.setErrorHandler(errorHandler);
    app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url.split("?")[0]}` }));
    // SIGTERM (main.ts) closes the app: the active run is cancelled and recorded before the server stops.
    app.addHook("preClose", () => runs.shutdown(settings.shutdownGraceMs));

    app.get("/healthz", async () => ({ ok: true }));

    app.register(async (v1) => {
        await v1.register(bearerAuth, {
            keys: [settings.token],
            verifyErrorLogLevel: "warn",
            errorResponse: () => ({ error: "unauthorized: send Authorization: Bearer <token>, the token the service was started with" }),
        });

        v1.post<{ Body: PlanBody }>("/plan", { bodyLimit: PLAN_BODY_LIMIT, schema: { body: planBody } }, async (request, reply) => {
            const outcome = await planner.plan(request.body.files);
            if (outcome.kind === "broke") {
                request.log.error({ detail: outcome.detail }, "the plan broke");
            }
            const { status, body, headers } = planAnswer(outcome);
            return reply.code(status).headers(headers ?? {}).send(body);
        });

        v1.post<{ Body: RunRequest }>("/runs", { schema: { body: runBody } }, async (request, reply) => {
            const result = runs.start(request.body);
            if ("started" in result) {
                return reply.code(202).header("location", `/v1/runs/${result.started.id}`).send(result.started);
            }
            if ("conflict" in result) {
                const { id, request: active } = result.conflict;
                return reply.code(409).send({
                    error: `run ${id} (${active.operation}) is active on this project; wait for it to end, or cancel it with DELETE /v1/runs/${id}`,
                    activeRun: result.conflict,
                });
            }
            if ("refused" in result) {
                return reply.code(422).send({ error: "the driver refuses this run", problems: [result.refused] });
            }
            return reply.code(503).send({ error: "the service is stopping; retry on another instance or once it is back" });
        });

        v1.get<{ Params: RunParams }>("/runs/:id", { schema: { params: runParams } }, async (request, reply) => {
            const view = runs.view(request.params.id);
            return view ? view : reply.code(404).send(noRun(request.params.id));
        });

        v1.get<{ Params: RunParams }>("/runs/:id/events", { schema: { params: runParams } }, async (request, reply) => {
            const events = runs.events(request.params.id);
            if (!events) {
                return reply.code(404).send(noRun(request.params.id));
            }
            streamEvents(reply, events, lastEventId(request.headers["last-event-id"]));
            return reply;
        });

        v1.post<{ Params: RunParams; Body: ConfirmBody | null }>("/runs/:id/confirm", { schema: { params: runParams, body: confirmBody } }, async (request, reply) => {
            const { id } = request.params;
            const result = runs.confirm(id, { apply: request.body?.apply ?? true, phase: request.body?.phase });
            if ("confirmed" in result) {
                return result.confirmed;
            }
            if ("notFound" in result) {
                return reply.code(404).send(noRun(id));
            }
            if ("otherPhase" in result) {
                return reply.code(409).send({ error: `phase ${result.otherPhase} is waiting for a confirmation, not phase ${request.body?.phase}` });
            }
            return reply.code(409).send({ error: `run ${id} is not waiting for a confirmation (it is ${result.notWaiting.status})`, run: result.notWaiting });
        });

        v1.delete<{ Params: RunParams }>("/runs/:id", { schema: { params: runParams } }, async (request, reply) => {
            const { id } = request.params;
            const result = runs.cancel(id);
            if ("cancelling" in result) {
                return reply.code(202).send(result.cancelling);
            }
            if ("notFound" in result) {
                return reply.code(404).send(noRun(id));
            }
            return reply.code(409).send({ error: `run ${id} has ended (${result.ended.status}); there is nothing to cancel`, run: result.ended });
        });
    }, { prefix: "/v1" });

    return { app, runs };
}

/** The HTTP answer to a plan's outcome. */
export function planAnswer(outcome: PlanOutcome): { status: number; body: object; headers?: Record<string, string> } {
    switch (outcome.kind) {
        case "planned":
            return { status: 200, body: { ok: outcome.ok, verdict: outcome.verdict, checks: outcome.checks, summary: outcome.summary } };
        case "refused":
            return { status: 422, body: { error: "the plan refuses these files", problems: outcome.problems } };
        case "busy":
            return {
                status: 429,
                headers: { "retry-after": "10" },
                body: { error: `${outcome.running} plans are running and ${outcome.waiting} waiting, as many as this service takes; retry in a few seconds` },
            };
        case "timed-out":
            return { status: 504, body: { error: `the plan took longer than ${outcome.seconds} s and was stopped` } };
        case "broke":
            return { status: 500, body: { error: "the plan broke (a bug in the plan, not in your files); the service's log has the details" } };
    }
}

function noRun(id: string): { error: string } {
    return { error: `no run ${id}` };
}

/** The `Last-Event-ID` a reconnecting EventSource sends: the events after it are sent again. */
export function lastEventId(header: string | string[] | undefined): number {
    const value = Array.isArray(header) ? header[0] : header;
    return value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : -1;
}

/** One server-sent event: its id is the event's sequence number, its data the event as JSON (one line). */
export function sseMessage(line: EventLine): string {
    return `id: ${line.seq}\ndata: ${JSON.stringify({ seq: line.seq, at: line.at, ...line.event })}\n\n`;
}

/** Every event of the run from the start (or after `after`), then, while it runs, each as it comes; the stream ends with the run. */
function streamEvents(reply: FastifyReply, events: NonNullable<ReturnType<Runs["events"]>>, after: number): void {
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
        "x-accel-buffering": "no",
    });
    const send = (line: EventLine) => {
        if (line.seq > after) {
            response.write(sseMessage(line));
        }
        if (line.event.type === "ended") {
            finish();
        }
    };
    const keepalive = setInterval(() => response.write(": keep-alive\n\n"), SSE_KEEPALIVE_MS);
    let unsubscribe: (() => void) | undefined;
    const finish = () => {
        clearInterval(keepalive);
        unsubscribe?.();
        response.end();
    };
    // Past events and the subscription in one go: no event falls between them.
    const ended = events.past.some((line) => line.event.type === "ended");
    events.past.forEach(send);
    if (!ended && events.subscribe) {
        unsubscribe = events.subscribe(send);
        response.on("close", finish);
    } else if (!ended) {
        finish();
    }
}

function errorHandler(this: FastifyInstance, error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (error.validation) {
        return reply.code(400).send({
            error: `the request's ${error.validationContext ?? "input"} is not as expected`,
            problems: validationProblems(error.validationContext ?? "input", error.validation),
        });
    }
    switch (error.code) {
        case "FST_ERR_CTP_BODY_TOO_LARGE":
            return reply.code(413).send({ error: `the body is larger than this route takes, ${request.routeOptions.bodyLimit} bytes` });
        case "FST_ERR_CTP_INVALID_JSON_BODY":
        case "FST_ERR_CTP_EMPTY_JSON_BODY":
            return reply.code(400).send({ error: "the body is not valid JSON; expected a JSON object" });
        case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
            return reply.code(415).send({ error: `a body of type ${request.headers["content-type"]} is not taken; expected Content-Type: application/json` });
    }
    if (error.statusCode !== undefined && error.statusCode < 500) {
        return reply.code(error.statusCode).send({ error: error.message });
    }
    request.log.error({ err: error }, "request failed");
    return reply.code(500).send({ error: "internal error; the service's log has the details" });
}
