// The policy pack's side: each rule as the policy the engine runs, and the engine's view of a resource
// (ResourceValidationArgs, or a stack's PolicyResource) as a rule resource.
import { Policy, PolicyResource, ResourceValidationPolicy, StackValidationPolicy, UnknownValueError } from "@pulumi/policy";
import { Rule, RuleResource, unknown } from "./rules";
import { parseJson } from "./rules/rule";
import type { PropertyBag } from "../evaluation/propertyBag";

/**
 * A rule as the engine's policy: a resource policy when its violations concern one resource alone (`scope:
 * "resource"`), which the engine checks on the resource's inputs as it comes to it, before taking its step (a
 * mandatory violation makes the resource invalid and no step is taken: pulumi/pulumi
 * pkg/resource/deploy/step_generator.go, analyzeAll), so that `pulumi up`, which the SDK runs with --skip-preview,
 * refuses before it changes that resource; else a stack policy, which sees the whole stack once its steps are done.
 */
export function policyOf(rule: Rule): Policy {
    return rule.scope === "resource" ? resourcePolicy(rule) : stackPolicy(rule);
}

function resourcePolicy(rule: Rule): ResourceValidationPolicy {
    return {
        name: rule.name,
        description: rule.description,
        enforcementLevel: rule.enforcement,
        validateResource: (args, reportViolation) => {
            for (const { message } of rule.check([ruleResourceOf(args)])) {
                reportViolation(message);
            }
        },
    };
}

/** A rule that relates several resources (a bucket and its policy, a pipeline and its key) as a stack validation policy. */
function stackPolicy(rule: Rule): StackValidationPolicy {
    return {
        name: rule.name,
        description: rule.description,
        enforcementLevel: rule.enforcement,
        validateStack: (args, reportViolation) => {
            const resources = args.resources.map(ruleResourceOf);
            for (const { resource, message } of rule.check(resources)) {
                const index = resources.findIndex((r) => r.type === resource.type && r.name === resource.name);
                reportViolation(message, args.resources[index]?.urn);
            }
        },
    };
}

/**
 * A resource as the rules see it: plain props with unknowns marked, its provider's account, its protect option,
 * and, in a stack, its sources. Not retainOnDelete: the engine's AnalyzerResourceOptions do not carry it.
 */
export function ruleResourceOf(resource: Pick<PolicyResource, "type" | "name" | "props" | "opts" | "provider"> & Partial<Pick<PolicyResource, "propertyDependencies">>): RuleResource {
    const accountId = resource.provider && pinnedAccount(plain(() => resource.provider?.props.allowedAccountIds));
    const dependencies = Object.fromEntries(Object.entries(resource.propertyDependencies ?? {})
        .filter(([, sources]) => sources.length > 0)
        .map(([property, sources]) => [property, sources.map(({ type, name }) => ({ type, name }))]));
    return {
        type: resource.type,
        name: resource.name,
        props: plain(() => resource.props) as PropertyBag,
        ...(accountId ? { accountId } : {}),
        protect: resource.opts.protect,
        ...(Object.keys(dependencies).length > 0 ? { dependencies } : {}),
    };
}

/** The one account a provider allows; the engine may hold the list JSON-encoded, as it does provider config. */
function pinnedAccount(allowedAccountIds: unknown): string | undefined {
    const ids = typeof allowedAccountIds === "string" && allowedAccountIds !== unknown ? parseJson(allowedAccountIds) : allowedAccountIds;
    return Array.isArray(ids) && ids.length === 1 && typeof ids[0] === "string" ? ids[0] : undefined;
}

/**
 * A plain copy of a value read through the pack's proxies, which throw on reading a value not known
 * during a preview: each such value becomes the rules' `unknown` marker, so a rule skips it instead of failing.
 */
function plain(read: () => unknown): unknown {
    let value: unknown;
    try {
        value = read();
    } catch (e) {
        if (e instanceof UnknownValueError) {
            return unknown;
        }
        throw e;
    }
    if (Array.isArray(value)) {
        const list = value;
        return Array.from({ length: list.length }, (_, i) => plain(() => list[i]));
    }
    if (typeof value === "object" && value !== null) {
        const record = value as Record<string, unknown>;
        return Object.fromEntries(Object.keys(record).map((key) => [key, plain(() => record[key])]));
    }
    return value;
}
