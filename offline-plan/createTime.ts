// What AWS checks when it creates each resource, replayed in the order `pulumi up` creates them: the
// stacks one after another in deployment order, and inside a stack each resource after what it
// depends on (its dependsOn and every resource an input comes from, transitively). Anything else of
// the same stack is taken not to exist yet: Pulumi creates resources in parallel unless a
// dependency orders them. Each rule is a small function over the declared resources, the stack order
// and the dependency graph, and cites the AWS documentation of the check it models.
import type { StageDeclaration } from "../definition/pipeline";
import { DeclaredResource, declaredPolicy } from "../evaluation/mockCloud";
import { policyFields } from "../policies/declared";
import { accountRootOf, statementsOf } from "../policy-pack/rules/policyDocuments";
import { AccessCheck, evaluateCheck } from "../verification/evaluation";
import { entryOf } from "./maps";

/** A stack's declared resources, in the order the stacks deploy. */
export interface StackResources {
    stack: string;
    resources: DeclaredResource[];
}

export interface CreateTimeCheck {
    /** The API call that checks it, e.g. `CreatePipeline/UpdatePipeline`. */
    api: string;
    stack: string;
    /** `<type> <name>` of the resource being created. */
    resource: string;
    /** What was checked, in words. */
    check: string;
    ok: boolean;
    /** For a failure: the API's error, what is missing, and what must exist first. */
    message?: string;
}

const describe = (resource: DeclaredResource) => `${resource.type} ${resource.name}`;

/** Which declared resources exist at the moment each one is created. */
export class CreationOrder {
    readonly resources: DeclaredResource[];
    private readonly stackIndex = new Map<DeclaredResource, number>();
    private readonly byUrn: Map<string, DeclaredResource>[];
    private readonly closures = new Map<DeclaredResource, Set<DeclaredResource>>();
    // Indexes, so that a plan of many targets looks each resource up in constant time.
    private readonly byType = new Map<string, DeclaredResource[]>();
    private readonly rolesByArn = new Map<string, DeclaredResource>();
    private readonly rolesByName = new Map<string | undefined, Map<string, DeclaredResource>>();
    private readonly inlinePolicies = new Map<string | undefined, Map<string, DeclaredResource[]>>();

    constructor(readonly stacks: StackResources[]) {
        this.resources = stacks.flatMap((s) => s.resources);
        this.byUrn = stacks.map(({ resources }, index) => {
            resources.forEach((resource) => this.stackIndex.set(resource, index));
            return new Map(resources.filter((r) => r.registration).map((r) => [r.registration!.urn, r]));
        });
        for (const resource of this.resources) {
            entryOf(this.byType, resource.type, () => []).push(resource);
        }
        // The first of a name or ARN, as a search in declaration order would find it.
        for (const role of this.ofType("aws:iam/role:Role")) {
            if (!this.rolesByArn.has(role.state.arn)) {
                this.rolesByArn.set(role.state.arn, role);
            }
            const ofAccount = entryOf(this.rolesByName, role.accountId, () => new Map<string, DeclaredResource>());
            if (!ofAccount.has(role.state.name)) {
                ofAccount.set(role.state.name, role);
            }
        }
        for (const policy of this.ofType("aws:iam/rolePolicy:RolePolicy")) {
            entryOf(entryOf(this.inlinePolicies, policy.accountId, () => new Map<string, DeclaredResource[]>()), policy.inputs.role, () => []).push(policy);
        }
    }

    ofType(type: string): DeclaredResource[] {
        return this.byType.get(type) ?? [];
    }

    roleByArn(roleArn: string): DeclaredResource | undefined {
        return this.rolesByArn.get(roleArn);
    }

    roleByName(accountId: string | undefined, roleName: string): DeclaredResource | undefined {
        return this.rolesByName.get(accountId)?.get(roleName);
    }

    /** A role's inline policies (RolePolicy), in the order they are declared. */
    inlinePoliciesOf(role: DeclaredResource): DeclaredResource[] {
        return this.inlinePolicies.get(role.accountId)?.get(role.state.name) ?? [];
    }

    stackOf(resource: DeclaredResource): string {
        return this.stacks[this.stackIndex.get(resource)!].stack;
    }

    /** Whether `other` exists when `resource` is created: it is in an earlier stack, or `resource` waits for it. */
    existsWhen(resource: DeclaredResource, other: DeclaredResource): boolean {
        const [mine, theirs] = [this.stackIndex.get(resource)!, this.stackIndex.get(other)!];
        return theirs < mine || (theirs === mine && this.dependencies(resource).has(other));
    }

