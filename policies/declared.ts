// Which input of which resource type holds a policy document, and what kind of policy it is:
// read by the offline plan (one file per policy) and by the policy pack's rules.

export type PolicyKind = "trust" | "identity" | "key" | "bucket";

const identity = [{ field: "policy", kind: "identity" as const }];

export const policyFields: Readonly<Record<string, readonly { field: string; kind: PolicyKind }[]>> = {
    "aws:iam/role:Role": [{ field: "assumeRolePolicy", kind: "trust" }],
    "aws:iam/rolePolicy:RolePolicy": identity,
    "aws:iam/policy:Policy": identity,
    "aws:iam/userPolicy:UserPolicy": identity,
    "aws:iam/groupPolicy:GroupPolicy": identity,
    "aws:kms/key:Key": [{ field: "policy", kind: "key" }],
    "aws:kms/keyPolicy:KeyPolicy": [{ field: "policy", kind: "key" }],
    "aws:s3/bucketPolicy:BucketPolicy": [{ field: "policy", kind: "bucket" }],
};
