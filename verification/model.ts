// The access-relevant facts of a set of declared resources, across stacks: roles with their trust
// and identity policies, buckets and keys with their resource policies, the pipeline's deploy actions.
import { DeclaredResource, declaredPolicy } from "../evaluation/mockCloud";
import type { PolicyDocument } from "../policies/document";
import type { ActionDeclaration, StageDeclaration } from "../definition/pipeline";
import { entryOf } from "../offline-plan/maps";
import { conditionValues, statementsOf } from "../policy-pack/rules/policyDocuments";

export interface RoleFacts {
    arn: string;
    name: string;
    accountId: string;
    trustPolicy?: PolicyDocument;
    /** Inline policies by resource name. */
    identityPolicies: { name: string; policy: PolicyDocument }[];
}

export interface BucketFacts {
    name: string;
    arn: string;
    accountId: string;
    policy?: PolicyDocument;
}

export interface KeyFacts {
    arn: string;
    accountId: string;
    policy?: PolicyDocument;
}

export interface PipelineFacts {
    name: string;
    arn: string;
    accountId: string;
    region: string;
    roleArn: string;
    stages: StageDeclaration[];
    artifactStores: { location: string; region?: string; encryptionKey?: { id: string; type: string } }[];
}

export interface DeploymentGroupFacts {
    arn: string;
    deploymentConfigName?: string;
    serviceRoleArn: string;
    launchedInstanceRoleArns: string[];
}

export interface AccessModel {
    roles: Map<string, RoleFacts>;
    buckets: Map<string, BucketFacts>;
    keys: Map<string, KeyFacts>;
    pipelines: PipelineFacts[];
    /**
     * Deployment groups by `deploymentGroupKey` (one account may hold the same group in two regions): their ARN,
     * CodeDeploy's service role, and the roles of the instances it launches for them (from the launch templates of
     * their Auto Scaling groups; none for a group of tagged instances alone).
     */
    deploymentGroups: Map<string, DeploymentGroupFacts>;
    /**
     * Roles of instance profiles by `accountRegion` of the target that declares them: the roles the
     * CodeDeploy agent runs as there, which may read that region's artifact store only.
     */
    instanceRoleArns: Map<string, string[]>;
    /** EventBridge targets: what they start, with which role. */
    eventTargets: { targetArn: string; roleArn?: string }[];
    /** CodeBuild projects by name: their ARN, service role and log group (CodeBuild's own `/aws/codebuild/<project>` when they name none). */
    buildProjects: Map<string, { arn: string; serviceRoleArn: string; logGroupName: string }>;
    /** The AWS Organization the artifact grants require of their principals (`aws:PrincipalOrgID`), if any. */
    organizationId?: string;
}

