import * as assert from "assert";
import {
    destroyGuardRefusal,
    DriverEvent,
    DriverRequest,
    Operation,
    planPhases,
    RunReport,
    runBounded,
    runOperation,
    upAfterConfirmation,
} from "../../automation/driver";
import { StackFailure } from "../../automation/errors";
import { StackDefinition } from "../../automation/stackFiles";
import { allStack, FakeStack, FakeWorkspace, pipelineStack, roleArn, targetOutputs, targetStack } from "./fakeWorkspace";

const A = pipelineStack("accountA");
const B = targetStack("accountB");
const C = targetStack("accountC");
const D = targetStack("accountD");

const ARN_B = roleArn("222222222222");
const ARN_C = roleArn("333333333333");

/** A healthy project: the pipeline assumes exactly the roles the targets export. */
function healthyStacks(delayMs = 20): Record<string, FakeStack> {
    return {
        accountA: { delayMs, outputs: { pipelineName: "p", deployRoleArns: { Staging: ARN_B, Prod: ARN_C } }, changes: { create: 5 } },
        accountB: { delayMs, outputs: targetOutputs("Staging", ARN_B), resourceCount: 4, changes: { create: 3 } },
        accountC: { delayMs, outputs: targetOutputs("Prod", ARN_C), resourceCount: 4, changes: { update: 1 } },
    };
}

function request(operation: Operation, stacks: StackDefinition[], extra: Partial<DriverRequest> = {}): DriverRequest {
    return { operation, stacks, projectStacks: stacks, concurrency: 4, ...extra };
}

function statusOf(report: RunReport, stack: string): string | undefined {
    return report.stacks.find((result) => result.stack === stack)?.status;
}

describe("automation driver: order of the stacks", () => {
    it("plans the pipeline stack (and any all-in-one stack) before the targets, and reverses that for destroy", () => {
        const names = (phases: StackDefinition[][]) => phases.map((phase) => phase.map((stack) => stack.name));
        const everything = [B, A, C, allStack("solo")];
        assert.deepStrictEqual(names(planPhases(everything, "up")), [["accountA", "solo"], ["accountB", "accountC"]]);
        assert.deepStrictEqual(names(planPhases(everything, "preview")), [["accountA", "solo"], ["accountB", "accountC"]]);
        assert.deepStrictEqual(names(planPhases(everything, "refresh")), [["accountA", "solo"], ["accountB", "accountC"]]);
        assert.deepStrictEqual(names(planPhases(everything, "destroy")), [["accountB", "accountC"], ["accountA", "solo"]]);
        assert.deepStrictEqual(names(planPhases([B], "up")), [["accountB"]]);
    });

    it("runs up on the pipeline stack first, then starts every target stack together", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const report = await runOperation(workspace, request("up", [B, C, A]));

        assert.strictEqual(report.ok, true);
        const pipelineDone = workspace.indexOf("accountA", "up", "end");
        const targetStarts = ["accountB", "accountC"].map((stack) => workspace.indexOf(stack, "up", "start"));
        const firstTargetEnd = Math.min(...["accountB", "accountC"].map((stack) => workspace.indexOf(stack, "up", "end")));
        assert.ok(targetStarts.every((start) => start > pipelineDone), "a target started before the pipeline stack finished");
        assert.ok(targetStarts.every((start) => start < firstTargetEnd), "the targets did not run at the same time");
        assert.strictEqual(workspace.maxRunning, 2);
    });

    it("runs at most `concurrency` target stacks at a time", async () => {
        const stacks = { ...healthyStacks(), accountD: { delayMs: 20, outputs: targetOutputs("Staging", ARN_B) } };
        const bounded = new FakeWorkspace(stacks);
        await runOperation(bounded, request("preview", [A, B, C, D], { concurrency: 2 }));
        assert.strictEqual(bounded.maxRunning, 2);
        // The third target waits for a slot: it starts only after one of the first two finished.
        const firstEnd = Math.min(bounded.indexOf("accountB", "preview", "end"), bounded.indexOf("accountC", "preview", "end"));
        assert.ok(bounded.indexOf("accountD", "preview", "start") > firstEnd);

        const serial = new FakeWorkspace(healthyStacks());
        await runOperation(serial, request("preview", [A, B, C], { concurrency: 1 }));
        assert.strictEqual(serial.maxRunning, 1);
    });

    it("keeps the results of a bounded run in the order of its items", async () => {
        const results = await runBounded([30, 0, 10], 3, async (ms) => {
            await new Promise((resolve) => setTimeout(resolve, ms));
            return ms;
        });
        assert.deepStrictEqual(results, [30, 0, 10]);
    });
});

