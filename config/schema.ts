// The program's config, declared once: each key's type, default, rule, wording and description.
// The program parses Pulumi's raw strings with it (config/index.ts), editors get it as a JSON Schema of
// the stack files, and the config reference tables of docs/configuration.md are generated from it (schema/). Rules between
// keys are in config/rules.ts; defaults derived from other keys (a target's region and role names)
// are filled by `resolved`, whose result is the ProgramConfig the rest of the code sees.
import { Region } from "@pulumi/aws/types/enums";
import { z } from "zod";
import { amazonLinux2023Parameters, instanceTypeArchitecture, instanceTypePattern, isMacInstanceType } from "../definition/fleet";
import { kmsReference } from "../definition/names";
import { namePattern, namingRules } from "../definition/quotas";
import { expecting, lengthOf, shown, Wording } from "./problems";

declare module "zod" {
    interface GlobalMeta {
        /** The default as the reference says it, where it is not a plain value: derived, conditional or "none". */
        defaultText?: string;
    }
}

export const configNamespace = "cross-account-pipeline";

export const deployModes = ["pipeline", "target", "all"] as const;
export type DeployMode = (typeof deployModes)[number];

export const defaults = {
    pipelineName: "CrossAccountPipeline",
    deploymentConfigName: "CodeDeployDefault.OneAtATime",
    sourceObjectKey: "source.zip",
    sourceBranch: "main",
    buildImage: "aws/codebuild/standard:7.0",
    buildComputeType: "BUILD_GENERAL1_SMALL",
    // Passes the source bundle (appspec.yml and all) through as the deployable artifact.
    buildspec: [
        "version: 0.2",
        "phases:",
        "  build:",
        "    commands:",
        "      - echo \"Packaging $CODEBUILD_RESOLVED_SOURCE_VERSION\"",
        "artifacts:",
        "  files:",
        "    - '**/*'",
    ].join("\n"),
    artifactRetentionDays: 30,
    buildLogRetentionDays: 90,
    fleet: { size: 1, instanceType: "t3.micro", vpc: "default" as "default" | "new" },
};

/**
 * The tag a deployment group selects its instances by when config names none: one per deployment group.
 * A deployment group name is unique within its application, and an application name within its account
 * and region (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html,
 * API_CreateApplication.html), so `<application>/<group>` selects no other group's instances there. Tag
 * values may hold '/' and up to 256 characters
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions): 100 + 1 + 100 fit.
 */
const defaultInstanceTagKey = "CodeDeployDeploymentGroup";

export function defaultInstanceTag(target: { applicationName: string; deploymentGroupName: string }): { key: string; value: string } {
    return { key: defaultInstanceTagKey, value: `${target.applicationName}/${target.deploymentGroupName}` };
}

/** The stages every pipeline has before its targets' stages. */
export const pipelineOwnStages = ["Source", "Build"];

/** The role names a target gets when config names none: `<target name><suffix>`. */
export const derivedRoleSuffixes = {
    crossAccountRoleName: "-CrossAccount",
    instanceRoleName: "-CodeDeployInstance",
    codeDeployServiceRoleName: "-CodeDeployService",
    producerRoleName: "-ArtifactProducer",
} as const;
export type RoleField = keyof typeof derivedRoleSuffixes;
export const roleFields = Object.keys(derivedRoleSuffixes) as RoleField[];

export function derivedRoleName(targetName: string, field: RoleField): string {
    return `${targetName}${derivedRoleSuffixes[field]}`;
}

