// Runs through the service over loopback, on the real driver and Automation API against the fake Pulumi CLI the
// driver's tests use (tests/automation/fakePulumi): one run at a time, events in order, confirmation, cancel, the
// driver's message when the CLI is missing, and no secret in any answer, record or log line.
import { strict as assert } from "assert";
import type { PropertyBag } from "../../evaluation/propertyBag";
import * as fs from "fs";
import * as path from "path";
import { REDACTED } from "../../service/redact";
import { bothTargetUpdatesRun, exampleScenario, exampleStackFiles, FakeCli, longTargetUpdates, signalsReceived, until, withFakeCli } from "../automation/fakePulumi/fakeCli";
import { RunningService, StreamedEvent, withService } from "./serviceFixture";

const PASSPHRASE = "correct horse battery staple";

/** The service on the fake CLI's project, its file backend and a passphrase in the environment. */
function withServiceOnFakeCli(test: (service: RunningService, cli: FakeCli) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
    return withFakeCli(exampleStackFiles(), (cli) => {
        process.env.PULUMI_BACKEND_URL = cli.stateUrl; // restored by withFakeCli
        return withService({ projectDir: cli.projectDir }, (service) => test(service, cli));
    }, { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, ...env });
}

const ended = (run: PropertyBag) => !["running", "awaiting-confirmation"].includes(run.status);

const eventTypes = (events: StreamedEvent[]) => events.map((event) => `${event.data.type}${event.data.stack ? ` ${event.data.stack}` : event.data.result ? ` ${event.data.result.stack}` : ""}`);

