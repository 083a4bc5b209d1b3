// The rules between config keys, each a small named function. They run over the config as far as it
// is valid (a value that broke its own rule is undefined here), so that one pass reports every problem.
import {
    actionRoleAccounts, artifactRuleViolations, artifactStoreRegions, duplicateNames, duplicateStageNames, producingTargetNames, StageDeclaration, storeUserRoleArns,
    waveStages, wavesOf,
} from "../definition/pipeline";
import { amazonLinux2023Parameters, amiParameterArchitecture, instanceTypeArchitecture } from "../definition/fleet";
import { accountOfArn, arn, kmsReference, names, partitionOf, rolePaths } from "../definition/names";
import { count, NamingRule, namingProblem, namingRules, pipelineMeasurements, policySize, quotas, withinQuota } from "../definition/quotas";
import type { PolicyDocument } from "../policies/document";
import { artifactBucketPolicy, artifactGrantees, artifactKeyPolicy, pipelineRolePolicy } from "../policies/pipelineAccount";
import {
    ConfigDocument, defaultInstanceTag, derivedRoleName, derivedRoleSuffixes, pipelineOwnStages, ProgramConfig, RoleField, roleFields, targetNamesOf,
} from "./schema";
import type { Problem } from "./problems";


type Partially<T> = T extends readonly (infer Element)[] ? (Partially<Element> | undefined)[] : T extends object ? { [K in keyof T]?: Partially<T[K]> } : T;

/** The config as far as it is valid: a key that was given with a bad value is present and undefined. */
export type Draft = Partially<ConfigDocument>;
type DraftTarget = NonNullable<NonNullable<Draft["targets"]>[number]>;

/** The parsed value with every part that has a problem set to undefined (an unknown key leaves the rest valid), in a copy when there are any. */
export function validPart(value: unknown, issues: readonly { code?: string; path?: PropertyKey[] }[]): Draft {
    if (issues.length === 0) {
        return value as Draft;
    }
    const draft = structuredClone(value) as Record<PropertyKey, unknown>;
    for (const { code, path } of issues) {
        if (code === "unrecognized_keys" || !path?.length) {
            continue;
        }
        const parent = path.slice(0, -1).reduce<unknown>((node, key) => (hasEntries(node) ? node[key as string] : undefined), draft);
        if (hasEntries(parent)) {
            parent[path[path.length - 1] as string] = undefined;
        }
    }
    return draft as Draft;
}

/** Every rule over the draft, in the order their problems are listed. */
export const draftRules: ((draft: Draft) => Problem[])[] = [
    targetNamesAreUnique,
    derivedRoleNamesFit,
    roleNamesAreUniqueInEachAccount,
    targetsAreOutsideThePipelineAccount,
    targetsShareThePipelinePartition,
    assumedRolesAreOfTheirAccount,
    targetIsAmongTargets,
    deployedTargetsShareOneAccount,
    sharedApplicationsAreDeployedTogether,
    deploymentGroupsAreUnique,
    instanceTagsSelectOneGroup,
    fleetImagesMatchTheirInstanceTypes,
    targetsNameTheirStacks,
    wavesAreWavesOfTargets,
    approvalsBelongToWaves,
    extraActionsFitThePipeline,
    encryptionKeyIsOfThePipeline,
    pipelineNameFitsDerivedNames,
    adoptedStoresAreThisPipelines,
];

/** The walkthrough's limits over the whole pipeline, once the config is otherwise valid. */
export function pipelineFollowsArtifactRules(config: ProgramConfig, stages: StageDeclaration[]): Problem[] {
    return [...duplicateNames(stages), ...artifactRuleViolations(stages, config.pipelineAccountId)].map((message) => ({ path: ["extraActions"], message }));
}

/**
 * CodePipeline's quotas over the whole pipeline (stages, actions per stage, actions per pipeline), and its
 * naming rule for each stage name a wave gives, once the config is otherwise valid: a pipeline past them is
 * refused here, before any resource is declared, saying how many targets fit and how.
 */
