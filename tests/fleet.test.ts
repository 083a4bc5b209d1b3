// The optional fleet of a target: the real program under Pulumi's runtime mocks, per stack.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { codeDeployAgentUserData, Fleet } from "../components/fleet";
import { defaults } from "../config";
import { amazonLinux2023Parameters } from "../definition/fleet";
import { DeclaredResource, MockCloud, providerNameOf } from "../evaluation/mockCloud";
import { ProgramRun, runProgram } from "../evaluation/runProgram";
import { qualifiedConfig, stagingEntry } from "./fixtures";
import { resourcesOf } from "./support/stacks";
import type { PropertyBag } from "../evaluation/propertyBag";

const type = {
    fleet: "cross-account-pipeline:target:Fleet",
    defaultVpc: "awsx:ec2:DefaultVpc",
    vpc: "awsx:ec2:Vpc",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    autoScalingGroup: "aws:autoscaling/group:Group",
    instanceProfile: "aws:iam/instanceProfile:InstanceProfile",
    deploymentGroup: "aws:codedeploy/deploymentGroup:DeploymentGroup",
};
const fleetTypes = [type.fleet, type.defaultVpc, type.vpc, type.securityGroup, type.launchTemplate, type.autoScalingGroup];

/** A remote component's registration as it goes to the engine, with the providers it names by package. */
interface RemoteRegistration {
    type: string;
    name: string;
    providers: Record<string, string>;
}

/** The awsx components (remote: implemented by a plugin) a run declared, with the providers their registrations carry. */
function remoteComponents(run: ProgramRun): RemoteRegistration[] {
    return run.resources.filter((r) => r.type.startsWith("awsx:")).map((r) => ({ type: r.type, name: r.name, providers: r.registration!.providers }));
}

/** The accountB stack with a fleet (or none) on its target; it reads no other stack. */
async function runTargetStack(fleet: unknown): Promise<ProgramRun> {
    return runProgram({
        stack: "accountB",
        config: qualifiedConfig("accountB", { targets: [stagingEntry({ fleet })] }),
    });
}

function only(run: ProgramRun, resourceType: string): DeclaredResource {
    const found = resourcesOf(run, resourceType);
    assert.equal(found.length, 1, `expected one ${resourceType}, found ${found.map((r) => r.name).join(", ") || "none"}`);
    return found[0];
}

/** The id at the end of an EC2 ARN: `arn:aws:ec2:...:security-group/sg-123` → `sg-123`. */
function idOfArn(arn: string): string {
    return arn.split("/").pop()!;
}

function userDataOf(launchTemplate: DeclaredResource): string {
    return Buffer.from(launchTemplate.inputs.userData, "base64").toString("utf8");
}

describe("fleet: the CodeDeploy agent's user data", () => {
    it("installs the agent with Ruby from the region's resource kit bucket, then starts it", () => {
        const lines = codeDeployAgentUserData("us-east-2").split("\n");
        assert.equal(lines[0], "#!/bin/bash");
        assert.ok(lines.includes("set -euxo pipefail"), "a failing step must stop the script");
        const steps = [
            "dnf install -y ruby wget",
            "wget https://aws-codedeploy-us-east-2.s3.us-east-2.amazonaws.com/latest/install",
            "chmod +x ./install",
            "./install auto",
            "systemctl enable --now codedeploy-agent",
        ];
        const positions = steps.map((step) => lines.indexOf(step));
        assert.ok(positions.every((p) => p >= 0), `missing steps: ${steps.filter((_, i) => positions[i] < 0).join("; ")}`);
        assert.deepEqual([...positions].sort((a, b) => a - b), positions, "steps out of order");
    });

    it("fetches the agent from the bucket of the instance's own region", () => {
        const userData = codeDeployAgentUserData("eu-west-1");
        assert.ok(userData.includes("https://aws-codedeploy-eu-west-1.s3.eu-west-1.amazonaws.com/latest/install"));
        assert.ok(!userData.includes("us-east"));
    });

    it("uses the China partition's domain in China regions", () => {
        assert.ok(codeDeployAgentUserData("cn-north-1").includes("https://aws-codedeploy-cn-north-1.s3.cn-north-1.amazonaws.com.cn/latest/install"));
    });
});

