import * as assert from "node:assert/strict";
import { noWildcardDeployPermissionsRule as rule } from "../../policy-pack/rules/noWildcardDeployPermissions";
import { assertViolation, declaredNames, DeclaredStacks, declaredStacks, editPolicy, itPassesOnTheShippedStacks, onlyViolation, statement, types, withChange } from "./declaredStacks";

describe("policy rule no-wildcard-deploy-permissions", () => {
    let stacks: DeclaredStacks;
    before(async () => { stacks = await declaredStacks(); });

    it("is advisory", () => {
        assert.equal(rule.enforcement, "advisory");
    });

    itPassesOnTheShippedStacks(rule, () => stacks);

    const onResourceStar = (resources: typeof stacks.all, policyName: string, sid: string) =>
        withChange(resources, types.rolePolicy, policyName, (policy) => editPolicy(policy.props, "policy", (document) => {
            statement(document, sid).Resource = "*";
        }));
    const fix = /scope it to the artifact bucket and object ARNs, and to the CodeDeploy application, deployment group and deployment config ARNs/;

    it('reports CodeDeploy permissions on Resource "*", as in the walkthrough', () => {
        assertViolation(onlyViolation(rule, onResourceStar(stacks.accountB, declaredNames.crossAccountRolePolicy, "DeployToTheDeploymentGroup")), {
            type: types.rolePolicy, name: declaredNames.crossAccountRolePolicy,
            problem: /statement "DeployToTheDeploymentGroup" of policy allows codedeploy:CreateDeployment, codedeploy:GetDeployment on Resource "\*"/, fix,
        });
    });

    it('reports S3 permissions on Resource "*"', () => {
        assertViolation(onlyViolation(rule, onResourceStar(stacks.accountA, declaredNames.pipelineRolePolicy, "ReadAndWriteArtifacts")), {
            type: types.rolePolicy, name: declaredNames.pipelineRolePolicy,
            problem: /statement "ReadAndWriteArtifacts" of policy allows s3:PutObject, s3:PutObjectAcl, s3:GetObject, s3:GetObjectVersion, s3:PutObjectTagging, s3:GetObjectTagging, s3:GetObjectVersionTagging on Resource "\*"/, fix,
        });
    });

    it('leaves other services on Resource "*" alone', () => {
        assert.deepEqual(rule.check(onResourceStar(stacks.accountA, declaredNames.pipelineRolePolicy, "UseArtifactKeys")), []);
    });
});
