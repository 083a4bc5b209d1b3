// The artifact bucket is shared with other accounts, so its own settings must keep it private,
// encrypted and owned by the pipeline account, whatever a caller asks for.
import { arn } from "../../definition/names";
import { artifactStoresIn, pipelinesIn } from "./pipelines";
import { appliesToEveryone, conditionValues, coversAction, coversResource, Statement, statementsOf } from "./policyDocuments";
import { knownString, resourcesOfType, Rule, RuleResource, RuleViolation, sourcesOf, unknown, valueAt, violation } from "./rule";

export const artifactBucketGuardsRule: Rule = {
    name: "artifact-bucket-guards",
    description: "Every artifact bucket denies requests without TLS and uploads without SSE-KMS or naming no allowed key, blocks all public access, and enforces bucket-owner ownership.",
    enforcement: "mandatory",
    scope: "stack",
    check: (resources) => artifactBuckets(resources).flatMap((bucket) =>
        [bucketPolicy, publicAccessBlock, ownershipControls].flatMap((setting) => settingViolations(resources, bucket, setting))),
};

const bucketType = "aws:s3/bucket:Bucket";

interface Bucket {
    resource: RuleResource;
    name: string;
}

/** A resource that configures a bucket (its `bucket` input names it), and what each one must say. */
interface BucketSetting {
    type: string;
    /** The violation when the bucket has none: what is missing and how to add it. */
    whenMissing: (bucket: Bucket) => string;
    /** What is wrong with one, and how to fix it. */
    problems: (setting: RuleResource, bucket: Bucket) => string[];
}

/**
 * The stack's buckets that an artifact store names; in a preview, where the stores are not known yet, the
 * buckets the engine says they are computed from. A store's bucket declared elsewhere cannot be checked here.
 */
function artifactBuckets(resources: RuleResource[]): Bucket[] {
    const locations = new Set(artifactStoresIn(resources).map((store) => knownString(store.location)));
    const computedFrom = new Set(pipelinesIn(resources).flatMap((pipeline) => sourcesOf(resources, pipeline, "artifactStores", bucketType)));
    return resourcesOfType(resources, bucketType).flatMap((resource) => {
        const name = knownString(resource.props.bucket);
        return name && (locations.has(name) || computedFrom.has(resource)) ? [{ resource, name }] : [];
    });
}

function settingViolations(resources: RuleResource[], bucket: Bucket, setting: BucketSetting): RuleViolation[] {
    const candidates = resourcesOfType(resources, setting.type);
    const bucketsOf = (resource: RuleResource) => sourcesOf(resources, resource, "bucket", bucketType);
    const attached = candidates.filter((resource) => resource.props.bucket === bucket.name || bucketsOf(resource).includes(bucket.resource));
    if (attached.length > 0) {
        return attached.flatMap((resource) => setting.problems(resource, bucket).map((problem) => violation(resource, problem)));
    }
    // One that names its bucket by a value not known yet, without saying where it comes from, may be this bucket's.
    const mayBeAttached = candidates.some((resource) => resource.props.bucket === unknown && bucketsOf(resource).length === 0);
    return mayBeAttached ? [] : [violation(bucket.resource, setting.whenMissing(bucket))];
}

const bucketPolicy: BucketSetting = {
    type: "aws:s3/bucketPolicy:BucketPolicy",
    whenMissing: (bucket) => `artifact bucket "${bucket.name}" has no bucket policy; add an aws.s3.BucketPolicy that ${denyTls(bucket)}, ${denyUnencryptedUploads(bucket)} ` +
        `and ${denyUploadsWithoutKey(bucket)}`,
    problems: (policy, bucket) => {
        const statements = statementsOf(policy.props.policy);
        if (!statements) {
            return [];
        }
        const missing = [
            ...(statements.some((s) => deniesInsecureTransport(s, bucket)) ? [] : [denyTls(bucket)]),
            ...(statements.some((s) => deniesUploadsWithoutKms(s, bucket)) ? [] : [denyUnencryptedUploads(bucket)]),
            ...(statements.some((s) => deniesUploadsNamingNoKey(s, bucket)) ? [] : [denyUploadsWithoutKey(bucket)]),
        ];
        return missing.map((statement) => `the policy of artifact bucket "${bucket.name}" lets through requests it must refuse; add a statement that ${statement}`);
    },
};

