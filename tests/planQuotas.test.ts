// The plan's AWS quota figures: the report's share of each limit, every figure in checks.json, and a
// figure over its limit failing the plan through the aws-quotas rule.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PlanResult, runPlan, stackQuotas, stackRuleResources, stackRuleResults } from "../offline-plan/plan";
import { renderQuotas } from "../offline-plan/report";
import { planContents, writePlan } from "../offline-plan/writePlan";
import { readStackFile } from "../project/stackFiles";
import { configured, projectRoot } from "./fixtures";

describe("the plan's AWS quotas", () => {
    let shippedPlan: PlanResult;
    before(async () => {
        shippedPlan = await runPlan({ stacks: configured(["accountB", "accountA"].map((stack) => readStackFile(path.join(projectRoot, `Pulumi.${stack}.yaml`)))) });
    });

    it("prints the largest figure of each quota as a share of its limit, naming what it is", () => {
        const lines = renderQuotas(shippedPlan);
        const bucket = shippedPlan.stacks[1].run!.resources.find((r) => r.name === "pipeline-us-east-2-bucket-policy")!.inputs.policy as string;
        const share = ((100 * bucket.length) / 20480).toFixed(1);
        assert.ok(lines.some((l) => l.includes("S3 bucket policy size") && l.includes(`${share}%`) && l.includes(`${bucket.length.toLocaleString("en-US")} of 20,480 bytes`) &&
            l.includes("pipeline-us-east-2-bucket-policy") && l.includes("stack accountA")), lines.join("\n"));
        assert.ok(lines.some((l) => /^ {2}ok {3}stages per pipeline +6\.0% {2}3 of 50 stages: pipeline CrossAccountPipeline, stack accountA$/.test(l)), lines.join("\n"));
        assert.ok(lines.some((l) => /managed policy size +- {2}none declared$/.test(l)));
        assert.match(lines[lines.length - 1], /^ {2}\d+ figures measured, all within their limits; \d+ names checked against their AWS naming rules \(rule aws-quotas\)$/);
    });

    it("writes every figure to checks.json, with its resource, limit and share", async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-quotas-"));
        try {
            await writePlan(path.join(out, "plan"), planContents(shippedPlan));
            const { quotas, namesChecked } = JSON.parse(fs.readFileSync(path.join(out, "plan", "checks.json"), "utf8"));
            assert.equal(quotas.length, shippedPlan.quotas.length);
            const trust = quotas.find((q: { resource: { name: string }; quota: string }) => q.resource.name === "Staging-cross-account" && q.quota === "role trust policy size");
            assert.deepEqual(Object.keys(trust), ["stack", "resource", "quota", "subject", "figure", "limit", "unit", "share", "ok"]);
            assert.equal(trust.stack, "accountB");
            assert.equal(trust.limit, 2048);
            assert.equal(trust.ok, true);
            assert.ok(namesChecked > 20);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    it("fails the plan for a policy over its limit, as aws-quotas under pulumi preview would", () => {
        const stacks = structuredClone(shippedPlan.stacks);
        const policy = stacks[1].run!.resources.find((r) => r.name === "pipeline-us-east-2-bucket-policy")!;
        const document = JSON.parse(policy.inputs.policy);
        document.Statement.push({ Sid: "Padding", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: `arn:aws:s3:::${"x".repeat(20 * 1024)}` });
        policy.inputs.policy = JSON.stringify(document);
        policy.state.policy = policy.inputs.policy;
        const perStack = stackRuleResources(stacks);
        const result = { ...shippedPlan, stacks, ...stackQuotas(perStack), rules: stackRuleResults(perStack) };
        const [over] = result.quotas.filter((q) => !q.ok);
        assert.equal(over.resource.name, "pipeline-us-east-2-bucket-policy");
        assert.match(renderQuotas(result).find((l) => l.includes("S3 bucket policy size"))!, /^ {2}OVER S3 bucket policy size +1\d\d\.\d%/);
        const rule = result.rules.find((r) => r.rule === "aws-quotas")!;
        assert.deepEqual(rule.violations.map((v) => [v.stack, v.resource.name]), [["accountA", "pipeline-us-east-2-bucket-policy"]]);
        assert.equal(rule.enforcement, "mandatory");
    });
});
