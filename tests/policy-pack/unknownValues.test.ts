import * as assert from "node:assert/strict";
import { checkRules, RuleResource, unknown } from "../../policy-pack/rules";
import { DeclaredStacks, declaredStacks } from "./declaredStacks";
import type { PropertyBag } from "../../evaluation/propertyBag";

/** Every path into a value's objects and arrays, at every depth. */
function everyPath(value: unknown, prefix: string[] = []): string[][] {
    if (typeof value !== "object" || value === null) {
        return [];
    }
    return Object.entries(value).flatMap(([key, item]) => [[...prefix, key], ...everyPath(item, [...prefix, key])]);
}

function withUnknownAt(resources: RuleResource[], index: number, path: string[]): RuleResource[] {
    const copy = structuredClone(resources);
    const parent = path.slice(0, -1).reduce((node: PropertyBag, key) => node[key], copy[index].props);
    parent[path[path.length - 1]] = unknown;
    return copy;
}

describe("the policy rules on values not known until the update, as in a preview", () => {
    let stacks: DeclaredStacks;
    before(async () => { stacks = await declaredStacks(); });

    for (const stack of ["accountA", "accountB", "all"] as const) {
        it(`neither fail nor report a violation when any one value of the ${stack} stack, at any depth, is unknown`, () => {
            const resources = stacks[stack];
            const cases = resources.flatMap((resource, index) => everyPath(resource.props).map((path) => ({ index, path })));
            // accountB has the fewest (50 since it reads no other stack): enough that the walk reaches every resource.
            assert.ok(cases.length >= 50, `only ${cases.length} values to make unknown`);
            for (const { index, path } of cases) {
                const reported = checkRules(withUnknownAt(resources, index, path)).flatMap((result) => result.violations);
                assert.deepEqual(reported, [], `with ${resources[index].name}.${path.join(".")} unknown`);
            }
        });
    }
});
