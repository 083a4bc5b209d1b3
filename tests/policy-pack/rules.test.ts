import * as assert from "node:assert/strict";
import { ruleResourcesOfDeclared } from "../../offline-plan/ruleResources";
import { checkRules, RuleResource, RuleViolation, rules } from "../../policy-pack/rules";
import { shipped } from "../fixtures";
import { europe, production, runAllInOne, targetsOf } from "../support/stacks";
import { addJenkinsTestToStaging, declaredNames, DeclaredStacks, declaredStacks, editPolicy, statement, types, withChange } from "./declaredStacks";

describe("the policy rule registry", () => {
    let stacks: DeclaredStacks;
    /** The pipeline account and three targets, one in another region: two artifact stores, each with its key and bucket. */
    let twoRegions: RuleResource[];
    before(async () => {
        stacks = await declaredStacks();
        twoRegions = ruleResourcesOfDeclared((await runAllInOne([...targetsOf(shipped("accountA").config), production, europe])).resources);
    });

    it("names each rule once, in kebab case, as policy names must be", () => {
        const names = rules.map((rule) => rule.name);
        assert.equal(new Set(names).size, names.length);
        for (const name of names) {
            assert.match(name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
        }
    });

    it("makes every rule mandatory but the advisory one on wildcard S3 and CodeDeploy permissions", () => {
        assert.deepEqual(rules.filter((rule) => rule.enforcement === "advisory").map((rule) => rule.name), ["no-wildcard-deploy-permissions"]);
    });

    it("gives the offline plan each rule's result, in order, all passing on the shipped stacks", () => {
        const results = checkRules(stacks.all);
        assert.deepEqual(results.map((result) => result.rule), rules.map((rule) => rule.name));
        for (const [i, result] of results.entries()) {
            assert.deepEqual(result, { rule: rules[i].name, description: rules[i].description, enforcement: rules[i].enforcement, violations: [] });
        }
    });

    it("run per resource only where each violation follows from one resource alone: the stack's findings are each resource's", () => {
        // One violation of each rule that runs per resource, in the stacks that declare what it checks.
        const violating: RuleResource[][] = [
            stacks.accountA, stacks.accountB, stacks.all, twoRegions,
            withChange(stacks.accountA, types.rolePolicy, declaredNames.pipelineRolePolicy, (policy) => editPolicy(policy.props, "policy", (document) => {
                statement(document, "ReadAndWriteArtifacts").Resource = "*";
                document.Statement.push({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" });
            })),
            withChange(stacks.accountA, types.key, declaredNames.artifactKey, (key) => editPolicy(key.props, "policy", (document) => {
                delete statement(document, "AllowTargetRolesToDecrypt").Condition;
            })),
            withChange(stacks.accountA, types.pipeline, declaredNames.pipeline, (pipeline) => {
                addJenkinsTestToStaging(pipeline);
                delete pipeline.props.artifactStores[0].encryptionKey;
            }),
            withChange(stacks.accountB, types.role, declaredNames.crossAccountRole, (role) => { role.props.name = "R".repeat(65); }),
        ];
        const key = (v: RuleViolation) => `${v.resource.type} ${v.resource.name}: ${v.message}`;
        for (const rule of rules.filter((r) => r.scope === "resource")) {
            let found = 0;
            for (const resources of violating) {
                const onTheStack = rule.check(resources).map(key).sort();
                assert.deepEqual(resources.flatMap((resource) => rule.check([resource])).map(key).sort(), onTheStack, rule.name);
                found += onTheStack.length;
            }
            assert.ok(found > 0, `${rule.name}: no violation to compare`);
        }
    });

    it("all pass on a pipeline with targets in two accounts and two regions", () => {
        assert.deepEqual(checkRules(twoRegions).flatMap((result) => result.violations), []);
    });

    it("check the artifact store of every region: the second region's key and bucket too", () => {
        const weakened = withChange(withChange(twoRegions, types.key, "pipeline-eu-west-1-key", (key) => { key.props.enableKeyRotation = false; }),
            types.ownershipControls, "pipeline-eu-west-1-bucket-ownership", (controls) => { controls.props.rule.objectOwnership = "BucketOwnerPreferred"; });
        const reported = checkRules(weakened).filter((result) => result.violations.length > 0)
            .map((result) => [result.rule, result.violations.map((v) => v.resource.name)]);
        assert.deepEqual(reported, [
            ["artifact-key-protection", ["pipeline-eu-west-1-key"]],
            ["artifact-bucket-guards", ["pipeline-eu-west-1-bucket-ownership"]],
        ]);
    });
});
