import { strict as assert } from "node:assert";
import { ConfigError, defaults, parseConfig, regionNotListed, unlistedRegions } from "../config";
import { names } from "../definition/names";
import { wavesOf } from "../definition/pipeline";
import { MockCloud } from "../evaluation/mockCloud";
import { runProgram } from "../evaluation/runProgram";
import {
    parsed, pipelineAccountId, problemsOf, qualifiedConfig, rawConfig, stagingEntry, StackName, targetAccountId, targetEntry,
} from "./fixtures";

const keyUuid = "1234abcd-12ab-34cd-56ef-1234567890ab";
const keyArn = `arn:aws:kms:us-east-2:${pipelineAccountId}:key/${keyUuid}`;
const aliasArn = `arn:aws:kms:us-east-2:${pipelineAccountId}:alias/pipeline-key`;
const productionAccountId = "333333333333";

/** An extra action as written in config. */
function extraAction(fields: Record<string, unknown>): Record<string, unknown> {
    return { category: "Test", provider: "CodeBuild", configuration: { ProjectName: "Checks" }, ...fields };
}

/** Asserts that one problem starts with `key:` and names the bad value and what is expected; returns it. */
function assertProblem(problems: string[], key: string, value: string | undefined, expected: string): string {
    const found = problems.find((p) => p.startsWith(`${key}:`) && (value === undefined || p.includes(value)) && p.includes(expected));
    assert.ok(found, `expected a problem for ${key}${value === undefined ? "" : ` naming ${value}`} saying "${expected}"; got:\n  ${problems.join("\n  ")}`);
    return found;
}

interface ProblemCase {
    name: string;
    stack?: StackName;
    overrides: Record<string, unknown>;
    key: string;
    /** The bad value as quoted in the message; undefined for a missing key. */
    value?: string;
    expected: string;
}

