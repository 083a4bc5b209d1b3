import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "yaml";
import { parseArguments as parseDeployArguments } from "../automation/cli";
import { backendChoice } from "../automation/environment";
import { exitStatus, parseArguments as parsePlanArguments } from "../offline-plan/cli";
import { readStackFile, stackFilesIn } from "../project/stackFiles";
import { projectRoot } from "./fixtures";
import { workflowProblems } from "./support/workflowParser";

const examples = path.join(projectRoot, "examples", "github-actions");
/** The example's two workflows: state in Pulumi Cloud, and in an S3 bucket with KMS secrets. */
const cloudWorkflow = path.join(examples, "cross-account-pipeline.yml");
const s3Workflow = path.join(examples, "cross-account-pipeline-s3.yml");
/** Every workflow of the example: each YAML file beside its README. */
const workflowFiles = () => fs.readdirSync(examples).filter((file) => /\.ya?ml$/.test(file)).map((file) => path.join(examples, file));

interface Step { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; "working-directory"?: string; if?: string }
interface Job { needs?: string | string[]; if?: string; environment?: string; permissions?: Record<string, string>; outputs?: Record<string, string>; strategy?: { matrix: unknown }; steps: Step[] }
interface Workflow { on: Record<string, { branches: string[] }>; permissions: Record<string, string>; jobs: Record<string, Job> }

/** What a fake `npm` was called with, one call per entry; it exits with the status asked of `npm run plan`. */
function runStep(script: string, options: { cwd: string; runnerTemp: string; planStatus?: number; deployOutput?: string }): { status: number; calls: string[][]; summary: string; outputs: Record<string, string> } {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-npm-"));
    const log = path.join(bin, "calls");
    const summary = path.join(bin, "step-summary.md");
    const outputs = path.join(bin, "outputs");
    const deployOutput = path.join(bin, "deploy-output");
    fs.writeFileSync(deployOutput, options.deployOutput ?? "");
    // A stand-in for npm: logs its arguments, and for `npm run plan` writes summary.md where --out says.
    fs.writeFileSync(path.join(bin, "npm"), [
        "#!/usr/bin/env bash",
        `printf '%s\\0' "$@" >> "${log}"; printf '\\n' >> "${log}"`,
        "if [ \"$1 $2\" = \"run plan\" ]; then",
        "  while [ $# -gt 0 ]; do if [ \"$1\" = --out ]; then mkdir -p \"$2\"; echo \"summary of $2\" > \"$2/summary.md\"; fi; shift; done",
        `  exit ${options.planStatus ?? 0}`,
        "fi",
        `if [ "$1 $2" = "run deploy" ]; then cat "${deployOutput}"; fi`,
    ].join("\n"), { mode: 0o755 });
    // As GitHub runs a `run` step on Linux: bash --noprofile --norc -eo pipefail.
    const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
        cwd: options.cwd, encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: options.runnerTemp, GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: outputs },
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean).map((line) => line.split("\0").slice(0, -1)) : [];
    const result = { status: run.status ?? -1, calls, summary: fs.existsSync(summary) ? fs.readFileSync(summary, "utf8") : "", outputs: outputsIn(outputs) };
    fs.rmSync(bin, { recursive: true, force: true });
    return result;
}

/** A step's outputs as GitHub reads them from $GITHUB_OUTPUT: one name=value a line. */
function outputsIn(file: string): Record<string, string> {
    const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
    return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
}

/** A matrix entry of a deploy job: a stack of the driver's phase plan. */
interface PlannedStack { stack: string; deploy: string; account: string; region: string; partition: string }

/** The arguments after `npm run <script> --`. */
const scriptArguments = (call: string[]) => call.slice(call.indexOf("--") + 1);

