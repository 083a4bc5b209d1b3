// How many target accounts an artifact store holds depends on the partition's ARN lengths: config measures the
// policies the program would declare and refuses a store past its quota, before any resource is declared.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../config";
import { growingPolicies, targetAccountsPerStore } from "../config/rules";
import { partitionOf } from "../definition/names";
import { policySize } from "../definition/quotas";
import { runAllInOne } from "./support/stacks";
import { problemsOf, projectRoot } from "./fixtures";
import type { RawConfig } from "../config";

/** `n` targets in one region, each in its own account, in waves of 49: as many as CodePipeline's quotas allow in one pipeline. */
function targets(n: number, region?: string) {
    return Array.from({ length: n }, (_, i) => ({
        name: `T${String(i + 1).padStart(3, "0")}`, accountId: String(200000000000 + i), applicationName: "App", deploymentGroupName: `Group${i}`,
        wave: `Wave${Math.floor(i / 49) + 1}`, stack: `organization/cross-account-pipeline/t${i}`, ...(region ? { region } : {}),
    }));
}
const raw = (region: string, n: number, extra: RawConfig = {}): RawConfig => ({
    deploy: "pipeline", region, pipelineAccountId: "111111111111", targets: JSON.stringify(targets(n)), ...extra,
});

describe("target accounts per artifact store, by partition", () => {
    it("refuses 498 target accounts in us-gov-west-1, naming the partition, how many fit and the way out", () => {
        assert.deepEqual(problemsOf(raw("us-gov-west-1", 498)), [
            "targets: the bucket policy of the artifact store of us-gov-west-1 would name 498 target accounts and be 22,284 bytes, and AWS allows 20,480 " +
            "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html); in partition aws-us-gov, where each target account adds 40 bytes, " +
            "at most 452 target accounts fit one artifact store with this pipelineName and region: deploy the others with a second pipeline " +
            "(another pipeline stack with its own pipelineName)",
        ]);
    });

    it("accepts as many as fit, and the same 498 in the aws partition or spread over two regions of aws-us-gov", () => {
        assert.doesNotThrow(() => parseConfig(raw("us-gov-west-1", 452)));
        assert.match(problemsOf(raw("us-gov-west-1", 453))[0], /at most 452 target accounts fit one artifact store/);
        assert.doesNotThrow(() => parseConfig(raw("us-east-2", 498)));
        const spread = targets(498).map((t, i) => (i % 2 ? { ...t, region: "us-gov-east-1" } : t));
        assert.doesNotThrow(() => parseConfig(raw("us-gov-west-1", 0, { targets: JSON.stringify(spread) })));
    });

    it("counts what else the policies hold: a longer pipelineName fits fewer accounts, and so does an organization", () => {
        const fitting = (extra: RawConfig) => targetAccountsPerStore(parseConfig(raw("us-gov-west-1", 1, extra)));
        assert.equal(fitting({}), 452);
        assert.ok(fitting({ pipelineName: "A".repeat(26) }) < 452);
        assert.ok(fitting({ organizationId: "o-a1b2c3d4e5" }) < 452);
    });

    it("leaves a target stack alone: the pipeline stack, which declares the store, refuses it", () => {
        const target = raw("us-gov-west-1", 498, { deploy: "target", target: "T001" });
        assert.doesNotThrow(() => parseConfig(target));
    });

    it("measures the policies the program declares, byte for byte", async () => {
        const config = { region: "us-gov-west-1", organizationId: "o-a1b2c3d4e5" };
        const run = await runAllInOne(targets(3).map(({ stack: _stack, ...t }) => t), config);
        const measured = growingPolicies(parseConfig({ ...raw("us-gov-west-1", 0), deploy: "all", targets: JSON.stringify(targets(3).map(({ stack: _stack, ...t }) => t)), ...config }));
        const declared = (name: string) => run.resources.find((r) => r.name === name)!.inputs.policy as string;
        const sizeOf = (what: string) => measured.find((p) => p.what.startsWith(what))!;
        assert.equal(policySize("bucketPolicy", JSON.stringify(sizeOf("the bucket policy").document)), policySize("bucketPolicy", declared("pipeline-us-gov-west-1-bucket-policy")));
        assert.equal(policySize("keyPolicy", JSON.stringify(sizeOf("the key policy").document)), policySize("keyPolicy", declared("pipeline-us-gov-west-1-key")));
        assert.equal(policySize("roleInlinePolicies", JSON.stringify(sizeOf("the pipeline role's policy").document)), policySize("roleInlinePolicies", declared("pipeline-roles-pipeline-policy")));
    });

    it("is what the table of docs/configuration.md says, per partition", () => {
        const readme = fs.readFileSync(path.join(projectRoot, "docs", "configuration.md"), "utf8");
        const rows = [...readme.matchAll(/^\| (aws[\w-]*) \| `([\w-]+)` \| ([\d,]+) \|$/gm)];
        assert.equal(rows.length, 8, "a row per partition");
        for (const [, partition, region, figure] of rows) {
            assert.equal(partitionOf(region), partition);
            assert.equal(targetAccountsPerStore(parseConfig(raw(region, 1))), Number(figure.replace(/,/g, "")), `${partition} (${region})`);
        }
    });
});
