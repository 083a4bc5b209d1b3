// The AWS quotas and naming rules this program can run into, each with the figure AWS counts and its
// documentation. Pure, and shared: the config refuses a pipeline past them before any resource is
// declared, and the offline plan and the policy pack measure every declared policy and name against them.

export interface Quota {
    /** What is limited, as a message names it. */
    what: string;
    limit: number;
    unit: string;
    /** The AWS documentation that states the limit. */
    source: string;
}

const iamQuotas = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html";
const codePipelineQuotas = "https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html";

export const quotas = {
    // "Bucket policies are limited to 20 KB in size": https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html
    bucketPolicy: { what: "S3 bucket policy size", limit: 20 * 1024, unit: "bytes", source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html" },
    // "Up to 32 kilobytes (32,768 bytes)": https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html#key-policy-format
    keyPolicy: { what: "KMS key policy size", limit: 32768, unit: "bytes", source: "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html#key-policy-format" },
    // IAM counts policy sizes without white space ("IAM and AWS STS quotas"). The inline policies of a
    // role count together; a managed policy on its own; the trust policy has a default of 2,048 that an
    // account may raise to 4,096, so the default is what holds everywhere.
    roleInlinePolicies: { what: "a role's inline policies, together", limit: 10240, unit: "characters without white space", source: iamQuotas },
    managedPolicy: { what: "managed policy size", limit: 6144, unit: "characters without white space", source: iamQuotas },
    trustPolicy: { what: "role trust policy size", limit: 2048, unit: "characters without white space", source: iamQuotas },
    // "Number of stages in a pipeline: minimum of 2, maximum of 50", "Number of actions in a stage:
    // minimum of 1, maximum of 50", "Maximum number of actions per pipeline: 500", all fixed.
    stagesPerPipeline: { what: "stages per pipeline", limit: 50, unit: "stages", source: codePipelineQuotas },
    actionsPerStage: { what: "actions per stage", limit: 50, unit: "actions", source: codePipelineQuotas },
    actionsPerPipeline: { what: "actions per pipeline", limit: 500, unit: "actions", source: codePipelineQuotas },
} satisfies Record<string, Quota>;

export type QuotaName = keyof typeof quotas;

/** A policy document's size as its quota counts it: IAM without white space, S3 and KMS in bytes as sent. */
export function policySize(quota: QuotaName, documentText: string): number {
    return quotas[quota].unit === "bytes" ? new TextEncoder().encode(documentText).length : documentText.replace(/\s/g, "").length;
}

/** One figure against its quota. */
export interface Measurement {
    quota: QuotaName;
    /** What was measured, e.g. `stage "Wave1"` or `the pipeline`. */
    subject: string;
    figure: number;
}

export const withinQuota = (m: Measurement) => m.figure <= quotas[m.quota].limit;

/** A measurement as a sentence: what it is, its figure, and the limit AWS sets, with where AWS says so. */
export function describeMeasurement(m: Measurement): string {
    const quota = quotas[m.quota];
    return `${m.subject} is ${count(m.figure)} ${quota.unit}; AWS allows ${count(quota.limit)} (${quota.what}: ${quota.source})`;
}

/** A number as messages write it: 20,480. */
export function count(n: number): string {
    return n.toLocaleString("en-US");
}

/** The figure as a percentage of its limit, e.g. `9.0%`. */
export function share(m: Measurement): string {
    return `${((100 * m.figure) / quotas[m.quota].limit).toFixed(1)}%`;
}

/** The stages and actions of a pipeline against CodePipeline's quotas: the stage count, each stage's actions, all actions. */
export function pipelineMeasurements(stages: readonly { name: string; actions: readonly unknown[] }[]): Measurement[] {
    return [
        { quota: "stagesPerPipeline", subject: "the pipeline", figure: stages.length },
        ...stages.map((stage): Measurement => ({ quota: "actionsPerStage", subject: `stage "${stage.name}"`, figure: stage.actions.length })),
        { quota: "actionsPerPipeline", subject: "the pipeline", figure: stages.reduce((count, stage) => count + stage.actions.length, 0) },
    ];
}

/** An AWS naming rule: its longest name, the characters it allows, and further conditions on the whole name. */
export interface NamingRule {
    /** The rule as a message states it. */
    text: string;
    maxLength: number;
    character: RegExp;
    /** `expected` completes "a name ..." or "a pipeline name ...". */
    conditions?: { holds: (name: string) => boolean; expected: string }[];
}

const startsWithLetterOrDigit = { holds: (name: string) => /^[A-Za-z0-9]/.test(name), expected: "that starts with a letter or digit" };
// Pipeline, stage and action names: 1-100 characters of [A-Za-z0-9.@\-_]:
// https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineDeclaration.html,
// https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StageDeclaration.html,
// https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html
const codePipelineName: NamingRule = { text: "1-100 letters, digits, '.', '@', '_' and '-'", maxLength: 100, character: /[A-Za-z0-9.@_-]/ };

export const namingRules = {
    // "1–256 characters ... only alphanumeric characters, forward slashes (/), underscores (_), and dashes (-)":
    // https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html
    kmsAlias: { text: "letters, digits, '/', '_' and '-' only", maxLength: 256, character: /[A-Za-z0-9/_-]/ },
    // Project name pattern [A-Za-z0-9][A-Za-z0-9\-_]{1,254}:
    // https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html
    codeBuildProject: {
        text: "2-255 letters, digits, '-' and '_', starting with a letter or digit", maxLength: 255, character: /[A-Za-z0-9_-]/,
        conditions: [startsWithLetterOrDigit],
    },
    // Rule name: 1-64 characters of [\.\-_A-Za-z0-9]: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
    eventRule: { text: "1-64 letters, digits, '.', '-' and '_'", maxLength: 64, character: /[A-Za-z0-9._-]/ },
    // Role name: 1-64 characters of [\w+=,.@-]: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
    iamRole: { text: "1-64 letters, digits and + = , . @ _ -", maxLength: 64, character: /[\w+=,.@-]/ },
    // Instance profile names: 1-128 characters of [\w+=,.@-] (the same API page's sibling, CreateInstanceProfile):
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html
    instanceProfile: { text: "1-128 letters, digits and + = , . @ _ -", maxLength: 128, character: /[\w+=,.@-]/ },
    // Path: "/" alone or starting and ending with "/", ASCII '!' through DEL, up to 512 characters:
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html ("Path") and
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html ("Path: 512 characters").
    iamPath: {
        text: "up to 512 ASCII characters from '!' to DEL, starting and ending with '/'", maxLength: 512, character: /[\x21-\x7f]/,
        conditions: [{ holds: (path: string) => path.startsWith("/") && path.endsWith("/"), expected: "that starts and ends with '/'" }],
    },
    // Log group names: 1-512 characters of [\.\-_/#A-Za-z0-9]: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
    logGroup: { text: "1-512 letters, digits, '.', '-', '_', '/' and '#'", maxLength: 512, character: /[A-Za-z0-9._/#-]/ },
    // General purpose bucket names: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    s3Bucket: {
        text: "3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit, no two adjacent periods, " +
            "not starting with xn--, sthree- or amzn-s3-demo-",
        maxLength: 63, character: /[a-z0-9.-]/,
        conditions: [
            startsWithLetterOrDigit,
            { holds: (name: string) => !name.includes(".."), expected: "without two adjacent periods" },
            { holds: (name: string) => !/^(xn--|sthree-|amzn-s3-demo-)/.test(name), expected: "that does not start with xn--, sthree- or amzn-s3-demo-" },
        ],
    },
    pipeline: codePipelineName,
    stage: codePipelineName,
    action: codePipelineName,
} satisfies Record<string, NamingRule>;

/** The rule's length and characters as one regular expression (its other conditions, if any, are checked apart). */
export function namePattern(rule: NamingRule): RegExp {
    return new RegExp(`^${rule.character.source}{1,${rule.maxLength}}$`);
}

/** What is wrong with `name` under `rule`, completing "expected a name ...", or undefined when it keeps the rule. */
export function namingProblem(rule: NamingRule, name: string): { tooLong?: true; expected: string } | undefined {
    if (name.length > rule.maxLength || name.length === 0) {
        return { tooLong: true, expected: `of 1 to ${rule.maxLength} characters` };
    }
    const badCharacters = [...new Set([...name].filter((c) => !rule.character.test(c)))];
    if (badCharacters.length > 0) {
        return { expected: `without ${badCharacters.map((c) => `"${c}"`).join(", ")}` };
    }
    const broken = rule.conditions?.find((condition) => !condition.holds(name));
    return broken && { expected: broken.expected };
}
