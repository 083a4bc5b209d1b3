import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "yaml";
import { readStackFile } from "../project/stackFiles";
import { planCommand } from "../offline-plan/command";
import { runPlan, PlanResult, stackRuleResources, stackRuleResults } from "../offline-plan/plan";
import { renderPlan, verdict } from "../offline-plan/report";
import { accountContents } from "../offline-plan/accountFiles";
import type { PlanContents } from "../offline-plan/grants";
import { planContents, writePlan } from "../offline-plan/writePlan";
import { accountFileOf } from "../offline-plan/planFiles";
import { configured, projectRoot as projectDir, selfContainedStackDocument, shippedDeployRoleArn, StackName } from "./fixtures";
import type { PropertyBag } from "../evaluation/propertyBag";

const stackFile = (stack: string) => path.join(projectDir, `Pulumi.${stack}.yaml`);
const plan = (...files: string[]) => runPlan({ stacks: configured(files.map((file) => readStackFile(file))) });

/** A copy of a shipped stack file in `dir`, holding its project's shared values itself, with its config changed. */
function editedStackFile(dir: string, stack: StackName, newStack: string, edit: (config: PropertyBag) => void): string {
    const document = selfContainedStackDocument(stack) as { config: PropertyBag };
    edit(document.config);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `Pulumi.${newStack}.yaml`);
    fs.writeFileSync(file, yaml.stringify(document));
    return file;
}

const targetsKey = "cross-account-pipeline:targets";