// CodePipeline stage, action and pipeline names, and IAM role names, as AWS names them (definition/quotas.ts).
const stageNamePattern = namePattern(namingRules.stage);
const stageNameText = "1-100 letters, digits, '.', '@', '_' or '-'";
const roleNamePattern = namePattern(namingRules.iamRole);
// CodeDeploy application, deployment group and deployment config names:
// https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateApplication.html
const codeDeployNamePattern = /^[\w.+=,@-]{1,100}$/;
// Role ARNs, arn:<partition>:iam::<account>:role/<path><name>:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-identifiers.html#identifiers-arns
const roleArnPattern = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const connectionArnPattern = /^arn:aws[\w-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/;
// A stack name as a StackReference takes it: `stack`, `project/stack` or `organization/project/stack`.
const stackNamePattern = /^[\w.-]+(\/[\w.-]+){0,2}$/;
const qualifiedStackNamePattern = /^[\w.-]+\/[\w.-]+\/[\w.-]+$/;
// Action categories, owners, providers (1-35 of [0-9A-Za-z_-]) and versions (here: digits):
// https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionTypeId.html
const actionCategories = ["Source", "Build", "Test", "Deploy", "Approval", "Invoke"] as const;
const knownRegions: string[] = Object.values(Region);

// Field kinds: each declares its wording once, for the schema and for the checks on it.

function text(pattern: RegExp, expected: string, wording?: Wording) {
    return z.string({ error: expecting(expected, wording) }).regex(pattern);
}

/**
 * A whole number from 1 to `max`, written as a number or as its digits (Pulumi hands top-level values over as text);
 * `expected` says so, and names the limit when there is one.
 */
function wholeNumber(expected = "a whole number of at least 1", max = Number.MAX_SAFE_INTEGER) {
    const error = expecting(expected);
    return z.union([
        z.int({ error }).min(1).max(max),
        z.string({ error }).regex(/^0*[1-9][0-9]*$/).refine((digits) => Number(digits) <= max, { error }).transform(Number),
    ], { error });
}

// The retention periods CloudWatch Logs accepts: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
const logRetentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** A log retention in days that CloudWatch Logs accepts, written as a number or as its digits. */
function logRetention() {
    const error = expecting(`one of CloudWatch Logs' retention periods in days: ${logRetentionDays.join(", ")}`);
    return z.union([z.int({ error }), z.string({ error }).regex(/^[0-9]+$/).transform(Number)], { error })
        .refine((days) => logRetentionDays.includes(days), { error });
}

/** true or false, written as a boolean or as its text. */
function flag() {
    const error = expecting("true or false");
    return z.union([z.boolean({ error }), z.enum(["true", "false"], { error }).transform((value) => value === "true")], { error });
}

/** An object of exactly these fields; `expected` says what it looks like when the value is not one. */
function object<Shape extends z.ZodRawShape>(shape: Shape, expected: string) {
    const fields = Object.keys(shape).join(", ");
    const notAnObject = expecting(expected);
    return z.strictObject(shape, {
        error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field; expected only: ${fields}` : notAnObject(issue)),
    });
}

/** A key whose YAML value (an object or list) Pulumi hands over as JSON text. */
function structured<Schema extends z.ZodType>(schema: Schema) {
    return z.preprocess((value, context) => {
        if (typeof value !== "string") {
            return value;
        }
        try {
            return JSON.parse(value) as unknown;
        } catch {
            context.addIssue({ code: "custom", input: value, message: `${shown(value)} is not valid structured config; expected a YAML object or list` });
            return z.NEVER;
        }
    }, schema);
}

// https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html: 12 digits, leading zeros included.
const accountId = () => text(/^\d{12}$/, "exactly 12 digits (quote it in YAML to keep leading zeros)", {
    invalid: "is not an AWS account id",
    missing: `a 12-digit AWS account id (quote it in YAML: "111111111111")`,
    asText: "an AWS account id is 12 digits, as a string",
});

/**
 * A region by its form (`us-east-2`, `cn-north-1`, `us-gov-west-1`, `eusc-de-east-1`), not by the pinned provider's
 * list: the provider accepts any region (skipRegionValidation is true by default in pulumi-aws), so a region AWS
 * opened after the pin works; one the list lacks is warned about (unlistedRegions).
 */
const regionPattern = /^[a-z]{2,4}(-[a-z]+){1,2}-\d{1,2}$/;
const region = () => text(regionPattern, `an AWS region such as "us-east-2"`, {
    invalid: "is not an AWS region name", missing: `an AWS region such as "us-east-2"`,
});

/** The regions a config names that the pinned provider's list (@pulumi/aws `Region`) lacks: accepted, and worth a second look. */
export function unlistedRegions(config: { region: string; targets: { region: string }[]; adoptRetained: Record<string, unknown> }): string[] {
    const named = [config.region, ...config.targets.map((target) => target.region), ...Object.keys(config.adoptRetained)];
    return [...new Set(named)].filter((name) => !knownRegions.includes(name));
}

const roleName = () => text(roleNamePattern, "an IAM role name (1-64 letters, digits or + = , . @ _ -)");

export const credentials = (account: string) => object({
    profile: text(/^[\w.@+-]+$/, "the name of an AWS CLI profile").optional()
        .describe("an AWS CLI profile with credentials of this account"),
    assumeRoleArn: text(roleArnPattern, `an IAM role ARN such as "arn:aws:iam::111111111111:role/Deployer"`).optional()
        .describe(`a role of ${account} that the provider assumes`),
}, `an object with "profile" or "assumeRoleArn"`).prefault({});

const fleetSettings = object({
    size: wholeNumber().prefault(defaults.fleet.size).describe("instances the Auto Scaling group keeps running"),
    instanceType: text(instanceTypePattern, `an EC2 instance type such as "t3.micro"`)
        .refine((instanceType) => !isMacInstanceType(instanceType), {
            error: (issue) => `${shown(issue.input)} is a Mac instance type, which runs only macOS, on a Dedicated Host; ` +
                `expected an instance type the fleet's Amazon Linux runs on, such as "t3.micro" or "t4g.micro"`,
        })
        .default(defaults.fleet.instanceType)
        .describe("the EC2 instance type, not a Mac one; its architecture (arm64 for AWS Graviton types such as `t4g` and `m7g`, x86_64 otherwise) " +
            "chooses the default AMI"),
    amiParameter: text(/^\/[\w./-]+$/, "an SSM parameter path naming an AMI").optional()
        .meta({
            description: "the SSM parameter that names the AMI; refused when its name says the other architecture than the instance type's " +
                "(`x86_64` or `amd64`, `arm64` or `aarch64`); one whose name says neither is not checked",
            defaultText: `the latest Amazon Linux 2023 of the instance type's architecture (\`${amazonLinux2023Parameters.x86_64}\` or \`-arm64\`)`,
        }),
    vpc: z.enum(["default", "new"], { error: expecting(`"default" (the account's default VPC) or "new"`) }).default(defaults.fleet.vpc)
        .describe("`default`: the account's default VPC; `new`: a VPC with two zones and one NAT gateway"),
}, "true or an object {size, instanceType, amiParameter, vpc}");