    /** What makes `other` exist before `resource` is created. */
    mustExistFirst(resource: DeclaredResource, other: DeclaredResource): string {
        const [stack, otherStack] = [this.stackOf(resource), this.stackOf(other)];
        return stack === otherStack
            ? `make ${describe(resource)} depend on ${describe(other)} (dependsOn, or an input taken from it)`
            : `deploy stack ${otherStack}, which declares ${describe(other)}, before stack ${stack}`;
    }

    /** Everything `resource` waits for, directly or through what it waits for, within its stack. */
    private dependencies(resource: DeclaredResource): Set<DeclaredResource> {
        const known = this.closures.get(resource);
        if (known) {
            return known;
        }
        const byUrn = this.byUrn[this.stackIndex.get(resource)!];
        const found = new Set<DeclaredResource>();
        const pending = [...(resource.registration?.dependencies ?? [])];
        while (pending.length > 0) {
            const dependency = byUrn.get(pending.pop()!);
            if (dependency && !found.has(dependency)) {
                found.add(dependency);
                pending.push(...(dependency.registration?.dependencies ?? []));
            }
        }
        this.closures.set(resource, found);
        return found;
    }
}

/** Every create-time check over the stacks, in the order given (the order they deploy). */
export async function createTimeChecks(stacks: StackResources[]): Promise<CreateTimeCheck[]> {
    const order = new CreationOrder(stacks);
    return [
        ...policyPrincipalChecks(order),
        ...instanceProfileChecks(order),
        ...await deploymentGroupChecks(order),
        ...launchTemplateChecks(order),
        ...sourceBucketChecks(order),
        ...await pipelineRoleChecks(order),
    ];
}

/** A passing or failing check of `resource`; a failure's message is `api: error`. */
function result(order: CreationOrder, api: string, resource: DeclaredResource, check: string, error?: string): CreateTimeCheck {
    return { api, stack: order.stackOf(resource), resource: describe(resource), check, ok: !error, ...(error ? { message: `${api}: ${error}` } : {}) };
}

/**
 * A resource `resource` needs: undefined if it exists at that moment, else why not and what must
 * exist first. `what` names it for the message ("service role arn:...").
 */
function missing(order: CreationOrder, resource: DeclaredResource, needed: DeclaredResource | undefined, what: string): string | undefined {
    if (!needed) {
        return `${what} is not declared by any planned stack; create it first`;
    }
    return order.existsWhen(resource, needed) ? undefined : `${what} does not exist yet: ${order.mustExistFirst(resource, needed)}`;
}

/** The IAM evaluator's verdict on a service or role assuming `role`; undefined if allowed, else why not. */
async function refusedAssumeRole(principal: string, identityPolicies: DeclaredResource[], role: DeclaredResource, context: Record<string, string>): Promise<string | undefined> {
    const check: AccessCheck = {
        hop: `${principal} assumes ${role.state.arn}`,
        principal,
        action: "sts:AssumeRole",
        resource: role.state.arn,
        resourceAccount: role.accountId ?? "",
        context,
        expect: "allowed",
        identityPolicies: identityPolicies.map((policy) => ({ name: policy.name, policy: declaredPolicy(policy, "policy")! })),
        resourcePolicy: { kind: "trust policy", policy: declaredPolicy(role, "assumeRolePolicy")! },
    };
    const finding = await evaluateCheck(check);
    return finding.ok ? undefined : finding.message;
}

/** The API that creates each kind of resource policy, and the error it returns for a principal that does not exist. */
const principalErrors: Record<string, [api: string, error: string]> = {
    "aws:iam/role:Role": ["CreateRole", "MalformedPolicyDocument (Invalid principal in policy)"],
    "aws:kms/key:Key": ["CreateKey", "MalformedPolicyDocumentException (Policy contains a statement with one or more invalid principals)"],
    "aws:kms/keyPolicy:KeyPolicy": ["PutKeyPolicy", "MalformedPolicyDocumentException (Policy contains a statement with one or more invalid principals)"],
    "aws:s3/bucketPolicy:BucketPolicy": ["PutBucketPolicy", "MalformedPolicy (Invalid principal in policy)"],
};

/**
 * Trust, key and bucket policies name only principals that exist when the policy is written:
 * IAM and S3 reject a role or user that does not exist ("AWS JSON policy elements: Principal",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html), and
 * "the principals in the key policy must exist and be visible to KMS" (CreateKey,
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html; PutKeyPolicy,
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html). Account roots and
 * service principals always exist.
 */
