// The driver on the real Automation API (`@pulumi/pulumi/automation`), against a fake Pulumi CLI
// that records what that API makes it do (fakePulumi/pulumi.js). The assertions are on those
// invocations: their flags, environment, order and overlap, and the files they leave.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { destroy, DriverError, DriverEvent, plan, preview, up } from "../../automation";
import { runCli } from "../../automation/cli";
import { workspaceSettingsFile } from "../../automation/pulumiStacks";
import { changeCounts } from "../../automation/stackWorkspace";
import {
    exampleScenario,
    exampleStackFiles,
    FakeCli,
    Invocation,
    overlap,
    PROJECT,
    roleArnOf,
    snapshot,
    withFakeCli,
} from "./fakePulumi/fakeCli";

/** What `pulumi stack select <stack>` leaves in the workspace settings file (fakePulumi/pulumi.js); that file's path. */
function selectStackAsTheUserDid(cli: FakeCli, stack: string): string {
    const file = workspaceSettingsFile(cli.projectDir, PROJECT, cli.home);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ stack }));
    return file;
}

function invocationsOf(cli: FakeCli, command: string, stack?: string): Invocation[] {
    return cli.invocations().filter((call) => call.command === command && (stack === undefined || call.stack === stack));
}

function only(cli: FakeCli, command: string, stack: string): Invocation {
    const found = invocationsOf(cli, command, stack);
    assert.strictEqual(found.length, 1, `${command} ${stack}: ${found.length} invocations`);
    return found[0];
}

function valueAfter(call: Invocation, flag: string): string | undefined {
    const at = call.argv.indexOf(flag);
    return at < 0 ? undefined : call.argv[at + 1];
}

function cliEnvironment(cli: FakeCli, answers: boolean[] = []) {
    const lines: string[] = [];
    const questions: string[] = [];
    return {
        lines,
        questions,
        environment: {
            projectDir: cli.projectDir,
            write: (line: string) => lines.push(line),
            ask: async (question: string) => {
                questions.push(question);
                return answers.shift() ?? false;
            },
        },
    };
}

/** The example, with the target stacks' updates slow enough to overlap visibly. */
function slowTargets() {
    const scenario = exampleScenario();
    scenario.accountB.delayMs = 900;
    scenario.accountC.delayMs = 900;
    return scenario;
}

