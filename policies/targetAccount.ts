// Policies of a target account: the cross-account deploy role, the instances' role, CodeDeploy's role.
import { arn } from "../definition/names";
import {
    allow, artifactReadActions, artifactReadWriteActions, bucketListActions, kmsDecryptActions, kmsUseActions,
    policyDocument, PolicyDocument, trustPolicy,
} from "./document";

/** Trusts exactly the pipeline role, not the whole pipeline account as the walkthrough's wizard does. */
export function crossAccountRoleTrustPolicy(pipelineRoleArn: string): PolicyDocument {
    return trustPolicy("AllowPipelineRoleToAssumeRole", { AWS: pipelineRoleArn });
}

export interface ArtifactAccess {
    partition: string;
    artifactBucketName: string;
    artifactKeyArn: string;
}

export interface CrossAccountRolePolicyArgs extends ArtifactAccess {
    region: string;
    accountId: string;
    applicationName: string;
    deploymentGroupName: string;
    deploymentConfigName: string;
}

/** The walkthrough's CodeDeploy and S3 policies, scoped to this target's resources instead of `*`. */
export function crossAccountRolePolicy(args: CrossAccountRolePolicyArgs): PolicyDocument {
    const { partition, region, accountId } = args;
    return policyDocument([
        allow("DeployToTheDeploymentGroup", ["codedeploy:CreateDeployment", "codedeploy:GetDeployment"], arn.deploymentGroup(partition, region, accountId, args.applicationName, args.deploymentGroupName)),
        allow("RegisterApplicationRevisions", ["codedeploy:GetApplication", "codedeploy:GetApplicationRevision", "codedeploy:RegisterApplicationRevision"], arn.codeDeployApplication(partition, region, accountId, args.applicationName)),
        allow("ReadTheDeploymentConfig", ["codedeploy:GetDeploymentConfig"], arn.deploymentConfig(partition, region, accountId, args.deploymentConfigName)),
        // No codecommit actions on an S3 resource, unlike the walkthrough: they could never match.
        allow("ReadAndWriteArtifacts", artifactReadWriteActions, arn.objects(partition, args.artifactBucketName)),
        allow("ListArtifactBucket", bucketListActions, arn.bucket(partition, args.artifactBucketName)),
        allow("UseArtifactKey", kmsUseActions, args.artifactKeyArn),
    ]);
}

export function instanceRoleTrustPolicy(): PolicyDocument {
    return trustPolicy("AllowEc2ToAssumeRole", { Service: "ec2.amazonaws.com" });
}

/** What the CodeDeploy agent needs to fetch a revision: read the artifacts and decrypt them. */
export function instanceRolePolicy(args: ArtifactAccess): PolicyDocument {
    return policyDocument([
        allow("ReadArtifacts", artifactReadActions, arn.objects(args.partition, args.artifactBucketName)),
        allow("ListArtifactBucket", bucketListActions, arn.bucket(args.partition, args.artifactBucketName)),
        allow("DecryptArtifacts", kmsDecryptActions, args.artifactKeyArn),
    ]);
}

/**
 * What CodeDeploy needs on top of AWSCodeDeployRole when the deployment group's Auto Scaling group
 * launches from a launch template: launch and tag instances, handing them the instance role only.
 */
export function codeDeployLaunchTemplatePolicy(instanceRoleArn: string): PolicyDocument {
    return policyDocument([
        // Loosened to `*`: a launch touches the image, subnets, volumes and interfaces the template
        // picks, none known here; only CodeDeploy of this account can assume the role.
        allow("LaunchFleetInstances", ["ec2:RunInstances", "ec2:CreateTags"], "*"),
        allow("PassTheInstanceRoleToEc2", ["iam:PassRole"], instanceRoleArn, { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } }),
    ]);
}
