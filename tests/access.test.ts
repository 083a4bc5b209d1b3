import * as assert from "node:assert/strict";
import type { DeclaredResource } from "../evaluation/mockCloud";
import { verifyAccess } from "../verification/accessChain";
import { AccessFinding } from "../verification/evaluation";
import { shipped, shippedDeployRoleArn, shippedInstanceRoleArn, shippedRolePaths, stagingEntry, targetAccountId, targetEntry } from "./fixtures";
import { statementWithSid, withPolicyEdited } from "./support/policies";
import { europe, production, runAllInOne, runShippedStacks, targetsOf } from "./support/stacks";
import type { PropertyBag } from "../evaluation/propertyBag";

type Statement = { Sid?: string; Principal?: unknown };

/** A deep copy of the resources with one statement removed from the policy of the named resource. */
function withoutStatement(resources: DeclaredResource[], resourceName: string, property: string, sid: string): DeclaredResource[] {
    return withPolicyEdited(resources, resourceName, property, (document) => {
        const kept = document.Statement.filter((s: Statement) => s.Sid !== sid);
        assert.equal(kept.length, document.Statement.length - 1, `${resourceName} has no statement ${sid}`);
        return { ...document, Statement: kept };
    });
}

const failures = (findings: AccessFinding[]) => findings.filter((f) => !f.ok);

