import * as codedeploy from "@pulumi/aws/codedeploy";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import type { TargetConfig } from "../config";
import { partitionOf, TargetRoleKind } from "../definition/names";
import type { StoreName } from "../definition/pipeline";
import {
    codeDeployLaunchTemplatePolicy, codeDeployServiceRoleTrustPolicy, crossAccountRolePolicy, crossAccountRoleTrustPolicy,
    instanceRolePolicy, instanceRoleTrustPolicy, producerRolePolicy,
} from "../policies/targetAccount";
import { Fleet } from "./fleet";

/** The pipeline account as a target knows it: from config alone, so the target stack can deploy first. */
export interface PipelineAccountNames {
    /** The pipeline account: it owns the artifact buckets, which every S3 grant names. */
    accountId: string;
    /** The pipeline account's root, the principal of the cross-account role's trust policy. */
    accountRoot: string;
    /** The one role of that account the cross-account role trusts. */
    pipelineRoleArn: string;
    /** The artifact store of the target's region. */
    store: StoreName;
    /** The IAM paths of the pipeline's roles here (rolePaths): the pipeline account grants its artifacts to the roles under them. */
    rolePaths: Record<TargetRoleKind, string>;
}

export interface TargetAccountArgs {
    target: TargetConfig;
    pipeline: PipelineAccountNames;
    /** The target's CodeDeploy application, declared once for all its deployment groups (CodeDeployApplication): the group waits for it. */
    applicationName: pulumi.Output<string>;
    /** An extra action of this target produces artifacts: declare the producer role it runs as, the one role here that writes them. */
    producesArtifacts: boolean;
}

/** What a target stack exports for each target (the `targets` output). */
export interface TargetOutputs {
    crossAccountRoleArn: pulumi.Output<string>;
    instanceRoleArn: pulumi.Output<string>;
    applicationName: pulumi.Output<string>;
    deploymentGroupName: pulumi.Output<string>;
    /** Only for a target whose extra actions produce artifacts. */
    producerRoleArn?: pulumi.Output<string>;
}

export const targetAccountType = "cross-account-pipeline:target:TargetAccount";

/**
 * A target account's side of the walkthrough: the cross-account role the pipeline assumes, the EC2
 * instance role the CodeDeploy agent uses, the CodeDeploy service role and deployment group (in the
 * application the target shares with the other groups of that application); and, for a target whose
 * extra actions produce artifacts, the producer role they run as.
 */
export class TargetAccount extends pulumi.ComponentResource {
    readonly target: TargetConfig;
    readonly outputs: TargetOutputs;
    readonly crossAccountRole: iam.Role;
    /** The cross-account role's permissions: a pipeline naming the role must wait for them too. */
    readonly crossAccountRolePolicy: iam.RolePolicy;
    /** The role and permissions of the target's extra actions that produce artifacts, if it has any. */
    readonly producerRole?: { role: iam.Role; policy: iam.RolePolicy };
    readonly instanceRole: iam.Role;
    readonly instanceProfile: iam.InstanceProfile;
    readonly deploymentGroup: codedeploy.DeploymentGroup;

    constructor(name: string, args: TargetAccountArgs, opts?: pulumi.ComponentResourceOptions) {
        super(targetAccountType, name, {}, opts);
        const { target, pipeline } = args;
        this.target = target;
        const partition = partitionOf(target.region);
        const region = target.region;
        const artifacts = { partition, pipelineAccountId: pipeline.accountId, artifactBucketName: pipeline.store.bucketName, artifactKeyArn: pipeline.store.keyArn };
        const trustedByThePipelineRole = pulumi.jsonStringify(crossAccountRoleTrustPolicy(pipeline.accountRoot, pipeline.pipelineRoleArn));

        this.crossAccountRole = new iam.Role(`${name}-cross-account`, {
            name: target.crossAccountRoleName,
            path: pipeline.rolePaths.deploy,
            description: `Assumed by the pipeline's service role to deploy to ${target.name}`,
            assumeRolePolicy: trustedByThePipelineRole,
        }, { parent: this });
        this.crossAccountRolePolicy = new iam.RolePolicy(`${name}-cross-account-policy`, {
            role: this.crossAccountRole.name,
            policy: pulumi.jsonStringify(crossAccountRolePolicy({
                ...artifacts, region, accountId: target.accountId,
                applicationName: target.applicationName, deploymentGroupName: target.deploymentGroupName,
                deploymentConfigName: target.deploymentConfigName,
            })),
        }, { parent: this });

        if (args.producesArtifacts) {
            const role = new iam.Role(`${name}-producer`, {
                name: target.producerRoleName,
                path: pipeline.rolePaths.producer,
                description: `Assumed by the pipeline's service role for the extra actions of ${target.name} that produce artifacts`,
                assumeRolePolicy: trustedByThePipelineRole,
            }, { parent: this });
            const policy = new iam.RolePolicy(`${name}-producer-policy`, {
                role: role.name,
                policy: pulumi.jsonStringify(producerRolePolicy(artifacts)),
            }, { parent: this });
            this.producerRole = { role, policy };
        }

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
            ...(this.producerRole ? { producerRoleArn: this.producerRole.role.arn } : {}),
        };
        this.registerOutputs(this.outputs);
    }
}
