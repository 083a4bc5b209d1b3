// Pulumi runtime mocks that answer like AWS would: ids and ARNs in the right account and region,
// StackReference reads served from other stacks' outputs. No behaviour of the program is modelled here.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { kmsReference, partitionOf } from "../definition/names";
import type { PolicyDocument } from "../policies/document";
import type { PropertyBag } from "./propertyBag";

/** A resource as the program declared it, with the account and region its provider pins it to. */
export interface DeclaredResource {
    type: string;
    name: string;
    /** The id the mocks answered with, as the provider would (a role's name, a launch template's `lt-...`). */
    id: string;
    /** Inputs as the program passed them (provider inputs JSON-encoded, policies as JSON strings). */
    inputs: PropertyBag;
    /** The state the mock answered with: inputs plus computed ids and ARNs. */
    state: PropertyBag;
    /** Name of the explicit provider, or undefined for a resource on a default provider. */
    providerName?: string;
    accountId?: string;
    region?: string;
    custom: boolean;
    /** What the registration request carries besides inputs: identity, parent and resource options. */
    registration?: Registration;
}

/** Each resource's parsed policy inputs, with the JSON text each was parsed from. */
const parsedPolicies = new WeakMap<DeclaredResource, Map<string, { text: string; document: PolicyDocument }>>();

/**
 * The policy document a declared resource's input `field` holds (a JSON string), or undefined; parsed once
 * for as long as the text is the same, so that the access model, the create-time checks and the plan folder
 * read one document object, and the IAM evaluator validates it once. Read it, never change it.
 */
export function declaredPolicy(resource: DeclaredResource, field: string): PolicyDocument | undefined {
    const text: unknown = resource.inputs[field];
    if (typeof text !== "string" || !text) {
        return undefined;
    }
    let ofResource = parsedPolicies.get(resource);
    if (!ofResource) {
        ofResource = new Map();
        parsedPolicies.set(resource, ofResource);
    }
    const parsed = ofResource.get(field);
    if (parsed?.text === text) {
        return parsed.document;
    }
    const document = JSON.parse(text) as PolicyDocument;
    ofResource.set(field, { text, document });
    return document;
}

export interface Registration {
    urn: string;
    /** The component this resource was declared in; the stack itself for a top-level resource. */
    parentUrn?: string;
    protect: boolean;
    retainOnDelete: boolean;
    /** The providers named for a component, by package (remote components get theirs this way). */
    providers: Record<string, string>;
    /**
     * The URNs of the resources this one waits for, as the engine receives them: its `dependsOn` and
     * every resource an input came from, components expanded to the resources in them.
     */
    dependencies: string[];
    /** The id of an existing resource to import (adopt) instead of creating it; absent for a resource to create. */
    importId?: string;
    /** Inputs whose differences Pulumi ignores (for an import: copied from what the provider read). */
    ignoreChanges: string[];
    /** Former identities: an alias's URN, or its name, type and parent as the engine resolves it to a URN. */
    aliases: { urn?: string; name?: string; type?: string; parentUrn?: string }[];
}

interface ProviderPin {
    accountId?: string;
    region?: string;
}

export class MockCloud implements pulumi.runtime.Mocks {
    readonly resources: DeclaredResource[] = [];
    private readonly providers = new Map<string, ProviderPin>();
    /** Resources the monitor has not yet reported a registration for, by type and name, in declaration order. */
    private readonly unregistered = new Map<string, DeclaredResource[]>();