describe("the offline plan", () => {
    let shippedPlan: PlanResult;
    let scratch: string;
    before(async () => {
        shippedPlan = await plan(stackFile("accountB"), stackFile("accountA"));
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("passes on the shipped stack files, evaluating the target stack before the pipeline stack", () => {
        assert.deepEqual(shippedPlan.stacks.map((s) => [s.file.stack, s.error]), [["accountB", undefined], ["accountA", undefined]]);
        assert.deepEqual(shippedPlan.disagreements, []);
        assert.deepEqual(shippedPlan.collisions, []);
        assert.deepEqual(shippedPlan.createTime.filter((c) => !c.ok), []);
        assert.ok(shippedPlan.createTime.some((c) => c.api === "CreatePipeline/UpdatePipeline" && c.check.startsWith(`action role ${shippedDeployRoleArn}`)));
        assert.ok(shippedPlan.access.length > 15 && shippedPlan.access.every((f) => f.ok));
        assert.equal(shippedPlan.ok, true);
        assert.match(verdict(shippedPlan), /^PLAN OK: 2 stacks, \d+ resources, \d+ create-time checks, \d+ access checks and \d+ isolation checks passed$/);
        assert.match(renderPlan(shippedPlan), /Deployment order: accountB, accountA \(target stacks first/);
    });

    it("prints per account what is created and who may do what", () => {
        const text = renderPlan(shippedPlan);
        assert.match(text, /Account 111111111111: pipeline account, \d+ resources to create/);
        assert.match(text, /Account 222222222222: target Staging, \d+ resources to create/);
        assert.match(text, /\+ aws\.kms\.Key .*enableKeyRotation=true/);
        assert.match(text, /111111111111 role\/CrossAccountPipeline-CodePipelineService\n(\s+-> .*\n)*\s+-> sts:AssumeRole on arn:aws:iam::222222222222:role\/cross-account-pipeline\/111111111111\/CrossAccountPipeline\/deploy\/CrossAccount_Role\n/);
        assert.match(text, /222222222222 role\/cross-account-pipeline\/111111111111\/CrossAccountPipeline\/deploy\/CrossAccount_Role\n(\s+-> .*\n)*\s+-> (codedeploy:\w+, )*codedeploy:CreateDeployment on arn:aws:codedeploy:us-east-2:222222222222:deploymentgroup:AccountBApplicationName\/AccountBApplicationGroupName\n/);
        assert.match(text, /x another admin of account 222222222222 cannot read artifacts/);
    });

    it("lists each policy rule and its result, all passing on the shipped stacks", () => {
        assert.deepEqual(shippedPlan.rules.map((r) => [r.rule, r.violations.length]), [
            ["cross-account-actions", 0], ["artifact-store-encryption", 0], ["artifact-key-protection", 0], ["artifact-bucket-guards", 0],
            ["no-allow-to-everyone", 0], ["no-unconditioned-foreign-root", 0], ["only-producers-write-artifacts", 0], ["no-wildcard-deploy-permissions", 0], ["aws-quotas", 0],
            ["role-inline-policies-quota", 0],
        ]);
        assert.match(renderPlan(shippedPlan), /pass cross-account-actions \(mandatory\)/);
    });

    it("fails on a mandatory rule's violation, naming the stack and the resource", () => {
        const stacks = structuredClone(shippedPlan.stacks);
        const key = stacks.find((s) => s.file.stack === "accountA")!.run!.resources.find((r) => r.type === "aws:kms/key:Key")!;
        key.state.enableKeyRotation = false;
        const rotation = stackRuleResults(stackRuleResources(stacks)).find((r) => r.rule === "artifact-key-protection")!;
        assert.equal(rotation.violations.length, 1);
        assert.equal(rotation.violations[0].stack, "accountA");
        assert.match(rotation.violations[0].message, /does not rotate; set enableKeyRotation: true/);
        const result = { ...shippedPlan, rules: stackRuleResults(stackRuleResources(stacks)), ok: false };
        assert.match(renderPlan(result), /FAIL artifact-key-protection \(mandatory\)[^\n]*\n\s+stack accountA, aws:kms\/key:Key pipeline-us-east-2-key: artifact key/);
        assert.equal(verdict(result), "PLAN FAILED: 1 problem (see above)");
    });

    const disagreements: { what: string; edit: (target: Record<string, unknown>) => void; names: RegExp; access?: RegExp; pipelineError?: RegExp }[] = [
        { what: "application name", edit: (t) => (t.applicationName = "SomethingElse"), names: /disagree on targets "Staging"\.applicationName: "SomethingElse" in stack accountB, "AccountBApplicationName" in stack accountA/, access: /deployment group .*AccountBApplicationName\/AccountBApplicationGroupName is not declared/ },
        { what: "role name", edit: (t) => (t.crossAccountRoleName = "Deployer"), names: /disagree on targets "Staging"\.crossAccountRoleName: "Deployer" in stack accountB, "CrossAccount_Role" in stack accountA/, pipelineError: /target stack organization\/cross-account-pipeline\/accountB exports targets\.Staging\.crossAccountRoleArn arn:aws:iam::222222222222:role\/cross-account-pipeline\/111111111111\/CrossAccountPipeline\/deploy\/Deployer, but this stack's config makes the deploy action assume arn:aws:iam::222222222222:role\/cross-account-pipeline\/111111111111\/CrossAccountPipeline\/deploy\/CrossAccount_Role/ },
        { what: "account id", edit: (t) => (t.accountId = "999999999999"), names: /disagree on targets "Staging"\.accountId: "999999999999" in stack accountB, "222222222222" in stack accountA/, pipelineError: /exports targets\.Staging\.crossAccountRoleArn arn:aws:iam::999999999999:role\/cross-account-pipeline\/111111111111\/CrossAccountPipeline\/deploy\/CrossAccount_Role/ },
    ];
    for (const { what, edit, names, access, pipelineError } of disagreements) {
        it(`fails and names the disagreement when the stack files differ on the target's ${what}`, async () => {
            const target = editedStackFile(path.join(scratch, what.replace(/ /g, "-")), "accountB", "accountB", (config) => edit(config[targetsKey][0]));
            const result = await plan(stackFile("accountA"), target);
            assert.equal(result.ok, false);
            assert.ok(result.disagreements.some((d) => names.test(d)), result.disagreements.join("\n"));
            if (access) {
                assert.ok(result.access.some((f) => !f.ok && access.test(f.message ?? "")), "the access chain names the missing link too");
            }
            if (pipelineError) {
                assert.match(result.stacks.find((s) => s.file.stack === "accountA")!.error!, pipelineError, "the pipeline stack refuses the role the target stack exports");
            }
            assert.match(verdict(result), /^PLAN FAILED/);
        });
    }

    it("plans the three-account example: staging, then production in another region after an approval", async () => {
        const example = (stack: string) => path.join(projectDir, "examples", "three-accounts", `Pulumi.${stack}.yaml`);
        const result = await plan(example("pipeline"), example("production"), example("staging"));
        assert.deepEqual(result.stacks.map((s) => [s.file.stack, s.error]), [["staging", undefined], ["production", undefined], ["pipeline", undefined]]);
        assert.equal(result.ok, true, [...result.access, ...result.createTime].filter((f) => !f.ok).map((f) => f.message).join("\n"));
        // The fleet's checks are made too: its instance profile exists before the Auto Scaling group launches from it.
        assert.ok(result.createTime.some((c) => c.api === "CreateAutoScalingGroup" && c.ok));
        assert.equal(result.createTime.filter((c) => c.api === "CreatePipeline/UpdatePipeline" && c.check.startsWith("action role")).length, 2);
        const pipeline = result.stacks[2].run!.resources.find((r) => r.type === "aws:codepipeline/pipeline:Pipeline")!;
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
        assert.deepEqual(result.disagreements, [
            "stack accountB deploys target \"Staging\" of pipeline CrossAccountPipeline (account 111111111111), but no planned pipeline stack names it in targets[].stack; plan it together with its pipeline stack",
        ]);
    });

    it("fails a pipeline stack whose target stack is not planned with it, naming the stack to plan", async () => {
        const result = await plan(stackFile("accountA"));
        assert.equal(result.ok, false);
        assert.equal(result.stacks[0].error, `targets[0].stack: "organization/cross-account-pipeline/accountB" is not among the planned target stacks (none); plan stack accountB together with this pipeline stack`);
    });

    it("refuses a target stack named in another project (targets[].stack compares the project, not only the stack name)", async () => {
        const elsewhere = editedStackFile(path.join(scratch, "other-project"), "accountA", "accountA", (config) => (config[targetsKey][0].stack = "acme/some-other-project/accountB"));
        const result = await plan(stackFile("accountB"), elsewhere);
        assert.equal(result.ok, false);
        assert.equal(result.stacks.find((s) => s.file.stack === "accountA")!.error,
            `targets[0].stack: "acme/some-other-project/accountB" is a stack of project "some-other-project"; the stack that deploys target Staging is a stack of this project, cross-account-pipeline, e.g. "acme/cross-account-pipeline/accountB"`);
    });

    it("serves a target stack to its pipeline stack whatever the organization (offline it cannot be known)", async () => {
        const otherOrganization = editedStackFile(path.join(scratch, "other-organization"), "accountA", "accountA", (config) => (config[targetsKey][0].stack = "acme/cross-account-pipeline/accountB"));
        const result = await plan(stackFile("accountB"), otherOrganization);
        assert.equal(result.ok, true, result.stacks.map((s) => s.error).join("\n"));
        assert.equal(result.stacks[1].run!.resources.find((r) => r.type === "pulumi:pulumi:StackReference")!.inputs.name, "acme/cross-account-pipeline/accountB");
    });

    it("names the stack file given twice", async () => {
        const result = await plan(stackFile("accountA"), stackFile("accountB"), stackFile("accountB"));
        assert.equal(result.ok, false);
        assert.deepEqual(result.stacks.map((s) => [s.file.stack, s.error]), [
            ["accountB", undefined], ["accountB", `stack file ${stackFile("accountB")} is given twice; plan it once`], ["accountA", undefined],
        ]);
    });

    it("names both files of one stack name in two folders", async () => {
        const copy = editedStackFile(path.join(scratch, "second-folder"), "accountB", "accountB", () => undefined);
        const result = await plan(stackFile("accountA"), stackFile("accountB"), copy);
        assert.equal(result.ok, false);
        assert.equal(result.stacks[1].error, `stack accountB is given twice, by ${stackFile("accountB")} and by ${copy}: a project has one stack of a name, so its resources would be declared twice; plan one of them`);
    });

    it("names two target stacks that deploy the same target", async () => {
        const second = editedStackFile(path.join(scratch, "same-target"), "accountB", "accountB2", () => undefined);
        const result = await plan(stackFile("accountA"), stackFile("accountB"), second);
        assert.equal(result.ok, false);
        assert.deepEqual(result.collisions, [
            "stacks accountB and accountB2 both deploy target Staging's roles in account 222222222222 (role CrossAccount_Role): the same resources would be declared twice in one account; deploy it from one stack only",
        ]);
        assert.match(renderPlan(result), /no two stacks declare the same resources: NO\n\s+FAIL stacks accountB and accountB2 both deploy/);
    });

    it("names a target stack and an all-in-one stack that deploy the same target and pipeline", async () => {
        const all = editedStackFile(path.join(scratch, "all-and-target"), "accountA", "all", (config) => (config["cross-account-pipeline:deploy"] = "all"));
        const result = await plan(stackFile("accountA"), stackFile("accountB"), all);
        assert.deepEqual([...result.collisions].sort(), [
            "stacks accountA and all both deploy pipeline CrossAccountPipeline in account 111111111111 (us-east-2): the same resources would be declared twice in one account; deploy it from one stack only",
            "stacks accountB and all both deploy target Staging's roles in account 222222222222 (role CrossAccount_Role): the same resources would be declared twice in one account; deploy it from one stack only",
        ]);
    });

    it("refuses pipelines of one name in two regions of one account in one line: IAM names their roles and paths by account, not region", async () => {
        const west = editedStackFile(path.join(scratch, "two-regions"), "accountA", "west", (config) => {
            config["cross-account-pipeline:deploy"] = "all";
            config["cross-account-pipeline:region"] = "us-west-2";
        });
        const result = await plan(stackFile("accountA"), stackFile("accountB"), west);
        assert.deepEqual(result.collisions.filter((c) => c.includes("us-west-2")), [
            "stacks accountA (us-east-2) and west (us-west-2) both deploy pipeline CrossAccountPipeline in account 111111111111: its IAM roles and its target roles' " +
            "paths are named by account and pipelineName, not region, so they would be the same roles; give each region's pipeline its own pipelineName",
        ]);
        const renamed = editedStackFile(path.join(scratch, "two-regions-renamed"), "accountA", "west", (config) => {
            config["cross-account-pipeline:deploy"] = "all";
            config["cross-account-pipeline:region"] = "us-west-2";
            config["cross-account-pipeline:pipelineName"] = "CrossAccountPipelineWest";
            config[targetsKey][0].crossAccountRoleName = "CrossAccount_Role_West";
            config[targetsKey][0].name = "StagingWest";
        });
        assert.deepEqual((await plan(stackFile("accountA"), stackFile("accountB"), renamed)).collisions, []);
    });

    it("plans a deploy: all stack alone, with its create-time checks", async () => {
        const all = editedStackFile(path.join(scratch, "all"), "accountA", "all", (config) => (config["cross-account-pipeline:deploy"] = "all"));
        const result = await plan(all);
        assert.equal(result.ok, true, [...result.createTime, ...result.access].filter((c) => !c.ok).map((c) => c.message).join("\n"));
        assert.ok(result.createTime.some((c) => c.api === "CreatePipeline/UpdatePipeline" && c.check.startsWith("action role") && c.ok));
    });

    it("shows the program's warning for a pipelineStack key that is no longer read, and still passes", async () => {
        const legacy = editedStackFile(path.join(scratch, "legacy"), "accountB", "accountB", (config) => (config["cross-account-pipeline:pipelineStack"] = "organization/cross-account-pipeline/accountA"));
        const result = await plan(stackFile("accountA"), legacy);
        assert.equal(result.ok, true);
        assert.match(renderPlan(result), /warning, stack accountB: pipelineStack: no longer needed and can be removed/);
    });

    it("hands over the accounts' files of the evaluated stacks once, with the checks started", async () => {
        const handed: PlanContents[] = [];
        const progress: string[] = [];
        const result = await runPlan({
            stacks: configured([readStackFile(stackFile("accountB")), readStackFile(stackFile("accountA"))]),
            progress: (line) => progress.push(line),
            evaluated: (accounts) => {
                handed.push(accounts);
                progress.push("(evaluated)");
            },
        });
        assert.equal(handed.length, 1);
        assert.deepEqual(handed[0], accountContents(result.stacks));
        assert.ok(progress.indexOf("(evaluated)") > progress.findIndex((line) => line.startsWith("verifying the access chain")), progress.join("\n"));
    });

    it("makes each account's files from the evaluated stacks alone, as the whole plan's contents hold them", () => {
        const accounts = accountContents(shippedPlan.stacks);
        const whole = planContents(shippedPlan);
        assert.deepEqual([...accounts.keys()], [...whole.keys()].filter((file) => accountFileOf(file)));
        assert.deepEqual(planContents(shippedPlan, accounts), whole);
    });

    it("writes per account the resources, each policy as a file, and the pipeline as get-pipeline prints it", async () => {
        const out = path.join(scratch, "plan");
        await writePlan(out, planContents(shippedPlan));
        const read = (file: string) => JSON.parse(fs.readFileSync(path.join(out, file), "utf8"));
        assert.ok(read("account-111111111111/resources.json").some((r: { type: string }) => r.type === "aws:kms/key:Key"));
        assert.ok(read("account-222222222222/resources.json").some((r: { type: string }) => r.type === "aws:codedeploy/deploymentGroup:DeploymentGroup"));
        const policies = (account: string) => fs.readdirSync(path.join(out, `account-${account}`, "policies"));
        assert.ok(policies("111111111111").some((f) => f.endsWith(".key-policy.json")));
        assert.ok(policies("111111111111").some((f) => f.endsWith(".bucket-policy.json")));
        assert.ok(policies("222222222222").includes("Staging-cross-account.trust-policy.json"));
        const trust = read("account-222222222222/policies/Staging-cross-account.trust-policy.json").Statement[0];
        assert.equal(trust.Principal.AWS, "arn:aws:iam::111111111111:root");
        assert.deepEqual(trust.Condition.ArnEquals["aws:PrincipalArn"], ["arn:aws:iam::111111111111:role/CrossAccountPipeline-CodePipelineService"]);

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
            roleArn: shippedDeployRoleArn,
        });
        assert.equal(metadata.pipelineArn, "arn:aws:codepipeline:us-east-2:111111111111:CrossAccountPipeline");
        const checks = read("checks.json");
        assert.equal(checks.ok, true);
        assert.deepEqual(checks.deploymentOrder, ["accountB", "accountA"]);
        assert.ok(checks.createTime.length > 0 && checks.createTime.every((c: { ok: boolean }) => c.ok));
    });

    it("runs from the command line with progress, a verdict and exit status 0, and 1 when a check fails", () => {
        const out = path.join(scratch, "cli-plan");
        const plan = planCommand(projectDir);
        const run = (args: string[]) => {
            try {
                return { status: 0, stdout: execFileSync(plan.file, [...plan.args, "--out", out, ...args], { cwd: plan.cwd, encoding: "utf8", stdio: "pipe" }) };
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
