// examples/github-actions/bootstrap: the deploy role of one account, run under Pulumi's mocks, its trust exactly one
// repository's environments of the account's stacks on one branch, and its permissions checked with the IAM evaluator
// against what the real program declares for those stacks: every call a declared resource needs is allowed, on that resource; the neighbours of
// what is declared (another name, another account, another service, a wider key or bucket operation) are not.
import * as pulumi from "@pulumi/pulumi";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "yaml";
import { DeclaredResource, MockCloud } from "../evaluation/mockCloud";
import { ProgramRun, runProgram } from "../evaluation/runProgram";
import { evaluateCheck } from "../verification/evaluation";
import { PolicyDocument, policyDocument } from "../policies/document";
import { readStackFile } from "../project/stackFiles";
import { policySize, quotas } from "../definition/quotas";
import { accountScope } from "../examples/github-actions/bootstrap/accountStacks";
import { deployRoleName, deployRolePolicy, deployRoleTrustPolicy, parseStateBackend, secretsProviderProblems, StateBackend } from "../examples/github-actions/bootstrap/permissions";
import { projectRoot } from "./fixtures";
import type { PropertyBag } from "../evaluation/propertyBag";

const bootstrapDir = path.join(projectRoot, "examples", "github-actions", "bootstrap");
const bootstrapEntry = path.join(bootstrapDir, "index.ts");
const threeAccounts = path.join(projectRoot, "examples", "three-accounts");
const bootstrapProject = "github-deploy";

/** The bootstrap program for one stack's config, under the same mocks as the program's (MockCloud). */
async function runBootstrap(stack: string, config: Record<string, unknown>): Promise<{ resources: DeclaredResource[]; outputs: PropertyBag }> {
    const cloud = new MockCloud();
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([key, value]) =>
        [`${bootstrapProject}:${key}`, typeof value === "string" ? value : JSON.stringify(value)])));
    await pulumi.runtime.setMocks(cloud, bootstrapProject, stack, false, "organization");
    delete require.cache[bootstrapEntry];
    // The program is loaded as the language host loads a program's main.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const outputs = await pulumi.runtime.runInPulumiStack(async () => require(bootstrapEntry));
    await pulumi.runtime.disconnect();
    const resolved = Object.fromEntries(await Promise.all(Object.entries(outputs ?? {}).filter(([key]) => key !== "__esModule")
        .map(async ([key, value]) => [key, await new Promise((resolve) => pulumi.output(value).apply(resolve))])));
    return { resources: cloud.resources, outputs: resolved };
}

