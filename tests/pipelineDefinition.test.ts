import { strict as assert } from "node:assert";
import type { ExtraActionConfig, SourceConfig, TargetConfig } from "../config";
import {
    ActionDeclaration, artifactRuleViolations, artifactStoreDeclarations, artifactStoreRegions, buildArtifact, deployRoleArn, duplicateNames, duplicateStageNames,
    PipelineShape, pipelineRoleArn, pipelineStages, sourceArtifact, StageDeclaration, storeNameForTargets, waveStages, wavesOf, withActionRoleArns,
} from "../definition/pipeline";
import { pipelineAccountId, target, targetAccountId } from "./fixtures";

const productionAccountId = "333333333333";
const region = "us-east-2";

function shape(fields: Partial<PipelineShape> = {}): PipelineShape {
    return {
        region,
        pipelineAccountId,
        pipelineName: "Pipe",
        targets: [target("Staging", targetAccountId)],
        waves: [],
        source: { provider: "S3", objectKey: "source.zip" },
        extraActions: [],
        ...fields,
    };
}

/** An extra action of the pipeline account unless `target` is set. */
function extra(stage: string, name: string, fields: Partial<ExtraActionConfig> = {}): ExtraActionConfig {
    return {
        stage, name, category: "Test", owner: "AWS", provider: "CodeBuild", version: "1",
        inputArtifacts: [], outputArtifacts: [], configuration: { ProjectName: "Checks" }, runOrder: 2, ...fields,
    };
}

function stage(stages: StageDeclaration[], name: string): StageDeclaration {
    const found = stages.find((s) => s.name === name);
    assert.ok(found, `stage ${name} among ${stages.map((s) => s.name).join(", ")}`);
    return found;
}

function action(stages: StageDeclaration[], stageName: string, actionName: string): ActionDeclaration {
    const found = stage(stages, stageName).actions.find((a) => a.name === actionName);
    assert.ok(found, `action ${actionName} in stage ${stageName}`);
    return found;
}