export function pipelineFitsItsQuotas(config: ProgramConfig, stages: StageDeclaration[]): Problem[] {
    // A target stack declares no pipeline: its copy of the targets is checked where the pipeline is declared.
    if (config.deploy === "target") {
        return [];
    }
    const over = pipelineMeasurements(stages).filter((m) => !withinQuota(m));
    const approvals = stages.flatMap((stage) => stage.actions).filter((a) => a.category === "Approval").length;
    const extras = config.extraActions.length;
    const ownStages = pipelineOwnStages.length;
    const problems = over.map((m): Problem => {
        const { limit, source } = quotas[m.quota];
        if (m.quota === "stagesPerPipeline") {
            return {
                path: ["targets"],
                message: `the pipeline needs ${count(m.figure)} stages: ${pipelineOwnStages.join(", ")} and ${count(m.figure - ownStages)} for its waves ` +
                    `(a target without \`wave\` is a wave of its own), and CodePipeline allows ${limit} (${source}); at most ${limit - ownStages} stages of waves fit, ` +
                    `so put targets that may deploy together in one wave (targets[].wave): its targets deploy in parallel, in a stage of up to ` +
                    `${quotas.actionsPerStage.limit} actions, and up to ${count(quotas.actionsPerPipeline.limit - ownStages)} targets fit in one pipeline`,
            };
        }
        if (m.quota === "actionsPerPipeline") {
            const fit = quotas.actionsPerPipeline.limit - ownStages - approvals - extras;
            return {
                path: ["targets"],
                message: `the pipeline needs ${count(m.figure)} actions: Source, Build, ${count(config.targets.length)} deploy actions, ${approvals} approval${approvals === 1 ? "" : "s"} ` +
                    `and ${extras} extra action${extras === 1 ? "" : "s"}, and CodePipeline allows ${count(limit)} (${source}); at most ${count(fit)} targets fit in one pipeline ` +
                    "with these approvals and extra actions: deploy the others with a second pipeline (another pipeline stack with its own pipelineName)",
            };
        }
        return { path: ["extraActions"], message: `${m.subject} needs ${m.figure} actions, and CodePipeline allows ${limit} per stage (${source}); move some of its extra actions to another stage` };
    });
    // A wave's name is a valid stage name (the schema's rule): only the suffix of a split wave can break it.
    const splitNamesTooLong = wavesOf(config.targets, config.waves).flatMap((wave) => {
        const names = waveStages(wave).map((stage) => stage.name);
        const longest = names.reduce((a, b) => (b.length > a.length ? b : a));
        const problem = namingProblem(namingRules.stage, longest);
        return problem ? [{
            path: ["targets"],
            message: `wave "${wave.name}" needs ${names.length} stages, named ${names[0]} to ${names[names.length - 1]}, and CodePipeline's stage names have ` +
                `${namingRules.stage.text}; expected a wave name of at most ${namingRules.stage.maxLength - (longest.length - wave.name.length)} characters`,
        }] : [];
    });
    return [...problems, ...splitNamesTooLong, ...duplicateStageNames(stages).map((message) => ({ path: ["targets"], message }))];
}

/** A key id as KMS makes one (36 characters, as a multi-Region key's `mrk-` id too): a key's ARN has this length before the key exists. */
const placeholderKeyId = "00000000-0000-0000-0000-000000000000";

/** A policy document the pipeline stack declares whose size grows with the target accounts, and the quota it is held to. */
interface GrowingPolicy {
    what: string;
    quota: "bucketPolicy" | "keyPolicy" | "roleInlinePolicies";
    document: PolicyDocument;
    /** The target accounts it names, and what one more of them adds, as the quota counts it. */
    accounts: number;
    perAccount: number;
}

/**
 * The policies that grow by an account per target account, each as the program would declare it for this config: every
 * artifact store's bucket and key policy (they name each target account's root, whose length is the partition's:
 * `arn:aws-us-gov:iam::<id>:root` is 7 bytes longer than `arn:aws:iam::<id>:root`) and the pipeline role's policy
 * (which names each target account's id). The key's ARN, not known before the key exists, has its final length.
 */
export function growingPolicies(config: ProgramConfig): GrowingPolicy[] {
    const partition = partitionOf(config.region);
    const keyArnIn = (region: string) => (region === config.region && config.encryptionKey && kmsReference(config.encryptionKey)?.kind === "key"
        ? config.encryptionKey : `arn:${partition}:kms:${region}:${config.pipelineAccountId}:key/${placeholderKeyId}`);
    const regions = artifactStoreRegions(config.region, config.targets);
    const stores = regions.map((region) => ({ region, bucketName: names.artifactBucket(config.pipelineName, config.pipelineAccountId, region), keyArn: keyArnIn(region) }));
    const rootBytes = policySize("bucketPolicy", `,"${arn.accountRoot(partition, config.pipelineAccountId)}"`);
    const storePolicies = stores.flatMap(({ region, bucketName, keyArn }): GrowingPolicy[] => {
        const grantees = artifactGrantees(config, region);
        const accounts = grantees.accountIds.length;
        const allowedKeyIds = [keyArn, ...(region === config.region && config.encryptionKey ? [config.encryptionKey] : [])];
        return [
            { what: `the bucket policy of the artifact store of ${region}`, quota: "bucketPolicy", accounts, perAccount: rootBytes,
                document: artifactBucketPolicy({ partition, bucketName, allowedKeyIds, grantees }) },
            // An existing key's policy is its owner's, not declared here.
            ...(region === config.region && config.encryptionKey ? [] : [{
                what: `the key policy of the artifact store of ${region}`, quota: "keyPolicy" as const, accounts, perAccount: rootBytes,
                document: artifactKeyPolicy({ partition, pipelineAccountId: config.pipelineAccountId, pipelineRoleArns: storeUserRoleArns(config), grantees }),
            }]),
        ];
    });
    const actionRoles = actionRoleAccounts(config);
    const pipelineRole: GrowingPolicy = {
        what: "the pipeline role's policy", quota: "roleInlinePolicies", accounts: actionRoles.deploy.accountIds.length,
        perAccount: policySize("roleInlinePolicies", `,"${config.pipelineAccountId}"`),
        document: pipelineRolePolicy({
            partition, region: config.region, pipelineAccountId: config.pipelineAccountId, pipelineName: config.pipelineName, artifactStores: stores, actionRoles,
            source: config.source.provider === "S3" ? { bucketName: names.sourceBucket(config.pipelineName, config.pipelineAccountId, config.region) } : { connectionArn: config.source.connectionArn },
        }),
    };
    return [...storePolicies, pipelineRole];
}

