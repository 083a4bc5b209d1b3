// `npm run bench`: how long the offline plan takes for one target and for many in one stack.
// A benchmark, not a test: it prints its figures and asserts nothing.
import { configNamespace } from "../config";
import { count as figure, QuotaName, share } from "../definition/quotas";
import { StackFile } from "../project/stackFiles";
import { awsResources } from "./describe";
import { declaredResources, runPlan } from "./plan";

const regions = ["us-east-2", "us-west-2", "eu-west-1"];

/**
 * A `deploy: all` stack with `count` targets, each in its own account, spread over `regionCount` regions;
 * the last one's stage waits for an approval. With `waveSize`, the first target is a canary (a wave of its
 * own) and the others deploy in waves `Wave1`, `Wave2`, ... of `waveSize` targets, the last wave approved.
 */
export function benchmarkStack(count: number, regionCount: number, waveSize?: number): StackFile {
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
        stack: `bench-${count}`,
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

async function measure(count: number, regionCount: number): Promise<void> {
    const started = process.hrtime.bigint();
    const result = await runPlan({ stackFiles: [benchmarkStack(count, regionCount)] });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const resources = awsResources(declaredResources(result.stacks)).length;
    const verdict = result.ok ? "ok" : "FAILED";
    console.log(`${String(count).padStart(7)} | ${String(regionCount).padStart(7)} | ${String(resources).padStart(9)} | ${String(result.createTime.length).padStart(18)} | ${String(result.access.length).padStart(13)} | ${ms.toFixed(0).padStart(7)} | ${verdict}`);
}

/**
 * At scale: a canary, then waves of 49 targets (the last wave approved) over three regions, each target
 * in its own account; with the largest policy of each kind as a share of its AWS limit, and the pipeline's stages.
 */
async function measureAtScale(count: number): Promise<void> {
    const started = process.hrtime.bigint();
    const result = await runPlan({ stackFiles: [benchmarkStack(count, 3, 49)] });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const largest = (quota: QuotaName) => result.quotas.filter((q) => q.quota === quota).reduce((a, b) => (a.figure >= b.figure ? a : b));
    const shareOf = (quota: QuotaName) => {
        const m = largest(quota);
        return `${figure(m.figure)} (${share(m)})`.padStart(15);
    };
    const cells = [
        String(count).padStart(7), String(largest("stagesPerPipeline").figure).padStart(6), String(awsResources(declaredResources(result.stacks)).length).padStart(9),
        String(result.access.length).padStart(13), ms.toFixed(0).padStart(7),
        shareOf("bucketPolicy"), shareOf("keyPolicy"), shareOf("roleInlinePolicies"), shareOf("trustPolicy"), result.ok ? "ok" : "FAILED",
    ];
    console.log(cells.join(" | "));
}

async function main(): Promise<void> {
    console.log(`offline plan benchmark (node ${process.version}, ${new Date().toISOString()})`);
    console.log("targets | regions | resources | create-time checks | access checks |      ms | plan");
    // The first run also loads the program's modules and the IAM data; it is reported, not hidden.
    for (const [count, regionCount] of [[1, 1], [1, 1], [25, 1], [25, 3]]) {
        await measure(count, regionCount);
    }
    console.log("\nat scale: a canary, then waves of 49 over 3 regions; the largest policy of each kind, bytes or characters (share of its AWS limit)");
    console.log("targets | stages | resources | access checks |      ms |   bucket policy |      key policy | role's inline p. |    trust policy | plan");
    for (const count of [1, 25, 100, 250]) {
        await measureAtScale(count);
    }
}

// Only when run as `npm run bench`: tests import benchmarkStack.
if (require.main === module) {
    main().catch((e: Error) => {
        console.error(`bench: ${e.message}`);
        process.exitCode = 1;
    });
}
