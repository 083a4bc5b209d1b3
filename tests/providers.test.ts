import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ProgramConfig, TargetConfig } from "../config";
import type { DeclaredResource } from "../evaluation/mockCloud";
import { ProgramRun, runProgram } from "../evaluation/runProgram";
import { readStackFile, stackFilesIn } from "../project/stackFiles";
import { ConfigError, driverCredentialsVariable, targetsDeployedHere, withDriverCredentials } from "../config";
import { accountProviders, providerArgs } from "../program/providers";
import {
    parsed, pipelineAccountId, projectRoot, qualifiedConfig, stagingEntry, StackName, targetAccountId, targetEntry, targetStackName,
} from "./fixtures";

const productionAccountId = "333333333333";
const twoTargets = [stagingEntry(), targetEntry("Production", productionAccountId, { region: "us-west-2" })];

describe("providerArgs", () => {
    it("pins the provider to exactly its account and region", () => {
        const args = providerArgs(targetAccountId, "us-west-2", {}, "Pipe");
        assert.deepEqual(args.allowedAccountIds, [targetAccountId]);
        assert.equal(args.region, "us-west-2");
    });

    it("uses the ambient credentials when none are configured: no profile, no role to assume", () => {
        const args = providerArgs(targetAccountId, "us-east-2", {}, "Pipe");
        assert.ok(!("profile" in args), "no profile");
        assert.ok(!("assumeRoles" in args), "no assumeRoles");
    });

    it("uses a configured profile", () => {
        const args = providerArgs(targetAccountId, "us-east-2", { profile: "account-b" }, "Pipe");
        assert.equal(args.profile, "account-b");
        assert.ok(!("assumeRoles" in args), "no assumeRoles");
    });

    it("assumes a configured role, with a session name IAM accepts", () => {
        const roleArn = `arn:aws:iam::${targetAccountId}:role/Deployer`;
        const args = providerArgs(targetAccountId, "us-east-2", { assumeRoleArn: roleArn }, "P".repeat(80));
        assert.ok(!("profile" in args), "no profile");
        const assumeRoles = args.assumeRoles as { roleArn: string; sessionName: string }[];
        assert.equal(assumeRoles.length, 1);
        assert.equal(assumeRoles[0].roleArn, roleArn);
        assert.ok(assumeRoles[0].sessionName.length <= 64, assumeRoles[0].sessionName);
    });
});

describe("targetsDeployedHere", () => {
    const names = (config: ProgramConfig) => targetsDeployedHere(config).map((t) => t.name);

    it("is no target for a pipeline stack", () => assert.deepEqual(names(parsed("accountA", { targets: twoTargets })), []));

    it("is the one configured target for a target stack", () => {
        assert.deepEqual(names(parsed("accountB", { targets: twoTargets, target: "Production" })), ["Production"]);
    });

    it("is every target for an all-in-one stack", () => {
        assert.deepEqual(names(parsed("accountA", { targets: twoTargets, deploy: "all" })), ["Staging", "Production"]);
    });
});

describe("accountProviders (the library's providers of a stack at once)", () => {
    it("gives the pipeline account's provider and each target's, as index.ts declares them target by target", async () => {
        const registered: { name: string; allowedAccountIds: unknown; region: unknown }[] = [];
        await pulumi.runtime.setMocks({
            newResource: (args) => {
                // Provider inputs reach the engine as JSON strings.
                registered.push({ name: args.name, allowedAccountIds: JSON.parse(args.inputs.allowedAccountIds), region: args.inputs.region });
                return { id: `${args.name}_id`, state: args.inputs };
            },
            call: () => ({}),
        }, "project", "providers", false);
        const config = parsed("accountA", { targets: twoTargets, deploy: "all" });
        const providers = accountProviders(config);
        assert.ok(providers.pipeline);
        assert.deepEqual(providers.targets.map(({ target }) => target.name), ["Staging", "Production"]);
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.deepEqual(registered, [
            { name: "pipeline-account", allowedAccountIds: [pipelineAccountId], region: config.region },
            { name: "target-Staging", allowedAccountIds: [targetAccountId], region: "us-east-2" },
            { name: "target-Production", allowedAccountIds: [productionAccountId], region: "us-west-2" },
        ]);
        assert.equal(accountProviders(parsed("accountB", { targets: twoTargets, target: "Production" })).pipeline, undefined, "a target stack has no pipeline account");
    });
});