    /** `stackOutputs` serves StackReference reads, keyed by the referenced stack's name. */
    constructor(private readonly stackOutputs: Record<string, Record<string, unknown>> = {}) {}

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        if (args.type === "pulumi:pulumi:StackReference") {
            const stackName = args.inputs.name as string;
            const outputs = this.stackOutputs[stackName];
            if (!outputs) {
                throw new Error(`stack "${stackName}" does not exist or has no outputs yet`);
            }
            return this.record(args, stackName, { name: stackName, outputs, secretOutputNames: [] }, {});
        }
        if (args.type.startsWith("pulumi:providers:aws")) {
            const allowed = decode(args.inputs.allowedAccountIds) as string[] | undefined;
            this.providers.set(args.name, { accountId: allowed?.[0], region: args.inputs.region });
            return this.record(args, `${args.name}_id`, args.inputs, { providerName: undefined });
        }
        const providerName = providerNameOf(args.provider);
        const pin = (providerName && this.providers.get(providerName)) || {};
        const region: string | undefined = args.inputs.region ?? pin.region;
        // An import reads the resource by the id it names (pulumi-aws 7.x: `<id>@<region>`), as the provider would.
        const importedId = args.id ? args.id.replace(/@[a-z0-9-]+$/, "") : undefined;
        const computed = computedState(args.type, args.name, args.inputs, pin.accountId ?? "000000000000", region ?? "us-east-1", importedId);
        return this.record(args, computed.id, { ...args.inputs, ...computed.state }, { providerName, accountId: pin.accountId, region });
    }

    call(args: pulumi.runtime.MockCallArgs): PropertyBag {
        if (args.token === "aws:kms/getKey:getKey") {
            const keyId = String(args.inputs.keyId);
            const key = kmsReference(keyId);
            if (!key) {
                throw new Error(`aws:kms/getKey: ${keyId} is not an ARN`);
            }
            const { region, accountId: account } = key;
            const partition = partitionOf(region);
            const uuid = key.kind === "key" ? key.name : fakeUuid(keyId);
            return { arn: `arn:${partition}:kms:${region}:${account}:key/${uuid}`, id: uuid, keyId: uuid };
        }
        throw new Error(`the offline mocks do not answer ${args.token}`);
    }

    /** Adds what the monitor saw of a registration to the resource the mocks created for it. */
    noteRegistration(type: string, name: string, registration: Registration): void {
        const resource = this.unregistered.get(registrationKey(type, name))?.shift();
        if (resource) {
            resource.registration = registration;
        }
    }

    private record(args: pulumi.runtime.MockResourceArgs, id: string, state: PropertyBag, where: Partial<DeclaredResource>): pulumi.runtime.MockResourceResult {
        const resource: DeclaredResource = { type: args.type, name: args.name, id, inputs: args.inputs, state, custom: args.custom ?? true, ...where };
        this.resources.push(resource);
        const key = registrationKey(args.type, args.name);
        const waiting = this.unregistered.get(key);
        if (waiting) {
            waiting.push(resource);
        } else {
            this.unregistered.set(key, [resource]);
        }
        return { id, state };
    }
}

const registrationKey = (type: string, name: string) => `${type}::${name}`;

function decode(value: unknown): unknown {
    return typeof value === "string" ? JSON.parse(value) : value;
}

/** `urn:pulumi:stack::project::pulumi:providers:aws::pipeline-account::pipeline-account_id` → `pipeline-account`. */
export function providerNameOf(reference: string | undefined): string | undefined {
    return reference?.split("::").slice(0, -1).pop();
}

