import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as codebuild from "@pulumi/aws/codebuild";
import * as codepipeline from "@pulumi/aws/codepipeline";
import * as pulumi from "@pulumi/pulumi";
import type { BuildConfig } from "../config";
import { names } from "../definition/names";
import { artifactStoreDeclarations, StageDeclaration } from "../definition/pipeline";

export interface DeliveryPipelineArgs {
    pipelineName: string;
    region: string;
    pipelineRoleArn: pulumi.Input<string>;
    buildRoleArn: pulumi.Input<string>;
    /** One store per region the pipeline acts in; the first is the pipeline's own region. */
    artifactStores: { region: string; bucketName: pulumi.Input<string>; keyArn: pulumi.Input<string> }[];
    stages: pulumi.Input<StageDeclaration[]>;
    build: BuildConfig;
    /** Days the build's log group keeps its events. */
    buildLogRetentionDays: number;
    /**
     * What CreatePipeline and UpdatePipeline check when they are called: the service role's policy,
     * each action role with its policy, the versioning of an S3 source bucket. The pipeline waits for them.
     */
    prerequisites: pulumi.Resource[];
}

/** The CodeBuild project of the Build stage with its log group, and the pipeline itself, artifacts encrypted with the key by ARN. */
export class DeliveryPipeline extends pulumi.ComponentResource {
    readonly pipeline: codepipeline.Pipeline;
    readonly pipelineName: pulumi.Output<string>;

    constructor(name: string, args: DeliveryPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:pipeline:DeliveryPipeline", name, {}, opts);
        const homeStore = args.artifactStores[0];

        // The build's logs, kept for a set time, and removed with the stack.
        const buildLogs = new cloudwatch.LogGroup(`${name}-build-logs`, {
            name: names.buildLogGroup(args.pipelineName),
            region: args.region,
            retentionInDays: args.buildLogRetentionDays,
        }, { parent: this });
        const buildProject = new codebuild.Project(`${name}-build`, {
            name: names.buildProject(args.pipelineName),
            description: `Build stage of pipeline ${args.pipelineName}`,
            serviceRole: args.buildRoleArn,
            encryptionKey: homeStore.keyArn,
            source: { type: "CODEPIPELINE", buildspec: args.build.buildspec },
            artifacts: { type: "CODEPIPELINE" },
            environment: { type: "LINUX_CONTAINER", image: args.build.image, computeType: args.build.computeType },
            buildTimeout: 30,
            logsConfig: { cloudwatchLogs: { status: "ENABLED", groupName: buildLogs.name } },
        }, { parent: this });

        this.pipeline = new codepipeline.Pipeline(`${name}-pipeline`, {
            name: args.pipelineName,
            roleArn: args.pipelineRoleArn,
            pipelineType: "V2",
            artifactStores: pulumi.output(args.artifactStores).apply(artifactStoreDeclarations),
            stages: args.stages,
        }, { parent: this, dependsOn: [buildProject, ...args.prerequisites] });
        this.pipelineName = this.pipeline.name;
        this.registerOutputs({ pipelineName: this.pipelineName, pipelineArn: this.pipeline.arn });
    }
}
