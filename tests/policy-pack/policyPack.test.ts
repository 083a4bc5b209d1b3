// The policy pack as `pulumi preview --policy-pack ./policy-pack` runs it: its built entry point, started
// in its own folder the way the CLI's policy host starts it, asked over its analyzer gRPC interface
// about the program's stacks as the engine sends them (policyHost.ts says how the CLI does each step).
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DeclaredResource } from "../../evaluation/mockCloud";
import { ruleResourcesOfDeclared } from "../../offline-plan/ruleResources";
import { Rule, RuleResource, rules } from "../../policy-pack/rules";
import { artifactKeyProtectionRule } from "../../policy-pack/rules/artifactKeyProtection";
import { crossAccountActionsRule } from "../../policy-pack/rules/crossAccountActions";
import { noUnconditionedForeignRootRule } from "../../policy-pack/rules/noUnconditionedForeignRoot";
import { noWildcardDeployPermissionsRule } from "../../policy-pack/rules/noWildcardDeployPermissions";
import { pipelineAccountId, shipped } from "../fixtures";
import { runAllInOne, targetsOf } from "../support/stacks";
import { addJenkinsTestToStaging, declaredNames, declaredRuns, editPolicy, only, Stacks, statement, types, withChange } from "./declaredStacks";
import { buildPack, Diagnostic, EngineResource, engineResourcesOf, packDir, PolicyPackProcess, StackIdentity } from "./policyHost";
import type { PropertyBag } from "../../evaluation/propertyBag";

// The engine's markers for values a preview does not know yet, as @pulumi/policy decodes them.
const { unknownStringValue, unknownArrayValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string; unknownArrayValue: string };

const { version: packVersion } = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8")) as { version: string };
const policyPackName = "cross-account-pipeline";
const accountA: StackIdentity = { stack: "accountA", config: shipped("accountA").config };

/** One change made to both views of a stack: the engine's (sent to the pack) and the rules' (checked here). */
type Change = (resource: { props: PropertyBag; protect?: boolean }) => void;

interface Views {
    engine: EngineResource[];
    rules: RuleResource[];
}

function viewsOf(resources: DeclaredResource[]): Views {
    return { engine: engineResourcesOf(resources), rules: ruleResourcesOfDeclared(resources) };
}

function changed(views: Views, type: string, name: string, change: Change): Views {
    return { engine: withChange(views.engine, type, name, change), rules: withChange(views.rules, type, name, change) };
}

/**
 * What the pack must report for `rule`: the violations of the rule's one implementation (run here, on the
 * rules' view), each against the URN of its resource, with the policy's description before the message.
 */
function expectedDiagnostics(rule: Rule, views: Views): Diagnostic[] {
    return rule.check(views.rules).map((violation) => ({
        policyName: rule.name,
        policyPackName,
        policyPackVersion: packVersion,
        enforcementLevel: rule.enforcement,
        urn: only(views.engine, violation.resource.type, violation.resource.name).urn,
        message: `${rule.description}\n${violation.message}`,
    }));
}

