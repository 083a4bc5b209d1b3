// `npm run deploy -- --plan [--json]`: the phases from the project's files alone, each stack with the account its
// credentials are for; what the example workflow builds its deploy jobs from (tests/workflow.test.ts runs that step).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "yaml";
import { CliEnvironment, parseArguments, runCli } from "../../automation/cli";
import type { PropertyBag } from "../../evaluation/propertyBag";

const repositoryDir = path.resolve(__dirname, "..", "..");
const threeAccounts = path.join(repositoryDir, "examples", "three-accounts");

async function run(argv: string[], projectDir = repositoryDir): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const environment: CliEnvironment = {
        projectDir,
        write: (line) => lines.push(line),
        ask: async () => assert.fail("--plan asks nothing"),
    };
    return { code: await runCli(argv, environment), lines };
}

/** A copy of the three-account example with its files changed by `edit` (file name to its YAML document). */
function editedThreeAccounts(edit: (documents: PropertyBag) => void): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "phase-plan-"));
    const documents = Object.fromEntries(fs.readdirSync(threeAccounts).map((file) => [file, yaml.parse(fs.readFileSync(path.join(threeAccounts, file), "utf8"))]));
    edit(documents);
    for (const [file, document] of Object.entries(documents)) {
        fs.writeFileSync(path.join(dir, file), yaml.stringify(document));
    }
    return dir;
}