describe("fleet: `fleet: true` on the target of a target stack", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runTargetStack(true);
    });

    it("launches the instances with the target's instance profile", () => {
        const launchTemplate = only(run, type.launchTemplate);
        const instanceProfile = only(run, type.instanceProfile);
        assert.equal(launchTemplate.inputs.iamInstanceProfile.name, instanceProfile.state.name);
        assert.equal(instanceProfile.state.role, run.outputs.targets.Staging.instanceRoleArn.split("/").pop());
    });

    it("tags every instance at launch with the deployment group's EC2 tag filter", () => {
        const filters = only(run, type.deploymentGroup).inputs.ec2TagSets.flatMap((set: PropertyBag) => set.ec2TagFilters);
        assert.deepEqual(filters, [{ key: "CodeDeployDeploymentGroup", value: "AccountBApplicationName/AccountBApplicationGroupName", type: "KEY_AND_VALUE" }]);
        const tags = only(run, type.autoScalingGroup).inputs.tags;
        for (const filter of filters) {
            assert.deepEqual(tags.filter((tag: PropertyBag) => tag.key === filter.key), [{ key: filter.key, value: filter.value, propagateAtLaunch: true }]);
        }
    });

    it("installs and starts the CodeDeploy agent of the target's region at boot", () => {
        const userData = userDataOf(only(run, type.launchTemplate));
        assert.equal(userData, codeDeployAgentUserData("us-east-2"));
        assert.ok(userData.includes("https://aws-codedeploy-us-east-2.s3.us-east-2.amazonaws.com/latest/install"));
        assert.ok(userData.includes("systemctl enable --now codedeploy-agent"));
    });

    it("attaches the Auto Scaling group to the deployment group, keeping the tag filter", () => {
        const deploymentGroup = only(run, type.deploymentGroup);
        assert.deepEqual(deploymentGroup.inputs.autoscalingGroups, [only(run, type.autoScalingGroup).state.name]);
        assert.equal(deploymentGroup.inputs.ec2TagSets.length, 1);
    });

    it("lets CodeDeploy launch from the template, passing only the instance role and only to EC2", () => {
        const policy = run.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "Staging-codedeploy-fleet-policy");
        assert.ok(policy, "the CodeDeploy service role gets the launch-template permissions");
        assert.equal(policy.inputs.role, "Staging-CodeDeployService");
        const passRole = JSON.parse(policy.inputs.policy).Statement.find((s: PropertyBag) => s.Action.includes("iam:PassRole"));
        assert.equal(passRole.Resource, run.outputs.targets.Staging.instanceRoleArn);
        assert.deepEqual(passRole.Condition, { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } });
    });

    it("uses the defaults: one t3.micro of the latest Amazon Linux 2023 in the default VPC's subnets", () => {
        const group = only(run, type.autoScalingGroup);
        assert.deepEqual([group.inputs.minSize, group.inputs.maxSize, group.inputs.desiredCapacity], [1, 1, 1]);
        const launchTemplate = only(run, type.launchTemplate);
        assert.equal(launchTemplate.inputs.instanceType, "t3.micro");
        assert.equal(launchTemplate.inputs.imageId, "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
        assert.deepEqual(group.inputs.launchTemplate, { id: idOfArn(launchTemplate.state.arn), version: "1" });
        const defaultVpc = only(run, type.defaultVpc);
        assert.equal(resourcesOf(run, type.vpc).length, 0);
        assert.ok(defaultVpc.state.publicSubnetIds.length > 0);
        assert.deepEqual(group.inputs.vpcZoneIdentifiers, defaultVpc.state.publicSubnetIds);
    });

    it("requires IMDSv2, encrypts the root volume and admits no inbound traffic", () => {
        const launchTemplate = only(run, type.launchTemplate);
        assert.equal(launchTemplate.inputs.metadataOptions.httpTokens, "required");
        assert.deepEqual(launchTemplate.inputs.blockDeviceMappings.map((m: PropertyBag) => [m.deviceName, m.ebs.encrypted]), [["/dev/xvda", "true"]]);
        const securityGroup = only(run, type.securityGroup);
        assert.deepEqual(launchTemplate.inputs.vpcSecurityGroupIds, [idOfArn(securityGroup.state.arn)]);
        assert.equal(securityGroup.inputs.vpcId, only(run, type.defaultVpc).state.vpcId);
        assert.equal(securityGroup.inputs.ingress, undefined);
        assert.deepEqual(securityGroup.inputs.egress.map((rule: PropertyBag) => [rule.protocol, rule.cidrBlocks]), [["-1", ["0.0.0.0/0"]]]);
    });

    it("declares every fleet resource with the target account's provider, in the target's region", () => {
        for (const resource of [type.securityGroup, type.launchTemplate, type.autoScalingGroup].map((t) => only(run, t))) {
            assert.deepEqual(
                [resource.providerName, resource.accountId, resource.region, resource.inputs.region],
                ["target-Staging", "222222222222", "us-east-2", "us-east-2"],
                resource.name,
            );
        }
    });

    it("gives the awsx network component the target account's provider", () => {
        assert.deepEqual(remoteComponents(run).map((r) => r.type), [type.defaultVpc]);
        const [network] = remoteComponents(run);
        assert.deepEqual(Object.keys(network.providers), ["aws"]);
        assert.equal(providerNameOf(network.providers.aws), "target-Staging");
    });
});