describe("automation driver: failures", () => {
    it("runs no target stack when the pipeline stack fails", async () => {
        const stacks = healthyStacks();
        stacks.accountA.failures = { up: new StackFailure("command-failed", "error: KMS key policy rejected") };
        const workspace = new FakeWorkspace(stacks);
        const report = await runOperation(workspace, request("up", [A, B, C]));

        assert.strictEqual(report.ok, false);
        assert.ok(workspace.calls.every((call) => call.stack === "accountA"), "a target stack was touched");
        assert.strictEqual(statusOf(report, "accountA"), "failed");
        assert.match(report.stacks[0].message ?? "", /KMS key policy rejected/);
        for (const target of ["accountB", "accountC"]) {
            assert.strictEqual(statusOf(report, target), "skipped");
            assert.match(report.stacks.find((r) => r.stack === target)!.message ?? "", /accountA failed/);
        }
    });

    it("lets the other targets finish when one target fails, and reports the run as failed", async () => {
        const stacks = healthyStacks();
        stacks.accountB = { delayMs: 5, failures: { up: new StackFailure("credentials", "AWS credentials for stack accountB are missing") } };
        stacks.accountC.delayMs = 40;
        const workspace = new FakeWorkspace(stacks);
        const report = await runOperation(workspace, request("up", [A, B, C]));

        assert.strictEqual(report.ok, false);
        assert.strictEqual(statusOf(report, "accountB"), "failed");
        assert.strictEqual(statusOf(report, "accountC"), "succeeded");
        assert.ok(workspace.indexOf("accountC", "up", "end") > workspace.indexOf("accountB", "up", "end"));
        assert.match(report.stacks.find((r) => r.stack === "accountB")!.message ?? "", /credentials/);
    });

    it("turns anything an implementation throws into a failed stack with its message", async () => {
        const stacks = healthyStacks();
        stacks.accountA.failures = { refresh: new Error("socket hang up") };
        const report = await runOperation(new FakeWorkspace(stacks), request("refresh", [A]));
        assert.deepStrictEqual([report.stacks[0].status, report.stacks[0].message], ["failed", "socket hang up"]);
    });
});

describe("automation driver: preview", () => {
    it("only previews: never calls up, destroy or refresh", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const report = await runOperation(workspace, request("preview", [A, B, C]));

        assert.strictEqual(report.ok, true);
        assert.deepStrictEqual([...workspace.actions()].sort(), ["open", "preview"]);
        assert.deepStrictEqual(workspace.started("preview"), ["accountA", "accountB", "accountC"]);
        assert.deepStrictEqual(report.stacks.find((r) => r.stack === "accountC")!.changes, {
            create: 0,
            update: 1,
            replace: 0,
            delete: 0,
            same: 0,
        });
    });

    it("reports each stack's progress as events that name the stack", async () => {
        const stacks = healthyStacks();
        stacks.accountB.lines = ["+ aws:iam:Role CrossAccount_Role creating"];
        const events: DriverEvent[] = [];
        await runOperation(new FakeWorkspace(stacks), request("preview", [A, B], { onEvent: (event) => events.push(event) }));

        assert.deepStrictEqual(events[0], { type: "planned", operation: "preview", phases: [["accountA"], ["accountB"]] });
        assert.ok(events.some((e) => e.type === "output" && e.stack === "accountB" && e.line.includes("CrossAccount_Role")));
        assert.ok(events.some((e) => e.type === "progress" && e.stack === "accountA" && e.resourcesDone === 1));
        const finished = events.filter((e) => e.type === "finished").map((e) => (e.type === "finished" ? e.result.stack : ""));
        assert.deepStrictEqual(finished, ["accountA", "accountB"]);
    });
});

