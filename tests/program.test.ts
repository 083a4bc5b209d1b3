import * as pulumi from "@pulumi/pulumi";
import * as assert from "node:assert/strict";
import { ProgramRun, runProgram } from "../evaluation/runProgram";
import { pipelineStackNoLongerRead } from "../config";
import { qualifiedConfig, shipped, shippedDeployRoleArn, shippedInstanceRoleArn, targetStackName } from "./fixtures";
import { europe, production, resourcesOf, runAllInOne, runShippedStacks, targetsOf } from "./support/stacks";

const json = (value: unknown) => (typeof value === "string" ? JSON.parse(value) : value);

describe("the program, stack by stack as shipped", () => {
    let pipeline: ProgramRun;
    let target: ProgramRun;
    before(async () => ({ pipeline, target } = await runShippedStacks()));

    it("exports the pipeline part from accountA and only that", () => {
        assert.deepEqual(Object.keys(pipeline.outputs).sort(), ["artifactBucketName", "artifactKeyArn", "artifactStores", "deployRoleArns", "pipelineName", "pipelineRoleArn", "sourceBucketName"]);
        assert.equal(pipeline.outputs.pipelineName, "CrossAccountPipeline");
        assert.match(pipeline.outputs.artifactKeyArn, /^arn:aws:kms:us-east-2:111111111111:key\//);
        assert.equal(pipeline.outputs.pipelineRoleArn, "arn:aws:iam::111111111111:role/CrossAccountPipeline-CodePipelineService");
        assert.equal(pipeline.outputs.artifactBucketName, "crossaccountpipeline-111111111111-us-east-2-artifacts");
        assert.equal(pipeline.outputs.sourceBucketName, "crossaccountpipeline-111111111111-us-east-2-source");
    });

    it("exports the target part from accountB, keyed by target name", () => {
        assert.deepEqual(target.outputs, {
            targets: {
                Staging: {
                    crossAccountRoleArn: shippedDeployRoleArn,
                    instanceRoleArn: shippedInstanceRoleArn,
                    applicationName: "AccountBApplicationName",
                    deploymentGroupName: "AccountBApplicationGroupName",
                },
            },
        });
    });

    it("assumes in the pipeline exactly the role the target stack exports", () => {
        assert.equal(pipeline.outputs.deployRoleArns.Staging, target.outputs.targets.Staging.crossAccountRoleArn);
    });

    it("creates a rotating symmetric customer managed key in the pipeline region, with an alias", () => {
        const [key] = resourcesOf(pipeline, "aws:kms/key:Key");
        assert.equal(key.inputs.enableKeyRotation, true);
        assert.equal(key.inputs.customerMasterKeySpec, "SYMMETRIC_DEFAULT");
        assert.equal(key.region, "us-east-2");
        assert.equal(resourcesOf(pipeline, "aws:kms/alias:Alias")[0].inputs.name, "alias/CrossAccountPipeline-Key");
    });

    it("gives the artifact bucket the baseline: versioning, public access block, owner-enforced, SSE-KMS with bucket keys, expiry of replaced versions only", () => {
        const bucket = pipeline.outputs.artifactBucketName;
        const on = (type: string) => resourcesOf(pipeline, type).find((r) => r.inputs.bucket === bucket);
        assert.equal(on("aws:s3/bucketVersioning:BucketVersioning")?.inputs.versioningConfiguration.status, "Enabled");
        assert.deepEqual(
            Object.values(on("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")!.inputs).filter((v) => v === true).length, 4);
        assert.equal(on("aws:s3/bucketOwnershipControls:BucketOwnershipControls")?.inputs.rule.objectOwnership, "BucketOwnerEnforced");
        const [rule] = on("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")!.inputs.rules;
        assert.deepEqual(rule, { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: pipeline.outputs.artifactKeyArn }, bucketKeyEnabled: true });
        // Current artifacts no longer expire after artifactRetentionDays: CodeDeploy redeploys a group's last successful revision from here.
        const [lifecycle] = on("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")!.inputs.rules;
        assert.equal(lifecycle.expiration.days, undefined, "current artifacts never expire");
        assert.equal(lifecycle.noncurrentVersionExpiration.noncurrentDays, 30);
    });

    it("builds Source, Build and a deploy stage named after the target, with the key by ARN", () => {
        const [definition] = resourcesOf(pipeline, "aws:codepipeline/pipeline:Pipeline");
        assert.deepEqual(definition.inputs.stages.map((s: { name: string }) => s.name), ["Source", "Build", "Staging"]);
        const [deploy] = definition.inputs.stages[2].actions;
        assert.equal(deploy.roleArn, shippedDeployRoleArn);
        assert.deepEqual(deploy.configuration, { ApplicationName: "AccountBApplicationName", DeploymentGroupName: "AccountBApplicationGroupName" });
        assert.deepEqual(definition.inputs.artifactStores, [{
            location: pipeline.outputs.artifactBucketName, type: "S3", encryptionKey: { id: pipeline.outputs.artifactKeyArn, type: "KMS" },
        }]);
        const [project] = resourcesOf(pipeline, "aws:codebuild/project:Project");
        assert.equal(project.inputs.encryptionKey, pipeline.outputs.artifactKeyArn);
    });

    it("starts the pipeline through EventBridge when a new source bundle is uploaded, with a role that may start only it", () => {
        const sourceBucket = pipeline.outputs.sourceBucketName;
        assert.equal(resourcesOf(pipeline, "aws:s3/bucketNotification:BucketNotification")[0].inputs.bucket, sourceBucket);
        assert.equal(resourcesOf(pipeline, "aws:s3/bucketNotification:BucketNotification")[0].inputs.eventbridge, true);
        const [rule] = resourcesOf(pipeline, "aws:cloudwatch/eventRule:EventRule");
        assert.deepEqual(json(rule.inputs.eventPattern), {
            "source": ["aws.s3"], "detail-type": ["Object Created"], "detail": { bucket: { name: [sourceBucket] }, object: { key: ["source.zip"] } },
        });
        const [target] = resourcesOf(pipeline, "aws:cloudwatch/eventTarget:EventTarget");
        const [definition] = resourcesOf(pipeline, "aws:codepipeline/pipeline:Pipeline");
        assert.equal(target.inputs.arn, definition.state.arn);
        assert.equal(target.inputs.roleArn, "arn:aws:iam::111111111111:role/CrossAccountPipeline-SourceTrigger");
        const trust = json(resourcesOf(pipeline, "aws:iam/role:Role").find((r) => r.inputs.name === "CrossAccountPipeline-SourceTrigger")!.inputs.assumeRolePolicy);
        assert.deepEqual(trust.Statement[0].Condition, {
            StringEquals: { "aws:SourceAccount": "111111111111" },
            ArnLike: { "aws:SourceArn": "arn:aws:events:us-east-2:111111111111:rule/CrossAccountPipeline-SourceChanged" },
        });
        assert.equal(definition.inputs.stages[0].actions[0].configuration.PollForSourceChanges, "false");
    });

    it("declares the build's log group with its retention, and the project writes there, so that pulumi destroy removes the logs", () => {
        const [logGroup] = resourcesOf(pipeline, "aws:cloudwatch/logGroup:LogGroup");
        assert.deepEqual([logGroup.inputs.name, logGroup.inputs.retentionInDays, logGroup.region], ["/cross-account-pipeline/CrossAccountPipeline/build", 90, "us-east-2"]);
        const [project] = resourcesOf(pipeline, "aws:codebuild/project:Project");
        assert.deepEqual(project.inputs.logsConfig, { cloudwatchLogs: { status: "ENABLED", groupName: "/cross-account-pipeline/CrossAccountPipeline/build" } });
        assert.ok(!logGroup.registration?.retainOnDelete && !logGroup.registration?.protect, "removed with the stack");
    });

    it("keeps the build's logs as long as buildLogRetentionDays says", async () => {
        const a = shipped("accountA");
        const run = await runProgram({ stack: "accountA", config: { ...a.config, "cross-account-pipeline:buildLogRetentionDays": "365" }, stackOutputs: { [targetStackName]: target.outputs } });
        assert.equal(resourcesOf(run, "aws:cloudwatch/logGroup:LogGroup")[0].inputs.retentionInDays, 365);
    });

    it("trusts in the target account the pipeline account narrowed to exactly the pipeline role, named from config", () => {
        const role = resourcesOf(target, "aws:iam/role:Role").find((r) => r.inputs.name === "CrossAccount_Role")!;
        assert.deepEqual(json(role.inputs.assumeRolePolicy).Statement, [{
            Sid: "AllowPipelineRoleToAssumeRole", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "sts:AssumeRole",
            Condition: { ArnEquals: { "aws:PrincipalArn": [pipeline.outputs.pipelineRoleArn] } },
        }]);
        assert.deepEqual(resourcesOf(target, "pulumi:pulumi:StackReference"), [], "a target stack reads no other stack");
    });

    it("names in the target's policies the artifact bucket by its name and the key by the pipeline account's keys of that region", () => {
        const policy = json(resourcesOf(target, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "Staging-cross-account-policy")!.inputs.policy);
        const resources = (sid: string) => policy.Statement.find((s: { Sid: string }) => s.Sid === sid).Resource;
        assert.equal(resources("ReadArtifacts"), `arn:aws:s3:::${pipeline.outputs.artifactBucketName}/*`);
        assert.equal(resources("DecryptArtifacts"), "arn:aws:kms:us-east-2:111111111111:key/*");
    });

    it("reads in the pipeline stack each target's role from the stack that deploys it, and assumes that role", () => {
        const [reference] = resourcesOf(pipeline, "pulumi:pulumi:StackReference");
        assert.equal(reference.inputs.name, "organization/cross-account-pipeline/accountB");
        const [definition] = resourcesOf(pipeline, "aws:codepipeline/pipeline:Pipeline");
        assert.ok(definition.registration!.dependencies.some((urn) => urn.endsWith("pulumi:pulumi:StackReference::organization/cross-account-pipeline/accountB")),
            "the pipeline waits for the target stack's output");
        assert.equal(definition.inputs.stages[2].actions[0].roleArn, target.outputs.targets.Staging.crossAccountRoleArn);
    });

    it("makes the pipeline wait for its role's policy and the versioning of its source bucket", () => {
        const [definition] = resourcesOf(pipeline, "aws:codepipeline/pipeline:Pipeline");
        const waitsFor = definition.registration!.dependencies.map((urn) => urn.split("::").pop());
        assert.ok(waitsFor.includes("pipeline-roles-pipeline-policy"), waitsFor.join(", "));
        assert.ok(waitsFor.includes("pipeline-source-versioning"), waitsFor.join(", "));
    });

    it("declares the CodeDeploy application and a deployment group in it picking instances by its own tag", () => {
        const [group] = resourcesOf(target, "aws:codedeploy/deploymentGroup:DeploymentGroup");
        const [application] = resourcesOf(target, "aws:codedeploy/application:Application");
        assert.equal(application.inputs.name, "AccountBApplicationName");
        assert.equal(group.inputs.appName, application.inputs.name);
        assert.ok(group.registration!.dependencies.includes(application.registration!.urn), "the group waits for its application");
        assert.equal(group.inputs.deploymentGroupName, "AccountBApplicationGroupName");
        assert.deepEqual(group.inputs.ec2TagSets, [{ ec2TagFilters: [{ key: "CodeDeployDeploymentGroup", value: "AccountBApplicationName/AccountBApplicationGroupName", type: "KEY_AND_VALUE" }] }]);
        assert.equal(resourcesOf(target, "aws:iam/instanceProfile:InstanceProfile")[0].inputs.role, "Staging-CodeDeployInstance");
    });

    it("previews the pipeline stack before its target stack has outputs, with the action's role unknown", async () => {
        const a = shipped("accountA");
        const preview = await runProgram({ stack: "accountA", config: a.config, preview: true, stackOutputs: { [targetStackName]: {} } });
        const [definition] = resourcesOf(preview, "aws:codepipeline/pipeline:Pipeline");
        assert.ok(pulumi.isUnknown(definition.inputs.stages), "the stages wait for the target's role");
        assert.equal(resourcesOf(preview, "aws:kms/key:Key").length, 1);
    });

    it("refuses to update the pipeline stack before its target stack has been deployed, naming the stack to run first", async () => {
        const a = shipped("accountA");
        await assert.rejects(
            runProgram({ stack: "accountA", config: a.config, stackOutputs: { [targetStackName]: {} } }),
            (error: Error) => {
                // One line, without a stack trace (a RunError); Pulumi prefixes the input it was computing.
                assert.ok(pulumi.RunError.isInstance(error), "a RunError: Pulumi prints no stack trace");
                assert.match(error.message, /^(error serializing property "\w+": )*target stack organization\/cross-account-pipeline\/accountB has no output targets\.Staging\.crossAccountRoleArn: run `pulumi up -s accountB` before the pipeline stack$/);
                return true;
            },
        );
    });

    it("refuses a target stack that exports another role than the pipeline stack's config names", async () => {
        const a = shipped("accountA");
        const exported = { targets: { Staging: { ...target.outputs.targets.Staging, crossAccountRoleArn: "arn:aws:iam::222222222222:role/Deployer" } } };
        await assert.rejects(runProgram({ stack: "accountA", config: a.config, stackOutputs: { [targetStackName]: exported } }), (error: Error) => {
            assert.ok(pulumi.RunError.isInstance(error));
            assert.match(error.message, /^(error serializing property "\w+": )*target stack organization\/cross-account-pipeline\/accountB exports targets\.Staging\.crossAccountRoleArn arn:aws:iam::222222222222:role\/Deployer, but this stack's config makes the deploy action assume arn:aws:iam::222222222222:role\/cross-account-pipeline\/111111111111\/CrossAccountPipeline\/deploy\/CrossAccount_Role: the two stack files disagree on target Staging \(accountId, region or crossAccountRoleName, or the pipeline's pipelineAccountId or pipelineName, which make its path\)$/);
            return true;
        });
    });

    it("warns that pipelineStack, still accepted, is no longer needed", async () => {
        const b = shipped("accountB");
        const run = await runProgram({ stack: "accountB", config: { ...b.config, "cross-account-pipeline:pipelineStack": "organization/cross-account-pipeline/accountA" } });
        assert.deepEqual(run.warnings, [pipelineStackNoLongerRead]);
        assert.match(pipelineStackNoLongerRead, /^pipelineStack: no longer needed and can be removed/);
        assert.deepEqual(target.warnings, []);
    });
});

