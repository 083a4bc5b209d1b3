// Proves the cross-account access chain with a real IAM policy evaluator: every hop the pipeline
// needs is allowed, and the requests that must be refused are refused. A failure names the
// principal, action, resource and the policy (identity, trust, bucket or key) that decides it.
import { getDenialReasons, runSimulation } from "@cloud-copilot/iam-simulate";
import type { DeclaredResource } from "../evaluation/mockCloud";
import { arn, partitionOf } from "../naming";
import { kmsDecryptActions, kmsUseActions, PolicyDocument } from "../policies/document";
import { AccessModel, accessModel, crossAccountActions, storeFor } from "./model";

export type PolicyKind = "identity policy" | "trust policy" | "bucket policy" | "key policy";

export interface AccessCheck {
    /** Which link of the chain this is, in words: "Staging: pipeline role assumes the cross-account role". */
    hop: string;
    principal: string;
    action: string;
    resource: string;
    resourceAccount: string;
    context: Record<string, string>;
    expect: "allowed" | "denied";
    identityPolicies: { name: string; policy: PolicyDocument }[];
    resourcePolicy?: { kind: PolicyKind; policy: PolicyDocument };
}

export interface AccessFinding {
    check: AccessCheck;
    ok: boolean;
    /** The evaluator's verdict (Allowed, ImplicitlyDenied, ExplicitlyDenied), NotDeclared, or NotVerified for an external key policy. */
    result: string;
    /** For a failure: what exactly is wrong, naming the policy; for NotVerified: what must be granted. */
    message?: string;
}

/** Verifies every cross-account deploy action of every pipeline among the declared resources. */
export async function verifyAccess(resources: DeclaredResource[]): Promise<AccessFinding[]> {
    const model = accessModel(resources);
    const { checks, missing, warnings } = accessChecks(model);
    const evaluated = await Promise.all(checks.map(evaluate));
    return [...missing, ...warnings, ...evaluated];
}

const administratorAccess: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
const tls = { "aws:SecureTransport": "true", "s3:TlsVersion": "1.3" };

