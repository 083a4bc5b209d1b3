// What a reviewer needs to see of each declared resource, and the pipeline as
// `aws codepipeline get-pipeline` prints it.
import { DeclaredResource, declaredPolicy } from "../evaluation/mockCloud";
import type { ActionDeclaration, StageDeclaration } from "../definition/pipeline";
import { replacingInputs } from "../definition/replacement";
import { policyFields } from "../policies/declared";
import { entryOf } from "./maps";

/** The properties worth reading per resource type; other types show none. */
const keyProperties: Record<string, string[]> = {
    "aws:iam/role:Role": ["name", "arn"],
    "aws:iam/rolePolicy:RolePolicy": ["role"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["role", "policyArn"],
    "aws:iam/instanceProfile:InstanceProfile": ["name", "role"],
    "aws:kms/key:Key": ["arn", "enableKeyRotation", "customerMasterKeySpec", "deletionWindowInDays"],
    "aws:kms/alias:Alias": ["name"],
    "aws:s3/bucket:Bucket": ["bucket"],
    "aws:s3/bucketPolicy:BucketPolicy": ["bucket"],
    "aws:s3/bucketVersioning:BucketVersioning": ["bucket"],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["bucket"],
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ["bucket"],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ["bucket"],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ["bucket"],
    "aws:s3/bucketNotification:BucketNotification": ["bucket", "eventbridge"],
    "aws:cloudwatch/eventRule:EventRule": ["name", "eventPattern"],
    "aws:cloudwatch/eventTarget:EventTarget": ["arn"],
    "aws:codebuild/project:Project": ["name", "encryptionKey"],
    "aws:codepipeline/pipeline:Pipeline": ["name", "roleArn"],
    "aws:codedeploy/application:Application": ["name"],
    "aws:codedeploy/deploymentGroup:DeploymentGroup": ["appName", "deploymentGroupName", "deploymentConfigName"],
    "aws:ec2/launchTemplate:LaunchTemplate": ["instanceType", "imageId"],
    "aws:autoscaling/group:Group": ["minSize", "maxSize"],
};

export interface ResourceSummary {
    type: string;
    name: string;
    accountId?: string;
    region?: string;
    /** The id of the retained resource this stack adopts (imports) instead of creating it (`adoptRetained`). */
    adopts?: string;
    /** Protected: `pulumi up` refuses to delete or replace it, and `pulumi destroy --exclude-protected` keeps it. */
    protect?: true;
    /** Retained on delete: a delete leaves it in AWS. */
    retainOnDelete?: true;
    /**
     * The component that creates it (`awsx.ec2.Vpc <name>`): not declared by this program but by a remote component when
     * it runs, which creates nothing under the mocks; modelled (offline-plan/awsxVpc.ts).
     */
    createdBy?: string;
    /** Its key properties, and the inputs whose change replaces it (replacingInputs), as far as declared. */
    properties: Record<string, unknown>;
}

/** `aws:s3/bucketPolicy:BucketPolicy` → `aws.s3.BucketPolicy`, as the TypeScript SDK names it. */
export function className(type: string): string {
    const parts = type.split(/[:/]/);
    return parts.length === 4 ? `${parts[0]}.${parts[1]}.${parts[3]}` : type;
}

/** The AWS resources (not components or providers) a stack declares, with their key properties. */
export function awsResources(resources: DeclaredResource[]): DeclaredResource[] {
    return resources.filter((r) => r.custom && !r.type.startsWith("pulumi:"));
}

/** The AWS resources by the account they are in (`unknown` when it cannot be told), accounts in the order they first appear. */
export function awsResourcesByAccount(resources: DeclaredResource[]): Map<string, DeclaredResource[]> {
    const byAccount = new Map<string, DeclaredResource[]>();
    for (const resource of awsResources(resources)) {
        entryOf(byAccount, resource.accountId ?? "unknown", () => []).push(resource);
    }
    return byAccount;
}

export function summarize(resource: DeclaredResource): ResourceSummary {
    // The region is the summary's own field; the other replacing inputs are properties, so that the next plan can tell a replacement.
    const shown = new Set([...(keyProperties[resource.type] ?? []), ...(replacingInputs[resource.type] ?? []).filter((input) => input !== "region")]);
    const properties = Object.fromEntries([...shown]
        .map((key) => [key, resource.state[key] ?? resource.inputs[key]])
        .filter(([, value]) => value !== undefined));
    const { importId: adopts, protect, retainOnDelete } = resource.registration ?? {};
    return {
        type: resource.type, name: resource.name, accountId: resource.accountId, region: resource.region,
        ...(adopts ? { adopts } : {}), ...(protect ? { protect } : {}), ...(retainOnDelete ? { retainOnDelete } : {}), properties,
    };
}

/** Every policy document a resource carries, with what it is: trust, identity, bucket or key policy. */
export function policyDocuments(resource: DeclaredResource): { kind: string; document: unknown }[] {
    return (policyFields[resource.type] ?? [])
        .flatMap(({ field, kind }) => {
            const document = declaredPolicy(resource, field);
            return document ? [{ kind, document }] : [];
        });
}

/** The pipeline as `aws codepipeline get-pipeline --name <name>` prints it (metadata dates exist only after creation). */
export function getPipelineOutput(pipeline: DeclaredResource): unknown {
    const stores = pipeline.inputs.artifactStores as { location: string; type: string; encryptionKey?: unknown; region?: string }[];
    const store = (s: (typeof stores)[number]) => ({ type: s.type, location: s.location, ...(s.encryptionKey ? { encryptionKey: s.encryptionKey } : {}) });
    return {
        pipeline: {
            name: pipeline.inputs.name,
            roleArn: pipeline.inputs.roleArn,
            ...(stores.length === 1 && !stores[0].region
                ? { artifactStore: store(stores[0]) }
                : { artifactStores: Object.fromEntries(stores.map((s) => [s.region, store(s)])) }),
            stages: (pipeline.inputs.stages as StageDeclaration[]).map((stage) => ({ name: stage.name, actions: stage.actions.map(actionOutput) })),
            version: 1,
            executionMode: pipeline.inputs.executionMode ?? "SUPERSEDED",
            pipelineType: pipeline.inputs.pipelineType ?? "V1",
        },
        metadata: { pipelineArn: pipeline.state.arn },
    };
}

function actionOutput(action: ActionDeclaration): unknown {
    return {
        name: action.name,
        actionTypeId: { category: action.category, owner: action.owner, provider: action.provider, version: action.version },
        runOrder: action.runOrder,
        configuration: action.configuration ?? {},
        outputArtifacts: (action.outputArtifacts ?? []).map((name) => ({ name })),
        inputArtifacts: (action.inputArtifacts ?? []).map((name) => ({ name })),
        ...(action.roleArn ? { roleArn: action.roleArn } : {}),
        ...(action.region ? { region: action.region } : {}),
    };
}