/**
 * How many target accounts a growing policy holds within its quota: as many as it names, and what is left of the quota,
 * or less. Accounts added are counted as readers: one that also produces artifacts adds its root to the producers' statement too.
 */
function accountsThatFit(policy: Pick<GrowingPolicy, "quota" | "document" | "accounts" | "perAccount">): number {
    const left = quotas[policy.quota].limit - policySize(policy.quota, JSON.stringify(policy.document));
    return policy.accounts + Math.floor(left / policy.perAccount);
}

/** How many target accounts one artifact store of this config holds: the fewest its bucket and key policies hold (the table per partition of docs/configuration.md). */
export function targetAccountsPerStore(config: ProgramConfig): number {
    return Math.min(...growingPolicies(config).filter((p) => p.quota !== "roleInlinePolicies").map(accountsThatFit));
}

/**
 * The policies that grow by a target account fit their quotas: refused here, before any resource is declared, saying
 * how many target accounts fit with this partition, pipeline name and region, and the way out. Past the bucket
 * policy's 20 KB, S3 would refuse PutBucketPolicy in the middle of an update.
 */
export function policiesFitTheirQuotas(config: ProgramConfig): Problem[] {
    if (config.deploy === "target") {
        return [];
    }
    const partition = partitionOf(config.region);
    return growingPolicies(config).flatMap(({ what, quota, document, accounts, perAccount }) => {
        const figure = policySize(quota, JSON.stringify(document));
        const { limit, source, unit } = quotas[quota];
        if (figure <= limit) {
            return [];
        }
        const fit = accountsThatFit({ quota, document, accounts, perAccount });
        return [{
            path: ["targets"],
            message: `${what} would name ${count(accounts)} target accounts and be ${count(figure)} ${unit}, and AWS allows ${count(limit)} (${source}); ` +
                `in partition ${partition}, where each target account adds ${perAccount} ${unit}, at most ${count(fit)} target accounts fit one artifact store ` +
                `with this pipelineName and region: ` +
                `deploy the others with a second pipeline (another pipeline stack with its own pipelineName)`,
        }];
    });
}

function targetNamesAreUnique(draft: Draft): Problem[] {
    const names = targetsOf(draft).map(({ target }) => target.name).filter((name) => name !== undefined);
    const repeated = new Set(names.filter((name, index) => names.indexOf(name) !== index));
    return [...repeated].map((name) => ({ path: ["targets"], message: `name "${name}" appears more than once; target names are stage names and must be unique` }));
}

const maxRoleNameLength = namingRules.iamRole.maxLength;

/** The role names derived from a target's name must fit IAM's limit; the name is the cause, not a clash of cut names. */
function derivedRoleNamesFit(draft: Draft): Problem[] {
    return targetsOf(draft).flatMap(({ target, index }) => {
        const { name } = target;
        const tooLong = declaredRoleFields(draft, target).filter((field) => !given(target, field) && name !== undefined && derivedRoleName(name, field).length > maxRoleNameLength);
        if (name === undefined || tooLong.length === 0) {
            return [];
        }
        const longestSuffix = Math.max(...tooLong.map((field) => derivedRoleSuffixes[field].length));
        return [{
            path: ["targets", index, "name"],
            message: `"${name}" is too long for its derived role names ${tooLong.map((field) => derivedRoleName("<name>", field)).join(", ")} ` +
                `(IAM role names have at most ${maxRoleNameLength} characters); expected at most ${maxRoleNameLength - longestSuffix} characters, ` +
                `or set ${tooLong.join(" and ")}`,
        }];
    });
}

/** No two roles in one account may share a name, whatever their kind: one would overwrite the other. IAM compares role names without case. */
function roleNamesAreUniqueInEachAccount(draft: Draft): Problem[] {
    const problems: Problem[] = [];
    const users = new Map<string, string>();
    for (const { target, index } of targetsOf(draft)) {
        for (const field of declaredRoleFields(draft, target)) {
            const roleName = roleNameIfKnown(target, field);
            if (target.accountId === undefined || roleName === undefined) {
                continue;
            }
            const id = `${target.accountId}:${roleName.toLowerCase()}`;
            const user = `${target.name ?? `targets[${index}]`}.${field}`;
            const first = users.get(id);
            if (first) {
                problems.push({ path: ["targets"], message: `role name "${roleName}" is used by both ${first} and ${user} in account ${target.accountId}; role names must be unique within an account` });
            } else {
                users.set(id, user);
            }
        }
    }
    return problems;
}

