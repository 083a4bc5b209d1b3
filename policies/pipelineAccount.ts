// Policies of the pipeline account: the artifact key and buckets, the pipeline and build roles.
import type { TargetConfig } from "../config";
import { arn, names } from "../definition/names";
import { PipelineIdentity, targetRolePatterns } from "../definition/pipeline";
import {
    allow, allowAccountRoles, allowAccountsRolesUnder, artifactReadActions, artifactReadWriteActions, bucketListActions, denyEveryone, denyRolesUnder,
    kmsEncryptActions, kmsUseActions, policyDocument, PolicyDocument, PolicyStatement, serviceTrustPolicy,
} from "./document";

/** Who in the target accounts reaches an artifact store: this pipeline's roles in the accounts whose targets use it. */
export interface ArtifactGrantees {
    /** The target accounts, each once, in the order of their first target. */
    accountIds: string[];
    /** The pipeline's deploy and instance roles in any account, as ARN patterns (targetRolePatterns). */
    roles: { deploy: string; instance: string };
    /** The AWS Organization the target roles must belong to as well, when config names one. */
    organizationId?: string;
}

/** The target accounts whose deployments use the artifact store of `region`, and this pipeline's roles there. */
export function artifactGrantees(
    pipeline: PipelineIdentity & { region: string; targets: Pick<TargetConfig, "accountId" | "region">[]; organizationId?: string }, region: string,
): ArtifactGrantees {
    return {
        accountIds: [...new Set(pipeline.targets.filter((t) => t.region === region).map((t) => t.accountId))],
        roles: targetRolePatterns(pipeline),
        ...(pipeline.organizationId ? { organizationId: pipeline.organizationId } : {}),
    };
}

/**
 * The grant of a store's bucket or key to the target roles: one allow for every target account, narrowed to
 * this pipeline's deploy and instance roles; and, as the instance roles only read, an explicit deny of
 * `writes` to them, which holds whatever their own account's policies grant them. None without target accounts.
 */
function targetRoleGrants(partition: string, grantees: ArtifactGrantees, allowed: { sid: string; actions: string[]; resource: string | string[] }, denied: { sid: string; actions: string[]; resource: string }): PolicyStatement[] {
    if (grantees.accountIds.length === 0) {
        return [];
    }
    const roots = grantees.accountIds.map((accountId) => arn.accountRoot(partition, accountId));
    return [
        allowAccountsRolesUnder(allowed.sid, roots, [grantees.roles.deploy, grantees.roles.instance], allowed.actions, allowed.resource, grantees.organizationId),
        denyRolesUnder(denied.sid, grantees.roles.instance, denied.actions, denied.resource),
    ];
}

export interface ArtifactKeyPolicyArgs {
    partition: string;
    pipelineAccountId: string;
    /** The pipeline account's roles that encrypt and decrypt artifacts. */
    pipelineRoleArns: string[];
    grantees: ArtifactGrantees;
}

export function artifactKeyPolicy(args: ArtifactKeyPolicyArgs): PolicyDocument {
    const pipelineAccountRoot = arn.accountRoot(args.partition, args.pipelineAccountId);
    return policyDocument([
        // Without this the key could become unmanageable; who else in the account may use it is then
        // up to IAM policies there, as with any key created by the console.
        { Sid: "EnableAccountAdministration", Effect: "Allow", Principal: { AWS: pipelineAccountRoot }, Action: "kms:*", Resource: "*" },
        allowAccountRoles("AllowPipelineRolesToUseTheKey", pipelineAccountRoot, args.pipelineRoleArns, kmsUseActions, "*"),
        ...targetRoleGrants(args.partition, args.grantees,
            { sid: "AllowTargetRolesToUseTheKey", actions: kmsUseActions, resource: "*" },
            { sid: "DenyInstanceRolesToEncrypt", actions: kmsEncryptActions, resource: "*" }),
    ]);
}

