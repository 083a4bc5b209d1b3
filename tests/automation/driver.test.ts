import * as assert from "assert";
import {
    destroyGuardRefusal,
    DriverEvent,
    DriverRequest,
    Operation,
    PhasePreview,
    planPhases,
    RunReport,
    runOperation,
} from "../../automation/driver";
import { runBounded } from "../../automation/bounded";
import { DriverError, StackFailure } from "../../automation/errors";
import { StackDefinition } from "../../automation/stackFiles";
import { allStack, FakeStack, FakeWorkspace, pipelineStack, roleArn, targetOutputs, targetStack } from "./fakeWorkspace";

// The new order: the pipeline stack A reads its target stacks B and C.
const A = pipelineStack("accountA", ["accountB", "accountC"]);
const B = targetStack("accountB");
const C = targetStack("accountC");

const ARN_B = roleArn("222222222222");
const ARN_C = roleArn("333333333333");

/** A healthy project: the pipeline assumes exactly the roles the targets export. */
function healthyStacks(delayMs = 20): Record<string, FakeStack> {
    return {
        accountA: { delayMs, outputs: { pipelineName: "p", deployRoleArns: { Staging: ARN_B, Prod: ARN_C } }, changes: { create: 5 }, destroyable: 20 },
        accountB: { delayMs, outputs: targetOutputs("Staging", ARN_B), destroyable: 4, changes: { create: 3 } },
        accountC: { delayMs, outputs: targetOutputs("Prod", ARN_C), destroyable: 4, changes: { update: 1 } },
    };
}

function request(operation: Operation, stacks: StackDefinition[], extra: Partial<DriverRequest> = {}): DriverRequest {
    return { operation, stacks, projectStacks: stacks, concurrency: 4, ...extra };
}

function resultOf(report: RunReport, stack: string) {
    return report.stacks.find((result) => result.stack === stack);
}

const names = (phases: StackDefinition[][]) => phases.map((phase) => phase.map((stack) => stack.name));

