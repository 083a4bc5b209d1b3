// Config problems once, where they are: each stack's config is parsed once before any stack is evaluated, and a
// problem in a value many stacks read is reported once, at the file, line and column of that value.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { affectedStacks, stackConfigs } from "../offline-plan/stackConfigs";
import { parseProjectFile, parseStackFile, readStackFile, valuePosition, withProjectConfig } from "../project/stackFiles";
import { projectRoot } from "./fixtures";

/** A project file sharing one target, whose entry's lines are `targetLines` (six-space indented under `- `). */
function projectFile(...targetLines: string[]): string {
    return [
        "name: cross-account-pipeline",
        "runtime: nodejs",
        "config:",
        "  pipelineName: {type: string, default: CrossAccountPipeline}",
        "  targets:",
        "    value:",
        "      - name: Staging",
        ...targetLines.map((line) => `        ${line}`),
        "",
    ].join("\n");
}

const stagingFields = ["stack: organization/cross-account-pipeline/accountB", "applicationName: App", "deploymentGroupName: Group"];

const pipelineStack = (pipelineName: string) =>
    `config:\n  cross-account-pipeline:deploy: pipeline\n  cross-account-pipeline:region: us-east-2\n  cross-account-pipeline:pipelineAccountId: "111111111111"\n  cross-account-pipeline:pipelineName: ${pipelineName}\n`;
const targetStack = `config:\n  cross-account-pipeline:deploy: target\n  cross-account-pipeline:target: Staging\n  cross-account-pipeline:region: us-east-2\n  cross-account-pipeline:pipelineAccountId: "111111111111"\n`;

/** A project folder: its Pulumi.yaml and a stack file per entry of `stacks` (name to text); the stack files' paths. */
function project(dir: string, projectText: string, stacks: Record<string, string>): string[] {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), projectText);
    return Object.entries(stacks).map(([stack, text]) => {
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        fs.writeFileSync(file, text);
        return file;
    });
}

/** `count` pipeline stacks named p001, p002...; with `targets`, as many target stacks t001... too. */
function manyStacks(count: number, targets = 0): Record<string, string> {
    const name = (prefix: string, i: number) => `${prefix}${String(i + 1).padStart(3, "0")}`;
    return Object.fromEntries([
        ...Array.from({ length: count }, (_, i) => [name("p", i), pipelineStack(`P${i}`)]),
        ...Array.from({ length: targets }, (_, i) => [name("t", i), targetStack]),
    ]);
}

describe("config problems, once, where they are", () => {
    let scratch: string;
    before(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), "stack-configs-"))));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("reports a bad value of Pulumi.yaml's shared targets once, at its line and column, for all the stacks that read it", () => {
        const dir = path.join(scratch, "unquoted");
        const files = project(dir, projectFile("accountId: 234567890123", ...stagingFields), manyStacks(121));
        const { stacks, problems } = stackConfigs(files.map((file) => readStackFile(file)));
        assert.deepEqual(stacks, []);
        // Line 8 of the project file, where the value starts after "        accountId: ".
        assert.deepEqual(problems, [
            `${path.join(dir, "Pulumi.yaml")}:8:20: targets[0].accountId: 234567890123 is a number in YAML; quote it: "234567890123" (an AWS account id is 12 digits, as a string) [all 121 stacks]`,
        ]);
    });

    it("names the stacks a shared value fails for when they are some of them, and a field left out where its entry is", () => {
        const dir = path.join(scratch, "no-stack");
        const files = project(dir, projectFile(`accountId: "222222222222"`, "applicationName: App", "deploymentGroupName: Group"), manyStacks(25, 96));
        const { stacks, problems } = stackConfigs(files.map((file) => readStackFile(file)));
        assert.equal(stacks.length, 96, "the target stacks need no targets[].stack");
        assert.deepEqual(problems, [
            `${path.join(dir, "Pulumi.yaml")}:7:9: targets[0].stack: missing; with deploy "pipeline" each target names the stack that deploys its account (deploy: target), ` +
                `e.g. "organization/cross-account-pipeline/accountB" [25 stacks: p001, p002, p003 and 22 more]`,
        ]);
    });

    it("places a problem in the stack file that writes the value, overriding the shared one", () => {
        const dir = path.join(scratch, "own-targets");
        const own = `${pipelineStack("Own")}  cross-account-pipeline:targets:\n    - {name: Staging, accountId: "22222222222", applicationName: App, deploymentGroupName: Group, stack: organization/cross-account-pipeline/accountB}\n`;
        const files = project(dir, projectFile(`accountId: "222222222222"`, ...stagingFields), { own, shared: pipelineStack("Shared") });
        const { stacks, problems } = stackConfigs(files.map((file) => readStackFile(file)));
        assert.deepEqual(stacks.map((s) => s.file.stack), ["shared"]);
        assert.deepEqual(problems, [
            `${files[0]}:7:34: targets[0].accountId: "22222222222" is not an AWS account id; expected exactly 12 digits (quote it in YAML to keep leading zeros) [stack own]`,
        ]);
    });

    it("reports a key no file writes once for the stacks missing it, and with the stack file when one stack misses it", () => {
        const dir = path.join(scratch, "missing");
        const withoutAccount = (text: string) => text.replace(/ {2}cross-account-pipeline:pipelineAccountId: .*\n/, "");
        const files = project(dir, projectFile(`accountId: "222222222222"`, ...stagingFields), { a: withoutAccount(pipelineStack("A")), b: withoutAccount(pipelineStack("B")), c: pipelineStack("C") });
        const missing = `pipelineAccountId: missing; expected a 12-digit AWS account id (quote it in YAML: "111111111111")`;
        assert.deepEqual(stackConfigs(files.map((file) => readStackFile(file))).problems, [`${missing} [stacks a and b]`]);
        assert.deepEqual(stackConfigs([readStackFile(files[0])]).problems, [`${files[0]}: ${missing} [stack a]`]);
    });
});