export function accessModel(resources: DeclaredResource[]): AccessModel {
    const ofType = (type: string) => resources.filter((r) => r.type === type && r.accountId);
    const roles = new Map<string, RoleFacts>();
    for (const role of ofType("aws:iam/role:Role")) {
        roles.set(role.state.arn, {
            arn: role.state.arn, name: role.state.name, accountId: role.accountId!,
            trustPolicy: declaredPolicy(role, "assumeRolePolicy"), identityPolicies: [],
        });
    }
    // The first role of a name in an account, as a search in declaration order finds it (a role name has no "/").
    const rolesByName = new Map<string, RoleFacts>();
    const accountRole = (accountId: string, name: string) => `${accountId}/${name}`;
    for (const role of roles.values()) {
        if (!rolesByName.has(accountRole(role.accountId, role.name))) {
            rolesByName.set(accountRole(role.accountId, role.name), role);
        }
    }
    const roleByName = (accountId: string, name: string) => rolesByName.get(accountRole(accountId, name));
    for (const attached of ofType("aws:iam/rolePolicy:RolePolicy")) {
        roleByName(attached.accountId!, attached.inputs.role)?.identityPolicies.push({ name: attached.name, policy: declaredPolicy(attached, "policy")! });
    }

    const buckets = new Map<string, BucketFacts>();
    for (const bucket of ofType("aws:s3/bucket:Bucket")) {
        buckets.set(bucket.inputs.bucket, { name: bucket.inputs.bucket, arn: bucket.state.arn, accountId: bucket.accountId! });
    }
    for (const bucketPolicy of ofType("aws:s3/bucketPolicy:BucketPolicy")) {
        const bucket = buckets.get(bucketPolicy.inputs.bucket);
        if (bucket) {
            bucket.policy = declaredPolicy(bucketPolicy, "policy");
        }
    }

    const keys = new Map<string, KeyFacts>();
    for (const key of ofType("aws:kms/key:Key")) {
        keys.set(key.state.arn, { arn: key.state.arn, accountId: key.accountId!, policy: declaredPolicy(key, "policy") });
    }

    const pipelines = ofType("aws:codepipeline/pipeline:Pipeline").map((pipeline): PipelineFacts => ({
        name: pipeline.inputs.name, arn: pipeline.state.arn, accountId: pipeline.accountId!, region: pipeline.region!, roleArn: pipeline.inputs.roleArn,
        stages: pipeline.inputs.stages, artifactStores: pipeline.inputs.artifactStores,
    }));

    // Each instance profile's role, looked up once for the two indexes below.
    const instanceProfiles = ofType("aws:iam/instanceProfile:InstanceProfile").map((profile) => ({ profile, role: roleByName(profile.accountId!, profile.inputs.role) }));
    // What an Auto Scaling group launches with: its launch template's instance profile, that profile's role.
    const inAccount = (resource: DeclaredResource, name: string) => `${resource.accountId}/${name}`;
    const profileRoles = new Map(instanceProfiles.map(({ profile, role }) => [inAccount(profile, profile.state.name), role?.arn]));
    const templateRoles = new Map(ofType("aws:ec2/launchTemplate:LaunchTemplate").map((template) =>
        [inAccount(template, template.id), profileRoles.get(inAccount(template, template.inputs.iamInstanceProfile?.name))]));
    const groupRoles = new Map(ofType("aws:autoscaling/group:Group").map((group) =>
        [inAccount(group, group.state.name), templateRoles.get(inAccount(group, group.inputs.launchTemplate?.id))]));
    const deploymentGroups = new Map(ofType("aws:codedeploy/deploymentGroup:DeploymentGroup").map((group) =>
        [deploymentGroupKey(group.inputs.appName, group.inputs.deploymentGroupName, group.accountId!, group.region ?? ""),
            {
                arn: group.state.arn as string, deploymentConfigName: group.inputs.deploymentConfigName as string | undefined,
                serviceRoleArn: group.inputs.serviceRoleArn as string,
                launchedInstanceRoleArns: ((group.inputs.autoscalingGroups as string[] | undefined) ?? [])
                    .map((name) => groupRoles.get(inAccount(group, name))).filter((role): role is string => role !== undefined),
            }]));

    // IAM is global, but a target's provider, and so its instance profile, carries the target's region.
    const instanceRoleArns = new Map<string, string[]>();
    for (const { profile, role } of instanceProfiles) {
        if (role) {
            const where = accountRegion(role.accountId, profile.region ?? "");
            entryOf(instanceRoleArns, where, () => []).push(role.arn);
        }
    }
    const eventTargets = ofType("aws:cloudwatch/eventTarget:EventTarget").map((target) => ({ targetArn: target.inputs.arn as string, roleArn: target.inputs.roleArn as string | undefined }));
    const buildProjects = new Map(ofType("aws:codebuild/project:Project").map((project) => [project.inputs.name as string, {
        arn: project.state.arn as string,
        serviceRoleArn: project.inputs.serviceRole as string,
        logGroupName: (project.inputs.logsConfig?.cloudwatchLogs?.groupName as string | undefined) ?? `/aws/codebuild/${project.inputs.name}`,
    }]));
    const organizationId = [...buckets.values(), ...keys.values()].flatMap((store) => statementsOf(store.policy) ?? [])
        .flatMap((statement) => (statement.effect === "Allow" ? conditionValues(statement, ["StringEquals"], "aws:PrincipalOrgID") ?? [] : []))[0];
    return { roles, buckets, keys, pipelines, deploymentGroups, instanceRoleArns, eventTargets, buildProjects, ...(organizationId ? { organizationId } : {}) };
}

export const deploymentGroupKey = (application: string, group: string, accountId: string, region: string) => `${application}/${group}@${accountRegion(accountId, region)}`;
export const accountRegion = (accountId: string, region: string) => `${accountId}/${region}`;

/** The pipeline's actions that run as a role in another account. */
export function crossAccountActions(pipeline: PipelineFacts): { stage: string; action: ActionDeclaration }[] {
    return pipeline.stages.flatMap((stage) => stage.actions
        .filter((action) => action.roleArn && !action.roleArn.includes(`::${pipeline.accountId}:`))
        .map((action) => ({ stage: stage.name, action })));
}

/** The artifact store an action in `region` uses: the one for its region, or the only one. */
export function storeFor(pipeline: PipelineFacts, region: string | undefined): PipelineFacts["artifactStores"][number] | undefined {
    const wanted = region ?? pipeline.region;
    return pipeline.artifactStores.find((store) => (store.region ?? pipeline.region) === wanted);
}