describe("automation on the Automation API: up", () => {
    it("names every stack in full, never selects one, updates the targets together, and previews each stack with the policy pack before updating it", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                cli.scenario(slowTargets());
                process.env.PULUMI_BACKEND_URL = cli.stateUrl; // restored by withFakeCli
                const selected = selectStackAsTheUserDid(cli, "accountC");
                const { environment, lines, questions } = cliEnvironment(cli);
                assert.strictEqual(await runCli(["--up", "--yes"], environment), 0, lines.join("\n"));
                assert.deepStrictEqual(questions, []);

                // Issue 22, item 6: the stack the user selected is still selected; no command selected another.
                assert.strictEqual(fs.readFileSync(selected, "utf8"), JSON.stringify({ stack: "accountC" }));
                assert.deepStrictEqual(invocationsOf(cli, "stack select"), []);
                assert.ok(invocationsOf(cli, "stack init").every((call) => call.argv.includes("--no-select")));
                const aboutAStack = cli.invocations().filter((call) => call.stackArgument !== undefined);
                assert.ok(aboutAStack.length >= 12, `${aboutAStack.length} commands`);
                for (const call of aboutAStack) {
                    assert.strictEqual(call.stackArgument, `organization/${PROJECT}/${call.stack}`, call.argv.join(" "));
                }
                // Which stacks exist: one `stack ls`, in full names, before anything else about a stack.
                assert.strictEqual(invocationsOf(cli, "stack ls").length, 1);
                assert.ok(invocationsOf(cli, "stack ls")[0].argv.includes("--fully-qualify-stack-names"));
                // The target stacks' updates run together.
                assert.ok(overlap(only(cli, "up", "accountB"), only(cli, "up", "accountC")), "the target stacks were not updated together");

                // Item 7: the SDK's `up` skips its own preview, so the driver previews first, both with the pack.
                const pack = path.join(cli.projectDir, "policy-pack");
                for (const stack of ["accountA", "accountB", "accountC"]) {
                    const previews = invocationsOf(cli, "preview", stack);
                    const update = only(cli, "up", stack);
                    assert.ok(update.argv.includes("--skip-preview") && update.argv.includes("--yes"), update.argv.join(" "));
                    assert.strictEqual(valueAfter(update, "--policy-pack"), pack);
                    assert.ok(previews.some((p) => valueAfter(p, "--policy-pack") === pack && p.end <= update.start), `${stack} was not previewed with the pack before its update`);
                    // A current CLI streams its engine events to the SDK over gRPC.
                    assert.match(valueAfter(update, "--event-log") ?? "", /^tcp:\/\/127\.0\.0\.1:\d+$/);
                }
                // Issue 9's order: the pipeline stack is previewed only once both targets are up.
                const targetsUp = Math.max(only(cli, "up", "accountB").end, only(cli, "up", "accountC").end);
                assert.ok(invocationsOf(cli, "preview", "accountA").every((p) => p.start >= targetsUp));

                // Item 6: every stack command ran against the backend the user exported.
                const stackCommands = cli.invocations().filter((call) => call.command !== "version" && call.command !== "whoami");
                assert.ok(stackCommands.every((call) => call.env.PULUMI_BACKEND_URL === cli.stateUrl));
                assert.ok(lines.includes(`Backend: ${cli.stateUrl} (PULUMI_BACKEND_URL)`), lines.join("\n"));
                assert.deepStrictEqual(cli.records(), ["accountA", "accountB", "accountC"]);
                assert.ok(!fs.existsSync(path.join(cli.projectDir, ".pulumi")));
                // The role ARN cross-check, on what the pipeline stack read from its targets.
                assert.ok(lines.includes(`  ok    accountB Staging: ${roleArnOf("222222222222")} (assumed by accountA)`), lines.join("\n"));
                assert.ok(lines.includes(`  ok    accountC Prod: ${roleArnOf("333333333333")} (assumed by accountA)`));
            },
            { PULUMI_CONFIG_PASSPHRASE: "correct horse" },
        ));

    it("asks about the target stacks first, then previews the pipeline stack against their new outputs and asks again", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                cli.scenario(exampleScenario());
                const { environment, lines, questions } = cliEnvironment(cli, [true, false]);
                assert.strictEqual(await runCli(["--up"], environment), 1);

                assert.deepStrictEqual(questions, ["Apply phase 1 of 2 (accountB, accountC)? [y/N] ", "Apply phase 2 of 2 (accountA)? [y/N] "]);
                assert.ok(lines.includes("Next: accountA, previewed against what this phase changes, and asked about then."));
                const targetsUp = Math.max(only(cli, "up", "accountB").end, only(cli, "up", "accountC").end);
                assert.ok(only(cli, "preview", "accountA").start >= targetsUp);
                assert.deepStrictEqual(invocationsOf(cli, "up", "accountA"), []);
                assert.strictEqual(lines[lines.length - 1], "Stopped: not confirmed; applied only accountB, accountC.");
            },
            { PULUMI_CONFIG_PASSPHRASE: "correct horse" },
        ));

    it("stops at a policy violation in a preview: nothing is updated", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                const scenario = exampleScenario();
                scenario.accountC.policyViolation = "artifact-key-protection: the artifact key is neither protected nor retained";
                cli.scenario(scenario);
                const report = await up({ projectDir: cli.projectDir, backendUrl: cli.stateUrl });

                assert.strictEqual(report.ok, false);
                assert.strictEqual(report.notApplied, "the preview of accountC failed");
                assert.deepStrictEqual(invocationsOf(cli, "up"), []);
                assert.strictEqual(valueAfter(only(cli, "preview", "accountC"), "--policy-pack"), path.join(cli.projectDir, "policy-pack"));
                assert.deepStrictEqual(cli.records(), [], "the previews' temporary records were left behind");
            },
            { PULUMI_CONFIG_PASSPHRASE: "correct horse" },
        ));
});

