import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "yaml";
import { parseArguments as parseDeployArguments } from "../automation/cli";
import { exitStatus, parseArguments as parsePlanArguments } from "../offline-plan/cli";
import { readStackFile, stackFilesIn } from "../project/stackFiles";
import { projectRoot } from "./fixtures";
import { workflowProblems } from "./support/workflowParser";

const examples = path.join(projectRoot, "examples", "github-actions");
const workflowFile = path.join(examples, "cross-account-pipeline.yml");
/** Every workflow of the example: each YAML file beside its README. */
const workflowFiles = () => fs.readdirSync(examples).filter((file) => /\.ya?ml$/.test(file)).map((file) => path.join(examples, file));

interface Step { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; "working-directory"?: string; if?: string }
interface Job { needs?: string | string[]; if?: string; environment?: string; permissions?: Record<string, string>; strategy?: { matrix: { stack: string[] } }; steps: Step[] }
interface Workflow { on: Record<string, { branches: string[] }>; permissions: Record<string, string>; jobs: Record<string, Job> }

/** What a fake `npm` was called with, one call per entry; it exits with the status asked of `npm run plan`. */
function runStep(script: string, options: { cwd: string; runnerTemp: string; planStatus?: number }): { status: number; calls: string[][]; summary: string } {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-npm-"));
    const log = path.join(bin, "calls");
    const summary = path.join(bin, "step-summary.md");
    // A stand-in for npm: logs its arguments, and for `npm run plan` writes summary.md where --out says.
    fs.writeFileSync(path.join(bin, "npm"), [
        "#!/usr/bin/env bash",
        `printf '%s\\0' "$@" >> "${log}"; printf '\\n' >> "${log}"`,
        "if [ \"$1 $2\" = \"run plan\" ]; then",
        "  while [ $# -gt 0 ]; do if [ \"$1\" = --out ]; then mkdir -p \"$2\"; echo \"summary of $2\" > \"$2/summary.md\"; fi; shift; done",
        `  exit ${options.planStatus ?? 0}`,
        "fi",
    ].join("\n"), { mode: 0o755 });
    // As GitHub runs a `run` step on Linux: bash --noprofile --norc -eo pipefail.
    const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
        cwd: options.cwd, encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: options.runnerTemp, GITHUB_STEP_SUMMARY: summary },
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean).map((line) => line.split("\0").slice(0, -1)) : [];
    const result = { status: run.status ?? -1, calls, summary: fs.existsSync(summary) ? fs.readFileSync(summary, "utf8") : "" };
    fs.rmSync(bin, { recursive: true, force: true });
    return result;
}

/** The arguments after `npm run <script> --`. */
const scriptArguments = (call: string[]) => call.slice(call.indexOf("--") + 1);

