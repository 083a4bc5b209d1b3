import * as s3 from "@pulumi/aws/s3";
import type * as awsInputs from "@pulumi/aws/types/input";
import * as pulumi from "@pulumi/pulumi";
import { adoptionOptions, notReportedByAws } from "../definition/adoption";
import { partitionOf } from "../definition/names";
import { ArtifactGrantees, artifactBucketPolicy } from "../policies/pipelineAccount";

export interface EncryptedBucketArgs {
    bucketName: string;
    region: string;
    /** The region of the provider the bucket is declared with: an adopted bucket of another region names its own. */
    providerRegion: string;
    /** The customer managed key every object is encrypted with. */
    kmsKeyArn: pulumi.Input<string>;
    /** The key identifiers an upload may name: the key ARN, and the alias ARN if the pipeline uses one. */
    allowedKeyIds: pulumi.Input<string>[];
    /** Target roles granted access through the bucket policy; none for a bucket only the pipeline account uses. */
    grantees?: ArtifactGrantees;
    /** Versions that were deleted or replaced (noncurrent) expire this many days later; current objects never do. */
    expireNoncurrentVersionsAfterDays: number;
    /** Protect the bucket from `pulumi destroy`. */
    protect: boolean;
    /** Adopt the bucket and its settings that an earlier `pulumi destroy` retained (import them) instead of creating them. */
    adopt: boolean;
}

/**
 * An S3 bucket with the security baseline: versioning, public access block, BucketOwnerEnforced,
 * default SSE-KMS with bucket keys, TLS 1.2+ and SSE-KMS-with-this-key uploads enforced by policy,
 * expiry of replaced versions. The bucket and its settings outlive `pulumi destroy` (retainOnDelete):
 * objects encrypted with a retained key must stay readable, and a retained bucket must keep its guards;
 * re-creating the stack adopts them (`adopt`).
 */
export class EncryptedBucket extends pulumi.ComponentResource {
    readonly bucket: s3.Bucket;
    /** A pipeline with this bucket as its S3 source waits for it: the source bucket must be versioned. */
    readonly versioning: s3.BucketVersioning;
    readonly bucketName: pulumi.Output<string>;
    readonly bucketArn: pulumi.Output<string>;

    constructor(name: string, args: EncryptedBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:storage:EncryptedBucket", name, {}, opts);
        const region = args.region;
        // The bucket and each of its settings are imported by the bucket's name.
        const adopted = (notReported: string[] = []) => (args.adopt ? adoptionOptions(args.bucketName, args, notReported) : {});
        const retained = { parent: this, retainOnDelete: true, ...adopted() };

        this.bucket = new s3.Bucket(name, { bucket: args.bucketName, region, forceDestroy: false }, {
            ...retained, ...adopted(notReportedByAws.bucket), protect: args.protect,
        });
        const bucket = this.bucket.id;

        const publicAccessBlock = new s3.BucketPublicAccessBlock(`${name}-public-access-block`, {
            bucket, region, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
        }, retained);
        new s3.BucketOwnershipControls(`${name}-ownership`, {
            bucket, region, rule: { objectOwnership: "BucketOwnerEnforced" },
        }, retained);
        this.versioning = new s3.BucketVersioning(`${name}-versioning`, {
            bucket, region, versioningConfiguration: { status: "Enabled" },
        }, retained);
        new s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, {
            bucket, region,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true }],
        }, retained);
        new s3.BucketLifecycleConfiguration(`${name}-lifecycle`, {
            bucket, region,
            rules: [retentionRule(args.expireNoncurrentVersionsAfterDays)],
        }, retained);
        new s3.BucketPolicy(`${name}-policy`, {
            bucket, region,
            policy: pulumi.output(args.allowedKeyIds).apply((allowedKeyIds) => pulumi.jsonStringify(artifactBucketPolicy({
                partition: partitionOf(region), bucketName: args.bucketName, allowedKeyIds, grantees: args.grantees,
            }))),
        }, { ...retained, dependsOn: [publicAccessBlock] });

        this.bucketName = this.bucket.bucket;
        this.bucketArn = this.bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
    }
}

/**
 * What the lifecycle keeps: every current object, for good. CodeDeploy redeploys a deployment group's last
 * successful revision from where it was registered (this bucket) when Auto Scaling launches an instance
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/integrations-aws-auto-scaling.html#integrations-aws-auto-scaling-behaviors)
 * and when it rolls a failed deployment back
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html), however long ago that
 * was; and CodePipeline writes each execution's artifacts as new objects under `<pipeline>/<artifact>/` with fresh
 * names (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ArtifactStore.html), so a revision is
 * never overwritten and age says nothing about whether a group still needs it. S3 Lifecycle can only filter by
 * prefix, tag, size and age (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-filters.html),
 * not by "still a group's last successful revision"; so only what was deleted or replaced expires: noncurrent
 * versions `noncurrentDays` after they became noncurrent, then the delete markers left with no version behind them
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html), and uploads never completed.
 */
export function retentionRule(noncurrentDays: number): awsInputs.s3.BucketLifecycleConfigurationRule {
    return {
        id: "expire-replaced-versions",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays },
        expiration: { expiredObjectDeleteMarker: true },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    };
}
