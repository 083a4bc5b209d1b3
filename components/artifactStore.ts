import * as kms from "@pulumi/aws/kms";
import * as pulumi from "@pulumi/pulumi";
import { adoptionOptions, keyIdOf, notReportedByAws } from "../definition/adoption";
import { names, partitionOf } from "../definition/names";
import { artifactKeyPolicy, ArtifactGrantees } from "../policies/pipelineAccount";
import { EncryptedBucket } from "./encryptedBucket";

export interface ArtifactStoreArgs {
    pipelineName: string;
    pipelineAccountId: string;
    /** The store's region: the pipeline's, or a target's for a cross-region deploy. */
    region: string;
    /** The region of the provider the store is declared with (the pipeline's): an adopted resource of another region names its own. */
    providerRegion: string;
    /** The pipeline account's roles that use the store (pipeline and build roles). */
    pipelineRoleArns: string[];
    /** The target roles that read and write this store. */
    grantees: ArtifactGrantees;
    /** Deleted or replaced artifact versions expire this many days later; current ones never do. */
    retentionDays: number;
    protect: boolean;
    /** An existing customer managed key (key ARN or alias ARN) to use instead of creating one. */
    existingKey?: string;
    /**
     * Re-creating a destroyed stack: the key ARN of the store that `pulumi destroy` retained (or, with an
     * existing key, that key). The store adopts (imports) the key and the bucket with its settings.
     */
    adoptRetained?: string;
}

/**
 * A region's artifact store: the customer managed KMS key the walkthrough asks for (symmetric, in
 * the store's region, rotating) with its alias and key policy, and the encrypted artifact bucket.
 */
export class ArtifactStore extends pulumi.ComponentResource {
    readonly region: string;
    readonly bucketName: pulumi.Output<string>;
    readonly bucketArn: pulumi.Output<string>;
    /** The key by ARN: the pipeline and other accounts can only reference it so. */
    readonly keyArn: pulumi.Output<string>;

    constructor(name: string, args: ArtifactStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:storage:ArtifactStore", name, {}, opts);
        const region = args.region;
        this.region = region;
        let allowedKeyIds: pulumi.Input<string>[];
        if (args.existingKey) {
            // The key policy of a key we do not own is its owner's to write; the plan lists what it must grant.
            this.keyArn = kms.getKeyOutput({ keyId: args.existingKey, region }, { parent: this }).arn;
            allowedKeyIds = [this.keyArn, args.existingKey];
        } else {
            const adoptedKey = args.adoptRetained === undefined ? {} : adoptionOptions(keyIdOf(args.adoptRetained), args, notReportedByAws.key);
            const key = new kms.Key(`${name}-key`, {
                description: `Artifacts of pipeline ${args.pipelineName} in ${region}, shared with its target accounts`,
                region,
                keyUsage: "ENCRYPT_DECRYPT",
                customerMasterKeySpec: "SYMMETRIC_DEFAULT",
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: pulumi.jsonStringify(artifactKeyPolicy({
                    partition: partitionOf(region), pipelineAccountId: args.pipelineAccountId,
                    pipelineRoleArns: args.pipelineRoleArns, grantees: args.grantees,
                })),
            }, { parent: this, protect: args.protect, retainOnDelete: true, ...adoptedKey });
            new kms.Alias(`${name}-key-alias`, { name: names.artifactKeyAlias(args.pipelineName), region, targetKeyId: key.keyId }, { parent: this });
            this.keyArn = key.arn;
            allowedKeyIds = [this.keyArn];
        }

        const bucket = new EncryptedBucket(`${name}-bucket`, {
            bucketName: names.artifactBucket(args.pipelineName, args.pipelineAccountId, region),
            region,
            providerRegion: args.providerRegion,
            kmsKeyArn: this.keyArn,
            allowedKeyIds,
            grantees: args.grantees,
            expireNoncurrentVersionsAfterDays: args.retentionDays,
            protect: args.protect,
            adopt: args.adoptRetained !== undefined,
        }, { parent: this });
        this.bucketName = bucket.bucketName;
        this.bucketArn = bucket.bucketArn;
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, keyArn: this.keyArn });
    }
}