describe("automation driver: up after confirmation", () => {
    it("previews every stack, asks, and applies nothing when the answer is no", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const shown: RunReport[] = [];
        const report = await upAfterConfirmation(workspace, request("up", [A, B, C]), async (previewReport) => {
            shown.push(previewReport);
            return false;
        });

        assert.strictEqual(shown.length, 1);
        assert.deepStrictEqual(shown[0].stacks.map((r) => [r.stack, r.status]), [
            ["accountA", "succeeded"],
            ["accountB", "succeeded"],
            ["accountC", "succeeded"],
        ]);
        assert.deepStrictEqual(workspace.started("up"), []);
        assert.strictEqual(report.ok, false);
        assert.strictEqual(report.notApplied, "not confirmed");
    });

    it("applies after a yes, every preview having finished first", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const report = await upAfterConfirmation(workspace, request("up", [A, B, C]), async () => true);

        assert.strictEqual(report.ok, true);
        assert.strictEqual(report.operation, "up");
        assert.deepStrictEqual(workspace.started("up"), ["accountA", "accountB", "accountC"]);
        const lastPreviewEnd = Math.max(...["accountA", "accountB", "accountC"].map((s) => workspace.indexOf(s, "preview", "end")));
        assert.ok(workspace.indexOf("accountA", "up", "start") > lastPreviewEnd);
    });

    it("does not ask, and applies nothing, when a preview fails", async () => {
        const stacks = healthyStacks();
        stacks.accountC.failures = { preview: new StackFailure("command-failed", "error: bad config") };
        const workspace = new FakeWorkspace(stacks);
        let asked = false;
        const report = await upAfterConfirmation(workspace, request("up", [A, B, C]), async () => (asked = true));

        assert.strictEqual(asked, false);
        assert.deepStrictEqual(workspace.started("up"), []);
        assert.strictEqual(report.notApplied, "a preview failed");
    });
});

describe("automation driver: destroy", () => {
    it("destroys the target stacks first, then the pipeline stack", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const report = await runOperation(workspace, request("destroy", [A, B, C]));

        assert.strictEqual(report.ok, true);
        const pipelineStart = workspace.indexOf("accountA", "destroy", "start");
        assert.ok(pipelineStart > workspace.indexOf("accountB", "destroy", "end"));
        assert.ok(pipelineStart > workspace.indexOf("accountC", "destroy", "end"));
        assert.deepStrictEqual(report.stacks.map((r) => r.stack), ["accountB", "accountC", "accountA"]);
    });

    it("refuses to destroy the pipeline stack while a target stack still has resources", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const report = await runOperation(workspace, { ...request("destroy", [A]), projectStacks: [A, B, C] });

        assert.strictEqual(report.ok, false);
        assert.strictEqual(statusOf(report, "accountA"), "refused");
        assert.match(report.stacks[0].message ?? "", /accountB \(4 resources\), accountC \(4 resources\)/);
        assert.deepStrictEqual(workspace.started("destroy"), []);
    });

    it("destroys the pipeline stack anyway when forced, without looking at the targets", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const report = await runOperation(workspace, { ...request("destroy", [A], { force: true }), projectStacks: [A, B, C] });

        assert.strictEqual(statusOf(report, "accountA"), "succeeded");
        assert.deepStrictEqual(workspace.started("destroy"), ["accountA"]);
        assert.deepStrictEqual(workspace.started("resourceCount"), []);
    });

    it("counts a target stack that was never created as empty, and skips destroying it", async () => {
        const stacks = healthyStacks();
        stacks.accountB = { exists: false };
        const workspace = new FakeWorkspace(stacks);
        const report = await runOperation(workspace, { ...request("destroy", [A, B]), projectStacks: [A, B] });

        assert.strictEqual(report.ok, true);
        assert.strictEqual(statusOf(report, "accountB"), "skipped");
        assert.strictEqual(statusOf(report, "accountA"), "succeeded");
    });

    it("does not destroy the pipeline stack when a target stack failed to destroy", async () => {
        const stacks = healthyStacks();
        stacks.accountC.failures = { destroy: new StackFailure("protected-resource", "stack accountC holds protected resources") };
        const workspace = new FakeWorkspace(stacks);
        const report = await runOperation(workspace, request("destroy", [A, B, C]));

        assert.strictEqual(report.ok, false);
        assert.strictEqual(statusOf(report, "accountA"), "skipped");
        assert.deepStrictEqual(workspace.started("destroy").sort(), ["accountB", "accountC"]);
    });

    it("words the guard's refusal with every target that still has resources", () => {
        assert.strictEqual(destroyGuardRefusal([{ stack: "accountB", count: 0 }]), undefined);
        assert.strictEqual(destroyGuardRefusal([]), undefined);
        const refusal = destroyGuardRefusal([
            { stack: "accountB", count: 0 },
            { stack: "accountC", count: 2 },
        ]);
        assert.match(refusal ?? "", /accountC \(2 resources\)/);
        assert.doesNotMatch(refusal ?? "", /accountB/);
        assert.match(refusal ?? "", /--force/);
    });
});

