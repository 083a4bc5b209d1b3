// The largest pipeline this project plans and tests: 250 targets, each in its own account, over three
// regions, in one pipeline of waves. One test, since the plan at this size is the expensive part.
import { strict as assert } from "node:assert";
import { quotas } from "../definition/quotas";
import { benchmarkStack } from "../offline-plan/bench";
import { runPlan } from "../offline-plan/plan";
import { configured } from "./fixtures";

describe("a pipeline of 250 target accounts over three regions", () => {
    it("plans with every AWS quota held and the access chain proven for every target", async function () {
        // The program's evaluation under mocks dominates (about a minute on an idle two-core machine): measured by `npm run bench`, not here.
        this.timeout(20 * 60 * 1000);
        const result = await runPlan({ stacks: configured([benchmarkStack(250, 3, 49)]) });
        assert.deepEqual(result.stacks.map((s) => s.error), [undefined]);
        assert.deepEqual(result.createTime.filter((c) => !c.ok), []);
        assert.deepEqual(result.access.filter((f) => !f.ok).map((f) => `${f.check.hop}: ${f.message}`), []);
        assert.deepEqual(result.rules.flatMap((r) => r.violations), []);
        assert.equal(result.ok, true);

        // Every quota is measured and held; the policies that grew per target before now grow by an account.
        assert.deepEqual(result.quotas.filter((q) => !q.ok), []);
        const largest = (quota: keyof typeof quotas) => Math.max(...result.quotas.filter((q) => q.quota === quota).map((q) => q.figure));
        assert.equal(result.quotas.filter((q) => q.quota === "bucketPolicy").length, 4, "three artifact buckets and the source bucket");
        assert.ok(largest("bucketPolicy") < quotas.bucketPolicy.limit / 3, `bucket policy ${largest("bucketPolicy")} bytes`);
        assert.ok(largest("keyPolicy") < quotas.keyPolicy.limit / 5, `key policy ${largest("keyPolicy")} bytes`);
        assert.ok(largest("roleInlinePolicies") < quotas.roleInlinePolicies.limit * 0.6, `pipeline role ${largest("roleInlinePolicies")} characters`);
        assert.equal(largest("stagesPerPipeline"), 9, "Source, Build, the canary and six waves (Wave1 to Wave6)");
        assert.equal(largest("actionsPerStage"), 49);
        assert.equal(largest("actionsPerPipeline"), 2 + 250 + 1);

        // Each target's chain, hop by hop, against the store of its own region.
        const pipelineStages = result.stacks[0].run!.resources.find((r) => r.type === "aws:codepipeline/pipeline:Pipeline")!.inputs.stages as { name: string; actions: { name: string; category: string; region?: string }[] }[];
        const deployActions = pipelineStages.flatMap((stage) => stage.actions.filter((a) => a.category === "Deploy").map((a) => ({ label: `${stage.name}/${a.name}`, region: a.region ?? "us-east-2" })));
        assert.equal(deployActions.length, 250);
        const byHop = new Map(result.access.map((f) => [f.check.hop, f]));
        for (const { label, region } of deployActions) {
            for (const hop of ["the pipeline role assumes the cross-account role", "the cross-account role reads artifacts", "the cross-account role decrypts with the artifact key",
                "the cross-account role creates a deployment in its deployment group", "the instance role reads artifacts"]) {
                assert.equal(byHop.get(`${label}: ${hop}`)?.result, "Allowed", `${label}: ${hop}`);
            }
            assert.match(byHop.get(`${label}: the cross-account role reads artifacts`)!.check.resource, new RegExp(`^arn:aws:s3:::crossaccountpipeline-111111111111-${region}-artifacts/`));
            const refused = result.access.filter((f) => f.check.hop.startsWith(`${label}: `) && f.check.expect === "denied");
            assert.ok(refused.length >= 16 && refused.every((f) => f.result !== "Allowed"), `${label}: ${refused.length} refusals`);
            assert.equal(byHop.get(`${label}: the cross-account role cannot write artifacts with SSE-KMS`)?.result, "ExplicitlyDenied");
        }

        // The accounts stay apart, every account covered through one of each shape: one per region's store here.
        assert.deepEqual(result.isolation.findings.filter((f) => !f.ok).map((f) => `${f.check.hop}: ${f.message}`), []);
        const { shapes } = result.isolation;
        assert.equal(shapes.reduce((count, shape) => count + shape.accounts.length, 0), 250);
        assert.equal(shapes.length, 3, shapes.map((s) => `${s.representative}: ${s.accounts.length}`).join(", "));
        for (const shape of shapes) {
            const representative = `account ${shape.representative} `;
            assert.ok(result.isolation.findings.some((f) => f.check.hop.startsWith(representative) && f.check.hop.includes("creates under the deploy path") && f.check.action === "s3:PutObject"));
        }
    });
});
