// `npm run bench:policy-pack`: how long the policy pack takes to start and to answer when the CLI starts
// it (policyHost.ts), from its built bundle as shipped, and from its TypeScript sources through ts-node,
// as the CLI ran it before it was bundled. A benchmark, not a test: it prints its figures and asserts nothing.
import { shipped } from "../fixtures";
import { declaredRuns } from "./declaredStacks";
import { buildPack, engineResourcesOf, EngineResource, PolicyPackProcess } from "./policyHost";

const accountA = { stack: "accountA", config: shipped("accountA").config };

async function measure(entry: string, program: string, runs: number, resources: EngineResource[]): Promise<void> {
    for (let run = 1; run <= runs; run++) {
        const pack = await PolicyPackProcess.start(accountA, undefined, program);
        try {
            const asked = process.hrtime.bigint();
            await pack.getAnalyzerInfo();
            const diagnostics = await pack.analyzeStack(resources);
            const answerMs = Number(process.hrtime.bigint() - asked) / 1e6;
            console.log(`${entry.padEnd(38)} | ${String(run).padStart(3)} | ${(pack.startMs / 1000).toFixed(2).padStart(7)} | ${answerMs.toFixed(0).padStart(8)} | ${diagnostics.length}`);
        } finally {
            await pack.stop();
        }
    }
}

async function main(): Promise<void> {
    buildPack();
    const resources = engineResourcesOf((await declaredRuns()).accountA);
    console.log(`AnalyzeStack of the shipped accountA stack: ${resources.length} resources`);
    console.log(`${"entry point".padEnd(38)} | run | start s | answer ms | violations`);
    await measure("bin/index.js (built bundle, shipped)", ".", 3, resources);
    await measure("index.ts through ts-node (before)", "index.ts", 2, resources);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