describe("every AWS resource of the program has an explicit provider pinned to the right account", () => {
    interface Scenario {
        name: string;
        stack: StackName;
        overrides?: Record<string, unknown>;
        /** Feed the target stack's outputs (the first scenario's run) to this stack's StackReference. */
        readsTargetStack?: boolean;
        /** The accounts this stack's providers are pinned to. */
        accounts: string[];
    }
    const scenarios: Scenario[] = [
        { name: "the target stack (accountB)", stack: "accountB", accounts: [targetAccountId] },
        { name: "the pipeline stack (accountA)", stack: "accountA", readsTargetStack: true, accounts: [pipelineAccountId] },
        { name: "an all-in-one stack (deploy: all)", stack: "accountA", overrides: { deploy: "all" }, accounts: [pipelineAccountId, targetAccountId] },
        {
            name: "an all-in-one stack with two target accounts in two regions",
            stack: "accountA", overrides: { deploy: "all", targets: twoTargets }, accounts: [pipelineAccountId, targetAccountId, productionAccountId],
        },
    ];
    const runs = new Map<string, { run: ProgramRun; config: ProgramConfig }>();

    before(async () => {
        // One program run at a time: the mocks are global.
        let targetOutputs: Record<string, unknown> | undefined;
        for (const s of scenarios) {
            const run = await runProgram({
                stack: s.stack,
                config: qualifiedConfig(s.stack, s.overrides),
                ...(s.readsTargetStack ? { stackOutputs: { [targetStackName]: targetOutputs! } } : {}),
            });
            targetOutputs ??= run.outputs;
            runs.set(s.name, { run, config: parsed(s.stack, s.overrides) });
        }
    });

    /** The target a resource belongs to, recognised by the names config gives it; undefined for the pipeline account's. */
    function owningTarget(resource: DeclaredResource, targets: TargetConfig[]): TargetConfig | undefined {
        if (resource.type.startsWith("aws:codedeploy/")) {
            const application = resource.inputs.appName ?? resource.inputs.name;
            const owner = targets.find((t) => t.applicationName === application);
            assert.ok(owner, `${resource.type} ${resource.name} belongs to a target`);
            return owner;
        }
        if (resource.type.startsWith("aws:iam/")) {
            const roleName = resource.inputs.role ?? resource.inputs.name;
            return targets.find((t) => [t.crossAccountRoleName, t.instanceRoleName, t.codeDeployServiceRoleName].includes(roleName));
        }
        return undefined;
    }

    for (const s of scenarios) {
        describe(s.name, () => {
            const awsResources = () => runs.get(s.name)!.run.resources.filter((r) => r.type.startsWith("aws:"));
            const providers = () => runs.get(s.name)!.run.resources.filter((r) => r.type === "pulumi:providers:aws");

            it("declares AWS resources", () => assert.ok(awsResources().length > 0));

            it("gives every AWS resource an explicit provider, none the default one", () => {
                const onDefault = awsResources().filter((r) => !r.providerName).map((r) => `${r.type} ${r.name}`);
                assert.deepEqual(onDefault, []);
            });

            it("declares one provider per account, each allowing exactly that one account", () => {
                const allowed = providers().map((p) => JSON.parse(p.inputs.allowedAccountIds) as string[]);
                for (const ids of allowed) {
                    assert.equal(ids.length, 1, `allowedAccountIds ${JSON.stringify(ids)}`);
                }
                assert.deepEqual(allowed.map(([id]) => id).sort(), [...s.accounts].sort());
            });

            it("puts the pipeline account's resources in the pipeline account and each target's in its own account and region", () => {
                const { config } = runs.get(s.name)!;
                const misplaced = awsResources().flatMap((resource) => {
                    const owner = owningTarget(resource, config.targets);
                    const expected = owner?.accountId ?? pipelineAccountId;
                    const problems = resource.accountId === expected ? [] : [`${resource.type} ${resource.name} in account ${resource.accountId}, expected ${expected}`];
                    if (owner && resource.region !== owner.region) {
                        problems.push(`${resource.type} ${resource.name} in region ${resource.region}, expected ${owner.region}`);
                    }
                    return problems;
                });
                assert.deepEqual(misplaced, []);
            });

            it("declares resources in every account it has a provider for, and no other", () => {
                assert.deepEqual([...new Set(awsResources().map((r) => r.accountId))].sort(), [...s.accounts].sort());
            });
        });
    }

    it("the target stack trusts, before the pipeline stack exists, exactly the pipeline role that stack then exports", () => {
        const pipelineRoleArn = runs.get("the pipeline stack (accountA)")!.run.outputs.pipelineRoleArn;
        const role = runs.get("the target stack (accountB)")!.run.resources.find((r) => r.type === "aws:iam/role:Role" && r.inputs.name === "CrossAccount_Role");
        assert.ok(role, "the cross-account role is declared");
        const [statement] = JSON.parse(role.inputs.assumeRolePolicy).Statement;
        assert.deepEqual(statement.Principal, { AWS: `arn:aws:iam::${pipelineAccountId}:root` });
        assert.deepEqual(statement.Condition, { ArnEquals: { "aws:PrincipalArn": [pipelineRoleArn] } });
    });
});

