// What the stacks one GitHub environment deploys declare in its AWS account, read from the project's own stack
// files with the program's own config parser and naming functions: the deploy role's permissions name exactly these
// resources (permissions.ts), so they follow the program's names, and a stack of another account is refused here.
import * as path from "path";
import { ConfigError, parseConfig, ProgramConfig, TargetConfig, targetsDeployedHere } from "../../../config";
import { arn, names, partitionOf, rolePaths } from "../../../definition/names";
import { artifactStoreRegions, producingTargetNames } from "../../../definition/pipeline";
import { ProjectFile, programKeys, projectStackName, readProjectFile, readStackFile, StackFile } from "../../../project/stackFiles";

/** The pipeline account's part of a pipeline (or all) stack, by the names the program gives it. */
export interface PipelineScope {
    stack: string;
    pipelineName: string;
    /** The pipeline's region: its pipeline, project, log group, rule, source bucket and roles' use. */
    region: string;
    /** Every region with an artifact store: a key (unless `encryptionKey` names one in the pipeline's region) and a bucket. */
    storeRegions: string[];
    /** The regions whose store key this stack creates (not the pipeline region's when `encryptionKey` names an existing key). */
    keyRegions: string[];
    artifactBuckets: string[];
    /** With an S3 source: its bucket, and the EventBridge rule and role that start the pipeline. */
    sourceBucket?: string;
    sourceTrigger?: { ruleArn: string; roleArn: string };
    /** With a CodeStar source: the connection the pipeline passes. */
    connectionArn?: string;
    pipelineArn: string;
    pipelineRoleArn: string;
    buildRoleArn: string;
    buildProjectArn: string;
    buildLogGroupArn: string;
    keyAlias: string;
}

/** A target deployed in this account, by the names its entry gives. */
export interface TargetScope {
    stack: string;
    name: string;
    region: string;
    /** The roles under the pipeline's IAM paths here: cross-account, instance and (for a producing target) producer. */
    pathRoleArns: string[];
    instanceRoleArn: string;
    instanceProfileArn: string;
    codeDeployServiceRoleArn: string;
    applicationArn: string;
    deploymentGroupArn: string;
    fleet?: { amiParameterArn: string; newVpc: boolean; autoScalingGroupPrefix: string };
}

/** A stack of the environment: its name, its file's secrets provider, and the stacks of the project it reads. */
export interface EnvironmentStack {
    name: string;
    secretsProvider?: string;
    reads: { name: string; secretsProvider?: string }[];
}

export interface AccountScope {
    accountId: string;
    partition: string;
    /** The region the stacks run in (their `region`): where the bootstrap's own provider points; IAM is global. */
    region: string;
    projectName: string;
    stacks: EnvironmentStack[];
    pipelines: PipelineScope[];
    targets: TargetScope[];
    /** Roles of other accounts the stacks' config names for their providers (`assumeRoleArn`): the only roles this one may assume. */
    assumedRoleArns: string[];
}

export class ScopeError extends Error {}

/**
 * The stacks `stackNames` of the project in `projectDir`, as the program reads them, and what they declare in
 * `accountId`. Refused, every problem at once: a stack that does not exist, a config the program refuses, a stack
 * whose credentials are another account's (a target stack's target account, else the pipeline account), a
 * target of another account reached with a profile (a CI job has none) or with the job's own credentials.
 */
export function accountScope(projectDir: string, accountId: string, stackNames: string[]): AccountScope {
    const project = readProjectFile(projectDir);
    const problems: string[] = [];
    const configured = stackNames.flatMap((stack): { file: StackFile; config: ProgramConfig }[] => {
        const fileName = path.join(project.stackConfigDir, `Pulumi.${stack}.yaml`);
        try {
            const file = readStackFile(fileName, () => project);
            return [{ file, config: parseConfig(programKeys(file)) }];
        } catch (error) {
            problems.push(`stack ${stack}: ${error instanceof ConfigError ? error.message : (error as Error).message}`);
            return [];
        }
    });
    const scope: AccountScope = { accountId, partition: "", region: "", projectName: project.name, stacks: [], pipelines: [], targets: [], assumedRoleArns: [] };
    for (const { file, config } of configured) {
        const stack = file.stack;
        const credentialsAccount = config.deploy === "target" ? config.deployedTargets![0].accountId : config.pipelineAccountId;
        if (credentialsAccount !== accountId) {
            problems.push(`stack ${stack} deploys with the credentials of account ${credentialsAccount}, not ${accountId}: list it in that account's bootstrap stack`);
            continue;
        }
        scope.partition ||= partitionOf(config.region);
        scope.region ||= config.region;
        scope.stacks.push({
            name: stack,
            ...(file.secrets?.provider ? { secretsProvider: file.secrets.provider } : {}),
            reads: config.deploy === "pipeline" ? readsOf(config, project, problems) : [],
        });
        if (config.deploy !== "target") {
            scope.pipelines.push(pipelineScope(stack, config));
        }
        const producing = producingTargetNames(config.extraActions);
        for (const target of targetsDeployedHere(config)) {
            if (target.accountId === accountId) {
                scope.targets.push(targetScope(stack, config, target, producing.has(target.name)));
            } else if (target.credentials.assumeRoleArn !== undefined) {
                scope.assumedRoleArns.push(target.credentials.assumeRoleArn);
            } else {
                problems.push(`stack ${stack} deploys target ${target.name} into account ${target.accountId}: a CI job has this account's role only, ` +
                    `so that target needs credentials: {assumeRoleArn: <a role of ${target.accountId} this role may assume>}`);
            }
        }
        if (config.deploy !== "target" && config.pipelineCredentials.profile !== undefined) {
            problems.push(`stack ${stack}: pipelineCredentials names the profile ${config.pipelineCredentials.profile}, which a CI job does not have; remove it`);
        }
        for (const target of targetsDeployedHere(config).filter((t) => t.accountId === accountId && t.credentials.profile !== undefined)) {
            problems.push(`stack ${stack}: target ${target.name} names the profile ${target.credentials.profile}, which a CI job does not have; remove it`);
        }
    }
    if (problems.length > 0) {
        throw new ScopeError(problems.join("\n"));
    }
    return scope;
}