function fakeUuid(seed: string): string {
    const h = createHash("sha256").update(seed).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function fakeHex(seed: string, length: number): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** The ids and attributes AWS would compute for the resource types this program declares. */
function computedState(type: string, name: string, inputs: PropertyBag, account: string, region: string, importedId?: string): { id: string; state: PropertyBag } {
    const p = partitionOf(region);
    switch (type) {
        case "aws:iam/role:Role": {
            const roleName = inputs.name ?? name;
            // The ARN holds the role's path (IAM identifiers), "/" when none is given.
            const rolePath = inputs.path ?? "/";
            return { id: roleName, state: { name: roleName, path: rolePath, arn: `arn:${p}:iam::${account}:role${rolePath}${roleName}`, uniqueId: `AROA${fakeUuid(roleName).replace(/-/g, "").slice(0, 17).toUpperCase()}` } };
        }
        // The GitHub deploy role's bootstrap (examples/github-actions/bootstrap): the provider's ARN ends with its URL's host and path.
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            return { id: `${name}-id`, state: { arn: `arn:${p}:iam::${account}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}` } };
        case "aws:iam/instanceProfile:InstanceProfile": {
            const profileName = inputs.name ?? name;
            return { id: profileName, state: { name: profileName, arn: `arn:${p}:iam::${account}:instance-profile/${profileName}` } };
        }
        case "aws:kms/key:Key": {
            const keyId = importedId ?? fakeUuid(`${account}/${region}/${name}`);
            return { id: keyId, state: { keyId, arn: `arn:${p}:kms:${region}:${account}:key/${keyId}` } };
        }
        case "aws:kms/alias:Alias":
            return { id: inputs.name, state: { arn: `arn:${p}:kms:${region}:${account}:${inputs.name}` } };
        case "aws:s3/bucket:Bucket":
            return { id: inputs.bucket, state: { arn: `arn:${p}:s3:::${inputs.bucket}`, bucketRegionalDomainName: `${inputs.bucket}.s3.${region}.amazonaws.com` } };
        case "aws:codebuild/project:Project":
            return { id: inputs.name, state: { arn: `arn:${p}:codebuild:${region}:${account}:project/${inputs.name}` } };
        case "aws:codepipeline/pipeline:Pipeline":
            return { id: inputs.name, state: { arn: `arn:${p}:codepipeline:${region}:${account}:${inputs.name}` } };
        case "aws:codedeploy/application:Application":
            return { id: inputs.name, state: { arn: `arn:${p}:codedeploy:${region}:${account}:application:${inputs.name}` } };
        case "aws:codedeploy/deploymentGroup:DeploymentGroup":
            return { id: inputs.deploymentGroupName, state: { arn: `arn:${p}:codedeploy:${region}:${account}:deploymentgroup:${inputs.appName}/${inputs.deploymentGroupName}` } };
        case "aws:ec2/securityGroup:SecurityGroup": {
            const groupId = `sg-${fakeHex(`${account}/${region}/${name}`, 17)}`;
            return { id: groupId, state: { arn: `arn:${p}:ec2:${region}:${account}:security-group/${groupId}` } };
        }
        case "aws:ec2/launchTemplate:LaunchTemplate": {
            const templateId = `lt-${fakeHex(`${account}/${region}/${name}`, 17)}`;
            return { id: templateId, state: { arn: `arn:${p}:ec2:${region}:${account}:launch-template/${templateId}`, latestVersion: 1, defaultVersion: 1 } };
        }
        case "aws:autoscaling/group:Group": {
            // Auto-named like Pulumi does when the program gives no name.
            const groupName = inputs.name ?? `${name}-${fakeHex(name, 7)}`;
            return { id: groupName, state: { name: groupName, arn: `arn:${p}:autoscaling:${region}:${account}:autoScalingGroup:${fakeUuid(groupName)}:autoScalingGroupName/${groupName}` } };
        }
        // awsx's components are remote: under mocks they create no children, so answer with the outputs their plugin would.
        case "awsx:ec2:DefaultVpc":
            // A default VPC has one default subnet per zone, all public.
            return { id: `${name}-id`, state: { vpcId: `vpc-${fakeHex(name, 17)}`, publicSubnetIds: [0, 1, 2].map((zone) => `subnet-${fakeHex(`${name}/public/${zone}`, 17)}`), privateSubnetIds: [] } };
        case "awsx:ec2:Vpc": {
            const zones = [...Array(inputs.numberOfAvailabilityZones ?? 3).keys()];
            return { id: `${name}-id`, state: {
                vpcId: `vpc-${fakeHex(name, 17)}`,
                publicSubnetIds: zones.map((zone) => `subnet-${fakeHex(`${name}/public/${zone}`, 17)}`),
                privateSubnetIds: zones.map((zone) => `subnet-${fakeHex(`${name}/private/${zone}`, 17)}`),
                isolatedSubnetIds: [],
            } };
        }
        default:
            return { id: `${name}-id`, state: {} };
    }
}
