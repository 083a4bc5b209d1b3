import * as assert from "assert";
import { countChanges, countManagedResources, lineSplitter, plainOutputs, resourceChangeOf } from "../../automation/pulumiStacks";

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
        assert.deepStrictEqual(countChanges({ create: 3, same: 2, "create-replacement": 1 }), {
            create: 3,
            update: 0,
            replace: 0,
            delete: 0,
            same: 2,
        });
        assert.deepStrictEqual(countChanges(undefined), { create: 0, update: 0, replace: 0, delete: 0, same: 0 });
    });

    it("lists the resources a step changes, once per replacement", () => {
        const urn = "urn:pulumi:accountA::cross-account-pipeline::pkg:index:Pipeline$aws:kms/key:Key::artifact-key";
        const step = (op: "create" | "same" | "replace" | "create-replacement") => ({ op, urn, type: "aws:kms/key:Key" });
        assert.deepStrictEqual(resourceChangeOf(step("create")), { op: "create", type: "aws:kms/key:Key", name: "artifact-key" });
        assert.deepStrictEqual(resourceChangeOf(step("replace"))?.op, "replace");
        assert.strictEqual(resourceChangeOf(step("same")), undefined);
        assert.strictEqual(resourceChangeOf(step("create-replacement")), undefined);
    });

    it("counts the resources of an exported state without the stack and its providers", () => {
        const deployment = {
            resources: [
                { type: "pulumi:pulumi:Stack" },
                { type: "pulumi:providers:aws" },
                { type: "aws:iam/role:Role" },
                { type: "aws:codedeploy/application:Application" },
            ],
        };
        assert.strictEqual(countManagedResources(deployment), 2);
        assert.strictEqual(countManagedResources({}), 0);
        assert.strictEqual(countManagedResources(undefined), 0);
    });

    it("unwraps output values", () => {
        assert.deepStrictEqual(plainOutputs({ pipelineName: { value: "p", secret: false }, token: { value: "s", secret: true } }), {
            pipelineName: "p",
            token: "s",
        });
    });
});
