import * as autoscaling from "@pulumi/aws/autoscaling";
import * as ec2 from "@pulumi/aws/ec2";
// awsx's ec2 module alone: the package's index loads all of its modules (classic, ECS, load balancers, ...),
// a seventh of the offline plan's start, for the two VPC components used here.
import * as awsxEc2 from "@pulumi/awsx/ec2";
import * as pulumi from "@pulumi/pulumi";
import type { FleetConfig, InstanceTag } from "../config";
import { newVpcArgs } from "../definition/fleet";
import { partitionOf } from "../definition/names";

export interface FleetArgs {
    /** Size, instance type, AMI and network: the target's `fleet` entry. */
    config: FleetConfig;
    /** The target's region: where the instances run and whose CodeDeploy agent they install. */
    region: string;
    /** The profile of the target's instance role, with which the agent reads the pipeline's artifacts. */
    instanceProfileName: pulumi.Input<string>;
    /** The tag the deployment group selects instances by; every instance of the fleet carries it. */
    instanceTag: InstanceTag;
}

/**
 * The EC2 instances a target deploys to: an Auto Scaling group of a fixed size in the default VPC or a
 * new one, each instance running the CodeDeploy agent under the target's instance profile.
 * The user data and the root device name assume an Amazon Linux 2023 AMI.
 */
export class Fleet extends pulumi.ComponentResource {
    readonly autoScalingGroupName: pulumi.Output<string>;

    constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:target:Fleet", name, {}, opts);
        const { config, region, instanceTag } = args;

        // awsx's components are remote: the SDK sends them only the providers named in their own options, not
        // the ones inherited from a parent. Naming the target's provider keeps their resources off a default provider.
        const awsProvider = this.getProvider("aws:ec2/launchTemplate:LaunchTemplate");
        if (!awsProvider) {
            throw new pulumi.ResourceError(`fleet ${name} needs the target account's explicit aws provider from its parent`, this);
        }
        const network = fleetNetwork(`${name}-network`, config.vpc, region, { parent: this, providers: { aws: awsProvider } });

        // The agent polls CodeDeploy, so nothing needs to reach the instances.
        const securityGroup = new ec2.SecurityGroup(`${name}-security-group`, {
            region,
            vpcId: network.vpcId,
            description: `CodeDeploy fleet ${name}: no inbound traffic, all outbound`,
            egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "All outbound" }],
        }, { parent: this });

        const launchTemplate = new ec2.LaunchTemplate(`${name}-launch-template`, {
            region,
            description: `CodeDeploy fleet ${name}`,
            // Resolved by EC2 at each launch, so new instances get the current AMI without a lookup here.
            imageId: `resolve:ssm:${config.amiParameter}`,
            instanceType: config.instanceType,
            iamInstanceProfile: { name: args.instanceProfileName },
            vpcSecurityGroupIds: [securityGroup.id],
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required" },
            // Encrypted even where the account's default EBS encryption is off (then with its default EBS key).
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeType: "gp3", deleteOnTermination: "true" } }],
            userData: Buffer.from(codeDeployAgentUserData(region)).toString("base64"),
        }, { parent: this });

        const autoScalingGroup = new autoscaling.Group(`${name}-auto-scaling-group`, {
            region,
            minSize: config.size,
            maxSize: config.size,
            desiredCapacity: config.size,
            vpcZoneIdentifiers: network.subnetIds,
            // A new template version is a change of the group, which the instance refresh rolls out to running instances.
            launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
            instanceRefresh: { strategy: "Rolling" },
            tags: [
                { key: instanceTag.key, value: instanceTag.value, propagateAtLaunch: true },
                // A name for the console, unless the deployment group's tag is Name itself: a key can appear only once.
                ...(instanceTag.key === "Name" ? [] : [{ key: "Name", value: name, propagateAtLaunch: true }]),
            ],
        }, { parent: this });

        this.autoScalingGroupName = autoScalingGroup.name;
        this.registerOutputs({ autoScalingGroupName: this.autoScalingGroupName });
    }
}

/** Where the instances run: a VPC and the subnets the Auto Scaling group launches into. */
interface FleetNetwork {
    vpcId: pulumi.Output<string>;
    subnetIds: pulumi.Output<string[]>;
}

function fleetNetwork(name: string, vpc: FleetConfig["vpc"], region: string, opts: pulumi.ComponentResourceOptions): FleetNetwork {
    if (vpc === "default") {
        // The default VPC's subnets are public and give instances a public address: outbound access without a NAT gateway.
        const defaultVpc = new awsxEc2.DefaultVpc(name, {}, opts);
        return { vpcId: defaultVpc.vpcId, subnetIds: defaultVpc.publicSubnetIds };
    }
    // Instances stay in private subnets of two zones. The agent needs outbound access (the agent download,
    // CodeDeploy, the artifact bucket): one NAT gateway serves both zones at half the cost of one per zone,
    // at the price of losing outbound access while its zone is down. The offline plan lists what awsx creates from these.
    const newVpc = new awsxEc2.Vpc(name, { region, ...newVpcArgs }, opts);
    return { vpcId: newVpc.vpcId, subnetIds: newVpc.privateSubnetIds };
}

/** User data for Amazon Linux 2023 that installs and starts the CodeDeploy agent from `region`'s resource kit bucket. */
export function codeDeployAgentUserData(region: string): string {
    const domain = partitionOf(region) === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
    return [
        "#!/bin/bash",
        "set -euxo pipefail",
        "dnf install -y ruby wget",
        "cd \"$(mktemp -d)\"",
        `wget https://aws-codedeploy-${region}.s3.${region}.${domain}/latest/install`,
        "chmod +x ./install",
        "./install auto",
        "systemctl enable --now codedeploy-agent",
        "",
    ].join("\n");
}
