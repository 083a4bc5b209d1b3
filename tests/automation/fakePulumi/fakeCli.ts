// Puts the fake Pulumi CLI (pulumi.js next to this file) on PATH for one test, in a project of its
// own, and reads back what the Automation API made it do.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface ScenarioResource {
    name: string;
    type: string;
    protect?: boolean;
    /** Declared with the `import` option: imported when the state lacks it. */
    import?: boolean;
    /** By name, within the same stack. */
    parent?: string;
    dependencies?: string[];
}

export interface ScenarioStack {
    resources?: ScenarioResource[];
    /** A string "${stack:NAME:a.b}" is read from stack NAME's outputs when the stack is updated. */
    outputs?: Record<string, unknown>;
    /** Stacks its StackReferences read: its preview and update fail while they have no outputs. */
    reads?: string[];
    /** A mandatory policy violation, reported when the run has a policy pack. */
    policyViolation?: string;
    /** Config an ESC environment adds (`pulumi config --json` shows it; the stack file does not have it). */
    environmentConfig?: Record<string, unknown>;
    /** How long each operation takes, or each named one (the others take FAKE_PULUMI_OPERATION_MS). */
    delayMs?: number | Partial<Record<"preview" | "up" | "destroy" | "refresh", number>>;
    fail?: Partial<Record<"preview" | "up" | "destroy" | "refresh", string>>;
}

/** One invocation of the fake CLI. */
export interface Invocation {
    argv: string[];
    /** `stack select`, `stack init`, `up`, `config`, ... */
    command: string;
    /** The short name of the stack it is about. */
    stack?: string;
    /** That stack as the command named it (`--stack`, or `stack init|rm <name>`). */
    stackArgument?: string;
    cwd: string;
    start: number;
    end: number;
    exitCode: number;
    env: {
        PULUMI_BACKEND_URL?: string; PULUMI_CONFIG_PASSPHRASE?: string; AWS_PROFILE?: string; PULUMI_HOME?: string;
        CROSS_ACCOUNT_PIPELINE_AWS_CREDENTIALS?: string;
    };
}

/** An operation of the fake CLI that started (and now listens for signals), or a signal one received. */
export interface ProcessEvent {
    event: "started" | "SIGINT" | "SIGTERM";
    command: string;
    stack?: string;
    pid: number;
}

export interface FakeCli {
    /** A project directory: Pulumi.yaml, the stack files given, a policy-pack/ stub. */
    projectDir: string;
    /** A file backend outside the project, ready to use. */
    stateUrl: string;
    stateDir: string;
    /** PULUMI_HOME of the run (workspace settings, credentials.json). */
    home: string;
    /** Where a Pulumi Cloud backend keeps its stacks (per host). */
    cloudDir: string;
    scenario(stacks: Record<string, ScenarioStack>): void;
    invocations(): Invocation[];
    /** Every signal an invocation received, in order. */
    signals(): ProcessEvent[];
    /** The operations (preview, up, destroy, refresh) that started, in order. */
    started(): ProcessEvent[];
    /** Stack records of a file backend directory (or of the cloud's host directory). */
    records(stacksDir?: string): string[];
    record(stack: string, stacksDir?: string): {
        resources: { urn: string; protect?: boolean }[]; outputs: Record<string, unknown>; secretsProvider: string; locked?: boolean; pendingOperations?: unknown[];
    };
}

export const PROJECT = "cross-account-pipeline";

