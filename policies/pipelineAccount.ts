// Policies of the pipeline account: the artifact key and buckets, the pipeline and build roles.
import type { TargetConfig } from "../config";
import { arn, names, partitionOf } from "../definition/names";
import { deployRoleArn } from "../definition/pipeline";
import {
    allow, allowAccountRoles, artifactReadActions, artifactReadWriteActions, bucketListActions, denyEveryone,
    kmsDecryptActions, kmsUseActions, policyDocument, PolicyDocument, PolicyStatement, serviceTrustPolicy, sid,
} from "./document";

/** A target account's roles that reach into an artifact store: the deploy role and the instance role. */
export interface ArtifactGrantee {
    targetName: string;
    accountId: string;
    deployRoleArn: string;
    instanceRoleArn: string;
}

/** The targets whose deployments read the artifact store of `region`. */
export function artifactGrantees(targets: TargetConfig[], region: string): ArtifactGrantee[] {
    return targets.filter((t) => t.region === region).map((t) => ({
        targetName: t.name,
        accountId: t.accountId,
        deployRoleArn: deployRoleArn(t),
        instanceRoleArn: arn.role(partitionOf(t.region), t.accountId, t.instanceRoleName),
    }));
}

export interface ArtifactKeyPolicyArgs {
    partition: string;
    pipelineAccountId: string;
    /** The pipeline account's roles that encrypt and decrypt artifacts. */
    pipelineRoleArns: string[];
    grantees: ArtifactGrantee[];
}

export function artifactKeyPolicy(args: ArtifactKeyPolicyArgs): PolicyDocument {
    const pipelineAccountRoot = arn.accountRoot(args.partition, args.pipelineAccountId);
    return policyDocument([
        // Without this the key could become unmanageable; who else in the account may use it is then
        // up to IAM policies there, as with any key created by the console.
        { Sid: "EnableAccountAdministration", Effect: "Allow", Principal: { AWS: pipelineAccountRoot }, Action: "kms:*", Resource: "*" },
        allowAccountRoles("AllowPipelineRolesToUseTheKey", pipelineAccountRoot, args.pipelineRoleArns, kmsUseActions, "*"),
        ...args.grantees.flatMap((grantee) => [
            allowAccountRoles(sid("Allow", grantee.targetName, "DeployRoleToUseTheKey"), arn.accountRoot(args.partition, grantee.accountId), [grantee.deployRoleArn], kmsUseActions, "*"),
            allowAccountRoles(sid("Allow", grantee.targetName, "InstanceRoleToDecrypt"), arn.accountRoot(args.partition, grantee.accountId), [grantee.instanceRoleArn], kmsDecryptActions, "*"),
        ]),
    ]);
}

export interface BucketPolicyArgs {
    partition: string;
    bucketName: string;
    /** The values an upload may name as its key: the key ARN, and the alias ARN when the pipeline uses one. */
    allowedKeyIds: string[];
    grantees: ArtifactGrantee[];
}

/** The walkthrough's bucket policy, with the grants narrowed to the targets' roles and TLS 1.2 required. */
export function artifactBucketPolicy(args: BucketPolicyArgs): PolicyDocument {
    const bucket = arn.bucket(args.partition, args.bucketName);
    const objects = arn.objects(args.partition, args.bucketName);
    return policyDocument([
        ...bucketGuards(bucket, objects, args.allowedKeyIds),
        ...args.grantees.flatMap((grantee): PolicyStatement[] => {
            const root = arn.accountRoot(args.partition, grantee.accountId);
            return [
                allowAccountRoles(sid("Allow", grantee.targetName, "DeployRoleToReadAndWriteArtifacts"), root, [grantee.deployRoleArn], artifactReadWriteActions, objects),
                allowAccountRoles(sid("Allow", grantee.targetName, "InstanceRoleToReadArtifacts"), root, [grantee.instanceRoleArn], artifactReadActions, objects),
                allowAccountRoles(sid("Allow", grantee.targetName, "RolesToListTheBucket"), root, [grantee.deployRoleArn, grantee.instanceRoleArn], bucketListActions, bucket),
            ];
        }),
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
    /** Every role in another account that an action of the pipeline runs as. */
    crossAccountRoleArns: string[];
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
        // Exactly the targets' roles, never `role/*` as in the walkthrough.
        ...(args.crossAccountRoleArns.length > 0 ? [allow("AssumeTargetDeployRoles", ["sts:AssumeRole"], args.crossAccountRoleArns)] : []),
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
