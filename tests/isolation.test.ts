// The accounts inside stay apart: no target account can change what another deploys, reach another's
// roles or the pipeline; no role uses a bucket of the pipeline's bucket names that another account owns.
import * as assert from "node:assert/strict";
import type { DeclaredResource } from "../evaluation/mockCloud";
import { checkGroups, runPlan } from "../offline-plan/plan";
import { renderPlan, verdict } from "../offline-plan/report";
import { readStackFile } from "../project/stackFiles";
import type { AccessFinding } from "../verification/evaluation";
import { isolationChecks } from "../verification/isolation";
import { accessModel } from "../verification/model";
import { verifyAccounts } from "../verification/verify";
import * as path from "node:path";
import { configured, projectRoot, shipped, shippedDeployRoleArn, shippedInstanceRoleArn } from "./fixtures";
import { statementWithSid, withPolicyEdited } from "./support/policies";
import { europe, production, runAllInOne, runShippedStacks, targetsOf } from "./support/stacks";

const failures = (findings: AccessFinding[]) => findings.filter((f) => !f.ok).map((f) => f.check.hop);
const isolationOf = async (resources: DeclaredResource[]) => (await verifyAccounts(resources)).isolation;

/** An extra action in the Production account that produces an artifact: its producer role writes the store. */
const productionReport = {
    stage: "Production", name: "Report", category: "Test", provider: "CodeBuild", target: "Production",
    inputArtifacts: ["BuildOutput"], outputArtifacts: ["ProductionReport"], configuration: { ProjectName: "report" },
};

