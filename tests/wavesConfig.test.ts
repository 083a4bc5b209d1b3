// Config for many targets: waves and their approvals, CodePipeline's quotas refused before any resource
// is declared (saying how many targets fit), and the optional AWS Organization.
import { strict as assert } from "node:assert";
import { pipelineStages } from "../definition/pipeline";
import { parsed, problemsOf, rawConfig, targetAccountId, targetEntry } from "./fixtures";

/** `count` target entries, each in its own account, in wave `wave` (none: each its own wave). */
function entries(count: number, wave?: string, prefix = wave ?? "T"): Record<string, unknown>[] {
    return Array.from({ length: count }, (_, i) => targetEntry(`${prefix}${i + 1}`, String(200000000000 + i + 1), wave ? { wave } : {}));
}

const canary = targetEntry("Canary", targetAccountId);

/** The one problem of `raw`; fails unless there is exactly one. */
function onlyProblem(raw: Record<string, unknown>): string {
    const problems = problemsOf(rawConfig("accountA", raw));
    assert.equal(problems.length, 1, problems.join("\n"));
    return problems[0];
}

describe("config: waves", () => {
    it("accepts a canary, then waves of the rest, and defaults each target's wave to its name", () => {
        const config = parsed("accountA", { targets: [canary, ...entries(3, "Rest")] });
        assert.deepEqual(config.targets.map((t) => t.wave), ["Canary", "Rest", "Rest", "Rest"]);
        assert.deepEqual(pipelineStages(config).map((s) => s.name), ["Source", "Build", "Canary", "Rest"]);
    });

    it("refuses a wave named like one of the pipeline's own stages", () => {
        assert.equal(onlyProblem({ targets: [targetEntry("A", targetAccountId, { wave: "Build" })] }),
            `targets[0].wave: "Build" is the name of one of the pipeline's own stages (Source, Build); expected another name, wave names are stage names`);
    });

    it("refuses a wave name that is no stage name", () => {
        assert.match(onlyProblem({ targets: [targetEntry("A", targetAccountId, { wave: "wave one" })] }), /^targets\[0\]\.wave: "wave one" is not valid; expected a wave name of 1-100 letters, digits/);
    });

    it("takes a wave's approval from waves", () => {
        const config = parsed("accountA", { targets: [canary, ...entries(2, "Rest")], waves: [{ name: "Rest", requireApproval: true }] });
        assert.deepEqual(pipelineStages(config).find((s) => s.name === "Rest")!.actions.map((a) => a.name), ["Approve", "Rest1", "Rest2"]);
    });

    it("keeps targets[].requireApproval for a target alone in its wave", () => {
        const config = parsed("accountA", { targets: [targetEntry("Staging", targetAccountId, { requireApproval: true })] });
        assert.deepEqual(pipelineStages(config).find((s) => s.name === "Staging")!.actions.map((a) => a.name), ["Approve", "Deploy"]);
    });

    it("refuses an approval on one target of a wave of several, naming the wave and what to write instead", () => {
        const targets = [canary, ...entries(3, "Rest")];
        targets[2] = { ...targets[2], requireApproval: true };
        assert.equal(onlyProblem({ targets }),
            `targets[2].requireApproval: true on target "Rest2", which shares wave "Rest" with 2 other targets; an approval belongs to the wave, ` +
            "not to one of its targets: expected waves: [{name: Rest, requireApproval: true}] instead");
    });

    it("refuses a target's approval that contradicts its wave's, and accepts one that agrees", () => {
        const targets = [targetEntry("Staging", targetAccountId, { requireApproval: false })];
        assert.equal(onlyProblem({ targets, waves: [{ name: "Staging", requireApproval: true }] }),
            `targets[0].requireApproval: false contradicts waves[0].requireApproval (true) of wave "Staging"; expected the approval in one place: an approval belongs to the wave, so remove it here`);
        const agreeing = [canary, ...entries(2, "Rest").map((t) => ({ ...t, requireApproval: true }))];
        assert.doesNotThrow(() => parsed("accountA", { targets: agreeing, waves: [{ name: "Rest", requireApproval: true }] }));
    });

    it("refuses an entry of waves that names no wave, or a wave twice", () => {
        const problems = problemsOf(rawConfig("accountA", { targets: [canary, ...entries(2, "Rest")], waves: [{ name: "Rset" }, { name: "Rest" }, { name: "Rest" }] }));
        assert.deepEqual(problems, [
            `waves[0].name: "Rset" is not the wave of any target; expected one of: Canary, Rest (a target's wave is its \`wave\`, or its name when it has none)`,
            `waves[2].name: "Rest" appears more than once in waves; expected one entry per wave`,
        ]);
    });

    it("lets an extra action address a wave's stage, and a split wave's stages by <wave>-<n>, and refuses other stage names", () => {
        const targets = [canary, ...entries(60, "Rest")];
        const extra = (stage: string) => ({ stage, name: "Smoke", category: "Test", provider: "CodeBuild", configuration: { ProjectName: "Checks" } });
        assert.doesNotThrow(() => parsed("accountA", { targets, extraActions: [extra("Rest-2")] }));
        assert.equal(onlyProblem({ targets, extraActions: [extra("Rest")] }),
            `extraActions[0].stage: "Rest" is not a stage of this pipeline; expected one of: Source, Build, Canary, Rest-1, Rest-2`);
    });

    it("refuses a split wave whose stage names would be too long for CodePipeline", () => {
        const wave = "W".repeat(99);
        assert.equal(onlyProblem({ targets: entries(51, wave, "T") }),
            `targets: wave "${wave}" needs 2 stages, named ${wave}-1 to ${wave}-2, and CodePipeline's stage names have 1-100 letters, digits, '.', '@', '_' and '-'; ` +
            "expected a wave name of at most 98 characters");
    });

    it("refuses a split wave's stage named like another wave", () => {
        const targets = [...entries(51, "A"), targetEntry("Other", targetAccountId, { wave: "A-1" })];
        assert.match(onlyProblem({ targets }), /^targets: the pipeline has two stages named "A-1"/);
    });
});

