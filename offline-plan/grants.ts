// Who may do what, read from every policy the plan writes: one grant per principal, action and
// resource of each statement, in a normalised form that two plans can be compared by. Derived from
// the plan folder's own files (resources.json, policies/), so that a folder written earlier, by an
// older version of the plan, yields its grants through the same code as the plan being made.
import { accountOfArn, arn, partitionOf } from "../definition/names";
import { PolicyKind, policyFields } from "../policies/declared";
import { accountRootOf, Condition, Principal, Statement, statementsOf } from "../policy-pack/rules/policyDocuments";
import type { ResourceSummary } from "./describe";
import { accountFileOf, resourcesFile } from "./planFiles";

/** The plan folder's files by relative path (with `/`): parsed JSON for `.json` files, text for the others. */
export type PlanContents = Map<string, unknown>;

/** A policy file's kind, or an attached managed policy (whose text the plan does not hold). */
export type GrantKind = PolicyKind | "managed";

/** The kinds of policy the plan writes a file for, as the declared resources carry them. */
const policyKinds = new Set<string>(Object.values(policyFields).flat().map(({ kind }) => kind));

export interface Grant {
    /** The account whose policy grants it. */
    account: string;
    kind: GrantKind;
    /** The policy: its file in the plan folder, or for a managed policy the attachment resource. */
    policy: string;
    /** The statement's Sid, or its position: shown, not compared (renaming a Sid changes no access). */
    statement: string;
    effect: string;
    /** A role ARN, an account root, `*`, a service principal; `NOT <principal>` for NotPrincipal. */
    principal: string;
    /** The statement's own principal, when an exact `aws:PrincipalArn` condition narrows it to `principal`. */
    via?: string;
    /** An action or action pattern; `NOT <action>` for NotAction. */
    action: string;
    /** An ARN or ARN pattern (a trust policy's resource is its role, a key policy's `*` its key); `NOT <arn>` for NotResource. */
    resource: string;
    /** The other conditions, canonical: `Operator key = value | value`, keys in lower case (IAM compares them so), sorted. */
    conditions?: string[];
}

/** Every grant of every policy in the plan folder's contents, deduplicated, in a stable order. */
export function grantsOf(contents: PlanContents): Grant[] {
    const grants = new Map<string, Grant>();
    const add = (grant: Grant) => {
        const key = grantKey(grant);
        const known = grants.get(key);
        // The same grant in two statements of one policy: keep one, the same one whatever the order.
        if (!known || grant.statement < known.statement) {
            grants.set(key, grant);
        }
    };
    for (const [file, document] of contents) {
        const policy = accountFileOf(file);
        if (policy?.file !== "policy" || !policyKinds.has(policy.kind)) {
            continue;
        }
        const { account, resourceName } = policy;
        const kind = policy.kind as GrantKind;
        const resources = (contents.get(resourcesFile(account)) ?? []) as ResourceSummary[];
        const subject = policySubject(kind, resourceName, account, resources);
        for (const [index, statement] of (statementsOf(document) ?? []).entries()) {
            statementGrants(statement, index, subject).forEach((grant) => add({ account, kind, policy: file, ...grant }));
        }
    }
    for (const [file, listed] of contents) {
        const found = accountFileOf(file);
        if (found?.file !== "resources") {
            continue;
        }
        const { account } = found;
        const resources = listed as ResourceSummary[];
        for (const attachment of resources.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment")) {
            const { role, policyArn } = attachment.properties as { role?: string; policyArn?: string };
            add({
                account, kind: "managed", policy: `${attachment.type} ${attachment.name}`, statement: "attached", effect: "Allow",
                principal: roleArn(resources, account, role ?? "?", attachment.region), action: "(what the managed policy allows)", resource: policyArn ?? "?",
            });
        }
    }
    return [...grants.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, grant]) => grant);
}

/** What a grant is, for comparing two plans: everything but the statement's label. */
export function grantKey(grant: Grant): string {
    return JSON.stringify([grant.account, grant.policy, grant.kind, grant.effect, grant.principal, grant.via ?? "", grant.action, grant.resource, grant.conditions ?? []]);
}

/** Whom an identity policy applies to, and what a trust or key policy's statements are about. */
interface PolicySubject {
    /** For an identity policy: its role. */
    principal?: string;
    /** For a trust policy: its role; for a key policy: its key (the `*` of its statements). */
    resource?: string;
}

