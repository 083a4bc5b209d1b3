import * as assert from "node:assert/strict";
import { PolicyResource, StackValidationArgs, unknownCheckingProxy } from "@pulumi/policy";
import { stackPolicy } from "../../policy-pack/fromStackValidation";
import { ResourceRef, Rule, RuleResource, rules } from "../../policy-pack/rules";
import { artifactKeyProtectionRule } from "../../policy-pack/rules/artifactKeyProtection";
import { crossAccountActionsRule } from "../../policy-pack/rules/crossAccountActions";
import { pipelineAccountId } from "../fixtures";
import { addJenkinsTestToStaging, declaredNames, DeclaredStacks, declaredStacks, editPolicy, statement, types, withChange } from "./declaredStacks";

// The engine's unknowns as @pulumi/policy decodes them; reading one through its proxy throws.
const { unknownStringValue, unknownArrayValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string; unknownArrayValue: string };

interface EngineView {
    /** How the provider holds allowedAccountIds; the engine keeps provider config JSON-encoded. */
    encodeAccounts?: (accounts: string[]) => unknown;
    /** The protect option, by resource name; true when not given, as the program declares its keys. */
    protect?: Record<string, boolean>;
    /** Values a preview does not know yet, by resource name and property. */
    unknowns?: Record<string, Record<string, string>>;
    /** The resources a property is computed from, by resource name and property. */
    sources?: Record<string, Record<string, ResourceRef[]>>;
}

const urnOf = (resource: { type: string; name: string }) => `urn:pulumi:accountA::cross-account-pipeline::${resource.type}::${resource.name}`;