function targetsAreOutsideThePipelineAccount(draft: Draft): Problem[] {
    return targetsOf(draft)
        .filter(({ target }) => target.accountId !== undefined && target.accountId === draft.pipelineAccountId)
        .map(({ target, index }) => ({
            path: ["targets", index, "accountId"],
            message: `"${target.accountId}" is the pipeline account; expected another account (a target in the pipeline account needs no cross-account role)`,
        }));
}

/**
 * Targets in another AWS partition than the pipeline: partitions have separate IAM, and no role, key or
 * bucket policy reaches across them, so such a pipeline could never deploy.
 * https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html
 */
function targetsShareThePipelinePartition(draft: Draft): Problem[] {
    const pipelineRegion = draft.region;
    if (pipelineRegion === undefined) {
        return [];
    }
    const partition = partitionOf(pipelineRegion);
    return targetsOf(draft).flatMap(({ target, index }) => (target.region === undefined || partitionOf(target.region) === partition ? [] : [{
        path: ["targets", index, "region"],
        message: `"${target.region}" of target "${target.name ?? `targets[${index}]`}" is in partition ${partitionOf(target.region)}, ` +
            `the pipeline's region "${pipelineRegion}" in partition ${partition}; a pipeline cannot deploy across partitions (they share no IAM), expected a region of partition ${partition}`,
    }]));
}

/** A provider is pinned to its account (allowedAccountIds), so a role it assumes must be of that account. */
function assumedRolesAreOfTheirAccount(draft: Draft): Problem[] {
    const problem = (path: (string | number)[], roleArn: string | undefined, accountId: string | undefined, whose: string): Problem[] => {
        const roleAccount = roleArn === undefined ? undefined : accountOfArn(roleArn);
        return roleAccount === undefined || accountId === undefined || roleAccount === accountId ? [] : [{
            path,
            message: `"${roleArn}" is a role of account ${roleAccount}; expected a role of ${whose} ${accountId}, the only account its provider accepts`,
        }];
    };
    return [
        ...problem(["pipelineCredentials", "assumeRoleArn"], draft.pipelineCredentials?.assumeRoleArn, draft.pipelineAccountId, "the pipeline account"),
        ...targetsOf(draft).flatMap(({ target, index }) =>
            problem(["targets", index, "credentials", "assumeRoleArn"], target.credentials?.assumeRoleArn, target.accountId, "this target's account")),
    ];
}

function targetIsAmongTargets(draft: Draft): Problem[] {
    if (draft.deploy !== "target") {
        return [];
    }
    const names = targetNames(draft);
    if (!given(draft, "target")) {
        const known = (names ?? []).join(", ");
        return [{ path: ["target"], message: `missing; with deploy "target" it names the entries of targets this stack deploys, a name or a list of names (one of: ${known || "none defined"})` }];
    }
    const listed = deployedNames(draft);
    const repeated = [...new Set(listed.filter((name, index) => listed.indexOf(name) !== index))];
    return [
        ...repeated.map((name) => ({ path: ["target"], message: `"${name}" is listed more than once; expected each target once` })),
        ...(names === undefined ? [] : [...new Set(listed)].filter((name) => !names.includes(name)).map((name) => ({
            path: ["target"],
            message: `"${name}" is not among targets; expected one of: ${names.join(", ")}`,
        }))),
    ];
}

/** The names `target` lists, as far as they are valid. */
function deployedNames(draft: Draft): string[] {
    const target = draft.target as string | (string | undefined)[] | undefined;
    return targetNamesOf(Array.isArray(target) ? target.filter((name) => name !== undefined) : target);
}

/** The target entries a target stack deploys, as far as they are known. */
function deployedEntries(draft: Draft): { target: DraftTarget; index: number }[] {
    const listed = deployedNames(draft);
    return targetsOf(draft).filter(({ target }) => target.name !== undefined && listed.includes(target.name));
}

/** A target stack is one account's stack: its provider credentials, its owner's review (plan/account-<id>). */
function deployedTargetsShareOneAccount(draft: Draft): Problem[] {
    if (draft.deploy !== "target") {
        return [];
    }
    const deployed = deployedEntries(draft);
    const accounts = [...new Set(deployed.map(({ target }) => target.accountId).filter((id) => id !== undefined))];
    if (accounts.length <= 1) {
        return [];
    }
    const byAccount = accounts.map((account) => `${deployed.filter(({ target }) => target.accountId === account).map(({ target }) => target.name).join(", ")} in ${account}`);
    return [{
        path: ["target"],
        message: `lists targets of ${accounts.length} accounts (${byAccount.join("; ")}); a target stack deploys one account: expected targets of one account, one stack per account`,
    }];
}

/** Where a CodeDeploy application lives: names are unique per account and region. */
function applicationOf(target: DraftTarget, pipelineRegion: string | undefined): string | undefined {
    const region = regionOf(target, pipelineRegion);
    return target.accountId === undefined || region === undefined || target.applicationName === undefined
        ? undefined : `application ${target.applicationName} in account ${target.accountId} (${region})`;
}