describe("config: the largest pipeline CodePipeline allows", () => {
    it("accepts 498 targets in waves: 500 actions with Source and Build, in 12 stages", () => {
        const config = parsed("accountA", { targets: entries(498, "Wave").map((t, i) => ({ ...t, wave: `Wave${Math.floor(i / 50) + 1}` })) });
        const stages = pipelineStages(config);
        assert.equal(stages.reduce((n, s) => n + s.actions.length, 0), 500);
        assert.equal(stages.length, 12);
    });

    it("refuses 49 targets each in a wave of its own, saying how many stages fit and how waves fit more", () => {
        assert.equal(onlyProblem({ targets: entries(49) }),
            "targets: the pipeline needs 51 stages: Source, Build and 49 for its waves (a target without `wave` is a wave of its own), and CodePipeline allows 50 " +
            "(https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html); at most 48 stages of waves fit, so put targets that may deploy together " +
            "in one wave (targets[].wave): its targets deploy in parallel, in a stage of up to 50 actions, and up to 498 targets fit in one pipeline");
    });

    it("leaves CodePipeline's quotas to the stack that declares the pipeline: a target stack may list every target", () => {
        const targets = entries(60);
        assert.equal(parsed("accountB", { targets, target: "T1" }).targets.length, 60);
        assert.match(onlyProblem({ targets }), /^targets: the pipeline needs 62 stages/);
    });

    it("refuses 499 targets, saying how many fit with its approvals and extra actions, and what to do with the others", () => {
        const targets = entries(499, "Wave").map((t, i) => ({ ...t, wave: `Wave${Math.floor(i / 50) + 1}` }));
        assert.equal(onlyProblem({ targets, waves: [{ name: "Wave1", requireApproval: true }] }),
            "targets: the pipeline needs 502 actions: Source, Build, 499 deploy actions, 1 approval and 0 extra actions, and CodePipeline allows 500 " +
            "(https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html); at most 497 targets fit in one pipeline with these approvals and extra actions: " +
            "deploy the others with a second pipeline (another pipeline stack with its own pipelineName)");
    });

    it("refuses extra actions that overfill a stage", () => {
        const extras = Array.from({ length: 2 }, (_, i) => ({ stage: "Rest", name: `Check${i}`, category: "Test", provider: "CodeBuild", configuration: { ProjectName: "Checks" } }));
        assert.match(onlyProblem({ targets: [canary, ...entries(49, "Rest")], extraActions: extras }),
            /^extraActions: stage "Rest" needs 51 actions, and CodePipeline allows 50 per stage \(https:\/\/docs\.aws\.amazon\.com\/codepipeline\/latest\/userguide\/limits\.html\); move some of its extra actions to another stage$/);
    });
});

describe("config: organizationId", () => {
    it("accepts an AWS Organizations id", () => {
        assert.equal(parsed("accountA", { organizationId: "o-a1b2c3d4e5" }).organizationId, "o-a1b2c3d4e5");
        assert.equal(parsed("accountA").organizationId, undefined);
    });

    it("refuses anything else, naming the key, the value and the form", () => {
        assert.equal(onlyProblem({ organizationId: "o-ABC" }), `organizationId: "o-ABC" is not an organization id; expected an AWS Organizations id such as "o-a1b2c3d4e5"`);
    });
});
