// What awsx's VPC creates, for the plan to list. awsx's components are remote (its plugin implements them), so under
// Pulumi's runtime mocks an awsx.ec2.Vpc registers no child: without this, the subnets, route tables, routes, internet
// gateway, NAT gateways and elastic IPs of a fleet's new VPC (`vpc: new`), and what they cost by the hour, would appear
// nowhere in the plan. Modelled on awsx 3.9.0, as package.json pins it: its documented defaults
// (node_modules/@pulumi/awsx/ec2/vpc.d.ts) and its implementation, pulumi/pulumi-awsx awsx/ec2/vpc.ts (each child, its
// name, what it is created for) and awsx/ec2/subnetDistributorNew.ts (without subnetSpecs, a private and a public
// subnet in each zone).
import { DeclaredResource, providerNameOf } from "../evaluation/mockCloud";
import type { ResourceSummary } from "./describe";
import { entryOf } from "./maps";

const vpcComponent = { type: "awsx:ec2:Vpc", className: "awsx.ec2.Vpc" };

/** A resource awsx creates for a VPC: its type, the name awsx gives it, and what it is for. */
export interface VpcChild {
    type: string;
    name: string;
    properties: Record<string, unknown>;
}

type NatGatewayStrategy = "None" | "Single" | "OnePerAz";

/**
 * The arguments of awsx.ec2.Vpc this model follows (without subnetSpecs every subnet strategy lays out the same subnets,
 * at other addresses); for any other, it throws rather than list what awsx may not create.
 */
const modelledArguments = ["region", "numberOfAvailabilityZones", "subnetStrategy", "natGateways"];

/**
 * The resources awsx creates for `new awsx.ec2.Vpc(name, args)`, in the order it creates them (vpc.ts `initialize`):
 * - the VPC, of 10.0.0.0/16 ("cidrBlock ... Defaults to 10.0.0.0/16");
 * - an internet gateway, always ("We unconditionally create the IGW ... because AWS does not charge for it");
 * - in each zone, the first `numberOfAvailabilityZones` of the region ("defaults to the first 3 AZs"), a public subnet, then
 *   a private one (compareSubnetSpecs: public first), named `<name>-public-<zone>` and `<name>-private-<zone>`, each with a
 *   route table and its association of the same name;
 * - NAT gateways in public subnets, each with an elastic IP, both named `<name>-<zone>`: one per zone, awsx's default
 *   ("defaults to one gateway per availability zone"), one in the first zone (`Single`) or none (`None`);
 * - a default route (0.0.0.0/0) of the subnet's name in each route table: a public subnet's to the internet gateway, a
 *   private one's to its zone's NAT gateway (the first zone's with `Single`; none without NAT gateways).
 */
export function vpcChildren(name: string, args: Record<string, unknown>): VpcChild[] {
    const { numberOfAvailabilityZones, natGateways } = args as { numberOfAvailabilityZones?: number; natGateways?: { strategy: NatGatewayStrategy } };
    const unmodelled = [
        ...Object.keys(args).filter((key) => !modelledArguments.includes(key)),
        ...Object.keys(natGateways ?? {}).filter((key) => key !== "strategy").map((key) => `natGateways.${key}`),
    ];
    if (unmodelled.length > 0) {
        throw new Error(`awsx.ec2.Vpc ${name}: the plan does not model what awsx creates with ${unmodelled.join(", ")} (offline-plan/awsxVpc.ts)`);
    }
    const zones = numberOfAvailabilityZones ?? 3;
    const strategy = natGateways?.strategy ?? "OnePerAz";
    const natGatewaysIn = (zone: number) => (strategy === "OnePerAz" || (strategy === "Single" && zone === 1));
    const natGatewayOf = (zone: number) => (strategy === "None" ? undefined : `${name}-${strategy === "Single" ? 1 : zone}`);
    const children: VpcChild[] = [
        { type: "aws:ec2/vpc:Vpc", name, properties: { cidrBlock: "10.0.0.0/16" } },
        { type: "aws:ec2/internetGateway:InternetGateway", name, properties: { vpc: name } },
    ];
    for (let zone = 1; zone <= zones; zone++) {
        for (const kind of ["public", "private"] as const) {
            const subnet = `${name}-${kind}-${zone}`;
            children.push(
                { type: "aws:ec2/subnet:Subnet", name: subnet, properties: { vpc: name, zone, mapPublicIpOnLaunch: kind === "public" } },
                { type: "aws:ec2/routeTable:RouteTable", name: subnet, properties: { vpc: name } },
                { type: "aws:ec2/routeTableAssociation:RouteTableAssociation", name: subnet, properties: { routeTable: subnet, subnet } },
            );
            if (kind === "public" && natGatewaysIn(zone)) {
                children.push(
                    { type: "aws:ec2/eip:Eip", name: `${name}-${zone}`, properties: {} },
                    { type: "aws:ec2/natGateway:NatGateway", name: `${name}-${zone}`, properties: { subnet, elasticIp: `${name}-${zone}` } },
                );
            }
            const natGateway = natGatewayOf(zone);
            if (kind === "public" || natGateway) {
                const target = kind === "public" ? { internetGateway: name } : { natGateway };
                children.push({ type: "aws:ec2/route:Route", name: subnet, properties: { routeTable: subnet, destinationCidrBlock: "0.0.0.0/0", ...target } });
            }
        }
    }
    return children;
}

