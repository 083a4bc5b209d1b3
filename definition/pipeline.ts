// The pipeline's shape, decided from config alone: stages, actions, artifact stores, and the
// walkthrough's cross-account rules over any such shape.
import type { ExtraActionConfig, SourceConfig, TargetConfig, WaveConfig } from "../config/types";
import type { ActionDeclaration, ArtifactStoreDeclaration, StageDeclaration } from "./declarations";
import { accountOfArn, arn, kmsReference, names, partitionOf, rolePaths, TargetRoleKind } from "./names";
import { quotas } from "./quotas";

export type { ActionDeclaration, ArtifactStoreDeclaration, StageDeclaration } from "./declarations";

/** What the stage list needs to know; a subset of ProgramConfig so validation can use it on a draft. */
export interface PipelineShape {
    region: string;
    pipelineAccountId: string;
    pipelineName: string;
    targets: TargetConfig[];
    /** The approvals of waves, as config gives them (`waves`). */
    waves: WaveConfig[];
    source: SourceConfig;
    extraActions: ExtraActionConfig[];
}

export const sourceArtifact = "SourceOutput";
export const buildArtifact = "BuildOutput";

/** The pipeline a target's roles belong to: their IAM paths follow from it (rolePaths). */
export type PipelineIdentity = Pick<PipelineShape, "pipelineAccountId" | "pipelineName">;

/** The config field that names a target's role of each kind. */
const roleNameFields = { deploy: "crossAccountRoleName", instance: "instanceRoleName", producer: "producerRoleName" } as const satisfies Record<TargetRoleKind, keyof TargetConfig>;

type TargetRoles<Kind extends TargetRoleKind> = Pick<TargetConfig, "region" | "accountId" | (typeof roleNameFields)[Kind]>;

/** A target's role of one kind, under this pipeline's path for that kind (rolePaths). */
export function targetRoleArn<Kind extends TargetRoleKind>(pipeline: PipelineIdentity, target: TargetRoles<Kind>, kind: Kind): string {
    const roleName: string = (target as Record<(typeof roleNameFields)[Kind], string>)[roleNameFields[kind]];
    return arn.role(partitionOf(target.region), target.accountId, roleName, rolePaths(pipeline.pipelineAccountId, pipeline.pipelineName)[kind]);
}

/** The role each target's deploy action assumes: that target's cross-account role, under this pipeline's deploy path. */
export const deployRoleArn = (pipeline: PipelineIdentity, target: TargetRoles<"deploy">) => targetRoleArn(pipeline, target, "deploy");

/** The role of a target's instances, under this pipeline's instance path. */
export const instanceRoleArn = (pipeline: PipelineIdentity, target: TargetRoles<"instance">) => targetRoleArn(pipeline, target, "instance");

/** The role a target's extra actions that produce artifacts run as, under this pipeline's producer path. */
export const producerRoleArn = (pipeline: PipelineIdentity, target: TargetRoles<"producer">) => targetRoleArn(pipeline, target, "producer");

/** This pipeline's roles of each kind in any account, as ARN patterns (their partition is the pipeline's: targets share it). */
export function targetRolePatterns(pipeline: PipelineIdentity & Pick<PipelineShape, "region">): Record<TargetRoleKind, string> {
    const partition = partitionOf(pipeline.region);
    const paths = rolePaths(pipeline.pipelineAccountId, pipeline.pipelineName);
    return { deploy: arn.rolesUnder(partition, paths.deploy), instance: arn.rolesUnder(partition, paths.instance), producer: arn.rolesUnder(partition, paths.producer) };
}

/**
 * The targets that produce artifacts: those an extra action with output artifacts runs in. They are the
 * exception to "target accounts read artifacts": their producer role writes to the store of their region.
 */
export function producingTargetNames(extraActions: readonly Pick<ExtraActionConfig, "target" | "outputArtifacts">[]): Set<string> {
    return new Set(extraActions.filter((action) => action.target !== undefined && action.outputArtifacts.length > 0).map((action) => action.target!));
}

/** The roles in target accounts the pipeline's actions run as, by kind: a pattern of their path, and the accounts that have them. */
export function actionRoleAccounts(shape: Pick<PipelineShape, "region" | "pipelineAccountId" | "pipelineName" | "targets" | "extraActions">): Record<"deploy" | "producer", { arnPattern: string; accountIds: string[] }> {
    const patterns = targetRolePatterns(shape);
    const producers = producingTargetNames(shape.extraActions);
    const accountsOf = (targets: TargetConfig[]) => [...new Set(targets.map((t) => t.accountId))];
    return {
        deploy: { arnPattern: patterns.deploy, accountIds: accountsOf(shape.targets) },
        producer: { arnPattern: patterns.producer, accountIds: accountsOf(shape.targets.filter((t) => producers.has(t.name))) },
    };
}

