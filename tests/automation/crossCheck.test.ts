import * as assert from "assert";
import { crossCheckRoleArns } from "../../automation/crossCheck";
import { roleArn, targetOutputs } from "./fakeWorkspace";

const ARN = roleArn("222222222222");

describe("automation: role ARN cross-check", () => {
    it("accepts a target whose exported role is the one the pipeline assumes", () => {
        const checks = crossCheckRoleArns("accountB", targetOutputs("Staging", ARN), "accountA", { deployRoleArns: { Staging: ARN } });
        assert.deepStrictEqual(checks, [{ targetStack: "accountB", pipelineStack: "accountA", target: "Staging", roleArn: ARN }]);
    });

    it("rejects a target that the pipeline stack assumes no role for", () => {
        const [check] = crossCheckRoleArns("accountB", targetOutputs("Staging", ARN), "accountA", { deployRoleArns: { Prod: ARN } });
        assert.match(check.problem ?? "", /assumes no role for target Staging/);
    });

    it("rejects a pipeline stack without deployRoleArns", () => {
        const [check] = crossCheckRoleArns("accountB", targetOutputs("Staging", ARN), "accountA", { pipelineName: "p" });
        assert.match(check.problem ?? "", /deployRoleArns\.Staging is missing/);
    });

    it("rejects a different role, naming both ARNs", () => {
        const other = roleArn("222222222222", "Other");
        const [check] = crossCheckRoleArns("accountB", targetOutputs("Staging", other), "accountA", { deployRoleArns: { Staging: ARN } });
        assert.ok(check.problem?.includes(other) && check.problem.includes(ARN), check.problem);
    });

    it("rejects a target stack that exports no targets, or a target without crossAccountRoleArn", () => {
        const pipeline = { deployRoleArns: { Staging: ARN } };
        assert.match(crossCheckRoleArns("accountB", {}, "accountA", pipeline)[0].problem ?? "", /exports no `targets`/);
        assert.match(crossCheckRoleArns("accountB", { targets: {} }, "accountA", pipeline)[0].problem ?? "", /exports no `targets`/);
        const noArn = crossCheckRoleArns("accountB", { targets: { Staging: { applicationName: "app" } } }, "accountA", pipeline);
        assert.match(noArn[0].problem ?? "", /targets\.Staging\.crossAccountRoleArn/);
    });
});
