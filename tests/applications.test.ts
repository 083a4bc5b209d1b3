// One CodeDeploy application with several deployment groups (the staging and production groups of one
// application in one account and region): the application is declared once, each group selects only its
// own instances, and stacks that would each declare the application are refused with how to fix it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Provider } from "@pulumi/aws/provider";
import * as yaml from "yaml";
import type { DeclaredResource } from "../evaluation/mockCloud";
import { ProgramRun, runProgram } from "../evaluation/runProgram";
import { runPlan } from "../offline-plan/plan";
import { applicationsOnFirstUse, codeDeployApplications } from "../program/applications";
import { readStackFile } from "../project/stackFiles";
import { verifyAccess } from "../verification/accessChain";
import { evaluateCheck } from "../verification/evaluation";
import { configured, parsed, problemsOf, qualifiedConfig, rawConfig, shippedRolePaths, target, targetEntry } from "./fixtures";
import { resourcesOf, runAllInOne } from "./support/stacks";

const account = "222222222222";
const webApp = (name: string, fields: Record<string, unknown> = {}) =>
    targetEntry(name, account, { applicationName: "WebApp", deploymentGroupName: `WebApp-${name}`, stack: "organization/cross-account-pipeline/webapp", ...fields });
const staging = webApp("Staging");
const production = webApp("Production", { requireApproval: true });

const groupOf = (run: ProgramRun, name: string) =>
    resourcesOf(run, "aws:codedeploy/deploymentGroup:DeploymentGroup").find((g) => g.inputs.deploymentGroupName === name)!;
const tagFilters = (group: DeclaredResource) => group.inputs.ec2TagSets.flatMap((set: { ec2TagFilters: unknown[] }) => set.ec2TagFilters);