describe("the access chain, proven with the IAM policy evaluator", () => {
    let shippedResources: DeclaredResource[];
    before(async () => {
        const { pipeline, target } = await runShippedStacks();
        shippedResources = [...pipeline.resources, ...target.resources];
    });

    it("allows every hop and refuses every request that must be refused, for the shipped stacks", async () => {
        const findings = await verifyAccess(shippedResources);
        assert.deepEqual(failures(findings).map((f) => `${f.check.hop}: ${f.message}`), []);
        const hops = findings.map((f) => f.check.hop.replace(/^(Staging\/Deploy|CrossAccountPipeline): /, ""));
        for (const hop of [
            "the pipeline role assumes the cross-account role",
            "the cross-account role reads artifacts",
            "the cross-account role cannot write artifacts with SSE-KMS",
            "the cross-account role decrypts with the artifact key",
            "the cross-account role cannot generate data keys with the artifact key",
            "the cross-account role creates a deployment in its deployment group",
            "the instance role reads artifacts",
            "the instance role decrypts artifacts",
            "plain-HTTP reads are refused",
            "uploads without SSE-KMS are refused",
            "uploads with another key are refused",
            "uploads with SSE-KMS naming no key (S3 would use aws/s3) are refused",
            "another admin of account 222222222222 cannot read artifacts",
            "another admin of account 222222222222 cannot decrypt artifacts",
            "another admin of account 222222222222 cannot assume the cross-account role",
            "the cross-account role cannot read another bucket",
            "the cross-account role cannot use another key of the pipeline account",
            "the cross-account role cannot use a key of its own account",
            "the cross-account role cannot deploy to another deployment group",
            "the source trigger starts the pipeline",
            "the source trigger cannot start another pipeline",
            "the pipeline role reads the source bundle",
            "the pipeline role writes artifacts with SSE-KMS",
            "the pipeline role decrypts with the artifact key",
            "the pipeline role starts the build",
            "the build role reads the source artifact",
            "the build role writes the build artifact with SSE-KMS",
            "the build role generates data keys with the artifact key",
            "the build role writes its logs (logs:CreateLogStream)",
            "the build role writes its logs (logs:PutLogEvents)",
        ]) {
            assert.ok(hops.includes(hop), `missing check: ${hop}`);
        }
    });

    it("proves the chain for each target of a two-target stack", async () => {
        const run = await runAllInOne([...targetsOf(shipped("accountA").config), production]);
        const findings = await verifyAccess(run.resources);
        assert.deepEqual(failures(findings).map((f) => f.message), []);
        assert.ok(findings.some((f) => f.check.hop.startsWith("Production/Deploy: the cross-account role reads artifacts") && f.result === "Allowed"));
        assert.ok(findings.some((f) => f.check.hop === "Production/Deploy: another admin of account 333333333333 cannot read artifacts" && f.result !== "Allowed"));
    });

    it("proves each chain for three targets in two regions, each against its own region's store", async () => {
        const run = await runAllInOne([...targetsOf(shipped("accountA").config), production, europe]);
        const findings = await verifyAccess(run.resources);
        assert.deepEqual(failures(findings).map((f) => f.message), []);
        const readBy = (target: string) => findings.find((f) => f.check.hop === `${target}/Deploy: the cross-account role reads artifacts`)!;
        for (const [target, region] of [["Staging", "us-east-2"], ["Production", "us-east-2"], ["Europe", "eu-west-1"]]) {
            assert.equal(readBy(target).result, "Allowed");
            assert.match(readBy(target).check.resource, new RegExp(`^arn:aws:s3:::crossaccountpipeline-111111111111-${region}-artifacts/`));
            const refusals = findings.filter((f) => f.check.hop.startsWith(`${target}/Deploy: `) && f.check.expect === "denied");
            assert.ok(refusals.length >= 8 && refusals.every((f) => f.result !== "Allowed"), `${target} refusals`);
        }
        const europeDecrypt = findings.find((f) => f.check.hop === "Europe/Deploy: the cross-account role decrypts with the artifact key")!;
        assert.equal(europeDecrypt.check.resource, run.outputs.artifactStores["eu-west-1"].keyArn);
    });

    it("proves two targets of one account in two regions, each instance role against its own region's store, each deployment in its action's region", async () => {
        // The same application and group names in both regions: only the region tells the groups apart.
        const staging = { name: "Staging", accountId: "222222222222", applicationName: "WebApp", deploymentGroupName: "WebApp-Fleet" };
        const recovery = { ...staging, name: "Recovery", region: "eu-west-1" };
        const run = await runAllInOne([staging, recovery]);
        const findings = await verifyAccess(run.resources);
        assert.deepEqual(failures(findings).map((f) => `${f.check.hop}: ${f.message}`), []);
        for (const [target, region] of [["Staging", "us-east-2"], ["Recovery", "eu-west-1"]]) {
            const instanceChecks = findings.filter((f) => f.check.hop.startsWith(`${target}/Deploy: the instance role`));
            assert.deepEqual([...new Set(instanceChecks.map((f) => f.check.principal))], [`arn:aws:iam::222222222222:role${shippedRolePaths.instance}${target}-CodeDeployInstance`]);
            const read = instanceChecks.find((f) => f.check.action === "s3:GetObject")!;
            assert.match(read.check.resource, new RegExp(`^arn:aws:s3:::crossaccountpipeline-111111111111-${region}-artifacts/`));
            const deploy = findings.find((f) => f.check.hop === `${target}/Deploy: the cross-account role creates a deployment in its deployment group`)!;
            assert.equal(deploy.check.resource, `arn:aws:codedeploy:${region}:222222222222:deploymentgroup:WebApp/WebApp-Fleet`);
            assert.equal(deploy.result, "Allowed");
        }
    });

    it("with an existing key, checks everything but its key policy and says what that policy must grant", async () => {
        const aliasArn = "arn:aws:kms:us-east-2:111111111111:alias/shared-artifacts";
        const run = await runAllInOne(targetsOf(shipped("accountA").config), { encryptionKey: aliasArn });
        const findings = await verifyAccess(run.resources);
        assert.deepEqual(failures(findings).map((f) => f.message), []);
        const [unverified, ...others] = findings.filter((f) => f.result === "NotVerified");
        assert.deepEqual(others, [], "one note per existing key");
        assert.match(unverified.message!, /^arn:aws:kms:us-east-2:111111111111:key\/[0-9a-f-]{36} is an existing key \(encryptionKey\), whose key policy this program does not manage: it must allow /);
        const useTheKey = "kms:Decrypt, kms:DescribeKey, kms:Encrypt, kms:ReEncrypt\\*, kms:GenerateDataKey\\*";
        for (const grant of [
            `${shippedDeployRoleArn} kms:Decrypt, kms:DescribeKey(;|$)`,
            `arn:aws:iam::111111111111:role/CrossAccountPipeline-CodePipelineService ${useTheKey}`,
            `arn:aws:iam::111111111111:role/CrossAccountPipeline-CodeBuildService ${useTheKey}`,
            `${shippedInstanceRoleArn} kms:Decrypt, kms:DescribeKey(;|$)`,
        ]) {
            assert.match(unverified.message!, new RegExp(grant), grant);
        }
        assert.ok(!findings.some((f) => f.check.action.startsWith("kms:") && f.check.resource === unverified.check.resource && f.result !== "NotVerified"));
        assert.ok(findings.some((f) => f.check.hop === "Staging/Deploy: the cross-account role reads artifacts" && f.result === "Allowed"));
    });

    it("names the missing role when the target stack is not deployed", async () => {
        const pipelineOnly = shippedResources.filter((r) => r.accountId !== "222222222222");
        const [missing] = failures(await verifyAccess(pipelineOnly)).filter((f) => f.result === "NotDeclared");
        assert.match(missing.message!, /arn:aws:iam::222222222222:role\/cross-account-pipeline\/111111111111\/CrossAccountPipeline\/deploy\/CrossAccount_Role is not declared by any stack/);
    });

    // One grant removed per hop: the hop fails, and the message names the policy that no longer allows it.
    const removedGrants: { policyOf: string; property: string; sid: string; hop: string; names: RegExp }[] = [
        { policyOf: "Staging-cross-account", property: "assumeRolePolicy", sid: "AllowPipelineRoleToAssumeRole", hop: "the pipeline role assumes the cross-account role", names: /the trust policy of arn:aws:iam::222222222222:role\/cross-account-pipeline\/111111111111\/CrossAccountPipeline\/deploy\/CrossAccount_Role does not allow sts:AssumeRole/ },
        { policyOf: "pipeline-roles-pipeline-policy", property: "policy", sid: "AssumeTargetDeployRoles", hop: "the pipeline role assumes the cross-account role", names: /the identity policy of arn:aws:iam::111111111111:role\/CrossAccountPipeline-CodePipelineService does not allow sts:AssumeRole/ },
        { policyOf: "Staging-cross-account-policy", property: "policy", sid: "ReadArtifacts", hop: "the cross-account role reads artifacts", names: /the identity policy of arn:aws:iam::222222222222:role\/cross-account-pipeline\/111111111111\/CrossAccountPipeline\/deploy\/CrossAccount_Role does not allow s3:GetObject/ },
        { policyOf: "pipeline-us-east-2-bucket-policy", property: "policy", sid: "AllowTargetRolesToReadArtifacts", hop: "the cross-account role reads artifacts", names: /the bucket policy of arn:aws:s3:::crossaccountpipeline-111111111111-us-east-2-artifacts\/.* does not allow s3:GetObject/ },
        { policyOf: "pipeline-us-east-2-key", property: "policy", sid: "AllowTargetRolesToDecrypt", hop: "the cross-account role decrypts with the artifact key", names: /the key policy of arn:aws:kms:us-east-2:111111111111:key\/.* does not allow kms:Decrypt/ },
        { policyOf: "Staging-cross-account-policy", property: "policy", sid: "DecryptArtifacts", hop: "the cross-account role decrypts with the artifact key", names: /the identity policy of .*CrossAccount_Role does not allow kms:Decrypt/ },
        { policyOf: "Staging-cross-account-policy", property: "policy", sid: "DeployToTheDeploymentGroup", hop: "the cross-account role creates a deployment in its deployment group", names: /the identity policy of .*CrossAccount_Role does not allow codedeploy:CreateDeployment by .* on .*deploymentgroup:AccountBApplicationName\/AccountBApplicationGroupName/ },
        { policyOf: "Staging-cross-account-policy", property: "policy", sid: "RegisterApplicationRevisions", hop: "the cross-account role registers the revision with its application", names: /CrossAccount_Role does not allow codedeploy:RegisterApplicationRevision by .* on arn:aws:codedeploy:us-east-2:222222222222:application:AccountBApplicationName$/ },
        { policyOf: "Staging-cross-account-policy", property: "policy", sid: "ReadTheDeploymentConfig", hop: "the cross-account role reads the deployment config", names: /CrossAccount_Role does not allow codedeploy:GetDeploymentConfig by .* on arn:aws:codedeploy:us-east-2:222222222222:deploymentconfig:CodeDeployDefault.OneAtATime$/ },
        { policyOf: "Staging-instance-policy", property: "policy", sid: "ReadArtifacts", hop: "the instance role reads artifacts", names: /the identity policy of .*Staging-CodeDeployInstance does not allow s3:GetObject/ },
        { policyOf: "pipeline-us-east-2-bucket-policy", property: "policy", sid: "AllowTargetRolesToReadArtifacts", hop: "the instance role reads artifacts", names: /the bucket policy of .* does not allow s3:GetObject by arn:aws:iam::222222222222:role\/cross-account-pipeline\/111111111111\/CrossAccountPipeline\/instance\/Staging-CodeDeployInstance/ },
        { policyOf: "pipeline-us-east-2-key", property: "policy", sid: "AllowTargetRolesToDecrypt", hop: "the instance role decrypts artifacts", names: /the key policy of .* does not allow kms:Decrypt by .*Staging-CodeDeployInstance/ },
        { policyOf: "pipeline-us-east-2-bucket-policy", property: "policy", sid: "DenyInsecureConnections", hop: "plain-HTTP reads are refused", names: /CrossAccount_Role may s3:GetObject on .*, which must be refused/ },
    ];
    const pipelineHop = (hop: string) => `CrossAccountPipeline: ${hop}`;
    removedGrants.push(
        // The bucket's guards, proven on the pipeline role, a writer: every upload must be SSE-KMS and name the artifact key.
        { policyOf: "pipeline-us-east-2-bucket-policy", property: "policy", sid: "DenyUploadsWithoutTheArtifactKey", hop: pipelineHop("uploads with another key are refused"), names: /CodePipelineService may s3:PutObject on .*, which must be refused/ },
        { policyOf: "pipeline-us-east-2-bucket-policy", property: "policy", sid: "DenyUploadsWithoutTheArtifactKey", hop: pipelineHop("uploads with SSE-KMS naming no key (S3 would use aws/s3) are refused"), names: /CodePipelineService may s3:PutObject on .*, which must be refused/ },
        { policyOf: "pipeline-roles-pipeline-policy", property: "policy", sid: "ReadSourceBundle", hop: pipelineHop("the pipeline role reads the source bundle"), names: /the identity policy of .*CrossAccountPipeline-CodePipelineService and the bucket policy of arn:aws:s3:::crossaccountpipeline-111111111111-us-east-2-source\/source.zip do not allow s3:GetObject/ },
        { policyOf: "pipeline-roles-pipeline-policy", property: "policy", sid: "RunBuild", hop: pipelineHop("the pipeline role starts the build"), names: /does not allow codebuild:StartBuild .* on arn:aws:codebuild:us-east-2:111111111111:project\/CrossAccountPipeline-Build/ },
        { policyOf: "pipeline-roles-pipeline-policy", property: "policy", sid: "ReadAndWriteArtifacts", hop: pipelineHop("the pipeline role writes artifacts with SSE-KMS"), names: /the identity policy of .*CodePipelineService and the bucket policy of .* do not allow s3:PutObject/ },
        { policyOf: "pipeline-roles-build-policy", property: "policy", sid: "UseArtifactKey", hop: pipelineHop("the build role decrypts with the artifact key"), names: /the identity policy of .*CrossAccountPipeline-CodeBuildService does not allow kms:Decrypt/ },
        { policyOf: "pipeline-roles-build-policy", property: "policy", sid: "ReadAndWriteArtifacts", hop: pipelineHop("the build role writes the build artifact with SSE-KMS"), names: /the identity policy of .*CodeBuildService and the bucket policy of .* do not allow s3:PutObject/ },
        { policyOf: "pipeline-roles-build-policy", property: "policy", sid: "WriteBuildLogs", hop: pipelineHop("the build role writes its logs (logs:CreateLogStream)"), names: /CodeBuildService does not allow logs:CreateLogStream .* on arn:aws:logs:us-east-2:111111111111:log-group:\/cross-account-pipeline\/CrossAccountPipeline\/build:log-stream:build-1$/ },
        { policyOf: "pipeline-source-trigger-role-policy", property: "policy", sid: "StartThePipeline", hop: pipelineHop("the source trigger starts the pipeline"), names: /CrossAccountPipeline-SourceTrigger does not allow codepipeline:StartPipelineExecution/ },
    );
    for (const removed of removedGrants) {
        it(`fails "${removed.hop}" when ${removed.policyOf} loses ${removed.sid}`, async () => {
            const findings = failures(await verifyAccess(withoutStatement(shippedResources, removed.policyOf, removed.property, removed.sid)));
            const hop = findings.find((f) => f.check.hop === (removed.hop.includes(": ") ? removed.hop : `Staging/Deploy: ${removed.hop}`));
            assert.ok(hop, `expected "${removed.hop}" to fail; failures: ${findings.map((f) => f.check.hop).join("; ") || "none"}`);
            assert.match(hop.message!, removed.names);
        });
    }

    it("refuses uploads without SSE-KMS by either guard: the walkthrough's, and the one requiring the artifact key, which such an upload does not name", async () => {
        const hop = pipelineHop("uploads without SSE-KMS are refused");
        const withoutWalkthroughs = withoutStatement(shippedResources, "pipeline-us-east-2-bucket-policy", "policy", "DenyUnEncryptedObjectUploads");
        assert.ok(!failures(await verifyAccess(withoutWalkthroughs)).some((f) => f.check.hop === hop));
        const withoutBoth = withoutStatement(withoutWalkthroughs, "pipeline-us-east-2-bucket-policy", "policy", "DenyUploadsWithoutTheArtifactKey");
        const failed = failures(await verifyAccess(withoutBoth)).find((f) => f.check.hop === hop);
        assert.match(failed?.message ?? "", /CodePipelineService may s3:PutObject on .*, which must be refused/);
    });

    /** A deep copy of the resources with one statement of a policy edited. */
    function withStatement(resourceName: string, property: string, sid: string, edit: (statement: PropertyBag) => void): DeclaredResource[] {
        return withPolicyEdited(shippedResources, resourceName, property, (document) => edit(statementWithSid(document, sid)));
    }
    const failedHops = async (resources: DeclaredResource[]) => failures(await verifyAccess(resources)).map((f) => f.check.hop);

    it("refuses a target account's other roles only while the grants name the pipeline's paths, trailing '/' included", async () => {
        // The account roots alone would let in every principal of the target account.
        const unnarrowed = withStatement("pipeline-us-east-2-bucket-policy", "policy", "AllowTargetRolesToReadArtifacts", (st) => { delete st.Condition; });
        assert.deepEqual(await failedHops(unnarrowed), [
            "Staging/Deploy: another admin of account 222222222222 cannot read artifacts",
            "Staging/Deploy: a role of account 222222222222 under another pipeline's path cannot read artifacts",
        ]);
        // A prefix without its closing '/' would let in the roles of a pipeline whose name starts like this one's.
        const prefix = withStatement("pipeline-us-east-2-key", "policy", "AllowTargetRolesToDecrypt", (st) => {
            st.Condition.ArnLike["aws:PrincipalArn"] = st.Condition.ArnLike["aws:PrincipalArn"].map((p: string) => p.replace(/\/CrossAccountPipeline\/(deploy|instance)\/\*$/, "/CrossAccountPipeline*"));
        });
        assert.deepEqual(await failedHops(prefix), ["Staging/Deploy: a role of account 222222222222 under another pipeline's path cannot decrypt artifacts"]);
    });

    it("lets CodeDeploy pass the instance role, to EC2 only, where it launches a fleet, and fails the plan when that grant widens or goes", async () => {
        const passRoleHops = (findings: AccessFinding[]) => findings.filter((f) => f.check.action === "iam:PassRole").map((f) => [f.check.hop, f.check.expect, f.ok]);
        assert.deepEqual(passRoleHops(await verifyAccess(shippedResources)), [], "no fleet, nothing to launch, no role to pass");
        const { resources } = await runAllInOne([stagingEntry({ fleet: true })]);
        assert.deepEqual(passRoleHops(await verifyAccess(resources)), [
            ["Staging/Deploy: CodeDeploy's service role passes the instance role to EC2, to launch the fleet", "allowed", true],
            ["Staging/Deploy: CodeDeploy's service role cannot pass the instance role to another service", "denied", true],
            ["Staging/Deploy: CodeDeploy's service role cannot pass the cross-account role to EC2", "denied", true],
        ]);
        const anyRoleAnywhere = withPolicyEdited(resources, "Staging-codedeploy-fleet-policy", "policy", (document) => {
            const statement = statementWithSid(document, "PassTheInstanceRoleToEc2");
            statement.Resource = "*";
            delete statement.Condition;
        });
        assert.deepEqual(await failedHops(anyRoleAnywhere), [
            "Staging/Deploy: CodeDeploy's service role cannot pass the instance role to another service",
            "Staging/Deploy: CodeDeploy's service role cannot pass the cross-account role to EC2",
        ]);
        assert.deepEqual(await failedHops(withoutStatement(resources, "Staging-codedeploy-fleet-policy", "policy", "PassTheInstanceRoleToEc2")),
            ["Staging/Deploy: CodeDeploy's service role passes the instance role to EC2, to launch the fleet"]);
        // Two fleet targets in one account: each CodeDeploy role launches with its own target's instance role, not the other's.
        const twoFleets = (await runAllInOne([stagingEntry({ fleet: true }), targetEntry("Canary", targetAccountId, { fleet: true })])).resources;
        const passed = (await verifyAccess(twoFleets)).filter((f) => f.check.action === "iam:PassRole" && f.check.resource.endsWith("Instance"));
        const roleName = (roleArn: string) => roleArn.split("/").pop();
        assert.deepEqual(passed.map((f) => [roleName(f.check.principal), roleName(f.check.resource), f.check.context["iam:PassedToService"], f.check.expect, f.ok]), [
            ["Staging-CodeDeployService", "Staging-CodeDeployInstance", "ec2.amazonaws.com", "allowed", true],
            ["Staging-CodeDeployService", "Staging-CodeDeployInstance", "lambda.amazonaws.com", "denied", true],
            ["Staging-CodeDeployService", "Canary-CodeDeployInstance", "ec2.amazonaws.com", "denied", true],
            ["Canary-CodeDeployService", "Canary-CodeDeployInstance", "ec2.amazonaws.com", "allowed", true],
            ["Canary-CodeDeployService", "Canary-CodeDeployInstance", "lambda.amazonaws.com", "denied", true],
            ["Canary-CodeDeployService", "Staging-CodeDeployInstance", "ec2.amazonaws.com", "denied", true],
        ]);
        const passesAnyInstanceRole = withPolicyEdited(twoFleets, "Staging-codedeploy-fleet-policy", "policy", (document) => {
            statementWithSid(document, "PassTheInstanceRoleToEc2").Resource = `arn:aws:iam::${targetAccountId}:role/*Instance`;
        });
        assert.deepEqual(await failedHops(passesAnyInstanceRole), ["Staging/Deploy: CodeDeploy's service role cannot pass Canary-CodeDeployInstance, another target's instance role, to EC2"]);
    });

    it("keeps the pipeline role to its target accounts only while aws:ResourceAccount names them", async () => {
        const anyAccount = withStatement("pipeline-roles-pipeline-policy", "policy", "AssumeTargetDeployRoles", (st) => { delete st.Condition; });
        assert.deepEqual(await failedHops(anyAccount), ["Staging/Deploy: the pipeline role cannot assume a deploy role of an account it does not deploy to"]);
        const anyRole = withStatement("pipeline-roles-pipeline-policy", "policy", "AssumeTargetDeployRoles", (st) => { st.Resource = "arn:aws:iam::*:role/*"; });
        assert.deepEqual(await failedHops(anyRole), ["Staging/Deploy: the pipeline role cannot assume another role of account 222222222222 that trusts the pipeline account"]);
    });

    it("with an organization, proves every hop for its members and refuses the deploy role of an account outside it", async () => {
        const run = await runAllInOne(targetsOf(shipped("accountA").config), { organizationId: "o-a1b2c3d4e5" });
        const findings = await verifyAccess(run.resources);
        assert.deepEqual(failures(findings).map((f) => `${f.check.hop}: ${f.message}`), []);
        const outside = findings.find((f) => f.check.hop === "Staging/Deploy: the cross-account role, were account 222222222222 outside organization o-a1b2c3d4e5, could not read artifacts");
        assert.equal(outside?.result, "ImplicitlyDenied");
        // Without the organization's condition, the same request would be allowed: the check proves the condition.
        const unconditioned = withPolicyEdited(run.resources, "pipeline-us-east-2-bucket-policy", "policy", (document) => {
            delete statementWithSid(document, "AllowTargetRolesToReadArtifacts").Condition.StringEquals;
        });
        assert.deepEqual(failures(await verifyAccess(unconditioned)).map((f) => f.check.hop), [
            "Staging/Deploy: the cross-account role, were account 222222222222 outside organization o-a1b2c3d4e5, could not read artifacts",
        ]);
    });

    it("refuses every other role of the pipeline account only while the trust's aws:PrincipalArn names the pipeline role", async () => {
        const widened = withPolicyEdited(shippedResources, "Staging-cross-account", "assumeRolePolicy", (trust) => {
            assert.deepEqual(trust.Statement[0].Principal, { AWS: "arn:aws:iam::111111111111:root" });
            delete trust.Statement[0].Condition;
        });
        const failed = failures(await verifyAccess(widened)).map((f) => f.check.hop);
        assert.deepEqual(failed, ["Staging/Deploy: another role of the pipeline account cannot assume the cross-account role"]);
    });

    it("keeps the cross-account role from other keys with its key/* identity policy: its own account's by that policy, the pipeline account's by their key policies", async () => {
        const widened = withPolicyEdited(shippedResources, "Staging-cross-account-policy", "policy", (document) => {
            statementWithSid(document, "DecryptArtifacts").Resource = "*";
        });
        const failed = failures(await verifyAccess(widened)).map((f) => f.check.hop);
        assert.deepEqual(failed, ["Staging/Deploy: the cross-account role cannot use a key of its own account"]);
    });
});