describe("automation on the Automation API: previewing changes nothing", () => {
    it("leaves the project directory as it was, and no stack record, although `stack init` wrote into a stack file", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                cli.scenario(exampleScenario());
                const selected = selectStackAsTheUserDid(cli, "accountA");
                const before = snapshot(cli.projectDir);
                const stackFile = path.join(cli.projectDir, "Pulumi.accountB.yaml");
                let saltDuringPreview = false;
                const events: DriverEvent[] = [];
                const report = await preview({
                    projectDir: cli.projectDir,
                    onEvent: (event) => {
                        events.push(event);
                        if (event.type === "output" && event.stack === "accountB") {
                            saltDuringPreview ||= fs.readFileSync(stackFile, "utf8").startsWith("encryptionsalt: ");
                        }
                    },
                });

                assert.strictEqual(report.ok, true, JSON.stringify(report.stacks));
                assert.ok(saltDuringPreview, "the fake CLI's stack init did not write an encryptionsalt, so this test proves nothing");
                // No backend chosen: the project's own, git-ignored `.pulumi/state`; nothing else changed.
                const backend = events.find((e) => e.type === "backend");
                assert.deepStrictEqual(backend, {
                    type: "backend",
                    url: `file://${path.join(cli.projectDir, ".pulumi", "state")}`,
                    source: "none chosen, so the project's own (git-ignored)",
                    stacks: `organization/${PROJECT}/<stack>`,
                });
                // Not even the default backend's directory, created for the run, is left behind.
                assert.deepStrictEqual(snapshot(cli.projectDir), before);
                assert.ok(!fs.existsSync(path.join(cli.projectDir, ".pulumi")));
                for (const stack of ["accountB", "accountC"]) {
                    const removal = only(cli, "stack rm", stack);
                    assert.ok(removal.argv.includes("--preserve-config"), "stack rm without --preserve-config deletes the stack file");
                    assert.ok(only(cli, "preview", stack).end <= removal.start);
                }
                // `stack rm` clears the selection; the driver puts the user's back after each removal, one at a time.
                assert.strictEqual(fs.readFileSync(selected, "utf8"), JSON.stringify({ stack: "accountA" }));
                const [first, second] = invocationsOf(cli, "stack rm");
                assert.ok(!overlap(first, second), "two removals ran together");
                // The pipeline stack reads stacks that do not exist yet: not previewed, and said why.
                assert.deepStrictEqual(invocationsOf(cli, "preview", "accountA"), []);
                assert.match(report.stacks.find((s) => s.stack === "accountA")?.message ?? "", /reads accountB, accountC, which are not deployed yet/);
            },
            { PULUMI_CONFIG_PASSPHRASE: "correct horse" },
        ));

    it("puts the user's selected stack back for a project reached through a symbolic link, as the CLI keys it by the real path", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                cli.scenario(exampleScenario());
                const selected = selectStackAsTheUserDid(cli, "accountA");
                const link = path.join(path.dirname(cli.projectDir), "linked-project");
                fs.symlinkSync(cli.projectDir, link);
                const report = await preview({ projectDir: link, stacks: ["accountB"], backendUrl: cli.stateUrl });
                assert.strictEqual(report.ok, true, JSON.stringify(report.stacks));
                assert.strictEqual(invocationsOf(cli, "stack rm").length, 1);
                assert.strictEqual(fs.readFileSync(selected, "utf8"), JSON.stringify({ stack: "accountA" }));
                assert.ok(cli.invocations().filter((call) => call.command !== "version").every((call) => call.cwd === fs.realpathSync(cli.projectDir)));
            },
            { PULUMI_CONFIG_PASSPHRASE: "correct horse" },
        ));

    it("puts back the stack file of an existing stack, into which the CLI saved a new salt during the preview", () =>
        withFakeCli(exampleStackFiles(), async (cli) => {
            cli.scenario(exampleScenario());
            // accountB exists (created elsewhere), but its stack file has no encryptionsalt.
            const stacksDir = path.join(cli.stateDir, ".pulumi", "stacks", PROJECT);
            fs.mkdirSync(stacksDir, { recursive: true });
            fs.writeFileSync(path.join(stacksDir, "accountB.json"), JSON.stringify({ secretsProvider: "passphrase", resources: [], outputs: {}, history: [] }));
            const before = snapshot(cli.projectDir);
            const stackFile = path.join(cli.projectDir, "Pulumi.accountB.yaml");
            let saltDuringPreview = false;
            const report = await preview({
                projectDir: cli.projectDir,
                stacks: ["accountB"],
                backendUrl: cli.stateUrl,
                passphrase: "p",
                onEvent: (event) => {
                    if (event.type === "output") {
                        saltDuringPreview ||= fs.readFileSync(stackFile, "utf8").startsWith("encryptionsalt: ");
                    }
                },
            });
            assert.strictEqual(report.ok, true, JSON.stringify(report.stacks));
            assert.deepStrictEqual(invocationsOf(cli, "stack init"), [], "the stack exists: no temporary record");
            assert.ok(saltDuringPreview, "the fake CLI did not save a salt during the preview, so this test proves nothing");
            assert.deepStrictEqual(snapshot(cli.projectDir), before);
        }));

    it("leaves the project as it was when --up is declined", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                cli.scenario(exampleScenario());
                process.env.PULUMI_BACKEND_URL = cli.stateUrl; // restored by withFakeCli
                const before = snapshot(cli.projectDir);
                const { environment, questions, lines } = cliEnvironment(cli, [false]);
                assert.strictEqual(await runCli(["--up"], environment), 1, lines.join("\n"));

                assert.deepStrictEqual(questions, ["Apply phase 1 of 2 (accountB, accountC)? [y/N] "]);
                assert.deepStrictEqual(snapshot(cli.projectDir), before);
                assert.deepStrictEqual(cli.records(), []);
                assert.deepStrictEqual(invocationsOf(cli, "up"), []);
                assert.deepStrictEqual(invocationsOf(cli, "stack init").length, 2, "the target stacks were not previewed");
            },
            { PULUMI_CONFIG_PASSPHRASE: "correct horse" },
        ));
});