/** A stage name that is not one of the pipeline's own stages; `what` says why it is a stage name. */
function stageName(expected: string, why: string) {
    return text(stageNamePattern, expected).refine((name) => !pipelineOwnStages.includes(name), {
        error: (issue) => `${shown(issue.input)} is the name of one of the pipeline's own stages (${pipelineOwnStages.join(", ")}); expected another name, ${why}`,
    });
}

const targetEntry = object({
    name: stageName(`a stage name of ${stageNameText}`, "target names are stage names")
        .describe("key of the `targets` output, and the name of the target's stage when it names no `wave`"),
    accountId: accountId().describe("the target account, 12 digits quoted; not the pipeline account"),
    stack: text(qualifiedStackNamePattern, `<organization>/<project>/<stack>, e.g. "organization/cross-account-pipeline/accountB"`, { invalid: "is not a stack name" })
        .optional()
        .meta({
            description: "the stack that deploys this target's account (`deploy: target`), fully qualified, e.g. `organization/cross-account-pipeline/accountB`",
            defaultText: "(required with `deploy: pipeline`)",
        }),
    region: region().optional()
        .meta({
            description: "the target's region, in the pipeline's partition (`aws`, `aws-cn`, `aws-us-gov`...: partitions share no IAM); another region gets its own artifact store",
            defaultText: "the pipeline's region",
        }),
    applicationName: text(codeDeployNamePattern, "a CodeDeploy application name (1-100 letters, digits or . _ - + = , @)")
        .describe("the CodeDeploy application"),
    deploymentGroupName: text(codeDeployNamePattern, "a CodeDeploy deployment group name (1-100 letters, digits or . _ - + = , @)")
        .describe("the CodeDeploy deployment group"),
    deploymentConfigName: text(codeDeployNamePattern, "a CodeDeploy deployment config name").default(defaults.deploymentConfigName)
        .describe("how CodeDeploy rolls the revision out"),
    crossAccountRoleName: roleName().optional()
        .meta({ description: "the role the pipeline assumes (the walkthrough's `CrossAccount_Role`)", defaultText: `\`<name>${derivedRoleSuffixes.crossAccountRoleName}\`` }),
    instanceRoleName: roleName().optional()
        .meta({ description: "the role of the deployment group's instances", defaultText: `\`<name>${derivedRoleSuffixes.instanceRoleName}\`` }),
    codeDeployServiceRoleName: roleName().optional()
        .meta({ description: "the role CodeDeploy uses in the target account", defaultText: `\`<name>${derivedRoleSuffixes.codeDeployServiceRoleName}\`` }),
    producerRoleName: roleName().optional()
        .meta({
            description: "the role of this target's extra actions that produce artifacts (`extraActions[].outputArtifacts`), the only role of a target account " +
                "that may write artifacts; declared only for such a target",
            defaultText: `\`<name>${derivedRoleSuffixes.producerRoleName}\``,
        }),
    // The fleet's Auto Scaling group puts this tag on the instances it launches: a key of 1-128 characters that does not
    // start with aws: (reserved), a value of up to 256 (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Tag.html,
    // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions).
    instanceTag: object({
        key: text(/^.+$/, "a tag key of 1-128 characters, not starting with aws: (EC2 and Auto Scaling's limits)").max(128)
            .refine((key) => !/^aws:/i.test(key), {
                error: (issue) => `${shown(issue.input)} starts with aws:, which AWS reserves for its own tags; expected another tag key`,
            })
            .describe("the tag key"),
        value: text(/^.+$/, "a tag value of 1-256 characters (EC2 and Auto Scaling's limit)").max(256).describe("the tag value"),
    }, "{key, value}, the EC2 tag that marks the deployment group's instances").optional()
        .meta({
            description: "the EC2 tag the deployment group selects instances by; no other deployment group of the account and region may select by the same tag",
            defaultText: `\`{key: ${defaultInstanceTagKey}, value: <applicationName>/<deploymentGroupName>}\``,
        }),
    wave: stageName(`a wave name of ${stageNameText}`, "wave names are stage names").optional()
        .meta({
            description: "the wave this target deploys in: the targets of a wave share a stage and deploy in parallel; waves run in the order of their first target",
            defaultText: "the target's name: a wave, and a stage, of its own",
        }),
    requireApproval: flag().optional()
        .meta({
            description: "a manual approval before this target's wave, for a target alone in its wave; a wave of several targets takes its approval from `waves`",
            defaultText: "`false`",
        }),
    credentials: credentials("this target's account").meta({
        description: "`{profile}` or `{assumeRoleArn}` (a role of this target's account) for this account's provider",
        defaultText: "ambient",
    }),
    fleet: z.union([z.boolean(), fleetSettings], { error: expecting("true or an object {size, instanceType, amiParameter, vpc}") })
        .transform((fleet) => (fleet === true ? fleetSettings.parse({}) : fleet === false ? undefined : fleet))
        .optional()
        .meta({
            description: `\`true\` or \`{size: ${defaults.fleet.size}, instanceType: ${defaults.fleet.instanceType}, ` +
                `amiParameter: <the AL2023 SSM parameter of the instance type's architecture>, vpc: ${defaults.fleet.vpc} | new}\`: an Auto Scaling group ` +
                "with the CodeDeploy agent, attached to the deployment group. Assumes an Amazon Linux 2023 AMI. The instance type's architecture is arm64 for " +
                "AWS Graviton types (`t4g`, `m7g`, `c7gn`...), x86_64 otherwise; an `amiParameter` whose name says the other one is refused, one whose name " +
                "says neither passes unchecked; Mac instance types are refused. `vpc: default` needs the account's default VPC; `vpc: new` creates two zones " +
                "with one NAT gateway and its elastic IP, billed hourly, which the plan lists",
            defaultText: "off",
        }),
}, "an object {name, accountId, applicationName, deploymentGroupName}");