describe("the program in one stack (deploy: all)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runAllInOne([...targetsOf(shipped("accountA").config), production]);
    });

    it("creates the pipeline after every action role, its policy, and the pipeline role's policy", () => {
        const [definition] = resourcesOf(run, "aws:codepipeline/pipeline:Pipeline");
        const waitsFor = definition.registration!.dependencies.map((urn) => urn.split("::").pop());
        for (const name of ["Staging-cross-account", "Staging-cross-account-policy", "Production-cross-account", "Production-cross-account-policy", "pipeline-roles-pipeline-policy"]) {
            assert.ok(waitsFor.includes(name), `the pipeline waits for ${name}: ${waitsFor.join(", ")}`);
        }
        assert.deepEqual(resourcesOf(run, "pulumi:pulumi:StackReference"), [], "one stack reads no other");
    });

    it("declares both accounts' resources, each through its own provider", () => {
        const accounts = new Set(run.resources.filter((r) => r.type.startsWith("aws:")).map((r) => r.accountId));
        assert.deepEqual([...accounts].sort(), ["111111111111", "222222222222", "333333333333"]);
        assert.deepEqual(resourcesOf(run, "pulumi:providers:aws").map((p) => p.name).sort(), ["pipeline-account", "target-Production", "target-Staging"]);
    });

    it("exports both parts, and each target's role is the one its deploy action assumes", () => {
        assert.deepEqual(Object.keys(run.outputs.targets).sort(), ["Production", "Staging"]);
        for (const [name, exported] of Object.entries<{ crossAccountRoleArn: string }>(run.outputs.targets)) {
            assert.equal(run.outputs.deployRoleArns[name], exported.crossAccountRoleArn);
        }
    });

    it("puts a manual approval before the target that asks for one, and none before the other", () => {
        const stages = resourcesOf(run, "aws:codepipeline/pipeline:Pipeline")[0].inputs.stages;
        const production = stages.find((s: { name: string }) => s.name === "Production");
        assert.deepEqual(production.actions.map((a: { provider: string; runOrder: number }) => [a.provider, a.runOrder]), [["Manual", 1], ["CodeDeploy", 2]]);
        const staging = stages.find((s: { name: string }) => s.name === "Staging");
        assert.deepEqual(staging.actions.map((a: { provider: string }) => a.provider), ["CodeDeploy"]);
    });
});