describe("automation on the Automation API: destroy", () => {
    it("keeps the protected key and buckets, and destroys a target stack only once its pipeline stack no longer deploys to it", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                cli.scenario(exampleScenario());
                const options = { projectDir: cli.projectDir, backendUrl: cli.stateUrl };
                assert.strictEqual((await up(options)).ok, true);

                const refused = await destroy({ ...options, stacks: ["accountB"] });
                assert.strictEqual(refused.stacks[0].status, "refused");
                assert.match(refused.stacks[0].message ?? "", /accountA \(2 resources\)/);
                assert.deepStrictEqual(invocationsOf(cli, "destroy"), []);

                const pipeline = await destroy({ ...options, stacks: ["accountA"] });
                assert.strictEqual(pipeline.ok, true, JSON.stringify(pipeline.stacks));
                assert.ok(only(cli, "destroy", "accountA").argv.includes("--exclude-protected"));
                const left = cli.record("accountA").resources.map((r) => r.urn.split("::").pop());
                assert.deepStrictEqual(left, ["store", "artifact-key", "artifact-bucket"]);
                assert.deepStrictEqual(pipeline.stacks[0].kept?.map((r) => r.name), ["store", "artifact-key", "artifact-bucket"]);

                const target = await destroy({ ...options, stacks: ["accountB"] });
                assert.strictEqual(target.stacks[0].status, "succeeded", target.stacks[0].message);
                assert.deepStrictEqual(cli.record("accountB").resources, []);
            },
            { PULUMI_CONFIG_PASSPHRASE: "correct horse" },
        ));
});