/** The checks of the chain (pure), and findings for links that are not declared at all. */
export function accessChecks(model: AccessModel): { checks: AccessCheck[]; missing: AccessFinding[]; warnings: AccessFinding[] } {
    const checks: AccessCheck[] = [];
    const missing: AccessFinding[] = [];
    const warnings: AccessFinding[] = [];
    const fail = (hop: string, principal: string, action: string, resource: string, message: string) => missing.push({
        check: { hop, principal, action, resource, resourceAccount: "", context: {}, expect: "allowed", identityPolicies: [] },
        ok: false, result: "NotDeclared", message,
    });

    for (const pipeline of model.pipelines) {
        const pipelineRole = model.roles.get(pipeline.roleArn);
        if (!pipelineRole) {
            fail(`${pipeline.name}: pipeline role`, pipeline.roleArn, "sts:AssumeRole", pipeline.roleArn, `the pipeline's role ${pipeline.roleArn} is not declared by any stack`);
            continue;
        }
        for (const trigger of model.eventTargets.filter((t) => t.targetArn === pipeline.arn && t.roleArn)) {
            const triggerRole = { principal: trigger.roleArn!, identityPolicies: model.roles.get(trigger.roleArn!)?.identityPolicies ?? [] };
            const onPipelines = { resourceAccount: pipeline.accountId, context: {} };
            checks.push(
                { hop: `${pipeline.name}: the source trigger starts the pipeline`, ...triggerRole, action: "codepipeline:StartPipelineExecution", resource: pipeline.arn, ...onPipelines, expect: "allowed" },
                { hop: `${pipeline.name}: the source trigger cannot start another pipeline`, ...triggerRole, action: "codepipeline:StartPipelineExecution", resource: `${pipeline.arn}-other`, ...onPipelines, expect: "denied" },
            );
        }
        for (const { stage, action } of crossAccountActions(pipeline)) {
            const roleArn = action.roleArn!;
            const label = `${stage}/${action.name}`;
            const crossAccountRole = model.roles.get(roleArn);
            const store = storeFor(pipeline, action.region);
            const bucket = store && model.buckets.get(store.location);
            const key = store?.encryptionKey && model.keys.get(store.encryptionKey.id);
            const targetAccount = /::(\d{12}):/.exec(roleArn)![1];
            const partition = partitionOf(action.region ?? pipeline.region);

            checks.push({
                hop: `${label}: the pipeline role assumes the cross-account role`,
                principal: pipelineRole.arn, identityPolicies: pipelineRole.identityPolicies, action: "sts:AssumeRole",
                resource: roleArn, resourceAccount: targetAccount, context: {}, expect: "allowed",
                resourcePolicy: crossAccountRole?.trustPolicy && { kind: "trust policy", policy: crossAccountRole.trustPolicy },
            });
            if (!crossAccountRole) {
                fail(`${label}: the cross-account role exists`, pipelineRole.arn, "sts:AssumeRole", roleArn,
                    `${roleArn} is not declared by any stack: deploy the target stack, and check that its crossAccountRoleName and accountId match the pipeline stack's`);
                continue;
            }
            if (!store || !bucket) {
                fail(`${label}: artifact store`, roleArn, "s3:GetObject", store?.location ?? "(none)", `no artifact bucket is declared for region ${action.region ?? pipeline.region} of pipeline ${pipeline.name}`);
                continue;
            }
            const linkChecks: AccessCheck[] = [];
            const deployRole = { principal: roleArn, identityPolicies: crossAccountRole.identityPolicies };
            const object = `${bucket.arn}/${pipeline.name}/BuildOutput/artifact.zip`;
            const keyArn = store.encryptionKey?.id ?? "";
            const otherKeyArn = keyArn.replace(/key\/.*/, "key/00000000-0000-0000-0000-000000000000");
            const bucketPolicy = bucket.policy && { kind: "bucket policy" as const, policy: bucket.policy };
            const keyPolicy = key?.policy && { kind: "key policy" as const, policy: key.policy };
            const onBucket = { resourceAccount: bucket.accountId, resourcePolicy: bucketPolicy };
            const onKey = { resource: keyArn, resourceAccount: pipeline.accountId, resourcePolicy: keyPolicy };
            const sseKms = { "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn };

            linkChecks.push(
                { hop: `${label}: the cross-account role reads artifacts`, ...deployRole, action: "s3:GetObject", resource: object, ...onBucket, context: tls, expect: "allowed" },
                { hop: `${label}: the cross-account role writes artifacts with SSE-KMS`, ...deployRole, action: "s3:PutObject", resource: object, ...onBucket, context: { ...tls, ...sseKms }, expect: "allowed" },
                { hop: `${label}: the cross-account role decrypts with the artifact key`, ...deployRole, action: "kms:Decrypt", ...onKey, context: {}, expect: "allowed" },
                { hop: `${label}: the cross-account role generates data keys with the artifact key`, ...deployRole, action: "kms:GenerateDataKey", ...onKey, context: {}, expect: "allowed" },
                { hop: `${label}: plain-HTTP reads are refused`, ...deployRole, action: "s3:GetObject", resource: object, ...onBucket, context: { "aws:SecureTransport": "false" }, expect: "denied" },
                { hop: `${label}: uploads without SSE-KMS are refused`, ...deployRole, action: "s3:PutObject", resource: object, ...onBucket, context: tls, expect: "denied" },
                { hop: `${label}: uploads with another key are refused`, ...deployRole, action: "s3:PutObject", resource: object, ...onBucket, context: { ...tls, ...sseKms, "s3:x-amz-server-side-encryption-aws-kms-key-id": otherKeyArn }, expect: "denied" },
                { hop: `${label}: the cross-account role cannot read another bucket`, ...deployRole, action: "s3:GetObject", resource: `${arn.bucket(partition, "some-other-bucket")}/secret.txt`, resourceAccount: pipeline.accountId, context: tls, expect: "denied" },
                { hop: `${label}: the cross-account role cannot use another key`, ...deployRole, action: "kms:Decrypt", resource: otherKeyArn, resourceAccount: pipeline.accountId, context: {}, expect: "denied" },
            );

            const group = action.provider === "CodeDeploy"
                ? model.deploymentGroups.get(`${action.configuration?.ApplicationName}/${action.configuration?.DeploymentGroupName}@${targetAccount}`)
                : undefined;
            if (action.provider === "CodeDeploy") {
                const groupArn = group ?? arn.deploymentGroup(partition, action.region ?? pipeline.region, targetAccount, action.configuration?.ApplicationName ?? "", action.configuration?.DeploymentGroupName ?? "");
                if (!group) {
                    fail(`${label}: the deployment group exists`, roleArn, "codedeploy:CreateDeployment", groupArn,
                        `deployment group ${groupArn} is not declared by any stack: check the target stack's applicationName and deploymentGroupName`);
                }
                linkChecks.push(
                    { hop: `${label}: the cross-account role creates a deployment in its deployment group`, ...deployRole, action: "codedeploy:CreateDeployment", resource: groupArn, resourceAccount: targetAccount, context: {}, expect: "allowed" },
                    { hop: `${label}: the cross-account role cannot deploy to another deployment group`, ...deployRole, action: "codedeploy:CreateDeployment", resource: groupArn.replace(/deploymentgroup:.*/, "deploymentgroup:OtherApplication/OtherGroup"), resourceAccount: targetAccount, context: {}, expect: "denied" },
                );
            }

            for (const instanceRoleArn of model.instanceRoleArns.get(targetAccount) ?? []) {
                const instance = { principal: instanceRoleArn, identityPolicies: model.roles.get(instanceRoleArn)?.identityPolicies ?? [] };
                linkChecks.push(
                    { hop: `${label}: the instance role reads artifacts`, ...instance, action: "s3:GetObject", resource: object, ...onBucket, context: tls, expect: "allowed" },
                    { hop: `${label}: the instance role decrypts artifacts`, ...instance, action: "kms:Decrypt", ...onKey, context: {}, expect: "allowed" },
                    { hop: `${label}: the instance role cannot write artifacts`, ...instance, action: "s3:PutObject", resource: object, ...onBucket, context: { ...tls, ...sseKms }, expect: "denied" },
                );
            }

            // Another principal of the target account, with full IAM permissions there, gets nothing.
            const targetAdmin = { principal: arn.role(partition, targetAccount, "AccountAdministrator"), identityPolicies: [{ name: "AdministratorAccess", policy: administratorAccess }] };
            const pipelineAdmin = { principal: arn.role(partition, pipeline.accountId, "AccountAdministrator"), identityPolicies: [{ name: "AdministratorAccess", policy: administratorAccess }] };
            linkChecks.push(
                { hop: `${label}: another admin of account ${targetAccount} cannot read artifacts`, ...targetAdmin, action: "s3:GetObject", resource: object, ...onBucket, context: tls, expect: "denied" },
                { hop: `${label}: another admin of account ${targetAccount} cannot decrypt artifacts`, ...targetAdmin, action: "kms:Decrypt", ...onKey, context: {}, expect: "denied" },
                { hop: `${label}: another admin of account ${targetAccount} cannot assume the cross-account role`, ...targetAdmin, action: "sts:AssumeRole", resource: roleArn, resourceAccount: targetAccount, resourcePolicy: crossAccountRole.trustPolicy && { kind: "trust policy", policy: crossAccountRole.trustPolicy }, context: {}, expect: "denied" },
                { hop: `${label}: another role of the pipeline account cannot assume the cross-account role`, ...pipelineAdmin, action: "sts:AssumeRole", resource: roleArn, resourceAccount: targetAccount, resourcePolicy: crossAccountRole.trustPolicy && { kind: "trust policy", policy: crossAccountRole.trustPolicy }, context: {}, expect: "denied" },
            );
            if (key) {
                checks.push(...linkChecks);
            } else {
                // An existing key's policy is its owner's to write: say what it must grant, check the rest.
                checks.push(...linkChecks.filter((c) => c.resource !== keyArn));
                const instanceRoles = model.instanceRoleArns.get(targetAccount) ?? [];
                warnings.push({
                    check: { hop: `${label}: the artifact key policy`, principal: roleArn, action: "kms:*", resource: keyArn, resourceAccount: pipeline.accountId, context: {}, expect: "allowed", identityPolicies: [] },
                    ok: true, result: "NotVerified",
                    message: `${keyArn} is an existing key (encryptionKey), whose key policy this program does not manage: it must allow ${roleArn} ${kmsUseActions.join(", ")}` +
                        (instanceRoles.length > 0 ? `, and ${instanceRoles.join(", ")} ${kmsDecryptActions.join(", ")}` : "") +
                        ` (account principal ${arn.accountRoot(partition, targetAccount)} narrowed by aws:PrincipalArn)`,
                });
            }
        }
    }
    return { checks, missing, warnings };
}

async function evaluate(check: AccessCheck): Promise<AccessFinding> {
    const principalAccount = /::(\d{12}):/.exec(check.principal)?.[1] ?? "";
    const response = await runSimulation({
        request: {
            principal: check.principal,
            action: check.action,
            resource: { resource: check.resource, accountId: check.resourceAccount },
            // The evaluator does not derive these from the request: give them as AWS would.
            contextVariables: { "aws:PrincipalArn": check.principal, "aws:PrincipalAccount": principalAccount, ...check.context },
        },
        identityPolicies: check.identityPolicies.map(({ name, policy }) => ({ name, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: check.resourcePolicy?.policy,
    }, {});
    if (response.resultType === "error") {
        return { check, ok: false, result: "EvaluationError", message: `the evaluator rejected the request or a policy: ${JSON.stringify(response.errors)}` };
    }
    const result = response.overallResult as string;
    const allowed = result === "Allowed";
    const ok = allowed === (check.expect === "allowed");
    if (ok) {
        return { check, ok, result };
    }
    if (allowed) {
        return { check, ok, result, message: `${check.principal} may ${check.action} on ${check.resource}, which must be refused` };
    }
    const analysis = response.resultType === "single" ? response.result.analysis : undefined;
    const denials = analysis ? getDenialReasons(analysis) : [];
    const culprits = [...new Set(denials.map((d) => d.policyType === "identity"
        ? `the identity policy of ${check.principal}`
        : d.policyType === "resource" ? `the ${check.resourcePolicy?.kind ?? "resource policy"} of ${check.resource}` : `a ${d.policyType} policy`))];
    const how = denials.some((d) => d.denialType === "Explicit") ? "denies" : "does not allow";
    return { check, ok, result, message: `${culprits.join(" and ") || "no policy"} ${how} ${check.action} by ${check.principal} on ${check.resource}` };
}
