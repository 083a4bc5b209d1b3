// The IAM policy documents a stack declares, parsed into statements that rules can query.
import { PolicyKind, policyFields } from "../../policies/declared";
import { containsUnknown, parseJson, RuleResource, valueAt } from "./rule";
import type { PropertyBag } from "../../evaluation/propertyBag";

export type { PolicyKind } from "../../policies/declared";

export interface Principal {
    /** `*` for `Principal: "*"`, else the key: `AWS`, `Service`, `Federated`, `CanonicalUser`. */
    type: string;
    value: string;
}

export interface Condition {
    operator: string;
    /** Lower case: IAM condition keys are case-insensitive. */
    key: string;
    values: string[];
}

export interface Statement {
    /** `statement "Sid"`, or its position when it has no Sid. */
    label: string;
    effect: string;
    principals: Principal[];
    actions: string[];
    resources: string[];
    /** `NotPrincipal`, `NotAction`, `NotResource`: everything but these. */
    notPrincipals: Principal[];
    notActions: string[];
    notResources: string[];
    conditions: Condition[];
}

export interface DeclaredPolicy {
    resource: RuleResource;
    /** Where the document sits in the resource, e.g. `assumeRolePolicy` or `inlinePolicies[0].policy`. */
    field: string;
    kind: PolicyKind;
    statements: Statement[];
}

// By the list of resources: the rules over one stack each read its policies, parsed once.
const declared = new WeakMap<RuleResource[], DeclaredPolicy[]>();

/** Every policy document the resources declare whose value is known; unknown documents cannot be checked. */
export function declaredPolicies(resources: RuleResource[]): DeclaredPolicy[] {
    let found = declared.get(resources);
    if (!found) {
        found = policiesIn(resources);
        declared.set(resources, found);
    }
    return found;
}

function policiesIn(resources: RuleResource[]): DeclaredPolicy[] {
    return resources.flatMap((resource) => documentsOf(resource).flatMap(({ field, kind, document }) => {
        const statements = statementsOf(document);
        return statements ? [{ resource, field, kind, statements }] : [];
    }));
}

export function policiesOfKind(resources: RuleResource[], ...kinds: PolicyKind[]): DeclaredPolicy[] {
    return declaredPolicies(resources).filter((policy) => kinds.includes(policy.kind));
}

function documentsOf(resource: RuleResource): { field: string; kind: PolicyKind; document: unknown }[] {
    const fields = (policyFields[resource.type] ?? []).map(({ field, kind }) => ({ field, kind, document: resource.props[field] }));
    // A role's inline policies are identity policies too.
    const inline = resource.type === "aws:iam/role:Role" && Array.isArray(resource.props.inlinePolicies)
        ? resource.props.inlinePolicies.map((entry: unknown, i: number) => ({ field: `inlinePolicies[${i}].policy`, kind: "identity" as const, document: valueAt(entry, "policy") }))
        : [];
    return [...fields, ...inline].filter(({ document }) => document !== undefined);
}

/** The statements of a policy document given as JSON or as an object; undefined if not known or not a document. */
export function statementsOf(document: unknown): Statement[] | undefined {
    const parsed = typeof document === "string" ? parseJson(document) : document;
    if (typeof parsed !== "object" || parsed === null || containsUnknown(parsed)) {
        return undefined;
    }
    const statements = (parsed as { Statement?: unknown }).Statement;
    return asList(statements).map((statement, index) => normalized(statement as PropertyBag, index));
}

function normalized(statement: PropertyBag, index: number): Statement {
    return {
        label: typeof statement.Sid === "string" && statement.Sid !== "" ? `statement "${statement.Sid}"` : `statement #${index + 1}`,
        effect: String(statement.Effect),
        principals: principalsOf(statement.Principal),
        actions: asList(statement.Action).map(String),
        resources: asList(statement.Resource).map(String),
        notPrincipals: principalsOf(statement.NotPrincipal),
        notActions: asList(statement.NotAction).map(String),
        notResources: asList(statement.NotResource).map(String),
        conditions: Object.entries(statement.Condition ?? {}).flatMap(([operator, entries]) =>
            Object.entries(entries as Record<string, unknown>).map(([key, values]) => ({ operator, key: key.toLowerCase(), values: asList(values).map(String) }))),
    };
}

function principalsOf(principal: unknown): Principal[] {
    if (principal === undefined) {
        return [];
    }
    if (typeof principal === "string") {
        return [{ type: principal === "*" ? "*" : "AWS", value: principal }];
    }
    return Object.entries(principal as Record<string, unknown>).flatMap(([type, values]) => asList(values).map((value) => ({ type, value: String(value) })));
}

function asList(value: unknown): unknown[] {
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** `Principal: "*"` or `Principal: {AWS: "*"}`: anyone, in any account, signed or not. */
export function appliesToEveryone(statement: Statement): boolean {
    return statement.principals.some((p) => p.value === "*" && (p.type === "*" || p.type === "AWS"));
}

/** The account whose root a principal names (`arn:aws:iam::123456789012:root` or the bare id), if it names one. */
export function accountRootOf(principal: Principal): string | undefined {
    if (principal.type !== "AWS") {
        return undefined;
    }
    return /^(?:arn:[\w-]+:iam::)?(\d{12})(?::root)?$/.exec(principal.value)?.[1];
}

/** Whether some action pattern of the statement matches `action` (IAM actions are case-insensitive). */
export function coversAction(statement: Statement, action: string): boolean {
    return statement.actions.some((pattern) => globMatches(pattern.toLowerCase(), action.toLowerCase()));
}

/** Whether some resource pattern of the statement matches `arn`, whatever partition either names. */
export function coversResource(statement: Statement, arn: string): boolean {
    const withoutPartition = (value: string) => value.replace(/^arn:[^:]*:/, "arn:*:");
    return statement.resources.some((pattern) => globMatches(withoutPartition(pattern), withoutPartition(arn)));
}

/** The values of a condition key under one of `operators`, or undefined if the statement has none. */
export function conditionValues(statement: Statement, operators: string[], key: string): string[] | undefined {
    return statement.conditions.find((c) => operators.includes(c.operator) && c.key === key.toLowerCase())?.values;
}

// Each pattern compiled once: a plan matches the same few action and resource patterns against every statement of hundreds of accounts.
const globs = new Map<string, RegExp>();

/** IAM wildcards: `*` any run of characters, `?` one character. */
function globMatches(pattern: string, value: string): boolean {
    let glob = globs.get(pattern);
    if (!glob) {
        glob = globOf(pattern);
        globs.set(pattern, glob);
    }
    return glob.test(value);
}

function globOf(pattern: string): RegExp {
    const source = pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("");
    return new RegExp(`^${source}$`, "s");
}