describe("pipelineStages", () => {
    const twoTargets = [target("Staging", targetAccountId), target("Production", productionAccountId)];

    it("has Source, then Build, then one stage per target named after it, in the order given", () => {
        assert.deepEqual(pipelineStages(shape({ targets: twoTargets })).map((s) => s.name), ["Source", "Build", "Staging", "Production"]);
        assert.deepEqual(pipelineStages(shape({ targets: [...twoTargets].reverse() })).map((s) => s.name), ["Source", "Build", "Production", "Staging"]);
    });

    it("builds from the source artifact and deploys the build artifact", () => {
        const stages = pipelineStages(shape());
        assert.deepEqual(action(stages, "Source", "Source").outputArtifacts, [sourceArtifact]);
        assert.deepEqual(action(stages, "Build", "Build").inputArtifacts, [sourceArtifact]);
        assert.deepEqual(action(stages, "Build", "Build").outputArtifacts, [buildArtifact]);
        assert.deepEqual(action(stages, "Staging", "Deploy").inputArtifacts, [buildArtifact]);
    });

    describe("each target's deploy action", () => {
        const staging = target("Staging", targetAccountId, { crossAccountRoleName: "CrossAccount_Role", applicationName: "App", deploymentGroupName: "Group" });
        const deploy = () => action(pipelineStages(shape({ targets: [staging, target("Production", productionAccountId)] })), "Staging", "Deploy");

        it("assumes that target's cross-account role, under the pipeline's deploy path", () => {
            const roleArn = `arn:aws:iam::${targetAccountId}:role/cross-account-pipeline/${pipelineAccountId}/Pipe/deploy/CrossAccount_Role`;
            assert.equal(deploy().roleArn, roleArn);
            assert.equal(deployRoleArn(shape(), staging), roleArn);
        });

        it("deploys with CodeDeploy to that target's application and deployment group", () => {
            const { category, provider, configuration } = deploy();
            assert.deepEqual({ category, provider, configuration }, {
                category: "Deploy", provider: "CodeDeploy", configuration: { ApplicationName: "App", DeploymentGroupName: "Group" },
            });
        });

        it("uses the partition of the target's region in the role ARN", () => {
            assert.equal(deployRoleArn(shape(), target("China", targetAccountId, { region: "cn-north-1" })),
                `arn:aws-cn:iam::${targetAccountId}:role/cross-account-pipeline/${pipelineAccountId}/Pipe/deploy/China-CrossAccount`);
        });

        it("is alone in its stage without approval", () => {
            assert.deepEqual(stage(pipelineStages(shape()), "Staging").actions.map((a) => a.name), ["Deploy"]);
        });

        it("comes after a manual approval when the target requires one", () => {
            const actions = stage(pipelineStages(shape({ targets: [target("Staging", targetAccountId, { requireApproval: true })] })), "Staging").actions;
            assert.deepEqual(actions.map((a) => [a.name, a.category, a.provider, a.runOrder]), [
                ["Approve", "Approval", "Manual", 1],
                ["Deploy", "Deploy", "CodeDeploy", 2],
            ]);
            assert.equal(actions[0].roleArn, undefined, "the approval runs in the pipeline account");
        });

        it("names a region only for a target outside the pipeline's region", () => {
            const stages = pipelineStages(shape({ targets: [target("Staging", targetAccountId), target("West", productionAccountId, { region: "us-west-2" })] }));
            assert.ok(!("region" in action(stages, "Staging", "Deploy")), "no region in the pipeline's region");
            assert.equal(action(stages, "West", "Deploy").region, "us-west-2");
        });
    });

    describe("the source action", () => {
        it("reads the configured object from the pipeline account's source bucket", () => {
            const source = action(pipelineStages(shape({ source: { provider: "S3", objectKey: "app/bundle.zip" } })), "Source", "Source");
            assert.equal(source.provider, "S3");
            assert.deepEqual(source.configuration, { S3Bucket: `pipe-${pipelineAccountId}-${region}-source`, S3ObjectKey: "app/bundle.zip", PollForSourceChanges: "false" });
        });

        it("reads a CodeStar connection's repository and branch", () => {
            const codeStar: SourceConfig = { provider: "CodeStarSourceConnection", connectionArn: `arn:aws:codestar-connections:${region}:${pipelineAccountId}:connection/abcd-1234`, repository: "owner/app", branch: "release" };
            const source = action(pipelineStages(shape({ source: codeStar })), "Source", "Source");
            assert.equal(source.provider, "CodeStarSourceConnection");
            assert.deepEqual(source.configuration, {
                ConnectionArn: codeStar.connectionArn, FullRepositoryId: "owner/app", BranchName: "release", OutputArtifactFormat: "CODE_ZIP",
            });
            assert.deepEqual(source.outputArtifacts, [sourceArtifact]);
        });
    });

    describe("extra actions", () => {
        it("are placed in their stage and ordered by runOrder, whatever their order in config", () => {
            const stages = pipelineStages(shape({
                extraActions: [
                    extra("Staging", "SmokeTest", { runOrder: 3 }),
                    extra("Build", "Lint", { runOrder: 1, inputArtifacts: [sourceArtifact] }),
                    extra("Staging", "Warmup", { runOrder: 2 }),
                ],
            }));
            assert.deepEqual(stage(stages, "Staging").actions.map((a) => [a.name, a.runOrder]), [["Deploy", 1], ["Warmup", 2], ["SmokeTest", 3]]);
            assert.deepEqual(stage(stages, "Build").actions.map((a) => a.name).sort(), ["Build", "Lint"]);
            assert.deepEqual(stage(stages, "Source").actions.map((a) => a.name), ["Source"]);
        });

        it("run as a target's cross-account role, in its region, only when they name the target", () => {
            const west = target("West", targetAccountId, { region: "us-west-2" });
            const stages = pipelineStages(shape({
                targets: [west],
                extraActions: [extra("West", "InTarget", { target: "West" }), extra("West", "InPipeline")],
            }));
            const inTarget = action(stages, "West", "InTarget");
            assert.equal(inTarget.roleArn, deployRoleArn(shape(), west));
            assert.equal(inTarget.region, "us-west-2");
            const inPipeline = action(stages, "West", "InPipeline");
            assert.ok(!("roleArn" in inPipeline) && !("region" in inPipeline), "a pipeline-account action has no role or region of its own");
        });

        it("keep their provider, artifacts and configuration", () => {
            const stages = pipelineStages(shape({
                extraActions: [extra("Staging", "Report", { provider: "Lambda", category: "Invoke", inputArtifacts: [buildArtifact], outputArtifacts: ["Report"], configuration: { FunctionName: "report" } })],
            }));
            const { provider, category, inputArtifacts, outputArtifacts, configuration } = action(stages, "Staging", "Report");
            assert.deepEqual({ provider, category, inputArtifacts, outputArtifacts, configuration }, {
                provider: "Lambda", category: "Invoke", inputArtifacts: [buildArtifact], outputArtifacts: ["Report"], configuration: { FunctionName: "report" },
            });
        });
    });
});

