// What AWS checks when each resource is created, replayed over the real program's declarations in a
// given stack order and dependency graph: the order docs/operations.md prescribes passes, others fail by name.
import * as assert from "node:assert/strict";
import type { DeclaredResource } from "../evaluation/mockCloud";
import type { ProgramRun } from "../evaluation/runProgram";
import { CreateTimeCheck, createTimeChecks, StackResources } from "../offline-plan/createTime";
import { shipped } from "./fixtures";
import { withPolicyEdited } from "./support/policies";
import { production, runAllInOne, runShippedStacks, targetsOf } from "./support/stacks";

const failures = (checks: CreateTimeCheck[]) => checks.filter((c) => !c.ok).map((c) => `${c.stack}, ${c.resource}: ${c.message}`);
const stack = (name: string, run: ProgramRun): StackResources => ({ stack: name, resources: run.resources });

/** A copy of the resources in which the named resource no longer waits for the resources whose URN ends with one of `names`. */
function withoutEdges(resources: DeclaredResource[], resourceName: string, names: string[]): DeclaredResource[] {
    const copy: DeclaredResource[] = structuredClone(resources);
    const resource = copy.find((r) => r.name === resourceName)!;
    const before = resource.registration!.dependencies.length;
    resource.registration!.dependencies = resource.registration!.dependencies.filter((urn) => !names.some((name) => urn.endsWith(`::${name}`)));
    assert.equal(resource.registration!.dependencies.length, before - names.length, `${resourceName} waited for each of ${names.join(", ")}`);
    return copy;
}