/** Runs `test` with the fake CLI first on PATH and a clean Pulumi environment; restores everything after. */
export async function withFakeCli<T>(stackFiles: Record<string, string>, test: (cli: FakeCli) => Promise<T>, env: Record<string, string | undefined> = {}): Promise<T> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
    const binDir = path.join(root, "bin");
    const projectDir = path.join(root, "project");
    const stateDir = path.join(root, "state");
    const home = path.join(root, "home");
    const cloudDir = path.join(root, "cloud");
    const logFile = path.join(root, "invocations.jsonl");
    const signalsFile = path.join(root, "signals.jsonl");
    const scenarioFile = path.join(root, "scenario.json");
    const processEvents = (): ProcessEvent[] =>
        fs.existsSync(signalsFile) ? fs.readFileSync(signalsFile, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as ProcessEvent) : [];
    for (const dir of [binDir, projectDir, stateDir, home, cloudDir, path.join(projectDir, "policy-pack")]) {
        fs.mkdirSync(dir, { recursive: true });
    }
    fs.writeFileSync(path.join(binDir, "pulumi"), `#!/bin/sh\nexec "${process.execPath}" "${path.join(__dirname, "pulumi.js")}" "$@"\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), `name: ${PROJECT}\nruntime:\n  name: nodejs\n`);
    fs.writeFileSync(path.join(projectDir, "policy-pack", "PulumiPolicy.yaml"), "runtime: nodejs\n");
    for (const [name, text] of Object.entries(stackFiles)) {
        fs.writeFileSync(path.join(projectDir, name), text);
    }
    fs.writeFileSync(scenarioFile, "{}");

    const stacksIn = (dir: string) => path.join(dir, ".pulumi", "stacks", PROJECT);
    const cli: FakeCli = {
        projectDir,
        stateUrl: `file://${stateDir}`,
        stateDir,
        home,
        cloudDir,
        scenario: (stacks) => fs.writeFileSync(scenarioFile, JSON.stringify({ stacks })),
        invocations: () =>
            fs.existsSync(logFile)
                ? fs.readFileSync(logFile, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Invocation)
                : [],
        signals: () => processEvents().filter((event) => event.event !== "started"),
        started: () => processEvents().filter((event) => event.event === "started"),
        records: (dir = stacksIn(stateDir)) => (fs.existsSync(dir) ? fs.readdirSync(dir).map((file) => file.replace(/\.json$/, "")).sort() : []),
        record: (stack, dir = stacksIn(stateDir)) => JSON.parse(fs.readFileSync(path.join(dir, `${stack}.json`), "utf8")),
    };
    const vars: Record<string, string | undefined> = {
        PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
        PULUMI_HOME: home,
        FAKE_PULUMI_LOG: logFile,
        FAKE_PULUMI_SIGNALS: signalsFile,
        FAKE_PULUMI_SCENARIO: scenarioFile,
        FAKE_PULUMI_CLOUD_DIR: cloudDir,
        FAKE_PULUMI_SELECT_MS: "60",
        FAKE_PULUMI_OPERATION_MS: "150",
        PULUMI_BACKEND_URL: undefined,
        PULUMI_ACCESS_TOKEN: undefined,
        PULUMI_CONFIG_PASSPHRASE: undefined,
        PULUMI_CONFIG_PASSPHRASE_FILE: undefined,
        PULUMI_CREDENTIALS_PATH: undefined,
        ...env,
    };
    const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
    const apply = (values: Record<string, string | undefined>) =>
        Object.entries(values).forEach(([name, value]) => (value === undefined ? delete process.env[name] : (process.env[name] = value)));
    apply(vars);
    try {
        return await test(cli);
    } finally {
        apply(saved);
        fs.rmSync(root, { recursive: true, force: true });
    }
}

/** Every file under `dir` with its content, `skip` (relative paths) left out. */
export function snapshot(dir: string, skip: string[] = []): Record<string, string> {
    const files: Record<string, string> = {};
    const walk = (relative: string) => {
        for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
            const child = path.join(relative, entry.name);
            if (skip.includes(child)) {
                continue;
            }
            if (entry.isDirectory()) {
                walk(child);
            } else {
                files[child] = fs.readFileSync(path.join(dir, child), "utf8");
            }
        }
    };
    walk("");
    return files;
}

/** True when the two invocations ran at the same time. */
export const overlap = (a: Invocation, b: Invocation): boolean => a.start < b.end && b.start < a.end;