describe("automation driver: order from which stack reads which", () => {
    it("runs the stacks a pipeline stack reads first, and destroys them last", () => {
        const everything = [A, B, C, allStack("solo")];
        for (const operation of ["up", "preview", "refresh"] as const) {
            assert.deepStrictEqual(names(planPhases(everything, operation)), [["accountB", "accountC"], ["accountA", "solo"]], operation);
        }
        assert.deepStrictEqual(names(planPhases(everything, "destroy")), [["accountA", "solo"], ["accountB", "accountC"]]);
        assert.deepStrictEqual(names(planPhases(everything, "outputs")), [["accountA", "accountB", "accountC", "solo"]]);
    });

    it("derives any depth of reads, and ignores reads of stacks outside the run", () => {
        const chain = [pipelineStack("x", ["y"]), pipelineStack("y", ["z"]), targetStack("z")];
        assert.deepStrictEqual(names(planPhases(chain, "up")), [["z"], ["y"], ["x"]]);
        assert.deepStrictEqual(names(planPhases(chain, "destroy")), [["x"], ["y"], ["z"]]);
        assert.deepStrictEqual(names(planPhases([A], "up")), [["accountA"]]);
        assert.deepStrictEqual(names(planPhases([B], "destroy")), [["accountB"]]);
    });

    it("refuses stacks that read each other, naming the cycle", () => {
        const cycle = [pipelineStack("x", ["y"]), pipelineStack("y", ["x"])];
        assert.throws(() => planPhases(cycle, "up"), (error: unknown) => error instanceof DriverError && /cycle \((x reads y reads x|y reads x reads y)\)/.test(error.message));
    });

    it("deploys the target stacks together, then previews and deploys the pipeline stack", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const report = await runOperation(workspace, request("up", [A, B, C]));

        assert.strictEqual(report.ok, true, JSON.stringify(report));
        const lastTargetUpEnd = Math.max(...["accountB", "accountC"].map((stack) => workspace.indexOf(stack, "up", "end")));
        assert.ok(workspace.indexOf("accountA", "preview", "start") > lastTargetUpEnd, "the pipeline stack was previewed before its targets were up");
        const targetUpStarts = ["accountB", "accountC"].map((stack) => workspace.indexOf(stack, "up", "start"));
        const firstTargetUpEnd = Math.min(...["accountB", "accountC"].map((stack) => workspace.indexOf(stack, "up", "end")));
        assert.ok(targetUpStarts.every((start) => start < firstTargetUpEnd), "the target stacks did not run at the same time");
        assert.strictEqual(workspace.maxRunning, 2);
        assert.deepStrictEqual(report.stacks.map((r) => r.stack), ["accountB", "accountC", "accountA"]);
    });

    it("runs at most `concurrency` stacks of a phase at a time", async () => {
        const D = targetStack("accountD");
        const stacks = { ...healthyStacks(), accountD: { delayMs: 20 } };
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
    it("skips the pipeline stack when a target stack it reads fails, and still runs a stack that reads neither", async () => {
        const stacks: Record<string, FakeStack> = { ...healthyStacks(), solo: { outputs: { deployRoleArns: { S: ARN_B }, ...targetOutputs("S", ARN_B) } } };
        stacks.accountB.failures = { up: new StackFailure("credentials", "AWS credentials for stack accountB are missing") };
        const workspace = new FakeWorkspace(stacks);
        const report = await runOperation(workspace, request("up", [A, B, C, allStack("solo")]));

        assert.strictEqual(report.ok, false);
        assert.strictEqual(resultOf(report, "accountB")?.status, "failed");
        assert.strictEqual(resultOf(report, "accountC")?.status, "succeeded");
        assert.strictEqual(resultOf(report, "accountA")?.status, "skipped");
        assert.match(resultOf(report, "accountA")?.message ?? "", /not run because accountB failed/);
        assert.deepStrictEqual(workspace.started("up").sort(), ["accountB", "accountC", "solo"]);
        assert.ok(!workspace.started("preview").includes("accountA"), "the pipeline stack was previewed against a failed target");
    });

    it("turns anything an implementation throws into a failed stack with its message", async () => {
        const stacks = healthyStacks();
        stacks.accountB.failures = { refresh: new Error("socket hang up") };
        const report = await runOperation(new FakeWorkspace(stacks), request("refresh", [B]));
        assert.deepStrictEqual([report.stacks[0].status, report.stacks[0].message], ["failed", "socket hang up"]);
    });
});

describe("automation driver: preview", () => {
    it("only previews, and says when a stack's preview reads outputs that are about to change", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const report = await runOperation(workspace, request("preview", [A, B, C]));

        assert.strictEqual(report.ok, true);
        assert.deepStrictEqual([...workspace.actions()].sort(), ["open", "preview"]);
        assert.deepStrictEqual(workspace.started("preview"), ["accountB", "accountC", "accountA"]);
        // B and C have changes to apply, so A's preview, computed from their current outputs, is provisional.
        assert.match(resultOf(report, "accountA")?.caveat ?? "", /current outputs of accountB, accountC, which have changes to apply/);
        assert.strictEqual(resultOf(report, "accountB")?.caveat, undefined);
    });

    it("gives no caveat when the stacks it reads have nothing to change", async () => {
        const stacks = healthyStacks();
        stacks.accountB.changes = { same: 4 };
        stacks.accountC.changes = { same: 4 };
        const report = await runOperation(new FakeWorkspace(stacks), request("preview", [A, B, C]));
        assert.strictEqual(resultOf(report, "accountA")?.caveat, undefined);
    });

    it("previews a stack not yet deployed on a temporary record, and does not preview what reads it", async () => {
        const stacks = healthyStacks();
        stacks.accountB.exists = false;
        const workspace = new FakeWorkspace(stacks);
        const report = await runOperation(workspace, request("preview", [A, B, C]));

        assert.strictEqual(report.ok, true);
        assert.strictEqual(resultOf(report, "accountB")?.newStack, true);
        assert.deepStrictEqual(workspace.started("release"), ["accountB"], "the temporary record was not removed");
        assert.strictEqual(resultOf(report, "accountA")?.status, "skipped");
        assert.match(resultOf(report, "accountA")?.message ?? "", /reads accountB, which is not deployed yet/);
        assert.ok(!workspace.started("preview").includes("accountA"));
    });

    it("reports each stack's progress as events that name the stack", async () => {
        const stacks = healthyStacks();
        stacks.accountB.lines = ["+ aws:iam:Role CrossAccount_Role creating"];
        const events: DriverEvent[] = [];
        await runOperation(new FakeWorkspace(stacks), request("preview", [pipelineStack("accountA", ["accountB"]), B], { onEvent: (event) => events.push(event) }));

        assert.deepStrictEqual(events[0], { type: "planned", operation: "preview", phases: [["accountB"], ["accountA"]] });
        assert.ok(events.some((e) => e.type === "output" && e.stack === "accountB" && e.line.includes("CrossAccount_Role")));
        assert.ok(events.some((e) => e.type === "progress" && e.stack === "accountA" && e.resourcesDone === 1));
        const finished = events.filter((e) => e.type === "finished").map((e) => (e.type === "finished" ? e.result.stack : ""));
        assert.deepStrictEqual(finished, ["accountB", "accountA"]);
    });
});

