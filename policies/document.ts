// Small constructors for typed IAM policy documents; statements stay readable where they are built.
// Builders take plain strings: components resolve Outputs first, so every document is testable as is.
import type * as aws from "@pulumi/aws";

export type PolicyDocument = aws.iam.PolicyDocument;
export type PolicyStatement = aws.iam.PolicyStatement;
type Arns = string | string[];

export function policyDocument(statements: PolicyStatement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

export function allow(Sid: string, Action: string[], Resource: Arns, Condition?: Record<string, unknown>): PolicyStatement {
    return { Sid, Effect: "Allow", Action, Resource, ...(Condition ? { Condition } : {}) };
}

/**
 * `iam:PassRole` of roles to the one service that uses them, by `iam:PassedToService`
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
 */
export function allowPassRole(Sid: string, roleArns: Arns, service: string): PolicyStatement {
    return allow(Sid, ["iam:PassRole"], roleArns, { StringEquals: { "iam:PassedToService": service } });
}

/**
 * A resource-policy grant to another account, narrowed to named roles. The account is the principal
 * because AWS rejects a policy naming a role that does not exist yet; `aws:PrincipalArn` keeps the
 * grant to those roles alone, so no other principal of that account gets in.
 */
export function allowAccountRoles(Sid: string, accountRoot: string, roleArns: string[], Action: string[], Resource: Arns): PolicyStatement {
    return { Sid, Effect: "Allow", Principal: { AWS: accountRoot }, Action, Resource, Condition: principalArnIn(roleArns) };
}

/**
 * One resource-policy grant to a pipeline's roles in many accounts: the accounts' roots are the principal
 * (fixed principals, so S3 Block Public Access does not count it as public: "The meaning of public",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status),
 * narrowed by `ArnLike aws:PrincipalArn` to the roles under the pipeline's IAM paths (rolePaths), which
 * need not exist yet. The policy grows by an account root per target account, not by a statement per
 * target. With an organization, `aws:PrincipalOrgID` must match too (defence in depth, not instead of the accounts).
 */
export function allowAccountsRolesUnder(Sid: string, accountRoots: string[], rolePatterns: string[], Action: string[], Resource: Arns, organizationId?: string): PolicyStatement {
    return {
        Sid, Effect: "Allow", Principal: { AWS: accountRoots }, Action, Resource,
        Condition: { ArnLike: { "aws:PrincipalArn": rolePatterns }, ...(organizationId ? { StringEquals: { "aws:PrincipalOrgID": organizationId } } : {}) },
    };
}

/** An explicit deny for every role under these paths, in any account, whatever its own policies allow. */
export function denyRolesUnder(Sid: string, rolePatterns: string[], Action: string[], Resource: Arns): PolicyStatement {
    return denyEveryone(Sid, Action, Resource, { ArnLike: { "aws:PrincipalArn": rolePatterns } });
}

/** Narrows an account-root principal to named roles; the roles need not exist when the policy is written. */
export function principalArnIn(roleArns: string[]): Record<string, unknown> {
    return { ArnEquals: { "aws:PrincipalArn": roleArns } };
}

/** A guard that applies to every caller, this account's administrators included. */
export function denyEveryone(Sid: string, Action: string[], Resource: Arns, Condition: Record<string, unknown>): PolicyStatement {
    return { Sid, Effect: "Deny", Principal: "*", Action, Resource, Condition };
}

/** A trust policy: the one principal that may assume the role, under these conditions. */
export function trustPolicy(Sid: string, Principal: aws.iam.AWSPrincipal | aws.iam.ServicePrincipal, Condition?: Record<string, unknown>): PolicyDocument {
    return policyDocument([{ Sid, Effect: "Allow", Principal, Action: "sts:AssumeRole", ...(Condition ? { Condition } : {}) }]);
}

/** The resource on whose behalf a service assumes a role, as the service sends it (`aws:SourceAccount`, `aws:SourceArn`). */
export interface ServiceSource {
    account: string;
    arn: string;
}

/**
 * Trust for an AWS service. With `source`, scoped to that one resource of this account (the
 * confused-deputy guard: no other customer's or other resource can use the role); only for services
 * whose documentation says they send both keys in that form, since a missing key fails the condition.
 */
export function serviceTrustPolicy(service: string, source?: ServiceSource): PolicyDocument {
    return trustPolicy("AllowServiceToAssumeRole", { Service: service }, source && {
        StringEquals: { "aws:SourceAccount": source.account },
        ArnLike: { "aws:SourceArn": source.arn },
    });
}

/**
 * An identity-policy grant on S3 buckets or objects of one account's only. Bucket names are global and
 * predictable, so a bucket of the same name in another account (created after the real one was deleted,
 * or before it existed) must never receive artifacts nor serve them; `aws:ResourceAccount` is the account
 * that owns the bucket, as AWS's documented CodePipeline service-role policy conditions every S3 statement
 * (https://docs.aws.amazon.com/codepipeline/latest/userguide/how-to-custom-role.html;
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount).
 */
export function allowOnBucketsOf(bucketOwner: string, Sid: string, Action: string[], Resource: Arns): PolicyStatement {
    return allow(Sid, Action, Resource, { StringEquals: { "aws:ResourceAccount": bucketOwner } });
}

export const kmsDecryptActions = ["kms:Decrypt", "kms:DescribeKey"];
/** What kmsUseActions add to decrypting: what writes artifacts. */
export const kmsEncryptActions = ["kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"];
export const kmsUseActions = [...kmsDecryptActions, ...kmsEncryptActions];
/** What an upload with SSE-KMS takes of the key, and no more: a data key to encrypt with (S3 decrypts it again for a multipart upload). */
export const kmsUploadActions = [...kmsDecryptActions, "kms:GenerateDataKey*"];
/** Denied to every role that only reads: any encryption, and a grant that would let another principal encrypt. */
export const kmsReadersDenied = [...kmsEncryptActions, "kms:CreateGrant"];
export const artifactReadActions = ["s3:GetObject", "s3:GetObjectVersion"];
export const artifactReadWriteActions = [...artifactReadActions, "s3:PutObject"];
/**
 * What a producer role does with artifacts in another account's store: as the walkthrough's cross-account
 * role, with s3:PutObjectAcl, since an upload may carry the bucket-owner-full-control ACL (the only one a
 * BucketOwnerEnforced bucket accepts, so it can never give an object away).
 */
export const producerArtifactActions = [...artifactReadWriteActions, "s3:PutObjectAcl"];
/**
 * Whatever changes what a deployment would fetch: an upload (a copy onto itself re-encrypts an object),
 * a delete (of the object, or of its newest version, which brings back the one before), the object's
 * other settings, a replica written by S3 replication, a restored copy. Denied to every role that only reads.
 */
export const artifactChangeActions = ["s3:PutObject*", "s3:DeleteObject*", "s3:Replicate*", "s3:RestoreObject"];
export const bucketListActions = ["s3:ListBucket", "s3:GetBucketLocation"];