describe("fleet: a sized fleet in a new VPC, with `deploy: all`", () => {
    const fleet = { size: 2, instanceType: "t3.small", amiParameter: "/golden/ami", vpc: "new" };
    const otherTarget = {
        name: "Production", accountId: "333333333333", applicationName: "ProductionApplication",
        deploymentGroupName: "ProductionGroup", crossAccountRoleName: "Production_CrossAccount_Role",
    };
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({
            stack: "all",
            config: qualifiedConfig("accountA", { deploy: "all", targets: [stagingEntry({ fleet }), otherTarget] }),
        });
    });

    it("takes size, instance type and AMI parameter from config", () => {
        const group = only(run, type.autoScalingGroup);
        assert.deepEqual([group.inputs.minSize, group.inputs.maxSize, group.inputs.desiredCapacity], [2, 2, 2]);
        const launchTemplate = only(run, type.launchTemplate);
        assert.equal(launchTemplate.inputs.instanceType, "t3.small");
        assert.equal(launchTemplate.inputs.imageId, "resolve:ssm:/golden/ami");
    });

    it("runs the instances in the private subnets of a new two-zone VPC with one NAT gateway", () => {
        assert.equal(resourcesOf(run, type.defaultVpc).length, 0);
        const vpc = only(run, type.vpc);
        assert.deepEqual(
            [vpc.inputs.numberOfAvailabilityZones, vpc.inputs.natGateways, vpc.inputs.region],
            [2, { strategy: "Single" }, "us-east-2"],
        );
        assert.equal(vpc.state.privateSubnetIds.length, 2);
        assert.deepEqual(only(run, type.autoScalingGroup).inputs.vpcZoneIdentifiers, vpc.state.privateSubnetIds);
        assert.equal(only(run, type.securityGroup).inputs.vpcId, vpc.state.vpcId);
    });

    it("gives the new VPC the fleet target's provider, not the pipeline account's", () => {
        assert.deepEqual(remoteComponents(run).map((r) => [r.type, providerNameOf(r.providers.aws)]), [[type.vpc, "target-Staging"]]);
    });

    it("puts the fleet in its target's account only, and attaches it to that target's deployment group only", () => {
        const group = only(run, type.autoScalingGroup);
        assert.equal(group.accountId, "222222222222");
        const deploymentGroups = Object.fromEntries(resourcesOf(run, type.deploymentGroup).map((g) => [g.inputs.deploymentGroupName, g.inputs.autoscalingGroups]));
        assert.deepEqual(deploymentGroups, { AccountBApplicationGroupName: [group.state.name], ProductionGroup: undefined });
    });
});

describe("fleet: a Graviton instance type without amiParameter", () => {
    it("launches from the arm64 Amazon Linux 2023, not the x86_64 one", async () => {
        const launchTemplate = only(await runTargetStack({ instanceType: "t4g.small" }), type.launchTemplate);
        assert.deepEqual([launchTemplate.inputs.instanceType, launchTemplate.inputs.imageId],
            ["t4g.small", "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"]);
    });
});

describe("fleet: a target without `fleet`", () => {
    it("declares no fleet, network or instances, and attaches no Auto Scaling group", async () => {
        const run = await runTargetStack(undefined);
        assert.deepEqual(run.resources.filter((r) => fleetTypes.includes(r.type)).map((r) => r.name), []);
        assert.deepEqual(remoteComponents(run), []);
        assert.equal(only(run, type.deploymentGroup).inputs.autoscalingGroups, undefined);
        assert.equal(run.resources.find((r) => r.name === "Staging-codedeploy-fleet-policy"), undefined);
    });
});

describe("fleet: the component alone", () => {
    afterEach(() => pulumi.runtime.disconnect());

    it("refuses to declare anything without an explicit aws provider from its parent", async () => {
        await pulumi.runtime.setMocks(new MockCloud(), "fleet-test", "fleet-test", false, "organization");
        assert.throws(() => new Fleet("orphan", {
            config: { ...defaults.fleet, amiParameter: amazonLinux2023Parameters.x86_64 },
            region: "us-east-2",
            instanceProfileName: "profile",
            instanceTag: { key: "CodeDeployApplication", value: "App" },
        }), /explicit aws provider/);
    });
});
