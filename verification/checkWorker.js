// A worker thread of verification/parallelChecks.ts: evaluates the checks it is given (workerData) and
// posts their findings back, in order. Plain JavaScript: a worker does not inherit the hooks of the
// thread that started it, so it loads the plan's preload itself (TypeScript, and the same collators).
"use strict";
const { parentPort, workerData } = require("worker_threads");
require("../offline-plan/preload.js");
const { evaluateCheck } = require("./evaluation.ts");

(async () => {
    const findings = [];
    for (const check of workerData) {
        const { check: _, ...finding } = await evaluateCheck(check);
        findings.push(finding);
    }
    parentPort.postMessage(findings);
})();