/**
 * Targets of one application in one account and region are deployment groups of one CodeDeploy application,
 * which one stack declares: a second stack declaring it would fail (ApplicationAlreadyExistsException,
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateApplication.html). So a target stack
 * deploys every target that shares an application with one it deploys.
 */
function sharedApplicationsAreDeployedTogether(draft: Draft): Problem[] {
    if (draft.deploy !== "target") {
        return [];
    }
    const listed = deployedNames(draft);
    const applications = new Map<string, string[]>();
    for (const { target } of deployedEntries(draft)) {
        const application = applicationOf(target, draft.region);
        if (application !== undefined) {
            applications.set(application, [...(applications.get(application) ?? []), target.name!]);
        }
    }
    return [...applications].flatMap(([application, deployed]) => {
        const left = targetsOf(draft).map(({ target }) => target)
            .filter((other) => other.name !== undefined && !listed.includes(other.name) && applicationOf(other, draft.region) === application);
        return left.length === 0 ? [] : [{
            path: ["target"],
            message: `target ${deployed.map((name) => `"${name}"`).join(", ")} shares CodeDeploy ${application} with ${left.map((other) => `"${other.name}"`).join(", ")}, ` +
                "which this stack does not deploy; one application is declared by one stack, so another stack declaring it would fail: " +
                `expected them in this stack, target: [${[...listed, ...left.map((other) => other.name!)].join(", ")}]`,
        }];
    });
}

/** Each target declares its deployment group: two targets naming one group in one application would declare it twice. */
function deploymentGroupsAreUnique(draft: Draft): Problem[] {
    const first = new Map<string, string>();
    const problems: Problem[] = [];
    for (const { target, index } of targetsOf(draft)) {
        const application = applicationOf(target, draft.region);
        if (application === undefined || target.deploymentGroupName === undefined) {
            continue;
        }
        const group = `deployment group ${target.deploymentGroupName} of ${application}`;
        const name = target.name ?? `targets[${index}]`;
        const other = first.get(group);
        if (other) {
            problems.push({ path: ["targets", index, "deploymentGroupName"], message: `"${target.deploymentGroupName}": targets "${other}" and "${name}" both declare ${group}; expected another deployment group name` });
        } else {
            first.set(group, name);
        }
    }
    return problems;
}

/**
 * A deployment group deploys to every instance carrying its tag (ec2TagFilters, KEY_AND_VALUE:
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_EC2TagFilter.html), so two groups of one
 * account and region selecting by one tag would deploy to each other's instances (staging onto production).
 */
function instanceTagsSelectOneGroup(draft: Draft): Problem[] {
    const first = new Map<string, { name: string; group: string; explicit: boolean }>();
    const problems: Problem[] = [];
    for (const { target, index } of targetsOf(draft)) {
        const region = regionOf(target, draft.region);
        const { applicationName, deploymentGroupName } = target;
        const explicit = given(target, "instanceTag");
        const tag = explicit ? target.instanceTag
            : applicationName !== undefined && deploymentGroupName !== undefined ? defaultInstanceTag({ applicationName, deploymentGroupName }) : undefined;
        if (tag?.key === undefined || tag.value === undefined || target.accountId === undefined || region === undefined) {
            continue;
        }
        const selection = `${target.accountId}/${region}/${tag.key}=${tag.value}`;
        const mine = { name: target.name ?? `targets[${index}]`, group: `${applicationName}/${deploymentGroupName}`, explicit };
        const other = first.get(selection);
        if (!other) {
            first.set(selection, mine);
            continue;
        }
        // One group declared twice is deploymentGroupsAreUnique's problem.
        if (other.group !== mine.group) {
            const how = (t: typeof mine) => `"${t.name}" (${t.explicit ? "its instanceTag" : "its default tag"})`;
            const own = defaultInstanceTag({ applicationName: applicationName ?? "<applicationName>", deploymentGroupName: deploymentGroupName ?? "<deploymentGroupName>" });
            problems.push({
                path: ["targets", index, "instanceTag"],
                message: `targets ${how(other)} and ${how(mine)} both select instances tagged ${tag.key}=${tag.value} in account ${target.accountId} (${region}): ` +
                    `each deployment group would deploy to the other's instances; expected a tag of this deployment group only, e.g. {key: ${own.key}, value: ${own.value}}`,
            });
        }
    }
    return problems;
}

/**
 * A fleet's AMI must be built for its instance type's architecture: AMIs are specific to the architecture of the processor
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resize-limitations.html), and EC2 refuses to launch an instance from an
 * AMI of another, so every launch of the Auto Scaling group would fail. Decided from the names alone (definition/fleet.ts):
 * an amiParameter left out is Amazon Linux 2023's of the right architecture (config/schema.ts), and one whose name says no
 * architecture is not checked.
 */
