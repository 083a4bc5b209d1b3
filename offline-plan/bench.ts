// `npm run bench [-- --runs N] [--sizes 1,25,100,250,497x3]`: how long the offline plan takes as a user runs it,
// one process per run, and how much memory; the time of each of its phases; and, when it is installed,
// the CDK reference measured in the same runs. A size `25x3` spreads 25 targets over 3 regions.
// A benchmark, not a test: it prints its figures and asserts nothing.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import * as yaml from "yaml";
import { configNamespace } from "../config";
import { count, quotas } from "../definition/quotas";
import { StackFile } from "../project/stackFiles";
import { Command, planCommand } from "./command";
import { parsePhaseLines, phasesVariable, planPhases } from "./phases";
import { accountFileOf, checksFile } from "./planFiles";
import { readPlanFolder } from "./writePlan";

const projectRoot = path.resolve(__dirname, "..");
const regions = ["us-east-2", "us-west-2", "eu-west-1"];

// Up to this many targets, a stage each, as the 25 targets measured against CDK; more go in waves by
// default, as more than 48 stages of one target each would pass CodePipeline's 50 stages.
const oneStagePerTarget = 25;
const defaultWaveSize = 49;

/**
 * A `deploy: all` stack with `count` targets, each in its own account, spread over `regionCount` regions;
 * the last one's stage waits for an approval. With `waveSize`, the first target is a canary (a wave of its
 * own) and the others deploy in waves `Wave1`, `Wave2`, ... of `waveSize` targets, the last wave approved.
 */
export function benchmarkStack(count: number, regionCount: number, waveSize = count > oneStagePerTarget ? defaultWaveSize : undefined): StackFile {
    const waveOf = (i: number) => (waveSize && i > 0 ? `Wave${Math.ceil(i / waveSize)}` : undefined);
    const lastWave = waveOf(count - 1);
    const targets = Array.from({ length: count }, (_, i) => ({
        name: `Target${String(i + 1).padStart(2, "0")}`,
        accountId: String(200000000000 + i + 1),
        region: regions[i % regionCount],
        applicationName: `App${i + 1}`,
        deploymentGroupName: `Group${i + 1}`,
        ...(waveOf(i) ? { wave: waveOf(i) } : { requireApproval: i === count - 1 }),
    }));
    const key = (k: string) => `${configNamespace}:${k}`;
    return {
        stack: `bench-${count}${regionCount > 1 ? `x${regionCount}` : ""}`,
        file: `(generated: ${count} targets in ${regionCount} region${regionCount === 1 ? "" : "s"})`,
        config: {
            [key("deploy")]: "all",
            [key("region")]: regions[0],
            [key("pipelineAccountId")]: "111111111111",
            [key("targets")]: JSON.stringify(targets),
            ...(lastWave ? { [key("waves")]: JSON.stringify([{ name: lastWave, requireApproval: true }]) } : {}),
        },
    };
}

