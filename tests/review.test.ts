// The review of a change against an earlier plan (offline-plan/review.ts): rolled up by meaning, most serious
// first, and short whatever the size of the change, as `npm run plan -- --against` prints it and writes summary.md.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { configNamespace } from "../config";
import { benchmarkStack, writeStackFile } from "../offline-plan/bench";
import { planCommand } from "../offline-plan/command";
import { diffPlans } from "../offline-plan/diff";
import type { PlanContents } from "../offline-plan/grants";
import { reviewChanges, reviewLines, someOf } from "../offline-plan/review";
import { projectRoot } from "./fixtures";

/** Runs `npm run plan` as a user does; its exit status and every line it printed. */
function plan(stackFile: string, out: string, against?: string): { status: number | null; lines: string[] } {
    const command = planCommand(projectRoot);
    const run = spawnSync(command.file, [...command.args, "--out", out, ...(against ? ["--against", against] : []), stackFile], { cwd: command.cwd, encoding: "utf8" });
    return { status: run.status, lines: `${run.stdout}${run.stderr}`.trimEnd().split("\n") };
}

/** The benchmark's stack of `count` targets over three regions, waves of 10, with `edit` made to its config. */
function stackFile(dir: string, count: number, edit: (config: Record<string, string>) => void = () => undefined): string {
    const { config } = benchmarkStack(count, 3, 10);
    edit(config);
    fs.mkdirSync(dir, { recursive: true });
    return writeStackFile(dir, "bench", config);
}

const key = (name: string) => `${configNamespace}:${name}`;

