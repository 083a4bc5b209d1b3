// Proves that the accounts inside stay apart, as the access chain proves that outsiders stay out: no role of
// one target account, nor any role its administrator could create under this pipeline's paths there with
// every permission of that account, can change the artifacts other targets deploy, encrypt with an artifact
// key, assume another target's roles, or start or change the pipeline; and no role of the pipeline reads
// or writes a bucket of an artifact or source bucket's name that another account owns. The one allowed
// crossing, a target whose extra action produces artifacts, is checked too and reported as an exception.
//
// At scale, not every account is evaluated: accounts of the same shape are decided alike, so one account
// stands for each shape. Two accounts have the same shape when, with their account id written as a
// placeholder, they have the same roles of each kind (path and every statement that can allow an action
// these checks ask about), are named by the same statements of the policies of every other account (the
// stores' bucket and key policies, the source bucket's, other targets' trust policies, the pipeline
// role's), and produce artifacts in the same regions: the evaluator then sees the same requests against
// the same policies, but for the account id. Each shape's representative is checked against every store
// of the pipeline, and against one role of every shape of trust in another account.
import { accountOfArn, arn, partitionOf, rolePaths, TargetRoleKind } from "../definition/names";
import type { PolicyDocument } from "../policies/document";
import { coversAction, Statement, statementsOf } from "../policy-pack/rules/policyDocuments";
import type { AccessCheck } from "./evaluation";
import { entryOf } from "../offline-plan/maps";
import { AccessModel, accountRegion, crossAccountActions, PipelineFacts } from "./model";
import { accountOutside, actor, StoreAccess, storeAccess, tls, unbounded } from "./requests";

/** Accounts of one shape, and the one that stands for them. */
export interface AccountShape {
    pipeline: string;
    representative: string;
    accounts: string[];
}

export interface IsolationChecks {
    checks: AccessCheck[];
    shapes: AccountShape[];
}

// What the checks ask of a store: every change to what a deployment would fetch, and every use of the key that encrypts.
const artifactChanges = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ReplicateObject", "s3:RestoreObject"];
const keyEncryption = ["kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:Encrypt", "kms:ReEncryptTo", "kms:CreateGrant"];
const pipelineControl = ["codepipeline:StartPipelineExecution", "codepipeline:UpdatePipeline"];
/** Every action a check here asks about: a statement that can allow none of them does not make two accounts differ. */
const askedActions = [...artifactChanges, ...keyEncryption, ...pipelineControl, "codepipeline:PutApprovalResult", "s3:GetObject", "sts:AssumeRole"];

/** One of this pipeline's roles in a target account. */
interface TargetRole {
    arn: string;
    kind: TargetRoleKind;
    region: string;
}

/** A target account as the checks see it: its roles under this pipeline's paths, and where it produces artifacts. */
interface TargetAccountFacts {
    accountId: string;
    /** `<stage>/<action>` of its first action, to name it by. */
    label: string;
    roles: TargetRole[];
    producesIn: Set<string>;
    /** `<stage>/<action>` of each of its actions that produce artifacts. */
    producers: string[];
}

/** The isolation checks of every pipeline among the declared resources (pure), and the shapes of account they cover. */
export function isolationChecks(model: AccessModel): IsolationChecks {
    const checks: AccessCheck[] = [];
    const shapes: AccountShape[] = [];
    for (const pipeline of model.pipelines) {
        if (!model.roles.has(pipeline.roleArn)) {
            continue; // the access chain reports the pipeline role missing
        }
        const accounts = targetAccountsOf(model, pipeline);
        const stores = pipeline.artifactStores.flatMap((s) => storeAccess(model, pipeline, s.region ?? pipeline.region) ?? []);
        const naming = statementsNaming(model);
        const byShape = new Map<string, TargetAccountFacts[]>();
        for (const account of accounts.values()) {
            const key = shapeOf(model, account, naming);
            entryOf(byShape, key, () => []).push(account);
        }
        const victims = trustShapes(model, accounts);
        for (const members of byShape.values()) {
            const [representative] = members;
            shapes.push({ pipeline: pipeline.name, representative: representative.accountId, accounts: members.map((m) => m.accountId) });
            checks.push(...accountChecks(model, pipeline, representative, stores, victims));
        }
        checks.push(...squattingChecks(model, pipeline, [...byShape.values()].map(([representative]) => representative), stores));
    }
    return { checks, shapes };
}

