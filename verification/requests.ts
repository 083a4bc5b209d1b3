// The requests the checks make of an artifact store, and the principals they make them as: shared by the
// access chain (what the pipeline needs) and the isolation checks (what the accounts may not do to each other).
import { accountOfArn } from "../definition/names";
import type { PolicyDocument } from "../policies/document";
import type { AccessCheck } from "./evaluation";
import { AccessModel, BucketFacts, crossAccountActions, PipelineFacts, storeFor } from "./model";

/** A request as S3 sees one over TLS 1.3. */
export const tls = { "aws:SecureTransport": "true", "s3:TlsVersion": "1.3" };
const noKey = "00000000-0000-0000-0000-000000000000";

/** A key of the same account and region that is not the artifact key. */
export function otherKeyOf(keyArn: string): string {
    return keyArn.replace(/key\/.*/, `key/${noKey}`);
}

/** What reaching one artifact store takes: its bucket (and bucket policy), its key (and key policy). */
export interface StoreAccess {
    region: string;
    bucket: BucketFacts;
    keyArn: string;
    /** A representative artifact object. */
    object: string;
    onBucket: Pick<AccessCheck, "resourceAccount" | "resourcePolicy">;
    onKey: Pick<AccessCheck, "resource" | "resourceAccount" | "resourcePolicy" | "unverifiedKey">;
    /** The headers of an upload encrypted with the store's key. */
    sseKms: Record<string, string>;
}

/** The artifact store of `region` (the pipeline's own when undefined), if its bucket is declared. */
export function storeAccess(model: AccessModel, pipeline: PipelineFacts, region: string | undefined): StoreAccess | undefined {
    const store = storeFor(pipeline, region);
    const bucket = store && model.buckets.get(store.location);
    if (!store || !bucket) {
        return undefined;
    }
    const keyArn = store.encryptionKey?.id ?? "";
    const key = model.keys.get(keyArn);
    return {
        region: store.region ?? pipeline.region,
        bucket,
        keyArn,
        object: `${bucket.arn}/${pipeline.name}/BuildOutput/artifact.zip`,
        onBucket: { resourceAccount: bucket.accountId, resourcePolicy: bucket.policy && { kind: "bucket policy", policy: bucket.policy } },
        onKey: { resource: keyArn, resourceAccount: pipeline.accountId, resourcePolicy: key?.policy && { kind: "key policy", policy: key.policy }, unverifiedKey: !key },
        sseKms: { "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn },
    };
}

/** A declared role as it makes requests: its ARN and its identity policies. */
export const actor = (model: AccessModel, roleArn: string) => ({ principal: roleArn, identityPolicies: model.roles.get(roleArn)?.identityPolicies ?? [] });

const administratorAccess: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/** A role allowed everything by its own account: what an administrator there can make of any role, this program's or a new one. */
export const unbounded = (principal: string) => ({ principal, identityPolicies: [{ name: "AdministratorAccess", policy: administratorAccess }] });

// By pipeline: the access chain asks for each of its hundreds of cross-account actions.
const outsideAccounts = new WeakMap<PipelineFacts, string>();

/** An account none of the pipeline's actions runs in. */
export function accountOutside(pipeline: PipelineFacts): string {
    let found = outsideAccounts.get(pipeline);
    if (found === undefined) {
        found = firstUnused(pipeline);
        outsideAccounts.set(pipeline, found);
    }
    return found;
}

function firstUnused(pipeline: PipelineFacts): string {
    const used = new Set([pipeline.accountId, ...crossAccountActions(pipeline).map(({ action }) => accountOfArn(action.roleArn!))]);
    let account = 999999999999;
    while (used.has(String(account))) {
        account -= 1;
    }
    return String(account);
}
