// Which inputs of each resource type the program declares make `pulumi up` replace the resource (create a new
// one, delete the old) rather than update it. pulumi-aws 7.x bridges the Terraform AWS provider 6.x, which marks
// such arguments `ForceNew: true` (or `RequiresReplace()` for Plugin Framework resources); read in
// hashicorp/terraform-provider-aws `internal/service/<service>/<resource>.go`. Regional resources also replace
// when their `region` changes (6.x "enhanced region support": `forceNewIfRegionChanges` in
// `internal/provider/sdkv2/region.go`, https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/enhanced-region-support);
// IAM is global and has no `region`.

const regional = ["region"];

/** Per type, the inputs (as Pulumi names them) whose change replaces the resource; a type not listed is never replaced by the plan's reckoning. */
export const replacingInputs: Readonly<Record<string, readonly string[]>> = {
    // internal/service/kms/key.go, alias.go
    "aws:kms/key:Key": ["customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId", ...regional],
    "aws:kms/alias:Alias": ["name", "namePrefix", ...regional],
    // internal/service/s3/bucket.go and each bucket setting's file
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix", "objectLockEnabled", ...regional],
    "aws:s3/bucketPolicy:BucketPolicy": ["bucket", ...regional],
    "aws:s3/bucketVersioning:BucketVersioning": ["bucket", "expectedBucketOwner", ...regional],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["bucket", ...regional],
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ["bucket", ...regional],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ["bucket", "expectedBucketOwner", ...regional],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ["bucket", "expectedBucketOwner", ...regional],
    "aws:s3/bucketNotification:BucketNotification": ["bucket", ...regional],
    // internal/service/iam/role.go, role_policy.go, role_policy_attachment.go, instance_profile.go
    "aws:iam/role:Role": ["name", "namePrefix", "path"],
    "aws:iam/rolePolicy:RolePolicy": ["name", "namePrefix", "role"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["policyArn", "role"],
    "aws:iam/instanceProfile:InstanceProfile": ["name", "namePrefix", "path"],
    // internal/service/events/rule.go, target.go; logs/group.go
    "aws:cloudwatch/eventRule:EventRule": ["eventBusName", "name", "namePrefix", ...regional],
    "aws:cloudwatch/eventTarget:EventTarget": ["eventBusName", "rule", "targetId", ...regional],
    "aws:cloudwatch/logGroup:LogGroup": ["logGroupClass", "name", "namePrefix", ...regional],
    // internal/service/codebuild/project.go, codepipeline/codepipeline.go, deploy/app.go, deploy/deployment_group.go
    "aws:codebuild/project:Project": ["name", ...regional],
    "aws:codepipeline/pipeline:Pipeline": ["name", ...regional],
    "aws:codedeploy/application:Application": ["computePlatform", ...regional],
    // A deployment group is renamed, and moved to another application, in place (UpdateDeploymentGroup).
    "aws:codedeploy/deploymentGroup:DeploymentGroup": [...regional],
    // internal/service/ec2/ec2_launch_template.go, autoscaling/group.go
    "aws:ec2/launchTemplate:LaunchTemplate": ["name", "namePrefix", ...regional],
    "aws:autoscaling/group:Group": ["name", "namePrefix", ...regional],
};

/** The replacing inputs of `type` whose values differ between two declarations of one resource. */
export function replacedBy(type: string, before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): string[] {
    return (replacingInputs[type] ?? []).filter((input) => JSON.stringify(before[input]) !== JSON.stringify(after[input]));
}
