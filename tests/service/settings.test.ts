// The service's decisions as small functions: its settings from the environment, what it hides, how it answers.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lastEventId, planAnswer, sseMessage } from "../../service/app";
import { admits } from "../../service/planner";
import { endStatus, foldRun, interruptedByRestart, RecordLine, RunStore } from "../../service/records";
import { recordableEvent, recordableReport, REDACTED, redactor, secretValues } from "../../service/redact";
import { defaultPlanConcurrency, readSettings, SettingsError } from "../../service/settings";
import type { RunReport, StackResult } from "../../automation";
import { projectRoot } from "../fixtures";

const token = "0123456789abcdef0123456789abcdef";

function problemsOf(env: NodeJS.ProcessEnv, cwd = projectRoot): string[] {
    try {
        readSettings(env, cwd);
    } catch (e) {
        if (e instanceof SettingsError) {
            return e.problems;
        }
        throw e;
    }
    return [];
}

describe("the service's settings", () => {
    it("have defaults for everything but the token", () => {
        const settings = readSettings({ PIPELINE_SERVICE_TOKEN: token }, projectRoot);
        assert.deepEqual({ ...settings, planConcurrency: 0 }, {
            port: 8080, host: "127.0.0.1", token, projectDir: projectRoot, recordsDir: path.join(projectRoot, ".service-runs"),
            planConcurrency: 0, planQueue: 8, planTimeoutMs: 120_000, shutdownGraceMs: 20_000, logLevel: "info",
        });
        assert.equal(settings.planConcurrency, defaultPlanConcurrency(os.availableParallelism()));
    });

    it("run one plan at a time per two cores, at least one", () => {
        assert.deepEqual([1, 2, 3, 4, 16].map(defaultPlanConcurrency), [1, 1, 1, 2, 8]);
    });

    it("take the token from a file, without its last line break; refuse both sources, a missing file, white space, a short token", () => {
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), "service-settings-"));
        try {
            fs.writeFileSync(path.join(folder, "token"), `${token}\n`);
            assert.equal(readSettings({ PIPELINE_SERVICE_TOKEN_FILE: "token", PIPELINE_PROJECT_DIR: projectRoot }, folder).token, token, "a relative path is relative to the working directory");
            assert.deepEqual(problemsOf({ PIPELINE_SERVICE_TOKEN: token, PIPELINE_SERVICE_TOKEN_FILE: path.join(folder, "token") }),
                ["both PIPELINE_SERVICE_TOKEN and PIPELINE_SERVICE_TOKEN_FILE are set; set one of them"]);
            assert.deepEqual(problemsOf({ PIPELINE_SERVICE_TOKEN_FILE: path.join(folder, "nope") }),
                [`PIPELINE_SERVICE_TOKEN_FILE ${path.join(folder, "nope")} cannot be read (ENOENT); expected a file holding the token`]);
            assert.deepEqual(problemsOf({ PIPELINE_SERVICE_TOKEN: `${token} x` }), ["the token contains white space; expected one word (generate one with `openssl rand -hex 32`)"]);
            assert.deepEqual(problemsOf({ PIPELINE_SERVICE_TOKEN: "" }), [
                "no token: set PIPELINE_SERVICE_TOKEN, or PIPELINE_SERVICE_TOKEN_FILE to a file holding it; every route but /healthz requires it (generate one with `openssl rand -hex 32`)",
            ]);
        } finally {
            fs.rmSync(folder, { recursive: true, force: true });
        }
    });

    it("name every problem together: a project folder without Pulumi.yaml and no token", () => {
        assert.deepEqual(problemsOf({ PIPELINE_PROJECT_DIR: os.tmpdir() }), [
            `${os.tmpdir()} has no Pulumi.yaml; run the service in the Pulumi project its runs operate on, or name it in PIPELINE_PROJECT_DIR`,
            "no token: set PIPELINE_SERVICE_TOKEN, or PIPELINE_SERVICE_TOKEN_FILE to a file holding it; every route but /healthz requires it (generate one with `openssl rand -hex 32`)",
        ]);
        assert.deepEqual(problemsOf({ PIPELINE_SERVICE_TOKEN: token, HOST: "", LOG_LEVEL: "loud", PIPELINE_SERVICE_PLAN_QUEUE: "-1" }), [
            'HOST must NOT have fewer than 1 characters, not ""',
            'PIPELINE_SERVICE_PLAN_QUEUE must be >= 0, not "-1"',
            'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "loud"',
        ]);
    });
});

