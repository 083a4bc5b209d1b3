import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CliEnvironment, parseArguments, runCli } from "../../automation/cli";
import { exampleStackFiles, PROJECT, withFakeCli } from "./fakePulumi/fakeCli";

const repositoryDir = path.resolve(__dirname, "..", "..");

function commandOf(argv: string[]) {
    const parsed = parseArguments(argv);
    assert.ok(!parsed.help);
    return parsed.command;
}

function recordingEnvironment(projectDir: string, answer = false): CliEnvironment & { lines: string[]; questions: string[] } {
    const lines: string[] = [];
    const questions: string[] = [];
    return {
        projectDir,
        lines,
        questions,
        write: (line) => lines.push(line),
        ask: async (question) => {
            questions.push(question);
            return answer;
        },
    };
}

describe("automation: command line arguments", () => {
    it("reads an operation, stacks, and the options", () => {
        assert.deepStrictEqual(
            commandOf([
                "--up",
                "--stack",
                "accountA",
                "accountB",
                "--stack=accountC",
                "--yes",
                "--concurrency",
                "2",
                "--profile",
                "accountA=pipeline-admin",
                "--backend=s3://state",
                "--org",
                "acme",
                "--policy-pack",
                "../packs/strict",
            ]),
            {
                operation: "up",
                stacks: ["accountA", "accountB", "accountC"],
                yes: true,
                force: false,
                concurrency: 2,
                backendUrl: "s3://state",
                organization: "acme",
                policyPack: "../packs/strict",
                profiles: { accountA: "pipeline-admin" },
            },
        );
        assert.deepStrictEqual(commandOf(["--destroy", "--force", "-y"]), {
            operation: "destroy",
            stacks: [],
            yes: true,
            force: true,
            profiles: {},
        });
        assert.deepStrictEqual(parseArguments(["--up", "--help"]), { help: true });
    });

    const badArguments: [string[], RegExp][] = [
        [[], /say what to do: --preview, --up, --destroy or --refresh/],
        [["--up", "--destroy"], /choose one of .* \(got --up and --destroy\)/],
        [["--preview", "--frobnicate"], /unknown option "--frobnicate"/],
        [["--preview", "accountA"], /unexpected argument "accountA"/],
        [["--preview", "--stack"], /--stack needs a stack name/],
        [["--preview", "--stack", "--yes"], /--stack needs a stack name/],
        [["--up", "--concurrency", "0"], /--concurrency expects a whole number of at least 1, got "0"/],
        [["--up", "--concurrency=abc"], /--concurrency expects a whole number of at least 1, got "abc"/],
        [["--up", "--profile", "pipeline-admin"], /--profile expects STACK=PROFILE, got "pipeline-admin"/],
        [["--up", "--yes=no"], /--yes takes no value/],
        [["--preview", "--force"], /--force only applies to --destroy/],
    ];
    for (const [argv, expected] of badArguments) {
        it(`rejects ${JSON.stringify(argv)} with one line`, async () => {
            assert.throws(() => parseArguments(argv), expected);
            const environment = recordingEnvironment(repositoryDir);
            assert.strictEqual(await runCli(argv, environment), 2);
            assert.strictEqual(environment.lines.length, 1);
            assert.match(environment.lines[0], /^deploy: .* \(run with --help for usage\)$/);
            assert.doesNotMatch(environment.lines[0], /\n/);
        });
    }

    it("prints the usage for --help", async () => {
        const environment = recordingEnvironment(repositoryDir);
        assert.strictEqual(await runCli(["--help"], environment), 0);
        assert.match(environment.lines[0], /^usage: npm run deploy -- \(--preview \| --up \| --destroy \| --refresh\)/);
    });
});

describe("automation: command line runs", () => {
    it("stops before any stack runs when a stack that needs a passphrase has none", () =>
        withFakeCli(exampleStackFiles(), async (cli) => {
            const environment = recordingEnvironment(cli.projectDir);
            assert.strictEqual(await runCli(["--preview"], environment), 2);
            assert.deepStrictEqual(environment.lines.slice(0, -1), [
                `Backend: file://${path.join(cli.projectDir, ".pulumi", "state")} (none chosen, so the project's own (git-ignored))`,
                `Stacks: organization/${PROJECT}/<stack>`,
            ]);
            assert.match(environment.lines[environment.lines.length - 1], /^deploy: stacks accountA, accountB, accountC encrypt their secrets with a passphrase/);
            assert.deepStrictEqual(cli.invocations().map((call) => call.command), ["version"], "a stack command ran");
        }));

    it("explains how to install the Pulumi CLI when it is not on PATH", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                process.env.PATH = path.join(cli.projectDir, "no-pulumi-here"); // restored by withFakeCli
                const environment = recordingEnvironment(cli.projectDir);
                assert.strictEqual(await runCli(["--up", "--yes"], environment), 2);
                assert.deepStrictEqual(environment.lines.length, 1);
                assert.match(environment.lines[0], /^deploy: the Pulumi CLI was not found on PATH; install it with/);
            },
            { PULUMI_CONFIG_PASSPHRASE: "test" },
        ));

    it("names an unknown stack and the known ones", () =>
        withFakeCli(exampleStackFiles(), async (cli) => {
            const environment = recordingEnvironment(cli.projectDir);
            assert.strictEqual(await runCli(["--preview", "--stack", "accountZ"], environment), 2);
            assert.deepStrictEqual(environment.lines, [
                'deploy: unknown stack "accountZ": there is no Pulumi.<stack>.yaml for it (stacks: accountA, accountB, accountC)',
            ]);
        }));

    it("names a missing policy pack before any stack runs", () =>
        withFakeCli(exampleStackFiles(), async (cli) => {
            const environment = recordingEnvironment(cli.projectDir);
            assert.strictEqual(await runCli(["--preview", "--policy-pack", "elsewhere"], environment), 2);
            assert.deepStrictEqual(environment.lines, [
                `deploy: policy pack ${path.join(cli.projectDir, "elsewhere")} not found (no PulumiPolicy.yaml there); pass its directory with --policy-pack`,
            ]);
            assert.deepStrictEqual(cli.invocations(), []);
        }));

    it("asks before destroying, in destroy order, and destroys nothing on no", () =>
        withFakeCli(exampleStackFiles(), async (cli) => {
            const environment = recordingEnvironment(cli.projectDir, false);
            assert.strictEqual(await runCli(["--destroy"], environment), 1);
            assert.deepStrictEqual(environment.questions, ["Destroy every resource of accountA, then accountB, accountC, keeping the protected ones? [y/N] "]);
            assert.deepStrictEqual(environment.lines, ["Nothing destroyed: not confirmed."]);
            assert.ok(!fs.existsSync(path.join(cli.projectDir, ".pulumi")), "the backend was touched");
            assert.deepStrictEqual(cli.invocations(), []);
        }));
});
