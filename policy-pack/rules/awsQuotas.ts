// AWS's quotas on what a stack declares, measured as AWS counts them (definition/quotas.ts): each policy
// against its size quota, each pipeline against CodePipeline's stage and action quotas and each name
// against its AWS naming rule (one resource at a time), and a role's inline policies together. What is not known yet (a preview's
// computed values) is not measured.
import {
    describeMeasurement, Measurement, NamingRule, namingProblem, namingRules, pipelineMeasurements, policySize, QuotaName, withinQuota,
} from "../../definition/quotas";
import { policyFields } from "../../policies/declared";
import { pipelinesIn, stagesOf } from "./pipelines";
import { containsUnknown, knownString, ResourceRef, resourcesOfType, Rule, RuleResource, valueAt } from "./rule";

export interface ResourceMeasurement extends Measurement {
    resource: ResourceRef;
}

/**
 * The size quota of the policy document each type declares. An inline role policy has none of its own: a
 * role's inline policies count together (below); user and group policies are not this program's.
 */
const quotaOfType: Partial<Record<string, QuotaName>> = {
    "aws:iam/role:Role": "trustPolicy", "aws:iam/policy:Policy": "managedPolicy",
    "aws:kms/key:Key": "keyPolicy", "aws:kms/keyPolicy:KeyPolicy": "keyPolicy", "aws:s3/bucketPolicy:BucketPolicy": "bucketPolicy",
};

const ref = (resource: RuleResource): ResourceRef => ({ type: resource.type, name: resource.name });

/** A policy document as AWS receives it (JSON text), or undefined while it is not known. */
function documentText(document: unknown): string | undefined {
    if (document === undefined || containsUnknown(document)) {
        return undefined;
    }
    return typeof document === "string" ? document : JSON.stringify(document);
}

/** Every policy size and every pipeline count the resources declare, known now, each against its quota. */
export function quotaMeasurements(resources: RuleResource[]): ResourceMeasurement[] {
    return [...ownMeasurements(resources), ...inlinePolicyMeasurements(resources)];
}

/** What each resource measures by itself: its own policy documents, and a pipeline's stages and actions. */
function ownMeasurements(resources: RuleResource[]): ResourceMeasurement[] {
    const measured: ResourceMeasurement[] = [];
    for (const resource of resources) {
        for (const { field } of policyFields[resource.type] ?? []) {
            const quota = quotaOfType[resource.type];
            const text = documentText(resource.props[field]);
            if (quota && text !== undefined) {
                measured.push({ resource: ref(resource), quota, subject: `the ${field} of ${resource.type} ${resource.name}`, figure: policySize(quota, text) });
            }
        }
    }
    for (const pipeline of pipelinesIn(resources)) {
        const stages = stagesOf(pipeline);
        const name = knownString(pipeline.props.name) ?? pipeline.name;
        measured.push(...(stages ? pipelineMeasurements(stages) : []).map((m) => ({
            ...m, resource: ref(pipeline), subject: m.subject === "the pipeline" ? `pipeline ${name}` : `${m.subject} of pipeline ${name}`,
        })));
    }
    return measured;
}

/**
 * A role's inline policies count together against one quota: its RolePolicy resources (by the role name
 * they attach to, in the role's account) and the role's own `inlinePolicies`.
 */
function inlinePolicyMeasurements(resources: RuleResource[]): ResourceMeasurement[] {
    const byRole = new Map<string, { resource: RuleResource; roleName: string; figure: number; documents: number; complete: boolean }>();
    const entry = (accountId: string | undefined, roleName: string, resource: RuleResource) => {
        const key = `${accountId ?? ""}/${roleName.toLowerCase()}`;
        const found = byRole.get(key) ?? { resource, roleName, figure: 0, documents: 0, complete: true };
        byRole.set(key, found);
        return found;
    };
    const add = (into: ReturnType<typeof entry>, text: string | undefined) => {
        into.figure += text === undefined ? 0 : policySize("roleInlinePolicies", text);
        into.documents += 1;
        into.complete &&= text !== undefined;
    };
    // The role first, so that the total is reported against the role itself.
    for (const role of resourcesOfType(resources, "aws:iam/role:Role")) {
        const roleName = knownString(role.props.name);
        if (roleName) {
            const total = entry(role.accountId, roleName, role);
            const inline = role.props.inlinePolicies;
            for (const policy of Array.isArray(inline) ? inline : []) {
                add(total, documentText(valueAt(policy, "policy")));
            }
        }
    }
    for (const policy of resourcesOfType(resources, "aws:iam/rolePolicy:RolePolicy")) {
        const roleName = knownString(policy.props.role);
        if (roleName) {
            add(entry(policy.accountId, roleName, policy), documentText(policy.props.policy));
        }
    }
    // A total with a document not known yet is not the total: it is left out, not reported short.
    return [...byRole.values()].filter((total) => total.documents > 0 && total.complete).map((total) => ({
        resource: ref(total.resource), quota: "roleInlinePolicies" as const, subject: `the total of role ${total.roleName}'s inline policies`, figure: total.figure,
    }));
}