const source = z.discriminatedUnion("provider", [
    object({
        provider: z.literal("S3").default("S3").describe("an S3 bucket of the pipeline account, created here"),
        // Keys of up to 1,024 bytes: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
        objectKey: text(/^[^\s].{0,1023}$/, `an S3 object key such as "source.zip"`).default(defaults.sourceObjectKey)
            .describe("the object whose new versions start the pipeline"),
    }, "an object {provider: S3, objectKey}"),
    object({
        provider: z.literal("CodeStarSourceConnection").describe("a repository through a CodeStar connection"),
        connectionArn: text(connectionArnPattern, `a CodeStar connection ARN such as "arn:aws:codestar-connections:us-east-2:111111111111:connection/abcd-1234"`)
            .describe("the connection's ARN"),
        repository: text(/^[\w.-]+\/[\w.-]+$/, `a repository as "owner/name"`).describe("the repository, `owner/name`"),
        branch: text(/^[^\s]+$/, "a branch name").default(defaults.sourceBranch).describe("the branch whose changes start the pipeline"),
    }, "an object {provider: CodeStarSourceConnection, connectionArn, repository, branch}"),
], {
    error: (issue) => (issue.code === "invalid_union" && issue.discriminator
        ? `${shown((issue.input as Record<string, unknown>)[issue.discriminator])} is not valid; expected "S3" or "CodeStarSourceConnection"`
        : expecting("an object {provider: S3 | CodeStarSourceConnection, ...}")(issue)),
});

