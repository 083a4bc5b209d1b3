import { noAllowToEveryoneRule as rule } from "../../policy-pack/rules/noAllowToEveryone";
import { assertViolation, declaredNames, DeclaredStacks, declaredStacks, editPolicy, itPassesOnTheShippedStacks, onlyViolation, statement, types, withChange } from "./declaredStacks";

describe("policy rule no-allow-to-everyone", () => {
    let stacks: DeclaredStacks;
    before(async () => { stacks = await declaredStacks(); });

    itPassesOnTheShippedStacks(rule, () => stacks);

    const fix = /name the principals instead: a role ARN, or an account root narrowed to its roles with an "aws:PrincipalArn" condition/;

    it('reports a bucket policy grant to Principal "*"', () => {
        const resources = withChange(stacks.accountA, types.bucketPolicy, declaredNames.artifactBucketPolicy, (policy) => editPolicy(policy.props, "policy", (document) => {
            statement(document, "AllowTargetRolesToReadArtifacts").Principal = "*";
        }));
        assertViolation(onlyViolation(rule, resources), {
            type: types.bucketPolicy, name: declaredNames.artifactBucketPolicy,
            problem: /statement "AllowTargetRolesToReadArtifacts" of policy allows Principal "\*"/, fix,
        });
    });

    it('reports a trust policy that lets {AWS: "*"} assume the role', () => {
        const resources = withChange(stacks.accountB, types.role, declaredNames.crossAccountRole, (role) => editPolicy(role.props, "assumeRolePolicy", (document) => {
            statement(document, "AllowPipelineRoleToAssumeRole").Principal = { AWS: "*" };
        }));
        assertViolation(onlyViolation(rule, resources), {
            type: types.role, name: declaredNames.crossAccountRole,
            problem: /statement "AllowPipelineRoleToAssumeRole" of assumeRolePolicy allows Principal "\*"/, fix,
        });
    });
});