function fleetImagesMatchTheirInstanceTypes(draft: Draft): Problem[] {
    return targetsOf(draft).flatMap(({ target, index }) => {
        const { instanceType, amiParameter } = target.fleet ?? {};
        if (instanceType === undefined || amiParameter === undefined) {
            return [];
        }
        const instance = instanceTypeArchitecture(instanceType);
        const image = amiParameterArchitecture(amiParameter);
        return image === undefined || image === instance ? [] : [{
            path: ["targets", index, "fleet", "amiParameter"],
            message: `"${amiParameter}" names an ${image} AMI, but instanceType "${instanceType}" is ${instance}, and EC2 launches an instance only from an AMI ` +
                `of its architecture; expected an ${instance} AMI parameter such as "${amazonLinux2023Parameters[instance]}" (what leaving amiParameter out gives), ` +
                `or an ${image} instance type`,
        }];
    });
}

function targetsNameTheirStacks(draft: Draft): Problem[] {
    if (draft.deploy !== "pipeline") {
        return [];
    }
    return targetsOf(draft).filter(({ target }) => !given(target, "stack")).map(({ index }) => ({
        path: ["targets", index, "stack"],
        message: `missing; with deploy "pipeline" each target names the stack that deploys its account (deploy: target), e.g. "organization/cross-account-pipeline/accountB"`,
    }));
}

/** Each entry of `waves` names a wave of the targets, once. */
function wavesAreWavesOfTargets(draft: Draft): Problem[] {
    const waves = waveNames(draft);
    const seen = new Set<string>();
    return (draft.waves ?? []).flatMap((wave, index) => {
        const name = wave?.name;
        if (name === undefined) {
            return [];
        }
        const repeated = seen.has(name);
        seen.add(name);
        if (repeated) {
            return [{ path: ["waves", index, "name"], message: `"${name}" appears more than once in waves; expected one entry per wave` }];
        }
        return waves === undefined || waves.includes(name) ? [] : [{
            path: ["waves", index, "name"],
            message: `"${name}" is not the wave of any target; expected one of: ${listed(waves)} (a target's wave is its \`wave\`, or its name when it has none)`,
        }];
    });
}

/**
 * An approval belongs to a wave: a target's own `requireApproval` stands for its wave only when the target
 * is alone in it, and never against the wave's entry in `waves`.
 */
function approvalsBelongToWaves(draft: Draft): Problem[] {
    const targets = targetsOf(draft).filter(({ target }) => target.name !== undefined);
    const waveOf = (target: DraftTarget) => target.wave ?? target.name!;
    return targets.flatMap(({ target, index }) => {
        if (target.requireApproval === undefined) {
            return [];
        }
        const wave = waveOf(target);
        const settingIndex = (draft.waves ?? []).findIndex((w) => w?.name === wave);
        const setting = settingIndex < 0 ? undefined : draft.waves![settingIndex];
        const path = ["targets", index, "requireApproval"];
        if (setting?.requireApproval !== undefined && setting.requireApproval !== target.requireApproval) {
            return [{
                path,
                message: `${target.requireApproval} contradicts waves[${settingIndex}].requireApproval (${setting.requireApproval}) of wave "${wave}"; ` +
                    `expected the approval in one place: an approval belongs to the wave, so remove it here`,
            }];
        }
        const others = targets.filter((t) => t.target !== target && waveOf(t.target) === wave).length;
        return setting === undefined && others > 0 && target.requireApproval ? [{
            path,
            message: `true on target "${target.name}", which shares wave "${wave}" with ${others} other target${others === 1 ? "" : "s"}; an approval belongs to ` +
                `the wave, not to one of its targets: expected waves: [{name: ${wave}, requireApproval: true}] instead`,
        }] : [];
    });
}

function extraActionsFitThePipeline(draft: Draft): Problem[] {
    const names = targetNames(draft);
    if (names === undefined) {
        return [];
    }
    const targets = (draft.targets ?? []) as (DraftTarget & { name: string })[];
    const settings = (draft.waves ?? []).filter((w): w is { name: string; requireApproval?: boolean } => w?.name !== undefined);
    const stageNames = [...pipelineOwnStages, ...wavesOf(targets, settings).flatMap((wave) => waveStages(wave).map((stage) => stage.name))];
    return (draft.extraActions ?? []).flatMap((action, index) => [
        ...(action?.stage === undefined || stageNames.includes(action.stage) ? [] : [{
            path: ["extraActions", index, "stage"],
            message: `"${action.stage}" is not a stage of this pipeline; expected one of: ${listed(stageNames)}`,
        }]),
        ...(action?.target === undefined || names.includes(action.target) ? [] : [{
            path: ["extraActions", index, "target"],
            message: `"${action.target}" is not among targets; expected one of: ${listed(names)}`,
        }]),
    ]);
}

/** Names as a message lists them: all of a short list, the first of a long one and how many more. */
function listed(names: string[], shown = 12): string {
    return names.length <= shown ? names.join(", ") : `${names.slice(0, shown).join(", ")} and ${names.length - shown} more`;
}

