import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as s3 from "@pulumi/aws/s3";
import * as pulumi from "@pulumi/pulumi";
import { names, partitionOf } from "../definition/names";
import { sourceChangedPattern } from "../definition/pipeline";
import { sourceTriggerPolicy, sourceTriggerTrustPolicy } from "../policies/pipelineAccount";

export interface S3SourceTriggerArgs {
    pipelineName: string;
    pipelineAccountId: string;
    region: string;
    pipelineArn: pulumi.Input<string>;
    /** The source bucket and the object whose new versions start the pipeline. */
    bucketName: pulumi.Input<string>;
    objectKey: string;
}

/**
 * Starts the pipeline when a new source bundle is uploaded: the source bucket sends its events to
 * EventBridge, and a rule for that object starts the pipeline with a role that can start only it.
 * (AWS's recommended change detection for S3 sources, instead of polling.)
 */
export class S3SourceTrigger extends pulumi.ComponentResource {
    constructor(name: string, args: S3SourceTriggerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:pipeline:S3SourceTrigger", name, {}, opts);
        const { pipelineName, pipelineAccountId, region } = args;
        const partition = partitionOf(region);

        new s3.BucketNotification(`${name}-events`, { bucket: args.bucketName, region, eventbridge: true }, { parent: this });

        const role = new iam.Role(`${name}-role`, {
            name: names.sourceTriggerRole(pipelineName),
            description: `EventBridge starts pipeline ${pipelineName} when its source changes`,
            assumeRolePolicy: pulumi.jsonStringify(sourceTriggerTrustPolicy(partition, region, pipelineAccountId, pipelineName)),
        }, { parent: this });
        const rolePolicy = new iam.RolePolicy(`${name}-role-policy`, {
            role: role.name,
            policy: pulumi.jsonStringify(sourceTriggerPolicy(partition, region, pipelineAccountId, pipelineName)),
        }, { parent: this });

        const rule = new cloudwatch.EventRule(`${name}-rule`, {
            name: names.sourceTriggerRule(pipelineName),
            description: `A new ${args.objectKey} in the source bucket of pipeline ${pipelineName}`,
            region,
            eventPattern: pulumi.output(args.bucketName).apply((bucketName) => JSON.stringify(sourceChangedPattern(bucketName, args.objectKey))),
        }, { parent: this });
        new cloudwatch.EventTarget(`${name}-target`, {
            rule: rule.name,
            region,
            arn: args.pipelineArn,
            roleArn: role.arn,
        }, { parent: this, dependsOn: [rolePolicy] });

        this.registerOutputs({ ruleArn: rule.arn });
    }
}
