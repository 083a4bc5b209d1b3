// Interrupts on the real Automation API, against the fake Pulumi CLI, which records each signal it receives and
// behaves as the real one does: a first SIGINT cancels at a safe point, a second terminates at once and leaves a
// lock and pending operations (fakePulumi/pulumi.js). Through the library's AbortSignal, and through a terminal's
// Ctrl-C, which reaches every process of the foreground group at once.

import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { up } from "../../automation";
import { INTERRUPTED_EXIT_CODE } from "../../automation/cli";
import { bothTargetUpdatesRun, exampleStackFiles, FakeCli, longTargetUpdates, signalsReceived, until, withFakeCli } from "./fakePulumi/fakeCli";

const PASSPHRASE = { PULUMI_CONFIG_PASSPHRASE: "correct horse" };

/** `npm run deploy` as a process of its own, the leader of its own process group, as a terminal's foreground job is. */
function deployProcess(cli: FakeCli, args: string[]): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
    const root = path.resolve(__dirname, "../..");
    const child = spawn(
        process.execPath,
        ["--require", path.join(root, "offline-plan/preload.js"), path.join(__dirname, "cliProcess.ts"), cli.projectDir, ...args],
        { detached: true, env: process.env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, output: () => output, exit };
}

/** `npm run deploy -- --up --yes` on the example as a process, once both target stacks' updates run. */
async function deployWhileTargetsUpdate(cli: FakeCli): Promise<ReturnType<typeof deployProcess>> {
    longTargetUpdates(cli);
    process.env.PULUMI_BACKEND_URL = cli.stateUrl; // restored by withFakeCli
    const deploy = deployProcess(cli, ["--up", "--yes"]);
    await until("both target updates to run", bothTargetUpdatesRun(cli));
    return deploy;
}

/** A terminal's Ctrl-C: SIGINT to every process of the foreground group. */
const ctrlC = (child: ChildProcess) => process.kill(-child.pid!, "SIGINT");

describe("automation on the Automation API: interrupts", () => {
    it("a service's AbortSignal: one SIGINT reaches each running update, the pipeline stack is not started, state is left clean", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                longTargetUpdates(cli);
                const cancel = new AbortController();
                const running = up({ projectDir: cli.projectDir, backendUrl: cli.stateUrl, signal: cancel.signal });
                await until("both target updates to run", bothTargetUpdatesRun(cli));
                cancel.abort();
                const report = await running;

                assert.deepStrictEqual(signalsReceived(cli), ["up accountB SIGINT", "up accountC SIGINT"]);
                assert.strictEqual(report.interrupted, true);
                assert.strictEqual(report.ok, false);
                assert.deepStrictEqual(report.stacks.map((s) => [s.stack, s.status]), [["accountB", "interrupted"], ["accountC", "interrupted"], ["accountA", "skipped"]]);
                assert.ok(!cli.invocations().some((call) => call.stack === "accountA" && ["preview", "up"].includes(call.command)), "the pipeline stack was started");
                for (const stack of ["accountB", "accountC"]) {
                    const record = cli.record(stack);
                    assert.ok(!record.locked && record.pendingOperations === undefined, `${stack}: ${JSON.stringify(record)}`);
                }
            },
            PASSPHRASE,
        ));

    it("a service's terminate, half a second after its cancel: each running CLI has its second SIGINT, and is stopped at once", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                longTargetUpdates(cli);
                const [cancel, terminate] = [new AbortController(), new AbortController()];
                const running = up({ projectDir: cli.projectDir, backendUrl: cli.stateUrl, signal: cancel.signal, terminate: terminate.signal });
                await until("both target updates to run", bothTargetUpdatesRun(cli));
                cancel.abort();
                await new Promise((resolve) => setTimeout(resolve, 500));
                terminate.abort();
                const report = await running;

                assert.deepStrictEqual(signalsReceived(cli), ["up accountB SIGINT", "up accountB SIGINT", "up accountC SIGINT", "up accountC SIGINT"]);
                assert.ok(["accountB", "accountC"].every((stack) => cli.record(stack).locked === true), "the fake CLI did not terminate");
                assert.match(report.stacks.find((s) => s.stack === "accountB")!.message!, /^terminated at once/);
            },
            { ...PASSPHRASE, FAKE_PULUMI_CANCEL_MS: "20000" },
        ));

    it("one Ctrl-C that reaches the driver twice (npm passes it on too) is one interrupt", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                const deploy = await deployWhileTargetsUpdate(cli);
                ctrlC(deploy.child);
                await new Promise((resolve) => setTimeout(resolve, 15));
                process.kill(deploy.child.pid!, "SIGINT");

                assert.strictEqual(await deploy.exit, INTERRUPTED_EXIT_CODE, deploy.output());
                assert.deepStrictEqual(signalsReceived(cli), ["up accountB SIGINT", "up accountC SIGINT"]);
                assert.doesNotMatch(deploy.output(), /Interrupted again|terminated at once/);
            },
            PASSPHRASE,
        ));

    it("a terminal's Ctrl-C: each CLI gets one SIGINT although the terminal signals it too, and the run exits 130", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                const deploy = await deployWhileTargetsUpdate(cli);
                ctrlC(deploy.child);

                assert.strictEqual(await deploy.exit, INTERRUPTED_EXIT_CODE, deploy.output());
                assert.deepStrictEqual(signalsReceived(cli), ["up accountB SIGINT", "up accountC SIGINT"]);
                assert.match(deploy.output(), /Interrupted: nothing more starts/);
                assert.match(deploy.output(), /\[accountB\] up interrupted after [\d.]+s: the Pulumi CLI stopped at a safe point/);
                assert.ok(!cli.invocations().some((call) => call.stack === "accountA" && ["preview", "up"].includes(call.command)));
                assert.ok(["accountB", "accountC"].every((stack) => !cli.record(stack).locked));
            },
            PASSPHRASE,
        ));

    it("a second Ctrl-C stops them at once, and the report says what that leaves and how to clear it", () =>
        withFakeCli(
            exampleStackFiles(),
            async (cli) => {
                const deploy = await deployWhileTargetsUpdate(cli);
                ctrlC(deploy.child);
                await until("both CLIs to be cancelling", () => cli.signals().length === 2);
                // Signals within a second of each other are one interrupt; a person presses again later than that.
                await new Promise((resolve) => setTimeout(resolve, 1_200));
                ctrlC(deploy.child);

                assert.strictEqual(await deploy.exit, INTERRUPTED_EXIT_CODE, deploy.output());
                assert.deepStrictEqual(signalsReceived(cli), ["up accountB SIGINT", "up accountB SIGINT", "up accountC SIGINT", "up accountC SIGINT"]);
                assert.match(deploy.output(), /Interrupted again: stopping the running Pulumi CLIs at once/);
                assert.match(deploy.output(), /accountB[^\n]*terminated at once: .*`pulumi cancel`.*`pulumi refresh -s accountB`/);
                assert.ok(["accountB", "accountC"].every((stack) => cli.record(stack).locked === true), "the fake CLI did not terminate");
            },
            { ...PASSPHRASE, FAKE_PULUMI_CANCEL_MS: "20000" },
        ));
});
