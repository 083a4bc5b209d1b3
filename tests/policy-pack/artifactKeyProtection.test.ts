import * as assert from "node:assert/strict";
import { artifactKeyProtectionRule as rule } from "../../policy-pack/rules/artifactKeyProtection";
import { assertViolation, declaredNames, DeclaredStacks, declaredStacks, itPassesOnTheShippedStacks, onlyViolation, types, withChange } from "./declaredStacks";

describe("policy rule artifact-key-protection", () => {
    let stacks: DeclaredStacks;
    before(async () => { stacks = await declaredStacks(); });

    itPassesOnTheShippedStacks(rule, () => stacks);

    const withKey = (change: (key: { props: Record<string, any>; protect?: boolean }) => void) =>
        withChange(stacks.accountA, types.key, declaredNames.artifactKey, change);
    const onTheKey = { type: types.key, name: declaredNames.artifactKey };

    it("reports an artifact key without rotation", () => {
        const resources = withKey((key) => { key.props.enableKeyRotation = false; });
        assertViolation(onlyViolation(rule, resources), { ...onTheKey, problem: /artifact key "pipeline-us-east-2-key" does not rotate/, fix: /set enableKeyRotation: true/ });
    });

    it("reports an artifact key with a short deletion window", () => {
        const resources = withKey((key) => { key.props.deletionWindowInDays = 7; });
        assertViolation(onlyViolation(rule, resources), { ...onTheKey, problem: /can be deleted 7 days after a deletion is scheduled/, fix: /set deletionWindowInDays: 30/ });
    });

    it("reports an artifact key that is not protected, when the resource options are known (as in the pack)", () => {
        const resources = withKey((key) => { key.protect = false; });
        assertViolation(onlyViolation(rule, resources), { ...onTheKey, problem: /is not protected/, fix: /protect: true/ });
    });

    it("finds the key through the alias when the store names it by alias ARN", () => {
        const withAliasStore = withChange(stacks.accountA, types.pipeline, declaredNames.pipeline, (pipeline) => {
            pipeline.props.artifactStores[0].encryptionKey.id = stacks.accountA.find((r) => r.name === declaredNames.artifactKeyAlias)!.props.arn;
        });
        const resources = withChange(withAliasStore, types.key, declaredNames.artifactKey, (key) => { key.props.enableKeyRotation = false; });
        assertViolation(onlyViolation(rule, resources), { ...onTheKey, problem: /does not rotate/, fix: /enableKeyRotation: true/ });
    });

    it("leaves a key that no artifact store uses alone", () => {
        const resources = withKey((key) => {
            key.props.enableKeyRotation = false;
            key.props.arn = key.props.arn.replace(/key\/.*/, "key/00000000-0000-0000-0000-000000000000");
            key.props.keyId = "00000000-0000-0000-0000-000000000000";
        });
        assert.deepEqual(rule.check(resources), []);
    });
});
