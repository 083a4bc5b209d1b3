// Policies of the pipeline account: the artifact key and buckets, the pipeline and build roles.
import type { ExtraActionConfig, TargetConfig } from "../config/types";
import { arn, names, TargetRoleKind } from "../definition/names";
import { PipelineIdentity, producingTargetNames, targetRolePatterns } from "../definition/pipeline";
import {
    allow, allowAccountRoles, allowAccountsRolesUnder, allowOnBucketsOf, artifactChangeActions, artifactReadActions, artifactReadWriteActions,
    bucketListActions, denyEveryone, denyRolesUnder, kmsDecryptActions, kmsReadersDenied, kmsUploadActions, kmsUseActions, policyDocument, PolicyDocument,
    PolicyStatement, producerArtifactActions, serviceTrustPolicy,
} from "./document";

/** Who in the target accounts reaches an artifact store: this pipeline's roles in the accounts whose targets use it. */
export interface ArtifactGrantees {
    /** The target accounts, each once, in the order of their first target: their deploy and instance roles read. */
    accountIds: string[];
    /** Those of them with a target whose extra action produces artifacts: their producer roles write as well. */
    producerAccountIds: string[];
    /** The pipeline's roles of each kind in any account, as ARN patterns (targetRolePatterns). */
    roles: Record<TargetRoleKind, string>;
    /** The AWS Organization the target roles must belong to as well, when config names one. */
    organizationId?: string;
}

/** The target accounts whose deployments use the artifact store of `region`, and this pipeline's roles there. */
export function artifactGrantees(
    pipeline: PipelineIdentity & {
        region: string;
        targets: Pick<TargetConfig, "name" | "accountId" | "region">[];
        extraActions: Pick<ExtraActionConfig, "target" | "outputArtifacts">[];
        organizationId?: string;
    },
    region: string,
): ArtifactGrantees {
    const ofStore = pipeline.targets.filter((t) => t.region === region);
    const producing = producingTargetNames(pipeline.extraActions);
    return {
        accountIds: [...new Set(ofStore.map((t) => t.accountId))],
        producerAccountIds: [...new Set(ofStore.filter((t) => producing.has(t.name)).map((t) => t.accountId))],
        roles: targetRolePatterns(pipeline),
        ...(pipeline.organizationId ? { organizationId: pipeline.organizationId } : {}),
    };
}

/** One statement's Sid, actions and resources. */
interface Grant {
    sid: string;
    actions: string[];
    resource: string | string[];
}

/**
 * The grants of a store's bucket or key to the target roles, none without target accounts: one allow for
 * every target account, narrowed to this pipeline's deploy and instance roles, to `read`; an explicit deny of
 * `change` to those roles, which holds whatever their own account's policies grant them (or a role an
 * administrator there creates under their paths); and, for the accounts that produce artifacts, one allow of
 * `write` to their producer roles alone, under a path no deploy or instance role is under.
 */
