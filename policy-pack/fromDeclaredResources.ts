// The offline plan's side: what the real program declared under Pulumi's mocks, as rule resources.
import * as pulumi from "@pulumi/pulumi";
import type { DeclaredResource } from "../evaluation/mockCloud";
import { RuleResource, unknown } from "./rules";

/**
 * Rule resources from a mocked program run. Props are the mock's state, the program's inputs plus the
 * ids and ARNs AWS would compute: what the engine gives the policy pack too, and what links a store's
 * key ARN to its key. `protect` is the option the registration request carried.
 */
export function ruleResourcesOfDeclared(resources: DeclaredResource[]): RuleResource[] {
    return resources.map((resource) => ({
        type: resource.type,
        name: resource.name,
        props: withUnknownsMarked(resource.state) as Record<string, any>,
        ...(resource.accountId ? { accountId: resource.accountId } : {}),
        ...(resource.registration ? { protect: resource.registration.protect } : {}),
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