describe("parseConfig", () => {
    describe("accepts the shipped stack files", () => {
        for (const stack of ["accountA", "accountB"] as const) {
            it(`${stack} parses without problems`, () => {
                const config = parsed(stack);
                assert.equal(config.pipelineAccountId, pipelineAccountId);
                assert.deepEqual(config.targets.map((t) => [t.name, t.accountId]), [["Staging", targetAccountId]]);
            });
        }

        it("accountB deploys its target; accountA names the stack that deploys it", () => {
            const config = parsed("accountB");
            assert.equal(config.deploy, "target");
            assert.deepEqual(config.deployedTargets?.map((t) => t.name), ["Staging"]);
            assert.equal(parsed("accountA").targets[0].stack, "organization/cross-account-pipeline/accountB");
        });

        it("still accepts pipelineStack, which is no longer read", () => {
            assert.deepEqual(parsed("accountB", { pipelineStack: "organization/cross-account-pipeline/accountA" }).deployedTargets?.map((t) => t.name), ["Staging"]);
        });

        it("does not require targets[].stack where it is not used: a target or all-in-one stack", () => {
            assert.equal(parsed("accountB", { targets: [stagingEntry({ stack: undefined })] }).targets[0].stack, undefined);
            assert.equal(parsed("accountA", { deploy: "all", targets: [stagingEntry({ stack: undefined })] }).targets[0].stack, undefined);
        });

        // The target stack no longer reads the pipeline stack: pipelineStack is optional, checked only when given, and not read.
        it("accepts a target stack with or without pipelineStack, and reads neither", () => {
            for (const pipelineStack of [undefined, "organization/cross-account-pipeline/accountA"]) {
                const config = parsed("accountB", { pipelineStack });
                assert.deepEqual(config.deployedTargets?.map((t) => t.name), ["Staging"]);
                assert.ok(!("pipelineStack" in config), "the program's config has no pipelineStack");
            }
        });
    });

    describe("reports a bad value naming the key, the value and what is expected", () => {
        const cases: ProblemCase[] = [
            { name: "a pipeline account id that is not 12 digits", overrides: { pipelineAccountId: "12345" }, key: "pipelineAccountId", value: `"12345"`, expected: "exactly 12 digits" },
            { name: "a missing pipeline account id", overrides: { pipelineAccountId: undefined }, key: "pipelineAccountId", expected: "12-digit AWS account id" },
            { name: "a target account id that is not 12 digits", overrides: { targets: [stagingEntry({ accountId: "22222222222a" })] }, key: "targets[0].accountId", value: `"22222222222a"`, expected: "exactly 12 digits" },
            { name: "a target account id written as a YAML number", overrides: { targets: [stagingEntry({ accountId: 234567890123 })] }, key: "targets[0].accountId", value: "234567890123 is a number in YAML", expected: `quote it: "234567890123" (an AWS account id is 12 digits, as a string)` },
            // YAML 1.1 reads 023456789012 as a number (it is no octal, so a float): its leading zero is lost, and its text is no account id.
            { name: "a target account id YAML read as a number without its leading zero", overrides: { targets: [stagingEntry({ accountId: 23456789012 })] }, key: "targets[0].accountId", value: "23456789012 is a number in YAML", expected: "quote the text you meant (an AWS account id is 12 digits, as a string)" },
            { name: "a name YAML read as a boolean", overrides: { targets: [stagingEntry({ name: false })] }, key: "targets[0].name", value: "false is a boolean in YAML (so are yes, no, on and off, unquoted)", expected: "quote the text you meant (expected a stage name" },
            { name: "an action configuration value YAML read as a number", overrides: { extraActions: [extraAction({ stage: "Build", name: "Checks", inputArtifacts: ["SourceOutput"], configuration: { ProjectName: 7 } })] }, key: "extraActions[0].configuration.ProjectName", value: "7 is a number in YAML", expected: `quote it: "7"` },
            { name: "a target in the pipeline account", overrides: { targets: [stagingEntry({ accountId: pipelineAccountId })] }, key: "targets[0].accountId", value: `"${pipelineAccountId}"`, expected: "expected another account" },
            { name: "an unknown deploy mode", overrides: { deploy: "both" }, key: "deploy", value: `"both"`, expected: "expected one of: pipeline, target, all" },
            { name: "a missing deploy mode", overrides: { deploy: undefined }, key: "deploy", expected: "expected one of: pipeline, target, all" },
            { name: "a target that is not among targets", stack: "accountB", overrides: { target: "Production" }, key: "target", value: `"Production"`, expected: "expected one of: Staging" },
            { name: "a target stack without a target", stack: "accountB", overrides: { target: undefined }, key: "target", expected: "one of: Staging" },
            { name: "a pipeline region that is no region name", overrides: { region: "US-East-2" }, key: "region", value: `"US-East-2" is not an AWS region name`, expected: "expected an AWS region such as \"us-east-2\"" },
            { name: "a missing pipeline region", overrides: { region: undefined }, key: "region", expected: "expected an AWS region" },
            { name: "a target region that is no region name", overrides: { targets: [stagingEntry({ region: "mars" })] }, key: "targets[0].region", value: `"mars" is not an AWS region name`, expected: "expected an AWS region such as \"us-east-2\"" },
            { name: "a target in GovCloud, another partition than the pipeline's", overrides: { targets: [stagingEntry({ region: "us-gov-west-1" })] }, key: "targets[0].region", value: `"us-gov-west-1" of target "Staging" is in partition aws-us-gov, the pipeline's region "us-east-2" in partition aws`, expected: "expected a region of partition aws" },
            { name: "a target in China with a pipeline in GovCloud", overrides: { region: "us-gov-west-1", targets: [stagingEntry({ region: "cn-north-1" })] }, key: "targets[0].region", value: `"cn-north-1" of target "Staging" is in partition aws-cn, the pipeline's region "us-gov-west-1" in partition aws-us-gov`, expected: "expected a region of partition aws-us-gov" },
            { name: "an empty targets list", overrides: { targets: [] }, key: "targets", value: "[]", expected: "expected a non-empty list" },
            { name: "targets that are not a list", overrides: { targets: { name: "Staging" } }, key: "targets", value: `{"name":"Staging"}`, expected: "expected a non-empty list" },
            { name: "missing targets", overrides: { targets: undefined }, key: "targets", expected: "expected a list of {name, accountId, applicationName, deploymentGroupName}" },
            { name: "targets that are not structured config", overrides: { targets: "Staging: [" }, key: "targets", value: `"Staging: ["`, expected: "expected a YAML object or list" },
            { name: "a pipelineStack that is not a stack name", stack: "accountB", overrides: { pipelineStack: "org/project/stack/extra" }, key: "pipelineStack", value: `"org/project/stack/extra"`, expected: "expected <organization>/<project>/<stack>" },
            { name: "a pipeline stack's target without the stack that deploys it", overrides: { targets: [stagingEntry({ stack: undefined })] }, key: "targets[0].stack", expected: `missing; with deploy "pipeline" each target names the stack that deploys its account (deploy: target), e.g. "organization/cross-account-pipeline/accountB"` },
            { name: "a target's stack that is not fully qualified", overrides: { targets: [stagingEntry({ stack: "accountB" })] }, key: "targets[0].stack", value: `"accountB"`, expected: `is not a stack name; expected <organization>/<project>/<stack>, e.g. "organization/cross-account-pipeline/accountB"` },
            { name: "a target's stack with a fourth part", stack: "accountB", overrides: { targets: [stagingEntry({ stack: "org/project/stack/extra" })] }, key: "targets[0].stack", value: `"org/project/stack/extra"`, expected: "expected <organization>/<project>/<stack>" },
            { name: "a missing target name", overrides: { targets: [stagingEntry({ name: undefined })] }, key: "targets[0].name", expected: "a stage name" },
            { name: "a stage name with spaces", overrides: { targets: [stagingEntry({ name: "Stage One" })] }, key: "targets[0].name", value: `"Stage One"`, expected: "a stage name" },
            { name: "a role name IAM refuses", overrides: { targets: [stagingEntry({ crossAccountRoleName: "Cross Account" })] }, key: "targets[0].crossAccountRoleName", value: `"Cross Account"`, expected: "an IAM role name" },
            { name: "an approval flag that is not a boolean", overrides: { targets: [stagingEntry({ requireApproval: "yes" })] }, key: "targets[0].requireApproval", value: `"yes"`, expected: "expected true or false" },
            { name: "a retention that is not a whole number", overrides: { artifactRetentionDays: "0" }, key: "artifactRetentionDays", value: `"0"`, expected: "a whole number of at least 1" },
            { name: "a log retention CloudWatch Logs does not offer", overrides: { buildLogRetentionDays: "100" }, key: "buildLogRetentionDays", value: `"100"`, expected: "one of CloudWatch Logs' retention periods in days: 1, 3, 5, 7, 14, 30, 60, 90, 120" },
            { name: "a pipeline name too long for the bucket name", overrides: { pipelineName: "P".repeat(40) }, key: "pipelineName", value: `"${"P".repeat(40)}"`, expected: "must fit 63 characters); expected at most 30 characters" },
            { name: "a pipeline name too long for a target region's bucket name", overrides: { pipelineName: "P".repeat(30), targets: [stagingEntry({ region: "ap-southeast-2" })] }, key: "pipelineName", value: `"${"P".repeat(30)}"`, expected: "expected at most 25 characters" },
            { name: "an unknown source provider", overrides: { source: { provider: "GitHub" } }, key: "source.provider", value: `"GitHub"`, expected: `expected "S3" or "CodeStarSourceConnection"` },
            { name: "an assume-role credential that is not a role ARN", overrides: { pipelineCredentials: { assumeRoleArn: "Deployer" } }, key: "pipelineCredentials.assumeRoleArn", value: `"Deployer"`, expected: "an IAM role ARN" },
            {
                name: "an extra action in a stage the pipeline does not have",
                overrides: { extraActions: [extraAction({ stage: "Production", name: "Checks", inputArtifacts: ["SourceOutput"] })] },
                key: "extraActions[0].stage", value: `"Production"`, expected: "expected one of: Source, Build, Staging",
            },
            {
                name: "an extra action run by a target that does not exist",
                overrides: { extraActions: [extraAction({ stage: "Staging", name: "Checks", target: "Production", inputArtifacts: ["BuildOutput"] })] },
                key: "extraActions[0].target", value: `"Production"`, expected: "expected one of: Staging",
            },
        ];
        for (const c of cases) {
            it(c.name, () => assertProblem(problemsOf(rawConfig(c.stack, c.overrides)), c.key, c.value, c.expected));
        }
    });

    describe("targets", () => {
        it("reports duplicate target names, which are stage names", () => {
            const problems = problemsOf(rawConfig("accountA", { targets: [stagingEntry(), stagingEntry({ accountId: productionAccountId })] }));
            assertProblem(problems, "targets", `name "Staging"`, "must be unique");
        });

        // Source and Build are stages of every pipeline: a target of that name would be a second stage of the same name.
        for (const name of ["Source", "Build"]) {
            it(`reports a target named "${name}", which collides with the pipeline's own stage`, () => {
                const problems = problemsOf(rawConfig("accountA", { targets: [stagingEntry({ name })] }));
                assertProblem(problems, "targets[0].name", `"${name}"`, "Source");
            });
        }

        describe("reports a role name used twice in one account", () => {
            const cases: { name: string; targets: Record<string, unknown>[]; role: string }[] = [
                {
                    name: "the same cross-account role name for two targets",
                    targets: [targetEntry("Staging", targetAccountId, { crossAccountRoleName: "Deployer" }), targetEntry("Production", targetAccountId, { crossAccountRoleName: "Deployer" })],
                    role: "Deployer",
                },
                {
                    name: "the same instance role name for two targets",
                    targets: [targetEntry("Staging", targetAccountId, { instanceRoleName: "Instances" }), targetEntry("Production", targetAccountId, { instanceRoleName: "Instances" })],
                    role: "Instances",
                },
                {
                    name: "one target's instance role named as another target's cross-account role",
                    targets: [targetEntry("Staging", targetAccountId, { crossAccountRoleName: "Shared" }), targetEntry("Production", targetAccountId, { instanceRoleName: "Shared" })],
                    role: "Shared",
                },
                {
                    name: "two role names that differ only in case, which IAM treats as one",
                    targets: [targetEntry("Staging", targetAccountId, { crossAccountRoleName: "Deployer" }), targetEntry("Production", targetAccountId, { crossAccountRoleName: "DEPLOYER" })],
                    role: "DEPLOYER",
                },
                {
                    name: "one target using one name for two of its roles",
                    targets: [targetEntry("Staging", targetAccountId, { crossAccountRoleName: "Shared", codeDeployServiceRoleName: "Shared" })],
                    role: "Shared",
                },
            ];
            for (const c of cases) {
                it(c.name, () => {
                    const problems = problemsOf(rawConfig("accountA", { targets: c.targets }));
                    assertProblem(problems, "targets", `"${c.role}"`, "unique within an account");
                });
            }
        });

        it("accepts the same role names in different accounts", () => {
            const config = parsed("accountA", {
                targets: [stagingEntry(), targetEntry("Production", productionAccountId, { crossAccountRoleName: "CrossAccount_Role" })],
            });
            assert.deepEqual(config.targets.map((t) => t.crossAccountRoleName), ["CrossAccount_Role", "CrossAccount_Role"]);
        });

        it("accepts two targets in one account with the default role names", () => {
            const config = parsed("accountA", { targets: [stagingEntry(), targetEntry("Production", targetAccountId)] });
            assert.deepEqual(config.targets.map((t) => t.name), ["Staging", "Production"]);
        });
    });

    describe("reports unknown fields, naming the field and the known ones", () => {
        const cases: { name: string; overrides: Record<string, unknown>; field: string; known: string }[] = [
            { name: "a misspelled top-level key", overrides: { encryptonKey: "arn:aws:kms:us-east-2:111111111111:alias/pipeline-key" }, field: "encryptonKey", known: "encryptionKey" },
            { name: "a misspelled target field", overrides: { targets: [stagingEntry({ acountId: "333333333333" })] }, field: "targets[0].acountId", known: "accountId" },
            { name: "an unknown source field", overrides: { source: { provider: "S3", bucket: "mine" } }, field: "source.bucket", known: "objectKey" },
            { name: "an unknown credentials field", overrides: { pipelineCredentials: { role: "arn:aws:iam::111111111111:role/Deployer" } }, field: "pipelineCredentials.role", known: "assumeRoleArn" },
            { name: "an unknown build field", overrides: { build: { imagee: "aws/codebuild/standard:7.0" } }, field: "build.imagee", known: "image" },
            { name: "an unknown fleet field", overrides: { targets: [stagingEntry({ fleet: { count: 2 } })] }, field: "targets[0].fleet.count", known: "size" },
            {
                name: "an unknown extra action field",
                overrides: { extraActions: [extraAction({ stage: "Build", name: "Checks", inputArtifacts: ["SourceOutput"], runorder: 2 })] },
                field: "extraActions[0].runorder", known: "runOrder",
            },
        ];
        for (const c of cases) {
            it(c.name, () => {
                const problem = assertProblem(problemsOf(rawConfig("accountA", c.overrides)), c.field, undefined, "unknown");
                assert.match(problem, /; expected only: /);
                assert.ok(problem.split("expected only: ")[1].split(", ").includes(c.known), `"${c.known}" is listed as known in: ${problem}`);
            });
        }
    });

    describe("encryptionKey", () => {
        const cases: { name: string; key: string; expected: string }[] = [
            { name: "a bare alias", key: "alias/foo", expected: "a bare alias or key id cannot be used across accounts" },
            { name: "a bare key id", key: keyUuid, expected: "a bare alias or key id cannot be used across accounts" },
            { name: "a key in another region", key: `arn:aws:kms:us-west-2:${pipelineAccountId}:key/${keyUuid}`, expected: "expected a key in the pipeline region us-east-2" },
            { name: "a key of another account", key: `arn:aws:kms:us-east-2:999999999999:key/${keyUuid}`, expected: `expected a key of the pipeline account ${pipelineAccountId}` },
            { name: "an alias of another account", key: `arn:aws:kms:us-east-2:999999999999:alias/pipeline-key`, expected: `expected a key of the pipeline account ${pipelineAccountId}` },
            // An AWS managed key (aws/s3) cannot be shared with another account: its key policy cannot be changed
            // (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-cross-account.html).
            { name: "the AWS managed aws/s3 key by alias ARN", key: `arn:aws:kms:us-east-2:${pipelineAccountId}:alias/aws/s3`, expected: "customer managed" },
        ];
        for (const c of cases) {
            it(`rejects ${c.name}`, () => assertProblem(problemsOf(rawConfig("accountA", { encryptionKey: c.key })), "encryptionKey", `"${c.key}"`, c.expected));
        }

        for (const [name, key] of [["a key ARN", keyArn], ["an alias ARN", aliasArn]]) {
            it(`accepts ${name} of the pipeline account in the pipeline region`, () => {
                assert.equal(parsed("accountA", { encryptionKey: key }).encryptionKey, key);
            });
        }
    });

    describe("the walkthrough's artifact rules over extra actions", () => {
        const twoAccounts = [stagingEntry(), targetEntry("Production", productionAccountId)];

        it("reports a Jenkins action run by a target account", () => {
            const problems = problemsOf(rawConfig("accountA", {
                extraActions: [extraAction({ stage: "Staging", name: "JenkinsTests", owner: "Custom", provider: "Jenkins", target: "Staging", inputArtifacts: ["BuildOutput"], runOrder: 2 })],
            }));
            assertProblem(problems, "extraActions", `action "JenkinsTests" in stage "Staging"`, "Jenkins actions cannot run cross-account");
            assert.ok(problems.some((p) => p.includes(targetAccountId)), "the message names the target account");
        });

        it("reports an extra action named like an action of its stage", () => {
            const problems = problemsOf(rawConfig("accountA", {
                extraActions: [extraAction({ stage: "Staging", name: "Deploy", inputArtifacts: ["BuildOutput"], runOrder: 2 })],
            }));
            assertProblem(problems, "extraActions", `stage "Staging" has two actions named "Deploy"`, "action names must be unique within a stage");
        });

        it("accepts a Jenkins action in the pipeline account", () => {
            const config = parsed("accountA", {
                extraActions: [extraAction({ stage: "Build", name: "JenkinsTests", owner: "Custom", provider: "Jenkins", inputArtifacts: ["SourceOutput"], runOrder: 2 })],
            });
            assert.equal(config.extraActions[0].provider, "Jenkins");
        });

        it("reports an artifact passed from one target account to another", () => {
            const problems = problemsOf(rawConfig("accountA", {
                targets: twoAccounts,
                extraActions: [
                    extraAction({ stage: "Staging", name: "Report", target: "Staging", inputArtifacts: ["BuildOutput"], outputArtifacts: ["StagingReport"], runOrder: 2 }),
                    extraAction({ stage: "Production", name: "Compare", target: "Production", inputArtifacts: ["StagingReport"], runOrder: 2 }),
                ],
            }));
            assertProblem(problems, "extraActions", `action "Compare" in stage "Production"`, `consumes artifact "StagingReport" produced in account ${targetAccountId}`);
        });

        it("reports an artifact that no earlier action produces", () => {
            const problems = problemsOf(rawConfig("accountA", {
                extraActions: [extraAction({ stage: "Build", name: "Lint", inputArtifacts: ["LintInput"], runOrder: 2 })],
            }));
            assertProblem(problems, "extraActions", `"LintInput"`, "which no earlier action produces");
        });

        it("accepts an artifact of a target account consumed in the pipeline account", () => {
            const config = parsed("accountA", {
                targets: twoAccounts,
                extraActions: [
                    extraAction({ stage: "Staging", name: "Report", target: "Staging", inputArtifacts: ["BuildOutput"], outputArtifacts: ["StagingReport"], runOrder: 2 }),
                    extraAction({ stage: "Production", name: "Compare", inputArtifacts: ["StagingReport"], runOrder: 2 }),
                ],
            });
            assert.equal(config.extraActions.length, 2);
        });
    });

    describe("the stack that deploys each target", () => {
        const stackName = (value: string) => `targets[0].stack: "${value}" is not a stack name; expected <organization>/<project>/<stack>, e.g. "organization/cross-account-pipeline/accountB"`;

        it("is required for every target of a pipeline stack", () => {
            const problems = problemsOf(rawConfig("accountA", { targets: [stagingEntry(), targetEntry("Production", productionAccountId, { stack: undefined })] }));
            assert.deepEqual(problems, [
                `targets[1].stack: missing; with deploy "pipeline" each target names the stack that deploys its account (deploy: target), e.g. "organization/cross-account-pipeline/accountB"`,
            ]);
        });

        for (const deploy of ["target", "all"]) {
            it(`is optional with deploy: ${deploy}`, () => {
                const config = parsed("accountB", { deploy, targets: [stagingEntry({ stack: undefined })] });
                assert.equal(config.targets[0].stack, undefined);
            });
        }

        it("is kept as given", () => assert.equal(parsed("accountA").targets[0].stack, "organization/cross-account-pipeline/accountB"));

        for (const value of ["accountB", "cross-account-pipeline/accountB", "org/project/stack/extra", "org/my project/accountB"]) {
            it(`is a fully qualified stack name, not "${value}"`, () => {
                for (const stack of ["accountA", "accountB"] as const) {
                    assert.deepEqual(problemsOf(rawConfig(stack, { targets: [stagingEntry({ stack: value })] })), [stackName(value)]);
                }
            });
        }
    });

    describe("pipelineName and the names derived from it", () => {
        const codeStar = { provider: "CodeStarSourceConnection", connectionArn: `arn:aws:codestar-connections:us-east-2:${pipelineAccountId}:connection/abcd-1234`, repository: "owner/app" };
        const cases: { name: string; pipelineName: string; overrides?: Record<string, unknown>; problems: string[] }[] = [
            {
                name: "a '.' breaks the KMS alias and the CodeBuild project",
                pipelineName: "my.pipe",
                problems: [
                    `pipelineName: "my.pipe" is not valid for the KMS alias ${names.artifactKeyAlias("my.pipe")} (letters, digits, '/', '_' and '-' only); expected a pipeline name without "."`,
                    `pipelineName: "my.pipe" is not valid for the CodeBuild project ${names.buildProject("my.pipe")} (2-255 letters, digits, '-' and '_', starting with a letter or digit); expected a pipeline name without "."`,
                ],
            },
            {
                name: "an '@' also breaks the EventBridge rule of an S3 source",
                pipelineName: "my@pipe",
                problems: [
                    `pipelineName: "my@pipe" is not valid for the KMS alias alias/my@pipe-Key (letters, digits, '/', '_' and '-' only); expected a pipeline name without "@"`,
                    `pipelineName: "my@pipe" is not valid for the CodeBuild project my@pipe-Build (2-255 letters, digits, '-' and '_', starting with a letter or digit); expected a pipeline name without "@"`,
                    `pipelineName: "my@pipe" is not valid for the EventBridge rule ${names.sourceTriggerRule("my@pipe")} (1-64 letters, digits, '.', '-' and '_'); expected a pipeline name without "@"`,
                ],
            },
            {
                name: "no EventBridge rule without an S3 source, and no alias with the pipeline's own key in its only region",
                pipelineName: "my@pipe",
                overrides: { source: codeStar, encryptionKey: aliasArn },
                problems: [
                    `pipelineName: "my@pipe" is not valid for the CodeBuild project my@pipe-Build (2-255 letters, digits, '-' and '_', starting with a letter or digit); expected a pipeline name without "@"`,
                ],
            },
            {
                name: "a leading '_' breaks the bucket names and the CodeBuild project",
                pipelineName: "_pipe",
                problems: [
                    `pipelineName: "_pipe" is not valid for the artifact bucket names ${names.artifactBucket("_pipe", pipelineAccountId, "us-east-2")} (3-63 lowercase letters, digits, '.' and '-', ` +
                        `starting and ending with a letter or digit, no two adjacent periods, not starting with xn--, sthree- or amzn-s3-demo-); expected a pipeline name that starts with a letter or digit`,
                    `pipelineName: "_pipe" is not valid for the CodeBuild project _pipe-Build (2-255 letters, digits, '-' and '_', starting with a letter or digit); expected a pipeline name that starts with a letter or digit`,
                ],
            },
        ];
        for (const c of cases) {
            it(c.name, () => assert.deepEqual(problemsOf(rawConfig("accountA", { pipelineName: c.pipelineName, ...c.overrides })), c.problems));
        }

        for (const [pipelineName, expected] of [["a..b", "without two adjacent periods"], ["xn--pipe", "does not start with xn--, sthree- or amzn-s3-demo-"], ["Sthree-pipe", "does not start with xn--, sthree- or amzn-s3-demo-"]]) {
            it(`names the bucket rule "${pipelineName}" breaks`, () => {
                const problems = problemsOf(rawConfig("accountA", { pipelineName }));
                assertProblem(problems, "pipelineName", `"${pipelineName}" is not valid for the artifact bucket names ${names.artifactBucket(pipelineName, pipelineAccountId, "us-east-2")}`, expected);
            });
        }

        it("reports only the strictest length limit", () => {
            assert.deepEqual(problemsOf(rawConfig("accountA", { pipelineName: "P".repeat(45) })), [
                `pipelineName: "${"P".repeat(45)}" is too long for the artifact bucket names (<pipelineName>-<account>-<region>-artifacts must fit 63 characters); expected at most 30 characters`,
            ]);
        });

        for (const pipelineName of ["My_Pipeline-2", "a", "P".repeat(30)]) {
            it(`accepts "${pipelineName}"`, () => assert.equal(parsed("accountA", { pipelineName }).pipelineName, pipelineName));
        }
    });

    describe("a provider's assumed role is of the provider's account", () => {
        const role = (accountId: string) => `arn:aws:iam::${accountId}:role/Deployer`;

        it("refuses a pipeline account role in another account", () => {
            assert.deepEqual(problemsOf(rawConfig("accountA", { pipelineCredentials: { assumeRoleArn: role(targetAccountId) } })), [
                `pipelineCredentials.assumeRoleArn: "${role(targetAccountId)}" is a role of account ${targetAccountId}; expected a role of the pipeline account ${pipelineAccountId}, the only account its provider accepts`,
            ]);
        });

        it("refuses a target's role in another account", () => {
            assert.deepEqual(problemsOf(rawConfig("accountB", { targets: [stagingEntry({ credentials: { assumeRoleArn: role(productionAccountId) } })] })), [
                `targets[0].credentials.assumeRoleArn: "${role(productionAccountId)}" is a role of account ${productionAccountId}; expected a role of this target's account ${targetAccountId}, the only account its provider accepts`,
            ]);
        });

        it("accepts roles of the providers' own accounts", () => {
            const config = parsed("accountA", { deploy: "all", pipelineCredentials: { assumeRoleArn: role(pipelineAccountId) }, targets: [stagingEntry({ credentials: { assumeRoleArn: role(targetAccountId) } })] });
            assert.deepEqual([config.pipelineCredentials.assumeRoleArn, config.targets[0].credentials.assumeRoleArn], [role(pipelineAccountId), role(targetAccountId)]);
        });
    });

    describe("an extra action's version", () => {
        const action = (version: unknown) => ({ extraActions: [extraAction({ stage: "Build", name: "Checks", inputArtifacts: ["SourceOutput"], runOrder: 2, version })] });

        for (const version of [1, "1", 2]) {
            it(`reads ${JSON.stringify(version)} as "${version}"`, () => assert.equal(parsed("accountA", action(version)).extraActions[0].version, String(version)));
        }

        for (const version of [1.5, "v1", -1]) {
            it(`refuses ${JSON.stringify(version)}`, () => {
                assertProblem(problemsOf(rawConfig("accountA", action(version))), "extraActions[0].version", `"${version}"`, `expected an action version of 1-9 digits such as "1"`);
            });
        }
    });

    // What CreatePipeline and Auto Scaling refuse, refused before any resource is declared: API_ActionDeclaration
    // (runOrder 1-999, configuration keys 1-50 and values 1-1000 characters), API_ActionTypeId (version 1-9
    // characters), API_Tag and EC2's tag restrictions (keys 1-128 characters, not aws:..., values up to 256).
    describe("bounds each value as AWS bounds it, naming the key, the value and the limit", () => {
        const action = (fields: Record<string, unknown>) => extraAction({ stage: "Build", name: "Checks", inputArtifacts: ["SourceOutput"], ...fields });
        const tagged = (instanceTag: Record<string, unknown>) => ({ targets: [stagingEntry({ instanceTag })] });
        const longKey = "K".repeat(51);
        const over: ProblemCase[] = [
            { name: "a runOrder above 999", overrides: { extraActions: [action({ runOrder: 1000 })] }, key: "extraActions[0].runOrder", value: `"1000" is not valid`, expected: "expected a whole number from 1 to 999 (CodePipeline's limit)" },
            { name: "a runOrder above 999, written as text", overrides: { extraActions: [action({ runOrder: "1000" })] }, key: "extraActions[0].runOrder", value: `"1000" is not valid`, expected: "from 1 to 999" },
            { name: "an empty configuration value", overrides: { extraActions: [action({ configuration: { ProjectName: "" } })] }, key: "extraActions[0].configuration.ProjectName", value: `"" is empty`, expected: "expected a configuration value of 1-1000 characters, as a string (CodePipeline's limit)" },
            { name: "a configuration value over 1000 characters", overrides: { extraActions: [action({ configuration: { ProjectName: "x".repeat(1001) } })] }, key: "extraActions[0].configuration.ProjectName", value: `"${"x".repeat(40)}..." is 1001 characters long`, expected: "expected a configuration value of 1-1000 characters" },
            { name: "a configuration key over 50 characters", overrides: { extraActions: [action({ configuration: { [longKey]: "x" } })] }, key: `extraActions[0].configuration.${longKey}`, value: "this key is 51 characters long", expected: "expected a configuration key of 1-50 characters (CodePipeline's limit)" },
            { name: "an empty configuration key", overrides: { extraActions: [action({ configuration: { "": "x" } })] }, key: "extraActions[0].configuration.", value: "this key is empty", expected: "expected a configuration key of 1-50 characters" },
            { name: "an action version over 9 characters", overrides: { extraActions: [action({ version: "1234567890" })] }, key: "extraActions[0].version", value: `"1234567890" is 10 characters long`, expected: `expected an action version of 1-9 digits such as "1" (CodePipeline's limit)` },
            { name: "an action version over 9 digits, written as a number", overrides: { extraActions: [action({ version: 1234567890 })] }, key: "extraActions[0].version", value: `"1234567890" is not valid`, expected: "1-9 digits" },
            { name: "an instance tag key over 128 characters", overrides: tagged({ key: "k".repeat(129), value: "v" }), key: "targets[0].instanceTag.key", value: "is 129 characters long", expected: "expected a tag key of 1-128 characters, not starting with aws: (EC2 and Auto Scaling's limits)" },
            { name: "an instance tag key AWS reserves", overrides: tagged({ key: "AWS:group", value: "v" }), key: "targets[0].instanceTag.key", value: `"AWS:group" starts with aws:`, expected: "which AWS reserves for its own tags; expected another tag key" },
            { name: "an instance tag value over 256 characters", overrides: tagged({ key: "Group", value: "v".repeat(257) }), key: "targets[0].instanceTag.value", value: "is 257 characters long", expected: "expected a tag value of 1-256 characters (EC2 and Auto Scaling's limit)" },
        ];
        for (const c of over) {
            it(`refuses ${c.name}`, () => assertProblem(problemsOf(rawConfig(c.stack, c.overrides)), c.key, c.value, c.expected));
        }

        it("accepts each value at its limit", () => {
            const config = parsed("accountA", {
                ...tagged({ key: "k".repeat(128), value: "v".repeat(256) }),
                extraActions: [action({ runOrder: 999, version: "123456789", configuration: { ["K".repeat(50)]: "x".repeat(1000) } })],
            });
            assert.deepEqual([config.extraActions[0].runOrder, config.extraActions[0].version], [999, "123456789"]);
            assert.equal(config.targets[0].instanceTag.value.length, 256);
        });
    });

    describe("a target name too long for its derived role names", () => {
        const longName = "N".repeat(50);

        it("names the cause and the limit, not a clash of cut role names", () => {
            const problems = problemsOf(rawConfig("accountA", { targets: [stagingEntry({ name: longName, crossAccountRoleName: undefined })] }));
            assert.deepEqual(problems, [
                `targets[0].name: "${longName}" is too long for its derived role names <name>-CodeDeployInstance, <name>-CodeDeployService (IAM role names have at most 64 characters); ` +
                    "expected at most 45 characters, or set instanceRoleName and codeDeployServiceRoleName",
            ]);
        });

        it("names only the derived role names that do not fit", () => {
            const problems = problemsOf(rawConfig("accountA", { targets: [stagingEntry({ name: "N".repeat(46), crossAccountRoleName: undefined })] }));
            assertProblem(problems, "targets[0].name", "its derived role names <name>-CodeDeployInstance (", "expected at most 45 characters, or set instanceRoleName");
        });

        it("accepts it with role names of its own", () => {
            const config = parsed("accountA", { targets: [stagingEntry({ name: longName, instanceRoleName: "Instances", codeDeployServiceRoleName: "CodeDeploy" })] });
            assert.deepEqual(config.targets.map((t) => [t.crossAccountRoleName, t.instanceRoleName, t.codeDeployServiceRoleName]), [["CrossAccount_Role", "Instances", "CodeDeploy"]]);
        });

        it("accepts the longest name whose derived role names all fit", () => {
            const name = "N".repeat(45);
            assert.equal(parsed("accountA", { targets: [stagingEntry({ name })] }).targets[0].instanceRoleName, `${name}-CodeDeployInstance`);
        });
    });

    describe("reports several problems together", () => {
        it("lists every problem in one ConfigError, each naming its key", () => {
            const raw = rawConfig("accountB", {
                deploy: "target",
                pipelineAccountId: "1111",
                region: "us-east",
                target: "Production",
                encryptionKey: "alias/foo",
                targets: [stagingEntry({ accountId: "2222" })],
            });
            let error: unknown;
            try {
                parseConfig(raw);
            } catch (e) {
                error = e;
            }
            assert.ok(error instanceof ConfigError, "a ConfigError is thrown");
            const keys = ["pipelineAccountId", "region", "targets[0].accountId", "encryptionKey", "target"];
            for (const key of keys) {
                assert.ok(error.problems.some((p) => p.startsWith(`${key}:`)), `a problem for ${key} among:\n  ${error.problems.join("\n  ")}`);
                assert.ok(error.message.includes(`  - ${key}:`), `the message lists ${key}`);
            }
            assert.match(error.message, new RegExp(`^Invalid configuration \\(${error.problems.length} problems\\)`));
        });
    });

    describe("defaults", () => {
        const withoutOptional = () => parsed("accountA", { targets: [stagingEntry({ crossAccountRoleName: undefined })] });

        it("names the pipeline CrossAccountPipeline", () => assert.equal(withoutOptional().pipelineName, "CrossAccountPipeline"));

        it("derives every role name from the target name", () => {
            const [staging] = withoutOptional().targets;
            assert.deepEqual(
                [staging.crossAccountRoleName, staging.instanceRoleName, staging.codeDeployServiceRoleName],
                ["Staging-CrossAccount", "Staging-CodeDeployInstance", "Staging-CodeDeployService"],
            );
        });

        it("keeps a role name given in config", () => assert.equal(parsed("accountA").targets[0].crossAccountRoleName, "CrossAccount_Role"));

        it("deploys one instance at a time", () => assert.equal(withoutOptional().targets[0].deploymentConfigName, "CodeDeployDefault.OneAtATime"));

        // Was CodeDeployApplication=<applicationName>, which every group of one application shared (staging deployed onto production hosts).
        it("tags the deployment group's instances with its own tag: application and deployment group", () => {
            assert.deepEqual(withoutOptional().targets[0].instanceTag, { key: "CodeDeployDeploymentGroup", value: "AccountBApplicationName/AccountBApplicationGroupName" });
        });

        it("puts a target without region in the pipeline's region", () => {
            assert.equal(parsed("accountA", { region: "eu-west-1" }).targets[0].region, "eu-west-1");
        });

        it("accepts a pipeline and its targets in one partition other than aws", () => {
            const config = parsed("accountA", { region: "us-gov-west-1", targets: [stagingEntry({ region: "us-gov-east-1" })] });
            assert.deepEqual([config.region, config.targets[0].region], ["us-gov-west-1", "us-gov-east-1"]);
        });

        it("accepts a region the pinned provider does not list yet, as the provider does, and names it to check", () => {
            const config = parsed("accountA", { targets: [stagingEntry({ region: "ap-southeast-9" })] });
            assert.equal(config.targets[0].region, "ap-southeast-9");
            assert.deepEqual(unlistedRegions(config), ["ap-southeast-9"]);
            assert.deepEqual(unlistedRegions(parsed("accountA")), []);
            assert.match(regionNotListed("ap-southeast-9"), /^region ap-southeast-9 is not among the regions the pinned @pulumi\/aws lists; it is used as given/);
        });

        it("keeps a target's own region", () => {
            assert.equal(parsed("accountA", { targets: [stagingEntry({ region: "us-west-2" })] }).targets[0].region, "us-west-2");
        });

        it("reads the source from source.zip in an S3 bucket", () => {
            assert.deepEqual(withoutOptional().source, { provider: "S3", objectKey: "source.zip" });
        });

        it("requires no approval, uses ambient credentials, has no extra actions and creates its own key", () => {
            const config = withoutOptional();
            // An approval belongs to a wave: without one in waves or on the lone target of a wave, none.
            assert.equal(config.targets[0].requireApproval, undefined);
            assert.deepEqual(config.waves, []);
            assert.deepEqual(wavesOf(config.targets, config.waves).map((wave) => wave.requireApproval), [false]);
            assert.deepEqual(config.targets[0].credentials, {});
            assert.deepEqual(config.pipelineCredentials, {});
            assert.deepEqual(config.extraActions, []);
            assert.equal(config.encryptionKey, undefined);
        });

        it("retains artifacts for 30 days and protects them", () => {
            const config = withoutOptional();
            assert.equal(config.artifactRetentionDays, defaults.artifactRetentionDays);
            assert.equal(config.artifactRetentionDays, 30);
            assert.equal(config.protectArtifacts, true);
        });

        it("keeps the build's logs for 90 days", () => {
            assert.equal(withoutOptional().buildLogRetentionDays, 90);
        });

        it("fills a CodeStar source's branch with main", () => {
            const source = { provider: "CodeStarSourceConnection", connectionArn: `arn:aws:codestar-connections:us-east-2:${pipelineAccountId}:connection/abcd-1234`, repository: "owner/app" };
            assert.deepEqual(parsed("accountA", { source }).source, { ...source, branch: "main" });
        });
    });

    describe("the program with a bad config", () => {
        /** Records every resource the program registers, even when runProgram rejects and returns nothing. */
        async function runRecording(config: Record<string, string>): Promise<{ error: unknown; types: string[] }> {
            const types: string[] = [];
            const original = MockCloud.prototype.newResource;
            MockCloud.prototype.newResource = function (this: MockCloud, args) {
                types.push(args.type);
                return original.call(this, args);
            };
            try {
                await runProgram({ stack: "recorded", config });
                return { error: undefined, types };
            } catch (error) {
                return { error, types };
            } finally {
                MockCloud.prototype.newResource = original;
            }
        }

        it("fails with the config message and declares no AWS resource or provider", async () => {
            const { error, types } = await runRecording(qualifiedConfig("accountA", { pipelineAccountId: "12345", region: "us_east_2", protectArtifact: "false" }));
            assert.ok(error instanceof Error, "the run fails");
            assert.match(error.message, /Invalid configuration \(3 problems\)/);
            assert.ok(error.message.includes(`pipelineAccountId: "12345" is not an AWS account id`), error.message);
            assert.ok(error.message.includes(`region: "us_east_2" is not an AWS region name`), error.message);
            assert.ok(error.message.includes(`protectArtifact: unknown key`), error.message);
            assert.deepEqual(types.filter((t) => t.startsWith("aws:") || t.startsWith("pulumi:providers:")), []);
        });

        it("with a good config declares AWS resources through the same recording", async () => {
            const { error, types } = await runRecording(qualifiedConfig("accountB"));
            assert.equal(error, undefined);
            assert.ok(types.some((t) => t.startsWith("aws:")), "the recording sees the program's resources");
        });
    });
});
