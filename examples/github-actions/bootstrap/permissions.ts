// The deploy role of one AWS account: whom it trusts (one GitHub repository's jobs of its stacks' environments on one
// branch, through GitHub's OIDC provider) and what it may do (what `pulumi up`, `pulumi destroy` and `pulumi refresh` of that
// environment's stacks call on the resources they declare, named as the program names them, and their state in an
// S3 backend). Pure: the bootstrap program (index.ts) and the tests build the same documents.
import { allow, allowPassRole, PolicyDocument, policyDocument, PolicyStatement } from "../../../policies/document";
import { AccountScope, PipelineScope, TargetScope } from "./accountStacks";

/** The role's name in every account; the example workflow assumes `arn:<partition>:iam::<account>:role/<this>`. */
export const deployRoleName = "cross-account-pipeline-deploy";

/** GitHub's OIDC issuer, and the audience configure-aws-credentials asks for. */
export const githubIssuer = "token.actions.githubusercontent.com";
export const stsAudience = "sts.amazonaws.com";

export function oidcProviderArn(partition: string, accountId: string): string {
    return `arn:${partition}:iam::${accountId}:oidc-provider/${githubIssuer}`;
}

/**
 * Only a job of `repository` that runs in one of `environments` (the workflow names each deploy job's environment
 * after its stack) for a push to `branch` gets this role. A job with an environment has the subject
 * `repo:<owner>/<repository>:environment:<environment>`, whatever the branch
 * (https://docs.github.com/en/actions/reference/security/oidc#filtering-for-a-specific-environment); the branch is
 * in the token's `ref` claim, which STS takes as the condition key `token.actions.githubusercontent.com:ref`
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html). The audience
 * is the one configure-aws-credentials asks for
 * (https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws). All exact,
 * with StringEquals: no wildcard, no other repository, environment, pull request or branch.
 */
export function deployRoleTrustPolicy(partition: string, accountId: string, repository: string, environments: string[], branch: string): PolicyDocument {
    return policyDocument([{
        Sid: "GitHubEnvironmentsOnBranchOnly",
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn(partition, accountId) },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
            StringEquals: {
                [`${githubIssuer}:aud`]: stsAudience,
                [`${githubIssuer}:sub`]: environments.map((environment) => `repo:${repository}:environment:${environment}`),
                [`${githubIssuer}:ref`]: `refs/heads/${branch}`,
            },
        },
    }]);
}

/** The S3 state backend and the stacks' KMS secrets keys, when the stacks keep state there (PULUMI_BACKEND_URL=s3://...). */
export interface StateBackend {
    bucket: string;
    /** The key prefix the URL names (`s3://bucket/prefix`), with a trailing `/`, or "" for the whole bucket. */
    prefix: string;
}

/** `s3://bucket[/prefix][?region=...&...]`, as PULUMI_BACKEND_URL takes it (https://www.pulumi.com/docs/iac/operations/stack-management/using-a-diy-backend/). */
export function parseStateBackend(url: string): StateBackend {
    const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[^?]*)?(\?.*)?$/.exec(url);
    if (!match) {
        throw new Error(`stateBackend ${JSON.stringify(url)} is not an S3 backend URL: expected s3://<bucket>[/<prefix>][?region=<region>]`);
    }
    const prefix = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
    return { bucket: match[1], prefix: prefix === "" ? "" : `${prefix}/` };
}

/** The key ARN of an `awskms://<key ARN>?region=...` secrets provider (https://www.pulumi.com/docs/iac/concepts/secrets/#aws-key-management-service-kms). */
export function kmsKeyArnOf(secretsProvider: string | undefined): string | undefined {
    return /^awskms:\/\/(arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+)(\?.*)?$/.exec(secretsProvider ?? "")?.[1];
}

// The actions below are those the Pulumi AWS provider calls to create, read, update and delete each kind of resource
// the program declares, as the Service Authorization Reference names them
// (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html),
// each on the resources the stacks declare, by ARN. Reads that accept no resource (List*, Describe*) say so.

/** An IAM role's life: create, read, change its trust and description, its inline policies, delete (which lists what to remove first). */
const roleActions = [
    "iam:CreateRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole",
    "iam:TagRole", "iam:UntagRole", "iam:ListRoleTags", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
    "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy",
];

