import * as assert from "assert";
import type { OpType } from "@pulumi/pulumi/automation";
import { countChanges, lineSplitter, plainOutputs, resourceChangeOf, summarizeState } from "../../automation/pulumiStacks";
import { hasChanges } from "../../automation/stackWorkspace";

describe("automation: reading the Automation API's results", () => {
    it("hands the CLI's output on line by line, whatever the chunks", () => {
        const lines: string[] = [];
        const splitter = lineSplitter((line) => lines.push(line));
        splitter.push("Previewing update (acc");
        splitter.push("ountA):\n  + aws:kms:Key key create\r\n  + aws:s3:Bucket");
        assert.deepStrictEqual(lines, ["Previewing update (accountA):", "  + aws:kms:Key key create"]);
        splitter.flush();
        assert.deepStrictEqual(lines.slice(2), ["  + aws:s3:Bucket"]);
    });

    it("counts changes, with zero for what the summary leaves out", () => {
        const counted = countChanges({ create: 3, same: 2, "create-replacement": 1, import: 2, "import-replacement": 1, discard: 1 });
        assert.deepStrictEqual(
            Object.entries(counted).filter(([, count]) => count > 0),
            [["same", 2], ["create", 3], ["create-replacement", 1], ["discard", 1], ["import", 2], ["import-replacement", 1]],
        );
        assert.strictEqual(Object.keys(counted).length, 15, "every kind of step the engine has, 0 where none occurred");
        assert.ok(Object.values(countChanges(undefined)).every((count) => count === 0));
        // What changes the stack: an import does, reading (a StackReference) does not.
        assert.equal(hasChanges(countChanges({ read: 3, same: 2 })), false);
        assert.equal(hasChanges(countChanges({ import: 1 })), true);
    });

    it("lists the resources a step changes, once per replacement", () => {
        const urn = "urn:pulumi:accountA::cross-account-pipeline::pkg:index:Pipeline$aws:kms/key:Key::artifact-key";
        const step = (op: OpType) => ({ op, urn, type: "aws:kms/key:Key" });
        assert.deepStrictEqual(resourceChangeOf(step("create")), { op: "create", type: "aws:kms/key:Key", name: "artifact-key" });
        for (const op of ["replace", "import", "import-replacement", "discard", "discard-replaced", "read-replacement", "refresh", "remove-pending-replace"] as const) {
            assert.strictEqual(resourceChangeOf(step(op))?.op, op);
        }
        assert.strictEqual(resourceChangeOf(step("same")), undefined);
        // A StackReference reads on every run: not a change to list, as the CLI hides reads.
        assert.strictEqual(resourceChangeOf(step("read")), undefined);
        assert.strictEqual(resourceChangeOf(step("create-replacement")), undefined);
        assert.strictEqual(resourceChangeOf(step("delete-replaced")), undefined);
    });

    it("counts what a destroy would delete, apart from the protected resources and what they need", () => {
        const urn = (type: string, name: string) => `urn:pulumi:accountA::cross-account-pipeline::${type}::${name}`;
        const stack = urn("pulumi:pulumi:Stack", "cross-account-pipeline-accountA");
        const store = urn("cross-account-pipeline:components:ArtifactStore", "store");
        const key = urn("cross-account-pipeline:components:ArtifactStore$aws:kms/key:Key", "store-key");
        const bucket = urn("cross-account-pipeline:components:ArtifactStore$aws:s3/bucket:Bucket", "store-bucket");
        const keyPolicy = urn("aws:kms/keyPolicy:KeyPolicy", "key-policy");
        const role = urn("aws:iam/role:Role", "pipeline-role");
        const pipeline = urn("aws:codepipeline/pipeline:Pipeline", "pipeline");
        const deployment = {
            resources: [
                { urn: stack, type: "pulumi:pulumi:Stack" },
                { urn: urn("pulumi:providers:aws", "pipeline-account"), type: "pulumi:providers:aws" },
                { urn: store, type: "cross-account-pipeline:components:ArtifactStore", parent: stack },
                { urn: role, type: "aws:iam/role:Role", parent: stack },
                { urn: key, type: "aws:kms/key:Key", parent: store, protect: true },
                { urn: bucket, type: "aws:s3/bucket:Bucket", parent: store, protect: true, propertyDependencies: { kmsKeyId: [key] } },
                // The key's policy depends on the key: it can go, the key stays.
                { urn: keyPolicy, type: "aws:kms/keyPolicy:KeyPolicy", parent: stack, dependencies: [key, role] },
                { urn: pipeline, type: "aws:codepipeline/pipeline:Pipeline", parent: stack, dependencies: [role, bucket] },
            ],
        };
        const summary = summarizeState(deployment);
        assert.deepStrictEqual(summary.kept, [
            { type: "cross-account-pipeline:components:ArtifactStore", name: "store" },
            { type: "aws:kms/key:Key", name: "store-key" },
            { type: "aws:s3/bucket:Bucket", name: "store-bucket" },
        ]);
        assert.strictEqual(summary.destroyable, 3, "the role, the key policy and the pipeline");

        // What a bucket needs stays with it: here the role it depends on.
        const withRole = { resources: deployment.resources.map((r) => (r.urn === bucket ? { ...r, dependencies: [role] } : r)) };
        assert.strictEqual(summarizeState(withRole).destroyable, 2);
        assert.deepStrictEqual(summarizeState({}), { destroyable: 0, kept: [] });
        assert.deepStrictEqual(summarizeState(undefined), { destroyable: 0, kept: [] });
    });

    it("unwraps output values", () => {
        assert.deepStrictEqual(plainOutputs({ pipelineName: { value: "p", secret: false }, token: { value: "s", secret: true } }), {
            pipelineName: "p",
            token: "s",
        });
    });
});