describe("waves", () => {
    /** `count` targets of wave `wave`, each in its own account, named `<prefix><n>`. */
    const wave = (wave: string, count: number, prefix = wave) =>
        Array.from({ length: count }, (_, i) => target(`${prefix}${i + 1}`, String(200000000000 + i + 1), { wave }));
    const canary = target("Canary", targetAccountId);

    it("puts the targets of one wave in one stage, deploying in parallel, each action named after its target", () => {
        const stages = pipelineStages(shape({ targets: [canary, ...wave("Rest", 3)] }));
        assert.deepEqual(stages.map((s) => s.name), ["Source", "Build", "Canary", "Rest"]);
        assert.deepEqual(stage(stages, "Rest").actions.map((a) => [a.name, a.runOrder, a.configuration?.ApplicationName]), [
            ["Rest1", 1, "Rest1App"], ["Rest2", 1, "Rest2App"], ["Rest3", 1, "Rest3App"],
        ]);
        assert.deepEqual(stage(stages, "Canary").actions.map((a) => a.name), ["Deploy"], "a wave of one keeps today's action name");
        assert.equal(action(stages, "Rest", "Rest2").roleArn, deployRoleArn(shape(), wave("Rest", 2)[1]));
    });

    it("runs the waves in the order of their first target, whatever the order of the others", () => {
        const [a1, a2] = wave("A", 2);
        const [b1] = wave("B", 1);
        assert.deepEqual(wavesOf([a1, b1, a2], []).map((w) => [w.name, w.targets.map((t) => t.name)]), [["A", ["A1", "A2"]], ["B", ["B1"]]]);
        assert.deepEqual(pipelineStages(shape({ targets: [b1, a1, a2] })).map((s) => s.name), ["Source", "Build", "B", "A"]);
    });

    it("takes a wave's approval from waves: one approval opens the stage, then all its targets deploy", () => {
        const stages = pipelineStages(shape({ targets: [canary, ...wave("Rest", 2)], waves: [{ name: "Rest", requireApproval: true }] }));
        assert.deepEqual(stage(stages, "Rest").actions.map((a) => [a.name, a.category, a.runOrder]), [
            ["Approve", "Approval", 1], ["Rest1", "Deploy", 2], ["Rest2", "Deploy", 2],
        ]);
        assert.equal(action(stages, "Rest", "Approve").configuration?.CustomData, "Approve the deployment to wave Rest (2 targets)");
        assert.deepEqual(stage(stages, "Canary").actions.map((a) => a.name), ["Deploy"]);
    });

    it("takes the approval of a wave of one target from the target, or from waves", () => {
        const approved = (targets: TargetConfig[], waves: PipelineShape["waves"] = []) => wavesOf(targets, waves).map((w) => w.requireApproval);
        assert.deepEqual(approved([target("Solo", targetAccountId, { requireApproval: true })]), [true]);
        assert.deepEqual(approved([target("Solo", targetAccountId)], [{ name: "Solo", requireApproval: true }]), [true]);
        assert.deepEqual(approved(wave("Pair", 2)), [false]);
    });

    it("fills a stage with up to 50 actions: 50 targets, or an approval and 49", () => {
        assert.deepEqual(waveStages(wavesOf(wave("W", 50), [])[0]).map((s) => [s.name, s.targets.length, s.approval]), [["W", 50, false]]);
        const approved = wavesOf(wave("W", 49), [{ name: "W", requireApproval: true }])[0];
        assert.deepEqual(waveStages(approved).map((s) => [s.name, s.targets.length, s.approval]), [["W", 49, true]]);
    });

    it("splits a larger wave into consecutive stages <wave>-1, <wave>-2, ..., each full, the approval opening the first", () => {
        const targets = wave("Big", 120);
        const stages = pipelineStages(shape({ targets, waves: [{ name: "Big", requireApproval: true }] }));
        assert.deepEqual(stages.map((s) => [s.name, s.actions.length]), [["Source", 1], ["Build", 1], ["Big-1", 50], ["Big-2", 50], ["Big-3", 21]]);
        assert.deepEqual(stages.flatMap((s) => s.actions).filter((a) => a.category === "Approval").map((a) => a.name), ["Approve"]);
        assert.equal(stage(stages, "Big-1").actions[0].name, "Approve");
        const deployed = stages.flatMap((s) => s.actions).filter((a) => a.category === "Deploy").map((a) => a.name);
        assert.deepEqual(deployed, targets.map((t) => t.name), "every target once, in order");
        assert.deepEqual([...new Set(stage(stages, "Big-2").actions.map((a) => a.runOrder))], [1], "later stages deploy at once");
    });

    it("lets extra actions address a split wave's stages by their names", () => {
        const stages = pipelineStages(shape({ targets: wave("Big", 60), extraActions: [extra("Big-2", "SmokeTest")] }));
        assert.deepEqual(stage(stages, "Big-2").actions.map((a) => a.name).slice(-1), ["SmokeTest"]);
        assert.equal(stage(stages, "Big-2").actions.length, 11);
    });
});