export function policyPrincipalChecks(order: CreationOrder): CreateTimeCheck[] {
    return order.resources.filter((r) => principalErrors[r.type]).flatMap((resource) => (policyFields[resource.type] ?? [])
        .filter(({ kind }) => kind !== "identity")
        .flatMap(({ field }) => {
            const statements = statementsOf(resource.inputs[field]) ?? [];
            const named = [...new Set(statements.flatMap((s) => s.principals)
                .filter((p) => p.type === "AWS" && p.value !== "*" && !accountRootOf(p)).map((p) => p.value))];
            const problems = named.flatMap((principal) => {
                const problem = missing(order, resource, order.roleByArn(principal), `principal ${principal}`);
                return problem ? [problem] : [];
            });
            const [api, error] = principalErrors[resource.type];
            return [result(order, api, resource, `its ${field} names only principals that exist when it is written`, prefixed(error, problems.join("; ") || undefined))];
        }));
}

/**
 * An instance profile's role exists when the role is added to it (AddRoleToInstanceProfile:
 * NoSuchEntity, https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html).
 */
export function instanceProfileChecks(order: CreationOrder): CreateTimeCheck[] {
    const api = "AddRoleToInstanceProfile";
    return order.ofType("aws:iam/instanceProfile:InstanceProfile").filter((p) => p.inputs.role).map((profile) => result(order, api, profile,
        `its role ${profile.inputs.role} exists`,
        prefixed("NoSuchEntity", missing(order, profile, order.roleByName(profile.accountId, profile.inputs.role), `role ${profile.inputs.role}`))));
}

/**
 * A deployment group's service role exists and CodeDeploy may assume it, with the source it sends
 * for a deployment group (CreateDeploymentGroup: InvalidRoleException,
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html; the
 * keys CodeDeploy sends: https://docs.aws.amazon.com/codedeploy/latest/userguide/security_confused_deputy.html).
 */
export async function deploymentGroupChecks(order: CreationOrder): Promise<CreateTimeCheck[]> {
    const api = "CreateDeploymentGroup";
    return Promise.all(order.ofType("aws:codedeploy/deploymentGroup:DeploymentGroup").map(async (group) => {
        const role = order.roleByArn(group.inputs.serviceRoleArn);
        const absent = missing(order, group, role, `service role ${group.inputs.serviceRoleArn}`);
        const refused = !absent && role
            ? await refusedAssumeRole("codedeploy.amazonaws.com", [], role, { "aws:SourceAccount": group.accountId ?? "", "aws:SourceArn": group.state.arn })
            : undefined;
        return result(order, api, group, `its service role exists and CodeDeploy may assume it`, prefixed("InvalidRoleException", absent ?? refused));
    }));
}

/**
 * The instance profile a launch template hands to instances exists when the Auto Scaling group
 * launches them: EC2 refuses a launch naming an instance profile that does not exist ("Invalid IAM
 * Instance Profile name", https://docs.aws.amazon.com/autoscaling/ec2/userguide/ts-as-instancelaunchfailure.html).
 */
export function launchTemplateChecks(order: CreationOrder): CreateTimeCheck[] {
    const api = "CreateAutoScalingGroup";
    return order.ofType("aws:autoscaling/group:Group").flatMap((group) => {
        const template = order.ofType("aws:ec2/launchTemplate:LaunchTemplate").find((t) => t.id === group.inputs.launchTemplate?.id);
        const profileName: string | undefined = template?.inputs.iamInstanceProfile?.name;
        if (!template || !profileName) {
            return [];
        }
        const profile = order.ofType("aws:iam/instanceProfile:InstanceProfile").find((p) => p.accountId === group.accountId && p.state.name === profileName);
        return [result(order, api, group, `the instance profile ${profileName} of its launch template exists`,
            prefixed("the instances it launches fail with InvalidParameterValue (Invalid IAM Instance Profile name)",
                missing(order, group, profile, `instance profile ${profileName}`) ?? missing(order, group, template, `launch template ${template.name}`)))];
    });
}

/**
 * An S3 source bucket exists and is versioned before a pipeline uses it: "When you create your source
 * bucket, make sure you enable versioning on the bucket", and the bucket must exist before the
 * pipeline is connected to it (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-S3.html).
 */