describe("automation driver: up, phase by phase", () => {
    it("previews every stack before updating it, even without a confirmation step", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        await runOperation(workspace, request("up", [A, B, C]));
        for (const stack of ["accountA", "accountB", "accountC"]) {
            assert.ok(workspace.indexOf(stack, "preview", "end") >= 0 && workspace.indexOf(stack, "preview", "end") < workspace.indexOf(stack, "up", "start"), stack);
        }
    });

    it("asks about the target phase alone, and applies nothing when the answer is no", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const asked: PhasePreview[] = [];
        const report = await runOperation(workspace, request("up", [A, B, C], { confirm: async (phase) => (asked.push(phase), false) }));

        assert.strictEqual(asked.length, 1);
        assert.deepStrictEqual([asked[0].phase, asked[0].phaseCount, asked[0].later], [1, 2, [["accountA"]]]);
        assert.deepStrictEqual(asked[0].stacks.map((r) => [r.stack, r.status]), [["accountB", "succeeded"], ["accountC", "succeeded"]]);
        assert.deepStrictEqual(workspace.started("up"), []);
        assert.deepStrictEqual(workspace.started("preview"), ["accountB", "accountC"], "the pipeline stack was previewed against outputs about to change");
        assert.strictEqual(report.ok, false);
        assert.strictEqual(report.notApplied, "not confirmed");
        assert.match(resultOf(report, "accountA")?.message ?? "", /not applied: not confirmed/);
    });

    it("previews the pipeline stack only after its targets are up, and asks again", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const asked: PhasePreview[] = [];
        const report = await runOperation(
            workspace,
            request("up", [A, B, C], { confirm: async (phase) => (asked.push(phase), phase.phase === 1) }),
        );

        assert.deepStrictEqual(asked.map((phase) => phase.stacks.map((s) => s.stack)), [["accountB", "accountC"], ["accountA"]]);
        const lastTargetUpEnd = Math.max(workspace.indexOf("accountB", "up", "end"), workspace.indexOf("accountC", "up", "end"));
        assert.ok(workspace.indexOf("accountA", "preview", "start") > lastTargetUpEnd);
        assert.deepStrictEqual(workspace.started("up").sort(), ["accountB", "accountC"]);
        assert.strictEqual(report.ok, false);
        assert.strictEqual(report.notApplied, "not confirmed");
        assert.deepStrictEqual(report.previews?.map((p) => p.stack), ["accountB", "accountC", "accountA"]);
    });

    it("applies nothing of a phase, or after it, when one of its previews fails", async () => {
        const stacks = healthyStacks();
        stacks.accountC.failures = { preview: new StackFailure("command-failed", "error: artifact-key-protection: the key is not protected") };
        const workspace = new FakeWorkspace(stacks);
        let asked = false;
        const report = await runOperation(workspace, request("up", [A, B, C], { confirm: async () => (asked = true) }));

        assert.strictEqual(asked, false);
        assert.deepStrictEqual(workspace.started("up"), []);
        assert.strictEqual(report.notApplied, "the preview of accountC failed");
        assert.strictEqual(resultOf(report, "accountC")?.status, "failed");
        assert.match(resultOf(report, "accountC")?.message ?? "", /^preview failed: error: artifact-key-protection/);
        assert.match(resultOf(report, "accountB")?.message ?? "", /not applied: the preview of accountC failed/);
        assert.strictEqual(resultOf(report, "accountA")?.status, "skipped");
    });
});