/** The pipeline's service role, by the name config gives it. */
export function pipelineRoleArn(shape: Pick<PipelineShape, "region" | "pipelineAccountId" | "pipelineName">): string {
    return arn.role(partitionOf(shape.region), shape.pipelineAccountId, names.pipelineRole(shape.pipelineName));
}

/** The pipeline account's roles that use the artifact stores, by the names config gives them: the pipeline role and the build role. */
export function storeUserRoleArns(shape: Pick<PipelineShape, "region" | "pipelineAccountId" | "pipelineName">): string[] {
    return [pipelineRoleArn(shape), arn.role(partitionOf(shape.region), shape.pipelineAccountId, names.buildRole(shape.pipelineName))];
}

/** An artifact store as the target accounts name it, before it exists: from config alone. */
export interface StoreName {
    bucketName: string;
    /** The configured key ARN, or every key of the pipeline account in the store's region. */
    keyArn: string;
}

/**
 * The artifact store of `region` as a target's identity policies name it. The target stacks deploy
 * before the pipeline stack, so the key is named by the pattern AWS documents for keys not known
 * yet, `arn:<partition>:kms:<region>:<account>:key/*` ("Specifying KMS keys in IAM policy statements",
 * https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html), or exactly by the
 * configured key ARN. Still least privilege: using a key of another account takes its key policy too
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html), and
 * only the pipeline's artifact keys grant these roles, through `aws:PrincipalArn`; a key of any other
 * account stays out of reach of the identity policy itself. An alias ARN cannot stand for its key here.
 */
export function storeNameForTargets(shape: Pick<PipelineShape, "pipelineAccountId" | "pipelineName" | "region"> & { encryptionKey?: string }, region: string): StoreName {
    const configuredKey = shape.encryptionKey && kmsReference(shape.encryptionKey);
    const useConfiguredKey = configuredKey && configuredKey.kind === "key" && configuredKey.region === region;
    return {
        bucketName: names.artifactBucket(shape.pipelineName, shape.pipelineAccountId, region),
        keyArn: useConfiguredKey ? shape.encryptionKey! : arn.keysIn(partitionOf(region), region, shape.pipelineAccountId),
    };
}

/**
 * The stages with each action's role ARN (as computed from config) replaced by the one given for it:
 * the role a target stack exports, or the role this stack declares. Equal in value; what changes is
 * that the pipeline now waits for (and, across stacks, checks) the role it names.
 */
export function withActionRoleArns(stages: StageDeclaration[], roleArnFor: Readonly<Record<string, string>>): StageDeclaration[] {
    return stages.map((stage) => ({
        ...stage,
        actions: stage.actions.map((action) => action.roleArn && roleArnFor[action.roleArn] ? { ...action, roleArn: roleArnFor[action.roleArn] } : action),
    }));
}

/** A target as a wave sees it: its name, the wave it names (its own name when none), its own approval flag. */
export interface WaveMember {
    name: string;
    wave?: string;
    requireApproval?: boolean;
}

/** Targets that deploy together: in parallel, in one stage (or consecutive stages when too many for one). */
export interface Wave<T extends WaveMember = TargetConfig> {
    name: string;
    requireApproval: boolean;
    targets: T[];
}

/**
 * The waves, in the order of their first target. A target without `wave` is a wave of its own, named
 * after it. A wave's approval is its entry in `waves`, else, for a wave of one target, that target's
 * `requireApproval` (config refuses the two disagreeing, and an approval flag on a target that shares its wave).
 */
export function wavesOf<T extends WaveMember>(targets: readonly T[], settings: readonly { name: string; requireApproval?: boolean }[]): Wave<T>[] {
    const waves = new Map<string, T[]>();
    for (const target of targets) {
        const name = target.wave ?? target.name;
        waves.set(name, [...(waves.get(name) ?? []), target]);
    }
    return [...waves].map(([name, members]) => ({
        name,
        requireApproval: settings.find((s) => s.name === name)?.requireApproval ?? (members.length === 1 ? members[0].requireApproval ?? false : false),
        targets: members,
    }));
}

/** A stage of a wave: its name, whether it starts with the wave's approval, and its targets. */
export interface WaveStage<T extends WaveMember = TargetConfig> {
    name: string;
    approval: boolean;
    targets: T[];
}

/**
 * The stages a wave takes: one named after it, or, for more actions than a stage may hold (the approval
 * counts), consecutive stages `<wave>-1`, `<wave>-2`, ... each as full as CodePipeline allows. The
 * approval opens the first of them, so it holds back the whole wave.
 */
