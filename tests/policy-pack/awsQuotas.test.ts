import * as assert from "node:assert/strict";
import { policySize } from "../../definition/quotas";
import { awsQuotasRule as rule, quotaMeasurements, roleInlinePoliciesQuotaRule } from "../../policy-pack/rules/awsQuotas";
import { RuleResource, unknown } from "../../policy-pack/rules";
import { declaredNames, DeclaredStacks, declaredStacks, editPolicy, itPassesOnTheShippedStacks, onlyViolation, types, withChange } from "./declaredStacks";

/** A statement that adds `bytes` characters (no white space) to a policy. */
const padding = (bytes: number) => ({ Sid: "Padding", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${"x".repeat(bytes)}`] });

/** The resources with the policy held in `field` of that resource grown by `bytes`. */
function grown(resources: RuleResource[], type: string, name: string, field: string, bytes: number): RuleResource[] {
    return withChange(resources, type, name, (resource) => editPolicy(resource.props, field, (document) => { document.Statement.push(padding(bytes)); }));
}

const sizeOf = (resources: RuleResource[], type: string, name: string, field: string) => (resources.find((r) => r.type === type && r.name === name)!.props[field] as string).length;

describe("policy rule aws-quotas", () => {
    let stacks: DeclaredStacks;
    before(async () => { stacks = await declaredStacks(); });

    itPassesOnTheShippedStacks(rule, () => stacks);

    it("reports a bucket policy over S3's 20 KB, with its size and the limit", () => {
        const size = sizeOf(stacks.accountA, types.bucketPolicy, declaredNames.artifactBucketPolicy, "policy");
        const resources = grown(stacks.accountA, types.bucketPolicy, declaredNames.artifactBucketPolicy, "policy", 20 * 1024 - size);
        const violation = onlyViolation(rule, resources);
        assert.deepEqual(violation.resource, { type: types.bucketPolicy, name: declaredNames.artifactBucketPolicy });
        assert.match(violation.message, /^the policy of aws:s3\/bucketPolicy:BucketPolicy pipeline-us-east-2-bucket-policy is 20,5\d\d bytes; AWS allows 20,480 \(S3 bucket policy size: https:\/\/docs\.aws\.amazon\.com\/AmazonS3\/.*\), so AWS would reject it$/);
        assert.deepEqual(rule.check(grown(stacks.accountA, types.bucketPolicy, declaredNames.artifactBucketPolicy, "policy", 20 * 1024 - size - 100)), [], "just under the limit passes");
    });

    it("reports a key policy over KMS's 32 KB", () => {
        const size = sizeOf(stacks.accountA, types.key, declaredNames.artifactKey, "policy");
        const violation = onlyViolation(rule, grown(stacks.accountA, types.key, declaredNames.artifactKey, "policy", 32768 - size));
        assert.match(violation.message, /is 32,8\d\d bytes; AWS allows 32,768 \(KMS key policy size/);
    });

    it("adds up a role's inline policies, against IAM's 10,240 characters, and reports the role (the stack rule role-inline-policies-quota)", () => {
        // Each of the two is within the limit alone; together they are not.
        const policyOf = (name: string, bytes: number): RuleResource => ({
            type: types.rolePolicy, name, accountId: "222222222222",
            props: { role: "CrossAccount_Role", policy: JSON.stringify({ Version: "2012-10-17", Statement: [padding(bytes)] }) },
        });
        const resources = [...stacks.accountB, policyOf("extra-1", 5000), policyOf("extra-2", 5000)];
        const violation = onlyViolation(roleInlinePoliciesQuotaRule, resources);
        assert.deepEqual(violation.resource, { type: types.role, name: declaredNames.crossAccountRole });
        assert.match(violation.message, /^the total of role CrossAccount_Role's inline policies is 1\d,\d{3} characters without white space; AWS allows 10,240 \(a role's inline policies, together/);
        assert.deepEqual(roleInlinePoliciesQuotaRule.check([...stacks.accountB, policyOf("extra-1", 5000)]), []);
        assert.deepEqual(rule.check(resources), [], "aws-quotas sees one resource at a time");
    });

    it("counts IAM policies without white space, and S3 and KMS policies in bytes as sent", () => {
        const document = JSON.stringify({ Version: "2012-10-17", Statement: [padding(10)] }, null, 4);
        assert.equal(policySize("roleInlinePolicies", document), document.replace(/\s/g, "").length);
        assert.equal(policySize("trustPolicy", document), document.replace(/\s/g, "").length);
        assert.equal(policySize("bucketPolicy", document), Buffer.byteLength(document));
        assert.equal(policySize("keyPolicy", `{"Sid":"é"}`), 12, "bytes, not characters");
    });

    it("reports a trust policy over IAM's 2,048 characters", () => {
        const size = sizeOf(stacks.accountB, types.role, declaredNames.crossAccountRole, "assumeRolePolicy");
        const violation = onlyViolation(rule, grown(stacks.accountB, types.role, declaredNames.crossAccountRole, "assumeRolePolicy", 2048 - size));
        assert.match(violation.message, /^the assumeRolePolicy of aws:iam\/role:Role Staging-cross-account is 2,\d{3} characters without white space; AWS allows 2,048 \(role trust policy size/);
    });

    it("reports a managed policy over IAM's 6,144 characters", () => {
        const managed: RuleResource = { type: "aws:iam/policy:Policy", name: "big", props: { policy: JSON.stringify({ Version: "2012-10-17", Statement: [padding(6200)] }) } };
        assert.match(onlyViolation(rule, [...stacks.accountA, managed]).message, /^the policy of aws:iam\/policy:Policy big is 6,\d{3} characters without white space; AWS allows 6,144 \(managed policy size/);
    });

    describe("a pipeline past CodePipeline's quotas", () => {
        const withStages = (stages: { name: string; actions: unknown[] }[]) => (pipeline: RuleResource) => { pipeline.props.stages = stages; };
        const deploy = (name: string) => ({ name, category: "Deploy", owner: "AWS", provider: "CodeDeploy", version: "1", runOrder: 1, inputArtifacts: [], outputArtifacts: [] });

        it("reports 51 stages", () => {
            const stages = Array.from({ length: 51 }, (_, i) => ({ name: `S${i}`, actions: [deploy("A")] }));
            const violation = onlyViolation(rule, withChange(stacks.accountA, types.pipeline, declaredNames.pipeline, withStages(stages)));
            assert.deepEqual(violation.resource, { type: types.pipeline, name: declaredNames.pipeline });
            assert.match(violation.message, /^pipeline CrossAccountPipeline is 51 stages; AWS allows 50 \(stages per pipeline: https:\/\/docs\.aws\.amazon\.com\/codepipeline\/latest\/userguide\/limits\.html\)/);
        });

        it("reports a stage of 51 actions", () => {
            const stages = [{ name: "Wide", actions: Array.from({ length: 51 }, (_, i) => deploy(`A${i}`)) }];
            assert.match(onlyViolation(rule, withChange(stacks.accountA, types.pipeline, declaredNames.pipeline, withStages(stages))).message,
                /^stage "Wide" of pipeline CrossAccountPipeline is 51 actions; AWS allows 50 \(actions per stage/);
        });

        it("reports 501 actions, each stage within its own quota", () => {
            const stages = Array.from({ length: 11 }, (_, s) => ({ name: `S${s}`, actions: Array.from({ length: s < 10 ? 50 : 1 }, (_, i) => deploy(`A${i}`)) }));
            assert.match(onlyViolation(rule, withChange(stacks.accountA, types.pipeline, declaredNames.pipeline, withStages(stages))).message,
                /^pipeline CrossAccountPipeline is 501 actions; AWS allows 500 \(actions per pipeline/);
        });
    });

    describe("names", () => {
        it("reports a role name over 64 characters and a role path that does not end with '/'", () => {
            const resources = withChange(stacks.accountB, types.role, declaredNames.crossAccountRole, (role) => {
                role.props.name = "R".repeat(65);
                role.props.path = "/cross-account-pipeline";
            });
            assert.deepEqual(rule.check(resources).map((v) => v.message), [
                `role name "${"R".repeat(65)}" is 65 characters: AWS allows 1-64 letters, digits and + = , . @ _ -; expected a name of 1 to 64 characters`,
                `role path "/cross-account-pipeline" is not valid: AWS allows up to 512 ASCII characters from '!' to DEL, starting and ending with '/'; expected a name that starts and ends with '/'`,
            ]);
        });

        it("reports a bucket name with a character S3 does not allow, and a stage name CodePipeline does not", () => {
            const bucket = withChange(stacks.accountA, types.bucket, declaredNames.artifactBucket, (b) => { b.props.bucket = "Artifacts_Bucket"; });
            assert.match(onlyViolation(rule, bucket).message, /^bucket name "Artifacts_Bucket" is not valid: AWS allows 3-63 lowercase letters.*; expected a name without "A", "_", "B"$/);
            const stage = withChange(stacks.accountA, types.pipeline, declaredNames.pipeline, (p) => { p.props.stages[2].name = "Wave 1"; });
            assert.match(onlyViolation(rule, stage).message, /^stage name "Wave 1" is not valid: .*; expected a name without " "$/);
        });
    });

    it("measures only what is known: a document or stage list not known yet in a preview is skipped", () => {
        const previewed = withChange(withChange(stacks.accountA, types.bucketPolicy, declaredNames.artifactBucketPolicy, (p) => { p.props.policy = unknown; }),
            types.pipeline, declaredNames.pipeline, (p) => { p.props.stages = unknown; });
        const measured = quotaMeasurements(previewed);
        assert.ok(!measured.some((m) => m.resource.name === declaredNames.artifactBucketPolicy));
        assert.ok(!measured.some((m) => m.resource.name === declaredNames.pipeline));
        assert.ok(measured.some((m) => m.resource.name === declaredNames.artifactKey));
        assert.deepEqual(rule.check(previewed), []);
    });
});