function targetRoleGrants(partition: string, grantees: ArtifactGrantees, grants: { read: Grant; change: Grant; write: Grant }): PolicyStatement[] {
    if (grantees.accountIds.length === 0) {
        return [];
    }
    const roots = (accountIds: string[]) => accountIds.map((accountId) => arn.accountRoot(partition, accountId));
    const readers = [grantees.roles.deploy, grantees.roles.instance];
    const { read, change, write } = grants;
    return [
        allowAccountsRolesUnder(read.sid, roots(grantees.accountIds), readers, read.actions, read.resource, grantees.organizationId),
        denyRolesUnder(change.sid, readers, change.actions, change.resource),
        ...(grantees.producerAccountIds.length === 0 ? [] : [
            allowAccountsRolesUnder(write.sid, roots(grantees.producerAccountIds), [grantees.roles.producer], write.actions, write.resource, grantees.organizationId),
        ]),
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
        ...targetRoleGrants(args.partition, args.grantees, {
            read: { sid: "AllowTargetRolesToDecrypt", actions: kmsDecryptActions, resource: "*" },
            change: { sid: "DenyReadingRolesToEncrypt", actions: kmsReadersDenied, resource: "*" },
            write: { sid: "AllowProducerRolesToUseTheKey", actions: kmsUploadActions, resource: "*" },
        }),
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

/** The walkthrough's bucket policy, with the grants narrowed to the targets' roles, read-only but for producers, and TLS 1.2 required. */
export function artifactBucketPolicy(args: BucketPolicyArgs): PolicyDocument {
    const bucket = arn.bucket(args.partition, args.bucketName);
    const objects = arn.objects(args.partition, args.bucketName);
    return policyDocument([
        ...bucketGuards(bucket, objects, args.allowedKeyIds),
        ...(args.grantees ? targetRoleGrants(args.partition, args.grantees, {
            read: { sid: "AllowTargetRolesToReadArtifacts", actions: [...artifactReadActions, ...bucketListActions], resource: [bucket, objects] },
            change: { sid: "DenyReadingRolesToChangeArtifacts", actions: artifactChangeActions, resource: objects },
            write: { sid: "AllowProducerRolesToWriteArtifacts", actions: [...producerArtifactActions, ...bucketListActions], resource: [bucket, objects] },
        }) : []),
    ]);
}

/** Denies every request that is not TLS 1.2+ and every upload that is not SSE-KMS with the artifact key. */
export function bucketGuards(bucket: string, objects: string, allowedKeyIds: string[]): PolicyStatement[] {
    return [
        denyEveryone("DenyInsecureConnections", ["s3:*"], [bucket, objects], { Bool: { "aws:SecureTransport": "false" } }),
        denyEveryone("DenyOutdatedTls", ["s3:*"], [bucket, objects], { NumericLessThan: { "s3:TlsVersion": "1.2" } }),
        denyEveryone("DenyUnEncryptedObjectUploads", ["s3:PutObject"], objects, { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } }),
        // An upload that asks for SSE-KMS and names no key is encrypted with the AWS managed key aws/s3, not the
        // bucket's default key ("If you specify x-amz-server-side-encryption:aws:kms ... but do not provide
        // x-amz-server-side-encryption-aws-kms-key-id, Amazon S3 uses the AWS managed key (aws/s3)", API_PutObject),
        // and no target account can decrypt that. StringNotEquals is true for a missing key, so this denies
        // an upload naming no key as well as one naming another
        // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms).
        denyEveryone("DenyUploadsWithoutTheArtifactKey", ["s3:PutObject"], objects, {
            StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": [...new Set(allowedKeyIds)] },
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
    /** The roles in other accounts that the pipeline's actions run as, by kind: a pattern of their path, and the accounts they are in. */
    actionRoles: Record<"deploy" | "producer", { arnPattern: string; accountIds: string[] }>;
}

// What AWS documents the CodePipeline service role needs on its artifact buckets and their objects
// ("AllowS3BucketAccess" and "AllowS3ObjectAccess", https://docs.aws.amazon.com/codepipeline/latest/userguide/how-to-custom-role.html),
// with the tagging actions the page requires "when the S3 objects in your source bucket have tags" (the tags are copied
// with the source artifact) for an S3 source only; and for an S3 source action on its source bucket
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-S3.html#action-reference-S3-service-role): no more.
const pipelineBucketActions = ["s3:GetBucketVersioning", "s3:GetBucketAcl", "s3:GetBucketLocation"];
const pipelineObjectActions = ["s3:PutObject", "s3:PutObjectAcl", "s3:GetObject", "s3:GetObjectVersion"];
const sourceTagActions = ["s3:PutObjectTagging", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"];
const s3SourceActions = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetBucketVersioning", "s3:GetBucketAcl", "s3:GetBucketLocation", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"];

export function pipelineRolePolicy(args: PipelineRolePolicyArgs): PolicyDocument {
    const { partition, pipelineAccountId } = args;
    const s3Source = "bucketName" in args.source;
    return policyDocument([
        allowOnBucketsOf(pipelineAccountId, "AccessArtifactBuckets", pipelineBucketActions, args.artifactStores.map((s) => arn.bucket(partition, s.bucketName))),
        allowOnBucketsOf(pipelineAccountId, "ReadAndWriteArtifacts", [...pipelineObjectActions, ...(s3Source ? sourceTagActions : [])],
            args.artifactStores.map((s) => arn.objects(partition, s.bucketName))),
        allow("UseArtifactKeys", kmsUseActions, args.artifactStores.map((s) => s.keyArn)),
        "bucketName" in args.source
            ? allowOnBucketsOf(pipelineAccountId, "ReadSourceBundle", s3SourceActions, [arn.bucket(partition, args.source.bucketName), arn.objects(partition, args.source.bucketName)])
            : allow("UseSourceConnection", ["codestar-connections:UseConnection", "codeconnections:UseConnection"], args.source.connectionArn),
        allow("RunBuild", ["codebuild:StartBuild", "codebuild:BatchGetBuilds"], arn.buildProject(partition, args.region, pipelineAccountId, names.buildProject(args.pipelineName))),
        // This pipeline's deploy roles (its deploy path) in its target accounts only, never `role/*` as in
        // the walkthrough: one pattern and one account id per target account, not an ARN per target; and its
        // producer roles only in the accounts that have one.
        // `aws:ResourceAccount` is the account of the role assumed; IAM supports it for sts:AssumeRole
        // ("prevent your IAM principals from assuming any IAM roles outside of your own AWS account",
        // https://aws.amazon.com/about-aws/whats-new/2022/04/iam-access-resource-organization/;
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount).
        ...([["AssumeTargetDeployRoles", args.actionRoles.deploy], ["AssumeTargetProducerRoles", args.actionRoles.producer]] as const)
            .filter(([, roles]) => roles.accountIds.length > 0)
            .map(([sid, roles]) => allow(sid, ["sts:AssumeRole"], roles.arnPattern, { StringEquals: { "aws:ResourceAccount": roles.accountIds } })),
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
    const logGroup = arn.logGroup(args.partition, args.region, args.pipelineAccountId, names.buildLogGroup(args.pipelineName));
    return policyDocument([
        // The group exists (the program declares it, with its retention): the build only adds streams to it and writes them.
        allow("WriteBuildLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [logGroup, `${logGroup}:*`]),
        allowOnBucketsOf(args.pipelineAccountId, "ReadAndWriteArtifacts", artifactReadWriteActions, arn.objects(args.partition, args.artifactBucketName)),
        allowOnBucketsOf(args.pipelineAccountId, "ListArtifactBucket", bucketListActions, arn.bucket(args.partition, args.artifactBucketName)),
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
