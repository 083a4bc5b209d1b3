// The program's configuration: read once, validated once, into a typed object. Every problem is
// collected and reported together, before any resource is declared.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { pipelineStages } from "../definition/pipeline";
import { notValid, problemsOf } from "./problems";
import { draftRules, pipelineFitsItsQuotas, pipelineFollowsArtifactRules, policiesFitTheirQuotas, Problem, validPart } from "./rules";
import { configKeys, configNamespace, configSchema, ProgramConfig, resolved } from "./schema";
import { RawConfig } from "./types";

export * from "./types";
export { configKeys, configNamespace, defaults, rawTargetNames } from "./schema";

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(
            `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
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

/**
 * Parses and validates raw config into a ProgramConfig, or throws a ConfigError listing every problem.
 * An empty value is an absent one, as it has always been for Pulumi's `config.get`.
 */
export function parseConfig(raw: RawConfig): ProgramConfig {
    const given = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined && value !== ""));
    const result = programConfigSchema.safeParse(given, { error: notValid });
    if (!result.success) {
        throw new ConfigError(problemsOf(result.error.issues));
    }
    return result.data;
}