/**
 * `target` as Pulumi hands it over: one name as written, a list of names as JSON text (which this parses;
 * it throws on bad JSON). A target name never starts with "[" (stage names cannot), so only a list is parsed.
 */
function rawTargetNames(value: string): unknown {
    return value.trimStart().startsWith("[") ? JSON.parse(value) as unknown : value;
}

/** `target`: one name, or a list of names. */
function targetNames() {
    const name = z.string({ error: expecting("the name of an entry of targets") });
    return z.preprocess((value, context) => {
        try {
            return typeof value === "string" ? rawTargetNames(value) : value;
        } catch {
            context.addIssue({ code: "custom", input: value, message: `${shown(value)} is not valid structured config; expected a name or a YAML list of names` });
            return z.NEVER;
        }
    }, z.union([name, z.array(name, { error: expecting("a non-empty list of names of entries of targets") }).min(1)], {
        error: expecting("the name of an entry of targets, or a list of such names"),
    }));
}

/**
 * An action type's version, written as text or, as everybody writes it in YAML, as a number: here digits, of which
 * ActionTypeId allows 1 to 9 (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionTypeId.html).
 */
function actionVersion() {
    const error = expecting(`an action version of 1-9 digits such as "1" (CodePipeline's limit)`);
    return z.union([z.string({ error }).regex(/^[0-9]+$/).max(9), z.int({ error }).min(0).max(999_999_999).transform(String)], { error });
}

// Artifact names: 1-100 of [a-zA-Z0-9_\-]: https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_OutputArtifact.html
const artifactNames = () => z.array(text(/^[\w-]{1,100}$/, "an artifact name (letters, digits, '_' or '-')"), {
    error: expecting("a list of artifact names (letters, digits, '_' or '-')"),
}).default([]);