function encryptionKeyIsOfThePipeline(draft: Draft): Problem[] {
    const key = draft.encryptionKey === undefined ? undefined : kmsReference(draft.encryptionKey);
    if (key === undefined) {
        return [];
    }
    const problems: Problem[] = [];
    if (draft.region !== undefined && key.region !== draft.region) {
        problems.push({ path: ["encryptionKey"], message: `"${draft.encryptionKey}" is in region ${key.region}; expected a key in the pipeline region ${draft.region}` });
    }
    if (draft.pipelineAccountId !== undefined && key.accountId !== draft.pipelineAccountId) {
        problems.push({ path: ["encryptionKey"], message: `"${draft.encryptionKey}" belongs to account ${key.accountId}; expected a key of the pipeline account ${draft.pipelineAccountId}` });
    }
    return problems;
}

/**
 * `adoptRetained` names, per region, the key of an artifact store that `pulumi destroy` left behind. Only this
 * pipeline's stores can be adopted: a region it has a store in, a key of the pipeline account in that region,
 * by key ARN (importing needs the key id, which an alias ARN does not give), or there `encryptionKey` itself.
 */
function adoptedStoresAreThisPipelines(draft: Draft): Problem[] {
    const adopted = Object.entries(draft.adoptRetained ?? {});
    if (adopted.length === 0) {
        return [];
    }
    if (draft.deploy === "target") {
        return [{ path: ["adoptRetained"], message: "a target stack retains nothing on destroy, so it adopts nothing; expected adoptRetained only in the pipeline stack (deploy: pipeline or all)" }];
    }
    const pipelineRegion = draft.region;
    const storeRegions = pipelineRegion === undefined ? undefined : artifactStoreRegions(pipelineRegion, targetsOf(draft).map(({ target }) => ({ region: regionOf(target, pipelineRegion) })));
    return adopted.flatMap(([region, key]): Problem[] => {
        const path = ["adoptRetained", region];
        if (key === undefined) {
            return [];
        }
        if (storeRegions !== undefined && !storeRegions.includes(region)) {
            return [{ path, message: `"${region}" is not a region this pipeline has an artifact store in; expected one of: ${storeRegions.join(", ")}` }];
        }
        if (region === pipelineRegion && draft.encryptionKey !== undefined) {
            return key === draft.encryptionKey ? [] : [{
                path, message: `"${key}": the store of the pipeline region is encrypted with encryptionKey, which this program never creates or retains; expected "${draft.encryptionKey}"`,
            }];
        }
        const reference = kmsReference(key);
        const expected = `the key ARN of the retained key, arn:<partition>:kms:${region}:${draft.pipelineAccountId ?? "<pipelineAccountId>"}:key/<key id>`;
        if (reference === undefined) {
            return []; // not an ARN at all: the schema says so
        }
        if (reference.kind !== "key") {
            return [{ path, message: `"${key}" is an alias ARN; importing a key needs its key id, expected ${expected}` }];
        }
        if (reference.region !== region || (draft.pipelineAccountId !== undefined && reference.accountId !== draft.pipelineAccountId)) {
            return [{ path, message: `"${key}" is a key of account ${reference.accountId} in ${reference.region}; expected ${expected}` }];
        }
        return [];
    });
}

/** What the names derived from pipelineName depend on. */
interface NamedPipeline {
    pipelineName: string;
    accountId: string;
    storeRegions: string[];
    s3Source: boolean;
    /** A key (with its alias) is created in every store region where config names no existing key. */
    createsKey: boolean;
}

/** Names derived from pipelineName: what they are, their form as a length message shows it, their rule, and the names this config declares. */
interface DerivedNames {
    what: string;
    form: string;
    rule: NamingRule;
    names: (pipeline: NamedPipeline) => string[];
}

const placeholder = "<pipelineName>";
const accountPlaceholder = "<pipeline account>";

const derivedNames: DerivedNames[] = [
    {
        // The source bucket (names.sourceBucket) starts like the artifact bucket of its region and is shorter: it breaks only when that does.
        what: "the artifact bucket names", form: "<pipelineName>-<account>-<region>-artifacts", rule: namingRules.s3Bucket,
        names: (p) => p.storeRegions.map((region) => names.artifactBucket(p.pipelineName, p.accountId, region)),
    },
    { what: "the KMS alias", form: names.artifactKeyAlias(placeholder), rule: namingRules.kmsAlias, names: (p) => (p.createsKey ? [names.artifactKeyAlias(p.pipelineName)] : []) },
    { what: "the CodeBuild project", form: names.buildProject(placeholder), rule: namingRules.codeBuildProject, names: (p) => [names.buildProject(p.pipelineName)] },
    { what: "the EventBridge rule", form: names.sourceTriggerRule(placeholder), rule: namingRules.eventRule, names: (p) => (p.s3Source ? [names.sourceTriggerRule(p.pipelineName)] : []) },
    { what: "the IAM role", form: names.pipelineRole(placeholder), rule: namingRules.iamRole, names: (p) => [names.pipelineRole(p.pipelineName)] },
    { what: "the IAM role", form: names.buildRole(placeholder), rule: namingRules.iamRole, names: (p) => [names.buildRole(p.pipelineName)] },
    { what: "the IAM role", form: names.sourceTriggerRole(placeholder), rule: namingRules.iamRole, names: (p) => (p.s3Source ? [names.sourceTriggerRole(p.pipelineName)] : []) },
    {
        what: "the IAM path of the target roles", form: rolePaths(accountPlaceholder, placeholder).instance, rule: namingRules.iamPath,
        names: (p) => Object.values(rolePaths(p.accountId, p.pipelineName)),
    },
];