const denyTls = (bucket: Bucket) =>
    `denies requests without TLS ({Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["${bucketArn(bucket)}", "${objectsArn(bucket)}"], Condition: {Bool: {"aws:SecureTransport": "false"}}})`;
const denyUnencryptedUploads = (bucket: Bucket) =>
    `denies uploads without SSE-KMS ({Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: "${objectsArn(bucket)}", Condition: {StringNotEquals: {"s3:x-amz-server-side-encryption": "aws:kms"}}})`;

const denyUploadsWithoutKey = (bucket: Bucket) =>
    `denies uploads that name no key or another key, since S3 encrypts an SSE-KMS upload naming none with the AWS managed key aws/s3, which no other account ` +
    `can use ({Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: "${objectsArn(bucket)}", Condition: {StringNotEquals: ` +
    `{"s3:x-amz-server-side-encryption-aws-kms-key-id": ["<the artifact key's ARN>"]}}}, with no Null or IfExists condition that exempts an upload naming none)`;

// The partition does not matter here: coversResource compares ARNs whatever partition they name.
const bucketArn = (bucket: Bucket) => arn.bucket("aws", bucket.name);
const objectsArn = (bucket: Bucket) => arn.objects("aws", bucket.name);

/** Denies everyone every S3 action on the bucket and its objects when the request is not over TLS. */
function deniesInsecureTransport(statement: Statement, bucket: Bucket): boolean {
    return deniesEveryone(statement, "s3:*", [bucketArn(bucket), objectsArn(bucket)]) &&
        (conditionValues(statement, ["Bool", "BoolIfExists"], "aws:SecureTransport") ?? []).some((v) => v.toLowerCase() === "false");
}

/** Denies everyone an upload that does not ask for SSE-KMS (asking for nothing included). */
function deniesUploadsWithoutKms(statement: Statement, bucket: Bucket): boolean {
    return deniesEveryone(statement, "s3:PutObject", [objectsArn(bucket)]) &&
        (conditionValues(statement, ["StringNotEquals", "StringNotEqualsIfExists"], "s3:x-amz-server-side-encryption") ?? []).includes("aws:kms");
}

/** Denies everyone an upload whose key id is not one of the allowed ones, an upload naming none included. */
function deniesUploadsNamingNoKey(statement: Statement, bucket: Bucket): boolean {
    const keyId = "s3:x-amz-server-side-encryption-aws-kms-key-id";
    // StringNotEquals holds for a key the request does not carry; a Null test on it, or StringNotEqualsIfExists, exempts such an upload.
    return deniesEveryone(statement, "s3:PutObject", [objectsArn(bucket)]) && conditionValues(statement, ["StringNotEquals"], keyId) !== undefined &&
        !statement.conditions.some((c) => c.key === keyId && c.operator !== "StringNotEquals");
}

function deniesEveryone(statement: Statement, action: string, arns: string[]): boolean {
    return statement.effect === "Deny" && appliesToEveryone(statement) && coversAction(statement, action) && arns.every((a) => coversResource(statement, a));
}

const publicAccessSettings = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
const blockEverything = `set ${publicAccessSettings.join(", ")} to true`;

const publicAccessBlock: BucketSetting = {
    type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    whenMissing: (bucket) => `artifact bucket "${bucket.name}" has no public access block; add an aws.s3.BucketPublicAccessBlock and ${blockEverything}`,
    problems: (block, bucket) => {
        const off = publicAccessSettings.filter((setting) => block.props[setting] !== true && block.props[setting] !== unknown);
        return off.length > 0 ? [`the public access block of artifact bucket "${bucket.name}" leaves ${off.join(", ")} off; ${blockEverything}`] : [];
    },
};

// Objects that target accounts upload must belong to the pipeline account, with ACLs out of play.
const enforceBucketOwner = 'set rule.objectOwnership to "BucketOwnerEnforced", so the bucket owner owns every object and ACLs are disabled';

const ownershipControls: BucketSetting = {
    type: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    whenMissing: (bucket) => `artifact bucket "${bucket.name}" has no ownership controls; add an aws.s3.BucketOwnershipControls and ${enforceBucketOwner}`,
    problems: (controls, bucket) => {
        const ownership = valueAt(controls.props, "rule", "objectOwnership");
        return ownership === "BucketOwnerEnforced" || ownership === unknown ? []
            : [`the ownership controls of artifact bucket "${bucket.name}" set objectOwnership to "${String(ownership)}"; ${enforceBucketOwner}`];
    },
};