describe("the review of a change (npm run plan -- --against)", () => {
    let scratch: string;
    let base: string;
    before(function () {
        this.timeout(120_000);
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "review-"));
        base = path.join(scratch, "base");
        assert.equal(plan(stackFile(path.join(scratch, "s25"), 25), base).status, 0);
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("adding one target to 25: at most 60 lines and a summary.md of at most 20,000 characters, exit 4", function () {
        this.timeout(120_000);
        const out = path.join(scratch, "plus1");
        const { status, lines } = plan(stackFile(path.join(scratch, "s26"), 26), out, base);
        assert.equal(status, 4, lines.join("\n"));
        assert.ok(lines.length <= 60, `${lines.length} lines:\n${lines.join("\n")}`);
        const summary = fs.readFileSync(path.join(out, "summary.md"), "utf8");
        assert.ok(summary.length <= 20_000, `${summary.length} characters`);
        const text = lines.join("\n");
        assert.match(text, /Changes against .*: 1 target added; next up: 9 to create, 4 to update; access: 3 policy statements changed/);
        assert.match(text, /\+ target Target26 added: account 200000000026, us-west-2, stage Wave3\n\s+in its account: 9 resources, 22 grants from 10 statements/);
        // The pipeline role may assume in one more account: one line for its statement, the condition's new value named.
        assert.match(text, /~ account 111111111111, identity policy pipeline-roles-pipeline-policy, statement AssumeTargetDeployRoles: condition StringEquals aws:resourceaccount \+ 200000000026 /);
        // The grants of a bucket policy statement, once: its actions and resources together.
        assert.match(text, /\+ account 111111111111, bucket policy pipeline-us-west-2-bucket-policy, statement AllowTargetRolesToReadArtifacts: now allows arn:aws:iam::200000000026:root 4 actions \(s3:GetBucketLocation, s3:GetObject, s3:GetObjectVersion, s3:ListBucket\) on 2 resources/);
        // A quota's figure that moves is one line, old and new.
        assert.match(text, /\+ actions per pipeline: 28 \(5\.6%\) -> 29 \(5\.8%\) of 500 actions/);
        assert.match(summary, /## Changes against `.*base`: 1 target added/);
        assert.match(summary, /### Pipelines, targets and stages\n\n```diff\n\+ target Target26 added/);
    });

    it("adding 100 targets: at most 80 lines and 60,000 characters, the targets in one line, exit 4", function () {
        this.timeout(180_000);
        const out = path.join(scratch, "plus100");
        const { status, lines } = plan(stackFile(path.join(scratch, "s125"), 125), out, base);
        assert.equal(status, 4, lines.join("\n"));
        assert.ok(lines.length <= 80, `${lines.length} lines:\n${lines.join("\n")}`);
        const summary = fs.readFileSync(path.join(out, "summary.md"), "utf8");
        assert.ok(summary.length <= 60_000, `${summary.length} characters`);
        const text = lines.join("\n");
        assert.match(text, /\+ 100 targets added alike: Target26 \(200000000026\), Target27 \(200000000027\), Target28 \(200000000028\), Target29 \(200000000029\) and 96 more\n\s+each in its own account: 9 resources, 22 grants/);
        assert.match(text, /regions: us-west-2 34, eu-west-1 33, us-east-2 33/);
        assert.match(text, /\+ 10 stages added: Wave4 \(10 actions\)/);
        // The approval moved to the last wave: its refusals are proven there now, not "no longer checked".
        assert.doesNotMatch(text, /no longer checked/);
        assert.match(text, /~ isolation: 15 refusals still proven, of what was renamed or moved/);
        // Everything stays in the folder: diff.json has every change.
        const diff = JSON.parse(fs.readFileSync(path.join(out, "diff.json"), "utf8")) as { accounts: unknown[] };
        assert.equal(diff.accounts.length, 101);
    });

    it("renaming a stage: one line, no check no longer checked, no target moved", function () {
        this.timeout(120_000);
        const renamed = stackFile(path.join(scratch, "renamedStage"), 25, (config) => {
            config[key("targets")] = config[key("targets")].replace(/"Wave2"/g, "\"Second\"");
        });
        const out = path.join(scratch, "renamedStagePlan");
        const { status, lines } = plan(renamed, out, base);
        assert.equal(status, 4, lines.join("\n"));
        const text = lines.join("\n");
        assert.match(text, /~ stage Wave2 renamed Second, the same 10 actions/);
        assert.doesNotMatch(text, /no longer checked|~ \d* ?targets? .*stage Wave2 -> Second/);
        // Every check of the stage asks what it asked before: none is removed, added or changed, only worded anew.
        const diff = JSON.parse(fs.readFileSync(path.join(out, "diff.json"), "utf8")) as { checks: { section: string }[] };
        assert.deepEqual(diff.checks.filter((c) => ["access", "isolation"].includes(c.section)), []);
    });

    it("renaming the pipeline: the refused replacements first, the statements that only name it in one line", function () {
        this.timeout(120_000);
        const renamed = stackFile(path.join(scratch, "renamedPipeline"), 25, (config) => {
            config[key("pipelineName")] = "Renamed";
        });
        const { status, lines } = plan(renamed, path.join(scratch, "renamedPipelinePlan"), base);
        assert.equal(status, 1, lines.join("\n"));
        assert.ok(lines.length <= 80, `${lines.length} lines:\n${lines.join("\n")}`);
        const text = lines.join("\n");
        assert.match(text, /Changes against .*: 4 problems; pipeline CrossAccountPipeline renamed Renamed; next up: 93 to replace, 53 to update\n\s+Fails or is refused\n\s+! verdict: PLAN OK -> PLAN FAILED\n\s+! the next up would replace aws\.s3\.Bucket pipeline-source \(account 111111111111\), as bucket changed: REFUSED, it is protected/);
        assert.match(text, /~ \d+ policy statements only name what was renamed \(CrossAccountPipeline -> Renamed\), granting the same/);
        assert.doesNotMatch(text, /no longer checked|targets (added|removed)/);
    });
});

describe("the review's pieces", () => {
    it("cuts a list at a few entries, saying how many more", () => {
        assert.equal(someOf(["a", "b"]), "a, b");
        assert.equal(someOf(["a", "b", "c", "d", "e", "f"]), "a, b, c, d and 2 more");
        assert.equal(someOf(["a", "b", "c"], 2), "a, b and 1 more");
    });

    it("reviews two identical plans as no change, in one line", () => {
        const contents: PlanContents = new Map([["checks.json", { ok: true, access: [] }]]);
        const review = reviewChanges(diffPlans("earlier", contents, contents), contents, contents, []);
        assert.deepEqual(reviewLines(review), ["Changes against earlier: no change"]);
    });

    it("says a refusal nothing proves any more first, but not one that went with its removed target", () => {
        const refusal = (principal: string) => ({ hop: `a refusal of ${principal}`, principal, action: "s3:PutObject", resource: "arn:aws:s3:::b/*", expect: "denied", result: "ImplicitlyDenied", ok: true });
        const earlier: PlanContents = new Map<string, unknown>([
            ["checks.json", { ok: true, access: [refusal("arn:aws:iam::222222222222:role/R"), refusal("arn:aws:iam::333333333333:role/R")] }],
            ["account-222222222222/resources.json", []],
            ["account-333333333333/resources.json", []],
        ]);
        // Account 333333333333 is gone with its target; 222222222222 stays, and its refusal is no longer checked.
        const now: PlanContents = new Map<string, unknown>([["checks.json", { ok: true, access: [] }], ["account-222222222222/resources.json", []]]);
        const review = reviewChanges(diffPlans("earlier", earlier, now), earlier, now, []);
        assert.deepEqual(review.sections[0], { title: "Fails or is refused", lines: ["! access: a refusal of arn:aws:iam::222222222222:role/R (refusal no longer checked)"] });
        assert.match(review.headline, /^1 problem/);
    });
});
