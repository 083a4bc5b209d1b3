// evaluation/runProgram.ts lets go of what a run declared once its outputs are read: what the plan does next (the
// checks, the next stack) carries none of the run's resources, their Outputs or the promises between them.
import * as assert from "node:assert/strict";
import * as v8 from "node:v8";
import * as pulumi from "@pulumi/pulumi";
import { runShippedStacks } from "./support/stacks";

/**
 * How many custom resources (AWS resources and providers) are alive, after a full garbage collection: their classes
 * are loaded once, from the packages, so every object counted but their prototypes is a resource. Node flags
 * `v8.queryObjects` as experimental with a warning, which would read as a problem in the test output: held back here.
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

describe("a run lets go of what it declared (evaluation/runProgram.ts)", () => {
    it("leaves no resource of either shipped stack alive once both runs return, their results kept", async () => {
        // A first pair of runs: whatever earlier tests left in the runtime is let go of by then.
        await runShippedStacks();
        const before = liveResources();
        const { pipeline, target } = await runShippedStacks();
        assert.ok(pipeline.resources.length + target.resources.length > 30, "the runs declared their resources");
        assert.equal(liveResources() - before, 0, "resources of the runs are still alive");
        // What the runs returned is whole: the stack outputs included.
        assert.equal(pipeline.outputs.pipelineName, "CrossAccountPipeline");
        assert.ok(Object.keys(target.outputs.targets as object).length > 0);
    });
});