/** A declared name and the naming rule it must keep. */
export interface NameCheck {
    resource: ResourceRef;
    /** What the name is, e.g. `role path`. */
    what: string;
    name: string;
    rule: NamingRule;
}

/** The names of these resource types, by property, with their rules; each pipeline's stage and action names besides. */
const namedProperties: Record<string, { property: string; what: string; rule: NamingRule }[]> = {
    "aws:iam/role:Role": [{ property: "name", what: "role name", rule: namingRules.iamRole }, { property: "path", what: "role path", rule: namingRules.iamPath }],
    "aws:iam/instanceProfile:InstanceProfile": [{ property: "name", what: "instance profile name", rule: namingRules.instanceProfile }],
    "aws:s3/bucket:Bucket": [{ property: "bucket", what: "bucket name", rule: namingRules.s3Bucket }],
    "aws:kms/alias:Alias": [{ property: "name", what: "KMS alias", rule: namingRules.kmsAlias }],
    "aws:codebuild/project:Project": [{ property: "name", what: "CodeBuild project name", rule: namingRules.codeBuildProject }],
    "aws:cloudwatch/eventRule:EventRule": [{ property: "name", what: "EventBridge rule name", rule: namingRules.eventRule }],
    "aws:cloudwatch/logGroup:LogGroup": [{ property: "name", what: "log group name", rule: namingRules.logGroup }],
    "aws:codepipeline/pipeline:Pipeline": [{ property: "name", what: "pipeline name", rule: namingRules.pipeline }],
};

/** Every declared name known now, with its rule. */
export function nameChecks(resources: RuleResource[]): NameCheck[] {
    return resources.flatMap((resource) => [
        ...(namedProperties[resource.type] ?? []).flatMap(({ property, what, rule }) => {
            const name = knownString(resource.props[property]);
            return name === undefined ? [] : [{ resource: ref(resource), what, name, rule }];
        }),
        ...(resource.type === "aws:codepipeline/pipeline:Pipeline" ? (stagesOf(resource) ?? []).flatMap((stage) => [
            { resource: ref(resource), what: "stage name", name: stage.name, rule: namingRules.stage },
            ...stage.actions.map((action) => ({ resource: ref(resource), what: `action name in stage ${stage.name}`, name: action.name, rule: namingRules.action })),
        ]) : []),
    ]);
}

/** A name that breaks its rule, as a violation's message; undefined when it keeps it. */
export function nameProblem(check: NameCheck): string | undefined {
    const problem = namingProblem(check.rule, check.name);
    return problem && `${check.what} "${check.name}" is ${problem.tooLong ? `${check.name.length} characters` : "not valid"}: AWS allows ${check.rule.text}; expected a name ${problem.expected}`;
}

const rejected = (measurements: ResourceMeasurement[]) =>
    measurements.filter((m) => !withinQuota(m)).map((m) => ({ resource: m.resource, message: `${describeMeasurement(m)}, so AWS would reject it` }));

/** What one resource declares against AWS's quotas: checked before the engine creates or updates it. */
export const awsQuotasRule: Rule = {
    name: "aws-quotas",
    description: "Every policy fits its AWS size quota (bucket policy 20 KB, key policy 32 KB, managed policy 6,144, trust policy 2,048), " +
        "every pipeline CodePipeline's (50 stages, 50 actions per stage, 500 actions), and every name its AWS naming rule.",
    enforcement: "mandatory",
    scope: "resource",
    check: (resources) => [
        ...rejected(ownMeasurements(resources)),
        ...nameChecks(resources).flatMap((check) => {
            const problem = nameProblem(check);
            return problem ? [{ resource: check.resource, message: problem }] : [];
        }),
    ],
};

/** A role's inline policies count together, over several resources (the role and its RolePolicy resources). */
export const roleInlinePoliciesQuotaRule: Rule = {
    name: "role-inline-policies-quota",
    description: "A role's inline policies (its RolePolicy resources and its own inlinePolicies) fit IAM's 10,240 characters together.",
    enforcement: "mandatory",
    scope: "stack",
    check: (resources) => rejected(inlinePolicyMeasurements(resources)),
};
