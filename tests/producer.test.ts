// A target whose extra action produces artifacts: the one role of a target account that writes them, its
// own path, declared by the target stack, read by the pipeline stack, assumed by that action alone.
import * as pulumi from "@pulumi/pulumi";
import * as assert from "node:assert/strict";
import { configNamespace } from "../config";
import { ProgramRun, runProgram } from "../evaluation/runProgram";
import { createTimeChecks } from "../offline-plan/createTime";
import { verifyAccess } from "../verification/accessChain";
import { problemsOf, qualifiedConfig, rawConfig, shipped, shippedDeployRoleArn, shippedRolePaths, targetStackName } from "./fixtures";
import { resourcesOf, runAllInOne, targetsOf } from "./support/stacks";

const producerRoleArn = `arn:aws:iam::222222222222:role${shippedRolePaths.producer}Staging-ArtifactProducer`;
/** A report the Staging account makes from the build: an extra action there with an output artifact. */
const stagingReport = {
    stage: "Staging", name: "Report", category: "Test", provider: "CodeBuild", target: "Staging", runOrder: 2,
    inputArtifacts: ["BuildOutput"], outputArtifacts: ["StagingReport"], configuration: { ProjectName: "staging-report" },
};
/** One in the same account that reads only: it runs as the deploy role. */
const stagingCheck = { ...stagingReport, name: "Check", outputArtifacts: [] };
const extraActions = JSON.stringify([stagingReport, stagingCheck]);
const withExtras = (config: Record<string, string>) => ({ ...config, [`${configNamespace}:extraActions`]: extraActions });

const actionsOf = (run: ProgramRun) => (resourcesOf(run, "aws:codepipeline/pipeline:Pipeline")[0].inputs.stages as { name: string; actions: { name: string; roleArn?: string }[] }[])
    .flatMap((stage) => stage.actions.map((action) => ({ label: `${stage.name}/${action.name}`, roleArn: action.roleArn })));

describe("a target whose extra action produces artifacts", () => {
    let target: ProgramRun;
    let pipeline: ProgramRun;
    before(async () => {
        target = await runProgram({ stack: "accountB", config: withExtras(shipped("accountB").config) });
        pipeline = await runProgram({ stack: "accountA", config: withExtras(shipped("accountA").config), stackOutputs: { [targetStackName]: target.outputs } });
    });

    it("gets a producer role under the producer path, trusted by the pipeline role alone, and exports it", () => {
        const role = resourcesOf(target, "aws:iam/role:Role").find((r) => r.inputs.name === "Staging-ArtifactProducer")!;
        assert.equal(role.inputs.path, shippedRolePaths.producer);
        const deployRole = resourcesOf(target, "aws:iam/role:Role").find((r) => r.inputs.name === "CrossAccount_Role")!;
        assert.equal(role.inputs.assumeRolePolicy, deployRole.inputs.assumeRolePolicy, "the same trust as the deploy role");
        assert.equal(target.outputs.targets.Staging.producerRoleArn, producerRoleArn);
    });

    it("runs the producing action as the producer role and every other action of the account as the deploy role", () => {
        assert.deepEqual(actionsOf(pipeline).filter((a) => a.roleArn), [
            { label: "Staging/Deploy", roleArn: shippedDeployRoleArn },
            { label: "Staging/Report", roleArn: producerRoleArn },
            { label: "Staging/Check", roleArn: shippedDeployRoleArn },
        ]);
        const policy = JSON.parse(resourcesOf(pipeline, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "pipeline-roles-pipeline-policy")!.inputs.policy);
        const producers = policy.Statement.find((s: { Sid: string }) => s.Sid === "AssumeTargetProducerRoles");
        assert.deepEqual(producers.Condition, { StringEquals: { "aws:ResourceAccount": ["222222222222"] } });
    });

    it("declares no producer role for a target without such an action", async () => {
        const plain = await runProgram({ stack: "accountB", config: shipped("accountB").config });
        assert.ok(!resourcesOf(plain, "aws:iam/role:Role").some((r) => r.inputs.path === shippedRolePaths.producer));
        assert.ok(!("producerRoleArn" in plain.outputs.targets.Staging));
    });

    it("proves the producer writes and reads, and the deploy role of its account only reads", async () => {
        const findings = await verifyAccess([...target.resources, ...pipeline.resources]);
        assert.deepEqual(findings.filter((f) => !f.ok).map((f) => `${f.check.hop}: ${f.message}`), []);
        const result = (hop: string) => findings.find((f) => f.check.hop === hop)?.result;
        assert.equal(result("Staging/Report: the pipeline role assumes the producer role"), "Allowed");
        assert.equal(result("Staging/Report: the producer role writes artifacts with SSE-KMS"), "Allowed");
        assert.equal(result("Staging/Report: the producer role generates data keys with the artifact key"), "Allowed");
        assert.equal(result("Staging/Check: the cross-account role cannot write artifacts with SSE-KMS"), "ExplicitlyDenied");
    });

    it("creates the pipeline only once the producer role exists, in deployment order and in one stack", async () => {
        const stack = (name: string, run: ProgramRun) => ({ stack: name, resources: run.resources });
        const inOrder = await createTimeChecks([stack("accountB", target), stack("accountA", pipeline)]);
        assert.deepEqual(inOrder.filter((c) => !c.ok).map((c) => c.message), []);
        const all = await runAllInOne(targetsOf(shipped("accountA").config), { extraActions: [stagingReport] });
        const waitsFor = resourcesOf(all, "aws:codepipeline/pipeline:Pipeline")[0].registration!.dependencies.map((urn) => urn.split("::").pop());
        assert.ok(waitsFor.includes("Staging-producer") && waitsFor.includes("Staging-producer-policy"), waitsFor.join(", "));
    });

    it("stops the pipeline stack, naming the stack to run, while the target stack does not export the producer role yet", async () => {
        const older = { targets: { Staging: { ...target.outputs.targets.Staging, producerRoleArn: undefined } } };
        await assert.rejects(runProgram({ stack: "accountA", config: withExtras(shipped("accountA").config), stackOutputs: { [targetStackName]: older } }), (error: Error) => {
            assert.ok(pulumi.RunError.isInstance(error));
            assert.match(error.message, /target stack organization\/cross-account-pipeline\/accountB has no output targets\.Staging\.producerRoleArn \(an extra action of target Staging produces artifacts: .*\): run `pulumi up -s accountB` before the pipeline stack$/);
            return true;
        });
    });

    it("checks the producer role's name like the target's other role names, only for a target that produces", () => {
        const longName = "N".repeat(48);
        const targets = [{ name: longName, accountId: "222222222222", applicationName: "App", deploymentGroupName: "Group", instanceRoleName: "Instance", codeDeployServiceRoleName: "CodeDeploy" }];
        assert.doesNotThrow(() => qualifiedConfig("accountA", { targets, deploy: "all" }));
        const producing = rawConfig("accountA", { deploy: "all", targets, extraActions: [{ ...stagingReport, stage: longName, target: longName }] });
        assert.deepEqual(problemsOf(producing), [
            `targets[0].name: "${longName}" is too long for its derived role names <name>-ArtifactProducer (IAM role names have at most 64 characters); expected at most 47 characters, or set producerRoleName`,
        ]);
    });
});
