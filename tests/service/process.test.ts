// The service as `npm run serve` runs it, a process of its own: it refuses to start without a token, stops
// gracefully on SIGTERM (the active run cancelled through the driver's signal and recorded as interrupted), and
// after a crash marks the run that was active interrupted, with the stacks it had touched.
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bothTargetUpdatesRun, exampleStackFiles, FakeCli, longTargetUpdates, signalsReceived, until, withFakeCli } from "../automation/fakePulumi/fakeCli";
import { projectRoot } from "../fixtures";
import { Answer, newToken, send } from "./serviceFixture";

interface ServiceProcess {
    child: ChildProcess;
    port: number;
    output(): string;
    exit: Promise<number | null>;
    request(method: string, route: string, body?: unknown): Promise<Answer>;
}

/**
 * `npm run serve`'s command, with `env` (or with `throughNpm`, `npm run serve` itself, as a container or a unit file
 * may start it); resolves once it listens (on the port it chose, PORT=0).
 */
function serve(env: NodeJS.ProcessEnv, { throughNpm = false } = {}): { child: ChildProcess; output: () => string; exit: Promise<number | null>; listening: Promise<ServiceProcess> } {
    const child = throughNpm
        ? spawn("npm", ["run", "--silent", "serve"], { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] })
        : spawn(process.execPath, ["--require", "./offline-plan/preload.js", "service/main.ts"], { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const listening = new Promise<ServiceProcess>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
            output += chunk.toString();
            const port = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
            if (port) {
                child.stdout!.off("data", onData);
                child.stdout!.on("data", (more: Buffer) => (output += more.toString()));
                resolve({
                    child, port: Number(port), output: () => output, exit,
                    request: (method, route, body) => send(Number(port), method, route, {
                        authorization: `Bearer ${env.PIPELINE_SERVICE_TOKEN}`,
                        ...(body === undefined ? {} : { "content-type": "application/json" }),
                    }, body === undefined ? undefined : JSON.stringify(body)),
                });
            }
        };
        child.stdout!.on("data", onData);
        child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
        void exit.then((code) => reject(new Error(`the service exited (${code}) before listening:\n${output}`)));
    });
    listening.catch(() => undefined);
    return { child, output: () => output, exit, listening };
}

/** The service's environment on the fake CLI's project, with its own records folder. */
function serviceEnv(cli: FakeCli, recordsDir: string): NodeJS.ProcessEnv {
    return {
        ...process.env,
        PORT: "0",
        PIPELINE_SERVICE_TOKEN: newToken(),
        PIPELINE_PROJECT_DIR: cli.projectDir,
        PIPELINE_SERVICE_RECORDS: recordsDir,
        PULUMI_BACKEND_URL: cli.stateUrl,
        PULUMI_CONFIG_PASSPHRASE: "correct horse battery staple",
    };
}

/** The service on the fake CLI's project, running an `up` with `yes`, once both target stacks' updates run. */
async function upWhileTargetsUpdate(cli: FakeCli): Promise<{ env: NodeJS.ProcessEnv; service: ServiceProcess; id: string }> {
    longTargetUpdates(cli);
    const env = serviceEnv(cli, path.join(cli.projectDir, "..", "runs"));
    const service = await serve(env).listening;
    const { id } = (await service.request("POST", "/v1/runs", { operation: "up", yes: true })).json;
    await until("both target updates to run", bothTargetUpdatesRun(cli));
    return { env, service, id };
}

