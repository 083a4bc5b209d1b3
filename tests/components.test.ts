import * as assert from "node:assert/strict";
import { DeclaredResource, providerNameOf } from "../evaluation/mockCloud";
import { ProgramRun } from "../evaluation/runProgram";
import { runPlan } from "../offline-plan/plan";
import { configured, qualifiedConfig, shipped } from "./fixtures";
import { production, runAllInOne, targetsOf } from "./support/stacks";

const componentToken = /^cross-account-pipeline:[a-z]+:[A-Z][A-Za-z0-9]+$/;
const isComponent = (r: DeclaredResource) => r.type.startsWith("cross-account-pipeline:");

describe("components", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runAllInOne([...targetsOf(shipped("accountA").config), { ...production, fleet: true }]);
    });

    it("have three-part type tokens of this package", () => {
        const components = run.resources.filter(isComponent);
        assert.deepEqual([...new Set(components.map((c) => c.type))].sort(), [
            "cross-account-pipeline:iam:PipelineRoles",
            "cross-account-pipeline:pipeline:DeliveryPipeline",
            "cross-account-pipeline:pipeline:PipelineAccount",
            "cross-account-pipeline:pipeline:S3SourceTrigger",
            "cross-account-pipeline:storage:ArtifactStore",
            "cross-account-pipeline:storage:EncryptedBucket",
            "cross-account-pipeline:target:CodeDeployApplication",
            "cross-account-pipeline:target:Fleet",
            "cross-account-pipeline:target:TargetAccount",
        ]);
        assert.ok(components.every((c) => componentToken.test(c.type)));
    });

    it("declare every AWS resource as a child of a component, named from the component's name", () => {
        const byUrn = new Map(run.resources.map((r) => [r.registration!.urn, r]));
        const strays = run.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("awsx:")).flatMap((resource) => {
            const parent = byUrn.get(resource.registration!.parentUrn ?? "");
            if (!parent || !isComponent(parent)) {
                return [`${resource.type} ${resource.name} is not inside a component`];
            }
            return resource.name.startsWith(parent.name) ? [] : [`${resource.name} is not named from its component ${parent.name}`];
        });
        assert.deepEqual(strays, []);
    });

    it("receive each account's provider from the caller: the pipeline account's, or the target's", () => {
        const providerOf = (type: string, name: string) => {
            const component = run.resources.find((r) => r.type === type && r.name === name)!;
            return providerNameOf(component.registration!.providers.aws);
        };
        assert.equal(providerOf("cross-account-pipeline:pipeline:PipelineAccount", "pipeline"), "pipeline-account");
        assert.equal(providerOf("cross-account-pipeline:target:TargetAccount", "Staging"), "target-Staging");
        assert.equal(providerOf("cross-account-pipeline:target:TargetAccount", "Production"), "target-Production");
    });

    it("protect the artifact key and bucket and retain them together with every bucket setting", () => {
        const options = (type: string) => run.resources.filter((r) => r.type === type && r.name.includes("us-east-2"))
            .map((r) => [r.name, r.registration!.protect, r.registration!.retainOnDelete]);
        assert.deepEqual(options("aws:kms/key:Key"), [["pipeline-us-east-2-key", true, true]]);
        assert.deepEqual(options("aws:s3/bucket:Bucket"), [["pipeline-us-east-2-bucket", true, true]]);
        const settings = run.resources.filter((r) => r.type.startsWith("aws:s3/bucket") && r.type !== "aws:s3/bucket:Bucket" && r.name.startsWith("pipeline-us-east-2-bucket"));
        assert.equal(settings.length, 6);
        assert.ok(settings.every((r) => r.registration!.retainOnDelete), "a retained bucket keeps its guards");
    });

    it("with protectArtifacts: false still retain the key and bucket, unprotected, and the plan's rule accepts the retained key (the teardown of docs/operations.md)", async () => {
        const unprotected = await runPlan({ stacks: configured([{ stack: "teardown", file: "(test)", config: qualifiedConfig("accountA", { deploy: "all", protectArtifacts: false }) }]) });
        const key = unprotected.stacks[0].run!.resources.find((r) => r.type === "aws:kms/key:Key")!;
        assert.deepEqual([key.registration!.protect, key.registration!.retainOnDelete], [false, true]);
        const rule = unprotected.rules.find((r) => r.rule === "artifact-key-protection")!;
        assert.deepEqual(rule.violations, []);
        assert.equal(unprotected.ok, true);
    });

    it("load only the AWS and awsx modules they use, not the packages' indexes, which load every module (a tenth of the plan's start)", () => {
        // The run above declared every component, the fleet's VPC among them.
        const indexes = Object.keys(require.cache).filter((file) => /node_modules\/@pulumi\/awsx?\/index\.js$/.test(file));
        assert.deepEqual(indexes, []);
        assert.ok(Object.keys(require.cache).some((file) => file.endsWith("node_modules/@pulumi/aws/iam/role.js")), "the modules used are loaded");
    });
});
