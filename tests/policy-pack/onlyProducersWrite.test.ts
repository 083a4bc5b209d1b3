import * as assert from "node:assert/strict";
import { ruleResourcesOfDeclared } from "../../offline-plan/ruleResources";
import { onlyProducersWriteRule as rule } from "../../policy-pack/rules/onlyProducersWrite";
import { shipped, shippedRolePaths } from "../fixtures";
import { runAllInOne, targetsOf } from "../support/stacks";
import { assertViolation, declaredNames, DeclaredStacks, declaredStacks, editPolicy, itPassesOnTheShippedStacks, onlyViolation, statement, types, withChange } from "./declaredStacks";

const producerPath = `arn:aws:iam::*:role${shippedRolePaths.producer}*`;
const fix = /grant writes only to the producer path .* of the accounts whose extra actions produce artifacts; deploy and instance roles only read/;

describe("policy rule only-producers-write-artifacts", () => {
    let stacks: DeclaredStacks;
    before(async () => { stacks = await declaredStacks(); });

    it("is mandatory", () => {
        assert.equal(rule.enforcement, "mandatory");
    });

    itPassesOnTheShippedStacks(rule, () => stacks);

    it("passes on a stack whose target produces artifacts: its producer roles write, through their own path", async () => {
        const report = { stage: "Staging", name: "Report", category: "Test", provider: "CodeBuild", target: "Staging", runOrder: 2, inputArtifacts: ["BuildOutput"], outputArtifacts: ["Report"] };
        const run = await runAllInOne(targetsOf(shipped("accountA").config), { extraActions: [report] });
        assert.deepEqual(rule.check(ruleResourcesOfDeclared(run.resources)), []);
    });

    it("refuses s3:PutObject granted back to the deploy and instance paths in the bucket policy", () => {
        const resources = withChange(stacks.accountA, types.bucketPolicy, declaredNames.artifactBucketPolicy, (policy) => editPolicy(policy.props, "policy", (document) => {
            statement(document, "AllowTargetRolesToReadArtifacts").Action.push("s3:PutObject");
        }));
        assertViolation(onlyViolation(rule, resources), {
            type: types.bucketPolicy, name: declaredNames.artifactBucketPolicy,
            problem: /statement "AllowTargetRolesToReadArtifacts" of policy allows s3:PutObject to arn:aws:iam::222222222222:root \(aws:PrincipalArn .*\/deploy\/\*, .*\/instance\/\*\), which are not only producer roles/, fix,
        });
    });

    it("refuses a key policy that lets the deploy and instance paths encrypt", () => {
        const resources = withChange(stacks.accountA, types.key, declaredNames.artifactKey, (key) => editPolicy(key.props, "policy", (document) => {
            statement(document, "AllowTargetRolesToDecrypt").Action.push("kms:GenerateDataKey*");
        }));
        assert.match(onlyViolation(rule, resources).message, /statement "AllowTargetRolesToDecrypt" of policy allows kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext to arn:aws:iam::222222222222:root/);
    });

    it("refuses a producer-path grant to an account where no action of the pipeline produces artifacts", () => {
        const resources = withChange(stacks.accountA, types.bucketPolicy, declaredNames.artifactBucketPolicy, (policy) => editPolicy(policy.props, "policy", (document) => {
            document.Statement.push({
                Sid: "AllowProducerRolesToWriteArtifacts", Effect: "Allow", Principal: { AWS: ["arn:aws:iam::222222222222:root"] },
                Action: ["s3:PutObject"], Resource: "arn:aws:s3:::crossaccountpipeline-111111111111-us-east-2-artifacts/*",
                Condition: { ArnLike: { "aws:PrincipalArn": [producerPath] } },
            });
        }));
        assert.match(onlyViolation(rule, resources).message, /allows s3:PutObject to the producer roles of account 222222222222, where no action of the stack's pipeline produces artifacts/);
    });

    it("refuses a role of the target account named directly, and a deploy role whose own policy writes", () => {
        const direct = withChange(stacks.accountA, types.bucketPolicy, declaredNames.artifactBucketPolicy, (policy) => editPolicy(policy.props, "policy", (document) => {
            document.Statement.push({ Sid: "Direct", Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:role/Deployer" }, Action: "s3:*", Resource: "*" });
        }));
        assert.match(onlyViolation(rule, direct).message, /statement "Direct" of policy allows s3:PutObject, s3:DeleteObject, s3:DeleteObjectVersion, s3:ReplicateObject, s3:RestoreObject to arn:aws:iam::222222222222:role\/Deployer, which are not only producer roles/);
        const writingDeployRole = withChange(stacks.accountB, types.rolePolicy, declaredNames.crossAccountRolePolicy, (policy) => editPolicy(policy.props, "policy", (document) => {
            statement(document, "ReadArtifacts").Action.push("s3:PutObject");
        }));
        assertViolation(onlyViolation(rule, writingDeployRole), {
            type: types.rolePolicy, name: declaredNames.crossAccountRolePolicy,
            problem: /statement "ReadArtifacts" of policy lets CrossAccount_Role, a role under the deploy path, s3:PutObject/,
            fix: /give writes to the target's producer role/,
        });
    });

    it("leaves the pipeline account's own roles alone: they produce the build", () => {
        const resources = withChange(stacks.accountA, types.key, declaredNames.artifactKey, (key) => editPolicy(key.props, "policy", (document) => {
            assert.ok(statement(document, "AllowPipelineRolesToUseTheKey").Action.includes("kms:GenerateDataKey*"));
        }));
        assert.deepEqual(rule.check(resources), []);
    });
});
