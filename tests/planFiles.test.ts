import * as assert from "node:assert/strict";
import { accountFileOf, pipelineFile, policyFile, resourcesFile } from "../offline-plan/planFiles";

describe("the plan folder's per-account file names (offline-plan/planFiles.ts)", () => {
    it("reads back what each name was made from", () => {
        assert.deepEqual(accountFileOf(resourcesFile("111111111111")), { account: "111111111111", file: "resources" });
        assert.equal(policyFile("111111111111", "pipeline-us-east-2-key", "key"), "account-111111111111/policies/pipeline-us-east-2-key.key-policy.json");
        assert.deepEqual(accountFileOf(policyFile("222222222222", "Staging-cross-account", "trust")), { account: "222222222222", file: "policy", resourceName: "Staging-cross-account", kind: "trust" });
        assert.deepEqual(accountFileOf(pipelineFile("111111111111", "CrossAccountPipeline")), { account: "111111111111", file: "pipeline", pipelineName: "CrossAccountPipeline" });
        assert.deepEqual(accountFileOf(resourcesFile("unknown")), { account: "unknown", file: "resources" }, "resources of no known account");
    });

    it("keeps a resource name with dots whole, the kind being the last part", () => {
        assert.deepEqual(accountFileOf(policyFile("111111111111", "app.v2.role", "identity")), { account: "111111111111", file: "policy", resourceName: "app.v2.role", kind: "identity" });
    });

    it("is not fooled by the plan's other files", () => {
        for (const file of ["checks.json", "grants.json", "plan.txt", "summary.md", "diff.json", "account-111111111111/notes.json", "account-111111111111/policies/x.json", "extra/account-111111111111/resources.json"]) {
            assert.equal(accountFileOf(file), undefined, file);
        }
    });
});
