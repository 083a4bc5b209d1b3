import * as assert from "node:assert/strict";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { accessChecks } from "../verification/accessChain";
import { AccessCheck } from "../verification/evaluation";
import { accessModel } from "../verification/model";
import { chunkSize, evaluateChecks, takeChunk, WorkerAnswer, WorkerTask, workerCount } from "../verification/parallelChecks";
import { projectRoot } from "./fixtures";
import { statementWithSid, withPolicyEdited } from "./support/policies";
import { runShippedStacks } from "./support/stacks";

describe("access checks on every core (verification/parallelChecks.ts)", () => {
    let checks: AccessCheck[];
    before(async () => {
        const { pipeline, target } = await runShippedStacks();
        // The shipped checks, with the cross-account role's policy widened to any key: one check then fails,
        // and its message, which names the policy at fault, must come back from a worker as it is made here.
        const resources = withPolicyEdited([...pipeline.resources, ...target.resources], "Staging-cross-account-policy", "policy", (document) => {
            statementWithSid(document, "DecryptArtifacts").Resource = "*";
        });
        checks = accessChecks(accessModel(resources)).checks;
    });

    it("gives, with worker threads beside this one, the findings of the checks evaluated one after the other, in their order", async function () {
        this.timeout(120_000);
        // Enough checks (the shipped ones, forty times over) that the workers start before this thread is done.
        const many = Array.from({ length: 40 }, () => checks).flat();
        const inline = await evaluateChecks(many, 0);
        assert.ok(inline.some((f) => !f.ok && f.message), "one check fails, with a message");
        const shared = await evaluateChecks(many, 3);
        assert.deepEqual(shared, inline);
        shared.forEach((finding, i) => assert.equal(finding.check, many[i], "each finding holds the caller's own check"));
    });

    it("has a worker take every chunk left and answer each with its findings, failures and messages as this thread makes them", async function () {
        this.timeout(60_000);
        const taken = new Int32Array(new SharedArrayBuffer(4));
        const answer = await new Promise<WorkerAnswer>((resolve, reject) => {
            const worker = new Worker(path.join(projectRoot, "verification", "checkWorker.js"), { workerData: { checks, taken } satisfies WorkerTask });
            worker.once("message", resolve);
            worker.once("error", reject);
        });
        assert.deepEqual(answer.map((a) => a.chunk), Array.from({ length: Math.ceil(checks.length / chunkSize) }, (_, i) => i));
        const inline = await evaluateChecks(checks, 0);
        assert.deepEqual(answer.flatMap((a) => a.findings), inline.map(({ check: _, ...finding }) => finding));
    });

    it("lets the event loop turn between chunks, so that I/O this thread started goes on while it checks", async () => {
        const many = Array.from({ length: 4 }, () => checks).flat();
        assert.ok(many.length > 2 * chunkSize);
        let evaluated = false;
        const turned = new Promise<boolean>((resolve) => setImmediate(() => resolve(evaluated)));
        await evaluateChecks(many, 0);
        evaluated = true;
        assert.equal(await turned, false, "a callback waiting for the event loop ran before the last check");
    });

    it("starts a worker per core but this one while each thread gets 1000 checks, and none for fewer", () => {
        assert.equal(workerCount(45, 2), 0, "one target's checks stay on this thread");
        assert.equal(workerCount(765, 2), 0, "so do 25 targets' checks");
        assert.equal(workerCount(1999, 2), 0);
        assert.equal(workerCount(2000, 2), 1);
        assert.equal(workerCount(7515, 2), 1, "250 targets' checks: a worker beside this thread");
        assert.equal(workerCount(7515, 8), 6);
        assert.equal(workerCount(7515, 1), 0, "one core: no thread beside this one");
    });

    it("gives each chunk to one taker, in order, until the checks are all taken", () => {
        const taken = new Int32Array(new SharedArrayBuffer(4));
        const checks = 2 * chunkSize + 1;
        assert.deepEqual([takeChunk(taken, checks), takeChunk(taken, checks), takeChunk(taken, checks), takeChunk(taken, checks), takeChunk(taken, checks)], [0, 1, 2, undefined, undefined]);
        assert.equal(takeChunk(new Int32Array(new SharedArrayBuffer(4)), 0), undefined, "no checks, no chunk");
    });
});
