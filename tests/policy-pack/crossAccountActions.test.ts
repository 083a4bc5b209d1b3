import * as assert from "node:assert/strict";
import { crossAccountActionsRule as rule } from "../../policy-pack/rules/crossAccountActions";
import { pipelineAccountId, targetAccountId } from "../fixtures";
import { addJenkinsTestToStaging, assertViolation, declaredNames, DeclaredStacks, declaredStacks, itPassesOnTheShippedStacks, onlyViolation, otherAccountId, types, withChange } from "./declaredStacks";

describe("policy rule cross-account-actions (the artifact rule and the Jenkins rule)", () => {
    let stacks: DeclaredStacks;
    before(async () => { stacks = await declaredStacks(); });

    itPassesOnTheShippedStacks(rule, () => stacks);

    it("reports a Jenkins action with a role in the target account, and says to run it in the pipeline account", () => {
        const resources = withChange(stacks.accountA, types.pipeline, declaredNames.pipeline, addJenkinsTestToStaging);
        assertViolation(onlyViolation(rule, resources), {
            type: types.pipeline, name: declaredNames.pipeline,
            problem: new RegExp(`"Test" in stage "Staging" is a Jenkins action with a role in account ${targetAccountId}`),
            fix: new RegExp(`run it in the pipeline account ${pipelineAccountId}`),
        });
    });

    it("reports an action that consumes an artifact produced in another target account, and says how artifacts may pass", () => {
        // Build now runs in a third account, so the Staging deploy (in the target account) reads BuildOutput from it.
        const resources = withChange(stacks.all, types.pipeline, declaredNames.pipeline, (pipeline) => {
            pipeline.props.stages.find((stage: { name: string }) => stage.name === "Build").actions[0].roleArn = `arn:aws:iam::${otherAccountId}:role/Builder`;
        });
        assertViolation(onlyViolation(rule, resources), {
            type: types.pipeline, name: declaredNames.pipeline,
            problem: new RegExp(`"Deploy" in stage "Staging" runs in account ${targetAccountId} and consumes artifact "BuildOutput" produced in account ${otherAccountId}`),
            fix: new RegExp(`only through the pipeline account ${pipelineAccountId}`),
        });
    });

    it("takes the pipeline account from the pipeline's service role when its provider's account is not known", () => {
        const resources = withChange(stacks.accountA, types.pipeline, declaredNames.pipeline, (pipeline) => {
            delete pipeline.accountId;
            addJenkinsTestToStaging(pipeline);
        });
        assert.match(onlyViolation(rule, resources).message, new RegExp(`run it in the pipeline account ${pipelineAccountId}`));
    });
});
