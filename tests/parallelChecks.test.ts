import * as assert from "node:assert/strict";
import type { DeclaredResource } from "../evaluation/mockCloud";
import { accessChecks } from "../verification/accessChain";
import { AccessCheck } from "../verification/evaluation";
import { accessModel } from "../verification/model";
import { evaluateChecks, slices, workerCount } from "../verification/parallelChecks";
import { runShippedStacks } from "./support/stacks";

describe("access checks on every core (verification/parallelChecks.ts)", () => {
    let checks: AccessCheck[];
    before(async () => {
        const { pipeline, target } = await runShippedStacks();
        // The shipped checks, with the cross-account role's policy widened to any key: one check then fails,
        // and its message, which names the policy at fault, must come back from a worker as it is made here.
        const resources: DeclaredResource[] = structuredClone([...pipeline.resources, ...target.resources]);
        const policy = resources.find((r) => r.name === "Staging-cross-account-policy")!;
        const document = JSON.parse(policy.inputs.policy);
        document.Statement.find((s: { Sid: string }) => s.Sid === "UseArtifactKey").Resource = "*";
        policy.inputs.policy = JSON.stringify(document);
        checks = accessChecks(accessModel(resources)).checks;
    });

    it("gives, in worker threads, the findings of the checks evaluated one after the other, in their order", async function () {
        this.timeout(60_000);
        const inline = await evaluateChecks(checks, 0);
        const inWorkers = await evaluateChecks(checks, 3);
        assert.ok(inline.some((f) => !f.ok && f.message), "one check fails, with a message");
        assert.deepEqual(inWorkers, inline);
        inWorkers.forEach((finding, i) => assert.equal(finding.check, checks[i], "each finding holds the caller's own check"));
    });

    it("starts a worker per core but this one while each slice gets 1000 checks, and none for fewer", () => {
        assert.equal(workerCount(45, 2), 0, "one target's checks stay on this thread");
        assert.equal(workerCount(765, 2), 0, "so do 25 targets' checks");
        assert.equal(workerCount(1999, 2), 0);
        assert.equal(workerCount(2000, 2), 1);
        assert.equal(workerCount(7515, 2), 1, "250 targets' checks: half in a worker");
        assert.equal(workerCount(7515, 8), 6);
        assert.equal(workerCount(7515, 1), 0, "one core: no thread beside this one");
    });

    it("cuts the checks into contiguous slices as even as they divide, losing none", () => {
        const items = Array.from({ length: 10 }, (_, i) => i);
        assert.deepEqual(slices(items, 3), [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]);
        assert.deepEqual(slices(items, 3).flat(), items);
        assert.deepEqual(slices([1], 2), [[], [1]]);
    });
});
