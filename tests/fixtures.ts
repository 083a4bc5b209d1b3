// Shared test fixtures: raw config built from the shipped stack files, with overrides.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "yaml";
import { configNamespace, ConfigError, parseConfig, ProgramConfig, RawConfig, TargetConfig } from "../config";
import { ConfiguredStack, stackConfigs } from "../offline-plan/stackConfigs";
import { readStackFile, StackFile } from "../project/stackFiles";

export const projectRoot = path.resolve(__dirname, "..");
export const pipelineAccountId = "111111111111";
export const targetAccountId = "222222222222";
/** The IAM paths of the shipped pipeline's roles in its target accounts (rolePaths of account 111111111111, pipeline CrossAccountPipeline). */
export const shippedRolePaths = {
    deploy: "/cross-account-pipeline/111111111111/CrossAccountPipeline/deploy/",
    instance: "/cross-account-pipeline/111111111111/CrossAccountPipeline/instance/",
    producer: "/cross-account-pipeline/111111111111/CrossAccountPipeline/producer/",
};
/** The shipped Staging target's cross-account role and instance role. */
export const shippedDeployRoleArn = `arn:aws:iam::222222222222:role${shippedRolePaths.deploy}CrossAccount_Role`;
export const shippedInstanceRoleArn = `arn:aws:iam::222222222222:role${shippedRolePaths.instance}Staging-CodeDeployInstance`;

/** The target stack the shipped pipeline stack reads its role from (targets[0].stack). */
export const targetStackName = "organization/cross-account-pipeline/accountB";

export type StackName = "accountA" | "accountB";

/** The fully qualified config of a shipped stack file (`cross-account-pipeline:region` → "us-east-2"). */
export function stackConfig(stack: StackName): Record<string, string> {
    return shipped(stack).config;
}

/** A shipped stack file. */
export function shipped(stack: StackName): StackFile {
    return readStackFile(path.join(projectRoot, `Pulumi.${stack}.yaml`));
}

/**
 * A shipped stack file as a document that holds everything itself: its own config with the values its
 * project file (Pulumi.yaml) shares written in (a stack may set a shared key itself), for tests that
 * copy or edit a stack file outside the project.
 */
export function selfContainedStackDocument(stack: StackName): { config: Record<string, unknown> } {
    const project = yaml.parse(fs.readFileSync(path.join(projectRoot, "Pulumi.yaml"), "utf8")) as { config: Record<string, unknown> };
    const shared = Object.entries(project.config)
        .filter((entry): entry is [string, { value: unknown }] => typeof entry[1] === "object" && entry[1] !== null && "value" in entry[1])
        .map(([key, declared]) => [key.includes(":") ? key : `${configNamespace}:${key}`, declared.value]);
    const document = yaml.parse(fs.readFileSync(path.join(projectRoot, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return { ...document, config: { ...Object.fromEntries(shared), ...document.config } };
}

/** Fully qualified config with keys added or replaced (short keys); `undefined` removes a key. */
export function qualifiedConfig(stack: StackName, overrides: Record<string, unknown> = {}): Record<string, string> {
    return qualify(rawConfig(stack, overrides));
}

/**
 * The raw config `readRawConfig` would return for a shipped stack file: keys without the namespace,
 * objects and lists as JSON. Overrides replace keys (objects are JSON-encoded); `undefined` removes one.
 */
export function rawConfig(stack: StackName = "accountA", overrides: Record<string, unknown> = {}): RawConfig {
    const prefix = `${configNamespace}:`;
    const raw: RawConfig = Object.fromEntries(Object.entries(stackConfig(stack))
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, value]) => [key.slice(prefix.length), value]));
    for (const [key, value] of Object.entries(overrides)) {
        raw[key] = value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
    }
    return raw;
}

function qualify(raw: RawConfig): Record<string, string> {
    return Object.fromEntries(Object.entries(raw)
        .filter((entry): entry is [string, string] => entry[1] !== undefined)
        .map(([key, value]) => [`${configNamespace}:${key}`, value]));
}

/** The shipped Staging target entry, as written in the stack files, with fields replaced. */
export function stagingEntry(fields: Record<string, unknown> = {}): Record<string, unknown> {
    const [staging] = JSON.parse(rawConfig("accountA").targets!) as Record<string, unknown>[];
    return { ...staging, ...fields };
}

/** A minimal valid target entry named `name` in `accountId`, deployed by the stack of its lower-case name. */
export function targetEntry(name: string, accountId: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
    return { name, accountId, applicationName: `${name}App`, deploymentGroupName: `${name}Group`, stack: `organization/cross-account-pipeline/${name.toLowerCase()}`, ...fields };
}

/** The problems parseConfig reports for `raw`; fails if it accepts the config. */
export function problemsOf(raw: RawConfig): string[] {
    try {
        parseConfig(raw);
    } catch (e) {
        if (e instanceof ConfigError) {
            return e.problems;
        }
        throw e;
    }
    throw new Error(`expected a ConfigError, but the config was accepted: ${JSON.stringify(raw)}`);
}

/** Stack files with their config, as the plan's command hands them to runPlan; throws on a config problem. */
export function configured(files: StackFile[]): ConfiguredStack[] {
    const { stacks, problems } = stackConfigs(files);
    if (problems.length > 0) {
        throw new Error(`config problems:\n${problems.join("\n")}`);
    }
    return stacks;
}

/** A fully defaulted target, for the pure builders. */
export function target(name: string, accountId: string, fields: Partial<TargetConfig> = {}): TargetConfig {
    return {
        name,
        accountId,
        region: "us-east-2",
        wave: name,
        applicationName: `${name}App`,
        deploymentGroupName: `${name}Group`,
        deploymentConfigName: "CodeDeployDefault.OneAtATime",
        crossAccountRoleName: `${name}-CrossAccount`,
        instanceRoleName: `${name}-CodeDeployInstance`,
        codeDeployServiceRoleName: `${name}-CodeDeployService`,
        producerRoleName: `${name}-ArtifactProducer`,
        instanceTag: { key: "CodeDeployDeploymentGroup", value: `${name}App/${name}Group` },
        requireApproval: false,
        credentials: {},
        ...fields,
    };
}

/** A parsed config of the shipped accountA stack with overrides. */
export function parsed(stack: StackName = "accountA", overrides: Record<string, unknown> = {}): ProgramConfig {
    return parseConfig(rawConfig(stack, overrides));
}
