import * as assert from "node:assert/strict";
import { noUnconditionedForeignRootRule as rule } from "../../policy-pack/rules/noUnconditionedForeignRoot";
import { pipelineAccountId, targetAccountId } from "../fixtures";
import { assertViolation, declaredNames, DeclaredStacks, declaredStacks, editPolicy, itPassesOnTheShippedStacks, onlyViolation, statement, types, withChange } from "./declaredStacks";

describe("policy rule no-unconditioned-foreign-root", () => {
    let stacks: DeclaredStacks;
    before(async () => { stacks = await declaredStacks(); });

    itPassesOnTheShippedStacks(rule, () => stacks);

    const trustingPipelineAccount = (principal: string, condition?: Record<string, unknown>) =>
        withChange(stacks.accountB, types.role, declaredNames.crossAccountRole, (role) => editPolicy(role.props, "assumeRolePolicy", (document) => {
            // The walkthrough wizard's trust: the account, with no condition, unless one is given.
            const trust = statement(document, "AllowPipelineRoleToAssumeRole");
            trust.Principal = { AWS: principal };
            if (condition) {
                trust.Condition = condition;
            } else {
                delete trust.Condition;
            }
        }));

    it("reports a trust policy that trusts the pipeline account's root, as the walkthrough's wizard does", () => {
        assertViolation(onlyViolation(rule, trustingPipelineAccount(`arn:aws:iam::${pipelineAccountId}:root`)), {
            type: types.role, name: declaredNames.crossAccountRole,
            problem: new RegExp(`statement "AllowPipelineRoleToAssumeRole" of assumeRolePolicy trusts the root of account ${pipelineAccountId}`),
            fix: new RegExp(`name the role instead, or add a condition that narrows it, e.g. \\{ArnEquals: \\{"aws:PrincipalArn": \\["arn:aws:iam::${pipelineAccountId}:role/<role>"\\]\\}\\}`),
        });
    });

    it("reports the same trust written as a bare account id", () => {
        assert.match(onlyViolation(rule, trustingPipelineAccount(pipelineAccountId)).message, new RegExp(`trusts the root of account ${pipelineAccountId}`));
    });

    it("accepts the root narrowed to a role by aws:PrincipalArn", () => {
        const narrowed = trustingPipelineAccount(`arn:aws:iam::${pipelineAccountId}:root`, { ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${pipelineAccountId}:role/Pipeline` } });
        assert.deepEqual(rule.check(narrowed), []);
    });

    it("reports a key policy grant to the target account's root without its aws:PrincipalArn condition", () => {
        const resources = withChange(stacks.accountA, types.key, declaredNames.artifactKey, (key) => editPolicy(key.props, "policy", (document) => {
            delete statement(document, "AllowTargetRolesToDecrypt").Condition;
        }));
        assertViolation(onlyViolation(rule, resources), {
            type: types.key, name: declaredNames.artifactKey,
            problem: new RegExp(`statement "AllowTargetRolesToDecrypt" of policy trusts the root of account ${targetAccountId}`),
            fix: /add a condition that narrows it/,
        });
    });
});