const extraAction = object({
    stage: text(stageNamePattern, "the stage to add the action to: Source, Build or a wave's stage")
        .describe("the stage to add the action to: `Source`, `Build`, a wave's name (a target's name, for a target without `wave`), " +
            "or `<wave>-<n>` for the stages of a wave split over several"),
    name: text(stageNamePattern, `an action name of ${stageNameText}`).describe("the action's name, unique within its stage"),
    category: z.enum(actionCategories, { error: expecting(`one of: ${actionCategories.join(", ")}`, { invalid: "is not a valid value" }) })
        .describe("the action's category"),
    owner: z.enum(["AWS", "ThirdParty", "Custom"], { error: expecting("AWS, ThirdParty or Custom") }).default("AWS")
        .describe("who provides the action"),
    provider: text(/^[\w-]{1,35}$/, `an action provider such as "CodeBuild"`).describe("the action's provider, e.g. `CodeBuild`"),
    version: actionVersion().prefault("1").describe("the action type's version; `1` and \"1\" are the same"),
    target: text(stageNamePattern, "the name of a target").optional()
        .describe("the target whose account runs the action, with its cross-account role and in its region; absent: the pipeline account"),
    inputArtifacts: artifactNames().describe("artifacts the action reads"),
    outputArtifacts: artifactNames().describe("artifacts the action produces"),
    // An action's configuration: keys of 1-50 characters, values of 1-1000, and a runOrder of 1 to 999
    // (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html).
    configuration: z.record(
        z.string().min(1).max(50),
        z.string({ error: expecting("a configuration value of 1-1000 characters, as a string (CodePipeline's limit)") }).min(1).max(1000),
        {
            // A key that breaks its limit comes as invalid_key, reported with the key in its path.
            error: (issue) => ((issue as { code: string }).code === "invalid_key"
                ? `this key ${lengthOf(String(issue.input))}; expected a configuration key of 1-50 characters (CodePipeline's limit)`
                : expecting("an object of string values")(issue)),
        },
    ).default({}).describe("the action's configuration, string values"),
    runOrder: wholeNumber("a whole number from 1 to 999 (CodePipeline's limit)", 999).prefault(1)
        .describe("actions of one stage run in this order, from 1 to 999; equal numbers run in parallel"),
}, "an object {stage, name, category, provider, ...}");

