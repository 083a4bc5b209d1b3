import * as pulumi from "@pulumi/pulumi";
import type { ProgramConfig } from "../config";
import { names } from "../definition/names";
import { actionRoleAccounts, artifactStoreRegions, deployRoleArn, pipelineStages, storeUserRoleArns, withActionRoleArns } from "../definition/pipeline";
import { artifactGrantees } from "../policies/pipelineAccount";
import { ArtifactStore } from "./artifactStore";
import { DeliveryPipeline } from "./deliveryPipeline";
import { EncryptedBucket } from "./encryptedBucket";
import { PipelineRoles } from "./pipelineRoles";
import { S3SourceTrigger } from "./sourceTrigger";

/** The roles the pipeline's actions assume: read from the target stacks, or declared in this stack. */
export interface ActionRoles {
    /** Each action role's ARN as read or declared, by its ARN as computed from config (targetRoleArn). */
    arnFor: Record<string, pulumi.Input<string>>;
    /** What the pipeline must wait for besides: each role and its policy, when this stack declares them. */
    resources: pulumi.Resource[];
}

export interface PipelineAccountArgs {
    config: ProgramConfig;
    actionRoles: ActionRoles;
}

/** Everything of the pipeline account: an artifact store per region, the service roles, the source bucket, the pipeline. */
export class PipelineAccount extends pulumi.ComponentResource {
    /** Artifact stores by region; the pipeline's own region first. */
    readonly artifactStores: ArtifactStore[];
    readonly pipelineRoleArn: pulumi.Output<string>;
    readonly pipelineName: pulumi.Output<string>;
    /** The bucket to upload `source.zip` to, with an S3 source. */
    readonly sourceBucketName?: pulumi.Output<string>;
    /** By target name: the role its deploy action assumes. */
    readonly deployRoleArns: pulumi.Output<Record<string, string>>;
    /** The artifact stores by region: `{bucketName, keyArn}`. */
    readonly storesByRegion: pulumi.Output<Record<string, { bucketName: string; keyArn: string }>>;

    constructor(name: string, args: PipelineAccountArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:pipeline:PipelineAccount", name, {}, opts);
        const { config } = args;
        // The pipeline account's roles that use the stores, by the names config gives them (as the target stacks name the pipeline role).
        const pipelineRoleArns = storeUserRoleArns(config);

        this.artifactStores = artifactStoreRegions(config.region, config.targets).map((region) => new ArtifactStore(`${name}-${region}`, {
            pipelineName: config.pipelineName,
            pipelineAccountId: config.pipelineAccountId,
            region,
            providerRegion: config.region,
            pipelineRoleArns,
            grantees: artifactGrantees(config, region),
            retentionDays: config.artifactRetentionDays,
            protect: config.protectArtifacts,
            // An existing key is in the pipeline's region; other regions get keys of their own.
            existingKey: region === config.region ? config.encryptionKey : undefined,
            adoptRetained: config.adoptRetained[region],
        }, { parent: this }));
        const homeStore = this.artifactStores[0];
        const storeReferences = this.artifactStores.map((store) => ({ region: store.region, bucketName: store.bucketName, keyArn: store.keyArn }));
        this.storesByRegion = pulumi.all(storeReferences.map(({ region, bucketName, keyArn }) =>
            pulumi.all([bucketName, keyArn]).apply(([b, k]) => [region, { bucketName: b, keyArn: k }] as const)))
            .apply((entries) => Object.fromEntries(entries));

        const sourceBucketName = names.sourceBucket(config.pipelineName, config.pipelineAccountId, config.region);
        const { source } = config;
        const sourceBucket = source.provider === "S3" ? new EncryptedBucket(`${name}-source`, {
            bucketName: sourceBucketName,
            region: config.region,
            providerRegion: config.region,
            kmsKeyArn: homeStore.keyArn,
            allowedKeyIds: [homeStore.keyArn],
            expireNoncurrentVersionsAfterDays: config.artifactRetentionDays,
            // Retained with the pipeline region's store, protected and adopted with it: `pulumi destroy` (the driver's
            // `--exclude-protected`) keeps a protected resource in the stack, so the next `up` finds it there; a retained
            // one it did not keep stays in AWS and out of the stack, and CreateBucket fails on it (BucketAlreadyOwnedByYou).
            protect: config.protectArtifacts,
            adopt: config.adoptRetained[config.region] !== undefined,
        }, { parent: this }) : undefined;
        this.sourceBucketName = sourceBucket?.bucketName;

        const roles = new PipelineRoles(`${name}-roles`, {
            pipelineName: config.pipelineName,
            pipelineAccountId: config.pipelineAccountId,
            region: config.region,
            artifactStores: storeReferences,
            source: source.provider === "S3" ? { bucketName: sourceBucketName } : { connectionArn: source.connectionArn },
            actionRoles: actionRoleAccounts(config),
        }, { parent: this });

        // Each action names the role as read or declared, not as computed: the pipeline waits for it.
        const { arnFor } = args.actionRoles;
        this.deployRoleArns = pulumi.output(Object.fromEntries(config.targets.map((t) => [t.name, arnFor[deployRoleArn(config, t)]])));
        const pipeline = new DeliveryPipeline(`${name}-delivery`, {
            pipelineName: config.pipelineName,
            region: config.region,
            pipelineRoleArn: roles.pipelineRole.arn,
            buildRoleArn: roles.buildRole.arn,
            artifactStores: storeReferences,
            stages: pulumi.output(arnFor).apply((roleArnFor) => withActionRoleArns(pipelineStages(config), roleArnFor)),
            build: config.build,
            buildLogRetentionDays: config.buildLogRetentionDays,
            prerequisites: [roles.pipelineRolePolicy, ...(sourceBucket ? [sourceBucket.versioning] : []), ...args.actionRoles.resources],
        }, { parent: this });

        // After the pipeline: the trigger's target is the pipeline itself.
        if (source.provider === "S3" && this.sourceBucketName) {
            new S3SourceTrigger(`${name}-source-trigger`, {
                pipelineName: config.pipelineName,
                pipelineAccountId: config.pipelineAccountId,
                region: config.region,
                pipelineArn: pipeline.pipeline.arn,
                bucketName: this.sourceBucketName,
                objectKey: source.objectKey,
            }, { parent: this });
        }

        this.pipelineRoleArn = roles.pipelineRole.arn;
        this.pipelineName = pipeline.pipelineName;
        this.registerOutputs({ pipelineRoleArn: this.pipelineRoleArn, pipelineName: this.pipelineName, deployRoleArns: this.deployRoleArns });
    }
}
