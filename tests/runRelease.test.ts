// evaluation/runProgram.ts lets go of what a run declared once its outputs are read: what the plan does next (the
// checks, the next stack) carries none of the run's resources, their Outputs or the promises between them.
import * as assert from "node:assert/strict";
import * as v8 from "node:v8";
import * as pulumi from "@pulumi/pulumi";
import { MockCloud } from "../evaluation/mockCloud";
import { runAllInOne, runShippedStacks } from "./support/stacks";

/**
 * How many custom resources (AWS resources and providers) are alive, after a full garbage collection, counting
 * the prototypes of their classes, loaded once. Node flags `v8.queryObjects` as experimental with a warning, which
 * would read as a problem in the test output: held back here.
 */
function liveResources(): number {
    const { emitWarning } = process;
    process.emitWarning = () => undefined;
    try {
        return v8.queryObjects(pulumi.CustomResource, { format: "count" }) as number;
    } finally {
        process.emitWarning = emitWarning;
    }
}

/** Ten targets in their own accounts, in one stack: many more resources than a shipped stack. */
const tenTargets = Array.from({ length: 10 }, (_, i) => ({
    name: `Target${i}`, accountId: `2000000000${String(i).padStart(2, "0")}`, applicationName: "App", deploymentGroupName: "Group",
}));

/** Five targets in their own accounts, in one stack. */
const fiveTargets = tenTargets.slice(0, 5);

describe("a run lets go of what it declared (evaluation/runProgram.ts)", () => {
    it("leaves no resource of a run alive once it returns, its result kept", async () => {
        // Every class the runs below declare is loaded (its prototype counted) before anything is counted.
        await runShippedStacks();
        const large = await runAllInOne(tenTargets);
        const { pipeline, target } = await runShippedStacks();
        const afterSmall = liveResources();
        const again = await runAllInOne(tenTargets);
        const afterLarge = liveResources();
        assert.ok(large.resources.length > pipeline.resources.length + target.resources.length + 50, "the large run declared many more resources");
        // A run that kept its resources would leave the last run's alive: more after the large one than after the small ones.
        assert.equal(afterLarge - afterSmall, 0, "resources of the last run are still alive");
        // What the runs returned is whole: the stack outputs included.
        assert.equal(pipeline.outputs.pipelineName, "CrossAccountPipeline");
        assert.equal(Object.keys(target.outputs.targets as object).length, 1);
        assert.equal(Object.keys(again.outputs.targets as object).length, 10);
    });
});

describe("a run that fails while its program is still declaring (evaluation/runProgram.ts)", () => {
    it("lets the program finish before it returns, so that none of its targets lands in the next run", async () => {
        // The second of five targets fails as its first resource registers, while the program still declares the others.
        const { newResource } = MockCloud.prototype;
        MockCloud.prototype.newResource = function (args) {
            if (args.name === "Target1-codedeploy") {
                throw new Error("the cloud refuses Target1");
            }
            return newResource.call(this, args);
        };
        try {
            await assert.rejects(runAllInOne(fiveTargets), /the cloud refuses Target1/);
        } finally {
            MockCloud.prototype.newResource = newResource;
        }
        const { target } = await runShippedStacks();
        const strays = target.resources.filter((r) => /^(target-)?Target\d/.test(r.name));
        assert.deepEqual(strays.map((r) => r.name), [], "resources of the failed run registered in the next one");
    });
});
