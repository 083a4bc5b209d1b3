// `npm run serve`: the service on PORT (default 8080), its settings from the environment (service/README.md).
// SIGTERM or SIGINT stops it gracefully: nothing new is taken (503), the active run is cancelled through the
// driver's signal and recorded as interrupted, requests under way finish, then it exits 0. A second signal stops
// the run's Pulumi CLIs at once.
import { buildService } from "./app";
import { readSettings, SettingsError } from "./settings";

async function main(): Promise<number> {
    let settings;
    try {
        settings = readSettings(process.env, process.cwd());
    } catch (e) {
        if (e instanceof SettingsError) {
            process.stderr.write(e.problems.map((problem) => `serve: ${problem}\n`).join(""));
            return 2;
        }
        throw e;
    }
    const { app, runs } = buildService(settings);
    try {
        await app.listen({ port: settings.port, host: settings.host });
    } catch (e) {
        const { code, message } = e as NodeJS.ErrnoException;
        process.stderr.write(`serve: cannot listen on ${settings.host}:${settings.port} (${code ?? message}); expected a free port and an address of this machine\n`);
        await app.close();
        return 1;
    }
    app.log.info({ projectDir: settings.projectDir, recordsDir: settings.recordsDir }, "serving the project");
    const stopped = new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (signal: NodeJS.Signals) => {
            if (stopping) {
                app.log.warn({ signal }, "stopping at once: the active run's Pulumi CLIs are stopped without waiting");
                runs.terminate();
                return;
            }
            stopping = true;
            app.log.info({ signal }, "stopping: the active run is cancelled, requests under way finish");
            app.close().then(resolve, (error: Error) => {
                app.log.error({ err: error }, "closing failed");
                resolve();
            });
        };
        process.on("SIGTERM", onSignal);
        process.on("SIGINT", onSignal);
    });
    await stopped;
    app.log.info("stopped");
    return 0;
}

main().then((status) => {
    process.exitCode = status;
}, (error: Error) => {
    process.stderr.write(`serve: internal error (a bug in the service): ${error.stack}\n`);
    process.exitCode = 3;
});