/**
 * pipelineName prefixes the names of the key alias, project, rule, roles and buckets, and each has a
 * stricter rule than a pipeline name: each broken character rule is reported, and of the length limits
 * the one that allows the shortest name.
 */
function pipelineNameFitsDerivedNames(draft: Draft): Problem[] {
    const { pipelineName, region } = draft;
    if (pipelineName === undefined || region === undefined) {
        return [];
    }
    const storeRegions = artifactStoreRegions(region, targetsOf(draft).map(({ target }) => ({ region: regionOf(target, region) })));
    const pipeline: NamedPipeline = {
        pipelineName,
        accountId: draft.pipelineAccountId ?? "000000000000",
        storeRegions,
        s3Source: draft.source?.provider !== "CodeStarSourceConnection",
        createsKey: draft.encryptionKey === undefined || storeRegions.length > 1,
    };
    const tooLong: { allowed: number; problem: Problem }[] = [];
    const notValid: Problem[] = [];
    for (const { what, form, rule, names: derive } of derivedNames) {
        const derived = derive(pipeline);
        const longest = derived.reduce((a, b) => (b.length > a.length ? b : a), "");
        if (longest.length > rule.maxLength) {
            const allowed = pipelineName.length - (longest.length - rule.maxLength);
            const message = `"${pipelineName}" is too long for ${what} (${form} must fit ${rule.maxLength} characters); expected at most ${allowed} characters`;
            tooLong.push({ allowed, problem: { path: ["pipelineName"], message } });
            continue;
        }
        const broken = derived.map((name) => ({ name, expected: brokenPart(rule, name) })).find(({ expected }) => expected !== undefined);
        if (broken) {
            notValid.push({ path: ["pipelineName"], message: `"${pipelineName}" is not valid for ${what} ${broken.name} (${rule.text}); expected ${broken.expected}` });
        }
    }
    const strictest = tooLong.sort((a, b) => a.allowed - b.allowed).slice(0, 1).map(({ problem }) => problem);
    return [...strictest, ...notValid];
}

/** What a pipeline name needs so that `name` keeps `rule`, or undefined when it does (lengths are measured apart). */
function brokenPart(rule: NamingRule, name: string): string | undefined {
    const problem = namingProblem(rule, name);
    return problem && !problem.tooLong ? `a pipeline name ${problem.expected}` : undefined;
}

/** The roles a target declares: all but the producer role, which only a target whose extra action produces artifacts has. */
function declaredRoleFields(draft: Draft, target: DraftTarget): RoleField[] {
    const producers = producingTargetNames((draft.extraActions ?? []).flatMap((action) => (action?.outputArtifacts === undefined ? [] : [{
        target: action.target, outputArtifacts: action.outputArtifacts.filter((artifact) => artifact !== undefined),
    }])));
    return roleFields.filter((field) => field !== "producerRoleName" || (target.name !== undefined && producers.has(target.name)));
}

/** Whether config gave the key, valid or not. */
function given<T extends object>(value: T, key: keyof T): boolean {
    return key in value;
}

/** The target entries that are objects, with their index in targets. */
/** A target's region, as the schema resolves it (config/schema.ts): its own, or else the pipeline's. */
function regionOf<PipelineRegion extends string | undefined>(target: DraftTarget, pipelineRegion: PipelineRegion): string | PipelineRegion {
    return target.region ?? pipelineRegion;
}

function targetsOf(draft: Draft): { target: DraftTarget; index: number }[] {
    return (draft.targets ?? []).flatMap((target, index) => (target ? [{ target, index }] : []));
}

/** The waves the targets name (a target's own name when it names none), or undefined while a target's name is not known. */
function waveNames(draft: Draft): string[] | undefined {
    const names = targetNames(draft);
    return names && [...new Set(targetsOf(draft).map(({ target }) => target.wave ?? target.name!))];
}

/** The target names, or undefined while one of them is not known (a bad entry or name). */
function targetNames(draft: Draft): string[] | undefined {
    const names = (draft.targets ?? []).map((target) => target?.name);
    return draft.targets === undefined || names.some((name) => name === undefined) ? undefined : (names as string[]);
}

/** A role's name if known: configured, or derived from a known target name within IAM's limit (derivedRoleNamesFit reports the others). */
function roleNameIfKnown(target: DraftTarget, field: RoleField): string | undefined {
    if (given(target, field)) {
        return target[field];
    }
    const derived = target.name === undefined ? undefined : derivedRoleName(target.name, field);
    return derived !== undefined && derived.length <= maxRoleNameLength ? derived : undefined;
}

/** An object or an array: what a path of keys and indexes walks through. */
function hasEntries(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null;
}
