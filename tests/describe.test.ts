import * as assert from "node:assert/strict";
import { awsResourcesByAccount } from "../offline-plan/describe";
import { DeclaredResource } from "../evaluation/mockCloud";

const declared = (name: string, type: string, accountId?: string, custom = true): DeclaredResource =>
    ({ type, name, id: name, inputs: {}, state: {}, custom, ...(accountId ? { accountId } : {}) });

describe("the plan's resources by account (offline-plan/describe.ts)", () => {
    it("keeps each account's AWS resources in declaration order, accounts in the order they first appear", () => {
        const byAccount = awsResourcesByAccount([
            declared("Staging-role", "aws:iam/role:Role", "222222222222"),
            declared("pipeline-key", "aws:kms/key:Key", "111111111111"),
            declared("Staging-policy", "aws:iam/rolePolicy:RolePolicy", "222222222222"),
            declared("pipeline-bucket", "aws:s3/bucket:Bucket", "111111111111"),
        ]);
        assert.deepEqual([...byAccount.keys()], ["222222222222", "111111111111"]);
        assert.deepEqual(byAccount.get("222222222222")!.map((r) => r.name), ["Staging-role", "Staging-policy"]);
        assert.deepEqual(byAccount.get("111111111111")!.map((r) => r.name), ["pipeline-key", "pipeline-bucket"]);
    });

    it("leaves out components and providers, and puts a resource of no known account under unknown", () => {
        const byAccount = awsResourcesByAccount([
            declared("pipeline", "cross-account-pipeline:pipeline:PipelineAccount", undefined, false),
            declared("target-Staging", "pulumi:providers:aws", "222222222222"),
            declared("orphan", "aws:iam/role:Role"),
        ]);
        assert.deepEqual([...byAccount.keys()], ["unknown"]);
        assert.deepEqual(byAccount.get("unknown")!.map((r) => r.name), ["orphan"]);
    });
});
