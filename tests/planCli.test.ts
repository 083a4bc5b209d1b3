import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { benchmarkStack, writeStackFile } from "../offline-plan/bench";
import { exitStatus, parseArguments, PlanInputError } from "../offline-plan/cli";
import { planCommand } from "../offline-plan/command";
import { projectRoot } from "./fixtures";

// The command `npm run plan` runs (package.json), without npm.
const { file: program, args: cli } = planCommand(projectRoot);

describe("npm run plan, as a command", () => {
    let scratch: string;
    before(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"))));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("with --verbose, gets every byte of the whole report and the verdict last through a pipe read slowly, however long the report", function () {
        this.timeout(240_000);
        const out = path.join(scratch, "out");
        const stackFile = writeStackFile(scratch, "many", benchmarkStack(25, 1).config);
        // Only the pipe buffers (64 KiB): its reader starts once the plan has written its folder, and the
        // plan exits at once after that if it does not wait for stdout to drain.
        const script = [
            "set -o pipefail",
            `"$0" "$@" --verbose --out "${out}" "${stackFile}" 2>/dev/null | {`,
            `  for i in $(seq 1200); do [ -e "${out}/plan.txt" ] && break; sleep 0.2; done; sleep 2; cat; }`,
        ].join("\n");
        const run = spawnSync("bash", ["-c", script, program, ...cli], { cwd: projectRoot, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        assert.equal(run.status, 0, run.stderr);
        const report = fs.readFileSync(path.join(out, "plan.txt"), "utf8");
        assert.ok(Buffer.byteLength(report) > 64 * 1024, `the report must exceed a pipe's buffer; it has ${Buffer.byteLength(report)} bytes`);
        assert.ok(run.stdout.startsWith(`${report}\n`), `received ${Buffer.byteLength(run.stdout)} bytes, the report alone has ${Buffer.byteLength(report)}`);
        assert.match(run.stdout.slice(report.length + 1), /^Wrote \d+ files to .*\nPLAN OK: 1 stacks, \d+ resources, \d+ create-time checks, \d+ access checks and \d+ isolation checks passed in [\d.]+ s\n$/);
    });

    it("reports every input problem together, exits 2 before planning, and touches nothing", function () {
        this.timeout(60_000);
        const notes = path.join(scratch, "notes.txt");
        fs.writeFileSync(notes, "mine");
        const secretStack = path.join(scratch, "Pulumi.secret.yaml");
        fs.writeFileSync(secretStack, "config:\n  cross-account-pipeline:pipelineAccountId:\n    secure: v1:abc\n");
        const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CROSS_ACCOUNT_PIPELINE_CONFIG_")));
        const run = spawnSync(program, [...cli, "--out", notes, scratch, secretStack], { cwd: projectRoot, encoding: "utf8", env });
        assert.equal(run.status, 2);
        assert.equal(run.stdout, "");
        const lines = run.stderr.trimEnd().split("\n");
        assert.deepEqual(lines.map((line) => line.slice(0, 60)), [
            `plan: cannot write the plan to ${notes}: it is a file, not a folder`,
            `plan: ${scratch}: is a directory; expected a stack file named Pulumi.<stack>.yaml`,
            `plan: ${secretStack}: cross-account-pipeline:pipelineAccountId is a secret`,
        ].map((line) => line.slice(0, 60)));
        assert.match(lines[2], /in the environment variable CROSS_ACCOUNT_PIPELINE_CONFIG_pipelineAccountId$/);
        assert.equal(fs.readFileSync(notes, "utf8"), "mine");
    });

    it("reports a bad value that 121 stacks share once, at its file, line and column, exits 2 and writes nothing", function () {
        this.timeout(60_000);
        const project = path.join(scratch, "shared-targets");
        fs.mkdirSync(project);
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), [
            "name: cross-account-pipeline",
            "runtime: nodejs",
            "config:",
            "  targets:",
            "    value:",
            "      - name: Staging",
            "        stack: organization/cross-account-pipeline/accountB",
            "        accountId: 234567890123",
            "        applicationName: App",
            "        deploymentGroupName: Group",
            "",
        ].join("\n"));
        const stackFiles = Array.from({ length: 121 }, (_, i) => {
            const file = path.join(project, `Pulumi.pipeline${i}.yaml`);
            fs.writeFileSync(file, `config:\n  cross-account-pipeline:deploy: pipeline\n  cross-account-pipeline:region: us-east-2\n  cross-account-pipeline:pipelineAccountId: "111111111111"\n  cross-account-pipeline:pipelineName: Pipeline${i}\n`);
            return file;
        });
        const out = path.join(scratch, "never-written-shared");
        const run = spawnSync(program, [...cli, "--out", out, ...stackFiles], { cwd: projectRoot, encoding: "utf8" });
        assert.equal(run.status, exitStatus.badInput, run.stderr);
        assert.equal(run.stdout, "", "nothing that reads like a plan");
        assert.equal(run.stderr, `plan: ${path.join(project, "Pulumi.yaml")}:8:20: targets[0].accountId: 234567890123 is a number in YAML; ` +
            `quote it: "234567890123" (an AWS account id is 12 digits, as a string) [all 121 stacks]\n`);
        assert.ok(!fs.existsSync(out), "no plan folder");
    });

    it("prints the counts and the checks by default, the whole listing in plan.txt; compares with an earlier plan, exiting 4 on a change and 1 on a failure", function () {
        this.timeout(240_000);
        const plan = (...args: string[]) => spawnSync(program, [...cli, ...args], { cwd: projectRoot, encoding: "utf8" });
        const [earlier, same, changed, failed] = ["earlier", "same", "changed", "failed"].map((name) => path.join(scratch, name));

        const first = plan("--out", earlier);
        assert.equal(first.status, exitStatus.ok, first.stderr);
        const lines = first.stdout.trimEnd().split("\n");
        assert.ok(lines.includes("Account 111111111111 (pipeline account): 28 resources, 9 policies"), first.stdout);
        const accessChecks = /^ {2}access chain: (\d+)\/\1 checks as expected$/m.exec(first.stdout)?.[1];
        assert.ok(accessChecks, first.stdout);
        assert.match(lines[lines.length - 1], new RegExp(`^PLAN OK: 2 stacks, 37 resources, \\d+ create-time checks, ${accessChecks} access checks and \\d+ isolation checks passed in [\\d.]+ s$`));
        assert.ok(!first.stdout.includes("+ aws.kms.Key") && !first.stdout.includes("Who may do what"), "the listing is not printed by default");
        assert.match(fs.readFileSync(path.join(earlier, "plan.txt"), "utf8"), /\+ aws\.kms\.Key .*\n[\s\S]*Who may do what/);

        const unchanged = plan("--out", same, "--against", earlier);
        assert.equal(unchanged.status, exitStatus.ok, unchanged.stderr);
        assert.match(unchanged.stdout, new RegExp(`\nChanges against ${earlier}: no change\n`));
        assert.match(unchanged.stdout, new RegExp(`passed in [\\d.]+ s; against ${earlier}: no change\n$`));
        assert.match(fs.readFileSync(path.join(same, "summary.md"), "utf8"), /\n## Changes against `.*`: no change\n/);

        // The earlier plan, as if its deploy role could not read object versions: this plan grants it.
        const policyFile = path.join(earlier, "account-222222222222", "policies", "Staging-cross-account-policy.identity-policy.json");
        const policy = JSON.parse(fs.readFileSync(policyFile, "utf8"));
        policy.Statement.find((s: { Sid: string }) => s.Sid === "ReadArtifacts").Action = ["s3:GetObject"];
        fs.writeFileSync(policyFile, JSON.stringify(policy));
        const widened = plan("--out", changed, "--against", earlier);
        assert.equal(widened.status, exitStatus.changed, widened.stderr);
        const statement = "+ account 222222222222, identity policy Staging-cross-account-policy, statement ReadArtifacts: now allows " +
            "arn:aws:iam::222222222222:role/cross-account-pipeline/111111111111/CrossAccountPipeline/deploy/CrossAccount_Role s3:GetObjectVersion " +
            "on arn:aws:s3:::crossaccountpipeline-111111111111-us-east-2-artifacts/* if StringEquals aws:resourceaccount = 111111111111";
        assert.ok(widened.stdout.includes(`\n  Access gained and lost, by policy statement\n    ${statement}\n`), widened.stdout);
        assert.match(widened.stdout, /; against .*: next up: 1 to update; access: 1 policy statement changed\n$/);
        assert.equal(JSON.parse(fs.readFileSync(path.join(changed, "diff.json"), "utf8")).changes, 2);
        assert.ok(fs.readFileSync(path.join(changed, "summary.md"), "utf8").includes(`### Access gained and lost, by policy statement\n\n\`\`\`diff\n${statement}\n`));
        // plan.txt keeps every change, one by one: the grant with the file and statement it comes from.
        assert.match(fs.readFileSync(path.join(changed, "plan.txt"), "utf8"), /Grants gained:\n {6}\+ arn:aws:iam::222222222222:role\/cross-account-pipeline\/111111111111\/CrossAccountPipeline\/deploy\/CrossAccount_Role may s3:GetObjectVersion on arn:aws:s3:::crossaccountpipeline-111111111111-us-east-2-artifacts\/\* /);

        const failing = plan("--out", failed, "--against", earlier, path.join(projectRoot, "Pulumi.accountB.yaml"));
        assert.equal(failing.status, exitStatus.planFailed, "a failed plan is a failure, whatever changed");
        assert.match(failing.stdout, /\nPLAN FAILED: \d+ problems? \(see above\) in [\d.]+ s; against .*: /);
    });

    it("refuses at once, exit 2, a stack file path that is a named pipe or a device, and a project file that is a named pipe, each of which held the plan up", function () {
        this.timeout(60_000);
        const pipe = path.join(scratch, "Pulumi.pipe.yaml");
        execFileSync("mkfifo", [pipe]);
        const project = path.join(scratch, "piped-project");
        fs.mkdirSync(project);
        execFileSync("mkfifo", [path.join(project, "Pulumi.yaml")]);
        const stackFile = path.join(project, "Pulumi.accountA.yaml");
        fs.copyFileSync(path.join(projectRoot, "Pulumi.accountA.yaml"), stackFile);
        const out = path.join(scratch, "never-written-special");
        // A plan that waits on a pipe or reads /dev/zero is killed: the test fails instead of hanging.
        const run = spawnSync(program, [...cli, "--out", out, pipe, "/dev/zero", stackFile], { cwd: projectRoot, encoding: "utf8", timeout: 30_000 });
        assert.equal(run.error, undefined, "the plan did not finish in 30 s");
        assert.equal(run.status, exitStatus.badInput, run.stderr);
        assert.equal(run.stderr, [
            `plan: ${pipe}: is a named pipe, not a regular file; expected a stack file named Pulumi.<stack>.yaml`,
            "plan: /dev/zero: is a character device, not a regular file; expected a stack file named Pulumi.<stack>.yaml",
            `plan: ${path.join(project, "Pulumi.yaml")}: is a named pipe, not a regular file; expected the project file of a Pulumi project`,
            "",
        ].join("\n"));
        assert.equal(run.stdout, "");
        assert.ok(!fs.existsSync(out));
    });

    it("refuses, as a usage error naming it, an --against folder that is not a plan folder, and writes nothing", function () {
        this.timeout(60_000);
        const notes = path.join(scratch, "notes");
        fs.mkdirSync(notes);
        fs.writeFileSync(path.join(notes, "checks.json"), "{}");
        const out = path.join(scratch, "never-written");
        const run = spawnSync(program, [...cli, "--out", out, "--against", notes], { cwd: projectRoot, encoding: "utf8" });
        assert.equal(run.status, exitStatus.badInput);
        assert.equal(run.stdout, "");
        assert.equal(run.stderr, `plan: --against ${notes}: ${notes} is not a plan folder (it has no .cross-account-pipeline-plan marker); name the folder an earlier \`npm run plan\` wrote, e.g. its --out\n`);
        assert.ok(!fs.existsSync(out));
    });

    it("reads its options with node:util parseArgs, naming a wrong one with the usage", () => {
        const problem = (...argv: string[]) => {
            try {
                parseArguments(argv, projectRoot);
            } catch (e) {
                assert.ok(e instanceof PlanInputError);
                return e.problems[0].split("\n")[0];
            }
            return "accepted";
        };
        assert.equal(problem("--against"), "--against needs a folder");
        assert.equal(problem("--out", "--verbose"), "--out needs a folder");
        assert.equal(problem("--verbose=yes"), "--verbose takes no value");
        assert.equal(problem("-x"), "unknown option -x");
        const command = parseArguments(["-v", "--against", "base", "--out=plan-head", "Pulumi.accountA.yaml"], projectRoot);
        assert.deepEqual(command, { stackFiles: [path.resolve("Pulumi.accountA.yaml")], outDir: path.resolve("plan-head"), against: "base", verbose: true, help: false });
        assert.equal(parseArguments(["-h"], os.tmpdir()).help, true, "--help needs no stack file");
    });

    it("documents, in --help as in docs/review.md, exit 2 for a config value the program refuses and 1 for a failed check of a valid config", function () {
        this.timeout(60_000);
        const run = spawnSync(program, [...cli, "--help"], { cwd: projectRoot, encoding: "utf8" });
        assert.equal(run.status, exitStatus.ok);
        const help = run.stdout.replace(/\s+/g, " ");
        assert.match(help, /1 a check of a valid config failed, 2 a wrong command line, stack file \(a config value the program refuses, in it or in Pulumi\.yaml, included\)/);
        const readme = fs.readFileSync(path.join(projectRoot, "docs", "review.md"), "utf8");
        assert.match(readme, /\n\| 1 \| the plan does not hold: a check of a valid config failed/);
        assert.match(readme, /\n\| 2 \| the command line, a stack file \(one that cannot be read, or a config value in it or in `Pulumi\.yaml` that the program refuses\)/);
    });

    it("exits 2 with the usage on an unknown option", function () {
        this.timeout(60_000);
        const run = spawnSync(program, [...cli, "--outdir", "x"], { cwd: projectRoot, encoding: "utf8" });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /^plan: unknown option --outdir\nplan: usage: npm run plan/);
    });
});
