// A worker thread of verification/parallelChecks.ts: takes chunks of the checks it is given (workerData)
// until none is left and posts their findings back. Plain JavaScript: a worker does not inherit the hooks
// of the thread that started it, so it loads the plan's preload itself (TypeScript, and the same collators).
"use strict";
const { parentPort, workerData } = require("worker_threads");
require("../offline-plan/preload.js");
const { evaluateCheck } = require("./evaluation.ts");
const { chunkSize, takeChunk } = require("./parallelChecks.ts");

(async () => {
    const { checks, taken } = workerData;
    const answer = [];
    for (let chunk = takeChunk(taken, checks.length); chunk !== undefined; chunk = takeChunk(taken, checks.length)) {
        const findings = [];
        for (const check of checks.slice(chunk * chunkSize, (chunk + 1) * chunkSize)) {
            const { check: _, ...finding } = await evaluateCheck(check);
            findings.push(finding);
        }
        answer.push({ chunk, findings });
    }
    parentPort.postMessage(answer);
})();