describe("the service as a process (npm run serve)", () => {
    it("refuses to start without a token, or with a bad setting, naming each problem, without a stack trace", async () => {
        const env = { ...process.env, PIPELINE_SERVICE_TOKEN: undefined, PIPELINE_SERVICE_TOKEN_FILE: undefined, PORT: "eighty", PIPELINE_SERVICE_PLAN_CONCURRENCY: "0" };
        const withoutToken = serve(env);
        assert.equal(await withoutToken.exit, 2);
        assert.deepEqual(withoutToken.output().trim().split("\n"), [
            'serve: PORT must be integer, not "eighty"',
            'serve: PIPELINE_SERVICE_PLAN_CONCURRENCY must be >= 1, not "0"',
        ]);
        const shortToken = serve({ ...env, PORT: "8080", PIPELINE_SERVICE_PLAN_CONCURRENCY: "2", PIPELINE_SERVICE_TOKEN: "secret" });
        assert.equal(await shortToken.exit, 2);
        assert.equal(shortToken.output().trim(), "serve: the token is 6 characters long; expected at least 32, so that it cannot be guessed (generate one with `openssl rand -hex 32`)");
        const noToken = serve({ ...env, PORT: "8080", PIPELINE_SERVICE_PLAN_CONCURRENCY: "2" });
        assert.equal(await noToken.exit, 2);
        assert.match(noToken.output(), /^serve: no token: set PIPELINE_SERVICE_TOKEN, or PIPELINE_SERVICE_TOKEN_FILE to a file holding it/);
        assert.doesNotMatch(noToken.output() + shortToken.output() + withoutToken.output(), /\n\s+at /);
    });

    it("takes its token from PIPELINE_SERVICE_TOKEN_FILE, answers /healthz without it, and stops on SIGTERM to `npm run serve` with status 0", async () => {
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), "service-token-"));
        const token = newToken();
        fs.writeFileSync(path.join(folder, "token"), `${token}\n`, { mode: 0o600 });
        try {
            const env = { ...process.env, PORT: "0", PIPELINE_SERVICE_TOKEN: undefined, PIPELINE_SERVICE_TOKEN_FILE: path.join(folder, "token"), PIPELINE_SERVICE_RECORDS: path.join(folder, "runs") };
            const service = await serve(env, { throughNpm: true }).listening;
            assert.equal((await send(service.port, "GET", "/healthz", {})).status, 200);
            assert.equal((await send(service.port, "GET", "/v1/runs/00000000-0000-0000-0000-000000000000", { authorization: `Bearer ${token}` })).status, 404);
            // npm signals its script's process: the service itself, not a shell that would leave it running.
            const servicePid = Number(/"pid":(\d+)/.exec(service.output())![1]);
            service.child.kill("SIGTERM");
            assert.equal(await service.exit, 0);
            assert.match(service.output(), /"signal":"SIGTERM","msg":"stopping: the active run is cancelled, requests under way finish"\}\n.*"msg":"stopped"/);
            assert.throws(() => process.kill(servicePid, 0), { code: "ESRCH" }, "the service's process is gone");
            assert.ok(!service.output().includes(token));
        } finally {
            fs.rmSync(folder, { recursive: true, force: true });
        }
    });

    it("SIGTERM mid-run: the run is cancelled through the driver's signal (one SIGINT per running CLI) and recorded as interrupted", () =>
        withFakeCli(exampleStackFiles(), async (cli) => {
            const { env, service, id } = await upWhileTargetsUpdate(cli);
            service.child.kill("SIGTERM");
            assert.equal(await service.exit, 0, service.output());
            assert.deepEqual(signalsReceived(cli), ["up accountB SIGINT", "up accountC SIGINT"]);
            assert.ok(["accountB", "accountC"].every((stack) => !cli.record(stack).locked), "the CLIs stopped at a safe point");

            const restarted = await serve(env).listening;
            try {
                const run = (await restarted.request("GET", `/v1/runs/${id}`)).json;
                assert.equal(run.status, "interrupted");
                assert.equal(run.report.interrupted, true);
                assert.deepEqual(run.report.stacks.map((s: { stack: string; status: string }) => `${s.stack} ${s.status}`), ["accountB interrupted", "accountC interrupted", "accountA skipped"]);
                assert.doesNotMatch(restarted.output(), /marked interrupted/, "it had ended, recorded, before the service stopped");
            } finally {
                restarted.child.kill("SIGTERM");
                await restarted.exit;
            }
        }));

    it("a crash mid-run: after a restart the run is interrupted, with the stacks it had touched, and the project takes runs again", () =>
        withFakeCli(exampleStackFiles(), async (cli) => {
            const { env, service, id } = await upWhileTargetsUpdate(cli);
            service.child.kill("SIGKILL");
            await service.exit;
            // The crashed service's Pulumi CLIs, which would go on in their own process groups.
            cli.started().forEach((event) => {
                try {
                    process.kill(event.pid, "SIGKILL");
                } catch {
                    // already gone
                }
            });

            const restarted = await serve(env).listening;
            try {
                const run = (await restarted.request("GET", `/v1/runs/${id}`)).json;
                assert.equal(run.status, "interrupted");
                assert.deepEqual(run.touchedStacks, ["accountB", "accountC"]);
                assert.equal(run.error, "the service stopped while this run was active; accountB, accountC were running: if one says it is locked, run `pulumi cancel` on it, then `pulumi refresh`");
                assert.match(restarted.output(), /"run":"[^"]+","touchedStacks":\["accountB","accountC"\],"msg":"run marked interrupted: it was active when the service stopped"/);
                const events = (await send(restarted.port, "GET", `/v1/runs/${id}/events`, { authorization: `Bearer ${env.PIPELINE_SERVICE_TOKEN}` })).text;
                assert.match(events.trim().split("\n\n").pop()!, /"type":"ended","status":"interrupted"/, "the stream ends with the interruption");
                const next = await restarted.request("POST", "/v1/runs", { operation: "preview", stacks: ["accountB"] });
                assert.equal(next.status, 202, next.text);
                await until("the preview to end", async () => (await restarted.request("GET", `/v1/runs/${next.json.id}`)).json.status !== "running");
            } finally {
                restarted.child.kill("SIGTERM");
                await restarted.exit;
            }
        }));
});