/** A stack file `Pulumi.<stack>.yaml` in `dir` with this config (lists and objects as YAML again), as a user writes one. */
export function writeStackFile(dir: string, stack: string, config: Record<string, string>): string {
    const values = Object.fromEntries(Object.entries(config).map(([key, value]) => [key, /^[[{]/.test(value) ? JSON.parse(value) : value]));
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, yaml.stringify({ config: values }));
    return file;
}

/**
 * The CDK app the plan is measured against (benchmarks/cdk-reference): the same cross-account pipeline in
 * AWS CDK, synthesized for N targets in one process by `node synth.js N`. CDK_SYNTH names another build.
 */
const cdkSynth = path.resolve(process.env.CDK_SYNTH ?? path.join(projectRoot, "benchmarks", "cdk-reference", "dist", "synth.js"));
const cdkTargets = 25;

/**
 * The largest pipeline the config accepts: 497 targets (CodePipeline's 500 actions, less Source, Build and the
 * last wave's approval), over 3 regions; its plan is held to at most twice CDK's synth of 25 targets, and to a
 * peak memory (of the whole process, its worker threads included) under 600 MB.
 */
const largest = { targets: 497, regions: 3, peakMemory: 600 };

/** Preloaded into every measured process: it reports the process's peak memory and CPU time at exit. */
const peakMemory = path.join(__dirname, "peakMemory.js");

interface Size {
    targets: number;
    regions: number;
}

interface Measurement {
    /** Milliseconds, from spawning the process to its exit. */
    wall: number;
    cpu?: number;
    /** MB, the process's peak resident set. */
    peakMemory?: number;
    /** The 1-minute load average when the run started. */
    load: number;
    status: number | null;
    phases: Map<string, number>;
}

function measure(command: Command, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measurement> {
    return new Promise((resolve, reject) => {
        const load = os.loadavg()[0];
        const started = process.hrtime.bigint();
        const nodeArgs = command.file === process.execPath ? ["--require", peakMemory] : [];
        const child = spawn(command.file, [...nodeArgs, ...command.args, ...args], { cwd: command.cwd, env, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        child.on("error", reject);
        child.on("close", (status) => {
            const wall = Number(process.hrtime.bigint() - started) / 1e6;
            const usage = /^process: peak memory (\d+) KB, cpu (\d+) ms$/m.exec(stderr);
            resolve({ wall, load, status, cpu: usage ? Number(usage[2]) : undefined, peakMemory: usage ? Number(usage[1]) / 1024 : undefined, phases: parsePhaseLines(stderr) });
        });
    });
}

interface QuotaFigure {
    quota: string;
    figure: number;
    share: string;
}

interface PlanCoverage {
    resources: number;
    createTime: number;
    access: number;
    isolation: number;
    /** The largest figure of each quota, by what it limits (checks.json's `quota`). */
    largest: Map<string, QuotaFigure>;
}

/** What the plan of one size covers, read from the plan folder it wrote; undefined when it wrote none. */
function planCoverage(outDir: string): PlanCoverage | undefined {
    const read = readPlanFolder(outDir);
    if (!("contents" in read)) {
        return undefined;
    }
    const checks = read.contents.get(checksFile) as { createTime: unknown[]; access: unknown[]; isolation: unknown[]; quotas: QuotaFigure[] };
    const resources = [...read.contents].reduce((sum, [file, listed]) => sum + (accountFileOf(file)?.file === "resources" ? (listed as unknown[]).length : 0), 0);
    const largest = new Map<string, QuotaFigure>();
    for (const q of checks.quotas) {
        if ((largest.get(q.quota)?.figure ?? -1) < q.figure) {
            largest.set(q.quota, q);
        }
    }
    return { resources, createTime: checks.createTime.length, access: checks.access.length, isolation: checks.isolation.length, largest };
}

const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const medianOf = (runs: Measurement[], value: (m: Measurement) => number | undefined) => {
    const values = runs.map(value).filter((v): v is number => v !== undefined);
    return values.length > 0 ? median(values) : undefined;
};
const seconds = (ms: number | undefined) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(2)} s`);
const megabytes = (mb: number | undefined) => (mb === undefined ? "-" : `${mb.toFixed(0)} MB`);
/** Columns as wide as their widest cell: the first left-aligned, the others right-aligned. */
function table(headers: string[], rows: string[][]): string {
    const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
    const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ");
    return [headers, ...rows].map(line).join("\n");
}
const sizeLabel = ({ targets, regions: r }: Size) => `${targets} target${targets === 1 ? "" : "s"}${r > 1 ? ` in ${r} regions` : ""}`;

const benchUsage = "usage: npm run bench [-- --runs N] [--sizes 1,25,100,250,497x3 (a size 25x3: 25 targets over 3 regions)]";

/** `--runs N` (5) and `--sizes` (1,25,100,250,497x3), as node:util parseArgs reads them. */
function parseArguments(argv: string[]): { runs: number; sizes: Size[] } {
    let values: { runs?: string; sizes?: string };
    try {
        ({ values } = parseArgs({ args: argv, options: { runs: { type: "string", default: "5" }, sizes: { type: "string", default: `1,25,100,250,${largest.targets}x${largest.regions}` } }, strict: true }));
    } catch (e) {
        throw new Error(`${(e as Error).message}; ${benchUsage}`, { cause: e });
    }
    const { runs = "", sizes = "" } = values;
    if (!/^[1-9]\d*$/.test(runs)) {
        throw new Error(`--runs ${runs}: expected a whole number of runs, 1 or more; ${benchUsage}`);
    }
    if (!/^[1-9]\d*(x[1-3])?(,[1-9]\d*(x[1-3])?)*$/.test(sizes)) {
        throw new Error(`--sizes ${sizes}: expected target counts separated by commas, each with x2 or x3 to spread it over that many regions (25x3); ${benchUsage}`);
    }
    return {
        runs: Number(runs),
        sizes: sizes.split(",").map((size) => {
            const [targets, regionCount] = size.split("x").map(Number);
            return { targets, regions: regionCount ?? 1 };
        }),
    };
}

async function main(): Promise<void> {
    const { runs, sizes } = parseArguments(process.argv.slice(2));
    const plan = planCommand(projectRoot);
    const cdk: Command | undefined = fs.existsSync(cdkSynth) ? { file: process.execPath, args: [cdkSynth, String(cdkTargets)], cwd: path.dirname(path.dirname(cdkSynth)) } : undefined;
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "plan-bench-"));
    try {
        console.log(`offline plan benchmark: node ${process.version}, ${os.cpus().length} CPUs, ${new Date().toISOString()}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
        console.log(`${runs} runs of each process, alternating; medians. The plan: ${path.basename(plan.file)} ${plan.args.join(" ")} (npm run plan, without npm)`);
        console.log(cdk
            ? `CDK reference: node ${cdkSynth} ${cdkTargets}`
            : `CDK reference: not found at ${cdkSynth}; build it (benchmarks/cdk-reference/README.md), or set CDK_SYNTH to its dist/synth.js, to measure the plan against it`);
        const stackFiles = sizes.map((size) => {
            const stack = benchmarkStack(size.targets, size.regions);
            return writeStackFile(scratch, stack.stack, stack.config);
        });
        const cdkRuns: Measurement[] = [];
        const planRuns: Measurement[][] = sizes.map(() => []);
        const coverage: (PlanCoverage | undefined)[] = [];
        for (let run = 1; run <= runs; run++) {
            const line: string[] = [];
            if (cdk) {
                cdkRuns.push(await measure(cdk, []));
                line.push(`CDK ${seconds(cdkRuns.at(-1)!.wall)}`);
            }
            for (const [index, size] of sizes.entries()) {
                // The same folder run after run, as `npm run plan` writes plan/ again: creating files is much
                // slower than rewriting them on some file systems, and the median is of the runs that rewrite.
                const outDir = path.join(scratch, `plan-${index}`);
                planRuns[index].push(await measure(plan, ["--out", outDir, stackFiles[index]], { ...process.env, [phasesVariable]: "1" }));
                coverage[index] ??= planCoverage(outDir);
                line.push(`${size.targets}: ${seconds(planRuns[index].at(-1)!.wall)}`);
            }
            process.stderr.write(`run ${run}/${runs}: ${line.join(", ")}\n`);
        }

        const rows: string[][] = [];
        const processRow = (label: string, measured: Measurement[], found?: PlanCoverage) => rows.push([
            label, String(found?.resources ?? ""), String(found?.createTime ?? ""), String(found?.access ?? ""), String(found?.isolation ?? ""),
            seconds(medianOf(measured, (m) => m.wall)), seconds(medianOf(measured, (m) => m.cpu)), megabytes(medianOf(measured, (m) => m.peakMemory)),
            (medianOf(measured, (m) => m.load) ?? 0).toFixed(1), [...new Set(measured.map((m) => m.status))].join("/"),
        ]);
        if (cdk) {
            processRow(`CDK synth, ${cdkTargets} targets`, cdkRuns);
        }
        sizes.forEach((size, index) => processRow(`plan, ${sizeLabel(size)}`, planRuns[index], coverage[index]));
        console.log(`\n${table(["process", "resources", "create-time checks", "access checks", "isolation checks", "wall", "cpu", "peak memory", "load", "exit"], rows)}`);
        console.log("exit: 0 the plan holds (PLAN OK), 1 it does not (PLAN FAILED); load: the 1-minute load average when a run started");

        console.log("\nplan phases: median ms, wall (cpu)");
        console.log(table(["targets", ...planPhases], sizes.map((size, index) => [sizeLabel(size), ...planPhases.map((name) => {
            const wall = medianOf(planRuns[index], (m) => m.phases.get(name));
            const cpu = medianOf(planRuns[index], (m) => m.phases.get(`${name} cpu`));
            return wall === undefined ? "-" : `${wall.toFixed(0)} (${cpu?.toFixed(0)})`;
        })])));

        console.log(`\nthe largest figure of each AWS quota (share of its limit); past ${oneStagePerTarget} targets, a canary and waves of ${defaultWaveSize}`);
        console.log(table(["quota", ...sizes.map(sizeLabel)], Object.values(quotas).map(({ what }) => [what, ...coverage.map((found) => {
            const largest = found?.largest.get(what);
            return largest ? `${count(largest.figure)} (${largest.share})` : "-";
        })])));

        const wallOf = (targets: number, regionCount = 1) => {
            const index = sizes.findIndex((size) => size.targets === targets && size.regions === regionCount);
            return index < 0 ? undefined : { wall: medianOf(planRuns[index], (m) => m.wall)!, peakMemory: medianOf(planRuns[index], (m) => m.peakMemory) };
        };
        const [plan25, plan100, plan250, planLargest] = [wallOf(25), wallOf(100), wallOf(250), wallOf(largest.targets, largest.regions)];
        const cdkWall = medianOf(cdkRuns, (m) => m.wall);
        console.log("");
        if (cdkWall !== undefined && plan25) {
            console.log(`plan of 25 targets / CDK synth of ${cdkTargets}: ${(plan25.wall / cdkWall).toFixed(2)} (goal: at most 0.5)`);
        }
        if (cdkWall !== undefined && plan250) {
            console.log(`plan of 250 targets / CDK synth of ${cdkTargets}: ${(plan250.wall / cdkWall).toFixed(2)} (goal: at most 2), peak memory ${megabytes(plan250.peakMemory)} (goal: under 1024 MB)`);
        }
        if (planLargest) {
            const ratio = cdkWall === undefined ? "" : ` / CDK synth of ${cdkTargets}: ${(planLargest.wall / cdkWall).toFixed(2)} (goal: at most 2),`;
            console.log(`plan of ${sizeLabel(largest)} (the largest pipeline)${ratio} peak memory ${megabytes(planLargest.peakMemory)} (goal: under ${largest.peakMemory} MB)`);
        }
        if (plan100 && plan250) {
            console.log(`plan of 250 targets / plan of 100: ${(plan250.wall / plan100.wall).toFixed(2)} (goal: at most 2.5, the ratio of the target counts)`);
        }
        console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

// Only when run as `npm run bench`: tests import benchmarkStack and writeStackFile.
if (require.main === module) {
    main().catch((e: Error) => {
        console.error(`bench: ${e.message}`);
        process.exitCode = 1;
    });
}