describe("the example GitHub Actions workflows (examples/github-actions)", () => {
    it("are valid workflows for GitHub's own parser: schema, expressions and the contexts each may use, jobs and their needs", async () => {
        const files = workflowFiles();
        assert.deepEqual(files.sort(), [cloudWorkflow, s3Workflow].sort());
        for (const file of files) {
            assert.deepEqual(await workflowProblems(path.basename(file), fs.readFileSync(file, "utf8")), [], file);
        }
    });

    it("would be refused by that parser with a misspelled key, a context where it is not available, or a job that needs no such job", async () => {
        const text = fs.readFileSync(cloudWorkflow, "utf8");
        const broken = async (from: RegExp, to: string) => {
            assert.match(text, from);
            return workflowProblems("broken.yml", text.replace(from, to));
        };
        assert.match((await broken(/runs-on:/, "run-on:")).join("\n"), /Unexpected value 'run-on'/);
        assert.match((await broken(/if: github\.event_name == 'push'/, "if: secrets.PULUMI_ACCESS_TOKEN != ''")).join("\n"), /Unrecognized named-value: 'secrets'/);
        assert.match((await broken(/needs: verify/, "needs: verified")).join("\n"), /depends on unknown job 'verified'/);
    });

    it("keep the same jobs: they differ only in their header, name and the deploy steps' backend", () => {
        const withoutBackend = (file: string) => fs.readFileSync(file, "utf8").split("\n").filter((line) => !/^#|^name:|PULUMI_ACCESS_TOKEN: |PULUMI_BACKEND_URL: /.test(line));
        assert.deepEqual(withoutBackend(s3Workflow), withoutBackend(cloudWorkflow));
    });

    it("deploy with Pulumi Cloud's token, or with the S3 bucket of a repository variable, each the backend the driver then chooses", () => {
        const deploySteps = (file: string) => {
            const workflow = yaml.parse(fs.readFileSync(file, "utf8")) as Workflow;
            return Object.values(workflow.jobs).flatMap((job) => job.steps).filter((s) => /npm run deploy -- --up/.test(s.run ?? ""));
        };
        const cloud = deploySteps(cloudWorkflow);
        const s3 = deploySteps(s3Workflow);
        assert.equal(cloud.length, 2);
        assert.deepEqual(cloud.map((s) => s.env), cloud.map(() => ({ PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" })));
        assert.deepEqual(s3.map((s) => s.env), cloud.map(() => ({ PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}" })));
        assert.deepEqual(backendChoice({}, { PULUMI_ACCESS_TOKEN: "pul-x" }, {}), { chosen: true, source: "PULUMI_ACCESS_TOKEN (Pulumi Cloud)" });
        assert.deepEqual(backendChoice({}, { PULUMI_BACKEND_URL: "s3://acme-pulumi-state/cross-account?region=us-east-2" }, {}), { chosen: true, source: "PULUMI_BACKEND_URL" });
    });

    for (const workflowFile of [cloudWorkflow, s3Workflow]) {
        describeWorkflow(workflowFile);
    }
});

/** The checks of one workflow file: its jobs, the scripts of its steps run with a stand-in npm or the real driver. */
function describeWorkflow(workflowFile: string) {
    describe(path.basename(workflowFile), () => {
        let workflow: Workflow;
        let scratch: string;
        before(() => {
            workflow = yaml.parse(fs.readFileSync(workflowFile, "utf8"), { strict: true }) as Workflow;
            scratch = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-"));
        });
        after(() => fs.rmSync(scratch, { recursive: true, force: true }));

        const step = (job: string, name: string) => {
            const found = workflow.jobs[job].steps.find((s) => s.name === name);
            assert.ok(found, `job ${job} has a step "${name}"`);
            return found;
        };
        const allSteps = () => Object.values(workflow.jobs).flatMap((job) => job.steps);
        const deployJobs = ["deploy-phase1", "deploy-phase2"];
        /** The matrices the `stacks` job gives the deploy jobs, from the project's own files through the real driver. */
        const phaseOutputs = () => {
            const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step("stacks", "Phases").run!], {
                cwd: projectRoot, encoding: "utf8", env: { ...process.env, RUNNER_TEMP: scratch, GITHUB_OUTPUT: path.join(scratch, "phase-outputs") },
            });
            assert.equal(run.status, 0, run.stderr);
            const outputs = outputsIn(path.join(scratch, "phase-outputs"));
            fs.rmSync(path.join(scratch, "phase-outputs"));
            return outputs;
        };

        it("uses no Node 20: each action at an exact release of a major whose runtime is node24, and Node 24 for the project", () => {
            // The first release of each action on the node24 runtime by default: for actions/checkout, setup-node and
            // upload-artifact the v7 cutover (their v5 and v6 still default to Node 20); for the others the first whose
            // action.yml says `using: node24`, as read in its repository at that tag.
            const firstOnNode24: Record<string, number[]> = {
                "actions/checkout": [7, 0, 0], "actions/setup-node": [7, 0, 0], "actions/upload-artifact": [7, 0, 0], "actions/github-script": [8, 0, 0],
                "aws-actions/configure-aws-credentials": [6, 0, 0], "pulumi/actions": [7, 0, 0],
            };
            const uses = allSteps().flatMap((s) => s.uses ?? []);
            assert.ok(uses.length > 10);
            for (const reference of uses) {
                const match = /^([\w-]+\/[\w-]+)@v(\d+)\.(\d+)\.(\d+)$/.exec(reference);
                assert.ok(match, `${reference} is pinned to an exact release`);
                const first = firstOnNode24[match[1]];
                assert.ok(first, `${match[1]}: its node24 release is known`);
                const version = match.slice(2).map(Number);
                const index = version.findIndex((part, i) => part !== first[i]);
                assert.ok(index === -1 || version[index] > first[index], `${reference} runs on node24 (from v${first.join(".")})`);
            }
            const nodeVersions = allSteps().filter((s) => s.uses?.startsWith("actions/setup-node@")).map((s) => s.with?.["node-version"]);
            assert.deepEqual(nodeVersions, nodeVersions.map(() => 24));
        });

        it("parses, runs on pull requests and on pushes to main, and names only npm scripts of package.json", () => {
            assert.deepEqual(Object.keys(workflow.on).sort(), ["pull_request", "push"]);
            assert.deepEqual(workflow.on.push.branches, ["main"]);
            const { scripts } = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
            const named = allSteps().flatMap((s) => [...(s.run ?? "").matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]));
            assert.ok(named.includes("plan") && named.includes("deploy"), named.join(", "));
            assert.deepEqual(named.filter((script) => !(script in scripts)), []);
        });

        it("names only files of the project: the lock files it caches by, the checkouts it works in", () => {
            const pathsOf = (s: Step) => String(s.with?.["cache-dependency-path"] ?? "").split("\n").filter(Boolean);
            const checkouts = allSteps().filter((s) => s.uses?.startsWith("actions/checkout@")).map((s) => String(s.with?.path ?? ""));
            const files = allSteps().flatMap(pathsOf).map((file) => file.replace(new RegExp(`^(${checkouts.filter(Boolean).join("|")})/`), ""));
            assert.ok(files.length > 0);
            for (const file of files) {
                assert.ok(fs.existsSync(path.join(projectRoot, file)), file);
            }
            for (const s of allSteps().filter((s) => s["working-directory"])) {
                assert.ok(checkouts.includes(s["working-directory"]!), `working-directory ${s["working-directory"]} is a checkout's path`);
            }
        });

        it("deploys the phases of the driver's plan of the stack files: every target stack, then every pipeline stack, each with its own account's OIDC role", () => {
            const outputs = phaseOutputs();
            assert.deepEqual(Object.keys(outputs), ["phase1", "phase2"]);
            const [first, second] = ["phase1", "phase2"].map((name) => (JSON.parse(outputs[name]) as { include: PlannedStack[] }).include);
            const deployOf = (stack: string) => readStackFile(path.join(projectRoot, `Pulumi.${stack}.yaml`)).config["cross-account-pipeline:deploy"];
            assert.deepEqual(first.map((s) => deployOf(s.stack)), first.map(() => "target"));
            assert.deepEqual(second.map((s) => deployOf(s.stack)), second.map(() => "pipeline"));
            const everyStack = stackFilesIn(projectRoot).map((file) => readStackFile(file).stack).sort();
            assert.deepEqual([...first, ...second].map((s) => s.stack).sort(), everyStack);
            assert.deepEqual(first, [{ stack: "accountB", deploy: "target", account: "222222222222", region: "us-east-2", partition: "aws" }]);
            assert.deepEqual(workflow.jobs.stacks.outputs, { phase1: "${{ steps.phases.outputs.phase1 }}", phase2: "${{ steps.phases.outputs.phase2 }}" });
            assert.equal(workflow.jobs.stacks.needs, "verify");
            assert.equal(workflow.jobs["deploy-phase1"].needs, "stacks");
            assert.deepEqual(workflow.jobs["deploy-phase2"].needs, ["stacks", "deploy-phase1"]);
            assert.equal(workflow.jobs["deploy-phase2"].if, "needs.stacks.outputs.phase2 != ''");
            for (const [index, name] of deployJobs.entries()) {
                const job = workflow.jobs[name];
                assert.equal(job.strategy?.matrix, `\${{ fromJSON(needs.stacks.outputs.phase${index + 1}) }}`);
                assert.equal(job.permissions?.["id-token"], "write", `${name} may request an OIDC token`);
                // The environment named after the stack holds that account's role: one role per account, trusted for that environment.
                assert.equal(job.environment, "${{ matrix.stack }}");
                const credentials = job.steps.filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
                assert.equal(credentials.length, 1);
                assert.deepEqual(credentials[0].with, { "role-to-assume": "${{ vars.DEPLOY_ROLE }}", "role-session-name": "deploy-${{ matrix.stack }}",
                    "aws-region": "${{ matrix.region }}", "allowed-account-ids": "${{ matrix.account }}" });
                assert.ok(job.steps.some((s) => s.uses?.startsWith("pulumi/actions@")), `${name} installs the Pulumi CLI`);
                const index_ = (predicate: (s: Step) => boolean) => job.steps.findIndex(predicate);
                assert.ok(index_((s) => /npm run deploy/.test(s.run ?? "")) > index_((s) => s.uses?.startsWith("aws-actions/") ?? false));
            }
            // Pull requests get no cloud credentials.
            assert.equal(workflow.permissions["id-token"], undefined);
            assert.equal(workflow.jobs.plan.permissions?.["id-token"], undefined);
        });

        it("gives one phase alone as phase1 and no phase2, and stops on a plan of more phases than it has jobs", () => {
            const script = step("stacks", "Phases").run!;
            const stack = (name: string) => ({ stack: name, deploy: "all", account: "111111111111", region: "us-east-1", partition: "aws" });
            const one = runStep(script, { cwd: scratch, runnerTemp: scratch, deployOutput: JSON.stringify({ operation: "up", phases: [[stack("all")]] }) });
            assert.equal(one.status, 0);
            assert.deepEqual(one.outputs, { phase1: JSON.stringify({ include: [stack("all")] }) });
            const three = runStep(script, { cwd: scratch, runnerTemp: scratch, deployOutput: JSON.stringify({ operation: "up", phases: [[stack("a")], [stack("b")], [stack("c")]] }) });
            assert.equal(three.status, 1);
            assert.deepEqual(three.outputs, {});
        });

        it("passes the deploy driver only options it accepts: --up --yes and the job's stack", () => {
            const stacks = Object.values(phaseOutputs()).flatMap((matrix) => (JSON.parse(matrix) as { include: PlannedStack[] }).include.map((s) => s.stack));
            for (const job of deployJobs) {
                const deploy = workflow.jobs[job].steps.find((s) => /npm run deploy/.test(s.run ?? ""))!;
                for (const stack of stacks) {
                    const script = deploy.run!.replace(/\$\{\{ matrix\.stack \}\}/g, stack);
                    const { status, calls } = runStep(script, { cwd: scratch, runnerTemp: scratch });
                    assert.equal(status, 0);
                    const parsed = parseDeployArguments(scriptArguments(calls.find((c) => c[1] === "deploy")!));
                    assert.deepEqual(parsed.help ? undefined : { operation: parsed.command.operation, yes: parsed.command.yes, stacks: parsed.command.stacks }, { operation: "up", yes: true, stacks: [stack] });
                }
            }
            const phases = runStep(step("stacks", "Phases").run!, { cwd: scratch, runnerTemp: scratch, deployOutput: "{\"phases\":[]}" });
            const parsed = parseDeployArguments(scriptArguments(phases.calls.find((c) => c[1] === "deploy")!));
            assert.deepEqual(parsed.help ? undefined : { operation: parsed.command.operation, plan: parsed.command.plan }, { operation: "up", plan: "json" });
        });

        it("plans the pull request against the base's plan folder, with options the plan accepts", () => {
            const runnerTemp = path.join(scratch, "compare");
            fs.mkdirSync(path.join(runnerTemp, "plan-base"), { recursive: true });
            const base = runStep(step("plan", "Plan the base branch").run!, { cwd: scratch, runnerTemp, planStatus: exitStatus.planFailed });
            assert.equal(base.status, 0, "the base branch's verdict does not decide the job");
            const baseCommand = parsePlanArguments(scriptArguments(base.calls.find((c) => c[1] === "plan")!), projectRoot);
            assert.equal(baseCommand.outDir, path.join(runnerTemp, "plan-base"));
            assert.equal(baseCommand.against, undefined);

            const headScript = step("plan", "Plan the pull request").run!;
            const withoutBase = runStep(headScript, { cwd: scratch, runnerTemp });
            assert.equal(parsePlanArguments(scriptArguments(withoutBase.calls.find((c) => c[1] === "plan")!), projectRoot).against, undefined,
                "without a base plan folder, no --against");
            fs.writeFileSync(path.join(runnerTemp, "plan-base", ".cross-account-pipeline-plan"), "");
            const head = runStep(headScript, { cwd: scratch, runnerTemp });
            assert.deepEqual(head.calls.map((c) => c.slice(0, 2)), [["ci"], ["run", "plan"]]);
            const command = parsePlanArguments(scriptArguments(head.calls[1]), projectRoot);
            assert.equal(command.against, path.join(runnerTemp, "plan-base"));
            assert.equal(command.outDir, path.join(runnerTemp, "plan"));
            const upload = workflow.jobs.plan.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
            assert.equal(upload.with?.path, "${{ runner.temp }}/plan", "it uploads the folder the plan wrote");
            assert.equal(upload.with?.["include-hidden-files"], true, "with the plan folder's marker");
            assert.equal(upload.if, "always()");
        });

        it("fails the pull request on a failed check, a wrong input or a bug, not on a change, and posts the summary either way", () => {
            const runnerTemp = path.join(scratch, "statuses");
            fs.mkdirSync(runnerTemp, { recursive: true });
            const script = step("plan", "Plan the pull request").run!;
            const passing: number[] = [exitStatus.ok, exitStatus.changed];
            for (const status of Object.values(exitStatus)) {
                const run = runStep(script, { cwd: scratch, runnerTemp, planStatus: status });
                assert.equal(run.status, passing.includes(status) ? 0 : status, `plan exit status ${status}`);
                assert.equal(run.summary, `summary of ${path.join(runnerTemp, "plan")}\n`);
            }
        });

        it("comments the summary on the pull request once, and updates that comment on each push, whatever the plan said", async () => {
            const comment = step("plan", "Comment the summary on the pull request");
            assert.match(comment.uses ?? "", /^actions\/github-script@v\d+\.\d+\.\d+$/);
            assert.match(comment.if ?? "", /^always\(\) && github\.event\.pull_request\.head\.repo\.full_name == github\.repository$/);
            assert.equal(workflow.jobs.plan.permissions?.["pull-requests"], "write");
            const runnerTemp = path.join(scratch, "comment");
            const run = async (existing: { id: number; body: string; user: { type: string } }[]) => {
                const calls: [string, Record<string, unknown>][] = [];
                const github = {
                    paginate: async (_method: unknown, parameters: Record<string, unknown>) => (calls.push(["list", parameters]), existing),
                    rest: { issues: {
                        listComments: () => undefined,
                        updateComment: async (parameters: Record<string, unknown>) => calls.push(["update", parameters]),
                        createComment: async (parameters: Record<string, unknown>) => calls.push(["create", parameters]),
                    } },
                };
                const context = { repo: { owner: "acme", repo: "pipelines" }, payload: { pull_request: { number: 7 } } };
                const core = { info: (text: string) => calls.push(["info", { text }]) };
                // github-script runs the script as the body of an async function with these in scope.
                const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...parameters: string[]) => (...args: unknown[]) => Promise<void>;
                const saved = process.env.RUNNER_TEMP;
                process.env.RUNNER_TEMP = runnerTemp;
                try {
                    await new AsyncFunction("github", "context", "core", "require", String(comment.with?.script))(github, context, core, require);
                } finally {
                    process.env.RUNNER_TEMP = saved;
                }
                return calls;
            };
            assert.deepEqual(await run([]), [["info", { text: "no summary.md: the plan wrote no folder" }]]);
            fs.mkdirSync(path.join(runnerTemp, "plan"), { recursive: true });
            fs.writeFileSync(path.join(runnerTemp, "plan", "summary.md"), "# Cross-account pipeline plan: PLAN OK");
            const marker = "<!-- cross-account-pipeline plan -->";
            const first = await run([{ id: 1, body: "a person's comment", user: { type: "User" } }]);
            assert.deepEqual(first.at(-1), ["create", { owner: "acme", repo: "pipelines", issue_number: 7, body: `${marker}\n# Cross-account pipeline plan: PLAN OK` }]);
            const again = await run([{ id: 1, body: "a person's comment", user: { type: "User" } }, { id: 2, body: `${marker}\nold`, user: { type: "Bot" } }]);
            assert.deepEqual(again.at(-1), ["update", { owner: "acme", repo: "pipelines", comment_id: 2, body: `${marker}\n# Cross-account pipeline plan: PLAN OK` }]);
            fs.writeFileSync(path.join(runnerTemp, "plan", "summary.md"), "x".repeat(70_000));
            const long = await run([]);
            const body = String(long.at(-1)![1].body);
            assert.ok(body.length <= 65_536, `${body.length} characters`);
            assert.match(body, /cut at GitHub's limit of 65,536 characters for a comment/);
        });

        it("deploys nothing unless main's plan holds", () => {
            const runnerTemp = path.join(scratch, "main");
            fs.mkdirSync(runnerTemp, { recursive: true });
            const script = step("verify", "Plan").run!;
            for (const status of Object.values(exitStatus).filter((s) => s !== exitStatus.changed)) {
                assert.equal(runStep(script, { cwd: scratch, runnerTemp, planStatus: status }).status, status);
            }
        });
    });
}