export function waveStages<T extends WaveMember>(wave: Wave<T>): WaveStage<T>[] {
    const perStage = quotas.actionsPerStage.limit;
    const parts: WaveStage<T>[] = [];
    let rest = wave.targets;
    do {
        const approval = wave.requireApproval && parts.length === 0;
        const count = perStage - (approval ? 1 : 0);
        parts.push({ name: wave.name, approval, targets: rest.slice(0, count) });
        rest = rest.slice(count);
    } while (rest.length > 0);
    return parts.length === 1 ? parts : parts.map((part, i) => ({ ...part, name: `${wave.name}-${i + 1}` }));
}

/** Source, then Build, then the stages of each wave in order, each with its extra actions. */
export function pipelineStages(shape: PipelineShape): StageDeclaration[] {
    const stages: StageDeclaration[] = [
        { name: "Source", actions: [sourceAction(shape)] },
        { name: "Build", actions: [buildAction(shape.pipelineName)] },
        ...wavesOf(shape.targets, shape.waves).flatMap((wave) => waveStages(wave).map((part) => ({ name: part.name, actions: waveActions(wave, part, shape) }))),
    ];
    for (const extra of shape.extraActions) {
        stages.find((stage) => stage.name === extra.stage)?.actions.push(extraAction(extra, shape));
    }
    for (const stage of stages) {
        stage.actions.sort((a, b) => a.runOrder - b.runOrder);
    }
    return stages;
}

function sourceAction(shape: PipelineShape): ActionDeclaration {
    const common = { name: "Source", category: "Source", owner: "AWS", version: "1", runOrder: 1, outputArtifacts: [sourceArtifact] };
    if (shape.source.provider === "S3") {
        return {
            ...common,
            provider: "S3",
            configuration: {
                S3Bucket: names.sourceBucket(shape.pipelineName, shape.pipelineAccountId, shape.region),
                S3ObjectKey: shape.source.objectKey,
                // An EventBridge rule starts the pipeline when the object changes (see sourceChangedPattern).
                PollForSourceChanges: "false",
            },
        };
    }
    return {
        ...common,
        provider: "CodeStarSourceConnection",
        configuration: {
            ConnectionArn: shape.source.connectionArn,
            FullRepositoryId: shape.source.repository,
            BranchName: shape.source.branch,
            OutputArtifactFormat: "CODE_ZIP",
        },
    };
}

/** The EventBridge pattern of a new version of the S3 source object (the bucket sends its events to EventBridge). */
export function sourceChangedPattern(bucketName: string, objectKey: string): Record<string, unknown> {
    return {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": { bucket: { name: [bucketName] }, object: { key: [objectKey] } },
    };
}

function buildAction(pipelineName: string): ActionDeclaration {
    return {
        name: "Build", category: "Build", owner: "AWS", provider: "CodeBuild", version: "1", runOrder: 1,
        inputArtifacts: [sourceArtifact], outputArtifacts: [buildArtifact],
        configuration: { ProjectName: names.buildProject(pipelineName) },
    };
}

/**
 * A wave stage's actions: the wave's approval first when this stage opens the wave, then one deploy action
 * per target, all at one runOrder, so they run in parallel. A wave of one target names its action
 * `Deploy`; in a wave of several, each action is named after its target (action names are unique in a stage).
 */
function waveActions(wave: Wave, part: WaveStage, shape: PipelineShape): ActionDeclaration[] {
    const deploys = part.targets.map((target): ActionDeclaration => ({
        name: wave.targets.length === 1 ? "Deploy" : target.name,
        category: "Deploy", owner: "AWS", provider: "CodeDeploy", version: "1",
        runOrder: part.approval ? 2 : 1,
        inputArtifacts: [buildArtifact],
        configuration: { ApplicationName: target.applicationName, DeploymentGroupName: target.deploymentGroupName },
        roleArn: deployRoleArn(shape, target),
        ...regionOutside(target.region, shape.region),
    }));
    if (!part.approval) {
        return deploys;
    }
    const [only] = wave.targets;
    const approve: ActionDeclaration = {
        name: "Approve", category: "Approval", owner: "AWS", provider: "Manual", version: "1", runOrder: 1,
        configuration: {
            CustomData: wave.targets.length === 1
                ? `Approve the deployment to ${only.name} (account ${only.accountId}, ${only.region})`
                : `Approve the deployment to wave ${wave.name} (${wave.targets.length} targets)`,
        },
    };
    return [approve, ...deploys];
}

/**
 * An extra action; in a target's account, with that target's deploy role, or, when it produces artifacts,
 * its producer role: the deploy roles only read (AWS CDK's cross-account CodeDeploy action reads too).
 */
function extraAction({ stage, target: targetName, ...action }: ExtraActionConfig, shape: PipelineShape): ActionDeclaration {
    const target = shape.targets.find((t) => t.name === targetName);
    if (!target) {
        return action;
    }
    const roleArn = action.outputArtifacts.length > 0 ? producerRoleArn(shape, target) : deployRoleArn(shape, target);
    return { ...action, roleArn, ...regionOutside(target.region, shape.region) };
}