describe("artifactRuleViolations", () => {
    const sameAccount = [target("Staging", targetAccountId), target("Production", targetAccountId)];
    const twoAccounts = [target("Staging", targetAccountId), target("Production", productionAccountId)];
    const violations = (targets: TargetConfig[], extraActions: ExtraActionConfig[]) =>
        artifactRuleViolations(pipelineStages(shape({ targets, extraActions })), pipelineAccountId);
    const stagingReport = extra("Staging", "Report", { target: "Staging", inputArtifacts: [buildArtifact], outputArtifacts: ["StagingReport"] });

    it("finds nothing wrong with the pipeline alone: targets deploy what the pipeline account built", () => {
        assert.deepEqual(violations(twoAccounts, []), []);
    });

    describe("allows", () => {
        const cases: { name: string; targets: TargetConfig[]; extraActions: ExtraActionConfig[] }[] = [
            {
                name: "an action in the pipeline account consuming a target account's artifact",
                targets: twoAccounts,
                extraActions: [stagingReport, extra("Production", "Compare", { inputArtifacts: ["StagingReport"] })],
            },
            {
                name: "a target account's action consuming an artifact produced in the pipeline account",
                targets: twoAccounts,
                extraActions: [extra("Production", "Scan", { target: "Production", inputArtifacts: [sourceArtifact] })],
            },
            {
                name: "an action consuming an artifact produced earlier in the same stage and account",
                targets: twoAccounts,
                extraActions: [stagingReport, extra("Staging", "Publish", { target: "Staging", inputArtifacts: ["StagingReport"], runOrder: 3 })],
            },
            {
                name: "an action consuming an artifact produced in an earlier stage of the same account",
                targets: sameAccount,
                extraActions: [stagingReport, extra("Production", "Compare", { target: "Production", inputArtifacts: ["StagingReport"] })],
            },
        ];
        for (const c of cases) {
            it(c.name, () => assert.deepEqual(violations(c.targets, c.extraActions), []));
        }
    });

    it("reports a target account's action consuming another target account's artifact, naming stage, action, artifact and accounts", () => {
        const found = violations(twoAccounts, [stagingReport, extra("Production", "Compare", { target: "Production", inputArtifacts: ["StagingReport"] })]);
        assert.equal(found.length, 1, found.join("\n"));
        for (const part of [`action "Compare"`, `stage "Production"`, `artifact "StagingReport"`, productionAccountId, targetAccountId, pipelineAccountId]) {
            assert.ok(found[0].includes(part), `"${part}" in: ${found[0]}`);
        }
    });

    it("reports an action consuming what another action of the same runOrder produces: they run in parallel", () => {
        const found = violations(twoAccounts, [stagingReport, extra("Staging", "Publish", { target: "Staging", inputArtifacts: ["StagingReport"], runOrder: 2 })]);
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0], /action "Publish" in stage "Staging" consumes artifact "StagingReport", which no earlier action produces/);
    });

    it("reports an artifact consumed before the stage that produces it", () => {
        const found = violations(twoAccounts, [extra("Build", "Early", { inputArtifacts: ["StagingReport"] }), stagingReport]);
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0], /action "Early" in stage "Build" consumes artifact "StagingReport", which no earlier action produces/);
    });

    it("reports an artifact that nothing produces", () => {
        const found = violations(twoAccounts, [extra("Staging", "Check", { inputArtifacts: ["Missing"] })]);
        assert.deepEqual(found, [`action "Check" in stage "Staging" consumes artifact "Missing", which no earlier action produces; produce it in an earlier stage or at a lower runOrder`]);
    });

    it("reports a Jenkins action run by a target account's role, and only that one", () => {
        const jenkins = (name: string, fields: Partial<ExtraActionConfig>) => extra("Staging", name, { owner: "Custom", provider: "Jenkins", inputArtifacts: [buildArtifact], ...fields });
        const found = violations(twoAccounts, [jenkins("CrossAccountJenkins", { target: "Staging" }), jenkins("PipelineJenkins", {})]);
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0], /action "CrossAccountJenkins" in stage "Staging" is a Jenkins action with a role in account 222222222222; Jenkins actions cannot run cross-account/);
    });

    it("recognises a Jenkins action by a provider name of its own, such as the registered custom action's", () => {
        const found = violations(twoAccounts, [extra("Staging", "Ci", { owner: "Custom", provider: "MyJenkinsServer", inputArtifacts: [buildArtifact], target: "Staging" })]);
        assert.equal(found.length, 1);
        assert.match(found[0], /action "Ci" in stage "Staging" is a Jenkins action/);
    });
});

