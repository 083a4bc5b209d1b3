import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DriverError } from "../../automation/errors";
import { readStackFiles, selectStacks, StackDefinition, stackDefinition } from "../../automation/stackFiles";
import { parseStackFile } from "../../project/stackFiles";

const definitionOf = (fileName: string, text: string) => stackDefinition(parseStackFile(fileName, text));

const repositoryDir = path.resolve(__dirname, "..", "..");

describe("automation: stack files", () => {
    it("reads the roles of the shipped stack files", () => {
        const stacks = readStackFiles(repositoryDir);
        assert.deepStrictEqual(
            stacks.find((stack) => stack.name === "accountA"),
            { name: "accountA", role: "pipeline" },
        );
        assert.deepStrictEqual(
            stacks.find((stack) => stack.name === "accountB"),
            { name: "accountB", role: "target", pipelineStack: "accountA" },
        );
    });

    it("reads an all-in-one stack", () => {
        const text = "config:\n  cross-account-pipeline:deploy: all\n";
        assert.deepStrictEqual(definitionOf("Pulumi.solo.yaml", text), { name: "solo", role: "all" });
    });

    it("names the file, the key and the bad value", () => {
        assert.deepStrictEqual(definitionOf("Pulumi.x.yaml", "config:\n  cross-account-pipeline:deploy: everything\n"), [
            'Pulumi.x.yaml: cross-account-pipeline:deploy is "everything"; expected one of pipeline, target, all',
        ]);
        assert.deepStrictEqual(definitionOf("Pulumi.x.yaml", "config: {}\n"), [
            "Pulumi.x.yaml: cross-account-pipeline:deploy is missing; expected one of pipeline, target, all",
        ]);
        const target = definitionOf("Pulumi.x.yaml", "config:\n  cross-account-pipeline:deploy: target\n");
        assert.match((target as string[])[0], /Pulumi\.x\.yaml: cross-account-pipeline:pipelineStack is missing/);
        assert.throws(() => definitionOf("Pulumi.x.yaml", "config: [\n"), /Pulumi\.x\.yaml: not valid YAML/);
    });

    it("reports the problems of every stack file together", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: cross-account-pipeline\n");
            fs.writeFileSync(path.join(dir, "Pulumi.one.yaml"), "config: {}\n");
            fs.writeFileSync(path.join(dir, "Pulumi.two.yaml"), "config:\n  cross-account-pipeline:deploy: nope\n");
            assert.throws(
                () => readStackFiles(dir),
                (error: unknown) =>
                    error instanceof DriverError && /Pulumi\.one\.yaml/.test(error.message) && /Pulumi\.two\.yaml/.test(error.message),
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("says so when a directory has no stack files", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
        try {
            assert.throws(() => readStackFiles(dir), /no stack files \(Pulumi\.<stack>\.yaml\)/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("selects the named stacks, or all, and rejects a name without a stack file", () => {
        const all: StackDefinition[] = [
            { name: "accountA", role: "pipeline" },
            { name: "accountB", role: "target", pipelineStack: "accountA" },
        ];
        assert.deepStrictEqual(selectStacks(all), all);
        assert.deepStrictEqual(selectStacks(all, ["accountB"]), [all[1]]);
        assert.throws(() => selectStacks(all, ["accountZ"]), /unknown stack "accountZ".*\(stacks: accountA, accountB\)/);
    });
});