describe("what the service hides", () => {
    it("every secret of its environment and its token, longest first, and a password in a URL, in every string of a value", () => {
        const secrets = secretValues({ PULUMI_CONFIG_PASSPHRASE: "horse", AWS_SECRET_ACCESS_KEY: "horse battery", AWS_REGION: "us-east-2" }, [token]);
        assert.deepEqual(secrets, [token, "horse battery", "horse"]);
        const redact = redactor(secrets);
        assert.deepEqual(
            redact({ line: `key horse battery, passphrase horse, ${token}`, nested: [{ url: "postgres://admin:p4ss@db:5432/state" }], n: 3, region: "us-east-2" }),
            { line: `key ${REDACTED}, passphrase ${REDACTED}, ${REDACTED}`, nested: [{ url: `postgres://admin:${REDACTED}@db:5432/state` }], n: 3, region: "us-east-2" },
        );
    });

    it("reads the passphrase from PULUMI_CONFIG_PASSPHRASE_FILE too", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "service-passphrase-")), "passphrase");
        fs.writeFileSync(file, "from a file\n");
        try {
            assert.deepEqual(secretValues({ PULUMI_CONFIG_PASSPHRASE_FILE: file }), ["from a file"]);
        } finally {
            fs.rmSync(path.dirname(file), { recursive: true, force: true });
        }
    });

    it("every stack's outputs, in a report and in a finished event", () => {
        const result: StackResult = { stack: "accountB", role: "target", status: "succeeded", seconds: 1, outputs: { password: "x" } };
        const report: RunReport = { operation: "up", ok: true, stacks: [result], previews: [result], roleArnChecks: [] };
        const kept = { stack: "accountB", role: "target", status: "succeeded", seconds: 1 };
        assert.deepEqual(recordableReport(report), { ...report, stacks: [kept], previews: [kept] });
        assert.deepEqual(recordableEvent({ type: "finished", operation: "up", result }), { type: "finished", operation: "up", result: kept });
    });
});