describe("automation driver: destroy", () => {
    it("destroys the pipeline stack first, then its target stacks, and says what it kept", async () => {
        const stacks = healthyStacks();
        stacks.accountA.kept = [{ type: "aws:kms/key:Key", name: "artifact-key" }];
        const workspace = new FakeWorkspace(stacks);
        const report = await runOperation(workspace, request("destroy", [A, B, C]));

        assert.strictEqual(report.ok, true);
        const pipelineEnd = workspace.indexOf("accountA", "destroy", "end");
        assert.ok(workspace.indexOf("accountB", "destroy", "start") > pipelineEnd);
        assert.ok(workspace.indexOf("accountC", "destroy", "start") > pipelineEnd);
        assert.deepStrictEqual(resultOf(report, "accountA")?.kept, [{ type: "aws:kms/key:Key", name: "artifact-key" }]);
        assert.match(resultOf(report, "accountA")?.message ?? "", /kept 1 protected resource .*artifact-key/);
    });

    it("refuses to destroy a target stack while a pipeline stack outside the run still deploys to it", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const report = await runOperation(workspace, { ...request("destroy", [B]), projectStacks: [A, B, C] });

        assert.strictEqual(report.ok, false);
        assert.strictEqual(resultOf(report, "accountB")?.status, "refused");
        assert.match(resultOf(report, "accountB")?.message ?? "", /accountA \(20 resources\)/);
        assert.deepStrictEqual(workspace.started("destroy"), []);
    });

    it("destroys a target stack once its pipeline stack holds only what destroy keeps", async () => {
        const stacks = healthyStacks();
        stacks.accountA.destroyable = 0;
        stacks.accountA.kept = [{ type: "aws:kms/key:Key", name: "artifact-key" }];
        const workspace = new FakeWorkspace(stacks);
        const report = await runOperation(workspace, { ...request("destroy", [B]), projectStacks: [A, B, C] });
        assert.strictEqual(resultOf(report, "accountB")?.status, "succeeded");
        assert.deepStrictEqual(workspace.started("state"), ["accountA", "accountB"]);
    });

    it("destroys it anyway when forced, without looking at the pipeline stack", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const report = await runOperation(workspace, { ...request("destroy", [B], { force: true }), projectStacks: [A, B, C] });
        assert.strictEqual(resultOf(report, "accountB")?.status, "succeeded");
        assert.ok(!workspace.started("state").includes("accountA"));
    });

    it("counts a pipeline stack that was never created as not deploying, and skips a stack that does not exist", async () => {
        const stacks = healthyStacks();
        stacks.accountA.exists = false;
        stacks.accountC.exists = false;
        const report = await runOperation(new FakeWorkspace(stacks), { ...request("destroy", [B, C]), projectStacks: [A, B, C] });
        assert.strictEqual(report.ok, true);
        assert.strictEqual(resultOf(report, "accountB")?.status, "succeeded");
        assert.strictEqual(resultOf(report, "accountC")?.status, "skipped");
    });

    it("does not destroy the target stacks when their pipeline stack failed to destroy", async () => {
        const stacks = healthyStacks();
        stacks.accountA.failures = { destroy: new StackFailure("command-failed", "error: deleting CodePipeline: AccessDenied") };
        const workspace = new FakeWorkspace(stacks);
        const report = await runOperation(workspace, request("destroy", [A, B, C]));

        assert.strictEqual(report.ok, false);
        assert.strictEqual(resultOf(report, "accountB")?.status, "skipped");
        assert.deepStrictEqual(workspace.started("destroy"), ["accountA"]);
    });

    it("words the guard's refusal with every reader that still has resources", () => {
        assert.strictEqual(destroyGuardRefusal([{ stack: "accountA", destroyable: 0 }]), undefined);
        assert.strictEqual(destroyGuardRefusal([]), undefined);
        const refusal = destroyGuardRefusal([
            { stack: "accountA", destroyable: 0 },
            { stack: "accountZ", destroyable: 2 },
        ]);
        assert.match(refusal ?? "", /accountZ \(2 resources\)/);
        assert.doesNotMatch(refusal ?? "", /accountA/);
        assert.match(refusal ?? "", /--force/);
    });
});

