import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import { names, partitionOf } from "../definition/names";
import { buildRolePolicy, buildRoleTrustPolicy, pipelineRolePolicy, PipelineRolePolicyArgs, pipelineRoleTrustPolicy } from "../policies/pipelineAccount";

export interface PipelineRolesArgs {
    pipelineName: string;
    pipelineAccountId: string;
    region: string;
    /** Every artifact store of the pipeline; the first is in the pipeline's region. */
    artifactStores: { bucketName: pulumi.Input<string>; keyArn: pulumi.Input<string> }[];
    source: { bucketName: string } | { connectionArn: string };
    /** The roles in target accounts that the pipeline's actions run as, by kind: a pattern of their path, and their accounts. */
    actionRoles: PipelineRolePolicyArgs["actionRoles"];
}

/** The CodePipeline service role and the CodeBuild service role, each trusted by its service alone. */
export class PipelineRoles extends pulumi.ComponentResource {
    readonly pipelineRole: iam.Role;
    /** The pipeline role's permissions: CreatePipeline assumes the action roles with them, so the pipeline waits for them. */
    readonly pipelineRolePolicy: iam.RolePolicy;
    readonly buildRole: iam.Role;

    constructor(name: string, args: PipelineRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:iam:PipelineRoles", name, {}, opts);
        const partition = partitionOf(args.region);
        const { region, pipelineAccountId, pipelineName } = args;

        this.pipelineRole = new iam.Role(`${name}-pipeline`, {
            name: names.pipelineRole(pipelineName),
            description: `Service role of CodePipeline ${pipelineName}`,
            assumeRolePolicy: pulumi.jsonStringify(pipelineRoleTrustPolicy()),
        }, { parent: this });
        this.pipelineRolePolicy = new iam.RolePolicy(`${name}-pipeline-policy`, {
            role: this.pipelineRole.name,
            policy: pulumi.output(args.artifactStores).apply((artifactStores) => pulumi.jsonStringify(pipelineRolePolicy({
                partition, region, pipelineAccountId, pipelineName, artifactStores, source: args.source, actionRoles: args.actionRoles,
            }))),
        }, { parent: this });

        this.buildRole = new iam.Role(`${name}-build`, {
            name: names.buildRole(pipelineName),
            description: `Service role of the CodeBuild project of pipeline ${pipelineName}`,
            assumeRolePolicy: pulumi.jsonStringify(buildRoleTrustPolicy(partition, region, pipelineAccountId, pipelineName)),
        }, { parent: this });
        const homeStore = args.artifactStores[0];
        new iam.RolePolicy(`${name}-build-policy`, {
            role: this.buildRole.name,
            policy: pulumi.all([homeStore.bucketName, homeStore.keyArn]).apply(([artifactBucketName, artifactKeyArn]) => pulumi.jsonStringify(buildRolePolicy({
                partition, region, pipelineAccountId, pipelineName, artifactBucketName, artifactKeyArn,
            }))),
        }, { parent: this });

        this.registerOutputs({ pipelineRoleArn: this.pipelineRole.arn, buildRoleArn: this.buildRole.arn });
    }
}