describe("automation on the Automation API: the backend the user chose", () => {
    it("uses the backend `pulumi login` stored, as the CLI reports it, and leaves the project alone", () =>
        withFakeCli(exampleStackFiles(), async (cli) => {
            cli.scenario(exampleScenario());
            fs.writeFileSync(path.join(cli.home, "credentials.json"), JSON.stringify({ current: cli.stateUrl, accounts: {} }));
            const events: DriverEvent[] = [];
            const report = await preview({ projectDir: cli.projectDir, stacks: ["accountB"], passphrase: "p", onEvent: (e) => events.push(e) });

            assert.strictEqual(report.ok, true);
            assert.strictEqual(invocationsOf(cli, "whoami").length, 1);
            assert.deepStrictEqual(events.find((e) => e.type === "backend"), {
                type: "backend",
                url: cli.stateUrl,
                source: `pulumi login (${path.join(cli.home, "credentials.json")})`,
                stacks: `organization/${PROJECT}/<stack>`,
            });
            const stackCommands = cli.invocations().filter((call) => call.stack !== undefined);
            assert.ok(stackCommands.length > 0 && stackCommands.every((call) => call.env.PULUMI_BACKEND_URL === cli.stateUrl));
            assert.ok(!fs.existsSync(path.join(cli.projectDir, ".pulumi")), "a local backend was created although the user logged in");
        }));

    it("takes --backend before PULUMI_BACKEND_URL, without asking the CLI", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                cli.scenario(exampleScenario());
                const report = await preview({ projectDir: cli.projectDir, stacks: ["accountB"], backendUrl: cli.stateUrl, passphrase: "p" });
                assert.strictEqual(report.ok, true, JSON.stringify(report.stacks));
                assert.deepStrictEqual(invocationsOf(cli, "whoami"), []);
                assert.ok(cli.invocations().filter((call) => call.stack !== undefined).every((call) => call.env.PULUMI_BACKEND_URL === cli.stateUrl));
            },
            { PULUMI_BACKEND_URL: "file:///nonexistent/state" },
        ));

    it("needs no passphrase on Pulumi Cloud", () =>
        withFakeCli(exampleStackFiles(), async (cli) => {
            cli.scenario(exampleScenario());
            fs.writeFileSync(path.join(cli.home, "credentials.json"), JSON.stringify({ current: "https://api.pulumi.com", accounts: {} }));
            const report = await up({ projectDir: cli.projectDir, stacks: ["accountB"] });

            assert.strictEqual(report.ok, true, JSON.stringify(report.stacks));
            assert.ok(cli.invocations().every((call) => call.env.PULUMI_CONFIG_PASSPHRASE === undefined));
            // The organization the pipeline stack's references name (exampleStackFiles: organization/...).
            const cloudStacks = path.join(cli.cloudDir, "api.pulumi.com", "stacks", "organization", PROJECT);
            assert.strictEqual(cli.record("accountB", cloudStacks).secretsProvider, "service");
            assert.ok(!fs.readFileSync(path.join(cli.projectDir, "Pulumi.accountB.yaml"), "utf8").includes("encryptionsalt"));
        }));

    it("on Pulumi Cloud, deploys the stacks of the organization the pipeline stack reads, not the CLI's default one", () => {
        const inAcme = Object.fromEntries(
            Object.entries(exampleStackFiles()).map(([file, text]) => [file, text.replace(/stack: organization\//g, "stack: acme/")]),
        );
        return withFakeCli(
            inAcme,
            async (cli) => {
                cli.scenario(exampleScenario());
                fs.writeFileSync(path.join(cli.home, "credentials.json"), JSON.stringify({ current: "https://api.pulumi.com", accounts: {} }));
                const events: DriverEvent[] = [];
                const report = await up({ projectDir: cli.projectDir, onEvent: (event) => events.push(event) });

                assert.strictEqual(report.ok, true, JSON.stringify(report.stacks));
                assert.deepStrictEqual(cli.records(path.join(cli.cloudDir, "api.pulumi.com", "stacks", "acme", PROJECT)), ["accountA", "accountB", "accountC"]);
                assert.ok(!fs.existsSync(path.join(cli.cloudDir, "api.pulumi.com", "stacks", "globex")), "a stack was created in the default organization");
                const aboutAStack = cli.invocations().filter((call) => call.stackArgument !== undefined);
                assert.ok(aboutAStack.every((call) => call.stackArgument === `acme/${PROJECT}/${call.stack}`), aboutAStack.map((c) => c.stackArgument).join(", "));
                assert.deepStrictEqual(invocationsOf(cli, "org get-default"), [], "the organization was known from the references");
                const backend = events.find((event) => event.type === "backend");
                assert.strictEqual(backend?.type === "backend" && backend.stacks, `acme/${PROJECT}/<stack>`);
            },
            { FAKE_PULUMI_DEFAULT_ORG: "globex" },
        );
    });

    it("needs a passphrase only for the stacks that use the passphrase provider", () =>
        withFakeCli(
            exampleStackFiles({ accountB: "secretsprovider: awskms://alias/pulumi-state\n" }),
            async (cli) => {
                cli.scenario(exampleScenario());
                const options = { projectDir: cli.projectDir, backendUrl: cli.stateUrl };
                await assert.rejects(
                    preview(options),
                    (error: unknown) => error instanceof DriverError && /^stacks accountA, accountC encrypt their secrets with a passphrase/.test(error.message),
                );
                const report = await up({ ...options, stacks: ["accountB"] });
                assert.strictEqual(report.ok, true, JSON.stringify(report.stacks));
                assert.strictEqual(valueAfter(invocationsOf(cli, "stack init", "accountB")[0], "--secrets-provider"), "awskms://alias/pulumi-state");
                assert.strictEqual(cli.record("accountB").secretsProvider, "awskms://alias/pulumi-state");
            },
        ));
});

describe("automation on the Automation API: every kind of step", () => {
    it("counts and lists an import in the preview it asks about, as the engine's summary reports it", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                const scenario = exampleScenario();
                scenario.accountB.resources![1].import = true; // adopting the application
                cli.scenario(scenario);
                process.env.PULUMI_BACKEND_URL = cli.stateUrl;
                const { environment, lines, questions } = cliEnvironment(cli, [false]);
                assert.strictEqual(await runCli(["--up", "--stack", "accountB"], environment), 1, lines.join("\n"));
                assert.strictEqual(questions.length, 1);
                assert.ok(lines.includes("accountB (new stack): 2 to create, 0 to update, 0 to replace, 0 to delete, 1 to import, 0 unchanged"), lines.join("\n"));
                assert.ok(lines.includes("    =  aws:codedeploy/application:Application  application"), lines.join("\n"));
            },
            { PULUMI_CONFIG_PASSPHRASE: "correct horse" },
        ));
});