/** The bootstrap stack file's config, without the namespace. */
function bootstrapStackConfig(stack: string): Record<string, unknown> {
    const document = yaml.parse(fs.readFileSync(path.join(bootstrapDir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(Object.entries(document.config).map(([key, value]) => [key.replace(`${bootstrapProject}:`, ""), value]));
}

const json = (text: unknown) => JSON.parse(String(text));

/**
 * A request the deploy role makes, as the evaluator takes it: the resource's account is the one in its ARN (an S3 ARN
 * has none: the role's own, unless given), and a KMS key is decided with its key policy, as KMS decides it.
 */
interface Call {
    action: string;
    resource: string;
    context?: Record<string, string | string[]>;
    resourceAccount?: string;
    resourcePolicy?: { kind: "key policy" | "bucket policy" | "trust policy"; policy: PolicyDocument };
}

async function decide(policy: PolicyDocument, accountId: string, call: Call): Promise<string> {
    const finding = await evaluateCheck({
        hop: call.action, principal: `arn:aws:iam::${accountId}:role/${deployRoleName}`, action: call.action, resource: call.resource,
        resourceAccount: call.resourceAccount ?? (/^arn:[\w-]+:[\w-]+:[\w-]*:(\d{12}):/.exec(call.resource)?.[1] || accountId),
        context: (call.context ?? {}) as Record<string, string>, expect: "allowed", identityPolicies: [{ name: "deploy", policy }],
        ...(call.resourcePolicy ? { resourcePolicy: call.resourcePolicy } : {}),
    });
    return finding.result;
}

/** A key policy that leaves the key's use to IAM policies of its account, as the program's and the console's keys do. */
const keyPolicyOfAccount = (accountId: string): NonNullable<Call["resourcePolicy"]> => ({ kind: "key policy", policy: {
    Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" }],
} });

/**
 * What the Pulumi AWS provider calls for each kind of resource the program declares (create, read, update, delete),
 * on the resource as the program declares it: the specification the role is checked against. A kind of resource
 * the program declares and this does not know fails the test, so that the role follows the program.
 */
function callsFor(resource: DeclaredResource, all: DeclaredResource[]): Call[] | undefined {
    const { inputs, state, region, accountId } = resource;
    const partition = /^(cn|us-gov)-/.test(region ?? "") ? (region!.startsWith("cn-") ? "aws-cn" : "aws-us-gov") : "aws";
    const roleArn = (name: string) => all.find((r) => r.type === "aws:iam/role:Role" && r.accountId === accountId && r.state.name === name)?.state.arn as string;
    const on = (resourceArn: string, actions: string[], context?: Call["context"]) => actions.map((action) => ({ action, resource: resourceArn, ...(context ? { context } : {}) }));
    const passTo = (role: string, service: string) => on(role, ["iam:PassRole"], { "iam:PassedToService": service });
    const inRegion = (actions: string[]) => on("*", actions, { "aws:RequestedRegion": region! });
    const ofAccount = { "aws:ResourceAccount": accountId! };
    const bucket = (name: string) => `arn:${partition}:s3:::${name}`;
    const ec2 = (kind: string, where = resource) => `arn:${partition}:ec2:${where.region}:${where.accountId}:${kind}/*`;
    switch (resource.type) {
        case "pulumi:pulumi:Stack":
        case "pulumi:pulumi:StackReference":
        case "pulumi:providers:aws":
            return [];
        case "aws:iam/role:Role":
            return on(state.arn, ["iam:CreateRole", "iam:GetRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRoleDescription", "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:DeleteRole"]);
        case "aws:iam/rolePolicy:RolePolicy":
            return on(roleArn(inputs.role), ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"]);
        case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            return on(roleArn(inputs.role), ["iam:AttachRolePolicy", "iam:ListAttachedRolePolicies", "iam:DetachRolePolicy"], { "iam:PolicyARN": inputs.policyArn });
        case "aws:iam/instanceProfile:InstanceProfile":
            return [...on(state.arn, ["iam:CreateInstanceProfile", "iam:GetInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile",
                "iam:DeleteInstanceProfile"]), ...on(roleArn(inputs.role), ["iam:PassRole"])];
        case "aws:codedeploy/application:Application":
            return on(state.arn, ["codedeploy:CreateApplication", "codedeploy:GetApplication", "codedeploy:ListTagsForResource", "codedeploy:DeleteApplication"]);
        case "aws:codedeploy/deploymentGroup:DeploymentGroup":
            return [...on(state.arn, ["codedeploy:CreateDeploymentGroup", "codedeploy:GetDeploymentGroup", "codedeploy:UpdateDeploymentGroup",
                "codedeploy:ListTagsForResource", "codedeploy:DeleteDeploymentGroup"]), ...passTo(inputs.serviceRoleArn, "codedeploy.amazonaws.com")];
        case "aws:kms/key:Key": {
            const alias = all.find((r) => r.type === "aws:kms/alias:Alias" && r.region === region)!.inputs.name;
            // KMS decides with the key policy the program declares for the key.
            const keyPolicy = { resourcePolicy: { kind: "key policy" as const, policy: json(inputs.policy) } };
            return [
                ...on("*", ["kms:CreateKey"], { "kms:KeySpec": inputs.customerMasterKeySpec, "kms:KeyUsage": inputs.keyUsage, "kms:KeyOrigin": "AWS_KMS",
                    "kms:MultiRegion": "false", "aws:RequestedRegion": region! }),
                ...on(state.arn, ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:ListResourceTags"])
                    .map((call) => ({ ...call, ...keyPolicy })),
                ...on(state.arn, ["kms:PutKeyPolicy", "kms:UpdateKeyDescription"], { "kms:ResourceAliases": [alias] }).map((call) => ({ ...call, ...keyPolicy })),
            ];
        }
        case "aws:kms/alias:Alias": {
            const key = all.find((r) => r.type === "aws:kms/key:Key" && r.region === region)!;
            return [...on(state.arn, ["kms:CreateAlias", "kms:DeleteAlias"]),
                ...on(key.state.arn, ["kms:CreateAlias", "kms:DeleteAlias"]).map((call) => ({ ...call, resourcePolicy: { kind: "key policy" as const, policy: json(key.inputs.policy) } })),
                ...inRegion(["kms:ListAliases"])];
        }
        case "aws:s3/bucket:Bucket":
            return [...on(state.arn, ["s3:CreateBucket"]), ...on(state.arn, ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketAcl", "s3:GetBucketCORS",
                "s3:GetBucketWebsite", "s3:GetBucketLogging", "s3:GetBucketRequestPayment", "s3:GetBucketTagging", "s3:GetBucketObjectLockConfiguration",
                "s3:GetAccelerateConfiguration", "s3:GetReplicationConfiguration"], ofAccount)];
        case "aws:s3/bucketVersioning:BucketVersioning":
            return on(bucket(inputs.bucket), ["s3:PutBucketVersioning", "s3:GetBucketVersioning"], ofAccount);
        case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
            return on(bucket(inputs.bucket), ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"], ofAccount);
        case "aws:s3/bucketOwnershipControls:BucketOwnershipControls":
            return on(bucket(inputs.bucket), ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"], ofAccount);
        case "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
            return on(bucket(inputs.bucket), ["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"], ofAccount);
        case "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
            return on(bucket(inputs.bucket), ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"], ofAccount);
        case "aws:s3/bucketPolicy:BucketPolicy":
            return on(bucket(inputs.bucket), ["s3:PutBucketPolicy", "s3:GetBucketPolicy"], ofAccount);
        case "aws:s3/bucketNotification:BucketNotification":
            return on(bucket(inputs.bucket), ["s3:PutBucketNotification", "s3:GetBucketNotification"], ofAccount);
        case "aws:codebuild/project:Project":
            return [...on(state.arn, ["codebuild:CreateProject", "codebuild:BatchGetProjects", "codebuild:UpdateProject", "codebuild:DeleteProject"]),
                ...passTo(inputs.serviceRole, "codebuild.amazonaws.com")];
        case "aws:cloudwatch/logGroup:LogGroup": {
            const group = `arn:${partition}:logs:${region}:${accountId}:log-group:${inputs.name}`;
            return [...on(group, ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:ListTagsForResource", "logs:DeleteLogGroup"]), ...inRegion(["logs:DescribeLogGroups"])];
        }
        case "aws:codepipeline/pipeline:Pipeline": {
            const connections = (inputs.stages as { actions: { configuration?: Record<string, string> }[] }[])
                .flatMap((stage) => stage.actions.flatMap((action) => action.configuration?.ConnectionArn ?? []));
            return [...on(state.arn, ["codepipeline:CreatePipeline", "codepipeline:GetPipeline", "codepipeline:UpdatePipeline", "codepipeline:ListTagsForResource",
                "codepipeline:DeletePipeline"]), ...passTo(inputs.roleArn, "codepipeline.amazonaws.com"),
            // Authorized under the service prefix of the connection's ARN (codestar-connections or codeconnections).
            ...connections.flatMap((connection) => {
                const service = connection.split(":")[2];
                return on(connection, [`${service}:PassConnection`], { [`${service}:PassedToService`]: "codepipeline.amazonaws.com" });
            })];
        }
        case "aws:cloudwatch/eventRule:EventRule":
            return on(`arn:${partition}:events:${region}:${accountId}:rule/${inputs.name}`, ["events:PutRule", "events:DescribeRule", "events:ListTagsForResource", "events:DeleteRule"]);
        case "aws:cloudwatch/eventTarget:EventTarget":
            return [...on(`arn:${partition}:events:${region}:${accountId}:rule/${inputs.rule}`, ["events:PutTargets", "events:ListTargetsByRule", "events:RemoveTargets"]),
                ...passTo(inputs.roleArn, "events.amazonaws.com")];
        case "aws:ec2/securityGroup:SecurityGroup":
            return [...on(state.arn, ["ec2:CreateSecurityGroup", "ec2:RevokeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupEgress", "ec2:DeleteSecurityGroup"]),
                ...on(ec2("vpc"), ["ec2:CreateSecurityGroup"]), ...inRegion(["ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"])];
        // The AMI parameter it resolves is AWS's public one, whose ARN has no account, which the evaluator cannot take:
        // the fleet test checks the statement that names it.
        case "aws:ec2/launchTemplate:LaunchTemplate":
            return [...on(state.arn, ["ec2:CreateLaunchTemplate", "ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate", "ec2:DeleteLaunchTemplate"]),
                ...inRegion(["ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"])];
        case "aws:autoscaling/group:Group": {
            const template = all.find((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate" && r.id === inputs.launchTemplate.id)!;
            const profile = all.find((r) => r.type === "aws:iam/instanceProfile:InstanceProfile" && r.state.name === template.inputs.iamInstanceProfile.name)!;
            return [...on(state.arn, ["autoscaling:CreateAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup", "autoscaling:StartInstanceRefresh",
                "autoscaling:DeleteAutoScalingGroup"]), ...on(ec2("instance"), ["ec2:RunInstances"]), ...on(roleArn(profile.inputs.role), ["iam:PassRole"]),
            ...on(`arn:${partition}:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`, ["iam:CreateServiceLinkedRole"],
                { "iam:AWSServiceName": "autoscaling.amazonaws.com" }),
            ...inRegion(["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeScalingActivities", "autoscaling:DescribeInstanceRefreshes"])];
        }
        // awsx's VPCs are remote components: their resources are awsx's plugin's, which the mocks do not run. The
        // calls are those of their children, where the fleet's own security group (beside them) is.
        case "awsx:ec2:DefaultVpc":
        case "awsx:ec2:Vpc": {
            const group = fleetSecurityGroupOf(resource, all);
            const describe = on("*", ["ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeAvailabilityZones"], { "aws:RequestedRegion": group.region! });
            return resource.type === "awsx:ec2:DefaultVpc" ? describe : [...describe,
                ...on(ec2("vpc", group), ["ec2:CreateVpc", "ec2:ModifyVpcAttribute", "ec2:DeleteVpc"]),
                ...on(ec2("subnet", group), ["ec2:CreateSubnet", "ec2:DeleteSubnet"]),
                ...on(ec2("internet-gateway", group), ["ec2:CreateInternetGateway", "ec2:AttachInternetGateway"]),
                ...on(ec2("route-table", group), ["ec2:CreateRouteTable", "ec2:CreateRoute", "ec2:AssociateRouteTable"]),
                ...on(ec2("elastic-ip", group), ["ec2:AllocateAddress", "ec2:ReleaseAddress"]),
                ...on(ec2("natgateway", group), ["ec2:CreateNatGateway", "ec2:DeleteNatGateway"])];
        }
        default:
            return resource.type.startsWith("cross-account-pipeline:") ? [] : undefined;
    }
}

/** The security group of the fleet an awsx VPC is the network of: it is in the VPC's account and region. */
function fleetSecurityGroupOf(network: DeclaredResource, all: DeclaredResource[]): DeclaredResource {
    return all.find((r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.name === network.name.replace(/-network$/, "-security-group"))!;
}

/** Every call the declared resources of `accountId` need, as `action resource: result` for those the policy does not allow. */
async function refusedCalls(policy: PolicyDocument, accountId: string, runs: ProgramRun[]): Promise<string[]> {
    const refused: string[] = [];
    for (const run of runs) {
        for (const resource of run.resources) {
            const calls = callsFor(resource, run.resources);
            assert.ok(calls, `the test knows which calls a ${resource.type} needs; the bootstrap's role may need more (${resource.name})`);
            const account = resource.type.startsWith("awsx:") ? fleetSecurityGroupOf(resource, run.resources).accountId : resource.accountId;
            if (account !== accountId) {
                continue;
            }
            for (const call of calls) {
                const result = await decide(policy, accountId, call);
                if (result !== "Allowed") {
                    refused.push(`${call.action} ${call.resource} ${JSON.stringify(call.context ?? {})}: ${result} (${resource.type} ${resource.name})`);
                }
            }
        }
    }
    return refused;
}

/** A copy of the three-account example, changed by `edit` (file name to YAML document), without credentials: CI has no profiles. */
function threeAccountProject(edit: (documents: PropertyBag) => void = () => undefined): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bootstrap-project-"));
    const documents = Object.fromEntries(fs.readdirSync(threeAccounts).map((file) => [file, yaml.parse(fs.readFileSync(path.join(threeAccounts, file), "utf8"))]));
    delete documents["Pulumi.pipeline.yaml"].config["cross-account-pipeline:pipelineCredentials"];
    for (const target of documents["Pulumi.yaml"].config.targets.value) {
        delete target.credentials;
    }
    edit(documents);
    for (const [file, document] of Object.entries(documents)) {
        fs.writeFileSync(path.join(dir, file), yaml.stringify(document));
    }
    return dir;
}

/** The project's stacks run as they deploy, the target stacks first: each run by stack name. */
async function runStacks(projectDir: string, stacks: string[]): Promise<Record<string, ProgramRun>> {
    const files = Object.fromEntries(stacks.map((stack) => [stack, readStackFile(path.join(projectDir, `Pulumi.${stack}.yaml`))]));
    const runs: Record<string, ProgramRun> = {};
    const isPipeline = (stack: string) => files[stack].config["cross-account-pipeline:deploy"] !== "target";
    for (const stack of [...stacks.filter((s) => !isPipeline(s)), ...stacks.filter(isPipeline)]) {
        const stackOutputs = Object.fromEntries(Object.entries(runs).map(([name, run]) => [`organization/cross-account-pipeline/${name}`, run.outputs]));
        runs[stack] = await runProgram({ stack, config: files[stack].config, stackOutputs });
    }
    return runs;
}

describe("the GitHub deploy role bootstrap (examples/github-actions/bootstrap)", () => {
    it("creates GitHub's OIDC provider and a role only the repository's jobs of the account's stacks' environments on main may assume, in that account only", async () => {
        const { resources, outputs } = await runBootstrap("aws-222222222222", bootstrapStackConfig("aws-222222222222"));
        const provider = resources.find((r) => r.type === "pulumi:providers:aws")!;
        assert.deepEqual(json(provider.inputs.allowedAccountIds), ["222222222222"]);
        const [oidc] = resources.filter((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        assert.deepEqual([oidc.inputs.url, oidc.inputs.clientIdLists, oidc.accountId], ["https://token.actions.githubusercontent.com", ["sts.amazonaws.com"], "222222222222"]);
        const [role] = resources.filter((r) => r.type === "aws:iam/role:Role");
        assert.equal(role.inputs.name, deployRoleName);
        assert.equal(role.accountId, "222222222222");
        // Exact values, StringEquals: STS, this repository's environment named after the stack, pushes to main.
        assert.deepEqual(json(role.inputs.assumeRolePolicy), {
            Version: "2012-10-17",
            Statement: [{
                Sid: "GitHubEnvironmentsOnBranchOnly", Effect: "Allow",
                Principal: { Federated: "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com" },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": ["repo:acme/pipelines:environment:accountB"],
                    "token.actions.githubusercontent.com:ref": "refs/heads/main",
                } },
            }],
        });
        const [inline] = resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy");
        assert.equal(inline.inputs.role, deployRoleName);
        assert.deepEqual(json(inline.inputs.policy), deployRolePolicy(accountScope(projectRoot, "222222222222", ["accountB"])));
        assert.deepEqual(outputs, {
            roleArn: `arn:aws:iam::222222222222:role/${deployRoleName}`,
            oidcProvider: "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com",
            githubEnvironments: ["accountB"],
        });
    });

    it("takes another branch, a repository with immutable subject claims and an account's existing OIDC provider", async () => {
        const { resources, outputs } = await runBootstrap("aws-222222222222", { ...bootstrapStackConfig("aws-222222222222"),
            repository: "acme@123/pipelines@456", branch: "release", createOidcProvider: false });
        assert.deepEqual(resources.filter((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider"), []);
        const trust = json(resources.find((r) => r.type === "aws:iam/role:Role")!.inputs.assumeRolePolicy);
        assert.deepEqual(trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"], ["repo:acme@123/pipelines@456:environment:accountB"]);
        assert.equal(trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:ref"], "refs/heads/release");
        assert.equal(outputs.oidcProvider, "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com");
    });

    it("lets STS give the role to a job of each stack's environment on main, and to no other repository, branch, environment or provider", async () => {
        const trust = deployRoleTrustPolicy("aws", "111111111111", "acme/pipelines", ["accountA", "pipeline2"], "main");
        const provider = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";
        // The evaluator's data (AWS's service authorization reference) has GitHub's claims such as ref, but not the aud
        // and sub IAM takes from every OIDC provider (IAM User Guide, condition-keys-wif): it is given those two under
        // Google's keys, which it knows, with the same operator and values.
        const asGoogle = (text: string) => text.replace(/token\.actions\.githubusercontent\.com:(aud|sub)/g, "accounts.google.com:$1");
        const assume = async (claims: { sub: string; ref: string; aud?: string }, principal = provider) => {
            const { result } = await evaluateCheck({
                hop: "assume", principal, action: "sts:AssumeRoleWithWebIdentity", resource: `arn:aws:iam::111111111111:role/${deployRoleName}`,
                resourceAccount: "111111111111", expect: "allowed", identityPolicies: [],
                context: JSON.parse(asGoogle(JSON.stringify({ "token.actions.githubusercontent.com:aud": claims.aud ?? "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": claims.sub, "token.actions.githubusercontent.com:ref": claims.ref }))),
                resourcePolicy: { kind: "trust policy", policy: JSON.parse(asGoogle(JSON.stringify(trust))) },
            });
            return result;
        };
        for (const environment of ["accountA", "pipeline2"]) {
            assert.equal(await assume({ sub: `repo:acme/pipelines:environment:${environment}`, ref: "refs/heads/main" }), "Allowed", environment);
        }
        const refused: [string, Parameters<typeof assume>[0], string?][] = [
            ["another repository", { sub: "repo:acme/other:environment:accountA", ref: "refs/heads/main" }],
            ["a fork's name alike", { sub: "repo:mallory/pipelines:environment:accountA", ref: "refs/heads/main" }],
            ["another branch", { sub: "repo:acme/pipelines:environment:accountA", ref: "refs/heads/feature" }],
            ["a tag", { sub: "repo:acme/pipelines:environment:accountA", ref: "refs/tags/main" }],
            ["a pull request", { sub: "repo:acme/pipelines:pull_request", ref: "refs/pull/7/merge" }],
            ["a job without an environment", { sub: "repo:acme/pipelines:ref:refs/heads/main", ref: "refs/heads/main" }],
            ["another stack's environment", { sub: "repo:acme/pipelines:environment:accountB", ref: "refs/heads/main" }],
            ["another audience", { sub: "repo:acme/pipelines:environment:accountA", ref: "refs/heads/main", aud: "https://github.com/acme" }],
            ["another account's provider", { sub: "repo:acme/pipelines:environment:accountA", ref: "refs/heads/main" },
                "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"],
        ];
        for (const [what, claims, principal] of refused) {
            assert.equal(await assume(claims, principal), "ImplicitlyDenied", what);
        }
    });

    it("refuses a stack of another account, an unknown stack and a bad setting, each named", async () => {
        await assert.rejects(runBootstrap("x", { ...bootstrapStackConfig("aws-222222222222"), stacks: ["accountA", "nosuch"] }), (error: Error) => {
            assert.match(error.message, /stack accountA deploys with the credentials of account 111111111111, not 222222222222/);
            assert.match(error.message, /stack nosuch: .*Pulumi\.nosuch\.yaml/);
            return true;
        });
        await assert.rejects(runBootstrap("x", { repository: "pipelines", accountId: "2222", stacks: [] }), (error: Error) => {
            assert.match(error.message, /repository: expected the GitHub repository as owner\/name/);
            assert.match(error.message, /accountId: expected the account's 12 digits/);
            assert.match(error.message, /stacks: expected the stacks this account's role deploys/);
            return true;
        });
    });

    it("allows every call the shipped stacks' resources need, in each account, and its policy fits IAM's quota", async () => {
        const runs = await runStacks(projectRoot, ["accountB", "accountA"]);
        for (const [accountId, stacks] of [["222222222222", ["accountB"]], ["111111111111", ["accountA"]]] as const) {
            const policy = deployRolePolicy(accountScope(projectRoot, accountId, [...stacks]));
            assert.deepEqual(await refusedCalls(policy, accountId, stacks.map((s) => runs[s])), [], accountId);
            assert.ok(policySize("roleInlinePolicies", JSON.stringify(policy)) <= quotas.roleInlinePolicies.limit);
        }
    });

    it("allows every call of targets with fleets (a default and a new VPC), a producer, a second region and a pipeline of three accounts", async () => {
        const dir = threeAccountProject((documents) => {
            const [staging, production] = documents["Pulumi.yaml"].config.targets.value;
            production.fleet = { vpc: "new" };
            documents["Pulumi.yaml"].config.extraActions = { value: [{ stage: "Staging", name: "Package", target: staging.name, category: "Build",
                provider: "CodeBuild", configuration: { ProjectName: "Package" }, inputArtifacts: ["BuildOutput"], outputArtifacts: ["Packaged"] }] };
        });
        try {
            const runs = await runStacks(dir, ["staging", "production", "pipeline"]);
            assert.ok(runs.staging.resources.some((r) => r.name.endsWith("-producer")), "Staging has a producer role");
            const [template] = runs.staging.resources.filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate");
            const parameter = String(template.inputs.imageId).replace(/^resolve:ssm:/, "");
            assert.deepEqual((deployRolePolicy(accountScope(dir, "222222222222", ["staging"])).Statement as { Sid: string }[]).find((s) => s.Sid === "ResolveFleetImage"),
                { Sid: "ResolveFleetImage", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:GetParameters"], Resource: [`arn:aws:ssm:us-east-2::parameter${parameter}`] },
                "the launch template's AMI parameter, AWS's public one (no account in its ARN), and only it");
            for (const [accountId, stack] of [["222222222222", "staging"], ["333333333333", "production"], ["111111111111", "pipeline"]] as const) {
                const policy = deployRolePolicy(accountScope(dir, accountId, [stack]));
                assert.deepEqual(await refusedCalls(policy, accountId, [runs[stack]]), [], `${accountId} (${stack})`);
                assert.ok(policySize("roleInlinePolicies", JSON.stringify(policy)) <= quotas.roleInlinePolicies.limit);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("allows a CodeStar source's connection and an existing key, and no key of its own in that region", async () => {
        const connection = "arn:aws:codestar-connections:us-east-2:111111111111:connection/abcd-1234";
        const existingKey = "arn:aws:kms:us-east-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const dir = threeAccountProject((documents) => {
            Object.assign(documents["Pulumi.pipeline.yaml"].config, {
                "cross-account-pipeline:source": { provider: "CodeStarSourceConnection", connectionArn: connection, repository: "acme/app", branch: "main" },
                "cross-account-pipeline:encryptionKey": existingKey,
            });
        });
        try {
            const runs = await runStacks(dir, ["staging", "production", "pipeline"]);
            const policy = deployRolePolicy(accountScope(dir, "111111111111", ["pipeline"]));
            assert.deepEqual(await refusedCalls(policy, "111111111111", [runs.pipeline]), []);
            assert.equal(await decide(policy, "111111111111", { action: "kms:DescribeKey", resource: existingKey, resourcePolicy: keyPolicyOfAccount("111111111111") }),
                "Allowed", "reads the existing key");
            assert.equal(await decide(policy, "111111111111", { action: "codestar-connections:PassConnection", resource: connection,
                context: { "codestar-connections:PassedToService": "codepipeline.amazonaws.com" } }), "Allowed");
            assert.equal(await decide(policy, "111111111111", { action: "kms:CreateKey", resource: "*", context: {
                "kms:KeySpec": "SYMMETRIC_DEFAULT", "kms:KeyUsage": "ENCRYPT_DECRYPT", "kms:KeyOrigin": "AWS_KMS", "kms:MultiRegion": "false", "aws:RequestedRegion": "us-east-2",
            } }), "ImplicitlyDenied", "no key of its own where the existing key is");
            assert.equal(await decide(policy, "111111111111", { action: "s3:PutBucketNotification", resource: "arn:aws:s3:::crossaccountpipeline-111111111111-us-east-2-artifacts",
                context: { "aws:ResourceAccount": "111111111111" } }), "ImplicitlyDenied", "no S3 source, no notification");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("allows nothing beside what the stacks declare: other names, accounts, services, managed policies, keys and artifacts", async () => {
        const target = deployRolePolicy(accountScope(projectRoot, "222222222222", ["accountB"]));
        const pipeline = deployRolePolicy(accountScope(projectRoot, "111111111111", ["accountA"]));
        const denied: [PolicyDocument, string, Call][] = [
            [target, "222222222222", { action: "iam:CreateRole", resource: "arn:aws:iam::222222222222:role/Admin" }],
            [target, "222222222222", { action: "iam:PutRolePolicy", resource: "arn:aws:iam::222222222222:role/cross-account-pipeline/111111111111/OtherPipeline/deploy/CrossAccount_Role" }],
            [target, "222222222222", { action: "iam:CreateRole", resource: "arn:aws:iam::333333333333:role/cross-account-pipeline/111111111111/CrossAccountPipeline/deploy/CrossAccount_Role" }],
            [target, "222222222222", { action: "iam:AttachRolePolicy", resource: "arn:aws:iam::222222222222:role/Staging-CodeDeployService",
                context: { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" } }],
            [target, "222222222222", { action: "iam:PassRole", resource: "arn:aws:iam::222222222222:role/Staging-CodeDeployService", context: { "iam:PassedToService": "ec2.amazonaws.com" } }],
            [target, "222222222222", { action: "codedeploy:CreateApplication", resource: "arn:aws:codedeploy:us-east-2:222222222222:application:OtherApplication" }],
            [target, "222222222222", { action: "codedeploy:CreateDeployment", resource: "arn:aws:codedeploy:us-east-2:222222222222:deploymentgroup:AccountBApplicationName/AccountBApplicationGroupName" }],
            [target, "222222222222", { action: "ec2:RunInstances", resource: "arn:aws:ec2:us-east-2:222222222222:instance/*" }],
            [pipeline, "111111111111", { action: "s3:PutBucketPolicy", resource: "arn:aws:s3:::someone-elses-bucket", context: { "aws:ResourceAccount": "111111111111" } }],
            [pipeline, "111111111111", { action: "s3:GetObject", resource: "arn:aws:s3:::crossaccountpipeline-111111111111-us-east-2-artifacts/CrossAccountPipeline/x.zip" }],
            [pipeline, "111111111111", { action: "s3:DeleteBucket", resource: "arn:aws:s3:::crossaccountpipeline-111111111111-us-east-2-artifacts", context: { "aws:ResourceAccount": "111111111111" } }],
            [pipeline, "111111111111", { action: "kms:PutKeyPolicy", resource: "arn:aws:kms:us-east-2:111111111111:key/another-key",
                context: { "kms:ResourceAliases": ["alias/Payroll"] }, resourcePolicy: keyPolicyOfAccount("111111111111") }],
            [pipeline, "111111111111", { action: "kms:ScheduleKeyDeletion", resource: "arn:aws:kms:us-east-2:111111111111:key/any", resourcePolicy: keyPolicyOfAccount("111111111111") }],
            [pipeline, "111111111111", { action: "kms:Decrypt", resource: "arn:aws:kms:us-east-2:111111111111:key/any", resourcePolicy: keyPolicyOfAccount("111111111111") }],
            [pipeline, "111111111111", { action: "kms:CreateKey", resource: "*", context: {
                "kms:KeySpec": "RSA_4096", "kms:KeyUsage": "SIGN_VERIFY", "kms:KeyOrigin": "AWS_KMS", "kms:MultiRegion": "false", "aws:RequestedRegion": "us-east-2" } }],
            [pipeline, "111111111111", { action: "kms:CreateKey", resource: "*", context: {
                "kms:KeySpec": "SYMMETRIC_DEFAULT", "kms:KeyUsage": "ENCRYPT_DECRYPT", "kms:KeyOrigin": "AWS_KMS", "kms:MultiRegion": "false", "aws:RequestedRegion": "eu-west-1" } }],
            [pipeline, "111111111111", { action: "codepipeline:StartPipelineExecution", resource: "arn:aws:codepipeline:us-east-2:111111111111:CrossAccountPipeline" }],
            [pipeline, "111111111111", { action: "iam:PassRole", resource: "arn:aws:iam::111111111111:role/CrossAccountPipeline-CodeBuildService", context: { "iam:PassedToService": "codepipeline.amazonaws.com" } }],
        ];
        for (const [policy, accountId, call] of denied) {
            assert.equal(await decide(policy, accountId, call), "ImplicitlyDenied", `${call.action} ${call.resource}`);
        }
        // A role it created, whose trust it wrote to name it, is still not its to assume; without the deny, that trust alone would do.
        for (const [policy, accountId] of [[target, "222222222222"], [pipeline, "111111111111"]] as const) {
            const role = `arn:aws:iam::${accountId}:role/cross-account-pipeline/111111111111/CrossAccountPipeline/deploy/CrossAccount_Role`;
            const trustingIt = { kind: "trust policy" as const, policy: policyDocument([{ Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${accountId}:role/${deployRoleName}` }, Action: "sts:AssumeRole" }]) };
            assert.equal(await decide(policy, accountId, { action: "sts:AssumeRole", resource: role, resourcePolicy: trustingIt }), "ExplicitlyDenied");
            const withoutTheDeny = { ...policy, Statement: (policy.Statement as { Sid?: string }[]).filter((s) => s.Sid !== "AssumeNoOtherRole") };
            assert.equal(await decide(withoutTheDeny as PolicyDocument, accountId, { action: "sts:AssumeRole", resource: role, resourcePolicy: trustingIt }), "Allowed");
        }
        assert.equal(await decide(pipeline, "111111111111", { action: "kms:PutKeyPolicy", resource: "arn:aws:kms:us-east-2:111111111111:key/artifact-key",
            context: { "kms:ResourceAliases": ["alias/CrossAccountPipeline-Key"] }, resourcePolicy: keyPolicyOfAccount("111111111111") }), "Allowed", "the artifact key, by its alias");
    });

    it("names only actions the IAM evaluator knows, for every statement of every example", async () => {
        const dir = threeAccountProject((documents) => {
            documents["Pulumi.yaml"].config.targets.value[1].fleet = { vpc: "new" };
        });
        try {
            const policies = [
                deployRolePolicy(accountScope(dir, "111111111111", ["pipeline"]), parseStateBackend("s3://state-bucket/pulumi")),
                deployRolePolicy(accountScope(dir, "333333333333", ["production"])),
            ];
            const actions = new Set(policies.flatMap((p) => (p.Statement as { Action: string | string[] }[]).flatMap((s) => s.Action)).filter((a) => !a.includes("*")));
            assert.ok(actions.size > 100, `${actions.size} actions`);
            for (const action of actions) {
                const result = await decide(policies[0], "111111111111", { action, resource: "*" });
                assert.notEqual(result, "EvaluationError", `${action} is not an action IAM knows`);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("the deploy role with an S3 state backend and KMS secrets", () => {
    const keyArn = "arn:aws:kms:us-east-2:111111111111:key/0a1b2c3d-1111-2222-3333-444455556666";
    let dir: string;
    let backend: StateBackend;
    before(() => {
        dir = threeAccountProject((documents) => {
            for (const file of ["Pulumi.pipeline.yaml", "Pulumi.staging.yaml", "Pulumi.production.yaml"]) {
                documents[file].secretsprovider = `awskms://${keyArn}?region=us-east-2`;
                documents[file].config["cross-account-pipeline:region"] = "us-east-2";
            }
        });
        backend = parseStateBackend("s3://acme-pulumi-state/cross-account?region=us-east-2");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const object = (key: string) => `arn:aws:s3:::acme-pulumi-state/cross-account/.pulumi/${key}`;

    it("reads the backend URL: bucket, prefix, region aside", () => {
        assert.deepEqual(backend, { bucket: "acme-pulumi-state", prefix: "cross-account/" });
        assert.deepEqual(parseStateBackend("s3://acme-pulumi-state"), { bucket: "acme-pulumi-state", prefix: "" });
        assert.throws(() => parseStateBackend("https://api.pulumi.com"), /not an S3 backend URL/);
    });

    /**
     * What the owner of the state bucket and key (here the pipeline account) grants the deploy roles of the other accounts,
     * as the README says: the backend's prefix and the key, to the roles by ARN; each role's own policy narrows that to its
     * stacks. Not its own account's role: a bucket policy naming a principal of its own account is enough alone
     * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), so that role's policy decides.
     */
    const roles = ["222222222222", "333333333333"].map((account) => `arn:aws:iam::${account}:role/${deployRoleName}`);
    const stateBucketPolicy: Call["resourcePolicy"] = { kind: "bucket policy", policy: { Version: "2012-10-17", Statement: [
        { Sid: "DeployRolesReadTheBackend", Effect: "Allow", Principal: { AWS: roles }, Action: "s3:ListBucket", Resource: "arn:aws:s3:::acme-pulumi-state",
            Condition: { StringLike: { "s3:prefix": "cross-account/*" } } },
        { Sid: "DeployRolesUseTheirState", Effect: "Allow", Principal: { AWS: roles }, Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: "arn:aws:s3:::acme-pulumi-state/cross-account/.pulumi/*" },
    ] } };
    const secretsKeyPolicy: Call["resourcePolicy"] = { kind: "key policy", policy: { Version: "2012-10-17", Statement: [
        { Sid: "EnableAccountAdministration", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "kms:*", Resource: "*" },
        { Sid: "DeployRolesEncryptTheirSecrets", Effect: "Allow", Principal: { AWS: roles }, Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*" },
    ] } };

    it("reads and writes its own stacks' state, reads the stacks its pipeline stack reads, and no other", async () => {
        const staging = deployRolePolicy(accountScope(dir, "222222222222", ["staging"]), backend);
        const pipeline = deployRolePolicy(accountScope(dir, "111111111111", ["pipeline"]), backend);
        const expect = async (policy: PolicyDocument, accountId: string, call: Call, result: string) => assert.equal(
            await decide(policy, accountId, { resourceAccount: "111111111111", resourcePolicy: call.action.startsWith("kms:") ? secretsKeyPolicy : stateBucketPolicy, ...call }),
            result, `${accountId} ${call.action} ${call.resource}`);
        for (const key of ["stacks/cross-account-pipeline/staging.json", "stacks/cross-account-pipeline/staging.json.bak", "history/cross-account-pipeline/staging/staging-1.history.json",
            "backups/cross-account-pipeline/staging/staging.1.json", "locks/organization/cross-account-pipeline/staging/abc.json"]) {
            for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
                await expect(staging, "222222222222", { action, resource: object(key) }, "Allowed");
            }
        }
        await expect(staging, "222222222222", { action: "s3:GetObject", resource: object("meta.yaml") }, "Allowed");
        await expect(staging, "222222222222", { action: "s3:PutObject", resource: object("meta.yaml") }, "ImplicitlyDenied");
        await expect(staging, "222222222222", { action: "s3:GetObject", resource: object("stacks/cross-account-pipeline/production.json") }, "ImplicitlyDenied");
        await expect(staging, "222222222222", { action: "s3:PutObject", resource: object("stacks/cross-account-pipeline/pipeline.json") }, "ImplicitlyDenied");
        // The pipeline stack reads its targets' outputs (StackReference) and writes only its own state.
        await expect(pipeline, "111111111111", { action: "s3:GetObject", resource: object("stacks/cross-account-pipeline/staging.json") }, "Allowed");
        await expect(pipeline, "111111111111", { action: "s3:PutObject", resource: object("stacks/cross-account-pipeline/staging.json") }, "ImplicitlyDenied");
        await expect(pipeline, "111111111111", { action: "s3:PutObject", resource: object("stacks/cross-account-pipeline/pipeline.json") }, "Allowed");
        await expect(staging, "222222222222", { action: "s3:ListBucket", resource: "arn:aws:s3:::acme-pulumi-state", context: { "s3:prefix": "cross-account/.pulumi/stacks/" } }, "Allowed");
        await expect(staging, "222222222222", { action: "s3:ListBucket", resource: "arn:aws:s3:::acme-pulumi-state", context: { "s3:prefix": "other-team/" } }, "ImplicitlyDenied");
        await expect(staging, "222222222222", { action: "kms:Encrypt", resource: keyArn }, "Allowed");
        await expect(staging, "222222222222", { action: "kms:Decrypt", resource: keyArn }, "Allowed");
        await expect(staging, "222222222222", { action: "kms:Decrypt", resource: "arn:aws:kms:us-east-2:111111111111:key/another" }, "ImplicitlyDenied");
        // Without the owner's grant, another account's role gets nothing of the state, whatever its own policy says.
        assert.equal(await decide(staging, "222222222222", { action: "s3:GetObject", resource: object("stacks/cross-account-pipeline/staging.json"), resourceAccount: "111111111111" }),
            "ImplicitlyDenied");
    });

    it("refuses stacks whose secrets provider is not a KMS key by ARN, each named", async () => {
        // The repository's own stacks keep the passphrase provider: no key for the role to use.
        await assert.rejects(runBootstrap("aws-222222222222", { ...bootstrapStackConfig("aws-222222222222"), stateBackend: "s3://acme-pulumi-state" }),
            /stack accountB: with an S3 state backend its stack file needs secretsprovider: awskms:\/\/<key ARN>\?region=<region>[^]*not "\(none\)"/);
        const aliased = threeAccountProject((documents) => {
            documents["Pulumi.staging.yaml"].secretsprovider = "awskms://alias/pulumi?region=us-east-2";
        });
        try {
            assert.match(secretsProviderProblems(accountScope(aliased, "222222222222", ["staging"])).join("\n"), /stack staging: [^]*not "awskms:\/\/alias\/pulumi\?region=us-east-2"/);
            assert.deepEqual(secretsProviderProblems(accountScope(dir, "111111111111", ["pipeline"])), [], "the pipeline stack and the stacks it reads, each by key ARN");
        } finally {
            fs.rmSync(aliased, { recursive: true, force: true });
        }
    });
});
