import * as assert from "node:assert/strict";
import { artifactBucketGuardsRule as rule } from "../../policy-pack/rules/artifactBucketGuards";
import { assertViolation, declaredNames, DeclaredStacks, declaredStacks, editPolicy, itPassesOnTheShippedStacks, onlyViolation, types, withChange, without } from "./declaredStacks";

describe("policy rule artifact-bucket-guards", () => {
    let stacks: DeclaredStacks;
    before(async () => { stacks = await declaredStacks(); });

    itPassesOnTheShippedStacks(rule, () => stacks);

    const withoutStatement = (policyName: string, sid: string) => withChange(stacks.accountA, types.bucketPolicy, policyName, (policy) =>
        editPolicy(policy.props, "policy", (document) => { document.Statement = document.Statement.filter((s) => s.Sid !== sid); }));
    const onThePolicy = { type: types.bucketPolicy, name: declaredNames.artifactBucketPolicy, problem: /the policy of artifact bucket "crossaccountpipeline-111111111111-us-east-2-artifacts" lets through requests it must refuse/ };

    it("reports a bucket policy without the deny of requests without TLS", () => {
        assertViolation(onlyViolation(rule, withoutStatement(declaredNames.artifactBucketPolicy, "DenyInsecureConnections")), {
            ...onThePolicy, fix: /add a statement that denies requests without TLS .*"aws:SecureTransport": "false"/,
        });
    });

    it("reports a bucket policy without the deny of uploads without SSE-KMS", () => {
        assertViolation(onlyViolation(rule, withoutStatement(declaredNames.artifactBucketPolicy, "DenyUnEncryptedObjectUploads")), {
            ...onThePolicy, fix: /add a statement that denies uploads without SSE-KMS .*"s3:x-amz-server-side-encryption": "aws:kms"/,
        });
    });

    it("reports a bucket policy that lets through an SSE-KMS upload naming no key, which S3 would encrypt with aws/s3", () => {
        const fix = /add a statement that denies uploads that name no key or another key, .*"s3:x-amz-server-side-encryption-aws-kms-key-id"/;
        assertViolation(onlyViolation(rule, withoutStatement(declaredNames.artifactBucketPolicy, "DenyUploadsWithoutTheArtifactKey")), { ...onThePolicy, fix });
        // The deny as this program wrote it before: only for uploads that name a key.
        const exempting = withChange(stacks.accountA, types.bucketPolicy, declaredNames.artifactBucketPolicy, (policy) => editPolicy(policy.props, "policy", (document) => {
            document.Statement.find((s) => s.Sid === "DenyUploadsWithoutTheArtifactKey")!.Condition.Null = { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" };
        }));
        assertViolation(onlyViolation(rule, exempting), { ...onThePolicy, fix });
    });

    it("reports a TLS deny that covers the objects but not the bucket", () => {
        const resources = withChange(stacks.accountA, types.bucketPolicy, declaredNames.artifactBucketPolicy, (policy) => editPolicy(policy.props, "policy", (document) => {
            const tls = document.Statement.find((s) => s.Sid === "DenyInsecureConnections")!;
            tls.Resource = tls.Resource.filter((arn: string) => arn.endsWith("/*"));
        }));
        assertViolation(onlyViolation(rule, resources), { ...onThePolicy, fix: /denies requests without TLS/ });
    });

    it("reports an artifact bucket without a bucket policy", () => {
        assertViolation(onlyViolation(rule, without(stacks.accountA, types.bucketPolicy, declaredNames.artifactBucketPolicy)), {
            type: types.bucket, name: declaredNames.artifactBucket, problem: /has no bucket policy/, fix: /add an aws.s3.BucketPolicy that denies requests without TLS .*, denies uploads without SSE-KMS .* and denies uploads that name no key or another key/,
        });
    });

    it("reports a public access block with a setting off", () => {
        const resources = withChange(stacks.accountA, types.publicAccessBlock, declaredNames.artifactPublicAccessBlock, (block) => { block.props.blockPublicPolicy = false; });
        assertViolation(onlyViolation(rule, resources), {
            type: types.publicAccessBlock, name: declaredNames.artifactPublicAccessBlock,
            problem: /leaves blockPublicPolicy off/, fix: /set blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets to true/,
        });
    });

    it("reports an artifact bucket without a public access block", () => {
        assertViolation(onlyViolation(rule, without(stacks.accountA, types.publicAccessBlock, declaredNames.artifactPublicAccessBlock)), {
            type: types.bucket, name: declaredNames.artifactBucket, problem: /has no public access block/, fix: /add an aws.s3.BucketPublicAccessBlock/,
        });
    });

    it("reports ownership controls that do not enforce the bucket owner", () => {
        const resources = withChange(stacks.accountA, types.ownershipControls, declaredNames.artifactOwnership, (controls) => { controls.props.rule.objectOwnership = "ObjectWriter"; });
        assertViolation(onlyViolation(rule, resources), {
            type: types.ownershipControls, name: declaredNames.artifactOwnership, problem: /set objectOwnership to "ObjectWriter"/, fix: /set rule.objectOwnership to "BucketOwnerEnforced"/,
        });
    });

    it("reports an artifact bucket without ownership controls", () => {
        assertViolation(onlyViolation(rule, without(stacks.accountA, types.ownershipControls, declaredNames.artifactOwnership)), {
            type: types.bucket, name: declaredNames.artifactBucket, problem: /has no ownership controls/, fix: /add an aws.s3.BucketOwnershipControls/,
        });
    });

    it("checks only artifact buckets: the source bucket is not one", () => {
        assert.deepEqual(rule.check(withoutStatement(declaredNames.sourceBucketPolicy, "DenyInsecureConnections")), []);
    });
});
