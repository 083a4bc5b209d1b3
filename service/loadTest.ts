// `npm run bench:service`: a short load test of the service on this machine, over loopback only, bounded in count
// (each phase sends a fixed number of requests) and in time (each request gives up after 60 s, the whole after 10
// minutes). It prints figures; it asserts nothing. The service runs in this process with its defaults (one plan at a
// time per two cores, 8 waiting) on the shipped Pulumi.yaml, Pulumi.accountA.yaml and Pulumi.accountB.yaml.
import autocannon from "autocannon";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildService } from "./app";
import { defaultPlanConcurrency } from "./settings";

const projectDir = path.resolve(__dirname, "..");
const files = Object.fromEntries(["Pulumi.yaml", "Pulumi.accountA.yaml", "Pulumi.accountB.yaml"].map((name) => [name, fs.readFileSync(path.join(projectDir, name), "utf8")]));
const WHOLE_RUN_LIMIT_MS = 10 * 60_000;

interface Phase {
    title: string;
    route: string;
    body?: string;
    connections: number;
    amount: number;
}

async function main(): Promise<void> {
    const token = randomBytes(32).toString("hex");
    const recordsDir = fs.mkdtempSync(path.join(os.tmpdir(), "service-load-"));
    const settings = {
        port: 0, host: "127.0.0.1", token, projectDir, recordsDir,
        planConcurrency: defaultPlanConcurrency(os.availableParallelism()), planQueue: 8, planTimeoutMs: 120_000, shutdownGraceMs: 20_000, logLevel: "warn",
    };
    const { app } = buildService(settings);
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as { port: number };
    const guard = setTimeout(() => {
        process.stderr.write(`stopping: the load test ran past ${WHOLE_RUN_LIMIT_MS / 60_000} minutes\n`);
        process.exit(1);
    }, WHOLE_RUN_LIMIT_MS);
    const plan = JSON.stringify({ files });
    const { planConcurrency: pool, planQueue: queue } = settings;
    const phases: Phase[] = [
        { title: "GET /healthz, 10 connections", route: "/healthz", connections: 10, amount: 2000 },
        { title: "POST /v1/plan, 1 connection", route: "/v1/plan", body: plan, connections: 1, amount: 6 },
        { title: `POST /v1/plan, ${pool + 1} connections (${pool} running, 1 waiting)`, route: "/v1/plan", body: plan, connections: pool + 1, amount: 4 * (pool + 1) },
        { title: `POST /v1/plan, ${pool + 3} connections (${pool} running, 3 waiting)`, route: "/v1/plan", body: plan, connections: pool + 3, amount: 4 * (pool + 3) },
        { title: `POST /v1/plan, ${pool + queue + 4} connections (past pool and queue: 429)`, route: "/v1/plan", body: plan, connections: pool + queue + 4, amount: 2 * (pool + queue + 4) },
    ];
    // The machine may be shared: its load says how much of it the figures had.
    const load = () => os.loadavg().map((average) => average.toFixed(2)).join(", ");
    console.log(`Service load test on ${os.cpus().length} cores (load average ${load()}), Node ${process.version}, plan pool ${settings.planConcurrency} + queue ${settings.planQueue}, loopback port ${port}`);
    console.log("phase | requests | status codes | throughput (req/s) | latency of 2xx p50 / p90 / p99 / max (ms) | seconds");
    try {
        for (const phase of phases) {
            const result = await autocannon({
                url: `http://127.0.0.1:${port}${phase.route}`,
                method: phase.body === undefined ? "GET" : "POST",
                headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
                ...(phase.body === undefined ? {} : { body: phase.body }),
                connections: phase.connections,
                amount: phase.amount,
                timeout: 60,
                excludeErrorStats: true,
            });
            const codes = Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => `${count} × ${code}`).join(", ");
            const answered = result["2xx"] + result.non2xx;
            const { p50, p90, p99, max } = result.latency;
            console.log(`${phase.title} | ${answered} | ${codes}${result.errors > 0 ? `, ${result.errors} errors` : ""} | ` +
                `${(answered / result.duration).toFixed(2)} | ${[p50, p90, p99, max].map((ms) => ms.toFixed(0)).join(" / ")} | ${result.duration.toFixed(1)}`);
        }
        console.log(`load average after: ${load()}`);
    } finally {
        clearTimeout(guard);
        await app.close();
        fs.rmSync(recordsDir, { recursive: true, force: true });
    }
}

main().catch((error: Error) => {
    process.stderr.write(`load test: ${error.message}\n`);
    process.exitCode = 1;
});
