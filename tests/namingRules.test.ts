import * as assert from "node:assert/strict";
import { namePattern, namingProblem, namingRules } from "../definition/quotas";

describe("AWS naming rules (definition/quotas.ts) as the config schema checks them", () => {
    it("gives the schema a pattern that accepts exactly the names the rule accepts, for rules of characters and length alone", () => {
        const samples = ["Deploy", "a", "Wave1.canary@eu_west-1", "x".repeat(64), "x".repeat(65), "x".repeat(100), "x".repeat(101), "", "has space", "slash/", "plus+equals=", "comma,at@"];
        for (const [name, rule] of Object.entries({ stage: namingRules.stage, iamRole: namingRules.iamRole, eventRule: namingRules.eventRule })) {
            for (const sample of samples) {
                assert.equal(namePattern(rule).test(sample), namingProblem(rule, sample) === undefined, `${name}: ${JSON.stringify(sample)}`);
            }
        }
    });
});