describe("the shipped stack files", () => {
    const stackFiles = [
        ...stackFilesIn(projectRoot),
        ...stackFilesIn(path.join(projectRoot, "examples", "three-accounts")),
    ];

    it("are found: the two-account stacks and the three-account example", () => {
        assert.equal(stackFiles.length, 5);
    });

    for (const file of stackFiles) {
        it(`${path.relative(projectRoot, file)} disables the default aws provider`, () => {
            const disabled = JSON.parse(readStackFile(file).config["pulumi:disable-default-providers"] ?? "[]");
            assert.ok(disabled.includes("aws") || disabled.includes("*"), `disabled: ${JSON.stringify(disabled)}`);
        });
    }
});

describe("the deploy driver's credentials for a stack (CROSS_ACCOUNT_PIPELINE_AWS_CREDENTIALS)", () => {
    const staging = JSON.stringify({ profile: "staging-admin" });
    const problemOf = (run: () => unknown): string => {
        try {
            run();
        } catch (error) {
            assert.ok(error instanceof ConfigError, String(error));
            return error.problems.join("\n");
        }
        return assert.fail("accepted");
    };

    it("reach the providers of the stack's own account, and only those without credentials in config", () => {
        const target = withDriverCredentials(parsed("accountB"), staging);
        assert.deepEqual(targetsDeployedHere(target).map((t) => t.credentials), [{ profile: "staging-admin" }]);
        assert.deepEqual(target.pipelineCredentials, {}, "a target stack has no pipeline account provider");
        const pipeline = withDriverCredentials(parsed("accountA"), JSON.stringify({ assumeRoleArn: `arn:aws:iam::${pipelineAccountId}:role/Deployer` }));
        assert.deepEqual(pipeline.pipelineCredentials, { assumeRoleArn: `arn:aws:iam::${pipelineAccountId}:role/Deployer` });
        assert.deepEqual(pipeline.targets.map((t) => t.credentials), [{}], "the targets' accounts are not this stack's");
        const configured = withDriverCredentials(parsed("accountB", { targets: [stagingEntry({ credentials: { profile: "from-config" } })] }), staging);
        assert.deepEqual(targetsDeployedHere(configured).map((t) => t.credentials), [{ profile: "from-config" }]);
        const without = parsed("accountB");
        assert.strictEqual(withDriverCredentials(without, undefined), without, "no variable, nothing changed");
    });

    it("are refused for a stack of several accounts, for a role of another account, and when malformed, naming the variable", () => {
        assert.match(problemOf(() => withDriverCredentials(parsed("accountA", { deploy: "all" }), staging)),
            new RegExp(`^${driverCredentialsVariable} \\(the deploy driver's credentials for this stack\\): one stack's credentials are one account's, and this stack deploys into ${pipelineAccountId}, ${targetAccountId} without credentials in config`));
        assert.match(problemOf(() => withDriverCredentials(parsed("accountB"), JSON.stringify({ assumeRoleArn: `arn:aws:iam::${pipelineAccountId}:role/Deployer` }))),
            new RegExp(`is a role of account ${pipelineAccountId}; expected a role of account ${targetAccountId}`));
        assert.match(problemOf(() => withDriverCredentials(parsed("accountB"), "staging-admin")), /"staging-admin" is not JSON/);
        assert.match(problemOf(() => withDriverCredentials(parsed("accountB"), JSON.stringify({ profile: "a", assumeRoleArn: `arn:aws:iam::${targetAccountId}:role/D` }))),
            /expected exactly one of/);
    });

    it("are what the program's target-account provider is created with, under the mocks", async () => {
        process.env[driverCredentialsVariable] = staging;
        try {
            const run = await runProgram({ stack: "accountB", config: qualifiedConfig("accountB") });
            const providers = run.resources.filter((r) => r.type === "pulumi:providers:aws");
            assert.deepEqual(providers.map((p) => p.inputs.profile), ["staging-admin"]);
        } finally {
            delete process.env[driverCredentialsVariable];
        }
    });
});