/** The resources as the engine hands them to a stack policy: props behind the unknown-checking proxy, the provider, options, sources. */
function asEngineResources(resources: RuleResource[], view: EngineView = {}): PolicyResource[] {
    const encode = view.encodeAccounts ?? JSON.stringify;
    const engineResources: PolicyResource[] = resources.map((resource) => ({
        type: resource.type,
        name: resource.name,
        urn: urnOf(resource),
        props: unknownCheckingProxy({ ...resource.props, ...view.unknowns?.[resource.name] }),
        opts: { protect: view.protect?.[resource.name] ?? true, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        // The mocks' account is the provider's pin; the engine gives the provider instead.
        ...(resource.accountId ? {
            provider: { type: "pulumi:providers:aws", name: "account", urn: "urn:provider", props: unknownCheckingProxy({ allowedAccountIds: encode([resource.accountId]) }) },
        } : {}),
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    }));
    for (const resource of engineResources) {
        for (const [property, sources] of Object.entries(view.sources?.[resource.name] ?? {})) {
            resource.propertyDependencies[property] = engineResources.filter((r) => sources.some((source) => source.type === r.type && source.name === r.name));
        }
    }
    return engineResources;
}

/** What the rule's stack policy reports on the resources. */
async function reportsOf(rule: Rule, resources: PolicyResource[]): Promise<{ message: string; urn?: string }[]> {
    const reports: { message: string; urn?: string }[] = [];
    const args: StackValidationArgs = { resources, stackTags: new Map(), getConfig: () => ({}) as never, notApplicable: () => { throw new Error("not applicable"); } };
    await stackPolicy(rule).validateStack(args, (message, urn) => reports.push({ message, urn }));
    return reports;
}

describe("the policy pack's stack policies, on resources as the engine gives them", () => {
    let stacks: DeclaredStacks;
    before(async () => { stacks = await declaredStacks(); });

    it("are one per rule, with its name, description and enforcement level", () => {
        assert.deepEqual(rules.map(stackPolicy).map((p) => [p.name, p.description, p.enforcementLevel]), rules.map((r) => [r.name, r.description, r.enforcement]));
    });

    it("report nothing on the shipped all-in-one stack", async () => {
        for (const rule of rules) {
            assert.deepEqual(await reportsOf(rule, asEngineResources(stacks.all)), [], rule.name);
        }
    });

    it("report a violation against the URN of the resource at fault: an artifact key that is not protected", async () => {
        const reports = await reportsOf(artifactKeyProtectionRule, asEngineResources(stacks.accountA, { protect: { [declaredNames.artifactKey]: false } }));
        assert.equal(reports.length, 1);
        assert.equal(reports[0].urn, urnOf({ type: types.key, name: declaredNames.artifactKey }));
        assert.match(reports[0].message, /is not protected.*protect: true/);
    });

    it("take each resource's account from its provider's allowedAccountIds, JSON-encoded or not", async () => {
        const withJenkins = withChange(stacks.accountA, types.pipeline, declaredNames.pipeline, addJenkinsTestToStaging);
        // With the service role unknown, only the provider tells the pipeline account.
        const unknowns = { [declaredNames.pipeline]: { roleArn: unknownStringValue } };
        for (const encodeAccounts of [JSON.stringify, (accounts: string[]) => accounts]) {
            const reports = await reportsOf(crossAccountActionsRule, asEngineResources(withJenkins, { encodeAccounts, unknowns }));
            assert.equal(reports.length, 1);
            assert.match(reports[0].message, new RegExp(`run it in the pipeline account ${pipelineAccountId}`));
        }
    });

    it("skip what a preview does not know yet, without failing, and still report what they can check", async () => {
        // Without the store list and the key's ARN, which key is the artifact key cannot be told: its protect option is not checked.
        const preview: EngineView = {
            unknowns: {
                [declaredNames.pipeline]: { artifactStores: unknownArrayValue },
                [declaredNames.artifactKey]: { arn: unknownStringValue, keyId: unknownStringValue },
                [declaredNames.artifactBucketPolicy]: { policy: unknownStringValue },
            },
            protect: { [declaredNames.artifactKey]: false },
        };
        // The key policy is known, and grants the target account's root without narrowing it to the deploy role.
        const unnarrowed = withChange(stacks.accountA, types.key, declaredNames.artifactKey, (key) => editPolicy(key.props, "policy", (document) => {
            delete statement(document, "AllowStagingDeployRoleToUseTheKey").Condition;
        }));
        const reported = await Promise.all(rules.map(async (rule) => [rule.name, (await reportsOf(rule, asEngineResources(unnarrowed, preview))).map((r) => r.urn)]));
        assert.deepEqual(reported.filter(([, urns]) => urns.length > 0), [["no-unconditioned-foreign-root", [urnOf({ type: types.key, name: declaredNames.artifactKey })]]]);
    });

    it("link what a preview does not know yet through the resources the engine says each property is computed from", async () => {
        // A stack's first preview: no ARN or id exists yet, so the stores and the settings' buckets are unknown.
        const artifactKey = { type: types.key, name: declaredNames.artifactKey };
        const artifactBucket = { type: types.bucket, name: declaredNames.artifactBucket };
        const firstPreview: EngineView = {
            unknowns: {
                [declaredNames.pipeline]: { artifactStores: unknownArrayValue },
                [declaredNames.artifactKey]: { arn: unknownStringValue, keyId: unknownStringValue },
                [declaredNames.artifactPublicAccessBlock]: { bucket: unknownStringValue },
            },
            sources: {
                [declaredNames.pipeline]: { artifactStores: [artifactKey, artifactBucket] },
                [declaredNames.artifactPublicAccessBlock]: { bucket: [artifactBucket] },
            },
        };
        const weakened = withChange(withChange(stacks.accountA, types.key, declaredNames.artifactKey, (key) => { key.props.enableKeyRotation = false; }),
            types.publicAccessBlock, declaredNames.artifactPublicAccessBlock, (block) => { block.props.ignorePublicAcls = false; });
        const reported = await Promise.all(rules.map(async (rule) => [rule.name, (await reportsOf(rule, asEngineResources(weakened, firstPreview))).map((r) => r.urn)]));
        assert.deepEqual(reported.filter(([, urns]) => urns.length > 0), [
            ["artifact-key-protection", [urnOf(artifactKey)]],
            ["artifact-bucket-guards", [urnOf({ type: types.publicAccessBlock, name: declaredNames.artifactPublicAccessBlock })]],
        ]);
    });
});