describe("create-time checks, replayed in deployment order", () => {
    let pipeline: ProgramRun;
    let target: ProgramRun;
    let all: ProgramRun;
    before(async () => {
        ({ pipeline, target } = await runShippedStacks());
        all = await runAllInOne([...targetsOf(shipped("accountA").config), { ...production, fleet: true }]);
    });

    it("pass for the shipped stacks in the order they deploy: the target stack, then the pipeline stack", async () => {
        const checks = await createTimeChecks([stack("accountB", target), stack("accountA", pipeline)]);
        assert.deepEqual(failures(checks), []);
        const apis = new Set(checks.map((c) => c.api));
        for (const api of ["CreatePipeline/UpdatePipeline", "CreateRole", "CreateKey", "PutBucketPolicy", "AddRoleToInstanceProfile", "CreateDeploymentGroup"]) {
            assert.ok(apis.has(api), `checks ${api}`);
        }
    });

    it("reject today's order, the pipeline stack before its target stack, naming the stack to deploy first", async () => {
        const checks = await createTimeChecks([stack("accountA", pipeline), stack("accountB", target)]);
        assert.deepEqual(failures(checks), [
            "accountA, aws:codepipeline/pipeline:Pipeline pipeline-delivery-pipeline: CreatePipeline/UpdatePipeline: InvalidStructureException: " +
            "action role arn:aws:iam::222222222222:role/cross-account-pipeline/111111111111/CrossAccountPipeline/deploy/CrossAccount_Role of Staging/Deploy does not exist yet: " +
            "deploy stack accountB, which declares aws:iam/role:Role Staging-cross-account, before stack accountA",
        ]);
    });

    it("reject a target stack deployed first whose trust policy names the pipeline role itself (the old deadlock)", async () => {
        const oldTarget = withPolicyEdited(target.resources, "Staging-cross-account", "assumeRolePolicy", (trust) => {
            trust.Statement[0] = { Effect: "Allow", Principal: { AWS: pipeline.outputs.pipelineRoleArn }, Action: "sts:AssumeRole" };
        });
        const checks = await createTimeChecks([{ stack: "accountB", resources: oldTarget }, stack("accountA", pipeline)]);
        assert.deepEqual(failures(checks), [
            "accountB, aws:iam/role:Role Staging-cross-account: CreateRole: MalformedPolicyDocument (Invalid principal in policy): " +
            "principal arn:aws:iam::111111111111:role/CrossAccountPipeline-CodePipelineService does not exist yet: " +
            "deploy stack accountA, which declares aws:iam/role:Role pipeline-roles-pipeline, before stack accountB",
        ]);
    });

    it("pass for deploy: all, where the pipeline waits for every action role, its policy and the fleet's profile is made first", async () => {
        const checks = await createTimeChecks([stack("all", all)]);
        assert.deepEqual(failures(checks), []);
        assert.equal(checks.filter((c) => c.api === "CreatePipeline/UpdatePipeline" && c.check.startsWith("action role")).length, 2);
        assert.ok(checks.some((c) => c.api === "CreateAutoScalingGroup" && c.resource.includes("Production-fleet")));
    });

    it("reject deploy: all when the pipeline does not wait for an action role", async () => {
        const resources = withoutEdges(all.resources, "pipeline-delivery-pipeline", ["Staging-cross-account", "Staging-cross-account-policy"]);
        assert.deepEqual(failures(await createTimeChecks([{ stack: "all", resources }])), [
            "all, aws:codepipeline/pipeline:Pipeline pipeline-delivery-pipeline: CreatePipeline/UpdatePipeline: InvalidStructureException: " +
            "action role arn:aws:iam::222222222222:role/cross-account-pipeline/111111111111/CrossAccountPipeline/deploy/CrossAccount_Role of Staging/Deploy does not exist yet: " +
            "make aws:codepipeline/pipeline:Pipeline pipeline-delivery-pipeline depend on aws:iam/role:Role Staging-cross-account (dependsOn, or an input taken from it)",
        ]);
    });

    it("reject deploy: all when the pipeline does not wait for an action role's policy", async () => {
        const resources = withoutEdges(all.resources, "pipeline-delivery-pipeline", ["Production-cross-account-policy"]);
        assert.deepEqual(failures(await createTimeChecks([{ stack: "all", resources }])), [
            "all, aws:codepipeline/pipeline:Pipeline pipeline-delivery-pipeline: CreatePipeline/UpdatePipeline: InvalidStructureException: " +
            "the policy Production-cross-account-policy of action role arn:aws:iam::333333333333:role/cross-account-pipeline/111111111111/CrossAccountPipeline/deploy/Production-CrossAccount does not exist yet: " +
            "make aws:codepipeline/pipeline:Pipeline pipeline-delivery-pipeline depend on aws:iam/rolePolicy:RolePolicy Production-cross-account-policy (dependsOn, or an input taken from it)",
        ]);
    });

    it("reject a pipeline that does not wait for its service role's policy: the IAM evaluator refuses the AssumeRole", async () => {
        const resources = withoutEdges(pipeline.resources, "pipeline-delivery-pipeline", ["pipeline-roles-pipeline-policy"]);
        const failed = failures(await createTimeChecks([stack("accountB", target), { stack: "accountA", resources }]));
        assert.equal(failed.length, 1, failed.join("\n"));
        assert.equal(failed[0], "accountA, aws:codepipeline/pipeline:Pipeline pipeline-delivery-pipeline: CreatePipeline/UpdatePipeline: InvalidStructureException: " +
            "the identity policy of arn:aws:iam::111111111111:role/CrossAccountPipeline-CodePipelineService does not allow sts:AssumeRole " +
            "by arn:aws:iam::111111111111:role/CrossAccountPipeline-CodePipelineService on arn:aws:iam::222222222222:role/cross-account-pipeline/111111111111/CrossAccountPipeline/deploy/CrossAccount_Role; " +
            "the service role's policy pipeline-roles-pipeline-policy does not exist yet: " +
            "make aws:codepipeline/pipeline:Pipeline pipeline-delivery-pipeline depend on aws:iam/rolePolicy:RolePolicy pipeline-roles-pipeline-policy (dependsOn, or an input taken from it)");
    });

    it("reject a pipeline that waits for its S3 source bucket but not for the bucket's versioning", async () => {
        const resources = withoutEdges(pipeline.resources, "pipeline-delivery-pipeline", ["pipeline-source-versioning"]);
        const sourceBucket = resources.find((r) => r.type === "aws:s3/bucket:Bucket" && r.name === "pipeline-source")!;
        resources.find((r) => r.name === "pipeline-delivery-pipeline")!.registration!.dependencies.push(sourceBucket.registration!.urn);
        assert.deepEqual(failures(await createTimeChecks([stack("accountB", target), { stack: "accountA", resources }])), [
            "accountA, aws:codepipeline/pipeline:Pipeline pipeline-delivery-pipeline: CreatePipeline/UpdatePipeline: InvalidStructureException: " +
            "the versioning of source bucket crossaccountpipeline-111111111111-us-east-2-source does not exist yet: " +
            "make aws:codepipeline/pipeline:Pipeline pipeline-delivery-pipeline depend on aws:s3/bucketVersioning:BucketVersioning pipeline-source-versioning (dependsOn, or an input taken from it)",
        ]);
    });

    it("reject a pipeline service role that CodePipeline may not assume without the confused-deputy keys it does not document", async () => {
        const resources = withPolicyEdited(pipeline.resources, "pipeline-roles-pipeline", "assumeRolePolicy", (trust) => {
            trust.Statement[0].Condition = { ArnLike: { "aws:SourceArn": "arn:aws:codepipeline:us-east-2:111111111111:CrossAccountPipeline" } };
        });
        const failed = failures(await createTimeChecks([stack("accountB", target), { stack: "accountA", resources }]));
        assert.equal(failed.length, 1, failed.join("\n"));
        assert.match(failed[0], /CreatePipeline\/UpdatePipeline: InvalidStructureException: the trust policy of arn:aws:iam::111111111111:role\/CrossAccountPipeline-CodePipelineService does not allow sts:AssumeRole by codepipeline\.amazonaws\.com on arn:aws:iam::111111111111:role\/CrossAccountPipeline-CodePipelineService$/);
    });

    it("reject a deployment group whose service role CodeDeploy may not assume for that group", async () => {
        const resources = withPolicyEdited(target.resources, "Staging-codedeploy", "assumeRolePolicy", (trust) => {
            trust.Statement[0].Condition.ArnLike["aws:SourceArn"] = "arn:aws:codedeploy:us-east-2:222222222222:deploymentgroup:AccountBApplicationName/Other";
        });
        const failed = failures(await createTimeChecks([{ stack: "accountB", resources }]));
        assert.equal(failed.length, 1, failed.join("\n"));
        assert.match(failed[0], /^accountB, aws:codedeploy\/deploymentGroup:DeploymentGroup Staging-deployment-group: CreateDeploymentGroup: InvalidRoleException: the trust policy of arn:aws:iam::222222222222:role\/Staging-CodeDeployService does not allow sts:AssumeRole by codedeploy\.amazonaws\.com on arn:aws:iam::222222222222:role\/Staging-CodeDeployService$/);
    });

    it("reject an instance profile created before its role, and an Auto Scaling group before the profile it launches with", async () => {
        const profileFirst = withoutEdges(all.resources, "Production-instance-profile", ["Production-instance"]);
        assert.deepEqual(failures(await createTimeChecks([{ stack: "all", resources: profileFirst }])), [
            "all, aws:iam/instanceProfile:InstanceProfile Production-instance-profile: AddRoleToInstanceProfile: NoSuchEntity: role Production-CodeDeployInstance does not exist yet: " +
            "make aws:iam/instanceProfile:InstanceProfile Production-instance-profile depend on aws:iam/role:Role Production-instance (dependsOn, or an input taken from it)",
        ]);
        const launchedFirst = withoutEdges(all.resources, "Production-fleet-launch-template", ["Production-instance-profile"]);
        assert.deepEqual(failures(await createTimeChecks([{ stack: "all", resources: launchedFirst }])), [
            "all, aws:autoscaling/group:Group Production-fleet-auto-scaling-group: CreateAutoScalingGroup: the instances it launches fail with InvalidParameterValue (Invalid IAM Instance Profile name): " +
            "instance profile Production-CodeDeployInstance does not exist yet: " +
            "make aws:autoscaling/group:Group Production-fleet-auto-scaling-group depend on aws:iam/instanceProfile:InstanceProfile Production-instance-profile (dependsOn, or an input taken from it)",
        ]);
    });
});
