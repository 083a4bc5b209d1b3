// Preloaded by `npm run bench` into each process it measures, the plan and the CDK reference alike: at
// exit, the process's peak memory (resident set) and CPU time, on stderr. Plain JavaScript, so that it
// loads the same way into any Node process.
"use strict";
process.once("exit", () => {
    const { maxRSS, userCPUTime, systemCPUTime } = process.resourceUsage();
    process.stderr.write(`process: peak memory ${maxRSS} KB, cpu ${Math.round((userCPUTime + systemCPUTime) / 1000)} ms\n`);
});
