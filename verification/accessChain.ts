// Proves the cross-account access chain with a real IAM policy evaluator: every hop the pipeline
// needs is allowed, and the requests that must be refused are refused. A failure names the
// principal, action, resource and the policy (identity, trust, bucket or key) that decides it.
import type { DeclaredResource } from "../evaluation/mockCloud";
import { accountOfArn, arn, partitionOf } from "../definition/names";
import type { ActionDeclaration } from "../definition/pipeline";
import { trustPolicy } from "../policies/document";
import { coversResource, statementsOf } from "../policy-pack/rules/policyDocuments";
import type { AccessCheck, AccessFinding } from "./evaluation";
import { evaluateChecks } from "./parallelChecks";
import { AccessModel, accessModel, accountRegion, crossAccountActions, deploymentGroupKey, DeploymentGroupFacts, PipelineFacts, RoleFacts } from "./model";
import { accountOutside, actor, otherKeyOf, storeAccess, tls, unbounded } from "./requests";

/** Verifies every pipeline among the declared resources: inside its account, and each action run with another account's role. */
export async function verifyAccess(resources: DeclaredResource[]): Promise<AccessFinding[]> {
    const model = accessModel(resources);
    const { checks, missing, warnings } = accessChecks(model);
    return [...missing, ...warnings, ...(await evaluateChecks(checks))];
}

/**
 * The default key policy: the account's IAM policies decide who uses the key
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
 */
function defaultKeyPolicy(partition: string, accountId: string): NonNullable<AccessCheck["resourcePolicy"]> {
    return { kind: "key policy", policy: { Version: "2012-10-17", Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: arn.accountRoot(partition, accountId) }, Action: "kms:*", Resource: "*" }] } };
}

