import * as assert from "node:assert/strict";
import { ruleResourcesOfDeclared } from "../../offline-plan/ruleResources";
import { RuleResource } from "../../policy-pack/rules";
import { artifactKeyProtectionRule as rule } from "../../policy-pack/rules/artifactKeyProtection";
import { shipped } from "../fixtures";
import { runAllInOne, targetsOf } from "../support/stacks";
import { assertViolation, declaredNames, DeclaredStacks, declaredStacks, itPassesOnTheShippedStacks, onlyViolation, types, withChange } from "./declaredStacks";

describe("policy rule artifact-key-protection", () => {
    let stacks: DeclaredStacks;
    before(async () => { stacks = await declaredStacks(); });

    itPassesOnTheShippedStacks(rule, () => stacks);

    const withKey = (change: (key: RuleResource) => void) =>
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

    it("reports an artifact key that is neither protected nor retained on delete: a destroy would delete it", () => {
        const resources = withKey((key) => { key.protect = false; key.retainOnDelete = false; });
        assertViolation(onlyViolation(rule, resources), {
            ...onTheKey, problem: /artifact key "pipeline-us-east-2-key" is neither protected nor retained on delete/, fix: /retainOnDelete: true .*or protect: true/,
        });
    });

    it("accepts an artifact key that is not protected but retained on delete: the teardown of docs/operations.md, as the program declares it", async () => {
        const teardown = ruleResourcesOfDeclared((await runAllInOne(targetsOf(shipped("accountA").config), { protectArtifacts: false })).resources);
        const key = teardown.find((r) => r.type === types.key && r.name === declaredNames.artifactKey)!;
        assert.deepEqual([key.protect, key.retainOnDelete], [false, true]);
        assert.deepEqual(rule.check(teardown), []);
    });

    it("accepts a protected artifact key that is not retained on delete: a destroy fails on it", () => {
        assert.deepEqual(rule.check(withKey((key) => { key.protect = true; key.retainOnDelete = false; })), []);
    });

    it("does not report an unprotected key when it cannot tell whether it is retained, as in the pack (the engine does not send retainOnDelete)", () => {
        assert.deepEqual(rule.check(withKey((key) => { key.protect = false; delete key.retainOnDelete; })), []);
    });

    it("still reports the other problems of a key that is retained on delete, in one violation each", () => {
        const resources = withKey((key) => { key.protect = false; key.retainOnDelete = true; key.props.enableKeyRotation = false; key.props.deletionWindowInDays = 7; });
        assert.deepEqual(rule.check(resources).map((v) => v.message.replace(/;.*/, "")), [
            'artifact key "pipeline-us-east-2-key" does not rotate',
            'artifact key "pipeline-us-east-2-key" can be deleted 7 days after a deletion is scheduled',
        ]);
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