export interface BucketPolicyArgs {
    partition: string;
    bucketName: string;
    /** The values an upload may name as its key: the key ARN, and the alias ARN when the pipeline uses one. */
    allowedKeyIds: string[];
    /** The target roles granted access; none for a bucket only the pipeline account uses. */
    grantees?: ArtifactGrantees;
}

/** The walkthrough's bucket policy, with the grants narrowed to the targets' roles and TLS 1.2 required. */
export function artifactBucketPolicy(args: BucketPolicyArgs): PolicyDocument {
    const bucket = arn.bucket(args.partition, args.bucketName);
    const objects = arn.objects(args.partition, args.bucketName);
    return policyDocument([
        ...bucketGuards(bucket, objects, args.allowedKeyIds),
        ...(args.grantees ? targetRoleGrants(args.partition, args.grantees,
            { sid: "AllowTargetRolesToReadAndWriteArtifacts", actions: [...artifactReadWriteActions, ...bucketListActions], resource: [bucket, objects] },
            { sid: "DenyInstanceRolesToWriteArtifacts", actions: ["s3:PutObject"], resource: objects }) : []),
    ]);
}

/** Denies every request that is not TLS 1.2+ and every upload that is not SSE-KMS with the artifact key. */
export function bucketGuards(bucket: string, objects: string, allowedKeyIds: string[]): PolicyStatement[] {
    return [
        denyEveryone("DenyInsecureConnections", ["s3:*"], [bucket, objects], { Bool: { "aws:SecureTransport": "false" } }),
        denyEveryone("DenyOutdatedTls", ["s3:*"], [bucket, objects], { NumericLessThan: { "s3:TlsVersion": "1.2" } }),
        denyEveryone("DenyUnEncryptedObjectUploads", ["s3:PutObject"], objects, { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } }),
        // Only when the upload names a key: without one, S3 applies the bucket's default key, this one.
        // (StringNotEqualsIfExists would not do: IAM evaluates it as true for a missing key.)
        denyEveryone("DenyUploadsWithAnotherKey", ["s3:PutObject"], objects, {
            StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": [...new Set(allowedKeyIds)] },
            Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
        }),
    ];
}

/**
 * CodePipeline's documentation gives its service role this trust policy and no condition
 * (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-service-role-cli.html); it
 * documents neither `aws:SourceArn` nor `aws:SourceAccount` for the calls it makes with the role, its
 * own or a cross-region action's. A condition on a key the service does not send fails CreatePipeline,
 * so none is set. No other account's pipeline can use the role anyway: a role cannot be passed to a
 * service across accounts (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
 */
export function pipelineRoleTrustPolicy(): PolicyDocument {
    return serviceTrustPolicy("codepipeline.amazonaws.com");
}

export interface PipelineRolePolicyArgs {
    partition: string;
    region: string;
    pipelineAccountId: string;
    pipelineName: string;
    artifactStores: { bucketName: string; keyArn: string }[];
    /** The S3 source bucket, or the CodeStar connection the source action uses. */
    source: { bucketName: string } | { connectionArn: string };
    /** The roles in other accounts that the pipeline's actions run as: this pipeline's deploy roles, in its target accounts. */
    deployRoles: { arnPattern: string; accountIds: string[] };
}

