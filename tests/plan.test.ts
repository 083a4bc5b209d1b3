import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "yaml";
import { readStackFile } from "../project/stackFiles";
import { runPlan, PlanResult, stackRuleResults } from "../offline-plan/plan";
import { renderPlan, verdict } from "../offline-plan/report";
import { writePlan } from "../offline-plan/writePlan";
import { projectRoot as projectDir } from "./fixtures";

const stackFile = (stack: string) => path.join(projectDir, `Pulumi.${stack}.yaml`);
const plan = (...files: string[]) => runPlan({ stackFiles: files.map(readStackFile) });

/** A copy of a shipped stack file in `dir`, with its first target entry changed. */
function editedStackFile(dir: string, stack: string, newStack: string, edit: (config: Record<string, any>) => void): string {
    const document = yaml.parse(fs.readFileSync(stackFile(stack), "utf8")) as { config: Record<string, any> };
    edit(document.config);
    const file = path.join(dir, `Pulumi.${newStack}.yaml`);
    fs.writeFileSync(file, yaml.stringify(document));
    return file;
}

describe("the offline plan", () => {
    let shippedPlan: PlanResult;
    let scratch: string;
    before(async () => {
        shippedPlan = await plan(stackFile("accountB"), stackFile("accountA"));
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("passes on the shipped stack files, evaluating the pipeline stack before the target stack", () => {
        assert.deepEqual(shippedPlan.stacks.map((s) => [s.file.stack, s.error]), [["accountA", undefined], ["accountB", undefined]]);
        assert.deepEqual(shippedPlan.disagreements, []);
        assert.ok(shippedPlan.access.length > 15 && shippedPlan.access.every((f) => f.ok));
        assert.equal(shippedPlan.ok, true);
        assert.match(verdict(shippedPlan), /^PLAN OK: 2 stacks, \d+ resources, \d+ access checks passed$/);
    });

    it("prints per account what is created and who may do what", () => {
        const text = renderPlan(shippedPlan);
        assert.match(text, /Account 111111111111: pipeline account, \d+ resources to create/);
        assert.match(text, /Account 222222222222: target Staging, \d+ resources to create/);
        assert.match(text, /\+ aws\.kms\.Key .*enableKeyRotation=true/);
        assert.match(text, /111111111111 role\/CrossAccountPipeline-CodePipelineService\n(\s+-> .*\n)*\s+-> sts:AssumeRole on arn:aws:iam::222222222222:role\/CrossAccount_Role\n/);
        assert.match(text, /222222222222 role\/CrossAccount_Role\n(\s+-> .*\n)*\s+-> (codedeploy:\w+, )*codedeploy:CreateDeployment on arn:aws:codedeploy:us-east-2:222222222222:deploymentgroup:AccountBApplicationName\/AccountBApplicationGroupName\n/);
        assert.match(text, /x another admin of account 222222222222 cannot read artifacts/);
    });

    it("lists each policy rule and its result, all passing on the shipped stacks", () => {
        assert.deepEqual(shippedPlan.rules.map((r) => [r.rule, r.violations.length]), [
            ["cross-account-actions", 0], ["artifact-store-encryption", 0], ["artifact-key-protection", 0], ["artifact-bucket-guards", 0],
            ["no-allow-to-everyone", 0], ["no-unconditioned-foreign-root", 0], ["no-wildcard-deploy-permissions", 0],
        ]);
        assert.match(renderPlan(shippedPlan), /pass cross-account-actions \(mandatory\)/);
    });

    it("fails on a mandatory rule's violation, naming the stack and the resource", () => {
        const stacks = structuredClone(shippedPlan.stacks);
        const key = stacks[0].run!.resources.find((r) => r.type === "aws:kms/key:Key")!;
        key.state.enableKeyRotation = false;
        const rotation = stackRuleResults(stacks).find((r) => r.rule === "artifact-key-protection")!;
        assert.equal(rotation.violations.length, 1);
        assert.equal(rotation.violations[0].stack, "accountA");
        assert.match(rotation.violations[0].message, /does not rotate; set enableKeyRotation: true/);
        const result = { ...shippedPlan, rules: stackRuleResults(stacks), ok: false };
        assert.match(renderPlan(result), /FAIL artifact-key-protection \(mandatory\)[^\n]*\n\s+stack accountA, aws:kms\/key:Key pipeline-us-east-2-key: artifact key/);
        assert.equal(verdict(result), "PLAN FAILED: 1 problem (see above)");
    });

    const disagreements: { what: string; edit: (target: Record<string, unknown>) => void; names: RegExp; access?: RegExp }[] = [
        { what: "application name", edit: (t) => (t.applicationName = "SomethingElse"), names: /disagree on targets "Staging"\.applicationName: "SomethingElse" in stack differ-[\w-]+, "AccountBApplicationName" in stack accountA/, access: /deployment group .*AccountBApplicationName\/AccountBApplicationGroupName is not declared/ },
        { what: "role name", edit: (t) => (t.crossAccountRoleName = "Deployer"), names: /disagree on targets "Staging"\.crossAccountRoleName: "Deployer" in stack differ-[\w-]+, "CrossAccount_Role" in stack accountA/, access: /arn:aws:iam::222222222222:role\/CrossAccount_Role is not declared by any stack/ },
        { what: "account id", edit: (t) => (t.accountId = "999999999999"), names: /disagree on targets "Staging"\.accountId: "999999999999" in stack differ-[\w-]+, "222222222222" in stack accountA/ },
    ];
    for (const { what, edit, names, access } of disagreements) {
        it(`fails and names the disagreement when the stack files differ on the target's ${what}`, async () => {
            const target = editedStackFile(scratch, "accountB", `differ-${what.replace(/ /g, "-")}`, (config) => edit(config["cross-account-pipeline:targets"][0]));
            const result = await plan(stackFile("accountA"), target);
            assert.equal(result.ok, false);
            assert.ok(result.disagreements.some((d) => names.test(d)), result.disagreements.join("\n"));
            if (access) {
                assert.ok(result.access.some((f) => !f.ok && access.test(f.message ?? "")), "the access chain names the missing link too");
            }
            assert.match(verdict(result), /^PLAN FAILED/);
        });
    }

    it("plans the three-account example: staging, then production in another region after an approval", async () => {
        const example = (stack: string) => path.join(projectDir, "examples", "three-accounts", `Pulumi.${stack}.yaml`);
        const result = await plan(example("production"), example("staging"), example("pipeline"));
        assert.deepEqual(result.stacks.map((s) => [s.file.stack, s.error]), [["pipeline", undefined], ["staging", undefined], ["production", undefined]]);
        assert.equal(result.ok, true, result.access.filter((f) => !f.ok).map((f) => f.message).join("\n"));
        const pipeline = result.stacks[0].run!.resources.find((r) => r.type === "aws:codepipeline/pipeline:Pipeline")!;
        assert.deepEqual(pipeline.inputs.artifactStores.map((s: { region: string }) => s.region), ["us-east-2", "eu-west-1"]);
        const production = pipeline.inputs.stages.find((s: { name: string }) => s.name === "Production");
        assert.deepEqual(production.actions.map((a: { category: string; region?: string }) => [a.category, a.region]), [["Approval", undefined], ["Deploy", "eu-west-1"]]);
        for (const target of ["Staging", "Production"]) {
            const hops = result.access.filter((f) => f.check.hop.startsWith(`${target}/Deploy: `));
            assert.ok(hops.some((f) => f.check.expect === "allowed") && hops.some((f) => f.check.expect === "denied"));
            assert.ok(hops.every((f) => f.ok));
        }
        const europeRead = result.access.find((f) => f.check.hop === "Production/Deploy: the cross-account role reads artifacts")!;
        assert.match(europeRead.check.resource, /^arn:aws:s3:::crossaccountpipeline-111111111111-eu-west-1-artifacts\//);
    });

    it("fails a target stack whose pipeline stack is not planned with it", async () => {
        const result = await plan(stackFile("accountB"));
        assert.equal(result.ok, false);
        assert.match(result.stacks[0].error!, /pipelineStack: "organization\/cross-account-pipeline\/accountA" is not among the planned stacks/);
    });

    it("reports a stack file with invalid config, naming the key and value", async () => {
        const broken = editedStackFile(scratch, "accountA", "broken", (config) => (config["cross-account-pipeline:pipelineAccountId"] = "12345"));
        const result = await plan(broken);
        assert.equal(result.ok, false);
        assert.match(result.stacks[0].error!, /pipelineAccountId: "12345" is not an AWS account id; expected exactly 12 digits/);
    });

    it("writes per account the resources, each policy as a file, and the pipeline as get-pipeline prints it", () => {
        const out = path.join(scratch, "plan");
        writePlan(shippedPlan, out);
        const read = (file: string) => JSON.parse(fs.readFileSync(path.join(out, file), "utf8"));
        assert.ok(read("account-111111111111/resources.json").some((r: { type: string }) => r.type === "aws:kms/key:Key"));
        assert.ok(read("account-222222222222/resources.json").some((r: { type: string }) => r.type === "aws:codedeploy/deploymentGroup:DeploymentGroup"));
        const policies = (account: string) => fs.readdirSync(path.join(out, `account-${account}`, "policies"));
        assert.ok(policies("111111111111").some((f) => f.endsWith(".key-policy.json")));
        assert.ok(policies("111111111111").some((f) => f.endsWith(".bucket-policy.json")));
        assert.ok(policies("222222222222").includes("Staging-cross-account.trust-policy.json"));
        assert.equal(read("account-222222222222/policies/Staging-cross-account.trust-policy.json").Statement[0].Principal.AWS, "arn:aws:iam::111111111111:role/CrossAccountPipeline-CodePipelineService");

        const { pipeline, metadata } = read("account-111111111111/pipeline-CrossAccountPipeline.json");
        assert.deepEqual(pipeline.artifactStore.encryptionKey.type, "KMS");
        assert.match(pipeline.artifactStore.encryptionKey.id, /^arn:aws:kms:us-east-2:111111111111:key\//);
        const [deploy] = pipeline.stages.find((s: { name: string }) => s.name === "Staging").actions;
        assert.deepEqual(deploy, {
            name: "Deploy",
            actionTypeId: { category: "Deploy", owner: "AWS", provider: "CodeDeploy", version: "1" },
            runOrder: 1,
            configuration: { ApplicationName: "AccountBApplicationName", DeploymentGroupName: "AccountBApplicationGroupName" },
            outputArtifacts: [],
            inputArtifacts: [{ name: "BuildOutput" }],
            roleArn: "arn:aws:iam::222222222222:role/CrossAccount_Role",
        });
        assert.equal(metadata.pipelineArn, "arn:aws:codepipeline:us-east-2:111111111111:CrossAccountPipeline");
        assert.equal(read("checks.json").ok, true);
    });

    it("runs from the command line with progress, a verdict and exit status 0, and 1 when a check fails", () => {
        const out = path.join(scratch, "cli-plan");
        const run = (args: string[]) => {
            try {
                return { status: 0, stdout: execFileSync("npx", ["ts-node", "--transpile-only", "offline-plan/cli.ts", "--out", out, ...args], { cwd: projectDir, encoding: "utf8", stdio: "pipe" }) };
            } catch (e) {
                const failed = e as { status: number; stdout: string };
                return { status: failed.status, stdout: failed.stdout };
            }
        };
        const ok = run([]);
        assert.equal(ok.status, 0);
        assert.match(ok.stdout, /PLAN OK: 2 stacks/);
        assert.ok(fs.existsSync(path.join(out, "checks.json")));
        const failing = run([stackFile("accountB")]);
        assert.equal(failing.status, 1);
        assert.match(failing.stdout, /PLAN FAILED/);
    });
});
