// What the real program declared under Pulumi's mocks, as the policy rules see resources (the pack
// feeds them the engine's view instead). It lives with the plan, not in policy-pack/: a module there
// would load the pack's own copy of @pulumi/pulumi, not the one the program runs on.
import * as pulumi from "@pulumi/pulumi";
import type { DeclaredResource } from "../evaluation/mockCloud";
import { RuleResource, unknown } from "../policy-pack/rules";
import type { PropertyBag } from "../evaluation/propertyBag";

/**
 * Rule resources from a mocked program run. Props are the mock's state, the program's inputs plus the
 * ids and ARNs AWS would compute: what the engine gives the policy pack too, and what links a store's
 * key ARN to its key. `protect` and `retainOnDelete` are the options the registration request carried.
 */
export function ruleResourcesOfDeclared(resources: DeclaredResource[]): RuleResource[] {
    return resources.map((resource) => ({
        type: resource.type,
        name: resource.name,
        props: withUnknownsMarked(resource.state) as PropertyBag,
        ...(resource.accountId ? { accountId: resource.accountId } : {}),
        ...(resource.registration ? { protect: resource.registration.protect, retainOnDelete: resource.registration.retainOnDelete } : {}),
    }));
}

/** A copy with each of the runtime's unknowns (a preview's computed values) replaced by the rules' marker. */
function withUnknownsMarked(value: unknown): unknown {
    if (pulumi.isUnknown(value)) {
        return unknown;
    }
    if (Array.isArray(value)) {
        return value.map(withUnknownsMarked);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withUnknownsMarked(item)]));
    }
    return value;
}
