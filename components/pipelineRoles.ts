import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { names, partitionOf } from "../definition/names";
import { buildRolePolicy, buildRoleTrustPolicy, pipelineRolePolicy, pipelineRoleTrustPolicy } from "../policies/pipelineAccount";

export interface PipelineRolesArgs {
    pipelineName: string;
    pipelineAccountId: string;
    region: string;
    /** Every artifact store of the pipeline; the first is in the pipeline's region. */
    artifactStores: { bucketName: pulumi.Input<string>; keyArn: pulumi.Input<string> }[];
    source: { bucketName: string } | { connectionArn: string };
    /** The roles in target accounts that the pipeline's actions run as: a pattern of their path, and their accounts. */
    deployRoles: { arnPattern: string; accountIds: string[] };
}

/** The CodePipeline service role and the CodeBuild service role, each trusted by its service alone. */
export class PipelineRoles extends pulumi.ComponentResource {
    readonly pipelineRole: aws.iam.Role;
    /** The pipeline role's permissions: CreatePipeline assumes the action roles with them, so the pipeline waits for them. */
    readonly pipelineRolePolicy: aws.iam.RolePolicy;
    readonly buildRole: aws.iam.Role;

    constructor(name: string, args: PipelineRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:iam:PipelineRoles", name, {}, opts);
        const partition = partitionOf(args.region);
        const { region, pipelineAccountId, pipelineName } = args;

        this.pipelineRole = new aws.iam.Role(`${name}-pipeline`, {
            name: names.pipelineRole(pipelineName),
            description: `Service role of CodePipeline ${pipelineName}`,
            assumeRolePolicy: pulumi.jsonStringify(pipelineRoleTrustPolicy()),
        }, { parent: this });
        this.pipelineRolePolicy = new aws.iam.RolePolicy(`${name}-pipeline-policy`, {
            role: this.pipelineRole.name,
            policy: pulumi.output(args.artifactStores).apply((artifactStores) => pulumi.jsonStringify(pipelineRolePolicy({
                partition, region, pipelineAccountId, pipelineName, artifactStores, source: args.source, deployRoles: args.deployRoles,
            }))),
        }, { parent: this });

        this.buildRole = new aws.iam.Role(`${name}-build`, {
            name: names.buildRole(pipelineName),
            description: `Service role of the CodeBuild project of pipeline ${pipelineName}`,
            assumeRolePolicy: pulumi.jsonStringify(buildRoleTrustPolicy(partition, region, pipelineAccountId, pipelineName)),
        }, { parent: this });
        const homeStore = args.artifactStores[0];
        new aws.iam.RolePolicy(`${name}-build-policy`, {
            role: this.buildRole.name,
            policy: pulumi.all([homeStore.bucketName, homeStore.keyArn]).apply(([artifactBucketName, artifactKeyArn]) => pulumi.jsonStringify(buildRolePolicy({
                partition, region, pipelineAccountId, pipelineName, artifactBucketName, artifactKeyArn,
            }))),
        }, { parent: this });

        this.registerOutputs({ pipelineRoleArn: this.pipelineRole.arn, buildRoleArn: this.buildRole.arn });
    }
}