/** The stack files of the example: pipeline stack accountA reading target stacks accountB and accountC. */
export function exampleStackFiles(extra: Partial<Record<"accountA" | "accountB" | "accountC", string>> = {}): Record<string, string> {
    const target = (name: string, target: string) =>
        `${extra[name as "accountB"] ?? ""}config:\n  ${PROJECT}:deploy: target\n  ${PROJECT}:target: ${target}\n`;
    return {
        "Pulumi.accountA.yaml":
            `${extra.accountA ?? ""}# The pipeline stack.\nconfig:\n  ${PROJECT}:deploy: pipeline\n  ${PROJECT}:targets:\n` +
            `    - name: Staging\n      stack: organization/${PROJECT}/accountB\n` +
            `    - name: Prod\n      stack: organization/${PROJECT}/accountC\n`,
        "Pulumi.accountB.yaml": target("accountB", "Staging"),
        "Pulumi.accountC.yaml": target("accountC", "Prod"),
    };
}

export const roleArnOf = (account: string) => `arn:aws:iam::${account}:role/CrossAccount_Role`;

/** What each example stack declares and exports; the pipeline stack reads its targets' role ARNs. */
export function exampleScenario(): Record<string, ScenarioStack> {
    const target = (account: string, stage: string): ScenarioStack => ({
        resources: [
            { name: "cross-account-role", type: "aws:iam/role:Role" },
            { name: "application", type: "aws:codedeploy/application:Application" },
            { name: "deployment-group", type: "aws:codedeploy/deploymentGroup:DeploymentGroup", dependencies: ["application", "cross-account-role"] },
        ],
        outputs: { targets: { [stage]: { crossAccountRoleArn: roleArnOf(account) } } },
    });
    return {
        accountB: target("222222222222", "Staging"),
        accountC: target("333333333333", "Prod"),
        accountA: {
            reads: ["accountB", "accountC"],
            resources: [
                { name: "store", type: "cross-account-pipeline:components:ArtifactStore" },
                { name: "artifact-key", type: "aws:kms/key:Key", parent: "store", protect: true },
                { name: "artifact-bucket", type: "aws:s3/bucket:Bucket", parent: "store", protect: true, dependencies: ["artifact-key"] },
                { name: "pipeline-role", type: "aws:iam/role:Role" },
                { name: "pipeline", type: "aws:codepipeline/pipeline:Pipeline", dependencies: ["pipeline-role", "artifact-bucket"] },
            ],
            outputs: {
                deployRoleArns: {
                    Staging: "${stack:accountB:targets.Staging.crossAccountRoleArn}",
                    Prod: "${stack:accountC:targets.Prod.crossAccountRoleArn}",
                },
            },
        },
    };
}

/** The example, its target stacks' updates long enough to be interrupted while they run. */
export function longTargetUpdates(cli: FakeCli): void {
    const scenario = exampleScenario();
    scenario.accountB.delayMs = { up: 20_000 };
    scenario.accountC.delayMs = { up: 20_000 };
    cli.scenario(scenario);
}

/** Whether both target stacks' updates have started. */
export const bothTargetUpdatesRun = (cli: FakeCli) => () =>
    ["accountB", "accountC"].every((stack) => cli.started().some((event) => event.command === "up" && event.stack === stack));

/** `[command stack signal]` of every signal the fake CLIs received, sorted. */
export const signalsReceived = (cli: FakeCli) => cli.signals().map((event) => `${event.command} ${event.stack} ${event.event}`).sort();

/** Waits (polling) until `done` holds; fails naming `what` after 45 s. */
export async function until(what: string, done: () => Promise<boolean> | boolean): Promise<void> {
    const giveUp = Date.now() + 45_000;
    while (!(await done())) {
        if (Date.now() > giveUp) {
            throw new Error(`gave up waiting for ${what}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
    }
}