describe("the accounts stay apart, proven with the IAM policy evaluator", () => {
    let shippedResources: DeclaredResource[];
    let threeAccounts: DeclaredResource[];
    before(async () => {
        const { pipeline, target } = await runShippedStacks();
        shippedResources = [...pipeline.resources, ...target.resources];
        threeAccounts = (await runAllInOne([...targetsOf(shipped("accountA").config), production, europe])).resources;
    });

    it("refuses a target's deploy role, its instance role, and any role its administrator creates under the deploy path with everything, every write and encryption", async () => {
        const { findings } = await isolationOf(shippedResources);
        assert.deepEqual(failures(findings), []);
        const refused = (principal: string, action: string) => findings.filter((f) => f.check.principal === principal && f.check.action === action && /cannot (change|encrypt with) the artifact/.test(f.check.hop));
        const createdUnderDeployPath = "arn:aws:iam::222222222222:role/cross-account-pipeline/111111111111/CrossAccountPipeline/deploy/RoleItsAdministratorCreated";
        for (const principal of [shippedDeployRoleArn, shippedInstanceRoleArn, createdUnderDeployPath]) {
            for (const action of ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "kms:GenerateDataKey", "kms:Encrypt", "kms:ReEncryptTo"]) {
                const [check, ...others] = refused(principal, action);
                assert.ok(check && others.length === 0, `${principal} ${action}`);
                assert.equal(check.check.expect, "denied");
                assert.match(check.result, /Denied$/);
            }
        }
        // The write is refused explicitly, by the bucket policy: no grant of the target account can lift it.
        assert.equal(refused(createdUnderDeployPath, "s3:PutObject")[0].result, "ExplicitlyDenied");
        for (const action of ["codepipeline:StartPipelineExecution", "codepipeline:UpdatePipeline"]) {
            assert.equal(findings.find((f) => f.check.principal === createdUnderDeployPath && f.check.action === action)?.result, "ImplicitlyDenied");
        }
        assert.ok(findings.some((f) => f.check.principal === createdUnderDeployPath && f.check.hop.endsWith("cannot upload a source bundle") && f.result === "ExplicitlyDenied"));
    });

    it("refuses every role of the pipeline, in any account, a bucket of an artifact or source bucket's name that another account owns", async () => {
        const { findings } = await isolationOf(shippedResources);
        const squatting = findings.filter((f) => / a bucket named .* in another account /.test(f.check.hop));
        const roles = new Set(squatting.map((f) => f.check.principal));
        assert.deepEqual([...roles].sort(), [
            "arn:aws:iam::111111111111:role/CrossAccountPipeline-CodeBuildService",
            "arn:aws:iam::111111111111:role/CrossAccountPipeline-CodePipelineService",
            shippedDeployRoleArn, shippedInstanceRoleArn,
        ].sort());
        assert.ok(squatting.some((f) => f.check.hop.includes("crossaccountpipeline-111111111111-us-east-2-source")));
        assert.ok(squatting.every((f) => f.ok && f.check.resourceAccount !== "111111111111"), "the same name, in another account");
    });

    it("lets no role of a target account assume another target's roles, nor start or change the pipeline, covering each account through its shape", async () => {
        const { findings, shapes } = await isolationOf(threeAccounts);
        assert.deepEqual(failures(findings), []);
        // Staging and Production read the same store with the same policies: one stands for both; Europe reads another store.
        assert.deepEqual(shapes.map((s) => s.accounts), [["222222222222", "333333333333"], ["444444444444"]]);
        const assuming = findings.filter((f) => f.check.action === "sts:AssumeRole");
        assert.ok(assuming.length > 0 && assuming.every((f) => f.result === "ImplicitlyDenied"));
        for (const account of ["222222222222", "444444444444"]) {
            assert.ok(assuming.some((f) => f.check.principal.includes(`::${account}:`) && !f.check.resource.includes(`::${account}:`)), `account ${account} tries another's role`);
        }
        assert.ok(findings.some((f) => f.check.action === "codepipeline:PutApprovalResult" && f.result === "ImplicitlyDenied"), "Production's approval");
    });

    it("covers accounts of one shape through one of them, and an account made different (a write of its own) through itself", async () => {
        const staging = { name: "Staging", accountId: "222222222222", applicationName: "App", deploymentGroupName: "Staging" };
        const run = await runAllInOne([staging, { ...staging, name: "Canary", accountId: "555555555555", deploymentGroupName: "Canary" }, production]);
        assert.deepEqual(isolationChecks(accessModel(run.resources)).shapes.map((s) => s.accounts), [["222222222222", "555555555555", "333333333333"]]);
        // Production's deploy role given uploads to the store by its own account: its shape differs, so it is checked on its own.
        const widened = withPolicyEdited(run.resources, "Production-cross-account-policy", "policy", (document) => {
            statementWithSid(document, "ReadArtifacts").Action.push("s3:PutObject");
        });
        const { shapes, checks } = isolationChecks(accessModel(widened));
        assert.deepEqual(shapes.map((s) => s.accounts), [["222222222222", "555555555555"], ["333333333333"]]);
        assert.ok(checks.some((c) => c.principal.includes("::333333333333:") && c.action === "s3:PutObject"));
    });

    it("fails, naming the hop, when the deploy path is granted s3:PutObject back", async () => {
        const readWrite = withPolicyEdited(shippedResources, "pipeline-us-east-2-bucket-policy", "policy", (document) => {
            statementWithSid(document, "AllowTargetRolesToReadArtifacts").Action.push("s3:PutObject");
            document.Statement = document.Statement.filter((s: { Sid: string }) => s.Sid !== "DenyReadingRolesToChangeArtifacts");
        });
        const failed = failures((await isolationOf(readWrite)).findings);
        assert.ok(failed.includes("account 222222222222 (Staging/Deploy): a role its administrator creates under the deploy path with every permission cannot change the artifacts of us-east-2 (s3:PutObject)"), failed.join("\n"));
        assert.ok(failed.includes("account 222222222222 (Staging/Deploy): a role its administrator creates under the instance path with every permission cannot change the artifacts of us-east-2 (s3:PutObject)"));
        // With the deny kept, the grant alone lets nothing through: the explicit deny holds whatever an allow says.
        const grantOnly = withPolicyEdited(shippedResources, "pipeline-us-east-2-bucket-policy", "policy", (document) => {
            statementWithSid(document, "AllowTargetRolesToReadArtifacts").Action.push("s3:PutObject");
        });
        assert.deepEqual(failures((await isolationOf(grantOnly)).findings), []);
    });

    it("fails when the key lets the deploy path encrypt", async () => {
        const encrypting = withPolicyEdited(shippedResources, "pipeline-us-east-2-key", "policy", (document) => {
            statementWithSid(document, "AllowTargetRolesToDecrypt").Action.push("kms:GenerateDataKey*", "kms:Encrypt");
            document.Statement = document.Statement.filter((s: { Sid: string }) => s.Sid !== "DenyReadingRolesToEncrypt");
        });
        const failed = failures((await isolationOf(encrypting)).findings);
        assert.ok(failed.includes("account 222222222222 (Staging/Deploy): a role its administrator creates under the deploy path with every permission cannot encrypt with the artifact key of us-east-2 (kms:GenerateDataKey)"), failed.join("\n"));
    });

    it("fails when a target's S3 grant does not name the buckets' owner: a same-named bucket in another account would serve it", async () => {
        const anyOwner = withPolicyEdited(shippedResources, "Staging-cross-account-policy", "policy", (document) => {
            delete statementWithSid(document, "ReadArtifacts").Condition;
        });
        assert.deepEqual(failures((await isolationOf(anyOwner)).findings), [
            "role CrossAccount_Role of account 222222222222 cannot read from a bucket named crossaccountpipeline-111111111111-us-east-2-artifacts in another account (999999999999)",
        ]);
        const pipelineAnyOwner = withPolicyEdited(shippedResources, "pipeline-roles-pipeline-policy", "policy", (document) => {
            delete statementWithSid(document, "ReadAndWriteArtifacts").Condition;
        });
        assert.ok(failures((await isolationOf(pipelineAnyOwner)).findings).includes(
            "role CrossAccountPipeline-CodePipelineService of account 111111111111 cannot write to a bucket named crossaccountpipeline-111111111111-us-east-2-artifacts in another account (999999999999)"));
    });

    it("checks, through itself, an account that another target's trust names: the account checked for its shape would not be let in", async () => {
        // Staging and Canary are of one shape, Production of another; Production's deploy role also trusts Canary's roles under the pipeline's path.
        const staging = { name: "Staging", accountId: "222222222222", applicationName: "App", deploymentGroupName: "Staging" };
        const run = await runAllInOne([staging, { ...staging, name: "Canary", accountId: "555555555555", deploymentGroupName: "Canary" }, production]);
        const trustsCanary = withPolicyEdited(run.resources, "Production-cross-account", "assumeRolePolicy", (trust) => {
            trust.Statement.push({
                Sid: "AlsoTheCanary", Effect: "Allow", Principal: { AWS: "arn:aws:iam::555555555555:root" }, Action: "sts:AssumeRole",
                Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::555555555555:role/cross-account-pipeline/*" } },
            });
        });
        const { shapes, findings } = await isolationOf(trustsCanary);
        // Canary now has a shape of its own; Production's trust is another shape of trust, which every shape's account tries.
        assert.deepEqual(shapes.map((s) => s.accounts), [["222222222222", "333333333333"], ["555555555555"]]);
        assert.ok(failures(findings).includes(
            "account 555555555555 (Canary/Deploy): a role its administrator creates under the deploy path with every permission cannot assume the cross-account role of another target account (333333333333)"),
            failures(findings).join("\n"));
    });

    it("fails when a target's deploy role trusts another target account", async () => {
        const resources = (await runAllInOne([...targetsOf(shipped("accountA").config), production])).resources;
        const trustsStaging = withPolicyEdited(resources, "Production-cross-account", "assumeRolePolicy", (trust) => {
            trust.Statement[0].Principal = { AWS: "arn:aws:iam::222222222222:root" };
            delete trust.Statement[0].Condition;
        });
        assert.ok(failures((await isolationOf(trustsStaging)).findings).includes(
            "account 222222222222 (Staging/Deploy): a role its administrator creates under the deploy path with every permission cannot assume the cross-account role of another target account (333333333333)"));
    });

    describe("a target whose extra action produces artifacts", () => {
        let findings: AccessFinding[];
        before(async () => {
            const run = await runAllInOne([...targetsOf(shipped("accountA").config), production, europe], { extraActions: [productionReport] });
            ({ findings } = await isolationOf(run.resources));
        });

        it("is the one exception, proven and listed: its producer path writes the store of its region", () => {
            assert.deepEqual(failures(findings), []);
            const exceptions = findings.filter((f) => f.check.exception);
            assert.deepEqual(exceptions.map((f) => [f.check.principal, f.check.action, f.result]), [[
                "arn:aws:iam::333333333333:role/cross-account-pipeline/111111111111/CrossAccountPipeline/producer/RoleItsAdministratorCreated", "s3:PutObject", "Allowed",
            ]]);
            assert.match(exceptions[0].check.exception!, /^Production\/Report produces artifacts in account 333333333333: its producer role, and any role its administrators create under the producer path, can change what every target of us-east-2 deploys/);
        });

        it("keeps the producer to its own region's store, and every other role of its account read-only", () => {
            const ofProduction = (hopPart: string, action: string) => findings.filter((f) => f.check.hop.startsWith("account 333333333333 ") && f.check.hop.includes(hopPart) && f.check.action === action);
            assert.equal(ofProduction("its producer role cannot change the artifacts of eu-west-1", "s3:PutObject")[0]?.result, "ImplicitlyDenied");
            assert.equal(ofProduction("its cross-account role cannot change the artifacts of us-east-2", "s3:PutObject")[0]?.result, "ExplicitlyDenied");
            assert.equal(ofProduction("under the deploy path with every permission cannot change the artifacts of us-east-2", "s3:PutObject")[0]?.result, "ExplicitlyDenied");
        });

        it("gives no other account the producer path's write", () => {
            const stagingProducer = findings.filter((f) => f.check.principal.startsWith("arn:aws:iam::222222222222:role/cross-account-pipeline/111111111111/CrossAccountPipeline/producer/")
                && f.check.action === "s3:PutObject" && f.check.hop.includes("us-east-2"));
            assert.deepEqual(stagingProducer.map((f) => f.result), ["ImplicitlyDenied"]);
        });
    });

    it("makes the plan fail with the isolation check named, and lists a producer as an exception, which fails nothing", async () => {
        const plan = await runPlan({ stacks: configured(["accountB", "accountA"].map((s) => readStackFile(path.join(projectRoot, `Pulumi.${s}.yaml`)))) });
        assert.equal(plan.ok, true);
        const group = () => checkGroups(plan).find((g) => g.name === "isolation between accounts")!;
        assert.match(group().status, /^(\d+)\/\1 checks as expected, 1 shape of target account \(1 account\)$/);
        assert.match(renderPlan(plan), /\nWhat no target account can do to another \(verified with the IAM policy evaluator\)\n=+\n {2}checked through account 222222222222, for 1 account of its shape \(pipeline CrossAccountPipeline\): 222222222222\n {2}Refused, as they must be:\n {4}x its cross-account role cannot change the artifacts of us-east-2 \(s3:PutObject\)\n/);
        const readWrite = withPolicyEdited(shippedResources, "pipeline-us-east-2-bucket-policy", "policy", (document) => {
            statementWithSid(document, "AllowTargetRolesToReadArtifacts").Action.push("s3:PutObject");
            document.Statement = document.Statement.filter((s: { Sid: string }) => s.Sid !== "DenyReadingRolesToChangeArtifacts");
        });
        const withProducer = { ...plan, isolation: (await verifyAccounts((await runAllInOne([...targetsOf(shipped("accountA").config), production], { extraActions: [productionReport] })).resources)).isolation };
        const producerGroup = checkGroups(withProducer).find((g) => g.name === "isolation between accounts")!;
        assert.deepEqual([producerGroup.failures, producerGroup.notes.map((n) => [n.label, n.message?.slice(0, 26)])], [[], [["EXCEPTION", "Production/Report produces"]]]);
        const failed = { ...plan, isolation: (await verifyAccounts(readWrite)).isolation };
        assert.match(verdict({ ...failed, ok: checkGroups(failed).every((g) => g.failures.length === 0) }), /^PLAN FAILED: \d+ problems/);
        assert.ok(checkGroups(failed).find((g) => g.name === "isolation between accounts")!.failures.some((f) =>
            f.what.endsWith("a role its administrator creates under the deploy path with every permission cannot change the artifacts of us-east-2 (s3:PutObject)")));
    });
});