/** Every key of this program's namespace, in the order the reference lists them. */
const configShape = {
    deploy: z.enum(deployModes, { error: expecting(`one of: ${deployModes.join(", ")}`, { invalid: "is not a valid value" }) })
        .describe("what this stack deploys: `pipeline` (the pipeline account), `target` (one target's account) or `all` (every account, in one stack)"),
    region: region().describe("the pipeline's region; the artifact key lives here"),
    pipelineAccountId: accountId().describe("the pipeline account, 12 digits quoted"),
    targets: structured(z.array(targetEntry, {
        error: expecting("a non-empty list of {name, accountId, applicationName, deploymentGroupName}", {
            missing: "a list of {name, accountId, applicationName, deploymentGroupName}",
        }),
    }).min(1)).describe("the target entries, in deployment order: a stage each, or a stage per wave of targets (`wave`)"),
    waves: structured(z.array(object({
        name: text(stageNamePattern, "the name of a wave of targets (targets[].wave)").describe("the wave, as its targets name it in `wave`"),
        requireApproval: flag().prefault(false).describe("a manual approval before the wave deploys"),
    }, "an object {name, requireApproval}"), { error: expecting("a list of {name, requireApproval}") }).default([])).meta({
        description: "`{name, requireApproval}` per wave: a manual approval before all the targets of a wave deploy",
        defaultText: "none",
    }),
    target: targetNames().optional()
        .meta({
            description: "with `deploy: target`: which entries of `targets` this stack deploys, a name or a list of names, all of one account; " +
                "targets that share a CodeDeploy application in one account and region must be deployed by one stack",
            defaultText: "(required with `deploy: target`)",
        }),
    pipelineStack: text(stackNamePattern, `<organization>/<project>/<stack>, e.g. "organization/cross-account-pipeline/accountA"`, { invalid: "is not a stack name" })
        .optional()
        .meta({ description: "no longer read (a target stack reads nothing from the pipeline stack); accepted so that older stack files keep working, with a warning", defaultText: "none" }),
    pipelineName: text(stageNamePattern, `1-100 characters of letters, digits, '.', '@', '_' or '-'`, { invalid: "is not a valid pipeline name" })
        .default(defaults.pipelineName)
        .describe("pipeline name, unique in the pipeline account across regions (its IAM roles and its target roles' paths name no region); " +
            "prefixes the roles, project, rule, buckets and alias, so it must suit each of their naming rules"),
    pipelineCredentials: structured(credentials("the pipeline account")).meta({
        description: "`{profile}` or `{assumeRoleArn}` (a role of the pipeline account) for the pipeline account's provider",
        defaultText: "ambient",
    }),
    source: structured(source.prefault({})).meta({
        description: "`{provider: S3, objectKey}` or `{provider: CodeStarSourceConnection, connectionArn, repository: owner/name, branch}`",
        defaultText: `\`{provider: S3, objectKey: ${defaults.sourceObjectKey}}\``,
    }),
    build: structured(object({
        image: text(/^\S+$/, `a CodeBuild image such as "aws/codebuild/standard:7.0"`).default(defaults.buildImage).describe("the CodeBuild image"),
        computeType: text(/^BUILD_[A-Z0-9_]+$/, `a CodeBuild compute type such as "BUILD_GENERAL1_SMALL"`).default(defaults.buildComputeType)
            .describe("the CodeBuild compute type"),
        buildspec: text(/\S/, "an inline buildspec").default(defaults.buildspec).describe("an inline buildspec; the default passes the source through"),
    }, "an object {image, computeType, buildspec}").prefault({})).meta({
        description: "`{image, computeType, buildspec}`",
        defaultText: `\`${defaults.buildImage}\`, \`${defaults.buildComputeType}\`, a pass-through buildspec`,
    }),
    extraActions: structured(z.array(extraAction, { error: expecting("a list of actions") }).default([])).meta({
        description: "extra actions `{stage, name, category, provider, owner, version, target?, inputArtifacts, outputArtifacts, configuration, runOrder}`; " +
            "`target` runs it with that target's role. Checked against the walkthrough's artifact rules; Jenkins cannot run in a target account",
        defaultText: "none",
    }),
    encryptionKey: z.string()
        .refine((key) => kmsReference(key) !== undefined, {
            error: (issue) => `${shown(issue.input)} is not a key ARN or alias ARN; a bare alias or key id cannot be used across accounts, expected e.g. ` +
                `"arn:aws:kms:us-east-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab" or "arn:aws:kms:us-east-2:111111111111:alias/pipeline-key"`,
        })
        .refine((key) => !isAwsManagedAlias(key), {
            error: (issue) => `${shown(issue.input)} is an AWS managed key, which cannot be shared with another account; expected a customer managed key`,
        })
        .optional()
        .meta({
            description: "an existing customer managed key of the pipeline account and region, by **key ARN or alias ARN** (a bare alias or key id " +
                "cannot be used across accounts); its key policy is then yours to write (the plan says what it must grant)",
            defaultText: "a key created here",
        }),
    // "o-" followed by 10 to 32 lowercase letters or digits: https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html
    organizationId: text(/^o-[a-z0-9]{10,32}$/, `an AWS Organizations id such as "o-a1b2c3d4e5"`, { invalid: "is not an organization id" }).optional()
        .meta({
            description: "the AWS Organization of the pipeline and target accounts: the artifact bucket and key then also require `aws:PrincipalOrgID` " +
                "of the target roles (defence in depth; they still name each target account)",
            defaultText: "none",
        }),
    artifactRetentionDays: wholeNumber().prefault(defaults.artifactRetentionDays)
        .describe("days an artifact or source bundle stays recoverable after it was deleted or replaced (noncurrent versions expire then); " +
            "current artifacts never expire: CodeDeploy redeploys the last successful revision on scale-out and rollback"),
    buildLogRetentionDays: logRetention().prefault(defaults.buildLogRetentionDays)
        .describe("days the build's logs are kept in their CloudWatch log group, which this program declares, so `pulumi destroy` removes it"),
    protectArtifacts: flag().prefault(true).describe("protect the key and artifact bucket from `pulumi destroy`"),
    adoptRetained: structured(z.partialRecord(region(), z.string({ error: expecting("the ARN of the retained key of that region's artifact store") })
        .refine((key) => kmsReference(key) !== undefined, {
            error: (issue) => `${shown(issue.input)} is not a key ARN; expected e.g. "arn:aws:kms:us-east-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"`,
        }), {
        // A key that is no region name comes as invalid_key, reported per key with the key in its path.
        error: (issue) => ((issue as { code: string }).code === "invalid_key"
            ? `not an AWS region name; expected regions such as "us-east-2" as keys`
            : expecting("an object of region: key ARN")(issue)),
    }).optional()).meta({
        description: "re-creating the stack after `pulumi destroy`: the artifact stores it left, to adopt (import) instead of creating, by region: " +
            "the ARN of the store's retained key (for the pipeline region with `encryptionKey`: that key). Adopts the key, the artifact bucket " +
            "and, in the pipeline region, the source bucket, each with its settings",
        defaultText: "none: create them",
    }),
};