/** An awsx VPC the stacks declare: where it is, its zones, and what awsx creates for it. */
interface AwsxVpc {
    account: string;
    region?: string;
    name: string;
    zones: number;
    children: VpcChild[];
}

/**
 * The awsx VPCs each stack declares, in the account of the provider given to them: a remote component gets its provider
 * by package (`providers`), and its children are created with it.
 */
function awsxVpcs(stacks: { run?: { resources: DeclaredResource[] } }[]): AwsxVpc[] {
    return stacks.flatMap(({ run }) => {
        const resources = run?.resources ?? [];
        return resources.filter((r) => r.type === vpcComponent.type).map((vpc) => {
            const providerName = providerNameOf(vpc.registration?.providers.aws);
            const provider = resources.find((r) => r.type === "pulumi:providers:aws" && r.name === providerName);
            const allowed = provider && (JSON.parse(provider.inputs.allowedAccountIds as string) as string[]);
            const children = vpcChildren(vpc.name, vpc.inputs);
            return {
                account: allowed?.[0] ?? "unknown",
                region: vpc.region ?? provider?.inputs.region,
                name: vpc.name,
                zones: children.filter((c) => c.type === "aws:ec2/subnet:Subnet" && c.properties.mapPublicIpOnLaunch).length,
                children,
            };
        });
    });
}

/** Per account, what the stacks' awsx VPCs create, as the plan lists resources, each marked with the component that creates it. */
export function awsxCreatedResources(stacks: { run?: { resources: DeclaredResource[] } }[]): Map<string, ResourceSummary[]> {
    const byAccount = new Map<string, ResourceSummary[]>();
    for (const vpc of awsxVpcs(stacks)) {
        const summaries = vpc.children.map((child): ResourceSummary => ({
            type: child.type, name: child.name, accountId: vpc.account, ...(vpc.region ? { region: vpc.region } : {}),
            createdBy: `${vpcComponent.className} ${vpc.name}`, properties: child.properties,
        }));
        entryOf(byAccount, vpc.account, () => []).push(...summaries);
    }
    return byAccount;
}

/**
 * One line per account with a new VPC, saying what of it is billed by the hour: each NAT gateway, and each elastic IP, a
 * public IPv4 address (https://aws.amazon.com/vpc/pricing/: NAT gateways by the hour and by the gigabyte they process,
 * public IPv4 addresses by the hour). `title` says what an account is in the plan (`target Prod`).
 */
export function newVpcLines(stacks: { run?: { resources: DeclaredResource[] } }[], title: (account: string) => string): string[] {
    const byAccount = new Map<string, AwsxVpc[]>();
    for (const vpc of awsxVpcs(stacks)) {
        entryOf(byAccount, vpc.account, () => []).push(vpc);
    }
    return [...byAccount].map(([account, vpcs]) => {
        const children = vpcs.flatMap((vpc) => vpc.children);
        const counted = (type: string, what: string) => {
            const n = children.filter((c) => c.type === type).length;
            return `${n} ${what}${n === 1 ? "" : "s"}`;
        };
        const zones = [...new Set(vpcs.map((vpc) => vpc.zones))];
        const vpcCount = vpcs.length === 1 ? "a new VPC" : `${vpcs.length} new VPCs`;
        const over = `over ${zones.join(" and ")} zones${vpcs.length > 1 && zones.length === 1 ? " each" : ""}`;
        return `${title(account)}: ${vpcCount} ${over}: ${counted("aws:ec2/natGateway:NatGateway", "NAT gateway")}, ` +
            `${counted("aws:ec2/eip:Eip", "elastic IP")} (billed hourly)`;
    });
}

/** The new VPCs as the terminal and plan.txt show them: a heading, then one line per account (newVpcLines); nothing without one. */
export function newVpcReport(stacks: { run?: { resources: DeclaredResource[] } }[], title: (account: string) => string): string[] {
    const lines = newVpcLines(stacks, title);
    return lines.length === 0 ? [] : ["New VPCs, which awsx creates (listed with their accounts' resources):", ...lines.map((line) => `  ${line}`)];
}