describe("automation on the Automation API: credentials", () => {
    it("gives --profile to the stack's AWS providers, and leaves the CLI (its backend, its secrets provider) the environment's", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                cli.scenario(exampleScenario());
                process.env.PULUMI_BACKEND_URL = cli.stateUrl;
                const { environment, lines } = cliEnvironment(cli);
                assert.strictEqual(await runCli(["--preview", "--stack", "accountB", "--profile", "accountB=staging-admin"], environment), 0, lines.join("\n"));
                const calls = cli.invocations().filter((call) => call.command !== "version");
                assert.ok(calls.length >= 3 && calls.every((call) => call.env.AWS_PROFILE === "state-admin"), calls.map((c) => `${c.command} ${c.env.AWS_PROFILE}`).join(", "));
                assert.ok(invocationsOf(cli, "preview", "accountB").every((call) => call.env.CROSS_ACCOUNT_PIPELINE_AWS_CREDENTIALS === JSON.stringify({ profile: "staging-admin" })));
                assert.ok(invocationsOf(cli, "stack ls").every((call) => call.env.CROSS_ACCOUNT_PIPELINE_AWS_CREDENTIALS !== JSON.stringify({ profile: "staging-admin" })));

                // destroy and refresh run the program only when asked: asked, so that the providers take the credentials given.
                assert.strictEqual(await runCli(["--up", "--yes", "--stack", "accountB", "--profile", "accountB=staging-admin"], environment), 0, lines.join("\n"));
                assert.strictEqual(await runCli(["--refresh", "--stack", "accountB", "--profile", "accountB=staging-admin"], environment), 0, lines.join("\n"));
                assert.strictEqual(await runCli(["--refresh", "--stack", "accountB"], environment), 0, lines.join("\n"));
                const [given, ambient] = invocationsOf(cli, "refresh", "accountB");
                assert.ok(given.argv.includes("--run-program=true"), given.argv.join(" "));
                assert.ok(!ambient.argv.some((arg) => arg.startsWith("--run-program")), ambient.argv.join(" "));
                // A stack without credentials has none, whatever the shell exported.
                assert.strictEqual(ambient.env.CROSS_ACCOUNT_PIPELINE_AWS_CREDENTIALS, "");
            },
            { PULUMI_CONFIG_PASSPHRASE: "correct horse", AWS_PROFILE: "state-admin", CROSS_ACCOUNT_PIPELINE_AWS_CREDENTIALS: JSON.stringify({ profile: "leftover" }) },
        ));
});