function policySubject(kind: GrantKind, resourceName: string, account: string, resources: ResourceSummary[]): PolicySubject {
    const resource = resources.find((r) => r.name === resourceName);
    const properties = (resource?.properties ?? {}) as Record<string, unknown>;
    switch (kind) {
        case "trust":
            return { resource: roleArn(resources, account, String(properties.name ?? resourceName), resource?.region) };
        case "identity":
            return { principal: resource?.type === "aws:iam/rolePolicy:RolePolicy" && typeof properties.role === "string"
                ? roleArn(resources, account, properties.role, resource.region)
                : `(whoever ${resourceName} is attached to)` };
        case "key":
            return { resource: typeof properties.arn === "string" ? properties.arn : `(the key of ${resourceName})` };
        default:
            return {};
    }
}

/**
 * A role's ARN, path included, as the account's resources.json gives it; computed from account and name
 * (no path) for a plan folder written before roles had paths and their ARNs were listed.
 */
function roleArn(resources: ResourceSummary[], account: string, name: string, region: string | undefined): string {
    const listed = resources.find((r) => r.type === "aws:iam/role:Role" && r.properties.name === name)?.properties.arn;
    return typeof listed === "string" ? listed : arn.role(partitionOf(region ?? ""), account, name);
}

type StatementGrant = Omit<Grant, "account" | "kind" | "policy">;

/** One grant per principal, action and resource of a statement. */
function statementGrants(statement: Statement, index: number, subject: PolicySubject): StatementGrant[] {
    const label = /^statement "(.*)"$/.exec(statement.label)?.[1] ?? `#${index + 1}`;
    const principals = subject.principal ? [{ principal: subject.principal }] : narrowedPrincipals(statement);
    const narrowed = principals.some((p) => p.via !== undefined);
    const conditions = statement.conditions.filter((c) => !(narrowed && isPrincipalArnEquality(c))).map(conditionText).sort();
    const actions = [...statement.actions, ...statement.notActions.map((a) => `NOT ${a}`)];
    const resources = [
        ...statement.resources.map((r) => (subject.resource && r === "*" ? subject.resource : r)),
        ...statement.notResources.map((r) => `NOT ${r}`),
    ];
    const orNone = (values: string[]) => [...new Set(values.length > 0 ? values : ["(none)"])];
    return principals.flatMap(({ principal, via }) => orNone(actions).flatMap((action) =>
        orNone(resources.length > 0 ? resources : subject.resource ? [subject.resource] : []).map((resource) => ({
            statement: label, effect: statement.effect, principal, ...(via ? { via } : {}), action, resource, ...(conditions.length > 0 ? { conditions } : {}),
        }))));
}

/**
 * The statement's principals; an account root (or `*`) narrowed by an exact `aws:PrincipalArn`
 * condition becomes the roles it names, each through that root, so that adding or removing a role
 * there shows as that role's grant. A condition that names a principal of no listed account, or
 * matches by pattern, narrows nothing and stays a condition.
 */
function narrowedPrincipals(statement: Statement): { principal: string; via?: string }[] {
    const listed = [
        ...statement.principals.map(principalText),
        ...statement.notPrincipals.map((p) => `NOT ${principalText(p)}`),
    ];
    const equalities = statement.conditions.filter(isPrincipalArnEquality);
    if (equalities.length !== 1 || statement.notPrincipals.length > 0) {
        return listed.map((principal) => ({ principal }));
    }
    const through = (value: string) => statement.principals.find((p) => p.value === "*" || accountRootOf(p) === accountOfArn(value));
    const values = equalities[0].values;
    if (!values.every((value) => through(value))) {
        return listed.map((principal) => ({ principal }));
    }
    return values.map((value) => ({ principal: value, via: principalText(through(value)!) }));
}

/** `ArnEquals` or `StringEquals` on `aws:PrincipalArn`: the exact principals the statement is for. */
function isPrincipalArnEquality(condition: Condition): boolean {
    return condition.key === "aws:principalarn" && (condition.operator === "ArnEquals" || condition.operator === "StringEquals");
}

function principalText(principal: Principal): string {
    return principal.type === "*" || principal.type === "AWS" ? principal.value : `${principal.type}:${principal.value}`;
}

function conditionText(condition: Condition): string {
    return `${condition.operator} ${condition.key} = ${[...condition.values].sort().join(" | ")}`;
}

/** A grant in one line: who, what, on what, if what; the policy is named where the grant is listed. */
export function grantText(grant: Grant): string {
    const who = grant.via ? `${grant.principal} (through ${grant.via})` : grant.principal;
    const verb = grant.effect === "Deny" ? "is refused" : "may";
    const condition = grant.conditions ? ` if ${grant.conditions.join(" and ")}` : "";
    return `${who} ${verb} ${grant.action} on ${grant.resource}${condition}`;
}

/** Where a grant comes from, in words: `bucket policy account-1.../policies/x.bucket-policy.json, statement Sid`. */
export function grantSource(grant: Grant): string {
    return grant.kind === "managed" ? `managed policy attached by ${grant.policy}` : `${grant.kind} policy ${grant.policy}, statement ${grant.statement}`;
}