describe("the policy pack, started as the Pulumi CLI starts it and asked over its analyzer gRPC interface", () => {
    let pack: PolicyPackProcess;
    let stacks: Stacks<DeclaredResource>;
    before(async () => {
        buildPack();
        stacks = await declaredRuns();
        pack = await PolicyPackProcess.start(accountA);
    });
    after(async () => { await pack?.stop(); });

    it("describes itself: its name, version and one policy per rule, with its description and enforcement level", async function () {
        const asked = process.hrtime.bigint();
        const info = await pack.getAnalyzerInfo();
        const answeredMs = Number(process.hrtime.bigint() - asked) / 1e6;
        this.test!.title += ` (started in ${(pack.startMs / 1000).toFixed(2)} s, answered in ${answeredMs.toFixed(0)} ms)`;
        assert.deepEqual(info, {
            name: policyPackName,
            version: packVersion,
            policies: rules.map((rule) => ({ name: rule.name, description: rule.description, enforcementLevel: rule.enforcement })),
        });
    });

    for (const stack of ["accountA", "accountB", "all"] as const) {
        it(`reports nothing on the shipped ${stack} stack`, async () => {
            const resources = engineResourcesOf(stacks[stack]);
            assert.deepEqual(stacks[stack].filter((r) => !r.registration).map((r) => r.type).filter((type) => type !== "pulumi:pulumi:StackReference"), [],
                "every declared resource is sent");
            assert.ok(resources.some((r) => r.provider), "the resources carry their providers");
            assert.deepEqual(await pack.analyzeAsTheEngineDoes(resources), []);
        });
    }

    it("reports exactly the violation introduced: a mandatory policy, the URN of the resource at fault, the rule's message", async () => {
        const views = changed(viewsOf(stacks.accountA), types.key, declaredNames.artifactKey, (key) => { key.props.enableKeyRotation = false; });
        const expected = expectedDiagnostics(artifactKeyProtectionRule, views);
        assert.equal(expected.length, 1);
        assert.match(expected[0].urn, /^urn:pulumi:accountA::cross-account-pipeline::.*aws:kms\/key:Key::pipeline-us-east-2-key$/);
        assert.match(expected[0].message, /\nartifact key "pipeline-us-east-2-key" does not rotate; set enableKeyRotation: true/);
        assert.deepEqual(await pack.analyzeAsTheEngineDoes(views.engine), expected);
    });

    it("reports an advisory policy's violation as advisory", async () => {
        const views = changed(viewsOf(stacks.accountA), types.rolePolicy, declaredNames.pipelineRolePolicy, (policy) => editPolicy(policy.props, "policy", (document) => {
            statement(document, "ReadAndWriteArtifacts").Resource = "*";
        }));
        const expected = expectedDiagnostics(noWildcardDeployPermissionsRule, views);
        assert.deepEqual(expected.map((d) => d.enforcementLevel), ["advisory"]);
        assert.deepEqual(await pack.analyzeAsTheEngineDoes(views.engine), expected);
    });

    it("checks a single-resource rule as the engine comes to that resource, before its step, and a rule of several resources after the steps", async () => {
        const wildcard = changed(viewsOf(stacks.accountA), types.rolePolicy, declaredNames.pipelineRolePolicy, (policy) => editPolicy(policy.props, "policy", (document) => {
            statement(document, "ReadAndWriteArtifacts").Resource = "*";
        }));
        const atFault = only(wildcard.engine, types.rolePolicy, declaredNames.pipelineRolePolicy);
        assert.deepEqual(await pack.analyze(atFault), expectedDiagnostics(noWildcardDeployPermissionsRule, wildcard), "reported before the step");
        assert.deepEqual(await pack.analyzeStack(wildcard.engine), [], "not left for the end of the update");

        const noRotation = changed(viewsOf(stacks.accountA), types.key, declaredNames.artifactKey, (key) => { key.props.enableKeyRotation = false; });
        assert.deepEqual(await pack.analyze(only(noRotation.engine, types.key, declaredNames.artifactKey)), [], "which key is an artifact key takes the stack");
        assert.deepEqual(await pack.analyzeStack(noRotation.engine), expectedDiagnostics(artifactKeyProtectionRule, noRotation));
    });

    it("accepts the teardown stack of docs/operations.md (protectArtifacts: false): an unprotected key, which the program retains on delete", async () => {
        const teardown = (await runAllInOne(targetsOf(shipped("accountA").config), { protectArtifacts: false })).resources;
        const key = only(engineResourcesOf(teardown), types.key, declaredNames.artifactKey);
        assert.equal(key.protect, false, "the engine tells the pack the key is not protected");
        assert.equal(only(teardown, types.key, declaredNames.artifactKey).registration?.retainOnDelete, true);
        assert.deepEqual(await pack.analyzeAsTheEngineDoes(engineResourcesOf(teardown)), []);
    });

    it("takes each resource's account from its provider's allowedAccountIds, JSON-encoded or not", async () => {
        const withJenkins = changed(viewsOf(stacks.accountA), types.pipeline, declaredNames.pipeline, addJenkinsTestToStaging);
        // With the service role unknown, only the provider tells the pipeline account.
        const engine = withChange(withJenkins.engine, types.pipeline, declaredNames.pipeline, (pipeline) => { pipeline.props.roleArn = unknownStringValue; });
        const pipeline = only(engine, types.pipeline, declaredNames.pipeline);
        assert.equal(pipeline.provider?.props.allowedAccountIds, JSON.stringify([pipelineAccountId]), "the engine holds provider config JSON-encoded");
        const asList = withChange(engine, types.pipeline, declaredNames.pipeline, (p) => { p.provider!.props.allowedAccountIds = [pipelineAccountId]; });
        for (const resources of [engine, asList]) {
            const diagnostics = await pack.analyzeAsTheEngineDoes(resources);
            assert.deepEqual(diagnostics.map((d) => [d.policyName, d.urn]), [[crossAccountActionsRule.name, pipeline.urn]]);
            assert.match(diagnostics[0].message, new RegExp(`run it in the pipeline account ${pipelineAccountId}`));
        }
    });

    it("skips what a preview does not know yet, without failing, and still reports what it can check", async () => {
        // Without the store list and the key's ARN, which key is the artifact key cannot be told: its options are not checked.
        const preview = (resources: EngineResource[]) => withChange(withChange(withChange(resources,
            types.pipeline, declaredNames.pipeline, (pipeline) => { pipeline.props.artifactStores = unknownArrayValue; }),
            types.key, declaredNames.artifactKey, (key) => Object.assign(key.props, { arn: unknownStringValue, keyId: unknownStringValue, enableKeyRotation: false })),
            types.bucketPolicy, declaredNames.artifactBucketPolicy, (policy) => { policy.props.policy = unknownStringValue; });
        // The key policy is known, and grants the target account's root without narrowing it to the deploy role.
        const unnarrowed = changed(viewsOf(stacks.accountA), types.key, declaredNames.artifactKey, (key) => editPolicy(key.props, "policy", (document) => {
            delete statement(document, "AllowTargetRolesToDecrypt").Condition;
        }));
        const diagnostics = await pack.analyzeAsTheEngineDoes(preview(unnarrowed.engine));
        assert.deepEqual(diagnostics.map((d) => [d.policyName, d.urn]), [
            [noUnconditionedForeignRootRule.name, only(unnarrowed.engine, types.key, declaredNames.artifactKey).urn],
        ]);
    });

    it("links what a preview does not know yet through the resources the engine says each property is computed from", async () => {
        // A stack's first preview: no ARN or id exists yet, so the stores and the settings' buckets are unknown.
        const weakened = changed(changed(viewsOf(stacks.accountA), types.key, declaredNames.artifactKey, (key) => { key.props.enableKeyRotation = false; }),
            types.publicAccessBlock, declaredNames.artifactPublicAccessBlock, (block) => { block.props.ignorePublicAcls = false; }).engine;
        const urnOf = (type: string, name: string) => only(weakened, type, name).urn;
        const key = urnOf(types.key, declaredNames.artifactKey);
        const bucket = urnOf(types.bucket, declaredNames.artifactBucket);
        const firstPreview = withChange(withChange(withChange(weakened,
            types.pipeline, declaredNames.pipeline, (pipeline) => {
                pipeline.props.artifactStores = unknownArrayValue;
                pipeline.propertyDependencies = { artifactStores: [key, bucket] };
            }),
            types.key, declaredNames.artifactKey, (k) => Object.assign(k.props, { arn: unknownStringValue, keyId: unknownStringValue })),
            types.publicAccessBlock, declaredNames.artifactPublicAccessBlock, (block) => {
                block.props.bucket = unknownStringValue;
                block.propertyDependencies = { bucket: [bucket] };
            });
        const diagnostics = await pack.analyzeAsTheEngineDoes(firstPreview);
        assert.deepEqual(diagnostics.map((d) => [d.policyName, d.urn]), [
            ["artifact-key-protection", key],
            ["artifact-bucket-guards", urnOf(types.publicAccessBlock, declaredNames.artifactPublicAccessBlock)],
        ]);
    });

    it("runs on its own: from exactly the files it would publish, outside the repository, with its own node_modules", async () => {
        const bundle = fs.readFileSync(path.join(packDir, "bin", "index.js"), "utf8");
        const { dependencies } = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
        const required = [...new Set([...bundle.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]))];
        assert.deepEqual(required.filter((module) => !(module in dependencies)), [], "the bundle requires only the pack's own dependencies");
        const [packed] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: packDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })) as [{ files: { path: string }[] }];
        const files = packed.files.map((f) => f.path).sort();
        assert.deepEqual(files.filter((file) => !/\.(md|map)$/.test(file)), ["PulumiPolicy.yaml", "bin/index.js", "package.json"]);

        const alone = fs.mkdtempSync(path.join(os.tmpdir(), "policy-pack-"));
        let copy: PolicyPackProcess | undefined;
        try {
            for (const file of files) {
                fs.mkdirSync(path.dirname(path.join(alone, file)), { recursive: true });
                fs.copyFileSync(path.join(packDir, file), path.join(alone, file));
            }
            fs.symlinkSync(path.join(packDir, "node_modules"), path.join(alone, "node_modules"), "dir");
            copy = await PolicyPackProcess.start(accountA, alone);
            const views = changed(viewsOf(stacks.accountA), types.key, declaredNames.artifactKey, (key) => { key.props.deletionWindowInDays = 7; });
            assert.deepEqual(await copy.analyzeAsTheEngineDoes(views.engine), expectedDiagnostics(artifactKeyProtectionRule, views));
        } finally {
            await copy?.stop();
            fs.rmSync(alone, { recursive: true, force: true });
        }
    });
});