export function pipelineRolePolicy(args: PipelineRolePolicyArgs): PolicyDocument {
    return policyDocument([
        allow("ReadAndWriteArtifacts", artifactReadWriteActions, args.artifactStores.map((s) => arn.objects(args.partition, s.bucketName))),
        allow("ListArtifactBuckets", [...bucketListActions, "s3:GetBucketVersioning"], args.artifactStores.map((s) => arn.bucket(args.partition, s.bucketName))),
        allow("UseArtifactKeys", kmsUseActions, args.artifactStores.map((s) => s.keyArn)),
        "bucketName" in args.source
            ? allow("ReadSourceBundle", [...artifactReadActions, "s3:GetBucketVersioning", "s3:GetBucketLocation"], [arn.bucket(args.partition, args.source.bucketName), arn.objects(args.partition, args.source.bucketName)])
            : allow("UseSourceConnection", ["codestar-connections:UseConnection", "codeconnections:UseConnection"], args.source.connectionArn),
        allow("RunBuild", ["codebuild:StartBuild", "codebuild:BatchGetBuilds"], arn.buildProject(args.partition, args.region, args.pipelineAccountId, names.buildProject(args.pipelineName))),
        // This pipeline's deploy roles (its deploy path) in its target accounts only, never `role/*` as in
        // the walkthrough: one pattern and one account id per target account, not an ARN per target.
        // `aws:ResourceAccount` is the account of the role assumed; IAM supports it for sts:AssumeRole
        // ("prevent your IAM principals from assuming any IAM roles outside of your own AWS account",
        // https://aws.amazon.com/about-aws/whats-new/2022/04/iam-access-resource-organization/;
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount).
        ...(args.deployRoles.accountIds.length > 0 ? [allow("AssumeTargetDeployRoles", ["sts:AssumeRole"], args.deployRoles.arnPattern, {
            StringEquals: { "aws:ResourceAccount": args.deployRoles.accountIds },
        })] : []),
    ]);
}

/**
 * CodeBuild sends the project's ARN as `aws:SourceArn` and its account as `aws:SourceAccount` when it
 * assumes the service role; its documented trust policy for the role conditions on both
 * ("Allow CodeBuild to interact with other AWS services",
 * https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html).
 */
export function buildRoleTrustPolicy(partition: string, region: string, pipelineAccountId: string, pipelineName: string): PolicyDocument {
    return serviceTrustPolicy("codebuild.amazonaws.com", { account: pipelineAccountId, arn: arn.buildProject(partition, region, pipelineAccountId, names.buildProject(pipelineName)) });
}

export interface BuildRolePolicyArgs {
    partition: string;
    region: string;
    pipelineAccountId: string;
    pipelineName: string;
    artifactBucketName: string;
    artifactKeyArn: string;
}

export function buildRolePolicy(args: BuildRolePolicyArgs): PolicyDocument {
    const logGroup = arn.buildLogGroup(args.partition, args.region, args.pipelineAccountId, names.buildProject(args.pipelineName));
    return policyDocument([
        // The group itself (CreateLogGroup) and its streams (CreateLogStream, PutLogEvents).
        allow("WriteBuildLogs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], [logGroup, `${logGroup}:*`]),
        allow("ReadAndWriteArtifacts", artifactReadWriteActions, arn.objects(args.partition, args.artifactBucketName)),
        allow("ListArtifactBucket", bucketListActions, arn.bucket(args.partition, args.artifactBucketName)),
        allow("UseArtifactKey", kmsUseActions, args.artifactKeyArn),
    ]);
}

/**
 * EventBridge may use the trigger role only for this account's source-changed rule. For an event bus
 * rule's target, EventBridge sends the rule's ARN as `aws:SourceArn` ("Cross-service confused deputy
 * prevention in Amazon EventBridge",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html);
 * a rule on the default bus has the ARN `rule/<name>`, without a bus name.
 */
export function sourceTriggerTrustPolicy(partition: string, region: string, pipelineAccountId: string, pipelineName: string): PolicyDocument {
    return serviceTrustPolicy("events.amazonaws.com", { account: pipelineAccountId, arn: arn.eventRule(partition, region, pipelineAccountId, names.sourceTriggerRule(pipelineName)) });
}

/** The trigger role starts this pipeline and nothing else. */
export function sourceTriggerPolicy(partition: string, region: string, pipelineAccountId: string, pipelineName: string): PolicyDocument {
    return policyDocument([
        allow("StartThePipeline", ["codepipeline:StartPipelineExecution"], arn.pipeline(partition, region, pipelineAccountId, pipelineName)),
    ]);
}