/** The same key id in another account. */
function keyOfAccount(keyArn: string, accountId: string): string {
    return keyArn.replace(/:\d{12}:key\//, `:${accountId}:key/`);
}

/** The checks of the chain (pure), findings for links that are not declared at all, and what cannot be verified. */
export function accessChecks(model: AccessModel): { checks: AccessCheck[]; missing: AccessFinding[]; warnings: AccessFinding[] } {
    const found = new Findings();
    for (const pipeline of model.pipelines) {
        const pipelineRole = model.roles.get(pipeline.roleArn);
        if (!pipelineRole) {
            found.notDeclared(`${pipeline.name}: pipeline role`, pipeline.roleArn, "sts:AssumeRole", pipeline.roleArn, `the pipeline's role ${pipeline.roleArn} is not declared by any stack`);
            continue;
        }
        pipelineAccountChecks(model, pipeline, pipelineRole, found);
        for (const { stage, action } of crossAccountActions(pipeline)) {
            crossAccountChecks(model, pipeline, pipelineRole, `${stage}/${action.name}`, action, found);
        }
    }
    return found.result();
}

/** Collects checks; a check on an existing key (whose key policy is not declared) becomes a note of what that policy must grant. */
class Findings {
    private readonly checks: AccessCheck[] = [];
    private readonly missing: AccessFinding[] = [];
    private readonly unverifiedKeyGrants = new Map<string, Map<string, Set<string>>>();

    add(...checks: AccessCheck[]): void {
        for (const check of checks) {
            if (!check.unverifiedKey) {
                this.checks.push(check);
            } else if (check.expect === "allowed") {
                // What the principal's own policy uses the key for is what the key policy must allow it.
                const grants = this.unverifiedKeyGrants.get(check.resource) ?? new Map<string, Set<string>>();
                const used = keyActionsOf(check.identityPolicies, check.resource);
                grants.set(check.principal, new Set([...(grants.get(check.principal) ?? []), ...(used.length > 0 ? used : [check.action])]));
                this.unverifiedKeyGrants.set(check.resource, grants);
            }
        }
    }

    notDeclared(hop: string, principal: string, action: string, resource: string, message: string): void {
        this.missing.push({
            check: { hop, principal, action, resource, resourceAccount: "", context: {}, expect: "allowed", identityPolicies: [] },
            ok: false, result: "NotDeclared", message,
        });
    }

    result(): { checks: AccessCheck[]; missing: AccessFinding[]; warnings: AccessFinding[] } {
        const warnings = [...this.unverifiedKeyGrants].map(([keyArn, grants]): AccessFinding => ({
            check: { hop: `the key policy of ${keyArn}`, principal: [...grants.keys()].join(", "), action: "kms:*", resource: keyArn, resourceAccount: "", context: {}, expect: "allowed", identityPolicies: [] },
            ok: true, result: "NotVerified",
            message: `${keyArn} is an existing key (encryptionKey), whose key policy this program does not manage: it must allow ` +
                [...grants].map(([principal, actions]) => `${principal} ${[...actions].join(", ")}`).join("; "),
        }));
        return { checks: this.checks, missing: this.missing, warnings };
    }
}

/** The KMS actions identity policies allow on a key. */
function keyActionsOf(identityPolicies: AccessCheck["identityPolicies"], keyArn: string): string[] {
    return [...new Set(identityPolicies.flatMap(({ policy }) => statementsOf(policy) ?? [])
        .filter((statement) => statement.effect === "Allow" && coversResource(statement, keyArn))
        .flatMap((statement) => statement.actions.filter((action) => action.startsWith("kms:"))))];
}

/** Inside the pipeline account: the pipeline role on every store and the source, the build, the source trigger. */
function pipelineAccountChecks(model: AccessModel, pipeline: PipelineFacts, pipelineRole: RoleFacts, found: Findings): void {
    const label = pipeline.name;
    const pipelineActor = { principal: pipelineRole.arn, identityPolicies: pipelineRole.identityPolicies };
    const regions = pipeline.artifactStores.map((s) => s.region ?? pipeline.region);
    for (const region of regions) {
        const store = storeAccess(model, pipeline, region);
        if (!store) {
            found.notDeclared(`${label}: artifact store in ${region}`, pipelineRole.arn, "s3:PutObject", region, `no artifact bucket is declared for region ${region} of pipeline ${pipeline.name}`);
            continue;
        }
        const where = regions.length > 1 ? ` in ${region}` : "";
        const upload = { ...pipelineActor, action: "s3:PutObject", resource: store.object, ...store.onBucket, expect: "denied" as const };
        found.add(
            { hop: `${label}: the pipeline role writes artifacts${where} with SSE-KMS`, ...pipelineActor, action: "s3:PutObject", resource: store.object, ...store.onBucket, context: { ...tls, ...store.sseKms }, expect: "allowed" },
            // The bucket's guards, which hold for every writer: SSE-KMS, with the artifact key, named.
            { hop: `${label}: uploads${where} without SSE-KMS are refused`, ...upload, context: tls },
            { hop: `${label}: uploads${where} with another key are refused`, ...upload, context: { ...tls, ...store.sseKms, "s3:x-amz-server-side-encryption-aws-kms-key-id": otherKeyOf(store.keyArn) } },
            { hop: `${label}: uploads${where} with SSE-KMS naming no key (S3 would use aws/s3) are refused`, ...upload, context: { ...tls, "s3:x-amz-server-side-encryption": "aws:kms" } },
            { hop: `${label}: the pipeline role reads artifacts${where}`, ...pipelineActor, action: "s3:GetObject", resource: store.object, ...store.onBucket, context: tls, expect: "allowed" },
            { hop: `${label}: the pipeline role generates data keys with the artifact key${where}`, ...pipelineActor, action: "kms:GenerateDataKey", ...store.onKey, context: {}, expect: "allowed" },
            { hop: `${label}: the pipeline role decrypts with the artifact key${where}`, ...pipelineActor, action: "kms:Decrypt", ...store.onKey, context: {}, expect: "allowed" },
        );
    }

    const actions = pipeline.stages.flatMap((stage) => stage.actions);
    const home = storeAccess(model, pipeline, undefined);
    for (const source of actions.filter((a) => a.provider === "S3" && a.category === "Source")) {
        const bucket = model.buckets.get(source.configuration?.S3Bucket ?? "");
        if (bucket) {
            found.add({
                hop: `${label}: the pipeline role reads the source bundle`, ...pipelineActor, action: "s3:GetObject", resource: `${bucket.arn}/${source.configuration?.S3ObjectKey}`,
                resourceAccount: bucket.accountId, resourcePolicy: bucket.policy && { kind: "bucket policy", policy: bucket.policy }, context: tls, expect: "allowed",
            });
        }
    }
    for (const build of actions.filter((a) => a.provider === "CodeBuild" && !a.roleArn)) {
        const project = model.buildProjects.get(build.configuration?.ProjectName ?? "");
        if (!project) {
            continue;
        }
        found.add({ hop: `${label}: the pipeline role starts the build`, ...pipelineActor, action: "codebuild:StartBuild", resource: project.arn, resourceAccount: pipeline.accountId, context: {}, expect: "allowed" });
        if (home) {
            const buildRole = actor(model, project.serviceRoleArn);
            found.add(
                { hop: `${label}: the build role reads the source artifact`, ...buildRole, action: "s3:GetObject", resource: home.object, ...home.onBucket, context: tls, expect: "allowed" },
                { hop: `${label}: the build role writes the build artifact with SSE-KMS`, ...buildRole, action: "s3:PutObject", resource: home.object, ...home.onBucket, context: { ...tls, ...home.sseKms }, expect: "allowed" },
                { hop: `${label}: the build role decrypts with the artifact key`, ...buildRole, action: "kms:Decrypt", ...home.onKey, context: {}, expect: "allowed" },
                { hop: `${label}: the build role generates data keys with the artifact key`, ...buildRole, action: "kms:GenerateDataKey", ...home.onKey, context: {}, expect: "allowed" },
            );
        }
        const logGroup = arn.logGroup(partitionOf(pipeline.region), pipeline.region, pipeline.accountId, project.logGroupName);
        const buildRole = actor(model, project.serviceRoleArn);
        for (const action of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
            found.add({ hop: `${label}: the build role writes its logs (${action})`, ...buildRole, action, resource: `${logGroup}:log-stream:build-1`, resourceAccount: pipeline.accountId, context: {}, expect: "allowed" });
        }
    }

    for (const trigger of model.eventTargets.filter((t) => t.targetArn === pipeline.arn && t.roleArn)) {
        const triggerRole = actor(model, trigger.roleArn!);
        const onPipelines = { resourceAccount: pipeline.accountId, context: {} };
        found.add(
            { hop: `${label}: the source trigger starts the pipeline`, ...triggerRole, action: "codepipeline:StartPipelineExecution", resource: pipeline.arn, ...onPipelines, expect: "allowed" },
            { hop: `${label}: the source trigger cannot start another pipeline`, ...triggerRole, action: "codepipeline:StartPipelineExecution", resource: `${pipeline.arn}-other`, ...onPipelines, expect: "denied" },
        );
    }
}

/** Across accounts, for one action run with a target's role: every hop it needs, and what must be refused. */
function crossAccountChecks(model: AccessModel, pipeline: PipelineFacts, pipelineRole: RoleFacts, label: string, action: ActionDeclaration, found: Findings): void {
    const roleArn = action.roleArn!;
    const crossAccountRole = model.roles.get(roleArn);
    const targetAccount = accountOfArn(roleArn)!;
    // The action runs in its own region (cross-region actions name it), else in the pipeline's.
    const region = action.region ?? pipeline.region;
    const partition = partitionOf(region);
    const trust = crossAccountRole?.trustPolicy && { kind: "trust policy" as const, policy: crossAccountRole.trustPolicy };
    // The plan takes the pipeline's accounts to be members of the organization its grants name: only AWS
    // Organizations can confirm that. Every check below is made as from a member, so a refusal holds even then.
    const member: Record<string, string> = model.organizationId ? { "aws:PrincipalOrgID": model.organizationId } : {};
    const add = (...checks: AccessCheck[]): void => found.add(...checks.map((check) => ({ ...check, context: { ...member, ...check.context } })));
    // A deploy action's role only reads; an extra action with output artifacts runs as its target's producer role, which writes them too.
    const produces = (action.outputArtifacts ?? []).length > 0;
    const role = produces ? "the producer role" : "the cross-account role";

    add({
        hop: `${label}: the pipeline role assumes ${role}`,
        principal: pipelineRole.arn, identityPolicies: pipelineRole.identityPolicies, action: "sts:AssumeRole",
        resource: roleArn, resourceAccount: targetAccount, resourcePolicy: trust, context: {}, expect: "allowed",
    });
    if (!crossAccountRole) {
        found.notDeclared(`${label}: ${role} exists`, pipelineRole.arn, "sts:AssumeRole", roleArn,
            `${roleArn} is not declared by any stack: deploy the target stack, and check that its ${produces ? "producerRoleName" : "crossAccountRoleName"} and accountId match the pipeline stack's`);
        return;
    }
    const store = storeAccess(model, pipeline, region);
    if (!store) {
        found.notDeclared(`${label}: artifact store`, roleArn, "s3:GetObject", region, `no artifact bucket is declared for region ${region} of pipeline ${pipeline.name}`);
        return;
    }
    const { object, onBucket, onKey, sseKms } = store;
    const otherKeyArn = otherKeyOf(store.keyArn);
    const deployRole = { principal: roleArn, identityPolicies: crossAccountRole.identityPolicies };
    const writes = produces ? "allowed" : "denied";
    add(
        { hop: `${label}: ${role} reads artifacts`, ...deployRole, action: "s3:GetObject", resource: object, ...onBucket, context: tls, expect: "allowed" },
        { hop: `${label}: ${role} decrypts with the artifact key`, ...deployRole, action: "kms:Decrypt", ...onKey, context: {}, expect: "allowed" },
        { hop: `${label}: ${role} ${produces ? "writes" : "cannot write"} artifacts with SSE-KMS`, ...deployRole, action: "s3:PutObject", resource: object, ...onBucket, context: { ...tls, ...sseKms }, expect: writes },
        { hop: `${label}: ${role} ${produces ? "generates" : "cannot generate"} data keys with the artifact key`, ...deployRole, action: "kms:GenerateDataKey", ...onKey, context: {}, expect: writes },
        { hop: `${label}: plain-HTTP reads are refused`, ...deployRole, action: "s3:GetObject", resource: object, ...onBucket, context: { "aws:SecureTransport": "false" }, expect: "denied" },
        { hop: `${label}: ${role} cannot read another bucket`, ...deployRole, action: "s3:GetObject", resource: `${arn.bucket(partition, "some-other-bucket")}/secret.txt`, resourceAccount: pipeline.accountId, context: tls, expect: "denied" },
        // The role's identity policy names the artifact key only by account and region (key/*): the key
        // policies keep it to the artifact keys. Against keys whose policy lets their account's IAM
        // policies decide, as a default key policy does: one of the pipeline account, which has not
        // granted the role, and one of the target account, where only the identity policy stands.
        { hop: `${label}: ${role} cannot use another key of the pipeline account`, ...deployRole, action: "kms:Decrypt", resource: otherKeyArn, resourceAccount: pipeline.accountId, resourcePolicy: defaultKeyPolicy(partition, pipeline.accountId), context: {}, expect: "denied" },
        { hop: `${label}: ${role} cannot use a key of its own account`, ...deployRole, action: "kms:Decrypt", resource: keyOfAccount(otherKeyArn, targetAccount), resourceAccount: targetAccount, resourcePolicy: defaultKeyPolicy(partition, targetAccount), context: {}, expect: "denied" },
    );

    if (action.provider === "CodeDeploy") {
        const applicationName = action.configuration?.ApplicationName ?? "";
        const groupName = action.configuration?.DeploymentGroupName ?? "";
        const group = model.deploymentGroups.get(deploymentGroupKey(applicationName, groupName, targetAccount, region));
        const groupArn = group?.arn ?? arn.deploymentGroup(partition, region, targetAccount, applicationName, groupName);
        if (!group) {
            found.notDeclared(`${label}: the deployment group exists`, roleArn, "codedeploy:CreateDeployment", groupArn,
                `deployment group ${groupArn} is not declared by any stack: check the target stack's applicationName and deploymentGroupName`);
        }
        const inTarget = { resourceAccount: targetAccount, context: {}, expect: "allowed" as const };
        const applicationArn = arn.codeDeployApplication(partition, region, targetAccount, applicationName);
        // What the CodeDeploy action calls with the role, each on its own resource.
        add(
            { hop: `${label}: the cross-account role registers the revision with its application`, ...deployRole, action: "codedeploy:RegisterApplicationRevision", resource: applicationArn, ...inTarget },
            { hop: `${label}: the cross-account role reads the revision of its application`, ...deployRole, action: "codedeploy:GetApplicationRevision", resource: applicationArn, ...inTarget },
            { hop: `${label}: the cross-account role follows the deployment`, ...deployRole, action: "codedeploy:GetDeployment", resource: groupArn, ...inTarget },
            ...(group?.deploymentConfigName ? [{ hop: `${label}: the cross-account role reads the deployment config`, ...deployRole, action: "codedeploy:GetDeploymentConfig", resource: arn.deploymentConfig(partition, region, targetAccount, group.deploymentConfigName), ...inTarget }] : []),
            { hop: `${label}: the cross-account role creates a deployment in its deployment group`, ...deployRole, action: "codedeploy:CreateDeployment", resource: groupArn, resourceAccount: targetAccount, context: {}, expect: "allowed" },
            { hop: `${label}: the cross-account role cannot deploy to another deployment group`, ...deployRole, action: "codedeploy:CreateDeployment", resource: groupArn.replace(/deploymentgroup:.*/, "deploymentgroup:OtherApplication/OtherGroup"), resourceAccount: targetAccount, context: {}, expect: "denied" },
        );
        if (group && group.launchedInstanceRoleArns.length > 0) {
            fleetLaunchChecks(model, label, group, roleArn, targetAccount, found);
        }
    }

    // Allowed everything in its own account (its administrators may widen its policies), the instance role
    // still only reads: the isolation checks prove it (isolation.ts), once per shape of account.
    for (const instanceRoleArn of model.instanceRoleArns.get(accountRegion(targetAccount, region)) ?? []) {
        const instance = actor(model, instanceRoleArn);
        add(
            { hop: `${label}: the instance role reads artifacts`, ...instance, action: "s3:GetObject", resource: object, ...onBucket, context: tls, expect: "allowed" },
            { hop: `${label}: the instance role decrypts artifacts`, ...instance, action: "kms:Decrypt", ...onKey, context: {}, expect: "allowed" },
            { hop: `${label}: the instance role cannot write artifacts`, ...instance, action: "s3:PutObject", resource: object, ...onBucket, context: { ...tls, ...sseKms }, expect: "denied" },
        );
    }

    // Another principal of either account, with full IAM permissions there, gets nothing: one outside the
    // pipeline's role paths, and one under the paths of another pipeline of the same account, next to them.
    const administrator = (account: string) => unbounded(arn.role(partition, account, "AccountAdministrator"));
    const otherPipelinesRole = unbounded(roleOfAnotherPipeline(roleArn));
    // A role of the target account, or of an account the pipeline does not deploy to, that trusts the pipeline account.
    const trustingPipelineAccount = { kind: "trust policy" as const, policy: trustPolicy("TrustThePipelineAccount", { AWS: arn.accountRoot(partition, pipeline.accountId) }) };
    const outsideAccount = accountOutside(pipeline);
    add(
        { hop: `${label}: another admin of account ${targetAccount} cannot read artifacts`, ...administrator(targetAccount), action: "s3:GetObject", resource: object, ...onBucket, context: tls, expect: "denied" },
        { hop: `${label}: another admin of account ${targetAccount} cannot decrypt artifacts`, ...administrator(targetAccount), action: "kms:Decrypt", ...onKey, context: {}, expect: "denied" },
        { hop: `${label}: another admin of account ${targetAccount} cannot assume ${role}`, ...administrator(targetAccount), action: "sts:AssumeRole", resource: roleArn, resourceAccount: targetAccount, resourcePolicy: trust, context: {}, expect: "denied" },
        { hop: `${label}: another role of the pipeline account cannot assume ${role}`, ...administrator(pipeline.accountId), action: "sts:AssumeRole", resource: roleArn, resourceAccount: targetAccount, resourcePolicy: trust, context: {}, expect: "denied" },
        { hop: `${label}: a role of account ${targetAccount} under another pipeline's path cannot read artifacts`, ...otherPipelinesRole, action: "s3:GetObject", resource: object, ...onBucket, context: tls, expect: "denied" },
        { hop: `${label}: a role of account ${targetAccount} under another pipeline's path cannot decrypt artifacts`, ...otherPipelinesRole, action: "kms:Decrypt", ...onKey, context: {}, expect: "denied" },
        { hop: `${label}: the pipeline role cannot assume another role of account ${targetAccount} that trusts the pipeline account`, ...actor(model, pipelineRole.arn), action: "sts:AssumeRole", resource: arn.role(partition, targetAccount, "AccountAdministrator"), resourceAccount: targetAccount, resourcePolicy: trustingPipelineAccount, context: {}, expect: "denied" },
        { hop: `${label}: the pipeline role cannot assume a deploy role of an account it does not deploy to`, ...actor(model, pipelineRole.arn), action: "sts:AssumeRole", resource: roleArn.replace(/::\d{12}:/, `::${outsideAccount}:`), resourceAccount: outsideAccount, resourcePolicy: trustingPipelineAccount, context: {}, expect: "denied" },
    );
    if (model.organizationId) {
        found.add({ hop: `${label}: the cross-account role, were account ${targetAccount} outside organization ${model.organizationId}, could not read artifacts`, ...deployRole, action: "s3:GetObject", resource: object, ...onBucket, context: tls, expect: "denied" });
    }
}

/**
 * CodeDeploy launches a fleet's instances from its launch template with the account's instance role, which its
 * service role must be allowed to pass to EC2: AWSCodeDeployRole does not grant `iam:PassRole`, the program's
 * inline policy does (https://docs.aws.amazon.com/codedeploy/latest/userguide/getting-started-create-service-role.html).
 * It passes that role only, and only to EC2: the deploy role on an instance would hand the instance what the
 * pipeline may do in the account, another target's instance role what that target's instances may read, and a
 * role passed to another service would run as that service.
 */
function fleetLaunchChecks(model: AccessModel, label: string, group: DeploymentGroupFacts, deployRoleArn: string, resourceAccount: string, found: Findings): void {
    const codeDeploy = actor(model, group.serviceRoleArn);
    const passedTo = (service: string) => ({ "iam:PassedToService": service });
    for (const instanceRoleArn of group.launchedInstanceRoleArns) {
        found.add(
            { hop: `${label}: CodeDeploy's service role passes the instance role to EC2, to launch the fleet`, ...codeDeploy, action: "iam:PassRole", resource: instanceRoleArn, resourceAccount, context: passedTo("ec2.amazonaws.com"), expect: "allowed" },
            { hop: `${label}: CodeDeploy's service role cannot pass the instance role to another service`, ...codeDeploy, action: "iam:PassRole", resource: instanceRoleArn, resourceAccount, context: passedTo("lambda.amazonaws.com"), expect: "denied" },
        );
    }
    found.add({ hop: `${label}: CodeDeploy's service role cannot pass the cross-account role to EC2`, ...codeDeploy, action: "iam:PassRole", resource: deployRoleArn, resourceAccount, context: passedTo("ec2.amazonaws.com"), expect: "denied" });
    // Targets that share the account each launch with their own instance role only.
    const othersInAccount = new Set([...model.instanceRoleArns.values()].flat().filter((role) => accountOfArn(role) === resourceAccount));
    for (const otherRoleArn of [...othersInAccount].filter((role) => !group.launchedInstanceRoleArns.includes(role))) {
        found.add({ hop: `${label}: CodeDeploy's service role cannot pass ${otherRoleArn.split("/").pop()}, another target's instance role, to EC2`, ...codeDeploy, action: "iam:PassRole", resource: otherRoleArn, resourceAccount, context: passedTo("ec2.amazonaws.com"), expect: "denied" });
    }
}

/** A role next to `roleArn` under the same path of a pipeline named like this one plus "Other": it shares every prefix but the pipeline's own. */
function roleOfAnotherPipeline(roleArn: string): string {
    const [, prefix, kind] = /^(arn:[^:]+:iam::\d{12}:role\/.+)(\/[^/]+\/)[^/]+$/.exec(roleArn) ?? [];
    return prefix ? `${prefix}Other${kind}AnotherPipelinesRole` : roleArn.replace(/:role\/.*$/, ":role/another-pipeline/AnotherPipelinesRole");
}