describe("the example GitHub Actions workflow (examples/github-actions)", () => {
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

    it("is a valid workflow for GitHub's own parser: schema, expressions and the contexts each may use, jobs and their needs", async () => {
        const files = workflowFiles();
        assert.ok(files.includes(workflowFile), files.join(", "));
        for (const file of files) {
            assert.deepEqual(await workflowProblems(path.basename(file), fs.readFileSync(file, "utf8")), [], file);
        }
    });

    it("would be refused by that parser with a misspelled key, a context where it is not available, or a job that needs no such job", async () => {
        const text = fs.readFileSync(workflowFile, "utf8");
        const broken = async (from: RegExp, to: string) => {
            assert.match(text, from);
            return workflowProblems("broken.yml", text.replace(from, to));
        };
        assert.match((await broken(/runs-on:/, "run-on:")).join("\n"), /Unexpected value 'run-on'/);
        assert.match((await broken(/if: github\.event_name == 'push'/, "if: secrets.PULUMI_ACCESS_TOKEN != ''")).join("\n"), /Unrecognized named-value: 'secrets'/);
        assert.match((await broken(/needs: verify/, "needs: verified")).join("\n"), /depends on unknown job 'verified'/);
    });

    it("parses, runs on pull requests and on pushes to main, and names only npm scripts of package.json", () => {
        assert.deepEqual(Object.keys(workflow.on).sort(), ["pull_request", "push"]);
        assert.deepEqual(workflow.on.push.branches, ["main"]);
        const { scripts } = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
        const named = allSteps().flatMap((s) => [...(s.run ?? "").matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]));
        assert.ok(named.includes("plan") && named.includes("deploy"), named.join(", "));
        assert.deepEqual(named.filter((script) => !(script in scripts)), []);
    });

    it("names only files of the project: the lock file it caches by, the stack files it deploys", () => {
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
        for (const job of ["deploy-targets", "deploy-pipeline"]) {
            for (const stack of workflow.jobs[job].strategy!.matrix.stack) {
                assert.ok(fs.existsSync(path.join(projectRoot, `Pulumi.${stack}.yaml`)), `Pulumi.${stack}.yaml`);
            }
        }
    });

    it("deploys every target stack, then every pipeline stack, each with its own account's OIDC role", () => {
        const deployOf = (stack: string) => readStackFile(path.join(projectRoot, `Pulumi.${stack}.yaml`)).config["cross-account-pipeline:deploy"];
        const [targets, pipelines] = ["deploy-targets", "deploy-pipeline"].map((job) => workflow.jobs[job].strategy!.matrix.stack);
        assert.deepEqual(targets.map(deployOf), targets.map(() => "target"));
        assert.deepEqual(pipelines.map(deployOf), pipelines.map(() => "pipeline"));
        const everyStack = stackFilesIn(projectRoot).map((file) => readStackFile(file).stack).sort();
        assert.deepEqual([...targets, ...pipelines].sort(), everyStack);
        assert.equal(workflow.jobs["deploy-pipeline"].needs, "deploy-targets");
        assert.equal(workflow.jobs["deploy-targets"].needs, "verify");
        for (const name of ["deploy-targets", "deploy-pipeline"]) {
            const job = workflow.jobs[name];
            assert.equal(job.permissions?.["id-token"], "write", `${name} may request an OIDC token`);
            // The environment named after the stack holds that account's role: one role per account.
            assert.equal(job.environment, "${{ matrix.stack }}");
            const credentials = job.steps.filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
            assert.equal(credentials.length, 1);
            assert.equal(credentials[0].with?.["role-to-assume"], "${{ vars.DEPLOY_ROLE }}");
            assert.ok(job.steps.some((s) => s.uses?.startsWith("pulumi/actions@")), `${name} installs the Pulumi CLI`);
            const index = (predicate: (s: Step) => boolean) => job.steps.findIndex(predicate);
            assert.ok(index((s) => /npm run deploy/.test(s.run ?? "")) > index((s) => s.uses?.startsWith("aws-actions/") ?? false));
        }
        // Pull requests get no cloud credentials.
        assert.equal(workflow.permissions["id-token"], undefined);
        assert.equal(workflow.jobs.plan.permissions?.["id-token"], undefined);
    });

    it("passes the deploy driver only options it accepts: --up --yes and the job's stack", () => {
        for (const job of ["deploy-targets", "deploy-pipeline"]) {
            const deploy = workflow.jobs[job].steps.find((s) => /npm run deploy/.test(s.run ?? ""))!;
            for (const stack of workflow.jobs[job].strategy!.matrix.stack) {
                const script = deploy.run!.replace(/\$\{\{ matrix\.stack \}\}/g, stack);
                const { status, calls } = runStep(script, { cwd: scratch, runnerTemp: scratch });
                assert.equal(status, 0);
                const parsed = parseDeployArguments(scriptArguments(calls.find((c) => c[1] === "deploy")!));
                assert.deepEqual(parsed.help ? undefined : { operation: parsed.command.operation, yes: parsed.command.yes, stacks: parsed.command.stacks }, { operation: "up", yes: true, stacks: [stack] });
            }
        }
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
        assert.match(comment.uses ?? "", /^actions\/github-script@v\d+$/);
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
