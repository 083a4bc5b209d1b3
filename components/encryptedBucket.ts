import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { partitionOf } from "../definition/names";
import { ArtifactGrantees, artifactBucketPolicy } from "../policies/pipelineAccount";

export interface EncryptedBucketArgs {
    bucketName: string;
    region: string;
    /** The customer managed key every object is encrypted with. */
    kmsKeyArn: pulumi.Input<string>;
    /** The key identifiers an upload may name: the key ARN, and the alias ARN if the pipeline uses one. */
    allowedKeyIds: pulumi.Input<string>[];
    /** Target roles granted access through the bucket policy; none for a bucket only the pipeline account uses. */
    grantees?: ArtifactGrantees;
    /** Current objects expire after this many days; absent keeps them (a source bucket keeps its latest bundle). */
    expireObjectsAfterDays?: number;
    /** Old versions expire after this many days. */
    expireNoncurrentVersionsAfterDays: number;
    /** Protect the bucket from `pulumi destroy`. */
    protect: boolean;
}

/**
 * An S3 bucket with the security baseline: versioning, public access block, BucketOwnerEnforced,
 * default SSE-KMS with bucket keys, TLS 1.2+ and SSE-KMS-with-this-key uploads enforced by policy,
 * lifecycle expiry. The bucket and its settings outlive `pulumi destroy` (retainOnDelete): objects
 * encrypted with a retained key must stay readable, and a retained bucket must keep its guards.
 */
export class EncryptedBucket extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    /** A pipeline with this bucket as its S3 source waits for it: the source bucket must be versioned. */
    readonly versioning: aws.s3.BucketVersioning;
    readonly bucketName: pulumi.Output<string>;
    readonly bucketArn: pulumi.Output<string>;

    constructor(name: string, args: EncryptedBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:storage:EncryptedBucket", name, {}, opts);
        const retained = { parent: this, retainOnDelete: true };
        const region = args.region;

        this.bucket = new aws.s3.Bucket(name, { bucket: args.bucketName, region, forceDestroy: false }, { ...retained, protect: args.protect });
        const bucket = this.bucket.id;

        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(`${name}-public-access-block`, {
            bucket, region, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
        }, retained);
        new aws.s3.BucketOwnershipControls(`${name}-ownership`, {
            bucket, region, rule: { objectOwnership: "BucketOwnerEnforced" },
        }, retained);
        this.versioning = new aws.s3.BucketVersioning(`${name}-versioning`, {
            bucket, region, versioningConfiguration: { status: "Enabled" },
        }, retained);
        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, {
            bucket, region,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true }],
        }, retained);
        new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, {
            bucket, region,
            rules: [{
                id: "expire-old-artifacts",
                status: "Enabled",
                filter: {},
                ...(args.expireObjectsAfterDays ? { expiration: { days: args.expireObjectsAfterDays } } : {}),
                noncurrentVersionExpiration: { noncurrentDays: args.expireNoncurrentVersionsAfterDays },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            }],
        }, retained);
        new aws.s3.BucketPolicy(`${name}-policy`, {
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
