// Names and ARNs, derived from config alone. Deterministic names let one account's policies name
// the other account's roles and stores before they exist (docs/operations.md#how-the-stacks-fit-together).

/** The ARN partition of a region: "aws", "aws-cn", "aws-us-gov", ... */
export function partitionOf(region: string): string {
    const prefixes: [string, string][] = [
        ["cn-", "aws-cn"], ["us-gov-", "aws-us-gov"], ["us-isob-", "aws-iso-b"], ["us-isof-", "aws-iso-f"],
        ["eu-isoe-", "aws-iso-e"], ["us-iso-", "aws-iso"], ["eusc-", "aws-eusc"],
    ];
    return prefixes.find(([prefix]) => region.startsWith(prefix))?.[1] ?? "aws";
}

export const arn = {
    accountRoot: (partition: string, accountId: string) => `arn:${partition}:iam::${accountId}:root`,
    /** A role's ARN includes its path: `arn:<partition>:iam::<account>:role/<path><name>` (IAM identifiers, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns). */
    role: (partition: string, accountId: string, roleName: string, path = "/") => `arn:${partition}:iam::${accountId}:role${path}${roleName}`,
    /** Every role under `path`, in any account: an ARN pattern for ArnLike conditions and identity policy resources. */
    rolesUnder: (partition: string, path: string) => `arn:${partition}:iam::*:role${path}*`,
    /** Every KMS key of an account in a region: IAM policies may name keys so ("Specifying KMS keys in IAM policy statements"). */
    keysIn: (partition: string, region: string, accountId: string) => `arn:${partition}:kms:${region}:${accountId}:key/*`,
    bucket: (partition: string, bucketName: string) => `arn:${partition}:s3:::${bucketName}`,
    objects: (partition: string, bucketName: string) => `arn:${partition}:s3:::${bucketName}/*`,
    pipeline: (partition: string, region: string, accountId: string, pipelineName: string) =>
        `arn:${partition}:codepipeline:${region}:${accountId}:${pipelineName}`,
    buildProject: (partition: string, region: string, accountId: string, projectName: string) =>
        `arn:${partition}:codebuild:${region}:${accountId}:project/${projectName}`,
    logGroup: (partition: string, region: string, accountId: string, logGroupName: string) =>
        `arn:${partition}:logs:${region}:${accountId}:log-group:${logGroupName}`,
    eventRule: (partition: string, region: string, accountId: string, ruleName: string) =>
        `arn:${partition}:events:${region}:${accountId}:rule/${ruleName}`,
    codeDeployApplication: (partition: string, region: string, accountId: string, applicationName: string) =>
        `arn:${partition}:codedeploy:${region}:${accountId}:application:${applicationName}`,
    deploymentGroup: (partition: string, region: string, accountId: string, applicationName: string, groupName: string) =>
        `arn:${partition}:codedeploy:${region}:${accountId}:deploymentgroup:${applicationName}/${groupName}`,
    deploymentConfig: (partition: string, region: string, accountId: string, configName: string) =>
        `arn:${partition}:codedeploy:${region}:${accountId}:deploymentconfig:${configName}`,
};

/** The account id inside an IAM or service ARN, or undefined for something that is not one. */
export function accountOfArn(value: string): string | undefined {
    return /^arn:[\w-]+:[\w-]+:[\w-]*:(\d{12}):/.exec(value)?.[1];
}

/** A KMS key named by key ARN or alias ARN, the only forms another account can resolve; undefined otherwise. */
export function kmsReference(value: string): { kind: "key" | "alias"; region: string; accountId: string; name: string } | undefined {
    const match = /^arn:aws[\w-]*:kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(\S+)$/.exec(value);
    return match ? { region: match[1], accountId: match[2], kind: match[3] as "key" | "alias", name: match[4] } : undefined;
}

export const names = {
    artifactBucket: (pipelineName: string, accountId: string, region: string) =>
        `${pipelineName.toLowerCase()}-${accountId}-${region}-artifacts`.replace(/[^a-z0-9.-]/g, "-"),
    sourceBucket: (pipelineName: string, accountId: string, region: string) =>
        `${pipelineName.toLowerCase()}-${accountId}-${region}-source`.replace(/[^a-z0-9.-]/g, "-"),
    // Aliases are regional, so every region's artifact key carries the same alias, as in the walkthrough.
    artifactKeyAlias: (pipelineName: string) => `alias/${pipelineName}-Key`,
    pipelineRole: (pipelineName: string) => `${pipelineName}-CodePipelineService`,
    buildRole: (pipelineName: string) => `${pipelineName}-CodeBuildService`,
    buildProject: (pipelineName: string) => `${pipelineName}-Build`,
    /**
     * The build's log group, declared here with its retention, instead of the `/aws/codebuild/<project>` CodeBuild
     * makes for itself when a project names none (kept forever, and left behind by `pulumi destroy`). A name of
     * its own: a pipeline that already ran builds has that group, so declaring it would fail with ResourceAlreadyExistsException.
     */
    buildLogGroup: (pipelineName: string) => `/cross-account-pipeline/${pipelineName}/build`,
    sourceTriggerRule: (pipelineName: string) => `${pipelineName}-SourceChanged`,
    sourceTriggerRole: (pipelineName: string) => `${pipelineName}-SourceTrigger`,
};

/** The kinds of roles a pipeline has in its target accounts, each under its own IAM path (rolePaths). */
export type TargetRoleKind = "deploy" | "instance" | "producer";

/**
 * Which kind of a pipeline's target roles a role ARN, ARN pattern or IAM path names, by the path rolePaths
 * gives it (`/cross-account-pipeline/<account>/<pipeline>/<kind>/`); undefined for anything else, a
 * pattern that spans kinds (`.../<pipeline>/*`) included.
 */
export function targetRoleKindOf(roleArnOrPath: string): TargetRoleKind | undefined {
    return /\/cross-account-pipeline\/[^/*]+\/[^/*]+\/(deploy|instance|producer)\//.exec(roleArnOrPath)?.[1] as TargetRoleKind | undefined;
}

/**
 * The IAM paths of this pipeline's roles in the target accounts, one per kind. A role's ARN includes its
 * path, and `aws:PrincipalArn` of a role session is that role ARN ("AWS global condition context keys",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn),
 * so one `ArnLike` on `arn:<partition>:iam::*:role<path>*` names every such role of every target account,
 * and the bucket and key policies grow by an account, not by a statement, per target. The pipeline account
 * is in the path as well as the pipeline name: pipeline names are unique only within an account and region,
 * and two pipeline accounts using the default name must not share their target roles' grants. Role names
 * stay unique per account whatever the path (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
 * Each kind has a path of its own so that a grant to one kind never matches a role of another: the store
 * lets the deploy and instance paths read, and only the producer path write.
 */
export function rolePaths(pipelineAccountId: string, pipelineName: string): Record<TargetRoleKind, string> {
    const pipeline = `/cross-account-pipeline/${pipelineAccountId}/${pipelineName}`;
    return {
        /** The cross-account roles the pipeline assumes to deploy: they read artifacts. */
        deploy: `${pipeline}/deploy/`,
        /** The instance roles of the deployment groups: they read artifacts. */
        instance: `${pipeline}/instance/`,
        /** The roles of extra actions in a target account that produce artifacts: the only target roles that write them. */
        producer: `${pipeline}/producer/`,
    };
}