/** The stacks of this project a pipeline stack reads through its StackReferences (targets[].stack), with their files' secrets providers. */
function readsOf(config: ProgramConfig, project: ProjectFile, problems: string[]): EnvironmentStack["reads"] {
    const read = [...new Set(config.targets.flatMap((target) => projectStackName(target.stack ?? "", project.name) ?? []))];
    return read.flatMap((name) => {
        try {
            const file = readStackFile(path.join(project.stackConfigDir, `Pulumi.${name}.yaml`), () => project);
            return [{ name, ...(file.secrets?.provider ? { secretsProvider: file.secrets.provider } : {}) }];
        } catch (error) {
            problems.push(`stack ${name}, which a pipeline stack reads: ${(error as Error).message}`);
            return [];
        }
    });
}

function pipelineScope(stack: string, config: ProgramConfig): PipelineScope {
    const { pipelineName, pipelineAccountId: account, region } = config;
    const partition = partitionOf(region);
    const storeRegions = artifactStoreRegions(region, config.targets);
    const s3Source = config.source.provider === "S3";
    return {
        stack,
        pipelineName,
        region,
        storeRegions,
        keyRegions: storeRegions.filter((r) => !(r === region && config.encryptionKey)),
        artifactBuckets: storeRegions.map((r) => names.artifactBucket(pipelineName, account, r)),
        ...(s3Source ? {
            sourceBucket: names.sourceBucket(pipelineName, account, region),
            sourceTrigger: {
                ruleArn: arn.eventRule(partition, region, account, names.sourceTriggerRule(pipelineName)),
                roleArn: arn.role(partition, account, names.sourceTriggerRole(pipelineName)),
            },
        } : {}),
        ...(config.source.provider === "CodeStarSourceConnection" ? { connectionArn: config.source.connectionArn } : {}),
        pipelineArn: arn.pipeline(partition, region, account, pipelineName),
        pipelineRoleArn: arn.role(partition, account, names.pipelineRole(pipelineName)),
        buildRoleArn: arn.role(partition, account, names.buildRole(pipelineName)),
        buildProjectArn: arn.buildProject(partition, region, account, names.buildProject(pipelineName)),
        buildLogGroupArn: arn.logGroup(partition, region, account, names.buildLogGroup(pipelineName)),
        keyAlias: names.artifactKeyAlias(pipelineName),
    };
}

function targetScope(stack: string, config: ProgramConfig, target: TargetConfig, producesArtifacts: boolean): TargetScope {
    const partition = partitionOf(target.region);
    const account = target.accountId;
    const paths = rolePaths(config.pipelineAccountId, config.pipelineName);
    const instanceRoleArn = arn.role(partition, account, target.instanceRoleName, paths.instance);
    const fleet = target.fleet;
    // An AWS public parameter (/aws/service/...) has no account in its ARN; one of the account's own has.
    const parameterAccount = fleet?.amiParameter.startsWith("/aws/service/") ? "" : account;
    return {
        stack,
        name: target.name,
        region: target.region,
        pathRoleArns: [
            arn.role(partition, account, target.crossAccountRoleName, paths.deploy),
            instanceRoleArn,
            ...(producesArtifacts ? [arn.role(partition, account, target.producerRoleName, paths.producer)] : []),
        ],
        instanceRoleArn,
        instanceProfileArn: `arn:${partition}:iam::${account}:instance-profile/${target.instanceRoleName}`,
        codeDeployServiceRoleArn: arn.role(partition, account, target.codeDeployServiceRoleName),
        applicationArn: arn.codeDeployApplication(partition, target.region, account, target.applicationName),
        deploymentGroupArn: arn.deploymentGroup(partition, target.region, account, target.applicationName, target.deploymentGroupName),
        ...(fleet ? {
            fleet: {
                amiParameterArn: `arn:${partition}:ssm:${target.region}:${parameterAccount}:parameter${fleet.amiParameter}`,
                newVpc: fleet.vpc === "new",
                // components/fleet.ts declares the group `<target>-fleet-auto-scaling-group` without a name: Pulumi
                // names it so, with a random suffix.
                autoScalingGroupPrefix: `${target.name}-fleet-auto-scaling-group-`,
            },
        } : {}),
    };
}