export function sourceBucketChecks(order: CreationOrder): CreateTimeCheck[] {
    const api = "CreatePipeline/UpdatePipeline";
    return order.ofType("aws:codepipeline/pipeline:Pipeline").flatMap((pipeline) => actionsOf(pipeline)
        .filter(({ action }) => action.category === "Source" && action.provider === "S3")
        .map(({ stage, action }) => {
            const bucketName = action.configuration?.S3Bucket ?? "";
            const bucket = order.ofType("aws:s3/bucket:Bucket").find((b) => b.inputs.bucket === bucketName);
            const versioning = order.ofType("aws:s3/bucketVersioning:BucketVersioning")
                .find((v) => v.inputs.bucket === bucketName && v.inputs.versioningConfiguration?.status === "Enabled");
            return result(order, api, pipeline, `the S3 source bucket ${bucketName} of ${stage}/${action.name} exists and is versioned`,
                prefixed("InvalidStructureException", missing(order, pipeline, bucket, `source bucket ${bucketName}`)
                    ?? missing(order, pipeline, versioning, `the versioning of source bucket ${bucketName}`)));
        }));
}

/**
 * CreatePipeline and UpdatePipeline assume the pipeline's service role, and each action role with the
 * service role's credentials, when they are called: a role that does not exist yet, or that the
 * caller may not assume with the policies of that moment, fails the call with InvalidStructureException
 * (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_CreatePipeline.html). The service
 * role must exist before the pipeline
 * (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-service-role.html); in the
 * cross-account walkthrough, account B's roles are created before the pipeline names them
 * (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-cross-account.html).
 * CodePipeline documents no `aws:SourceArn` or `aws:SourceAccount` for these calls, so none is sent here.
 */
export async function pipelineRoleChecks(order: CreationOrder): Promise<CreateTimeCheck[]> {
    const api = "CreatePipeline/UpdatePipeline";
    const checks = order.ofType("aws:codepipeline/pipeline:Pipeline").map(async (pipeline): Promise<CreateTimeCheck[]> => {
        const serviceRole = order.roleByArn(pipeline.inputs.roleArn);
        const serviceRoleAbsent = missing(order, pipeline, serviceRole, `service role ${pipeline.inputs.roleArn}`);
        const serviceRoleRefused = !serviceRoleAbsent && serviceRole ? await refusedAssumeRole("codepipeline.amazonaws.com", [], serviceRole, {}) : undefined;
        const serviceRoleCheck = result(order, api, pipeline, `its service role ${pipeline.inputs.roleArn} exists and CodePipeline may assume it`,
            prefixed("InvalidStructureException", serviceRoleAbsent ?? serviceRoleRefused));
        if (!serviceRole || serviceRoleAbsent) {
            return [serviceRoleCheck];
        }
        const servicePolicies = order.inlinePoliciesOf(serviceRole);
        const servicePoliciesNow = servicePolicies.filter((policy) => order.existsWhen(pipeline, policy));
        const actionChecks = actionsOf(pipeline).filter(({ action }) => action.roleArn).map(async ({ stage, action }) => {
            const roleArn = action.roleArn!;
            const role = order.roleByArn(roleArn);
            const problem = missing(order, pipeline, role, `action role ${roleArn} of ${stage}/${action.name}`)
                ?? order.inlinePoliciesOf(role!).map((policy) => missing(order, pipeline, policy, `the policy ${policy.name} of action role ${roleArn}`)).find(Boolean)
                ?? await refusedAssumeRoleNow(pipeline, serviceRole, servicePolicies, servicePoliciesNow, role!, order);
            return result(order, api, pipeline, `action role ${roleArn} of ${stage}/${action.name} exists with its policy, and the service role may assume it`,
                prefixed("InvalidStructureException", problem));
        });
        return [serviceRoleCheck, ...await Promise.all(actionChecks)];
    });
    return (await Promise.all(checks)).flat();
}

/** Why the service role, with the policies it has when the pipeline is created, may not assume `role`; and which of its policies is still to come. */
async function refusedAssumeRoleNow(pipeline: DeclaredResource, serviceRole: DeclaredResource, all: DeclaredResource[], now: DeclaredResource[], role: DeclaredResource, order: CreationOrder): Promise<string | undefined> {
    const refused = await refusedAssumeRole(serviceRole.state.arn, now, role, {});
    if (!refused) {
        return undefined;
    }
    const toCome = all.filter((policy) => !now.includes(policy)).map((policy) => `the service role's policy ${policy.name} does not exist yet: ${order.mustExistFirst(pipeline, policy)}`);
    return [refused, ...toCome].join("; ");
}

function prefixed(error: string, problem: string | undefined): string | undefined {
    return problem && `${error}: ${problem}`;
}

function actionsOf(pipeline: DeclaredResource): { stage: string; action: StageDeclaration["actions"][number] }[] {
    return ((pipeline.inputs.stages ?? []) as StageDeclaration[]).flatMap((stage) => stage.actions.map((action) => ({ stage: stage.name, action })));
}