describe("automation on the Automation API: config through the workspace", () => {
    it("orders the stacks by what `pulumi config` says, which includes an environment's values the stack file lacks", () =>
        withFakeCli(
            {
                ...exampleStackFiles(),
                // The targets' stacks come from an ESC environment the file imports, not from the file.
                "Pulumi.accountA.yaml":
                    `environment:\n  - pipeline-targets\nconfig:\n  ${PROJECT}:deploy: pipeline\n  ${PROJECT}:targets:\n    - name: Staging\n    - name: Prod\n`,
            },
            async (cli) => {
                const scenario = exampleScenario();
                scenario.accountA.environmentConfig = {
                    [`${PROJECT}:targets`]: [
                        { name: "Staging", stack: `organization/${PROJECT}/accountB` },
                        { name: "Prod", stack: `organization/${PROJECT}/accountC` },
                    ],
                };
                cli.scenario(scenario);
                // The stacks exist already (as after a first deployment).
                const stacksDir = path.join(cli.stateDir, ".pulumi", "stacks", PROJECT);
                fs.mkdirSync(stacksDir, { recursive: true });
                for (const stack of ["accountA", "accountB", "accountC"]) {
                    const outputs = { targets: { [stack]: {} } };
                    fs.writeFileSync(path.join(stacksDir, `${stack}.json`), JSON.stringify({ secretsProvider: "passphrase", resources: [], outputs, history: [] }));
                }
                assert.deepStrictEqual(plan({ projectDir: cli.projectDir }, "preview"), [["accountA", "accountB", "accountC"]], "the files alone know no order");

                const events: DriverEvent[] = [];
                const report = await preview({ projectDir: cli.projectDir, backendUrl: cli.stateUrl, passphrase: "p", onEvent: (e) => events.push(e) });
                assert.strictEqual(report.ok, true, JSON.stringify(report.stacks));
                assert.deepStrictEqual(events.find((e) => e.type === "planned"), { type: "planned", operation: "preview", phases: [["accountB", "accountC"], ["accountA"]] });
                // Only the stack whose file imports an environment needs the CLI to know its config.
                assert.deepStrictEqual(invocationsOf(cli, "config").map((call) => call.stack), ["accountA"]);
                const targetsPreviewed = Math.max(only(cli, "preview", "accountB").end, only(cli, "preview", "accountC").end);
                assert.ok(only(cli, "preview", "accountA").start >= targetsPreviewed);
            },
        ));
});

describe("automation on the Automation API: engine events", () => {
    it("reads a preview's changes from a CLI that writes its events to a file, as from one that streams them", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                cli.scenario(exampleScenario());
                const report = await preview({ projectDir: cli.projectDir, stacks: ["accountB"], backendUrl: cli.stateUrl, passphrase: "p" });
                // An older CLI gets a file to write its events into, which the SDK tails.
                assert.match(valueAfter(only(cli, "preview", "accountB"), "--event-log") ?? "", /automation-logs-preview-.*eventlog\.txt$/);
                assert.deepStrictEqual(report.stacks[0].changes, changeCounts({ create: 3 }));
                assert.deepStrictEqual(report.stacks[0].resources?.map((r) => `${r.op} ${r.name}`), [
                    "create cross-account-role",
                    "create application",
                    "create deployment-group",
                ]);
            },
            { FAKE_PULUMI_VERSION: "3.200.0" },
        ));
});

describe("automation on the Automation API: the Pulumi CLI's version", () => {
    const requiring = (range: string) => ({ ...exampleStackFiles(), "Pulumi.yaml": `name: ${PROJECT}\nrequiredPulumiVersion: "${range}"\nruntime:\n  name: nodejs\n` });

    it("refuses, in one line and before any stack starts, a CLI older than the project's requiredPulumiVersion", () =>
        withFakeCli(
            requiring(">=3.252.0"),
            async (cli) => {
                await assert.rejects(preview({ projectDir: cli.projectDir, backendUrl: cli.stateUrl, passphrase: "p" }), (error: Error) => {
                    assert.ok(error instanceof DriverError);
                    assert.strictEqual(error.message, `the Pulumi CLI is 3.251.9, and this project needs 3.252.0 or later (requiredPulumiVersion in ${path.join(cli.projectDir, "Pulumi.yaml")}); ` +
                        "upgrade it: `curl -fsSL https://get.pulumi.com | sh`, or see https://www.pulumi.com/docs/install/");
                    return true;
                });
                assert.deepStrictEqual(cli.invocations().map((call) => call.command), ["version"]);
            },
            { FAKE_PULUMI_VERSION: "3.251.9" },
        ));

    it("runs with the version the project requires, and names a requiredPulumiVersion it does not understand", async () => {
        await withFakeCli(requiring(">=3.252.0"), async (cli) => {
            cli.scenario(exampleScenario());
            const report = await preview({ projectDir: cli.projectDir, stacks: ["accountB"], backendUrl: cli.stateUrl, passphrase: "p" });
            assert.strictEqual(report.ok, true);
        });
        await withFakeCli(requiring("^3.252"), async (cli) => {
            await assert.rejects(preview({ projectDir: cli.projectDir, backendUrl: cli.stateUrl, passphrase: "p" }), /requiredPulumiVersion "\^3\.252" is not understood here; expected the form ">=3\.252\.0"/);
        });
    });
});