describe("one CodeDeploy application, several deployment groups", () => {
    describe("grouping (pure)", () => {
        it("groups targets by account, region and application name, in stage order", () => {
            const groups = codeDeployApplications([
                target("Staging", account, { applicationName: "WebApp" }),
                target("Other", account, { applicationName: "Api" }),
                target("Production", account, { applicationName: "WebApp" }),
                target("Recovery", account, { applicationName: "WebApp", region: "eu-west-1" }),
                target("Elsewhere", "333333333333", { applicationName: "WebApp" }),
            ]);
            assert.deepEqual(groups.map((g) => [g.accountId, g.region, g.applicationName, g.targets.map((t) => t.name)]), [
                [account, "us-east-2", "WebApp", ["Staging", "Production"]],
                [account, "us-east-2", "Api", ["Other"]],
                [account, "eu-west-1", "WebApp", ["Recovery"]],
                ["333333333333", "us-east-2", "WebApp", ["Elsewhere"]],
            ]);
        });

        it("refuses to declare the application of a target it was not given, before declaring anything", () => {
            const applicationOf = applicationsOnFirstUse([target("Staging", account, { applicationName: "WebApp" })]);
            assert.throws(() => applicationOf(target("Production", account, { applicationName: "Api" }), {} as Provider),
                /the target Production is not one of the targets whose applications these are/);
        });
    });

    describe("in one stack (deploy: all)", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runAllInOne([staging, production]);
        });

        it("declares the application once, and both deployment groups in it, each waiting for it", () => {
            const applications = resourcesOf(run, "aws:codedeploy/application:Application");
            assert.deepEqual(applications.map((a) => [a.inputs.name, a.accountId, a.region]), [["WebApp", account, "us-east-2"]]);
            const [application] = applications;
            for (const name of ["WebApp-Staging", "WebApp-Production"]) {
                const group = groupOf(run, name);
                assert.equal(group.inputs.appName, "WebApp");
                assert.ok(group.registration!.dependencies.includes(application.registration!.urn), `${name} waits for the application`);
            }
        });

        it("gives each deployment group a tag of its own, so staging never deploys to production's instances", () => {
            assert.deepEqual(tagFilters(groupOf(run, "WebApp-Staging")), [{ key: "CodeDeployDeploymentGroup", value: "WebApp/WebApp-Staging", type: "KEY_AND_VALUE" }]);
            assert.deepEqual(tagFilters(groupOf(run, "WebApp-Production")), [{ key: "CodeDeployDeploymentGroup", value: "WebApp/WebApp-Production", type: "KEY_AND_VALUE" }]);
        });

        it("keeps the `targets` output keyed by target name, both naming the one application", () => {
            assert.deepEqual(Object.keys(run.outputs.targets), ["Staging", "Production"]);
            assert.equal(run.outputs.targets.Staging.applicationName, "WebApp");
            assert.equal(run.outputs.targets.Production.applicationName, "WebApp");
            assert.equal(run.outputs.targets.Production.deploymentGroupName, "WebApp-Production");
        });

        it("declares the application with the provider of its account", () => {
            const [application] = resourcesOf(run, "aws:codedeploy/application:Application");
            assert.equal(application.providerName, "target-Staging");
        });

        it("keeps each cross-account role to its own deployment group: staging's role cannot deploy to production's group of the same application", async () => {
            const findings = await verifyAccess(run.resources);
            assert.deepEqual(findings.filter((f) => !f.ok).map((f) => f.message), []);
            const stagingPolicy = JSON.parse(resourcesOf(run, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "Staging-cross-account-policy")!.inputs.policy);
            const deployTo = (group: string) => evaluateCheck({
                hop: `Staging's role deploys to ${group}`, principal: `arn:aws:iam::${account}:role/Staging-CrossAccount`, action: "codedeploy:CreateDeployment",
                resource: `arn:aws:codedeploy:us-east-2:${account}:deploymentgroup:WebApp/${group}`, resourceAccount: account, context: {},
                expect: "denied", identityPolicies: [{ name: "Staging-cross-account-policy", policy: stagingPolicy }],
            });
            assert.equal((await deployTo("WebApp-Production")).result, "ImplicitlyDenied");
            assert.equal((await deployTo("WebApp-Staging")).result, "Allowed");
        });

        it("keeps an existing stack's application: its former URN inside each target's TargetAccount is an alias", () => {
            const [application] = resourcesOf(run, "aws:codedeploy/application:Application");
            // The engine gives a resource of the stack no stack type in its URN (the SDK's createUrn: "Don't prefix the stack
            // type as a parent type"); the mock monitor's newUrn keeps it.
            const targetAccountUrn = (name: string) => run.resources.find((r) => r.type === "cross-account-pipeline:target:TargetAccount" && r.name === name)!
                .registration!.urn.replace("::pulumi:pulumi:Stack$", "::");
            assert.deepEqual(application.registration!.aliases, [
                { name: "Staging-application", type: undefined, parentUrn: targetAccountUrn("Staging") },
                { name: "Production-application", type: undefined, parentUrn: targetAccountUrn("Production") },
            ]);
        });
    });

    describe("in a target stack that deploys several targets (target: a list)", () => {
        let targetRun: ProgramRun;
        let pipelineRun: ProgramRun;
        before(async () => {
            const targets = [staging, production];
            targetRun = await runProgram({ stack: "webapp", config: qualifiedConfig("accountB", { targets, target: ["Staging", "Production"] }) });
            pipelineRun = await runProgram({
                stack: "accountA",
                config: qualifiedConfig("accountA", { targets }),
                stackOutputs: { "organization/cross-account-pipeline/webapp": targetRun.outputs },
            });
        });

        it("declares both targets' roles and groups, and the application once", () => {
            assert.deepEqual(resourcesOf(targetRun, "aws:codedeploy/application:Application").map((a) => a.inputs.name), ["WebApp"]);
            assert.deepEqual(resourcesOf(targetRun, "aws:codedeploy/deploymentGroup:DeploymentGroup").map((g) => g.inputs.deploymentGroupName), ["WebApp-Staging", "WebApp-Production"]);
            assert.deepEqual(Object.keys(targetRun.outputs.targets), ["Staging", "Production"]);
        });

        it("is read by the pipeline stack through one StackReference, each deploy action assuming its own target's role", () => {
            assert.equal(resourcesOf(pipelineRun, "pulumi:pulumi:StackReference").length, 1);
            assert.deepEqual(pipelineRun.outputs.deployRoleArns, {
                Staging: `arn:aws:iam::${account}:role${shippedRolePaths.deploy}Staging-CrossAccount`,
                Production: `arn:aws:iam::${account}:role${shippedRolePaths.deploy}Production-CrossAccount`,
            });
        });

        it("parses a single name as before, and a list as a list", () => {
            assert.deepEqual(parsed("accountB", { targets: [staging, production], target: ["Production", "Staging"] }).deployedTargets!.map((t) => t.name), ["Production", "Staging"]);
            assert.deepEqual(parsed("accountB").deployedTargets!.map((t) => t.name), ["Staging"]);
        });
    });

    describe("config refuses what would collide, naming the targets", () => {
        it("a target stack deploying one of two targets that share an application, saying to list both", () => {
            const problems = problemsOf(rawConfig("accountB", { targets: [staging, production], target: "Staging" }));
            assert.deepEqual(problems, [
                `target: target "Staging" shares CodeDeploy application WebApp in account ${account} (us-east-2) with "Production", which this stack does not deploy; ` +
                "one application is declared by one stack, so another stack declaring it would fail: expected them in this stack, target: [Staging, Production]",
            ]);
        });

        it("a target stack listing targets of two accounts", () => {
            const problems = problemsOf(rawConfig("accountB", { targets: [staging, targetEntry("Other", "333333333333")], target: ["Staging", "Other"] }));
            assert.deepEqual(problems, [
                `target: lists targets of 2 accounts (Staging in ${account}; Other in 333333333333); a target stack deploys one account: expected targets of one account, one stack per account`,
            ]);
        });

        it("a target listed twice, or one not among targets", () => {
            assert.deepEqual(problemsOf(rawConfig("accountB", { target: ["Staging", "Staging"] })), [`target: "Staging" is listed more than once; expected each target once`]);
            assert.deepEqual(problemsOf(rawConfig("accountB", { target: ["Staging", "Nope"] })), [`target: "Nope" is not among targets; expected one of: Staging`]);
            assert.deepEqual(problemsOf(rawConfig("accountB", { target: [] })), ["target: [] is not valid; expected a non-empty list of names of entries of targets"]);
        });

        it("two targets declaring one deployment group", () => {
            const problems = problemsOf(rawConfig("accountA", { deploy: "all", targets: [staging, webApp("Production", { deploymentGroupName: "WebApp-Staging" })] }));
            assert.deepEqual(problems, [
                `targets[1].deploymentGroupName: "WebApp-Staging": targets "Staging" and "Production" both declare deployment group WebApp-Staging of application WebApp in account ${account} (us-east-2); expected another deployment group name`,
            ]);
        });

        it("explicit instance tags that select one set of instances in one account and region, naming both targets", () => {
            const tag = { key: "CodeDeployApplication", value: "WebApp" };
            const problems = problemsOf(rawConfig("accountA", { deploy: "all", targets: [webApp("Staging", { instanceTag: tag }), webApp("Production", { instanceTag: tag })] }));
            assert.deepEqual(problems, [
                `targets[1].instanceTag: targets "Staging" (its instanceTag) and "Production" (its instanceTag) both select instances tagged CodeDeployApplication=WebApp in account ${account} (us-east-2): ` +
                "each deployment group would deploy to the other's instances; expected a tag of this deployment group only, e.g. {key: CodeDeployDeploymentGroup, value: WebApp/WebApp-Production}",
            ]);
        });

        it("an explicit tag that is another group's default tag", () => {
            const problems = problemsOf(rawConfig("accountA", { deploy: "all", targets: [staging, webApp("Production", { instanceTag: { key: "CodeDeployDeploymentGroup", value: "WebApp/WebApp-Staging" } })] }));
            assert.equal(problems.length, 1);
            assert.match(problems[0], /^targets\[1\]\.instanceTag: targets "Staging" \(its default tag\) and "Production" \(its instanceTag\) both select instances tagged CodeDeployDeploymentGroup=WebApp\/WebApp-Staging/);
        });

        it("accepts one tag in two regions or two accounts: a group never selects instances elsewhere", () => {
            const tag = { key: "Role", value: "web" };
            parsed("accountA", { deploy: "all", targets: [webApp("Staging", { instanceTag: tag }), webApp("Recovery", { instanceTag: tag, region: "eu-west-1" })] });
            parsed("accountA", { deploy: "all", targets: [webApp("Staging", { instanceTag: tag }), targetEntry("Other", "333333333333", { instanceTag: tag })] });
        });
    });

    describe("the plan refuses two stacks that would each declare the application", () => {
        let scratch: string;
        before(() => {
            scratch = fs.mkdtempSync(path.join(os.tmpdir(), "applications-test-"));
        });
        after(() => fs.rmSync(scratch, { recursive: true, force: true }));

        /** A stack file whose targets list holds only some targets: each file is valid on its own, together they collide. */
        function stackFile(stack: string, keys: Record<string, unknown>): string {
            const config = Object.fromEntries(Object.entries(rawConfig("accountA", keys)).filter(([, v]) => v !== undefined)
                .map(([key, value]) => [`cross-account-pipeline:${key}`, key === "targets" || key === "target" && String(value).startsWith("[") ? JSON.parse(value!) : value]));
            const file = path.join(scratch, `Pulumi.${stack}.yaml`);
            fs.writeFileSync(file, yaml.stringify({ config: { "pulumi:disable-default-providers": ["aws"], ...config } }));
            return file;
        }

        it("names both stacks, the application, and to deploy both targets from one stack", async () => {
            const stagingStack = webApp("Staging", { stack: "organization/cross-account-pipeline/staging" });
            const productionStack = webApp("Production", { stack: "organization/cross-account-pipeline/production" });
            const files = [
                stackFile("staging", { deploy: "target", target: "Staging", targets: [stagingStack] }),
                stackFile("production", { deploy: "target", target: "Production", targets: [productionStack] }),
                stackFile("pipeline", { targets: [stagingStack, productionStack] }),
            ];
            const result = await runPlan({ stacks: configured(files.map((file) => readStackFile(file))) });
            assert.deepEqual(result.collisions, [
                `stacks staging and production both deploy CodeDeploy application WebApp in account ${account} (us-east-2): ` +
                "the same resources would be declared twice in one account; deploy targets Staging, Production from one stack (target: [Staging, Production])",
            ]);
            assert.equal(result.ok, false);
        });
    });
});
