import * as codedeploy from "@pulumi/aws/codedeploy";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import type { TargetConfig } from "../config";
import { partitionOf } from "../definition/names";
import type { StoreName } from "../definition/pipeline";
import {
    codeDeployLaunchTemplatePolicy, codeDeployServiceRoleTrustPolicy, crossAccountRolePolicy, crossAccountRoleTrustPolicy,
    instanceRolePolicy, instanceRoleTrustPolicy,
} from "../policies/targetAccount";
import { Fleet } from "./fleet";

/** The pipeline account as a target knows it: from config alone, so the target stack can deploy first. */
export interface PipelineAccountNames {
    /** The pipeline account's root, the principal of the cross-account role's trust policy. */
    accountRoot: string;
    /** The one role of that account the cross-account role trusts. */
    pipelineRoleArn: string;
    /** The artifact store of the target's region. */
    store: StoreName;
    /** The IAM paths of the pipeline's roles here (rolePaths): the pipeline account grants its artifacts to the roles under them. */
    rolePaths: { deploy: string; instance: string };
}

export interface TargetAccountArgs {
    target: TargetConfig;
    pipeline: PipelineAccountNames;
    /** The target's CodeDeploy application, declared once for all its deployment groups (CodeDeployApplication): the group waits for it. */
    applicationName: pulumi.Output<string>;
}

/** What a target stack exports for each target (the `targets` output). */
export interface TargetOutputs {
    crossAccountRoleArn: pulumi.Output<string>;
    instanceRoleArn: pulumi.Output<string>;
    applicationName: pulumi.Output<string>;
    deploymentGroupName: pulumi.Output<string>;
}

export const targetAccountType = "cross-account-pipeline:target:TargetAccount";

/**
 * A target account's side of the walkthrough: the cross-account role the pipeline assumes, the EC2
 * instance role the CodeDeploy agent uses, the CodeDeploy service role and deployment group (in the
 * application the target shares with the other groups of that application).
 */
export class TargetAccount extends pulumi.ComponentResource {
    readonly targetName: string;
    readonly outputs: TargetOutputs;
    readonly crossAccountRole: iam.Role;
    /** The cross-account role's permissions: a pipeline naming the role must wait for them too. */
    readonly crossAccountRolePolicy: iam.RolePolicy;
    readonly instanceRole: iam.Role;
    readonly instanceProfile: iam.InstanceProfile;
    readonly deploymentGroup: codedeploy.DeploymentGroup;

    constructor(name: string, args: TargetAccountArgs, opts?: pulumi.ComponentResourceOptions) {
        super(targetAccountType, name, {}, opts);
        const { target, pipeline } = args;
        this.targetName = target.name;
        const partition = partitionOf(target.region);
        const region = target.region;
        const artifacts = { partition, artifactBucketName: pipeline.store.bucketName, artifactKeyArn: pipeline.store.keyArn };

        this.crossAccountRole = new iam.Role(`${name}-cross-account`, {
            name: target.crossAccountRoleName,
            path: pipeline.rolePaths.deploy,
            description: `Assumed by the pipeline's service role to deploy to ${target.name}`,
            assumeRolePolicy: pulumi.jsonStringify(crossAccountRoleTrustPolicy(pipeline.accountRoot, pipeline.pipelineRoleArn)),
        }, { parent: this });
        this.crossAccountRolePolicy = new iam.RolePolicy(`${name}-cross-account-policy`, {
            role: this.crossAccountRole.name,
            policy: pulumi.jsonStringify(crossAccountRolePolicy({
                ...artifacts, region, accountId: target.accountId,
                applicationName: target.applicationName, deploymentGroupName: target.deploymentGroupName,
                deploymentConfigName: target.deploymentConfigName,
            })),
        }, { parent: this });

        this.instanceRole = new iam.Role(`${name}-instance`, {
            name: target.instanceRoleName,
            path: pipeline.rolePaths.instance,
            description: `EC2 instances of ${target.name}: the CodeDeploy agent fetches revisions with it`,
            assumeRolePolicy: pulumi.jsonStringify(instanceRoleTrustPolicy()),
        }, { parent: this });
        new iam.RolePolicy(`${name}-instance-policy`, {
            role: this.instanceRole.name,
            policy: pulumi.jsonStringify(instanceRolePolicy(artifacts)),
        }, { parent: this });
        this.instanceProfile = new iam.InstanceProfile(`${name}-instance-profile`, {
            name: target.instanceRoleName,
            role: this.instanceRole.name,
        }, { parent: this });

        const codeDeployServiceRole = new iam.Role(`${name}-codedeploy`, {
            name: target.codeDeployServiceRoleName,
            description: `CodeDeploy's service role for ${target.applicationName}`,
            assumeRolePolicy: pulumi.jsonStringify(codeDeployServiceRoleTrustPolicy(partition, region, target.accountId, target.applicationName, target.deploymentGroupName)),
        }, { parent: this });
        const codeDeployPolicy = new iam.RolePolicyAttachment(`${name}-codedeploy-policy`, {
            role: codeDeployServiceRole.name,
            policyArn: `arn:${partition}:iam::aws:policy/service-role/AWSCodeDeployRole`,
        }, { parent: this });

        // Optional instances to deploy to: the deployment group finds them by tag and by their Auto Scaling group.
        const fleet = target.fleet && new Fleet(`${name}-fleet`, {
            config: target.fleet,
            region,
            instanceProfileName: this.instanceProfile.name,
            instanceTag: target.instanceTag,
        }, { parent: this });
        const fleetLaunchPolicy = fleet && new iam.RolePolicy(`${name}-codedeploy-fleet-policy`, {
            role: codeDeployServiceRole.name,
            policy: this.instanceRole.arn.apply((instanceRoleArn) => pulumi.jsonStringify(codeDeployLaunchTemplatePolicy(instanceRoleArn))),
        }, { parent: this });
        this.deploymentGroup = new codedeploy.DeploymentGroup(`${name}-deployment-group`, {
            appName: args.applicationName,
            region,
            deploymentGroupName: target.deploymentGroupName,
            deploymentConfigName: target.deploymentConfigName,
            serviceRoleArn: codeDeployServiceRole.arn,
            ec2TagSets: [{ ec2TagFilters: [{ key: target.instanceTag.key, value: target.instanceTag.value, type: "KEY_AND_VALUE" }] }],
            autoscalingGroups: fleet ? [fleet.autoScalingGroupName] : undefined,
            autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE"] },
        }, { parent: this, dependsOn: fleetLaunchPolicy ? [codeDeployPolicy, fleetLaunchPolicy] : [codeDeployPolicy] });

        this.outputs = {
            crossAccountRoleArn: this.crossAccountRole.arn,
            instanceRoleArn: this.instanceRole.arn,
            applicationName: args.applicationName,
            deploymentGroupName: this.deploymentGroup.deploymentGroupName,
        };
        this.registerOutputs(this.outputs);
    }
}