/** Only within the regions the stacks use: for actions that name no resource, and for EC2 resources whose ids are not known before. */
const inRegions = (regions: string[]) => ({ StringEquals: { "aws:RequestedRegion": [...new Set(regions)] } });

function targetStatements(partition: string, accountId: string, targets: TargetScope[]): PolicyStatement[] {
    if (targets.length === 0) {
        return [];
    }
    const unique = (values: string[]) => [...new Set(values)];
    const statements: PolicyStatement[] = [
        allow("TargetRoles", roleActions, unique(targets.flatMap((t) => [...t.pathRoleArns, t.codeDeployServiceRoleArn]))),
        // CodeDeploy's service role gets AWS's managed policy for EC2 deployments, and no other
        // (https://docs.aws.amazon.com/codedeploy/latest/userguide/getting-started-create-service-role.html).
        allow("AttachOnlyTheCodeDeployPolicy", ["iam:AttachRolePolicy", "iam:DetachRolePolicy"], unique(targets.map((t) => t.codeDeployServiceRoleArn)), {
            ArnEquals: { "iam:PolicyARN": `arn:${partition}:iam::aws:policy/service-role/AWSCodeDeployRole` },
        }),
        allow("InstanceProfiles", [
            "iam:CreateInstanceProfile", "iam:GetInstanceProfile", "iam:DeleteInstanceProfile", "iam:AddRoleToInstanceProfile",
            "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile", "iam:UntagInstanceProfile",
        ], unique(targets.map((t) => t.instanceProfileArn))),
        // AddRoleToInstanceProfile needs iam:PassRole on the role, and names no service
        // (https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html): no iam:PassedToService
        // condition here. An instance role is only of use to EC2, the one service its trust policy names.
        allow("PassInstanceRoles", ["iam:PassRole"], unique(targets.map((t) => t.instanceRoleArn))),
        allowPassRole("PassCodeDeployServiceRoles", unique(targets.map((t) => t.codeDeployServiceRoleArn)), "codedeploy.amazonaws.com"),
        allow("CodeDeployApplications", [
            "codedeploy:CreateApplication", "codedeploy:GetApplication", "codedeploy:UpdateApplication", "codedeploy:DeleteApplication",
            "codedeploy:ListTagsForResource", "codedeploy:TagResource", "codedeploy:UntagResource",
        ], unique(targets.map((t) => t.applicationArn))),
        allow("CodeDeployDeploymentGroups", [
            "codedeploy:CreateDeploymentGroup", "codedeploy:GetDeploymentGroup", "codedeploy:UpdateDeploymentGroup", "codedeploy:DeleteDeploymentGroup",
            "codedeploy:ListTagsForResource", "codedeploy:TagResource", "codedeploy:UntagResource",
        ], unique(targets.map((t) => t.deploymentGroupArn))),
    ];
    const fleets = targets.filter((t) => t.fleet !== undefined);
    if (fleets.length === 0) {
        return statements;
    }
    const regions = unique(fleets.map((t) => t.region));
    const ec2In = regions.map((region) => `arn:${partition}:ec2:${region}:${accountId}:*`);
    return [
        ...statements,
        // Describe* accepts no resource (EC2 and Auto Scaling alike): read-only, in the fleets' regions.
        allow("DescribeFleetResources", ["ec2:Describe*", "autoscaling:Describe*"], "*", inRegions(regions)),
        // The fleet's security group and launch template get ids, not names: by ARN, IAM can only name them by type within
        // the account and region. They carry the providers' default tags (`pipeline`), but no tag condition here: EC2
        // authorizes a create against resources that have no such tag (the VPC, subnets, the image), and whether the
        // provider tags on create cannot be proven offline. The one loosening of this policy, for fleets only.
        allow("FleetSecurityGroupsAndLaunchTemplates", [
            "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress",
            "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:CreateLaunchTemplate", "ec2:CreateLaunchTemplateVersion",
            "ec2:ModifyLaunchTemplate", "ec2:DeleteLaunchTemplate", "ec2:DeleteLaunchTemplateVersions", "ec2:GetLaunchTemplateData", "ec2:CreateTags",
        ], ec2In),
        // An Auto Scaling group with a launch template launches with the caller's ec2:RunInstances and iam:PassRole of the
        // template's instance profile (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html);
        // the images are AWS's (the AMI parameter), of no account.
        allow("LaunchFleetInstances", ["ec2:RunInstances"], [...ec2In, ...regions.map((region) => `arn:${partition}:ec2:${region}::image/*`)]),
        allow("ResolveFleetImage", ["ssm:GetParameter", "ssm:GetParameters"], unique(fleets.map((t) => t.fleet!.amiParameterArn))),
        allow("FleetAutoScalingGroups", [
            "autoscaling:CreateAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup", "autoscaling:DeleteAutoScalingGroup",
            "autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags", "autoscaling:StartInstanceRefresh", "autoscaling:CancelInstanceRefresh",
            "autoscaling:SetDesiredCapacity",
        ], fleets.map((t) => `arn:${partition}:autoscaling:${t.region}:${accountId}:autoScalingGroup:*:autoScalingGroupName/${t.fleet!.autoScalingGroupPrefix}*`)),
        // The first Auto Scaling group of an account creates Auto Scaling's service-linked role
        // (https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html).
        allow("AutoScalingServiceLinkedRole", ["iam:CreateServiceLinkedRole"],
            `arn:${partition}:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
            { StringEquals: { "iam:AWSServiceName": "autoscaling.amazonaws.com" } }),
        ...(fleets.some((t) => t.fleet!.newVpc) ? [
            // `vpc: new` (awsx's Vpc): a VPC of two zones, their subnets, an internet gateway, one NAT gateway and its
            // address, the route tables; ids again, so by type within the account and the fleets' regions.
            allow("FleetVpcs", [
                "ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", "ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute",
                "ec2:CreateInternetGateway", "ec2:DeleteInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway",
                "ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable",
                "ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute", "ec2:AllocateAddress", "ec2:ReleaseAddress",
                "ec2:CreateNatGateway", "ec2:DeleteNatGateway", "ec2:DeleteTags",
            ], ec2In),
        ] : []),
    ];
}

function pipelineStatements(partition: string, accountId: string, pipelines: PipelineScope[]): PolicyStatement[] {
    if (pipelines.length === 0) {
        return [];
    }
    const keyRegions = [...new Set(pipelines.flatMap((p) => p.keyRegions))];
    const storeRegions = [...new Set(pipelines.flatMap((p) => p.storeRegions))];
    const keysIn = (regions: string[]) => regions.map((region) => `arn:${partition}:kms:${region}:${accountId}:key/*`);
    const aliases = pipelines.flatMap((p) => p.keyRegions.map((region) => `arn:${partition}:kms:${region}:${accountId}:${p.keyAlias}`));
    const buckets = pipelines.flatMap((p) => [...p.artifactBuckets, ...(p.sourceBucket ? [p.sourceBucket] : [])]).map((bucket) => `arn:${partition}:s3:::${bucket}`);
    const triggers = pipelines.flatMap((p) => (p.sourceTrigger ? [p.sourceTrigger] : []));
    const connections = pipelines.flatMap((p) => (p.connectionArn ? [p.connectionArn] : []));
    return [
        // CreateKey names no resource (a key's ARN does not exist before it): only a symmetric encryption key of KMS's own
        // material, single-region, as components/artifactStore.ts declares, in the store regions
        // (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html).
        ...(keyRegions.length === 0 ? [] : [
            allow("CreateArtifactKeys", ["kms:CreateKey"], "*", {
                StringEquals: { "kms:KeySpec": "SYMMETRIC_DEFAULT", "kms:KeyUsage": "ENCRYPT_DECRYPT", "kms:KeyOrigin": "AWS_KMS", "aws:RequestedRegion": keyRegions },
                Bool: { "kms:MultiRegion": "false" },
            }),
            // Right after CreateKey, before the key has its alias, the provider reads the new key and turns rotation on; a
            // key id is random, so IAM can name the account's keys of those regions only. Nothing here changes who may use
            // a key, deletes one or uses one.
            allow("ReadNewArtifactKeys", ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:EnableKeyRotation"],
                keysIn(keyRegions)),
            // What changes a key afterwards (its policy, as targets come and go) only on the key with the pipeline's alias
            // (kms:ResourceAliases, https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases):
            // never another key of the account. The key is retained by `pulumi destroy`: no ScheduleKeyDeletion.
            allow("ChangeOnlyTheArtifactKeys", ["kms:PutKeyPolicy", "kms:UpdateKeyDescription", "kms:TagResource", "kms:UntagResource"], keysIn(keyRegions), {
                "ForAnyValue:StringEquals": { "kms:ResourceAliases": [...new Set(pipelines.map((p) => p.keyAlias))] },
            }),
            // An alias operation is authorized on the alias and on the key (https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html#alias-access).
            allow("ArtifactKeyAliases", ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"], [...aliases, ...keysIn(keyRegions)]),
            allow("ListAliases", ["kms:ListAliases"], "*", inRegions(keyRegions)),
        ]),
        // An existing key (encryptionKey) is only read.
        ...(keyRegions.length === storeRegions.length ? [] : [allow("ReadTheExistingKey", ["kms:DescribeKey"], keysIn(storeRegions.filter((r) => !keyRegions.includes(r))))]),
        // The buckets by name. The provider reads every setting of a bucket (GetBucket*: each a read of that bucket's
        // configuration, whose list grows with S3's features); it writes only the six the program declares and, on the
        // source bucket, its EventBridge notification. Nothing on objects: the role never reads nor writes an artifact. The
        // buckets and their settings are retained by `pulumi destroy`: no DeleteBucket, no DeleteBucketPolicy.
        allow("CreateBuckets", ["s3:CreateBucket"], buckets),
        allow("ConfigureBuckets", [
            "s3:ListBucket", "s3:GetBucket*", "s3:GetAccelerateConfiguration", "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration",
            "s3:GetEncryptionConfiguration", "s3:PutBucketVersioning", "s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls",
            "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration", "s3:PutBucketPolicy",
        ], buckets, { StringEquals: { "aws:ResourceAccount": accountId } }),
        ...(triggers.length === 0 ? [] : [allow("SourceBucketEvents", ["s3:PutBucketNotification"],
            pipelines.flatMap((p) => (p.sourceBucket ? [`arn:${partition}:s3:::${p.sourceBucket}`] : [])), { StringEquals: { "aws:ResourceAccount": accountId } })]),
        allow("PipelineRoles", roleActions, [...pipelines.flatMap((p) => [p.pipelineRoleArn, p.buildRoleArn]), ...triggers.map((t) => t.roleArn)]),
        allowPassRole("PassPipelineRoles", pipelines.map((p) => p.pipelineRoleArn), "codepipeline.amazonaws.com"),
        allowPassRole("PassBuildRoles", pipelines.map((p) => p.buildRoleArn), "codebuild.amazonaws.com"),
        allow("BuildProjects", ["codebuild:CreateProject", "codebuild:UpdateProject", "codebuild:DeleteProject", "codebuild:BatchGetProjects"],
            pipelines.map((p) => p.buildProjectArn)),
        allow("BuildLogGroups", [
            "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
            "logs:ListTagsForResource", "logs:ListTagsLogGroup", "logs:TagResource", "logs:TagLogGroup", "logs:UntagResource", "logs:UntagLogGroup",
        ], pipelines.flatMap((p) => [p.buildLogGroupArn, `${p.buildLogGroupArn}:*`])),
        // DescribeLogGroups accepts no resource: read-only, in the pipelines' regions.
        allow("FindBuildLogGroups", ["logs:DescribeLogGroups"], "*", inRegions(pipelines.map((p) => p.region))),
        allow("Pipelines", [
            "codepipeline:CreatePipeline", "codepipeline:GetPipeline", "codepipeline:UpdatePipeline", "codepipeline:DeletePipeline",
            "codepipeline:ListTagsForResource", "codepipeline:TagResource", "codepipeline:UntagResource",
        ], pipelines.map((p) => p.pipelineArn)),
        ...(triggers.length === 0 ? [] : [
            allow("SourceTriggerRules", [
                "events:PutRule", "events:DescribeRule", "events:DeleteRule", "events:EnableRule", "events:DisableRule",
                "events:PutTargets", "events:RemoveTargets", "events:ListTargetsByRule", "events:ListTagsForResource", "events:TagResource", "events:UntagResource",
            ], triggers.map((t) => t.ruleArn)),
            allowPassRole("PassSourceTriggerRoles", triggers.map((t) => t.roleArn), "events.amazonaws.com"),
        ]),
        // A pipeline with a CodeStar source passes its connection to CodePipeline, under either of the service's two
        // prefixes (https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html).
        ...(connections.length === 0 ? [] : (["codestar-connections", "codeconnections"] as const).map((service) =>
            allow(`PassSourceConnections${service === "codeconnections" ? "" : "Legacy"}`, [`${service}:PassConnection`],
                connections.map((c) => c.replace(/:(codestar-connections|codeconnections):/, `:${service}:`)),
                { StringEquals: { [`${service}:PassedToService`]: "codepipeline.amazonaws.com" } }))),
    ];
}

/**
 * The stacks' state in an S3 backend (the layout of pulumi/pulumi pkg/backend/diy: store.go, lock.go, meta.go):
 * `.pulumi/stacks/<project>/<stack>.json[.gz|.zst]` and its `.bak`, `.pulumi/history|backups|journal/<project>/<stack>/`,
 * `.pulumi/locks/organization/<project>/<stack>/`; read and written for this environment's stacks, read only for the
 * stacks a pipeline stack reads through its StackReferences, and `.pulumi/meta.yaml`, read (`pulumi login` of the
 * bucket writes it once). Each stack's KMS key (its `secretsprovider: awskms://...`): encrypt and decrypt.
 */
function stateStatements(partition: string, scope: AccountScope, backend: StateBackend): PolicyStatement[] {
    const object = (key: string) => `arn:${partition}:s3:::${backend.bucket}/${backend.prefix}.pulumi/${key}`;
    const project = scope.projectName;
    const own = scope.stacks.map((s) => s.name);
    const read = [...new Set(scope.stacks.flatMap((s) => s.reads.map((r) => r.name)))].filter((name) => !own.includes(name));
    const keys = [...new Set([...scope.stacks.map((s) => s.secretsProvider), ...scope.stacks.flatMap((s) => s.reads.map((r) => r.secretsProvider))]
        .map(kmsKeyArnOf).filter((key): key is string => key !== undefined))];
    return [
        allow("ListState", ["s3:ListBucket"], `arn:${partition}:s3:::${backend.bucket}`,
            backend.prefix === "" ? undefined : { StringLike: { "s3:prefix": [`${backend.prefix}*`] } }),
        allow("ReadStateMetadata", ["s3:GetObject"], object("meta.yaml")),
        allow("ReadAndWriteOwnState", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], own.flatMap((stack) => [
            object(`stacks/${project}/${stack}.json*`),
            ...["history", "backups", "journal"].map((dir) => object(`${dir}/${project}/${stack}/*`)),
            object(`locks/organization/${project}/${stack}/*`),
        ])),
        ...(read.length === 0 ? [] : [allow("ReadReferencedState", ["s3:GetObject"], read.map((stack) => object(`stacks/${project}/${stack}.json*`)))]),
        allow("UseSecretsKeys", ["kms:Encrypt", "kms:Decrypt"], keys),
    ];
}

/**
 * Everything the role may do, one statement per kind of resource, on the resources the stacks declare. The explicit
 * deny: the role creates roles and writes their trust policies, so within its own account a trust naming it would be
 * enough to assume one (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html);
 * it assumes none but those the stacks' config names for another account's providers.
 */
export function deployRolePolicy(scope: AccountScope, stateBackend?: StateBackend): PolicyDocument {
    const { partition, accountId } = scope;
    return policyDocument([
        ...targetStatements(partition, accountId, scope.targets),
        ...pipelineStatements(partition, accountId, scope.pipelines),
        ...(stateBackend ? stateStatements(partition, scope, stateBackend) : []),
        ...(scope.assumedRoleArns.length === 0 ? [] : [allow("AssumeRolesTheConfigNames", ["sts:AssumeRole"], scope.assumedRoleArns)]),
        {
            Sid: "AssumeNoOtherRole",
            Effect: "Deny",
            Action: ["sts:AssumeRole"],
            ...(scope.assumedRoleArns.length === 0 ? { Resource: "*" } : { NotResource: scope.assumedRoleArns }),
        },
    ]);
}

/** What the stacks that use an S3 backend need of their secrets providers: each an `awskms://` key by ARN. */
export function secretsProviderProblems(scope: AccountScope): string[] {
    return scope.stacks.flatMap((stack) => [stack, ...stack.reads]).flatMap((stack) => (kmsKeyArnOf(stack.secretsProvider) ? [] : [
        `stack ${stack.name}: with an S3 state backend its stack file needs secretsprovider: awskms://<key ARN>?region=<region> ` +
        `(a key ARN: IAM authorizes Encrypt and Decrypt on the key, not on an alias), not ${JSON.stringify(stack.secretsProvider ?? "(none)")}`,
    ]));
}
