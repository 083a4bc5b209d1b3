import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DriverError } from "../../automation/errors";
import { readProjectStacks, selectStacks, StackDefinition, stackDefinition } from "../../automation/stackFiles";
import { parseProjectFile, parseStackFile, projectStackName } from "../../project/stackFiles";

const PROJECT = "cross-account-pipeline";
const repositoryDir = path.resolve(__dirname, "..", "..");

const definitionOf = (fileName: string, text: string) => {
    const file = parseStackFile(fileName, text);
    return stackDefinition(file.stack, fileName, file.config, PROJECT);
};

function withProject<T>(files: Record<string, string>, run: (dir: string) => T): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
    try {
        for (const [name, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
            fs.writeFileSync(path.join(dir, name), text);
        }
        return run(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const pipelineFile = (targets: string) => `config:\n  ${PROJECT}:deploy: pipeline\n  ${PROJECT}:targets:\n${targets}`;

describe("automation: stack files", () => {
    it("reads the roles of the shipped stack files, and reads only stacks of the project", () => {
        const { definitions } = readProjectStacks(repositoryDir);
        assert.strictEqual(definitions.find((stack) => stack.name === "accountA")?.role, "pipeline");
        assert.strictEqual(definitions.find((stack) => stack.name === "accountB")?.role, "target");
        const known = definitions.map((stack) => stack.name);
        assert.ok(definitions.every((stack) => stack.reads.every((name) => known.includes(name))), JSON.stringify(definitions));
    });

    it("takes a pipeline stack's reads from its targets' `stack`, and nothing from a target stack", () => {
        const pipeline = definitionOf(
            "Pulumi.accountA.yaml",
            pipelineFile(
                "    - { name: Staging, stack: organization/cross-account-pipeline/accountB }\n" +
                    "    - { name: Prod, stack: organization/cross-account-pipeline/accountC }\n" +
                    "    - { name: Again, stack: accountB }\n" +
                    "    - { name: Other, stack: acme/another-project/accountB }\n" +
                    "    - { name: Unnamed }\n",
            ),
        );
        // The organization of this project's stacks it reads; another project's is none of the run's.
        assert.deepStrictEqual(pipeline, { name: "accountA", role: "pipeline", reads: ["accountB", "accountC"], organizations: ["organization"] });
        // `pipelineStack` is no longer read: neither required nor an edge.
        const target = `config:\n  ${PROJECT}:deploy: target\n  ${PROJECT}:pipelineStack: organization/${PROJECT}/accountA\n`;
        assert.deepStrictEqual(definitionOf("Pulumi.accountB.yaml", target), { name: "accountB", role: "target", reads: [] });
        assert.deepStrictEqual(definitionOf("Pulumi.solo.yaml", `config:\n  ${PROJECT}:deploy: all\n`), { name: "solo", role: "all", reads: [] });
    });

    it("knows a stack of this project by the project segment of its name", () => {
        assert.strictEqual(projectStackName("organization/cross-account-pipeline/accountB", PROJECT), "accountB");
        // targets[].stack is fully qualified (config refuses anything else), so a shorter name is no stack of this project.
        assert.strictEqual(projectStackName("acme/accountB", PROJECT), undefined);
        assert.strictEqual(projectStackName("accountB", PROJECT), undefined);
        assert.strictEqual(projectStackName("organization/other/accountB", PROJECT), undefined);
    });

    it("names the file, the key and the bad value", () => {
        assert.deepStrictEqual(definitionOf("Pulumi.x.yaml", `config:\n  ${PROJECT}:deploy: everything\n`), [
            `Pulumi.x.yaml: ${PROJECT}:deploy is "everything"; expected one of pipeline, target, all`,
        ]);
        assert.deepStrictEqual(definitionOf("Pulumi.x.yaml", "config: {}\n"), [
            `Pulumi.x.yaml: ${PROJECT}:deploy is missing; expected one of pipeline, target, all`,
        ]);
        assert.deepStrictEqual(definitionOf("Pulumi.x.yaml", pipelineFile("    - { name: A, stack: 5 }\n    - { name: B, stack: a//b }\n")), [
            `Pulumi.x.yaml: ${PROJECT}:targets[0].stack is 5; expected the target's stack, e.g. organization/${PROJECT}/accountB`,
            `Pulumi.x.yaml: ${PROJECT}:targets[1].stack is "a//b"; expected the target's stack, e.g. organization/${PROJECT}/accountB`,
        ]);
        assert.throws(() => definitionOf("Pulumi.x.yaml", "config: [\n"), /Pulumi\.x\.yaml: not valid YAML/);
    });

    it("honours the project's own config values and stackConfigDir, a stack's value winning", () => {
        const project =
            `name: ${PROJECT}\nruntime: nodejs\nstackConfigDir: stacks\nconfig:\n` +
            `  deploy:\n    type: string\n    default: target\n` +
            `  ${PROJECT}:targets:\n    value:\n      - { name: Staging, stack: organization/${PROJECT}/accountB }\n`;
        withProject(
            {
                "Pulumi.yaml": project,
                "stacks/Pulumi.accountA.yaml": `config:\n  ${PROJECT}:deploy: pipeline\n`,
                "stacks/Pulumi.accountB.yaml": "config: {}\n",
            },
            (dir) => {
                const { definitions } = readProjectStacks(dir);
                assert.deepStrictEqual(definitions, [
                    { name: "accountA", role: "pipeline", reads: ["accountB"], organizations: ["organization"] },
                    { name: "accountB", role: "target", reads: [] },
                ]);
            },
        );
    });

    it("turns a project's config block into the values Pulumi gives every stack", () => {
        const text = [
            `name: ${PROJECT}`,
            "runtime: nodejs",
            "config:",
            "  region: us-east-2",
            "  aws:skipMetadataApiCheck: false",
            "  protectArtifacts: {type: boolean, description: protect the key, default: true}",
            "  pipelineName: {type: string, description: required per stack}",
            "  pulumi:disable-default-providers: {value: [aws]}",
            "  credentials: {profile: admin}",
        ].join("\n");
        assert.deepStrictEqual(parseProjectFile("Pulumi.yaml", text).config, {
            [`${PROJECT}:region`]: "us-east-2",
            "aws:skipMetadataApiCheck": "false",
            [`${PROJECT}:protectArtifacts`]: "true",
            "pulumi:disable-default-providers": '["aws"]',
            [`${PROJECT}:credentials`]: '{"profile":"admin"}',
        });
        assert.deepStrictEqual(parseProjectFile("Pulumi.yaml", `name: ${PROJECT}\nruntime: nodejs\n`).config, {});
    });

    it("reads each stack file's secrets settings", () => {
        withProject(
            {
                "Pulumi.yaml": `name: ${PROJECT}\nruntime: nodejs\n`,
                "Pulumi.a.yaml": `encryptionsalt: v1:abc:v1:def\nconfig:\n  ${PROJECT}:deploy: target\n`,
                "Pulumi.b.yaml": `secretsprovider: awskms://alias/state\nencryptedkey: xyz\nconfig:\n  ${PROJECT}:deploy: target\n`,
            },
            (dir) => {
                assert.deepStrictEqual(readProjectStacks(dir).secrets, {
                    a: { hasEncryptionSalt: true },
                    b: { secretsProvider: "awskms://alias/state", hasEncryptionSalt: false },
                });
            },
        );
    });

    it("reports the problems of every stack file together", () => {
        withProject(
            {
                "Pulumi.yaml": `name: ${PROJECT}\nruntime: nodejs\n`,
                "Pulumi.one.yaml": "config: {}\n",
                "Pulumi.two.yaml": `config:\n  ${PROJECT}:deploy: nope\n`,
            },
            (dir) =>
                assert.throws(
                    () => readProjectStacks(dir),
                    (error: unknown) =>
                        error instanceof DriverError && /Pulumi\.one\.yaml/.test(error.message) && /Pulumi\.two\.yaml/.test(error.message),
                ),
        );
    });

    it("says so when a project has no stack files, or no project file", () => {
        withProject({ "Pulumi.yaml": `name: ${PROJECT}\nruntime: nodejs\n` }, (dir) =>
            assert.throws(() => readProjectStacks(dir), /no stack files \(Pulumi\.<stack>\.yaml\)/),
        );
        withProject({}, (dir) => assert.throws(() => readProjectStacks(dir), /no Pulumi\.yaml in/));
    });

    it("selects the named stacks, or all, and rejects a name without a stack file", () => {
        const all: StackDefinition[] = [
            { name: "accountA", role: "pipeline", reads: ["accountB"] },
            { name: "accountB", role: "target", reads: [] },
        ];
        assert.deepStrictEqual(selectStacks(all), all);
        assert.deepStrictEqual(selectStacks(all, ["accountB"]), [all[1]]);
        assert.throws(() => selectStacks(all, ["accountZ"]), /unknown stack "accountZ".*\(stacks: accountA, accountB\)/);
    });
});