/** The target accounts of a pipeline: the roles its actions run as there, and the instance roles of the regions they deploy in. */
function targetAccountsOf(model: AccessModel, pipeline: PipelineFacts): Map<string, TargetAccountFacts> {
    const accounts = new Map<string, TargetAccountFacts>();
    for (const { stage, action } of crossAccountActions(pipeline)) {
        const accountId = accountOfArn(action.roleArn!)!;
        const region = action.region ?? pipeline.region;
        const account = accounts.get(accountId) ?? { accountId, label: `${stage}/${action.name}`, roles: [], producesIn: new Set<string>(), producers: [] };
        accounts.set(accountId, account);
        const produces = (action.outputArtifacts ?? []).length > 0;
        if (produces) {
            account.producesIn.add(region);
            account.producers.push(`${stage}/${action.name}`);
        }
        const roles: TargetRole[] = [
            { arn: action.roleArn!, kind: produces ? "producer" : "deploy", region },
            ...(model.instanceRoleArns.get(accountRegion(accountId, region)) ?? []).map((roleArn): TargetRole => ({ arn: roleArn, kind: "instance", region })),
        ];
        for (const role of roles) {
            if (model.roles.has(role.arn) && !account.roles.some((r) => r.arn === role.arn && r.region === role.region)) {
                account.roles.push(role);
            }
        }
    }
    return accounts;
}

/** A declared policy statement, by where it is, and the account whose policy it is. */
interface NamingStatement {
    owner: string;
    label: string;
}

/**
 * Every statement of every declared policy (trust and identity policies of roles, bucket and key policies), indexed
 * by each account id its text names: what another account's policies say of an account, whatever form they name it
 * in (a root, a role ARN, a condition).
 */
function statementsNaming(model: AccessModel): Map<string, NamingStatement[]> {
    const documents = [
        ...[...model.roles.values()].flatMap((role) => [
            { owner: role.accountId, label: `trust policy of ${role.arn}`, policy: role.trustPolicy },
            ...role.identityPolicies.map(({ name, policy }) => ({ owner: role.accountId, label: `identity policy ${name}`, policy })),
        ]),
        ...[...model.buckets.values()].map((bucket) => ({ owner: bucket.accountId, label: `bucket policy of ${bucket.name}`, policy: bucket.policy })),
        ...[...model.keys.values()].map((key) => ({ owner: key.accountId, label: `key policy of ${key.arn}`, policy: key.policy })),
    ];
    const naming = new Map<string, NamingStatement[]>();
    for (const { owner, label, policy } of documents) {
        for (const statement of statementsOf(policy) ?? []) {
            for (const accountId of new Set(JSON.stringify(statement).match(/\d{12}/g) ?? [])) {
                entryOf(naming, accountId, () => []).push({ owner, label: `${label}, ${statement.label}` });
            }
        }
    }
    return naming;
}

/** What decides every check of an account but its id (see the head of this file), as one string. */
function shapeOf(model: AccessModel, account: TargetAccountFacts, naming: Map<string, NamingStatement[]>): string {
    const placeholder = (text: string) => text.split(account.accountId).join("<account>");
    const roles = account.roles.map((role) => placeholder(JSON.stringify({
        kind: role.kind,
        region: role.region,
        path: role.arn.replace(/[^/]*$/, ""),
        statements: model.roles.get(role.arn)!.identityPolicies.flatMap(({ policy }) => relevantStatements(policy)),
    }))).sort();
    // Its own policies are in `roles`, as far as they matter, and name it throughout (its deployment group's ARN, say).
    const namedBy = (naming.get(account.accountId) ?? []).filter((statement) => statement.owner !== account.accountId).map((statement) => statement.label);
    return JSON.stringify({ roles, namedBy: [...new Set(namedBy)].sort(), producesIn: [...account.producesIn].sort() });
}

/** The statements of a policy that can allow or deny an action these checks ask about. */
function relevantStatements(policy: PolicyDocument): Statement[] {
    return (statementsOf(policy) ?? []).filter((statement) => statement.notActions.length > 0 || askedActions.some((action) => coversAction(statement, action)));
}