describe("duplicate names", () => {
    it("accepts the generated pipeline", () => {
        assert.deepEqual(duplicateNames(pipelineStages(shape({ targets: [target("Staging", targetAccountId, { requireApproval: true })] }))), []);
    });

    it("reports two actions of one name in a stage", () => {
        const stages = pipelineStages(shape({ extraActions: [extra("Staging", "Deploy")] }));
        assert.deepEqual(duplicateNames(stages), [`stage "Staging" has two actions named "Deploy"; action names must be unique within a stage`]);
    });

    it("reports two stages of one name: a split wave's stage named like another wave", () => {
        const targets = [...Array.from({ length: 51 }, (_, i) => target(`T${i}`, String(200000000000 + i), { wave: "A" })), target("Other", targetAccountId, { wave: "A-1" })];
        assert.deepEqual(duplicateStageNames(pipelineStages(shape({ targets }))), [
            `the pipeline has two stages named "A-1" (a wave split over several stages names them <wave>-1, <wave>-2, ...); stage names must be unique within a pipeline`,
        ]);
    });

    it("reports an output artifact produced twice", () => {
        const stages = pipelineStages(shape({ extraActions: [extra("Build", "Package", { inputArtifacts: [sourceArtifact], outputArtifacts: [buildArtifact] })] }));
        assert.deepEqual(duplicateNames(stages), [`artifact "BuildOutput" is produced by action "Build" in stage "Build" and by action "Package" in stage "Build"; output artifact names must be unique within a pipeline`]);
    });
});