function regionOutside(region: string, pipelineRegion: string): { region?: string } {
    return region === pipelineRegion ? {} : { region };
}

/** The regions the pipeline needs an artifact store in: its own first, then each target's, once. */
export function artifactStoreRegions(pipelineRegion: string, targets: Pick<TargetConfig, "region">[]): string[] {
    return [...new Set([pipelineRegion, ...targets.map((t) => t.region)])];
}

/** The pipeline's artifact stores, each encrypted with its region's customer managed key by ARN. */
export function artifactStoreDeclarations(stores: { region: string; bucketName: string; keyArn: string }[]): ArtifactStoreDeclaration[] {
    return stores.map((store) => ({
        location: store.bucketName,
        type: "S3",
        encryptionKey: { id: store.keyArn, type: "KMS" },
        ...(stores.length > 1 ? { region: store.region } : {}),
    }));
}

/**
 * The walkthrough's limits on cross-account actions, as messages naming the stage, action and artifact:
 * an action may consume an artifact only if it runs in the pipeline account, or the artifact was
 * produced in the pipeline account, or by an earlier action in the consuming action's account;
 * and Jenkins actions cannot run cross-account.
 */
export function artifactRuleViolations(stages: StageDeclaration[], pipelineAccountId: string): string[] {
    const violations: string[] = [];
    const producedIn = new Map<string, string>();
    const accountOf = (action: ActionDeclaration) => (action.roleArn && accountOfArn(action.roleArn)) || pipelineAccountId;
    for (const stage of stages) {
        const runOrders = [...new Set(stage.actions.map((a) => a.runOrder))].sort((a, b) => a - b);
        for (const runOrder of runOrders) {
            // Actions with the same runOrder run in parallel: none sees what another produces.
            const batch = stage.actions.filter((a) => a.runOrder === runOrder);
            for (const action of batch) {
                const account = accountOf(action);
                const where = `action "${action.name}" in stage "${stage.name}"`;
                if (isJenkins(action) && account !== pipelineAccountId) {
                    violations.push(`${where} is a Jenkins action with a role in account ${account}; Jenkins actions cannot run cross-account, run it in the pipeline account ${pipelineAccountId}`);
                }
                for (const artifact of action.inputArtifacts ?? []) {
                    const producer = producedIn.get(artifact);
                    if (producer === undefined) {
                        violations.push(`${where} consumes artifact "${artifact}", which no earlier action produces; produce it in an earlier stage or at a lower runOrder`);
                    } else if (account !== pipelineAccountId && producer !== pipelineAccountId && producer !== account) {
                        violations.push(`${where} runs in account ${account} and consumes artifact "${artifact}" produced in account ${producer}; an artifact can pass between accounts only through the pipeline account ${pipelineAccountId}`);
                    }
                }
            }
            for (const action of batch) {
                for (const artifact of action.outputArtifacts ?? []) {
                    producedIn.set(artifact, accountOf(action));
                }
            }
        }
    }
    return violations;
}

/** Jenkins actions are custom actions whose provider name is chosen when registering them; it names Jenkins by convention. */
function isJenkins(action: ActionDeclaration): boolean {
    return /jenkins/i.test(action.provider);
}

/**
 * Stage names CodePipeline requires unique within a pipeline. Waves have one name each, so only a wave
 * split over several stages (`<wave>-1`, ...) can take another wave's name.
 */
export function duplicateStageNames(stages: StageDeclaration[]): string[] {
    const names = stages.map((stage) => stage.name);
    return [...new Set(names.filter((name, index) => names.indexOf(name) !== index))].map((name) =>
        `the pipeline has two stages named "${name}" (a wave split over several stages names them <wave>-1, <wave>-2, ...); stage names must be unique within a pipeline`);
}

/** Names CodePipeline requires unique: action names within a stage, output artifact names within the pipeline. */
export function duplicateNames(stages: StageDeclaration[]): string[] {
    const problems: string[] = [];
    const producers = new Map<string, string>();
    for (const stage of stages) {
        const seen = new Set<string>();
        for (const action of stage.actions) {
            if (seen.has(action.name)) {
                problems.push(`stage "${stage.name}" has two actions named "${action.name}"; action names must be unique within a stage`);
            }
            seen.add(action.name);
            for (const artifact of action.outputArtifacts ?? []) {
                const first = producers.get(artifact);
                if (first) {
                    problems.push(`artifact "${artifact}" is produced by ${first} and by action "${action.name}" in stage "${stage.name}"; output artifact names must be unique within a pipeline`);
                }
                producers.set(artifact, first ?? `action "${action.name}" in stage "${stage.name}"`);
            }
        }
    }
    return problems;
}
