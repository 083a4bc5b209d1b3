// What the operations after the first `pulumi up` do: tearing down and coming back, and, against an earlier plan,
// what the next `pulumi up` creates, updates, replaces, deletes and imports, refusing what AWS or the engine would.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { replacedBy, replacingInputs } from "../definition/replacement";
import type { ResourceSummary } from "../offline-plan/describe";
import type { PlanContents } from "../offline-plan/grants";
import { comeBackProblems, nextUp, stepLines } from "../offline-plan/lifecycle";
import { checkGroups, PlanResult, runPlan } from "../offline-plan/plan";
import { readStackFile, StackFile } from "../project/stackFiles";
import { planContents } from "../offline-plan/writePlan";
import { planFormat } from "../offline-plan/planFiles";
import { benchmarkStack } from "../offline-plan/bench";
import { configured, pipelineAccountId, projectRoot, qualifiedConfig, shipped } from "./fixtures";
import { europe, targetsOf } from "./support/stacks";

const bucket = (name: string, extra: Partial<ResourceSummary> = {}): ResourceSummary => ({
    type: "aws:s3/bucket:Bucket", name, accountId: pipelineAccountId, region: "us-east-2", protect: true, retainOnDelete: true,
    properties: { bucket: `${name}-bucket` }, ...extra,
});
const role = (name: string, path = "/a/"): ResourceSummary => ({ type: "aws:iam/role:Role", name, accountId: pipelineAccountId, properties: { name, path } });
/** A plan folder of this plan's format, holding these resources of the pipeline account. */
const contentsOf = (...resources: ResourceSummary[]): PlanContents =>
    new Map<string, unknown>([[`account-${pipelineAccountId}/resources.json`, resources], ["checks.json", { ok: true, planFormat }]]);
const stepsOf = (before: ResourceSummary[], after: ResourceSummary[]) =>
    nextUp(contentsOf(...before), contentsOf(...after)).map((s) => `${s.op} ${s.name}${s.problem ? " REFUSED" : ""}`);