describe("a CodeStar connection source", () => {
    it("uses the connection in the Source stage and needs no source bucket or trigger", async () => {
        const connectionArn = "arn:aws:codestar-connections:us-east-2:111111111111:connection/abcd-1234";
        const run = await runAllInOne(targetsOf(shipped("accountA").config), { source: { provider: "CodeStarSourceConnection", connectionArn, repository: "acme/web" } });
        const [definition] = resourcesOf(run, "aws:codepipeline/pipeline:Pipeline");
        assert.deepEqual(definition.inputs.stages[0].actions[0].configuration, { ConnectionArn: connectionArn, FullRepositoryId: "acme/web", BranchName: "main", OutputArtifactFormat: "CODE_ZIP" });
        assert.equal(run.outputs.sourceBucketName, undefined);
        assert.deepEqual(resourcesOf(run, "aws:cloudwatch/eventRule:EventRule"), []);
        const pipelinePolicy = json(resourcesOf(run, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "pipeline-roles-pipeline-policy")!.inputs.policy);
        assert.deepEqual(pipelinePolicy.Statement.find((s: { Sid: string }) => s.Sid === "UseSourceConnection").Resource, connectionArn);
    });
});

describe("targets in another region than the pipeline", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runAllInOne([...targetsOf(shipped("accountA").config), { ...production, requireApproval: false }, europe]);
    });

    it("creates one artifact store per region, each with its own key in that region", () => {
        const keys = resourcesOf(run, "aws:kms/key:Key");
        assert.deepEqual(keys.map((k) => k.region).sort(), ["eu-west-1", "us-east-2"]);
        assert.deepEqual(Object.keys(run.outputs.artifactStores).sort(), ["eu-west-1", "us-east-2"]);
        const europeBucket = resourcesOf(run, "aws:s3/bucket:Bucket").find((b) => b.region === "eu-west-1")!;
        assert.equal(europeBucket.inputs.bucket, "crossaccountpipeline-111111111111-eu-west-1-artifacts");
        assert.equal(europeBucket.accountId, "111111111111");
    });

    it("names every store's region in the pipeline and the region of the deploy action outside the pipeline region", () => {
        const pipeline = resourcesOf(run, "aws:codepipeline/pipeline:Pipeline")[0];
        assert.deepEqual(pipeline.inputs.artifactStores.map((s: { region: string }) => s.region), ["us-east-2", "eu-west-1"]);
        const deployOf = (stage: string) => pipeline.inputs.stages.find((s: { name: string }) => s.name === stage).actions[0];
        assert.equal(deployOf("Europe").region, "eu-west-1");
        assert.equal(deployOf("Staging").region, undefined);
    });

    it("grants each target only on its region's store: the Europe roles on the eu-west-1 bucket and key", () => {
        const europePolicy = resourcesOf(run, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "Europe-cross-account-policy")!;
        const document = json(europePolicy.inputs.policy);
        const bucketStatement = document.Statement.find((s: { Sid: string }) => s.Sid === "ReadArtifacts");
        assert.equal(bucketStatement.Resource, "arn:aws:s3:::crossaccountpipeline-111111111111-eu-west-1-artifacts/*");
        // The eu-west-1 keys of the pipeline account: the eu-west-1 key's policy is the one that grants the role.
        assert.equal(document.Statement.find((s: { Sid: string }) => s.Sid === "DecryptArtifacts").Resource, "arn:aws:kms:eu-west-1:111111111111:key/*");
        const europeKeyPolicy = json(resourcesOf(run, "aws:kms/key:Key").find((k) => k.region === "eu-west-1")!.inputs.policy);
        assert.ok(JSON.stringify(europeKeyPolicy).includes("arn:aws:iam::444444444444:root"));
        const homeKeyPolicy = json(resourcesOf(run, "aws:kms/key:Key").find((k) => k.region === "us-east-2")!.inputs.policy);
        assert.ok(!JSON.stringify(homeKeyPolicy).includes("444444444444"), "the us-east-2 key must not grant the Europe account");
        const homeBucketPolicy = resourcesOf(run, "aws:s3/bucketPolicy:BucketPolicy").find((p) => p.inputs.bucket.includes("us-east-2-artifacts"))!;
        assert.ok(!JSON.stringify(json(homeBucketPolicy.inputs.policy)).includes("444444444444"), "the us-east-2 bucket must not grant the Europe account");
    });

    it("declares the target's CodeDeploy resources in the target's region", () => {
        const europeGroup = resourcesOf(run, "aws:codedeploy/deploymentGroup:DeploymentGroup").find((g) => g.accountId === "444444444444")!;
        assert.equal(europeGroup.region, "eu-west-1");
        assert.deepEqual(JSON.parse(resourcesOf(run, "pulumi:providers:aws").find((p) => p.name === "target-Europe")!.inputs.allowedAccountIds), ["444444444444"]);
    });
});

describe("the program refuses bad config before declaring anything", () => {
    it("reports every problem at once and declares no resource", async () => {
        const config = qualifiedConfig("accountA", { deploy: "everything", region: "mars-1" });
        await assert.rejects(runProgram({ stack: "bad", config }), (error: Error) => {
            assert.match(error.message, /deploy: "everything" is not a valid value; expected one of: pipeline, target, all/);
            assert.match(error.message, /region: "mars-1" is not an AWS region name/);
            return true;
        });
    });
});
