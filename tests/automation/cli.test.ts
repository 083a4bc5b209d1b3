import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CliEnvironment, parseArguments, runCli } from "../../automation/cli";

const repositoryDir = path.resolve(__dirname, "..", "..");

function commandOf(argv: string[]) {
    const parsed = parseArguments(argv);
    assert.ok(!parsed.help);
    return parsed.command;
}

/** A throwaway copy of the project's Pulumi.yaml and shipped stack files, so runs leave nothing in the repository. */
function withProjectCopy<T>(run: (projectDir: string) => Promise<T>): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-cli-"));
    for (const file of ["Pulumi.yaml", "Pulumi.accountA.yaml", "Pulumi.accountB.yaml"]) {
        fs.copyFileSync(path.join(repositoryDir, file), path.join(dir, file));
    }
    return run(dir).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

/** Sets (or, with undefined, removes) environment variables for the duration of `run`. */
async function withEnv<T>(vars: Record<string, string | undefined>, run: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
    const apply = (values: Record<string, string | undefined>) =>
        Object.entries(values).forEach(([name, value]) => (value === undefined ? delete process.env[name] : (process.env[name] = value)));
    apply(vars);
    try {
        return await run();
    } finally {
        apply(saved);
    }
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
            ]),
            {
                operation: "up",
                stacks: ["accountA", "accountB", "accountC"],
                yes: true,
                force: false,
                concurrency: 2,
                backendUrl: "s3://state",
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
    it("stops before any stack runs when no passphrase is set for the default file backend", () =>
        withProjectCopy((projectDir) =>
            withEnv({ PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: undefined }, async () => {
                const environment = recordingEnvironment(projectDir);
                assert.strictEqual(await runCli(["--preview"], environment), 2);
                assert.strictEqual(environment.lines.length, 1);
                assert.match(environment.lines[0], /^deploy: the backend file:\/\/.*\/\.pulumi\/state encrypts stack secrets/);
            }),
        ));

    it("explains how to install the Pulumi CLI when it is not on PATH", () =>
        withProjectCopy((projectDir) =>
            withEnv({ PULUMI_CONFIG_PASSPHRASE: "test", PATH: projectDir }, async () => {
                const environment = recordingEnvironment(projectDir);
                assert.strictEqual(await runCli(["--up", "--yes"], environment), 2);
                assert.deepStrictEqual(environment.lines.length, 1);
                assert.match(environment.lines[0], /^deploy: the Pulumi CLI was not found on PATH; install it with/);
            }),
        ));

    it("names an unknown stack and the known ones", () =>
        withProjectCopy(async (projectDir) => {
            const environment = recordingEnvironment(projectDir);
            assert.strictEqual(await runCli(["--preview", "--stack", "accountZ"], environment), 2);
            assert.deepStrictEqual(environment.lines, [
                'deploy: unknown stack "accountZ": there is no Pulumi.<stack>.yaml for it (stacks: accountA, accountB)',
            ]);
        }));

    it("asks before destroying, in destroy order, and destroys nothing on no", () =>
        withProjectCopy(async (projectDir) => {
            const environment = recordingEnvironment(projectDir, false);
            assert.strictEqual(await runCli(["--destroy"], environment), 1);
            assert.deepStrictEqual(environment.questions, ["Destroy every resource of accountB, then accountA? [y/N] "]);
            assert.deepStrictEqual(environment.lines, ["Nothing destroyed: not confirmed."]);
            assert.ok(!fs.existsSync(path.join(projectDir, ".pulumi")), "the backend was touched");
        }));
});