describe("automation driver: role ARN cross-check after up", () => {
    it("passes when the pipeline stack assumes exactly the roles its targets export", async () => {
        const report = await runOperation(new FakeWorkspace(healthyStacks()), request("up", [A, B, C]));
        assert.strictEqual(report.ok, true);
        assert.deepStrictEqual(
            report.roleArnChecks.map((check) => [check.pipelineStack, check.targetStack, check.target, check.roleArn, check.problem]),
            [
                ["accountA", "accountB", "Staging", ARN_B, undefined],
                ["accountA", "accountC", "Prod", ARN_C, undefined],
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

    it("says which pipeline stack to run next when only a target stack was deployed", async () => {
        const stacks = healthyStacks();
        stacks.accountB.outputs = targetOutputs("Staging", roleArn("222222222222", "Renamed"));
        const workspace = new FakeWorkspace(stacks);
        const report = await runOperation(workspace, { ...request("up", [B]), projectStacks: [A, B, C] });

        assert.strictEqual(report.ok, true, "deploying a target stack first is the documented order");
        assert.deepStrictEqual(workspace.started("outputs"), ["accountA"]);
        assert.match(report.roleArnChecks[0].pending ?? "", /role\/Renamed.*run it next: npm run deploy -- --up --stack accountA/);
    });

    it("says so when the pipeline stack that reads a deployed target stack does not exist yet", async () => {
        const stacks = healthyStacks();
        stacks.accountA.exists = false;
        const report = await runOperation(new FakeWorkspace(stacks), { ...request("up", [B]), projectStacks: [A, B] });
        assert.strictEqual(report.ok, true);
        assert.match(report.roleArnChecks[0].pending ?? "", /accountA reads accountB and is not deployed yet/);
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

describe("automation driver: an interrupted run", () => {
    it("stops what runs at a safe point, starts nothing more, and says so in the report", async () => {
        const workspace = new FakeWorkspace(healthyStacks(400));
        const cancel = new AbortController();
        // Interrupted once both target stacks' updates are under way.
        void workspace.whenRunning("up", 2).then(() => cancel.abort());
        const report = await runOperation(workspace, request("up", [A, B, C], { signal: cancel.signal }));
        assert.deepStrictEqual(workspace.interrupted.sort(), ["accountB", "accountC"], "each running operation told to stop once");
        assert.deepStrictEqual(workspace.started("up"), ["accountB", "accountC"], "the pipeline stack is not started");
        assert.deepStrictEqual(workspace.started("preview"), ["accountB", "accountC"]);
        assert.strictEqual(report.interrupted, true);
        assert.strictEqual(report.ok, false);
        assert.deepStrictEqual(report.stacks.map((s) => [s.stack, s.status]), [["accountB", "interrupted"], ["accountC", "interrupted"], ["accountA", "skipped"]]);
        assert.match(resultOf(report, "accountB")!.message!, /^the Pulumi CLI stopped at a safe point, its state consistent/);
        assert.strictEqual(resultOf(report, "accountA")!.message, "not started: the run was interrupted");
    });

    it("on a second interrupt, says the stacks stopped at once may need `pulumi cancel` and a refresh", async () => {
        const workspace = new FakeWorkspace(healthyStacks(400));
        const cancel = new AbortController();
        const terminate = new AbortController();
        void workspace.whenRunning("destroy", 1).then(() => {
            cancel.abort();
            terminate.abort();
        });
        const report = await runOperation(workspace, request("destroy", [B], { signal: cancel.signal, terminate: terminate.signal }));
        assert.match(resultOf(report, "accountB")!.message!, /^terminated at once: its state may hold pending operations and a lock; `pulumi cancel` .* `pulumi refresh -s accountB`/);
    });

    it("starts no stack that was waiting for a free slot", async () => {
        const workspace = new FakeWorkspace(healthyStacks(400));
        const cancel = new AbortController();
        void workspace.whenRunning("refresh", 1).then(() => cancel.abort());
        const report = await runOperation(workspace, request("refresh", [A, B, C], { signal: cancel.signal, concurrency: 1 }));
        assert.deepStrictEqual(workspace.started("refresh"), ["accountB"]);
        assert.deepStrictEqual(workspace.interrupted, ["accountB"]);
        // Not even opened: opening may create a stack record (`stack init`).
        assert.deepStrictEqual(workspace.calls.filter((call) => call.action === "open").map((call) => call.stack), ["accountB"]);
        assert.deepStrictEqual(report.stacks.map((s) => [s.stack, s.status, s.message]), [
            ["accountB", "interrupted", resultOf(report, "accountB")!.message],
            ["accountC", "skipped", "not started: the run was interrupted"],
            ["accountA", "skipped", "not started: the run was interrupted"],
        ]);
    });

    it("starts nothing when interrupted before it began", async () => {
        const workspace = new FakeWorkspace(healthyStacks());
        const cancel = new AbortController();
        cancel.abort();
        const report = await runOperation(workspace, request("preview", [A, B, C], { signal: cancel.signal }));
        assert.deepStrictEqual(workspace.started("preview"), []);
        assert.ok(report.stacks.every((s) => s.status === "skipped") && report.interrupted);
    });
});

describe("automation driver: a pipeline update while IAM propagates a new role", () => {
    const notYet = () =>
        new StackFailure("role-not-yet-assumable", "stack accountA: UpdatePipeline could not assume an action role (…): a role created or changed moments before may not have propagated in IAM yet");
    const notes = (events: DriverEvent[]) => events.flatMap((event) => (event.type === "note" ? [`${event.stack}: ${event.text}`] : []));

    it("updates the pipeline stack again, after each documented wait, until AWS can assume the role", async () => {
        const stacks = healthyStacks();
        stacks.accountA.failures = { up: [notYet(), notYet()] };
        const workspace = new FakeWorkspace(stacks);
        const events: DriverEvent[] = [];
        const report = await runOperation(workspace, request("up", [A, B, C], { rolePropagationRetryDelaysMs: [5, 5, 5], onEvent: (event) => events.push(event) }));
        assert.strictEqual(report.ok, true);
        assert.deepStrictEqual(workspace.started("up"), ["accountB", "accountC", "accountA", "accountA", "accountA"]);
        assert.deepStrictEqual(notes(events).map((note) => note.replace(/\(…\).*: trying/, "… trying")), [
            "accountA: stack accountA: UpdatePipeline could not assume an action role … trying the update again in 0.005 s (1 of 3)",
            "accountA: stack accountA: UpdatePipeline could not assume an action role … trying the update again in 0.005 s (2 of 3)",
        ]);
    });

    it("gives up after the last wait, saying how long it tried and what to check", async () => {
        const stacks = healthyStacks();
        stacks.accountA.failures = { up: notYet() };
        const workspace = new FakeWorkspace(stacks);
        const report = await runOperation(workspace, request("up", [A, B, C], { rolePropagationRetryDelaysMs: [5, 10] }));
        assert.strictEqual(report.ok, false);
        assert.strictEqual(workspace.started("up").filter((stack) => stack === "accountA").length, 3);
        assert.match(resultOf(report, "accountA")!.message!, /may not have propagated in IAM yet; still so after 2 more tries over 0\.015 s: check that each target stack is up/);
    });

    it("does not retry any other failure", async () => {
        const stacks = healthyStacks();
        stacks.accountA.failures = { up: new StackFailure("command-failed", "error: something else") };
        const workspace = new FakeWorkspace(stacks);
        const report = await runOperation(workspace, request("up", [A, B, C], { rolePropagationRetryDelaysMs: [5] }));
        assert.strictEqual(resultOf(report, "accountA")!.message, "error: something else");
        assert.deepStrictEqual(workspace.started("up"), ["accountB", "accountC", "accountA"]);
    });

    it("stops waiting when the run is interrupted, and starts no further update", async () => {
        const stacks = healthyStacks();
        stacks.accountA.failures = { up: notYet() };
        const workspace = new FakeWorkspace(stacks);
        const cancel = new AbortController();
        const report = await runOperation(workspace, request("up", [A, B, C], {
            signal: cancel.signal,
            rolePropagationRetryDelaysMs: [60_000],
            onEvent: (event) => event.type === "note" && cancel.abort(),
        }));
        assert.strictEqual(resultOf(report, "accountA")!.status, "interrupted");
        assert.deepStrictEqual(workspace.started("up"), ["accountB", "accountC", "accountA"]);
    });
});
