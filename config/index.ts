// The program's configuration: read once, validated once, into a typed object. Every problem is
// collected and reported together, before any resource is declared.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { pipelineStages } from "../definition/pipeline";
import { notValid, Problem, problemLine, problemsOf } from "./problems";
import { draftRules, pipelineFitsItsQuotas, pipelineFollowsArtifactRules, policiesFitTheirQuotas, validPart } from "./rules";
import { configKeys, configNamespace, configSchema, Credentials, credentials, ProgramConfig, resolved, targetsDeployedHere, unlistedRegions } from "./schema";
import { accountOfArn } from "../definition/names";
import { ConfigInput, RawConfig } from "./types";

export * from "./types";
export { problemLine } from "./problems";
export type { Problem } from "./problems";
export { configKeys, configNamespace, defaults, targetsDeployedHere, unlistedRegions } from "./schema";

export class ConfigError extends Error {
    /** Each problem as a line, `<key path>: <message>`. */
    readonly problems: string[];

    /** `issues`: each problem with its key path, from which a reader of the stack files finds where the value is written. */
    constructor(readonly issues: Problem[]) {
        const problems = issues.map(problemLine);
        super(
            `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
        this.problems = problems;
    }
}

/**
 * The schema with the rules between keys: those over the draft run even when some keys are bad (so that
 * all problems come together); CodePipeline's quotas, the sizes of the policies that grow with the targets
 * and the pipeline's artifact rules run once everything else is valid.
 */
const programConfigSchema = configSchema
    .superRefine((config, context) => {
        const draft = validPart(config, context.issues);
        addProblems(context, draftRules.flatMap((rule) => rule(draft)));
    }, { when: () => true })
    .transform(resolved)
    .superRefine((config, context) => {
        const stages = pipelineStages(config);
        addProblems(context, [...pipelineFitsItsQuotas(config, stages), ...policiesFitTheirQuotas(config), ...pipelineFollowsArtifactRules(config, stages)]);
    });

function addProblems(context: z.RefinementCtx, problems: Problem[]): void {
    for (const { path, message } of problems) {
        context.addIssue({ code: "custom", path, message, input: undefined });
    }
}

/**
 * Reads this program's keys from the stack's config, as raw strings, without interpreting them;
 * also any other key of the namespace, so that parseConfig reports a misspelled one.
 */
export function readRawConfig(config = new pulumi.Config(configNamespace)): RawConfig {
    const prefix = `${config.name}:`;
    const present = Object.keys(pulumi.runtime.allConfig()).filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
    return Object.fromEntries([...new Set([...configKeys, ...present])].map((key) => [key, config.get(key)]));
}

/** `pipelineStack` is still accepted, so that existing stack files keep working, but no longer read. */
export const pipelineStackNoLongerRead =
    "pipelineStack: no longer needed and can be removed; a target stack reads nothing from the pipeline stack (the pipeline stack reads the target stacks, through targets[].stack)";

/**
 * Credentials the deploy driver gives one stack's run (`npm run deploy -- --profile STACK=NAME`, the library's
 * `credentials`), as JSON `{"profile": ...}` or `{"assumeRoleArn": ...}`. Not AWS_PROFILE: the Pulumi CLI runs in
 * the same environment and would use them for its own backend (s3://) and secrets provider (awskms://). They go to
 * the providers of this stack's account that have no credentials in config.
 */
export const driverCredentialsVariable = "CROSS_ACCOUNT_PIPELINE_AWS_CREDENTIALS";

/** Said of a region the pinned provider does not list, which it accepts all the same. */
export function regionNotListed(region: string): string {
    return `region ${region} is not among the regions the pinned @pulumi/aws lists; it is used as given (the AWS provider accepts any region), so check its spelling`;
}

/** Reads and validates the stack's config; a user error becomes one RunError (message, no stack trace). */
export function loadConfig(): ProgramConfig {
    try {
        const raw = readRawConfig();
        const config = withDriverCredentials(parseConfig(raw), process.env[driverCredentialsVariable]);
        if (raw.pipelineStack) {
            void pulumi.log.warn(pipelineStackNoLongerRead);
        }
        for (const region of unlistedRegions(config)) {
            void pulumi.log.warn(regionNotListed(region));
        }
        return config;
    } catch (e) {
        if (e instanceof ConfigError) {
            throw new pulumi.RunError(e.message);
        }
        throw e;
    }
}

/**
 * Parses and validates config into a ProgramConfig, or throws a ConfigError listing every problem: a stack's raw
 * config (strings, lists and objects as JSON), or a program's own values (ConfigInput). An empty value is an absent
 * one, as it has always been for Pulumi's `config.get`.
 */
export function parseConfig(raw: RawConfig | ConfigInput): ProgramConfig {
    const given = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined && value !== ""));
    const result = programConfigSchema.safeParse(given, { error: notValid });
    if (!result.success) {
        throw new ConfigError(problemsOf(result.error.issues));
    }
    return result.data;
}

/**
 * The config with the driver's credentials (driverCredentialsVariable) given to every account of this stack whose
 * credentials config leaves empty; one stack's credentials are one account's, so a stack deploying into several
 * such accounts (`deploy: all`) is refused, as is a role of another account.
 */
export function withDriverCredentials(config: ProgramConfig, text: string | undefined): ProgramConfig {
    if (text === undefined || text === "") {
        return config;
    }
    const problem = (message: string) => new ConfigError([{ path: [], message: `${driverCredentialsVariable} (the deploy driver's credentials for this stack): ${message}` }]);
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        throw problem(`${JSON.stringify(text)} is not JSON; expected {"profile": NAME} or {"assumeRoleArn": ARN}`);
    }
    const parsed = credentials("this stack's account").safeParse(value, { error: notValid });
    if (!parsed.success || (parsed.data.profile === undefined) === (parsed.data.assumeRoleArn === undefined)) {
        throw problem(`${JSON.stringify(text)}: expected exactly one of {"profile": NAME} or {"assumeRoleArn": ARN}`);
    }
    const given = parsed.data;
    const isEmpty = (c: Credentials) => c.profile === undefined && c.assumeRoleArn === undefined;
    const deploysPipeline = config.deploy !== "target";
    const targets = new Set(targetsDeployedHere(config).filter((target) => isEmpty(target.credentials)).map((target) => target.name));
    const accounts = new Set([
        ...(deploysPipeline && isEmpty(config.pipelineCredentials) ? [config.pipelineAccountId] : []),
        ...config.targets.filter((target) => targets.has(target.name)).map((target) => target.accountId),
    ]);
    if (accounts.size > 1) {
        throw problem(`one stack's credentials are one account's, and this stack deploys into ${[...accounts].join(", ")} without credentials in config; ` +
            "give each account its own (pipelineCredentials, targets[].credentials)");
    }
    const roleAccount = given.assumeRoleArn === undefined ? undefined : accountOfArn(given.assumeRoleArn);
    const [account] = accounts;
    if (roleAccount !== undefined && account !== undefined && roleAccount !== account) {
        throw problem(`"${given.assumeRoleArn}" is a role of account ${roleAccount}; expected a role of account ${account}, which this stack deploys into`);
    }
    const fill = (c: Credentials): Credentials => (isEmpty(c) ? given : c);
    return {
        ...config,
        pipelineCredentials: deploysPipeline ? fill(config.pipelineCredentials) : config.pipelineCredentials,
        targets: config.targets.map((target) => (targets.has(target.name) ? { ...target, credentials: given } : target)),
        ...(config.deployedTargets ? { deployedTargets: config.deployedTargets.map((target) => (targets.has(target.name) ? { ...target, credentials: given } : target)) } : {}),
    };
}