/** The action roles (deploy and producer) of the target accounts, one list per shape of trust: kind and trust policy with the account as a placeholder. */
function trustShapes(model: AccessModel, accounts: Map<string, TargetAccountFacts>): TargetRole[][] {
    const shapes = new Map<string, TargetRole[]>();
    for (const account of accounts.values()) {
        for (const role of account.roles.filter((r) => r.kind !== "instance")) {
            const key = `${role.kind} ${JSON.stringify(model.roles.get(role.arn)!.trustPolicy ?? null).split(account.accountId).join("<account>")}`;
            entryOf(shapes, key, () => []).push(role);
        }
    }
    return [...shapes.values()];
}

/** The principals of an account that the checks make requests as: its roles, and a role its administrator creates under each of this pipeline's paths. */
function principalsOf(model: AccessModel, pipeline: PipelineFacts, account: TargetAccountFacts) {
    const partition = partitionOf(pipeline.region);
    const paths = rolePaths(pipeline.accountId, pipeline.name);
    const kindName = { deploy: "cross-account role", instance: "instance role", producer: "producer role" };
    return [
        ...account.roles.map((role) => ({ label: `its ${kindName[role.kind]}`, kind: role.kind, created: false, ...actor(model, role.arn) })),
        ...(["deploy", "instance", "producer"] as const).map((kind) => ({
            label: `a role its administrator creates under the ${kind} path with every permission`,
            kind,
            created: true,
            ...unbounded(arn.role(partition, account.accountId, "RoleItsAdministratorCreated", paths[kind])),
        })),
    ];
}

/** Every check of one account that stands for its shape: against every store, every other shape of trust, and the pipeline. */
function accountChecks(model: AccessModel, pipeline: PipelineFacts, account: TargetAccountFacts, stores: StoreAccess[], victims: TargetRole[][]): AccessCheck[] {
    const checks: AccessCheck[] = [];
    const who = `account ${account.accountId} (${account.label})`;
    const member: Record<string, string> = model.organizationId ? { "aws:PrincipalOrgID": model.organizationId } : {};
    for (const principal of principalsOf(model, pipeline, account)) {
        const as = { principal: principal.principal, identityPolicies: principal.identityPolicies };
        const hop = (what: string) => `${who}: ${principal.label} ${what}`;
        for (const store of stores) {
            // A producer writes the store of the region it produces in: the exception, listed as such, through the
            // most it can be (a role its administrators make with everything); the chain proves the producer role's own writes.
            if (principal.kind === "producer" && account.producesIn.has(store.region)) {
                if (principal.created) {
                    checks.push({
                        hop: hop(`writes the artifacts of ${store.region}, which every target there deploys`), ...as, action: "s3:PutObject", resource: store.object,
                        ...store.onBucket, context: { ...member, ...tls, ...store.sseKms }, expect: "allowed",
                        exception: `${account.producers.join(", ")} ${account.producers.length === 1 ? "produces" : "produce"} artifacts in account ${account.accountId}: ` +
                            `its producer role, and any role its administrators create under the producer path, can change what every target of ${store.region} ` +
                            `deploys from ${store.bucket.name}`,
                    });
                }
                continue;
            }
            for (const action of artifactChanges) {
                checks.push({ hop: hop(`cannot change the artifacts of ${store.region} (${action})`), ...as, action, resource: store.object, ...store.onBucket, context: { ...member, ...tls, ...store.sseKms }, expect: "denied" });
            }
            for (const action of keyEncryption) {
                checks.push({ hop: hop(`cannot encrypt with the artifact key of ${store.region} (${action})`), ...as, action, ...store.onKey, context: member, expect: "denied" });
            }
        }
        for (const shape of victims) {
            const victim = shape.find((role) => accountOfArn(role.arn) !== account.accountId);
            if (victim) {
                const victimAccount = accountOfArn(victim.arn)!;
                const trust = model.roles.get(victim.arn)!.trustPolicy;
                checks.push({
                    hop: hop(`cannot assume the ${victim.kind === "producer" ? "producer" : "cross-account"} role of another target account (${victimAccount})`),
                    ...as, action: "sts:AssumeRole", resource: victim.arn, resourceAccount: victimAccount,
                    resourcePolicy: trust && { kind: "trust policy", policy: trust }, context: member, expect: "denied",
                });
            }
        }
        checks.push(...pipelineControlChecks(model, pipeline, as, hop, member));
    }
    return checks;
}