describe("the service: runs", () => {
    it("a preview: 202 with its id, 409 for another while it runs, its events in order live, from the start for a late subscriber, its report", () =>
        withServiceOnFakeCli(async (service, cli) => {
            const scenario = exampleScenario();
            scenario.accountB.delayMs = { preview: 1500 };
            cli.scenario(scenario);
            const started = await service.request("POST", "/v1/runs", { body: { operation: "preview" } });
            assert.equal(started.status, 202, started.text);
            const { id } = started.json;
            assert.equal(started.headers.location, `/v1/runs/${id}`);
            const live = service.events(id);

            const second = await service.request("POST", "/v1/runs", { body: { operation: "refresh", stacks: ["accountB"] } });
            assert.equal(second.status, 409);
            assert.equal(second.json.error, `run ${id} (preview) is active on this project; wait for it to end, or cancel it with DELETE /v1/runs/${id}`);
            assert.equal(second.json.activeRun.id, id);

            await service.until(id, "the preview of accountB to start", (run) => run.touchedStacks.includes("accountB"));
            const late = await service.events(id);
            const events = await live;
            assert.deepEqual(late, events, "a late subscriber gets every event from the start");
            assert.deepEqual(events.map((event) => event.id), events.map((_, index) => index));
            assert.deepEqual(events.map((event) => event.data.seq), events.map((_, index) => index));
            const types = eventTypes(events).filter((type) => !type.startsWith("output") && !type.startsWith("progress"));
            assert.deepEqual(types.slice(0, 2), ["backend", "planned"]);
            assert.deepEqual(new Set(types.slice(2, 6)), new Set(["started accountB", "started accountC", "finished accountB", "finished accountC"]));
            // accountA reads stacks not deployed yet: the driver does not preview it, and says so.
            assert.deepEqual(types.slice(6), ["finished accountA", "ended"]);
            assert.ok(events.some((event) => event.data.type === "output" && event.data.stack === "accountB"));

            const run = (await service.request("GET", `/v1/runs/${id}`)).json;
            assert.equal(run.status, "succeeded");
            assert.deepEqual(run.touchedStacks, ["accountB", "accountC"]);
            assert.deepEqual(run.report.stacks.map((s: { stack: string; status: string }) => `${s.stack} ${s.status}`), ["accountB succeeded", "accountC succeeded", "accountA skipped"]);
            assert.deepEqual(events[events.length - 1].data.report, run.report);
            assert.deepEqual(await service.events(id, 3), events.slice(4), "Last-Event-ID: only what came after it");

            const next = await service.request("POST", "/v1/runs", { body: { operation: "refresh", stacks: ["accountB"] } });
            assert.equal(next.status, 202, "the project is free again once the run ended");
            await service.until(next.json.id, "the refresh to end", ended);
        }));

    it("an up without `yes` previews and waits for POST /v1/runs/{id}/confirm, phase by phase", () =>
        withServiceOnFakeCli(async (service, cli) => {
            cli.scenario(exampleScenario());
            const { id } = (await service.request("POST", "/v1/runs", { body: { operation: "up" } })).json;
            const first = await service.until(id, "phase 1 to wait", (run) => run.status === "awaiting-confirmation");
            assert.equal(first.awaitingConfirmation.phase, 1);
            assert.equal(first.awaitingConfirmation.phaseCount, 2);
            assert.deepEqual(first.awaitingConfirmation.previews.map((p: { stack: string }) => p.stack).sort(), ["accountB", "accountC"]);
            assert.deepEqual(first.awaitingConfirmation.later, [["accountA"]]);
            assert.ok(!cli.invocations().some((call) => call.command === "up"), "nothing is applied before the confirmation");

            const wrongPhase = await service.request("POST", `/v1/runs/${id}/confirm`, { body: { phase: 2 } });
            assert.equal(wrongPhase.status, 409);
            assert.equal(wrongPhase.json.error, "phase 1 is waiting for a confirmation, not phase 2");
            assert.equal((await service.request("POST", `/v1/runs/${id}/confirm`)).status, 200);
            const second = await service.until(id, "phase 2 to wait", (run) => run.awaitingConfirmation?.phase === 2);
            assert.deepEqual(second.awaitingConfirmation.previews.map((p: { stack: string }) => p.stack), ["accountA"]);
            assert.deepEqual(cli.invocations().filter((call) => call.command === "up").map((call) => call.stack).sort(), ["accountB", "accountC"]);
            assert.equal((await service.request("POST", `/v1/runs/${id}/confirm`, { body: { phase: 2, apply: true } })).status, 200);
            const done = await service.until(id, "the up to end", ended);
            assert.equal(done.status, "succeeded", JSON.stringify(done));
            const types = eventTypes(await service.events(id));
            assert.deepEqual(types.filter((type) => type.startsWith("confirmation")), ["confirmation-requested", "confirmation", "confirmation-requested", "confirmation"]);
            const afterwards = await service.request("POST", `/v1/runs/${id}/confirm`);
            assert.equal(afterwards.status, 409);
            assert.equal(afterwards.json.error, `run ${id} is not waiting for a confirmation (it is succeeded)`);
            assert.equal((await service.request("POST", "/v1/runs", { body: { operation: "preview", yes: true } })).status, 400, "yes is for up only");
        }));

    it("DELETE cancels a run through the driver's signal: each running CLI gets one SIGINT, the run ends cancelled", () =>
        withServiceOnFakeCli(async (service, cli) => {
            longTargetUpdates(cli);
            const { id } = (await service.request("POST", "/v1/runs", { body: { operation: "up", yes: true } })).json;
            await until("both target updates to run", bothTargetUpdatesRun(cli));
            const cancel = await service.request("DELETE", `/v1/runs/${id}`);
            assert.equal(cancel.status, 202);
            const run = await service.until(id, "the run to end", ended);
            assert.equal(run.status, "cancelled");
            assert.equal(run.report.interrupted, true);
            assert.deepEqual(run.report.stacks.map((s: { stack: string; status: string }) => `${s.stack} ${s.status}`), ["accountB interrupted", "accountC interrupted", "accountA skipped"]);
            assert.deepEqual(signalsReceived(cli), ["up accountB SIGINT", "up accountC SIGINT"]);
            assert.ok(!cli.record("accountB").locked && !cli.record("accountC").locked);
            assert.ok(eventTypes(await service.events(id)).includes("cancel-requested"));
            const again = await service.request("DELETE", `/v1/runs/${id}`);
            assert.equal(again.status, 409);
            assert.equal(again.json.error, `run ${id} has ended (cancelled); there is nothing to cancel`);
        }));

    it("a run on a machine without the Pulumi CLI fails with the driver's message, and the service stays up", () =>
        withServiceOnFakeCli(async (service) => {
            const { id } = (await service.request("POST", "/v1/runs", { body: { operation: "preview" } })).json;
            const run = await service.until(id, "the run to end", ended);
            assert.equal(run.status, "failed");
            assert.match(run.error, /^the Pulumi CLI was not found on PATH; install it/);
            assert.deepEqual((await service.request("GET", "/healthz", { token: null })).json, { ok: true });
            const next = await service.request("POST", "/v1/runs", { body: { operation: "refresh" } });
            assert.equal(next.status, 202, "the failed run left the project free");
            assert.equal((await service.until(next.json.id, "the refresh to end", ended)).status, "failed");
        }, { PATH: "/usr/bin:/bin" }));

    it("refuses a run the driver refuses from the files alone (422), and answers 404 for a run it does not have", () =>
        withServiceOnFakeCli(async (service) => {
            const unknown = await service.request("POST", "/v1/runs", { body: { operation: "preview", stacks: ["accountB", "nope"] } });
            assert.equal(unknown.status, 422);
            assert.deepEqual(unknown.json, { error: "the driver refuses this run", problems: ['unknown stack "nope": there is no Pulumi.<stack>.yaml for it (stacks: accountA, accountB, accountC)'] });
            const missing = "0f0f0f0f-0000-4000-8000-000000000000";
            for (const [method, route] of [["GET", ""], ["GET", "/events"], ["POST", "/confirm"], ["DELETE", ""]]) {
                const answer = await service.request(method, `/v1/runs/${missing}${route}`);
                assert.equal(answer.status, 404, `${method} ${route}`);
                assert.deepEqual(answer.json, { error: `no run ${missing}` });
            }
            const badId = await service.request("GET", "/v1/runs/..%2F..%2Fetc%2Fpasswd");
            assert.equal(badId.status, 400);
            assert.match(badId.json.problems[0], /^params\.id must match pattern/);
        }));

    it("no secret appears in an answer, a run record or a log line: the token, the passphrase, AWS keys, stack outputs (of an up with yes, which waits for no confirmation)", () => {
        const secrets = { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
        const outputSecret = "hunter2-an-output-the-state-keeps-secret";
        return withServiceOnFakeCli(async (service, cli) => {
            const scenario = exampleScenario();
            scenario.accountB.policyViolation = `a rule quoting the passphrase: ${PASSPHRASE}`;
            scenario.accountC.fail = { preview: `the AWS secret key ${secrets.AWS_SECRET_ACCESS_KEY} of ${secrets.AWS_ACCESS_KEY_ID} was refused` };
            cli.scenario(scenario);
            const { id } = (await service.request("POST", "/v1/runs", { body: { operation: "preview" } })).json;
            const failed = await service.until(id, "the preview to end", ended);
            assert.equal(failed.status, "failed");
            assert.match(JSON.stringify(failed.report), new RegExp(`the AWS secret key \\${REDACTED.replace("]", "\\]")} of \\${REDACTED.replace("]", "\\]")} was refused`));
            assert.ok((await service.events(id)).some((event) => event.data.type === "output" && event.data.line.includes(`the passphrase: ${REDACTED}`)));

            const withOutput = exampleScenario();
            withOutput.accountB.outputs = { ...withOutput.accountB.outputs, databasePassword: outputSecret };
            cli.scenario(withOutput);
            const { id: upId } = (await service.request("POST", "/v1/runs", { body: { operation: "up", yes: true } })).json;
            assert.equal((await service.until(upId, "the up to end", ended)).status, "succeeded");
            assert.ok(!eventTypes(await service.events(upId)).some((type) => type.startsWith("confirmation")), "with yes, an up waits for no confirmation");

            const records = fs.readdirSync(service.recordsDir).map((file) => fs.readFileSync(path.join(service.recordsDir, file), "utf8")).join("\n");
            assert.ok(records.includes(REDACTED), "the records hold the redacted lines");
            for (const [where, text] of [["answers", service.answers().join("\n")], ["records", records], ["log", service.logs()]]) {
                for (const secret of [service.token, PASSPHRASE, secrets.AWS_ACCESS_KEY_ID, secrets.AWS_SECRET_ACCESS_KEY, outputSecret]) {
                    assert.ok(!text.includes(secret), `${where} hold ${secret}`);
                }
            }
        }, secrets);
    });
});