describe("how the service keeps and answers runs", () => {
    const request: RecordLine = { kind: "request", id: "0f0f0f0f-0000-4000-8000-000000000000", at: "2026-01-01T00:00:00.000Z", request: { operation: "up" } };
    const event = (seq: number, value: object): RecordLine => ({ kind: "event", seq, at: `2026-01-01T00:00:0${seq + 1}.000Z`, event: value as never });
    const started = (seq: number, stack: string) => event(seq, { type: "started", operation: "preview", stack });
    const finished = (seq: number, stack: string) => event(seq, { type: "finished", operation: "preview", result: { stack, role: "target", status: "succeeded", seconds: 1 } });

    it("folds a run's lines into its state: running, waiting for a confirmation, ended", () => {
        const asking = event(3, { type: "confirmation-requested", phase: 1, phaseCount: 2, previews: [], later: [["accountA"]] });
        const waiting = foldRun([request, started(0, "accountB"), started(1, "accountC"), finished(2, "accountB"), asking]);
        assert.equal(waiting?.status, "awaiting-confirmation");
        assert.deepEqual(waiting?.awaitingConfirmation, { phase: 1, phaseCount: 2, previews: [], later: [["accountA"]] });
        assert.deepEqual(waiting?.touchedStacks, ["accountB", "accountC"]);
        const confirmed = foldRun([request, asking, event(4, { type: "confirmation", phase: 1, apply: true })]);
        assert.equal(confirmed?.status, "running");
        assert.equal(confirmed?.awaitingConfirmation, undefined);
        const done = foldRun([request, asking, event(4, { type: "ended", status: "interrupted", error: "stopped" })]);
        assert.deepEqual([done?.status, done?.endedAt, done?.error, done?.awaitingConfirmation], ["interrupted", "2026-01-01T00:00:05.000Z", "stopped", undefined]);
        assert.equal(foldRun([started(0, "accountB")]), undefined, "no request, no run");
    });

    it("says which stacks a restart interrupted while they ran", () => {
        const lines = [started(0, "accountB"), started(1, "accountC"), finished(2, "accountB")] as Extract<RecordLine, { kind: "event" }>[];
        assert.deepEqual(interruptedByRestart(lines), {
            type: "ended", status: "interrupted", runningStacks: ["accountC"],
            error: "the service stopped while this run was active; accountC was running: if one says it is locked, run `pulumi cancel` on it, then `pulumi refresh`",
        });
        assert.equal(interruptedByRestart(lines.slice(2, 2)).error, "the service stopped while this run was active; no stack had started");
    });

    it("marks a run left active interrupted when it opens the records, once; a line cut short by a crash is left out", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "service-store-"));
        try {
            fs.writeFileSync(path.join(dir, `${request.id}.jsonl`), `${[request, started(0, "accountB")].map((line) => JSON.stringify(line)).join("\n")}\n{"kind":"ev`);
            const { store, interrupted } = RunStore.open(dir);
            assert.deepEqual(interrupted.map((run) => [run.id, run.status, run.touchedStacks]), [[request.id, "interrupted", ["accountB"]]]);
            assert.equal(store.lines(request.id)?.length, 3);
            assert.deepEqual(RunStore.open(dir).interrupted, [], "an ended run stays as it is");
            assert.equal((fs.statSync(dir).mode & 0o777).toString(8), "700");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("ends a run as cancelled by a DELETE, interrupted by the service stopping, else as the report says", () => {
        const report = (fields: Partial<RunReport>): RunReport => ({ operation: "up", ok: false, stacks: [], roleArnChecks: [], ...fields });
        assert.deepEqual(
            [endStatus(report({ interrupted: true }), true), endStatus(report({ interrupted: true }), false), endStatus(report({ ok: true }), false), endStatus(report({}), false)],
            ["cancelled", "interrupted", "succeeded", "failed"],
        );
    });

    it("admits a plan while fewer than the pool and its queue run or wait", () => {
        const limits = { concurrency: 2, queue: 1 };
        assert.deepEqual([[0, 0], [1, 0], [2, 0], [2, 1], [3, 0]].map(([running, waiting]) => admits(running, waiting, limits)), [true, true, true, false, false]);
    });

    it("answers a plan's outcome with its status", () => {
        assert.deepEqual(planAnswer({ kind: "planned", ok: false, verdict: "PLAN FAILED", checks: {}, summary: "" }), { status: 200, body: { ok: false, verdict: "PLAN FAILED", checks: {}, summary: "" } });
        assert.equal(planAnswer({ kind: "refused", problems: ["x"] }).status, 422);
        assert.deepEqual(planAnswer({ kind: "busy", running: 2, waiting: 8 }).headers, { "retry-after": "10" });
        assert.equal(planAnswer({ kind: "timed-out", seconds: 120 }).status, 504);
        assert.deepEqual(planAnswer({ kind: "broke", detail: "TypeError at plan.ts:1" }), { status: 500, body: { error: "the plan broke (a bug in the plan, not in your files); the service's log has the details" } });
    });

    it("writes an event as one server-sent event, and resumes after the Last-Event-ID an EventSource sends", () => {
        assert.equal(sseMessage({ kind: "event", seq: 7, at: "t", event: { type: "note", text: "two\nlines" } }), 'id: 7\ndata: {"seq":7,"at":"t","type":"note","text":"two\\nlines"}\n\n');
        assert.deepEqual([lastEventId(undefined), lastEventId("12"), lastEventId("x"), lastEventId(["3", "4"])], [-1, 12, -1, 3]);
    });
});