/** Starting, changing or approving the pipeline, and uploading its source: CodePipeline has no resource policy, so no other account may. */
function pipelineControlChecks(
    model: AccessModel, pipeline: PipelineFacts, as: Pick<AccessCheck, "principal" | "identityPolicies">, hop: (what: string) => string, context: Record<string, string>,
): AccessCheck[] {
    const onPipeline = { resourceAccount: pipeline.accountId, context, expect: "denied" as const };
    const approval = pipeline.stages.flatMap((stage) => stage.actions.filter((a) => a.category === "Approval").map((a) => `${pipeline.arn}/${stage.name}/${a.name}`))[0];
    const source = sourceBucketOf(model, pipeline);
    return [
        ...pipelineControl.map((action): AccessCheck => ({ hop: hop(`cannot start or change the pipeline (${action})`), ...as, action, resource: pipeline.arn, ...onPipeline })),
        ...(approval ? [{ hop: hop("cannot approve a stage of the pipeline"), ...as, action: "codepipeline:PutApprovalResult", resource: approval, ...onPipeline }] : []),
        ...(source ? [{
            hop: hop("cannot upload a source bundle"), ...as, action: "s3:PutObject", resource: source.object,
            resourceAccount: source.bucket.accountId, resourcePolicy: source.bucket.policy && { kind: "bucket policy" as const, policy: source.bucket.policy },
            context: { ...context, ...tls, "s3:x-amz-server-side-encryption": "aws:kms" }, expect: "denied" as const,
        }] : []),
    ];
}

/** The S3 source bucket of a pipeline and its source object, when it has one declared. */
function sourceBucketOf(model: AccessModel, pipeline: PipelineFacts) {
    const source = pipeline.stages.flatMap((stage) => stage.actions).find((a) => a.category === "Source" && a.provider === "S3");
    const bucket = source && model.buckets.get(source.configuration?.S3Bucket ?? "");
    return bucket && { bucket, object: `${bucket.arn}/${source!.configuration?.S3ObjectKey ?? "source.zip"}` };
}

/**
 * A bucket of the same name as one of the pipeline's, owned by another account that lets everyone do everything
 * with it: no role of the pipeline may read from it or write to it, whatever that account's bucket policy says.
 */
function squattingChecks(model: AccessModel, pipeline: PipelineFacts, representatives: TargetAccountFacts[], stores: StoreAccess[]): AccessCheck[] {
    const squatter = accountOutside(pipeline);
    const buckets = [...stores.map((store) => store.bucket), ...[sourceBucketOf(model, pipeline)?.bucket ?? []].flat()];
    const pipelineAccountRoles = [pipeline.roleArn, ...[...model.buildProjects.values()].filter((p) => accountOfArn(p.arn) === pipeline.accountId).map((p) => p.serviceRoleArn)];
    const roles = [...new Set([...pipelineAccountRoles, ...representatives.flatMap((account) => account.roles.map((role) => role.arn))])].filter((r) => model.roles.has(r));
    return roles.flatMap((roleArn) => buckets.flatMap((bucket) => {
        const squatted = arn.bucket(partitionOf(pipeline.region), bucket.name);
        const openToEveryone: PolicyDocument = {
            Version: "2012-10-17",
            Statement: [{ Sid: "EveryoneMayDoAnything", Effect: "Allow", Principal: "*", Action: "s3:*", Resource: [squatted, `${squatted}/*`] }],
        };
        const request = {
            ...actor(model, roleArn), resource: `${squatted}/${pipeline.name}/BuildOutput/artifact.zip`, resourceAccount: squatter,
            resourcePolicy: { kind: "bucket policy" as const, policy: openToEveryone }, expect: "denied" as const,
        };
        const who = `role ${roleArn.replace(/^arn:[\w-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/, "$2 of account $1")}`;
        return [
            { hop: `${who} cannot read from a bucket named ${bucket.name} in another account (${squatter})`, ...request, action: "s3:GetObject", context: tls },
            { hop: `${who} cannot write to a bucket named ${bucket.name} in another account (${squatter})`, ...request, action: "s3:PutObject", context: { ...tls, "s3:x-amz-server-side-encryption": "aws:kms" } },
        ];
    }));
}
