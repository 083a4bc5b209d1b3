// The program's configuration: read once, validated once, into a typed object.
// Every problem is collected and reported together, before any resource is declared.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { kmsReference, names } from "../definition/names";
import { artifactRuleViolations, artifactStoreRegions, duplicateNames, pipelineStages } from "../definition/pipeline";
import {
    BuildConfig, Credentials, deployModes, ExtraActionConfig, FleetConfig, InstanceTag, ProgramConfig, RawConfig, SourceConfig, TargetConfig,
} from "./types";

export * from "./types";

export const configNamespace = "cross-account-pipeline";

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(
            `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

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
    fleet: { size: 1, instanceType: "t3.micro", amiParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", vpc: "default" } as FleetConfig,
};

const actionCategories = ["Source", "Build", "Test", "Deploy", "Approval", "Invoke"] as const;
export const knownRegions: ReadonlySet<string> = new Set(Object.values(aws.Region));
const accountIdPattern = /^\d{12}$/;
// CodePipeline stage and action names, IAM role names, CodeDeploy names: the strictest common set.
const pipelineNamePattern = /^[A-Za-z0-9.@_-]{1,100}$/;
const roleNamePattern = /^[\w+=,.@-]{1,64}$/;
const codeDeployNamePattern = /^[\w.+=,@-]{1,100}$/;
const connectionArnPattern = /^arn:aws[\w-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/;
// A fully qualified stack name: <organization>/<project>/<stack>.
const stackNamePattern = /^[\w.-]+\/[\w.-]+\/[\w.-]+$/;
// The artifact bucket name `<pipeline>-<account>-<region>-artifacts` must fit S3's 63 characters.
const maxBucketNameLength = 63;

/** `pipelineStack` is still accepted, so that existing stack files keep working, but no longer read. */
export const pipelineStackNoLongerRead =
    "pipelineStack: no longer needed and can be removed; a target stack reads nothing from the pipeline stack (the pipeline stack reads the target stacks, through targets[].stack)";

/** Every key of this program's namespace. */
export const configKeys: readonly string[] = [
    "deploy", "region", "pipelineAccountId", "pipelineName", "pipelineCredentials", "targets", "target",
    "pipelineStack", "source", "build", "extraActions", "encryptionKey", "artifactRetentionDays", "protectArtifacts",
];

/**
 * Reads this program's keys from the stack's config, as raw strings, without interpreting them;
 * also any other key of the namespace, so that parseConfig reports a misspelled one.
 */
export function readRawConfig(config = new pulumi.Config(configNamespace)): RawConfig {
    const prefix = `${config.name}:`;
    const present = Object.keys(pulumi.runtime.allConfig()).filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
    return Object.fromEntries([...new Set([...configKeys, ...present])].map((key) => [key, config.get(key)]));
}

/** Reads and validates the stack's config; a user error becomes one RunError (message, no stack trace). */
export function loadConfig(): ProgramConfig {
    try {
        const raw = readRawConfig();
        const config = parseConfig(raw);
        if (raw.pipelineStack) {
            void pulumi.log.warn(pipelineStackNoLongerRead);
        }
        return config;
    } catch (e) {
        if (e instanceof ConfigError) {
            throw new pulumi.RunError(e.message);
        }
        throw e;
    }
}

/** Parses and validates raw config into a ProgramConfig, or throws a ConfigError listing every problem. */
export function parseConfig(raw: RawConfig): ProgramConfig {
    const problems: string[] = [];
    const reader = new ConfigReader(raw, problems);
    for (const key of Object.keys(raw).filter((k) => !configKeys.includes(k) && raw[k] !== undefined)) {
        problems.push(`${key}: unknown key of namespace ${configNamespace}; expected only: ${configKeys.join(", ")}`);
    }

    const deploy = reader.oneOf("deploy", raw.deploy, deployModes, undefined);
    const region = reader.region("region", reader.string("region"));
    const pipelineAccountId = reader.accountId("pipelineAccountId", reader.string("pipelineAccountId"));
    const pipelineName = reader.string("pipelineName") ?? defaults.pipelineName;
    const pipelineCredentials = reader.credentials("pipelineCredentials", reader.object("pipelineCredentials"));
    const targets = reader.targets(region, pipelineAccountId);
    if (!pipelineNamePattern.test(pipelineName)) {
        problems.push(`pipelineName: "${pipelineName}" is not a valid pipeline name; expected 1-100 characters of letters, digits, '.', '@', '_' or '-'`);
    } else if (region) {
        // Every region with an artifact store has a bucket named after the pipeline.
        const longest = Math.max(...artifactStoreRegions(region, targets).map((r) => names.artifactBucket(pipelineName, "000000000000", r).length));
        if (longest > maxBucketNameLength) {
            problems.push(`pipelineName: "${pipelineName}" is too long for the artifact bucket names (<pipelineName>-<account>-<region>-artifacts must fit ${maxBucketNameLength} characters); expected at most ${pipelineName.length - (longest - maxBucketNameLength)} characters`);
        }
    }
    const source = reader.source();
    const build = reader.build();
    const encryptionKey = reader.encryptionKey(region, pipelineAccountId);
    const artifactRetentionDays = reader.positiveInteger("artifactRetentionDays", raw.artifactRetentionDays, defaults.artifactRetentionDays);
    const protectArtifacts = reader.boolean("protectArtifacts", raw.protectArtifacts, true);

    let target: TargetConfig | undefined;
    if (deploy === "target") {
        const targetName = reader.string("target");
        if (targetName === undefined) {
            problems.push(`target: missing; with deploy "target" it names the entry of targets this stack deploys (one of: ${targets.map((t) => t.name).join(", ") || "none defined"})`);
        } else {
            target = targets.find((t) => t.name === targetName);
            if (!target && targets.length > 0) {
                problems.push(`target: "${targetName}" is not among targets; expected one of: ${targets.map((t) => t.name).join(", ")}`);
            }
        }
    }
    if (deploy === "pipeline") {
        targets.forEach((t, index) => {
            // An entry that is not an object has its problem reported already.
            if (t.stack === undefined && t !== emptyTarget) {
                problems.push(`targets[${index}].stack: missing; with deploy "pipeline" each target names the stack that deploys its account (deploy: target), e.g. "organization/cross-account-pipeline/accountB"`);
            }
        });
    }

    const extraActions = reader.extraActions(targets);
    if (problems.length === 0 && region && pipelineAccountId && deploy) {
        const draft = { region, pipelineAccountId, pipelineName, targets, source, extraActions };
        const stages = pipelineStages(draft);
        for (const problem of [...duplicateNames(stages), ...artifactRuleViolations(stages, pipelineAccountId)]) {
            problems.push(`extraActions: ${problem}`);
        }
    }

    if (problems.length > 0 || !deploy || !region || !pipelineAccountId) {
        throw new ConfigError(problems);
    }
    return {
        deploy, region, pipelineAccountId, pipelineName, pipelineCredentials, targets, target,
        source, build, extraActions, encryptionKey, artifactRetentionDays, protectArtifacts,
    };
}

/** Reads typed values out of raw config, recording a message for each problem instead of throwing. */
class ConfigReader {
    constructor(private readonly raw: RawConfig, private readonly problems: string[]) {}

    string(key: string): string | undefined {
        const value = this.raw[key];
        return value === undefined || value === "" ? undefined : value;
    }

    object(key: string): unknown {
        const value = this.string(key);
        if (value === undefined) {
            return undefined;
        }
        try {
            return JSON.parse(value);
        } catch {
            this.problems.push(`${key}: "${value}" is not valid structured config; expected a YAML object or list`);
            return undefined;
        }
    }

    oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[], fallback: T | undefined): T | undefined {
        if (value === undefined || value === "") {
            if (fallback === undefined) {
                this.problems.push(`${key}: missing; expected one of: ${allowed.join(", ")}`);
            }
            return fallback;
        }
        if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
            this.problems.push(`${key}: "${String(value)}" is not a valid value; expected one of: ${allowed.join(", ")}`);
            return undefined;
        }
        return value as T;
    }

    region(key: string, region: unknown): string | undefined {
        if (region === undefined) {
            this.problems.push(`${key}: missing; expected an AWS region such as "us-east-2"`);
            return undefined;
        }
        if (typeof region !== "string" || !knownRegions.has(region)) {
            this.problems.push(`${key}: "${String(region)}" is not a known AWS region; expected one such as "us-east-2"`);
            return undefined;
        }
        return region;
    }

    accountId(key: string, value: unknown): string | undefined {
        if (value === undefined) {
            this.problems.push(`${key}: missing; expected a 12-digit AWS account id (quote it in YAML: "111111111111")`);
            return undefined;
        }
        if (typeof value !== "string" || !accountIdPattern.test(value)) {
            this.problems.push(`${key}: "${String(value)}" is not an AWS account id; expected exactly 12 digits (quote it in YAML to keep leading zeros)`);
            return undefined;
        }
        return value;
    }

    positiveInteger(key: string, value: unknown, fallback: number): number {
        if (value === undefined || value === "") {
            return fallback;
        }
        const parsed = typeof value === "number" ? value : Number(value);
        if (!Number.isInteger(parsed) || parsed < 1) {
            this.problems.push(`${key}: "${String(value)}" is not valid; expected a whole number of at least 1`);
            return fallback;
        }
        return parsed;
    }

    boolean(key: string, value: unknown, fallback: boolean): boolean {
        if (value === undefined || value === "") {
            return fallback;
        }
        if (value === true || value === "true") {
            return true;
        }
        if (value === false || value === "false") {
            return false;
        }
        this.problems.push(`${key}: "${String(value)}" is not valid; expected true or false`);
        return fallback;
    }

    name(key: string, value: unknown, pattern: RegExp, expected: string, fallback?: string): string {
        if (value === undefined || value === "") {
            if (fallback === undefined) {
                this.problems.push(`${key}: missing; expected ${expected}`);
                return "";
            }
            return fallback;
        }
        if (typeof value !== "string" || !pattern.test(value)) {
            this.problems.push(`${key}: "${String(value)}" is not valid; expected ${expected}`);
            return String(value);
        }
        return value;
    }

    credentials(key: string, value: unknown): Credentials {
        if (value === undefined) {
            return {};
        }
        if (!isRecord(value)) {
            this.problems.push(`${key}: ${JSON.stringify(value)} is not valid; expected an object with "profile" or "assumeRoleArn"`);
            return {};
        }
        this.unknownFields(key, value, ["profile", "assumeRoleArn"]);
        const credentials: Credentials = {};
        if (value.profile !== undefined) {
            credentials.profile = this.name(`${key}.profile`, value.profile, /^[\w.@+-]+$/, "the name of an AWS CLI profile");
        }
        if (value.assumeRoleArn !== undefined) {
            credentials.assumeRoleArn = this.name(`${key}.assumeRoleArn`, value.assumeRoleArn, /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "an IAM role ARN such as \"arn:aws:iam::111111111111:role/Deployer\"");
        }
        return credentials;
    }

    targets(pipelineRegion: string | undefined, pipelineAccountId: string | undefined): TargetConfig[] {
        const value = this.object("targets");
        if (value === undefined) {
            if (this.string("targets") === undefined) {
                this.problems.push(`targets: missing; expected a list of {name, accountId, applicationName, deploymentGroupName}`);
            }
            return [];
        }
        if (!Array.isArray(value) || value.length === 0) {
            this.problems.push(`targets: ${JSON.stringify(value)} is not valid; expected a non-empty list of {name, accountId, applicationName, deploymentGroupName}`);
            return [];
        }
        const targets = value.map((entry, index) => this.target(`targets[${index}]`, entry, pipelineRegion, pipelineAccountId));
        this.duplicates("targets", targets.map((t) => t.name), "name", "target names are stage names and must be unique");
        // No two roles in one account may share a name, whatever their kind: one would overwrite the other.
        // IAM compares role names without case.
        const roleUsers = new Map<string, string>();
        for (const t of targets) {
            for (const roleKey of ["crossAccountRoleName", "instanceRoleName", "codeDeployServiceRoleName"] as const) {
                const roleName = t[roleKey];
                if (!t.accountId || !roleName) {
                    continue;
                }
                const id = `${t.accountId}:${roleName.toLowerCase()}`;
                const user = `${t.name}.${roleKey}`;
                if (roleUsers.has(id)) {
                    this.problems.push(`targets: role name "${roleName}" is used by both ${roleUsers.get(id)} and ${user} in account ${t.accountId}; role names must be unique within an account`);
                } else {
                    roleUsers.set(id, user);
                }
            }
        }
        return targets;
    }

    private target(key: string, entry: unknown, pipelineRegion: string | undefined, pipelineAccountId: string | undefined): TargetConfig {
        if (!isRecord(entry)) {
            this.problems.push(`${key}: ${JSON.stringify(entry)} is not valid; expected an object {name, accountId, applicationName, deploymentGroupName}`);
            return emptyTarget;
        }
        this.unknownFields(key, entry, [
            "name", "accountId", "region", "applicationName", "deploymentGroupName", "deploymentConfigName", "crossAccountRoleName",
            "instanceRoleName", "codeDeployServiceRoleName", "instanceTag", "requireApproval", "credentials", "fleet", "stack",
        ]);
        const name = this.name(`${key}.name`, entry.name, pipelineNamePattern, "a stage name of 1-100 letters, digits, '.', '@', '_' or '-'");
        if (name === "Source" || name === "Build") {
            this.problems.push(`${key}.name: "${name}" is the name of one of the pipeline's own stages (Source, Build); expected another name, target names are stage names`);
        }
        const accountId = this.accountId(`${key}.accountId`, entry.accountId) ?? "";
        if (accountId && accountId === pipelineAccountId) {
            this.problems.push(`${key}.accountId: "${accountId}" is the pipeline account; expected another account (a target in the pipeline account needs no cross-account role)`);
        }
        const region = entry.region === undefined ? pipelineRegion ?? "" : this.region(`${key}.region`, entry.region) ?? "";
        const applicationName = this.name(`${key}.applicationName`, entry.applicationName, codeDeployNamePattern, "a CodeDeploy application name (1-100 letters, digits or . _ - + = , @)");
        const roleName = (field: string, fallback: string) =>
            this.name(`${key}.${field}`, entry[field], roleNamePattern, "an IAM role name (1-64 letters, digits or + = , . @ _ -)", fallback);
        return {
            name,
            accountId,
            region,
            applicationName,
            deploymentGroupName: this.name(`${key}.deploymentGroupName`, entry.deploymentGroupName, codeDeployNamePattern, "a CodeDeploy deployment group name (1-100 letters, digits or . _ - + = , @)"),
            deploymentConfigName: this.name(`${key}.deploymentConfigName`, entry.deploymentConfigName, codeDeployNamePattern, "a CodeDeploy deployment config name", defaults.deploymentConfigName),
            crossAccountRoleName: roleName("crossAccountRoleName", `${name}-CrossAccount`.slice(0, 64)),
            instanceRoleName: roleName("instanceRoleName", `${name}-CodeDeployInstance`.slice(0, 64)),
            codeDeployServiceRoleName: roleName("codeDeployServiceRoleName", `${name}-CodeDeployService`.slice(0, 64)),
            instanceTag: this.instanceTag(`${key}.instanceTag`, entry.instanceTag, applicationName),
            requireApproval: this.boolean(`${key}.requireApproval`, entry.requireApproval, false),
            credentials: this.credentials(`${key}.credentials`, entry.credentials),
            fleet: this.fleet(`${key}.fleet`, entry.fleet),
            ...(entry.stack === undefined ? {} : { stack: this.stackName(`${key}.stack`, entry.stack) }),
        };
    }

    /** A fully qualified stack name, as a StackReference takes it. */
    private stackName(key: string, value: unknown): string {
        if (typeof value !== "string" || !stackNamePattern.test(value)) {
            this.problems.push(`${key}: "${String(value)}" is not a stack name; expected <organization>/<project>/<stack>, e.g. "organization/cross-account-pipeline/accountB"`);
        }
        return String(value);
    }

    private instanceTag(key: string, value: unknown, applicationName: string): InstanceTag {
        if (value === undefined) {
            return { key: "CodeDeployApplication", value: applicationName };
        }
        if (!isRecord(value) || typeof value.key !== "string" || typeof value.value !== "string" || !value.key || !value.value) {
            this.problems.push(`${key}: ${JSON.stringify(value)} is not valid; expected {key, value}, the EC2 tag that marks the deployment group's instances`);
            return { key: "", value: "" };
        }
        return { key: value.key, value: value.value };
    }

    private fleet(key: string, value: unknown): FleetConfig | undefined {
        if (value === undefined || value === false) {
            return undefined;
        }
        if (value === true) {
            return { ...defaults.fleet };
        }
        if (!isRecord(value)) {
            this.problems.push(`${key}: ${JSON.stringify(value)} is not valid; expected true or an object {size, instanceType, amiParameter, vpc}`);
            return undefined;
        }
        this.unknownFields(key, value, ["size", "instanceType", "amiParameter", "vpc"]);
        const vpc = value.vpc ?? defaults.fleet.vpc;
        if (vpc !== "default" && vpc !== "new") {
            this.problems.push(`${key}.vpc: "${String(vpc)}" is not valid; expected "default" (the account's default VPC) or "new"`);
        }
        return {
            size: this.positiveInteger(`${key}.size`, value.size, defaults.fleet.size),
            instanceType: this.name(`${key}.instanceType`, value.instanceType, /^[a-z0-9-]+\.[a-z0-9]+$/, "an EC2 instance type such as \"t3.micro\"", defaults.fleet.instanceType),
            amiParameter: this.name(`${key}.amiParameter`, value.amiParameter, /^\/[\w./-]+$/, "an SSM parameter path naming an AMI", defaults.fleet.amiParameter),
            vpc: vpc === "new" ? "new" : "default",
        };
    }

    source(): SourceConfig {
        const value = this.object("source");
        if (value === undefined) {
            return { provider: "S3", objectKey: defaults.sourceObjectKey };
        }
        if (!isRecord(value)) {
            this.problems.push(`source: ${JSON.stringify(value)} is not valid; expected an object {provider: S3 | CodeStarSourceConnection, ...}`);
            return { provider: "S3", objectKey: defaults.sourceObjectKey };
        }
        const provider = value.provider ?? "S3";
        if (provider === "S3") {
            this.unknownFields("source", value, ["provider", "objectKey"]);
            return { provider, objectKey: this.name("source.objectKey", value.objectKey, /^[^\s].{0,1023}$/, "an S3 object key such as \"source.zip\"", defaults.sourceObjectKey) };
        }
        if (provider === "CodeStarSourceConnection") {
            this.unknownFields("source", value, ["provider", "connectionArn", "repository", "branch"]);
            return {
                provider,
                connectionArn: this.name("source.connectionArn", value.connectionArn, connectionArnPattern, "a CodeStar connection ARN such as \"arn:aws:codestar-connections:us-east-2:111111111111:connection/abcd-1234\""),
                repository: this.name("source.repository", value.repository, /^[\w.-]+\/[\w.-]+$/, "a repository as \"owner/name\""),
                branch: this.name("source.branch", value.branch, /^[^\s]+$/, "a branch name", defaults.sourceBranch),
            };
        }
        this.problems.push(`source.provider: "${String(provider)}" is not valid; expected "S3" or "CodeStarSourceConnection"`);
        return { provider: "S3", objectKey: defaults.sourceObjectKey };
    }

    build(): BuildConfig {
        const value = this.object("build");
        if (value === undefined) {
            return { image: defaults.buildImage, computeType: defaults.buildComputeType, buildspec: defaults.buildspec };
        }
        if (!isRecord(value)) {
            this.problems.push(`build: ${JSON.stringify(value)} is not valid; expected an object {image, computeType, buildspec}`);
            return { image: defaults.buildImage, computeType: defaults.buildComputeType, buildspec: defaults.buildspec };
        }
        this.unknownFields("build", value, ["image", "computeType", "buildspec"]);
        return {
            image: this.name("build.image", value.image, /^\S+$/, "a CodeBuild image such as \"aws/codebuild/standard:7.0\"", defaults.buildImage),
            computeType: this.name("build.computeType", value.computeType, /^BUILD_[A-Z0-9_]+$/, "a CodeBuild compute type such as \"BUILD_GENERAL1_SMALL\"", defaults.buildComputeType),
            buildspec: this.name("build.buildspec", value.buildspec, /\S/, "an inline buildspec", defaults.buildspec),
        };
    }

    encryptionKey(region: string | undefined, pipelineAccountId: string | undefined): string | undefined {
        const value = this.string("encryptionKey");
        if (value === undefined) {
            return undefined;
        }
        const key = kmsReference(value);
        if (!key) {
            this.problems.push(`encryptionKey: "${value}" is not a key ARN or alias ARN; a bare alias or key id cannot be used across accounts, expected e.g. "arn:aws:kms:us-east-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab" or "arn:aws:kms:us-east-2:111111111111:alias/pipeline-key"`);
            return undefined;
        }
        const { region: keyRegion, accountId: keyAccount } = key;
        if (key.kind === "alias" && key.name.startsWith("aws/")) {
            this.problems.push(`encryptionKey: "${value}" is an AWS managed key, which cannot be shared with another account; expected a customer managed key`);
        }
        if (region && keyRegion !== region) {
            this.problems.push(`encryptionKey: "${value}" is in region ${keyRegion}; expected a key in the pipeline region ${region}`);
        }
        if (pipelineAccountId && keyAccount !== pipelineAccountId) {
            this.problems.push(`encryptionKey: "${value}" belongs to account ${keyAccount}; expected a key of the pipeline account ${pipelineAccountId}`);
        }
        return value;
    }

    extraActions(targets: TargetConfig[]): ExtraActionConfig[] {
        const value = this.object("extraActions");
        if (value === undefined) {
            return [];
        }
        if (!Array.isArray(value)) {
            this.problems.push(`extraActions: ${JSON.stringify(value)} is not valid; expected a list of actions`);
            return [];
        }
        const stageNames = ["Source", "Build", ...targets.map((t) => t.name)];
        return value.map((entry, index): ExtraActionConfig | undefined => {
            const key = `extraActions[${index}]`;
            if (!isRecord(entry)) {
                this.problems.push(`${key}: ${JSON.stringify(entry)} is not valid; expected an object {stage, name, category, provider, ...}`);
                return undefined;
            }
            this.unknownFields(key, entry, ["stage", "name", "category", "owner", "provider", "version", "target", "inputArtifacts", "outputArtifacts", "configuration", "runOrder"]);
            const stage = this.name(`${key}.stage`, entry.stage, pipelineNamePattern, `the stage to add the action to, one of: ${stageNames.join(", ")}`);
            if (stage && !stageNames.includes(stage)) {
                this.problems.push(`${key}.stage: "${stage}" is not a stage of this pipeline; expected one of: ${stageNames.join(", ")}`);
            }
            const provider = this.name(`${key}.provider`, entry.provider, /^[\w-]{1,35}$/, "an action provider such as \"CodeBuild\"");
            const target = entry.target === undefined ? undefined : String(entry.target);
            if (target !== undefined && !targets.some((t) => t.name === target)) {
                this.problems.push(`${key}.target: "${target}" is not among targets; expected one of: ${targets.map((t) => t.name).join(", ")}`);
            }
            return {
                stage,
                name: this.name(`${key}.name`, entry.name, pipelineNamePattern, "an action name of 1-100 letters, digits, '.', '@', '_' or '-'"),
                category: this.oneOf(`${key}.category`, entry.category, actionCategories, undefined) ?? "",
                owner: this.name(`${key}.owner`, entry.owner, /^(AWS|ThirdParty|Custom)$/, "AWS, ThirdParty or Custom", "AWS"),
                provider,
                version: this.name(`${key}.version`, entry.version, /^\d+$/, "an action version such as \"1\"", "1"),
                target,
                inputArtifacts: this.artifactNames(`${key}.inputArtifacts`, entry.inputArtifacts),
                outputArtifacts: this.artifactNames(`${key}.outputArtifacts`, entry.outputArtifacts),
                configuration: this.stringMap(`${key}.configuration`, entry.configuration),
                runOrder: this.positiveInteger(`${key}.runOrder`, entry.runOrder, 1),
            };
        }).filter((action): action is ExtraActionConfig => action !== undefined);
    }

    private artifactNames(key: string, value: unknown): string[] {
        if (value === undefined) {
            return [];
        }
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && /^[\w-]{1,100}$/.test(v))) {
            this.problems.push(`${key}: ${JSON.stringify(value)} is not valid; expected a list of artifact names (letters, digits, '_' or '-')`);
            return [];
        }
        return value;
    }

    private stringMap(key: string, value: unknown): Record<string, string> {
        if (value === undefined) {
            return {};
        }
        if (!isRecord(value) || !Object.values(value).every((v) => typeof v === "string")) {
            this.problems.push(`${key}: ${JSON.stringify(value)} is not valid; expected an object of string values`);
            return {};
        }
        return value as Record<string, string>;
    }

    private unknownFields(key: string, value: Record<string, unknown>, known: string[]): void {
        for (const field of Object.keys(value)) {
            if (!known.includes(field)) {
                this.problems.push(`${key}.${field}: unknown field; expected only: ${known.join(", ")}`);
            }
        }
    }

    private duplicates(key: string, values: string[], field: string, why: string, show: (v: string) => string = (v) => v): void {
        const seen = new Set<string>();
        const reported = new Set<string>();
        for (const value of values) {
            if (seen.has(value) && !reported.has(value) && show(value)) {
                this.problems.push(`${key}: ${field} "${show(value)}" appears more than once; ${why}`);
                reported.add(value);
            }
            seen.add(value);
        }
    }
}

const emptyTarget: TargetConfig = {
    name: "", accountId: "", region: "", applicationName: "", deploymentGroupName: "", deploymentConfigName: "",
    crossAccountRoleName: "", instanceRoleName: "", codeDeployServiceRoleName: "", instanceTag: { key: "", value: "" },
    requireApproval: false, credentials: {},
};

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