describe("artifact stores", () => {
    const stores = [
        { region: "us-east-2", bucketName: "pipe-east", keyArn: `arn:aws:kms:us-east-2:${pipelineAccountId}:key/1111` },
        { region: "us-west-2", bucketName: "pipe-west", keyArn: `arn:aws:kms:us-west-2:${pipelineAccountId}:key/2222` },
    ];

    it("declares a single store without a region, its key by ARN with type KMS", () => {
        assert.deepEqual(artifactStoreDeclarations([stores[0]]), [
            { location: "pipe-east", type: "S3", encryptionKey: { id: stores[0].keyArn, type: "KMS" } },
        ]);
    });

    it("names every store's region when there are several", () => {
        assert.deepEqual(artifactStoreDeclarations(stores), [
            { location: "pipe-east", type: "S3", encryptionKey: { id: stores[0].keyArn, type: "KMS" }, region: "us-east-2" },
            { location: "pipe-west", type: "S3", encryptionKey: { id: stores[1].keyArn, type: "KMS" }, region: "us-west-2" },
        ]);
    });

    it("needs a store in the pipeline's region first, then in each target region once", () => {
        const targets = [
            target("A", targetAccountId, { region: "us-west-2" }),
            target("B", productionAccountId, { region: "us-east-2" }),
            target("C", productionAccountId, { region: "us-west-2" }),
            target("D", targetAccountId, { region: "eu-west-1" }),
        ];
        assert.deepEqual(artifactStoreRegions("us-east-2", targets), ["us-east-2", "us-west-2", "eu-west-1"]);
        assert.deepEqual(artifactStoreRegions("us-east-2", [target("A", targetAccountId)]), ["us-east-2"]);
    });
});

describe("what a target stack knows of the pipeline account before it exists", () => {
    const keyArn = `arn:aws:kms:${region}:${pipelineAccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

    it("the pipeline role by its name", () => {
        assert.equal(pipelineRoleArn(shape()), `arn:aws:iam::${pipelineAccountId}:role/Pipe-CodePipelineService`);
    });

    it("the artifact bucket of the target's region by its name, the key as every key of the pipeline account in that region", () => {
        assert.deepEqual(storeNameForTargets(shape(), "eu-west-1"), {
            bucketName: `pipe-${pipelineAccountId}-eu-west-1-artifacts`,
            keyArn: `arn:aws:kms:eu-west-1:${pipelineAccountId}:key/*`,
        });
    });

    it("a configured key ARN exactly, in its region; an alias ARN only as the region's keys (IAM cannot match a key by its alias)", () => {
        assert.equal(storeNameForTargets({ ...shape(), encryptionKey: keyArn }, region).keyArn, keyArn);
        assert.equal(storeNameForTargets({ ...shape(), encryptionKey: keyArn }, "eu-west-1").keyArn, `arn:aws:kms:eu-west-1:${pipelineAccountId}:key/*`);
        const aliasArn = `arn:aws:kms:${region}:${pipelineAccountId}:alias/pipeline-key`;
        assert.equal(storeNameForTargets({ ...shape(), encryptionKey: aliasArn }, region).keyArn, `arn:aws:kms:${region}:${pipelineAccountId}:key/*`);
    });
});

describe("withActionRoleArns", () => {
    it("gives each action the role ARN given for the one computed from config, and leaves other actions as they are", () => {
        const stages = pipelineStages(shape({ targets: [target("Staging", targetAccountId), target("Production", productionAccountId)] }));
        const read = "arn:aws:iam::222222222222:role/AsExportedByTheTargetStack";
        const replaced = withActionRoleArns(stages, { [deployRoleArn(shape(), target("Staging", targetAccountId))]: read });
        assert.equal(replaced.find((s) => s.name === "Staging")!.actions[0].roleArn, read);
        assert.deepEqual(replaced.find((s) => s.name === "Production"), stages.find((s) => s.name === "Production"));
        assert.deepEqual(replaced.slice(0, 2), stages.slice(0, 2));
    });
});
