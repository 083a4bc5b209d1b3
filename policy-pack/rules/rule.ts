import type { PropertyBag } from "../../evaluation/propertyBag";
// What every rule works on and returns: a neutral view of a stack's resources, the same whether it
// comes from the policy pack (the engine's resources) or from the offline plan (the mocked program).

/** A resource as a rule sees it. */
export interface RuleResource {
    /** Pulumi type token, e.g. `aws:kms/key:Key`. */
    type: string;
    /** Pulumi resource name. */
    name: string;
    /** Its properties as declared (policy documents as JSON strings); a value not known yet is `unknown`. */
    props: PropertyBag;
    /** The account its provider is pinned to, when known. */
    accountId?: string;
    /** Whether it has the `protect` resource option, when known. */
    protect?: boolean;
    /**
     * Whether it has the `retainOnDelete` resource option, when known: the offline plan sees it, a policy
     * pack does not (the engine's analyzer request carries protect but not retainOnDelete).
     */
    retainOnDelete?: boolean;
    /**
     * The resources each property is computed from, when known (the engine tells the policy pack, mocks
     * do not): in a preview they link resources whose linking values are not known yet.
     */
    dependencies?: Record<string, ResourceRef[]>;
}

export interface ResourceRef {
    type: string;
    name: string;
}

export interface RuleViolation {
    /** The resource to change. */
    resource: ResourceRef;
    /** What is wrong and how to fix it. */
    message: string;
}

export type Enforcement = "mandatory" | "advisory";

/**
 * What a rule needs to see. `resource`: each violation concerns one resource and follows from it alone (what
 * `check` finds on a stack is what it finds on each resource by itself), so the pack runs it as a resource
 * policy, which the engine checks before it takes each resource's step: `pulumi up` refuses before it changes
 * anything. `stack`: it relates several resources, so it runs as a stack policy, after the stack's steps.
 */
export type RuleScope = "resource" | "stack";

export interface Rule {
    /** Unique, kebab-case: also the policy's name in the pack. */
    name: string;
    description: string;
    enforcement: Enforcement;
    scope: RuleScope;
    check: (resources: RuleResource[]) => RuleViolation[];
}

/**
 * Stands for a value that is not known until the update (a preview's computed values). It is the
 * engine's own wire marker for unknowns, so it survives copying and JSON; rules skip what depends on it.
 */
export const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True if `value` is, or holds anywhere inside it, a value not known yet. */
export function containsUnknown(value: unknown): boolean {
    if (value === unknown) {
        return true;
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).some(containsUnknown);
    }
    return false;
}

/** The value of a JSON text, or undefined if it is not JSON. */
export function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

/** The value if it is a string known now, else undefined. */
export function knownString(value: unknown): string | undefined {
    return typeof value === "string" && value !== unknown ? value : undefined;
}

/** The value at `path` inside `value`: `unknown` if a step is not known yet, undefined if a step is absent. */
export function valueAt(value: unknown, ...path: string[]): unknown {
    let current = value;
    for (const step of path) {
        if (current === unknown || typeof current !== "object" || current === null) {
            return current === unknown ? unknown : undefined;
        }
        current = (current as Record<string, unknown>)[step];
    }
    return current;
}

export function violation(resource: RuleResource, message: string): RuleViolation {
    return { resource: { type: resource.type, name: resource.name }, message };
}

/** The resources of `type` that `resource`'s `property` is computed from. */
export function sourcesOf(resources: RuleResource[], resource: RuleResource, property: string, type: string): RuleResource[] {
    const sources = resource.dependencies?.[property] ?? [];
    return resources.filter((r) => r.type === type && sources.some((source) => source.type === r.type && source.name === r.name));
}

export function resourcesOfType(resources: RuleResource[], type: string): RuleResource[] {
    return resources.filter((resource) => resource.type === type);
}