describe("automation: --plan prints the phases from the project's files", () => {
    it("as one line of JSON: the shipped target stack first, then the pipeline stack, each with its account, region and partition", async () => {
        const { code, lines } = await run(["--plan", "--json"]);
        assert.equal(code, 0);
        assert.equal(lines.length, 1, "one line, which GitHub's step outputs take as it is");
        assert.deepEqual(JSON.parse(lines[0]), {
            operation: "up",
            phases: [
                [{ stack: "accountB", deploy: "target", account: "222222222222", region: "us-east-2", partition: "aws" }],
                [{ stack: "accountA", deploy: "pipeline", account: "111111111111", region: "us-east-2", partition: "aws" }],
            ],
        });
    });

    it("puts every target stack in the first phase with its own target's account, whatever the region of that target", async () => {
        const { code, lines } = await run(["--up", "--plan", "--json"], threeAccounts);
        assert.equal(code, 0);
        assert.deepEqual(JSON.parse(lines[0]).phases, [
            [
                { stack: "production", deploy: "target", account: "333333333333", region: "us-east-2", partition: "aws" },
                { stack: "staging", deploy: "target", account: "222222222222", region: "us-east-2", partition: "aws" },
            ],
            [{ stack: "pipeline", deploy: "pipeline", account: "111111111111", region: "us-east-2", partition: "aws" }],
        ]);
    });

    it("follows the operation and the stacks named: --destroy in reverse, --stack only those", async () => {
        assert.deepEqual((await run(["--destroy", "--plan"], threeAccounts)).lines, ["Plan destroy: pipeline → production + staging"]);
        assert.deepEqual((await run(["--plan"], threeAccounts)).lines, ["Plan up: production + staging → pipeline"]);
        const { lines } = await run(["--plan", "--json", "--stack", "staging"], threeAccounts);
        assert.deepEqual(JSON.parse(lines[0]).phases.flat().map((s: { stack: string }) => s.stack), ["staging"]);
    });

    it("names a stack's partition from its region, as the role ARN a CI job assumes must", async () => {
        const dir = editedThreeAccounts((documents) => {
            for (const file of ["Pulumi.pipeline.yaml", "Pulumi.staging.yaml", "Pulumi.production.yaml"]) {
                documents[file].config["cross-account-pipeline:region"] = "us-gov-west-1";
            }
            delete documents["Pulumi.yaml"].config.targets.value[1].region;
        });
        try {
            const { code, lines } = await run(["--plan", "--json"], dir);
            assert.equal(code, 0, lines.join("\n"));
            const stacks = JSON.parse(lines[0]).phases.flat();
            assert.deepEqual(stacks.map((s: { region: string; partition: string }) => [s.region, s.partition]), Array(3).fill(["us-gov-west-1", "aws-us-gov"]));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses a stack whose config the program refuses, naming its file, line and column, and prints no plan (exit 2)", async () => {
        const dir = editedThreeAccounts((documents) => {
            documents["Pulumi.staging.yaml"].config["cross-account-pipeline:pipelineAccountId"] = "1234";
        });
        try {
            const { code, lines } = await run(["--plan", "--json"], dir);
            assert.equal(code, 2);
            assert.equal(lines.length, 1);
            assert.match(lines[0], /^deploy: \S*Pulumi\.staging\.yaml:\d+:\d+: pipelineAccountId: "1234" is not an AWS account id; expected exactly 12 digits[^]*\[stack staging\]$/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("reports a wrong value in the project's shared targets once, where Pulumi.yaml writes it, for every stack that reads it", async () => {
        const dir = editedThreeAccounts((documents) => {
            documents["Pulumi.yaml"].config.targets.value[0].accountId = "12345";
        });
        try {
            const { code, lines } = await run(["--plan"], dir);
            assert.equal(code, 2);
            const reported = lines.join("\n").split("\n");
            assert.equal(reported.length, 1, reported.join("\n"));
            assert.match(reported[0], /^deploy: \S*Pulumi\.yaml:\d+:\d+: targets\[0\]\.accountId: "12345" is not an AWS account id[^]*\[all 3 stacks\]$/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("reads --plan and --json: --up by default, --json only with --plan, neither takes a value", () => {
        const parsed = parseArguments(["--plan", "--json"]);
        assert.ok(!parsed.help);
        assert.deepEqual([parsed.command.operation, parsed.command.plan], ["up", "json"]);
        const destroy = parseArguments(["--destroy", "--plan"]);
        assert.ok(!destroy.help);
        assert.deepEqual([destroy.command.operation, destroy.command.plan], ["destroy", "text"]);
        const up = parseArguments(["--up"]);
        assert.ok(!up.help && !("plan" in up.command), "a run without --plan has no plan field");
        assert.throws(() => parseArguments(["--up", "--json"]), /--json only applies to --plan/);
        assert.throws(() => parseArguments(["--plan=yes"]), /--plan takes no value/);
        assert.throws(() => parseArguments(["--plan", "--json=1"]), /--json takes no value/);
    });

    it("runs as `npm run deploy` does without a Pulumi CLI or any credentials on the machine", () => {
        // Only Node, npm and the shell npm runs scripts with on PATH (no pulumi), no AWS or Pulumi variable, and an
        // empty home (no ~/.aws, no ~/.pulumi).
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "node-only-"));
        const npm = (process.env.PATH ?? "").split(path.delimiter).map((dir) => path.join(dir, "npm")).find((file) => fs.existsSync(file));
        assert.ok(npm, "npm is on PATH");
        fs.symlinkSync(process.execPath, path.join(bin, "node"));
        fs.symlinkSync(fs.realpathSync(npm), path.join(bin, "npm"));
        fs.symlinkSync("/bin/sh", path.join(bin, "sh"));
        const result = spawnSync(path.join(bin, "npm"), ["run", "--silent", "deploy", "--", "--plan", "--json"], {
            cwd: repositoryDir, encoding: "utf8", env: { PATH: bin, HOME: path.join(bin, "home") },
        });
        fs.rmSync(bin, { recursive: true, force: true });
        assert.equal(result.status, 0, `${result.error ?? ""}${result.stderr}`);
        assert.equal(result.stdout.trim().split("\n").length, 1, result.stdout);
        assert.deepEqual(JSON.parse(result.stdout).phases.map((phase: { stack: string }[]) => phase.map((s) => s.stack)), [["accountB"], ["accountA"]]);
    });
});