describe("automation driver: role ARN cross-check after up", () => {
    it("passes when every target exports the role its pipeline stack assumes", async () => {
        const report = await runOperation(new FakeWorkspace(healthyStacks()), request("up", [A, B, C]));
        assert.strictEqual(report.ok, true);
        assert.deepStrictEqual(
            report.roleArnChecks.map((check) => [check.targetStack, check.target, check.roleArn, check.problem]),
            [
                ["accountB", "Staging", ARN_B, undefined],
                ["accountC", "Prod", ARN_C, undefined],
            ],
        );
    });

    it("fails the run, naming both ARNs, when a target exports another role than the pipeline assumes", async () => {
        const stacks = healthyStacks();
        stacks.accountC.outputs = targetOutputs("Prod", roleArn("333333333333", "SomethingElse"));
        const report = await runOperation(new FakeWorkspace(stacks), request("up", [A, B, C]));

        assert.strictEqual(report.ok, false);
        assert.ok(report.stacks.every((result) => result.status === "succeeded"));
        const problems = report.roleArnChecks.filter((check) => check.problem !== undefined);
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0].problem!, /role\/SomethingElse/);
        assert.match(problems[0].problem!, /role\/CrossAccount_Role/);
    });

    it("reads the pipeline stack's outputs from the backend when only a target stack was deployed", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const report = await runOperation(workspace, { ...request("up", [B]), projectStacks: [A, B, C] });

        assert.strictEqual(report.ok, true);
        assert.deepStrictEqual(workspace.started("up"), ["accountB"]);
        assert.deepStrictEqual(workspace.started("outputs"), ["accountA"]);
        assert.strictEqual(report.roleArnChecks[0].roleArn, ARN_B);
    });

    it("fails when the pipeline stack's outputs cannot be read", async () => {
        const stacks = healthyStacks();
        stacks.accountA.exists = false;
        const report = await runOperation(new FakeWorkspace(stacks), { ...request("up", [B]), projectStacks: [A, B] });

        assert.strictEqual(report.ok, false);
        assert.match(report.roleArnChecks[0].problem ?? "", /cannot read the outputs of accountA/);
    });

    it("checks an all-in-one stack against itself", async () => {
        const solo = allStack("solo");
        const good = { outputs: { deployRoleArns: { Staging: ARN_B }, ...targetOutputs("Staging", ARN_B) } };
        const bad = { outputs: { deployRoleArns: { Staging: ARN_C }, ...targetOutputs("Staging", ARN_B) } };

        const passing = await runOperation(new FakeWorkspace({ solo: good }), request("up", [solo]));
        assert.strictEqual(passing.ok, true);
        assert.strictEqual(passing.roleArnChecks.length, 1);

        const failing = await runOperation(new FakeWorkspace({ solo: bad }), request("up", [solo]));
        assert.strictEqual(failing.ok, false);
        assert.strictEqual(failing.roleArnChecks[0].pipelineStack, "solo");
    });

    it("is only done after up", async () => {
        const stacks = healthyStacks();
        stacks.accountC.outputs = targetOutputs("Prod", "arn:aws:iam::333333333333:role/Wrong");
        const report = await runOperation(new FakeWorkspace(stacks), request("refresh", [A, B, C]));
        assert.deepStrictEqual(report.roleArnChecks, []);
        assert.strictEqual(report.ok, true);
    });
});