function isAwsManagedAlias(key: string): boolean {
    const reference = kmsReference(key);
    return reference?.kind === "alias" && reference.name.startsWith("aws/");
}

/** Every key of this program's namespace. */
export const configKeys = Object.keys(configShape) as (keyof typeof configShape)[];

/** The program's keys as a stack file holds them (or as Pulumi hands them over: objects and lists as JSON text). */
export const configSchema = z.strictObject(configShape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? `unknown key of namespace ${configNamespace}; expected only: ${configKeys.join(", ")}` : undefined),
});

/** The config as written, each key parsed and defaulted on its own. */
export type ConfigDocument = z.output<typeof configSchema>;
/** The program's config as values (a program's own object: lists and objects as they are, numbers and flags as such). */
export type ConfigInput = z.input<typeof configSchema>;
type TargetEntry = ConfigDocument["targets"][number];

/** A target's role name: as configured, or derived from the target's name. */
function roleNameOf(entry: { name: string } & Partial<Record<RoleField, string>>, field: RoleField): string {
    return entry[field] ?? derivedRoleName(entry.name, field);
}

function resolvedTarget({ fleet, ...entry }: TargetEntry, pipelineRegion: string) {
    return {
        ...entry,
        region: entry.region ?? pipelineRegion,
        wave: entry.wave ?? entry.name,
        crossAccountRoleName: roleNameOf(entry, "crossAccountRoleName"),
        instanceRoleName: roleNameOf(entry, "instanceRoleName"),
        codeDeployServiceRoleName: roleNameOf(entry, "codeDeployServiceRoleName"),
        producerRoleName: roleNameOf(entry, "producerRoleName"),
        instanceTag: entry.instanceTag ?? defaultInstanceTag(entry),
        ...(fleet ? { fleet: resolvedFleet(fleet) } : {}),
    };
}

/** A fleet with its AMI parameter: as configured, or else Amazon Linux 2023's of its instance type's architecture. */
function resolvedFleet(fleet: NonNullable<TargetEntry["fleet"]>) {
    return { ...fleet, amiParameter: fleet.amiParameter ?? amazonLinux2023Parameters[instanceTypeArchitecture(fleet.instanceType)] };
}

/** `target` as a list of names: one name is a list of one. */
export function targetNamesOf(target: string | string[] | undefined): string[] {
    return target === undefined ? [] : typeof target === "string" ? [target] : target;
}

/**
 * The config with the defaults that depend on other keys filled in; with `deploy: target`, the targets
 * this stack deploys as `deployedTargets` (from `target`); `adoptRetained` empty when absent; `pipelineStack` is not read.
 */
export function resolved(config: ConfigDocument) {
    const { target: targetName, pipelineStack: _notRead, adoptRetained, ...keys } = config;
    const targets = config.targets.map((entry) => resolvedTarget(entry, config.region));
    const deployedTargets = targetNamesOf(targetName).flatMap((name) => targets.filter((t) => t.name === name));
    return { ...keys, targets, adoptRetained: adoptRetained ?? {}, ...(config.deploy === "target" ? { deployedTargets } : {}) };
}

export type ProgramConfig = ReturnType<typeof resolved>;
export type TargetConfig = ReturnType<typeof resolvedTarget>;
export type Credentials = TargetConfig["credentials"];
export type InstanceTag = TargetConfig["instanceTag"];
export type FleetConfig = NonNullable<TargetConfig["fleet"]>;
export type SourceConfig = ProgramConfig["source"];
export type BuildConfig = ProgramConfig["build"];
export type ExtraActionConfig = ProgramConfig["extraActions"][number];
export type WaveConfig = ProgramConfig["waves"][number];

/** The targets whose account resources this stack declares: those `target` lists for a target stack, all for `all`. */
export function targetsDeployedHere(config: ProgramConfig): TargetConfig[] {
    switch (config.deploy) {
        case "pipeline": return [];
        case "target": return config.deployedTargets ?? [];
        case "all": return config.targets;
    }
}