describe("docs/review.md's example of a config problem", () => {
    it("is what the plan reports for the shipped project with the example target's account id unquoted", () => {
        const readme = fs.readFileSync(path.join(projectRoot, "docs", "review.md"), "utf8");
        const shown = /<!-- plan config problem: [^\n]*-->\n\s*```\n\s*plan: (.*)\n/.exec(readme)?.[1];
        assert.ok(shown, "docs/review.md shows the line");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "readme-config-problem-"));
        try {
            const projectText = fs.readFileSync(path.join(projectRoot, "Pulumi.yaml"), "utf8");
            const files = project(dir, projectText.replace(`accountId: "222222222222"`, "accountId: 222222222222"), Object.fromEntries(["accountA", "accountB"].map((stack) =>
                [stack, fs.readFileSync(path.join(projectRoot, `Pulumi.${stack}.yaml`), "utf8")])));
            const { problems } = stackConfigs(files.map((file) => readStackFile(file)));
            assert.deepEqual(problems.map((problem) => problem.replace(`${path.join(dir, "Pulumi.yaml")}:`, "Pulumi.yaml:")), [shown]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("the stacks a problem affects", () => {
    it("says all of them, one, a few by name, or how many and the first three", () => {
        assert.equal(affectedStacks(["a"], 1), "stack a");
        assert.equal(affectedStacks(["a"], 3), "stack a");
        assert.equal(affectedStacks(["a", "b", "c"], 3), "all 3 stacks");
        assert.equal(affectedStacks(["a", "b"], 3), "stacks a and b");
        assert.equal(affectedStacks(["a", "b", "c", "d", "e"], 6), "stacks a, b, c, d and e");
        assert.equal(affectedStacks(["a", "b", "c", "d", "e", "f"], 7), "6 stacks: a, b, c and 3 more");
    });
});

describe("where a value is written", () => {
    const at = (text: string, key: string, ...keyPath: (string | number)[]) => {
        const { line, column } = valuePosition(parseStackFile("Pulumi.test.yaml", text).sources![`cross-account-pipeline:${key}`], keyPath);
        return `${line}:${column}`;
    };

    it("finds a value inside a key's value: a list's item, an object's field, in block or flow style", () => {
        const text = "config:\n  cross-account-pipeline:targets:\n    - name: A\n    - {name: B, fleet: {size: 0}}\n";
        assert.equal(at(text, "targets"), "3:5");
        assert.equal(at(text, "targets", 0, "name"), "3:13");
        assert.equal(at(text, "targets", 1, "fleet", "size"), "4:31");
    });

    it("points at the nearest value written when the path goes further (a field left out)", () => {
        assert.equal(at("config:\n  cross-account-pipeline:targets:\n    - name: A\n", "targets", 0, "stack"), "3:7");
        assert.equal(at("config:\n  cross-account-pipeline:targets:\n    - name: A\n", "targets", 3), "3:5");
    });

    it("follows an alias to its anchor, and a << merge to the mapping that gives the key, as yaml.v2 merges", () => {
        const text = [
            "base: &base {accountId: 222222222222, region: us-east-2}",
            "config:",
            "  cross-account-pipeline:targets:",
            "    - {<<: *base, name: A}",
            "    - {region: eu-west-1, <<: *base}",
            "    - *base",
            "",
        ].join("\n");
        assert.equal(at(text, "targets", 0, "accountId"), "1:25");
        // A key set before the merge is overwritten by it (yaml.v2 decode.go merge), so the base's region is the one read.
        assert.equal(at(text, "targets", 1, "region"), "1:47");
        assert.equal(at(text, "targets", 2, "region"), "1:47");
        assert.equal(at(text, "targets", 0, "name"), "4:25");
    });

    it("finds a project value where the CLI takes it: a plain value, a declaration's value, a declaration's default", () => {
        const project = parseProjectFile("Pulumi.yaml", [
            "name: cross-account-pipeline",
            "config:",
            "  region: us-east-2",
            "  pipelineName: {type: string, value: Shared}",
            "  protectArtifacts: {type: boolean, description: it is, default: true}",
            "",
        ].join("\n"));
        const stack = withProjectConfig(parseStackFile("Pulumi.s.yaml", "config:\n  cross-account-pipeline:region: eu-west-1\n"), project);
        const position = (key: string) => {
            const { file, line, column } = valuePosition(stack.sources![`cross-account-pipeline:${key}`], []);
            return `${file}:${line}:${column}`;
        };
        assert.equal(position("region"), "Pulumi.s.yaml:2:34", "the stack's own value wins, as in its config");
        assert.equal(position("pipelineName"), "Pulumi.yaml:4:39");
        assert.equal(position("protectArtifacts"), "Pulumi.yaml:5:66");
        assert.equal(stack.config["cross-account-pipeline:protectArtifacts"], "true");
    });
});