describe("what the next pulumi up does, against an earlier plan", () => {
    describe("step by step (pure)", () => {
        it("creates what only this plan declares, deletes what only the earlier one did, and leaves the same alone", () => {
            assert.deepEqual(stepsOf([role("kept"), role("gone")], [role("kept"), role("new")]), ["delete gone", "create new"]);
        });

        it("replaces a resource whose replacing input changed, naming it, and updates one whose other properties changed", () => {
            assert.deepEqual(replacedBy("aws:iam/role:Role", { path: "/a/", description: "x" }, { path: "/b/", description: "y" }), ["path"]);
            const [replaced] = nextUp(contentsOf(role("r", "/a/")), contentsOf(role("r", "/b/")));
            assert.deepEqual([replaced.op, replaced.replacedBy], ["replace", ["path: /a/ -> /b/"]]);
            const tagged = { ...role("r"), properties: { ...role("r").properties, description: "changed" } };
            assert.deepEqual(stepsOf([role("r")], [tagged]), ["update r"]);
        });

        it("takes an input an older plan did not record for unknown, not for a change; one this plan's format records for a change", () => {
            const key = (properties: Record<string, unknown>): ResourceSummary => ({ type: "aws:kms/key:Key", name: "key", accountId: pipelineAccountId, protect: true, properties });
            const recorded = contentsOf(key({ enableKeyRotation: true }));
            const now = contentsOf(key({ enableKeyRotation: true, keyUsage: "ENCRYPT_DECRYPT" }));
            const older = new Map([...recorded, ["checks.json", { ok: true }]]);
            assert.deepEqual(nextUp(older, now), [], "the plan before planFormat 2 did not record keyUsage");
            assert.deepEqual(nextUp(recorded, now).map((s) => [s.op, s.replacedBy, Boolean(s.problem)]), [["replace", ["keyUsage: (none) -> ENCRYPT_DECRYPT"], true]]);
        });

        it("refuses replacing or deleting a protected resource, with the way out, and lists refusals and replacements first", () => {
            const renamed = bucket("store", { properties: { bucket: "renamed-bucket" } });
            const steps = nextUp(contentsOf(bucket("store"), bucket("region-store")), contentsOf(renamed, role("new")));
            assert.deepEqual(steps.map((s) => `${s.op} ${s.name}`), ["replace store", "delete region-store", "create new"]);
            assert.match(steps[0].problem!, /aws\.s3\.Bucket store is protected, and bucket: store-bucket -> renamed-bucket replaces it: `pulumi up` stops at it .* deploy a new pipeline stack beside this one/);
            assert.match(steps[1].problem!, /aws\.s3\.Bucket region-store in us-east-2 is protected, and no stack declares it any more .* Keep a target in us-east-2 until the store may go; then set protectArtifacts: false/);
            assert.deepEqual(stepLines(steps), [
                "! replace aws.s3.Bucket store, account 111111111111 (us-east-2) (bucket: store-bucket -> renamed-bucket): REFUSED",
                "! delete aws.s3.Bucket region-store, account 111111111111 (us-east-2): REFUSED",
                "+ create 1 aws.iam.Role",
            ]);
        });

        it("refuses adopting what the earlier plan does not declare (it would not exist), and adopting another than what the stack holds", () => {
            const adopting = (id: string) => bucket("store", { adopts: id, properties: { bucket: id } });
            assert.deepEqual(stepsOf([], [adopting("store-bucket")]), ["import store REFUSED"]);
            assert.deepEqual(stepsOf([bucket("elsewhere", { properties: { bucket: "store-bucket" } })], [adopting("store-bucket")]), ["delete elsewhere REFUSED", "import store"]);
            assert.deepEqual(stepsOf([bucket("store")], [adopting("store-bucket")]), [], "the stack holds it already: nothing to do");
            assert.match(nextUp(contentsOf(bucket("store")), contentsOf(adopting("other-bucket")))[0].problem!, /imports other-bucket, but the earlier plan declared store-bucket here/);
        });

        it("knows a replacing input for every type the program declares", () => {
            for (const type of ["aws:kms/key:Key", "aws:s3/bucket:Bucket", "aws:iam/role:Role", "aws:codepipeline/pipeline:Pipeline", "aws:cloudwatch/logGroup:LogGroup"]) {
                assert.ok((replacingInputs[type] ?? []).length > 0, type);
            }
        });
    });

    describe("on the program's own stacks", () => {
        const plan = (stackFiles: StackFile[], earlier?: PlanResult) =>
            runPlan({ stacks: configured(stackFiles), ...(earlier ? { earlier: { folder: "earlier", contents: planContents(earlier) } } : {}) });
        const shippedFiles = () => ["accountB", "accountA"].map((s) => readStackFile(path.join(projectRoot, `Pulumi.${s}.yaml`)));
        const renamed = (file: StackFile): StackFile => ({ ...file, config: { ...file.config, "cross-account-pipeline:pipelineName": "RenamedPipeline" } });
        let shippedPlan: PlanResult;
        before(async () => { shippedPlan = await plan(shippedFiles()); });

        it("fails renaming the pipeline, naming the replacement of the protected artifact and source buckets and what to do", async () => {
            const result = await plan(shippedFiles().map(renamed), shippedPlan);
            assert.equal(result.ok, false);
            const group = checkGroups(result).find((g) => g.name === "lifecycle")!;
            assert.deepEqual(group.failures.map((f) => f.what).sort(), [
                "the next up replaces aws.s3.Bucket pipeline-source (account 111111111111)",
                "the next up replaces aws.s3.Bucket pipeline-us-east-2-bucket (account 111111111111)",
            ]);
            assert.match(group.failures[0].message!, /is protected, and bucket: crossaccountpipeline-111111111111-us-east-2-.* -> renamedpipeline-111111111111-us-east-2-.* replaces it/);
            assert.equal(result.lifecycle.nextUp!.steps[0].op, "replace", "replacements lead");
        });

        it("adds a target without a refusal: its resources are created, the pipeline account's updated", async function () {
            this.timeout(120_000);
            const one = await plan([benchmarkStack(1, 1)]);
            const two = await plan([benchmarkStack(2, 1)], one);
            assert.equal(two.ok, true);
            const ops = new Set(two.lifecycle.nextUp!.steps.map((s) => s.op));
            assert.deepEqual([...ops].sort(), ["create", "update"]);
        });

        it("fails removing the last target of a region: its protected store would be deleted", async () => {
            const withEurope = (file: StackFile, targets: Record<string, unknown>[]) =>
                ({ ...file, config: qualifiedConfig("accountA", { deploy: "all", targets }) });
            const a = shipped("accountA");
            const both = await plan([withEurope(a, [...targetsOf(a.config), europe])]);
            const without = await plan([withEurope(a, targetsOf(a.config))], both);
            assert.equal(without.ok, false);
            const refused = without.lifecycle.nextUp!.steps.filter((s) => s.problem).map((s) => `${s.op} ${s.type} ${s.region}`);
            assert.deepEqual(refused.sort(), ["delete aws:kms/key:Key eu-west-1", "delete aws:s3/bucket:Bucket eu-west-1"]);
        });

        it("comes back after a destroy: everything it retains and would create again is protected, so the destroy keeps it in the stack", async () => {
            assert.deepEqual(comeBackProblems(shippedPlan.stacks), []);
            const threeAccounts = await plan(["staging", "production", "pipeline"].map((s) => readStackFile(path.join(projectRoot, "examples", "three-accounts", `Pulumi.${s}.yaml`))));
            assert.deepEqual(comeBackProblems(threeAccounts.stacks), []);
            assert.match(checkGroups(shippedPlan).find((g) => g.name === "lifecycle")!.status, /^destroy and come back: yes$/);
        });

        it("fails a retained resource that destroy would not keep: the source bucket as it was, retained and unprotected", () => {
            const stacks = structuredClone(shippedPlan.stacks);
            const source = stacks.flatMap((s) => s.run?.resources ?? []).find((r) => r.name === "pipeline-source" && r.type === "aws:s3/bucket:Bucket")!;
            source.registration!.protect = false;
            const [problem, ...others] = comeBackProblems(stacks);
            assert.deepEqual(others, []);
            assert.equal(problem.what, "aws.s3.Bucket pipeline-source");
            assert.match(problem.message, /stays in AWS \(retainOnDelete\) but leaves the stack, as it is not protected, and the next `--up` creates it again: CreateBucket fails on it \(BucketAlreadyOwnedByYou/);
        });

        it("leaves the documented teardown (docs/operations.md) alone: without protectArtifacts the stack keeps nothing, and adoptRetained brings the store back", async () => {
            const teardown = await plan([{ ...shipped("accountA"), config: qualifiedConfig("accountA", { deploy: "all", protectArtifacts: false }) }]);
            assert.deepEqual(comeBackProblems(teardown.stacks), []);
        });
    });
});
