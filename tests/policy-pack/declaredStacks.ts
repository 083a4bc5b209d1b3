// The shipped stacks as the rules see them (declared by the real program under mocks), and ways to
// introduce one violation into a deep copy of them.
import * as assert from "node:assert/strict";
import type { DeclaredResource } from "../../evaluation/mockCloud";
import { ruleResourcesOfDeclared } from "../../offline-plan/ruleResources";
import { ResourceRef, Rule, RuleResource, RuleViolation } from "../../policy-pack/rules";
import { shipped, shippedDeployRoleArn } from "../fixtures";
import { runAllInOne, runShippedStacks, targetsOf } from "../support/stacks";
import type { PropertyBag } from "../../evaluation/propertyBag";

/** The three stacks' resources, in some view of them. */
export interface Stacks<T> {
    /** The pipeline stack, as shipped. */
    accountA: T[];
    /** The target stack, reading accountA's outputs through its StackReference. */
    accountB: T[];
    /** accountA's config with `deploy: all`: both accounts in one stack. */
    all: T[];
}

export type DeclaredStacks = Stacks<RuleResource>;

let runs: Promise<Stacks<DeclaredResource>> | undefined;

/** Runs the program for the three stacks once per test process; the results are never changed, only copied. */
export function declaredRuns(): Promise<Stacks<DeclaredResource>> {
    runs ??= (async () => {
        const { pipeline, target } = await runShippedStacks();
        const all = await runAllInOne(targetsOf(shipped("accountA").config));
        return { accountA: pipeline.resources, accountB: target.resources, all: all.resources };
    })();
    return runs;
}

/** The three stacks as the rules see them. */
export async function declaredStacks(): Promise<DeclaredStacks> {
    const { accountA, accountB, all } = await declaredRuns();
    return { accountA: ruleResourcesOfDeclared(accountA), accountB: ruleResourcesOfDeclared(accountB), all: ruleResourcesOfDeclared(all) };
}

/** Registers the test that the rule passes on each shipped stack. */
export function itPassesOnTheShippedStacks(rule: Rule, stacks: () => DeclaredStacks): void {
    for (const stack of ["accountA", "accountB", "all"] as const) {
        it(`passes on the ${stack} stack as the program declares it`, () => {
            assert.deepEqual(rule.check(stacks()[stack]), []);
        });
    }
}

/** A deep copy of the resources in which `change` has been made to the one resource of `type` named `name`. */
export function withChange<T extends ResourceRef>(resources: T[], type: string, name: string, change: (resource: T) => void): T[] {
    const copy = structuredClone(resources);
    change(only(copy, type, name));
    return copy;
}

/** A deep copy of the resources without the one of `type` named `name`. */
export function without<T extends ResourceRef>(resources: T[], type: string, name: string): T[] {
    const gone = only(resources, type, name);
    return structuredClone(resources.filter((resource) => resource !== gone));
}

export function only<T extends ResourceRef>(resources: T[], type: string, name: string): T {
    const found = resources.filter((resource) => resource.type === type && resource.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}`);
    return found[0];
}

/** Edits a policy document held as JSON in `props[field]`. */
export function editPolicy(props: PropertyBag, field: string, edit: (document: { Statement: PropertyBag[] }) => void): void {
    const document = JSON.parse(props[field]);
    edit(document);
    props[field] = JSON.stringify(document);
}

/** The statement with this Sid; fails if the document has none. */
export function statement(document: { Statement: PropertyBag[] }, sid: string): PropertyBag {
    const found = document.Statement.find((s) => s.Sid === sid);
    assert.ok(found, `no statement ${sid}`);
    return found;
}

/** Adds to the pipeline's Staging stage, after the deploy, a Jenkins test action that runs as the target's cross-account role. */
export function addJenkinsTestToStaging(pipeline: { props: PropertyBag }): void {
    pipeline.props.stages.find((stage: { name: string }) => stage.name === "Staging").actions.push({
        name: "Test", category: "Test", owner: "Custom", provider: "Jenkins", version: "1", runOrder: 2,
        inputArtifacts: ["BuildOutput"], configuration: { ProjectName: "integration-tests" },
        roleArn: shippedDeployRoleArn,
    });
}

/** The rule's one violation on the resources; fails unless there is exactly one. */
export function onlyViolation(rule: Rule, resources: RuleResource[]): RuleViolation {
    const violations = rule.check(resources);
    assert.equal(violations.length, 1, `expected one violation, got ${JSON.stringify(violations, null, 2)}`);
    return violations[0];
}

/** Asserts that the violation is against that resource and says both what is wrong and how to fix it. */
export function assertViolation(violation: RuleViolation, expected: { type: string; name: string; problem: RegExp; fix: RegExp }): void {
    assert.deepEqual(violation.resource, { type: expected.type, name: expected.name });
    assert.match(violation.message, expected.problem);
    assert.match(violation.message, expected.fix);
}

export const types = {
    pipeline: "aws:codepipeline/pipeline:Pipeline",
    key: "aws:kms/key:Key",
    bucket: "aws:s3/bucket:Bucket",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownershipControls: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};

/** Names of what the program declares for the shipped config. */
export const declaredNames = {
    pipeline: "pipeline-delivery-pipeline",
    artifactKey: "pipeline-us-east-2-key",
    artifactKeyAlias: "pipeline-us-east-2-key-alias",
    artifactBucket: "pipeline-us-east-2-bucket",
    artifactBucketPolicy: "pipeline-us-east-2-bucket-policy",
    artifactPublicAccessBlock: "pipeline-us-east-2-bucket-public-access-block",
    artifactOwnership: "pipeline-us-east-2-bucket-ownership",
    sourceBucketPolicy: "pipeline-source-policy",
    pipelineRolePolicy: "pipeline-roles-pipeline-policy",
    crossAccountRole: "Staging-cross-account",
    crossAccountRolePolicy: "Staging-cross-account-policy",
};

/** An account that is neither the pipeline account nor the shipped target account. */
export const otherAccountId = "333333333333";
