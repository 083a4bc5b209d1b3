// Policies of a target account: the cross-account deploy role, the instances' role, CodeDeploy's role.
import { arn } from "../definition/names";
import {
    allow, allowOnBucketsOf, allowPassRole, artifactReadActions, bucketListActions, kmsDecryptActions, kmsUploadActions,
    policyDocument, PolicyDocument, principalArnIn, producerArtifactActions, serviceTrustPolicy, trustPolicy,
} from "./document";

/**
 * Trusts exactly the pipeline role, not the whole pipeline account as the walkthrough's wizard does:
 * the pipeline account is the principal, narrowed to the pipeline role by `aws:PrincipalArn`. Naming
 * the role itself as principal would fail: IAM rejects a principal that does not exist yet (the target
 * stack deploys before the pipeline stack), and it stores a role principal as the role's unique id,
 * so a re-created pipeline role would no longer be trusted
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles).
 */
export function crossAccountRoleTrustPolicy(pipelineAccountRoot: string, pipelineRoleArn: string): PolicyDocument {
    return trustPolicy("AllowPipelineRoleToAssumeRole", { AWS: pipelineAccountRoot }, principalArnIn([pipelineRoleArn]));
}

/**
 * CodeDeploy sends the deployment group's ARN as `aws:SourceArn` (and its account as `aws:SourceAccount`)
 * when it assumes the service role for an EC2/on-premises deployment ("Cross-service confused deputy
 * prevention", https://docs.aws.amazon.com/codedeploy/latest/userguide/security_confused_deputy.html).
 */
export function codeDeployServiceRoleTrustPolicy(partition: string, region: string, accountId: string, applicationName: string, deploymentGroupName: string): PolicyDocument {
    return serviceTrustPolicy("codedeploy.amazonaws.com", { account: accountId, arn: arn.deploymentGroup(partition, region, accountId, applicationName, deploymentGroupName) });
}

/** Where a target's roles reach the pipeline's artifacts: the store of the target's region (see storeNameForTargets). */
export interface ArtifactAccess {
    partition: string;
    /** The account that owns the artifact bucket: the pipeline account (every S3 grant names it). */
    pipelineAccountId: string;
    artifactBucketName: string;
    /** A key ARN, or `arn:<partition>:kms:<region>:<pipeline account>:key/*`. */
    artifactKeyArn: string;
}

export interface CrossAccountRolePolicyArgs extends ArtifactAccess {
    region: string;
    accountId: string;
    applicationName: string;
    deploymentGroupName: string;
    deploymentConfigName: string;
}

/**
 * The walkthrough's CodeDeploy and S3 policies, scoped to this target's resources instead of `*`, and reading
 * artifacts only: a CodeDeploy action has no output artifacts (AWS CDK's cross-account CodeDeploy action
 * grants its role read access alone), and a role that could write could change what every other target
 * of the store deploys, since CodeDeploy fetches the newest version of a revision that names none
 * (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_S3Location.html).
 */
export function crossAccountRolePolicy(args: CrossAccountRolePolicyArgs): PolicyDocument {
    const { partition, region, accountId } = args;
    return policyDocument([
        allow("DeployToTheDeploymentGroup", ["codedeploy:CreateDeployment", "codedeploy:GetDeployment"], arn.deploymentGroup(partition, region, accountId, args.applicationName, args.deploymentGroupName)),
        allow("RegisterApplicationRevisions", ["codedeploy:GetApplication", "codedeploy:GetApplicationRevision", "codedeploy:RegisterApplicationRevision"], arn.codeDeployApplication(partition, region, accountId, args.applicationName)),
        allow("ReadTheDeploymentConfig", ["codedeploy:GetDeploymentConfig"], arn.deploymentConfig(partition, region, accountId, args.deploymentConfigName)),
        // No codecommit actions on an S3 resource, unlike the walkthrough: they could never match.
        ...artifactReadStatements(args),
    ]);
}

/** Read the artifacts and decrypt them: all a deploy or instance role may do with the store. */
function artifactReadStatements(args: ArtifactAccess) {
    return [
        allowOnBucketsOf(args.pipelineAccountId, "ReadArtifacts", artifactReadActions, arn.objects(args.partition, args.artifactBucketName)),
        allowOnBucketsOf(args.pipelineAccountId, "ListArtifactBucket", bucketListActions, arn.bucket(args.partition, args.artifactBucketName)),
        allow("DecryptArtifacts", kmsDecryptActions, args.artifactKeyArn),
    ];
}

/**
 * The role of a target's extra actions that produce artifacts: it reads their inputs and writes their
 * outputs to the store of the target's region, encrypted with its key. The one exception to read-only
 * target accounts, and a visible one: the plan lists what it can change.
 */
export function producerRolePolicy(args: ArtifactAccess): PolicyDocument {
    return policyDocument([
        allowOnBucketsOf(args.pipelineAccountId, "ReadAndWriteArtifacts", producerArtifactActions, arn.objects(args.partition, args.artifactBucketName)),
        allowOnBucketsOf(args.pipelineAccountId, "ListArtifactBucket", bucketListActions, arn.bucket(args.partition, args.artifactBucketName)),
        allow("UseArtifactKey", kmsUploadActions, args.artifactKeyArn),
    ]);
}

export function instanceRoleTrustPolicy(): PolicyDocument {
    return trustPolicy("AllowEc2ToAssumeRole", { Service: "ec2.amazonaws.com" });
}

/** What the CodeDeploy agent needs to fetch a revision: read the artifacts and decrypt them. */
export function instanceRolePolicy(args: ArtifactAccess): PolicyDocument {
    return policyDocument(artifactReadStatements(args));
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
        allowPassRole("PassTheInstanceRoleToEc2", instanceRoleArn, "ec2.amazonaws.com"),
    ]);
}
