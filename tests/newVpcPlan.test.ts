// A fleet's new VPC in the plan: what awsx creates for it, which the mocks cannot show, listed per account and
// its hourly-billed parts said in the terminal and in summary.md.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "yaml";
import { newVpcArgs } from "../definition/fleet";
import { accountContents } from "../offline-plan/accountFiles";
import { vpcChildren } from "../offline-plan/awsxVpc";
import type { ResourceSummary } from "../offline-plan/describe";
import { PlanResult, runPlan } from "../offline-plan/plan";
import { renderBrief, renderPlan } from "../offline-plan/report";
import { renderSummary } from "../offline-plan/summary";
import { planContents } from "../offline-plan/writePlan";
import { readStackFile } from "../project/stackFiles";
import { configured, selfContainedStackDocument, StackName, targetAccountId } from "./fixtures";
import type { PropertyBag } from "../evaluation/propertyBag";

const typeCounts = (resources: { type: string }[]) => {
    const counts: Record<string, number> = {};
    for (const { type } of resources) {
        counts[type] = (counts[type] ?? 0) + 1;
    }
    return counts;
};

describe("new VPC: what awsx.ec2.Vpc creates", () => {
    it("for the fleet's arguments: per zone a public and a private subnet, each with its route table and default route, one NAT gateway and its elastic IP", () => {
        const children = vpcChildren("net", { region: "us-east-2", ...newVpcArgs });
        assert.deepEqual(children.map((c) => `${c.type} ${c.name}`), [
            "aws:ec2/vpc:Vpc net",
            "aws:ec2/internetGateway:InternetGateway net",
            "aws:ec2/subnet:Subnet net-public-1", "aws:ec2/routeTable:RouteTable net-public-1", "aws:ec2/routeTableAssociation:RouteTableAssociation net-public-1",
            "aws:ec2/eip:Eip net-1", "aws:ec2/natGateway:NatGateway net-1",
            "aws:ec2/route:Route net-public-1",
            "aws:ec2/subnet:Subnet net-private-1", "aws:ec2/routeTable:RouteTable net-private-1", "aws:ec2/routeTableAssociation:RouteTableAssociation net-private-1",
            "aws:ec2/route:Route net-private-1",
            "aws:ec2/subnet:Subnet net-public-2", "aws:ec2/routeTable:RouteTable net-public-2", "aws:ec2/routeTableAssociation:RouteTableAssociation net-public-2",
            "aws:ec2/route:Route net-public-2",
            "aws:ec2/subnet:Subnet net-private-2", "aws:ec2/routeTable:RouteTable net-private-2", "aws:ec2/routeTableAssociation:RouteTableAssociation net-private-2",
            "aws:ec2/route:Route net-private-2",
        ]);
        const routes = children.filter((c) => c.type === "aws:ec2/route:Route").map((c) => [c.name, c.properties.internetGateway ?? c.properties.natGateway]);
        assert.deepEqual(routes, [["net-public-1", "net"], ["net-private-1", "net-1"], ["net-public-2", "net"], ["net-private-2", "net-1"]],
            "public subnets go out through the internet gateway, both zones' private subnets through the one NAT gateway");
        assert.deepEqual(children.find((c) => c.type === "aws:ec2/natGateway:NatGateway")!.properties, { subnet: "net-public-1", elasticIp: "net-1" });
        assert.deepEqual(children.filter((c) => c.type === "aws:ec2/subnet:Subnet").map((c) => [c.name, c.properties.mapPublicIpOnLaunch]),
            [["net-public-1", true], ["net-private-1", false], ["net-public-2", true], ["net-private-2", false]]);
    });

    it("with awsx's defaults: three zones, a NAT gateway and elastic IP in each, each zone's private subnet through its own", () => {
        const children = vpcChildren("net", {});
        assert.deepEqual(typeCounts(children), {
            "aws:ec2/vpc:Vpc": 1, "aws:ec2/internetGateway:InternetGateway": 1, "aws:ec2/subnet:Subnet": 6, "aws:ec2/routeTable:RouteTable": 6,
            "aws:ec2/routeTableAssociation:RouteTableAssociation": 6, "aws:ec2/eip:Eip": 3, "aws:ec2/natGateway:NatGateway": 3, "aws:ec2/route:Route": 6,
        });
        assert.deepEqual(children.filter((c) => c.type === "aws:ec2/route:Route" && c.properties.natGateway).map((c) => [c.name, c.properties.natGateway]),
            [["net-private-1", "net-1"], ["net-private-2", "net-2"], ["net-private-3", "net-3"]]);
    });

    it("without NAT gateways: no elastic IP, and no route out of the private subnets", () => {
        const children = vpcChildren("net", { numberOfAvailabilityZones: 2, natGateways: { strategy: "None" } });
        assert.equal(children.filter((c) => ["aws:ec2/eip:Eip", "aws:ec2/natGateway:NatGateway"].includes(c.type)).length, 0);
        assert.deepEqual(children.filter((c) => c.type === "aws:ec2/route:Route").map((c) => c.name), ["net-public-1", "net-public-2"]);
    });

    it("refuses arguments it does not model, rather than list what awsx may not create", () => {
        assert.throws(() => vpcChildren("net", { ...newVpcArgs, subnetSpecs: [{ type: "Isolated" }] }),
            /awsx\.ec2\.Vpc net: the plan does not model what awsx creates with subnetSpecs \(offline-plan\/awsxVpc\.ts\)/);
        assert.throws(() => vpcChildren("net", { natGateways: { strategy: "Single", elasticIpAllocationIds: ["eipalloc-1"] } }), /with natGateways\.elasticIpAllocationIds/);
    });
});

describe("new VPC: the plan of a fleet with `vpc: new`", () => {
    let scratch: string;
    let defaultVpcPlan: PlanResult;
    let newVpcPlan: PlanResult;
    let allInOne: PlanResult;

    /** A shipped stack file, holding its project's shared values itself, with its targets changed. */
    const stackFileWith = (stack: StackName, name: string, edit: (config: PropertyBag) => void) => {
        const document = selfContainedStackDocument(stack) as { config: PropertyBag };
        edit(document.config);
        const file = path.join(scratch, name, `Pulumi.${stack === "accountA" && name === "all" ? "all" : stack}.yaml`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, yaml.stringify(document));
        return readStackFile(file);
    };
    const targets = "cross-account-pipeline:targets";
    const withNewVpc = (config: PropertyBag) => (config[targets][0].fleet = { vpc: "new" });
    const target = (name: string, accountId: string, fields: Record<string, unknown> = {}) =>
        ({ name, accountId, applicationName: `${name}App`, deploymentGroupName: `${name}Group`, fleet: { vpc: "new" }, ...fields });

    before(async () => {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "new-vpc-plan-"));
        const withDefaultVpc = (config: PropertyBag) => (config[targets][0].fleet = true);
        defaultVpcPlan = await runPlan({ stacks: configured([stackFileWith("accountB", "default-vpc", withDefaultVpc), stackFileWith("accountA", "default-vpc", withDefaultVpc)]) });
        newVpcPlan = await runPlan({ stacks: configured([stackFileWith("accountB", "new-vpc", withNewVpc), stackFileWith("accountA", "new-vpc", withNewVpc)]) });
        allInOne = await runPlan({
            stacks: configured([stackFileWith("accountA", "all", (config) => {
                config["cross-account-pipeline:deploy"] = "all";
                config[targets] = [target("Staging", targetAccountId), target("Canary", targetAccountId), target("Production", "333333333333", { region: "eu-west-1" })];
            })]),
        });
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("holds, and lists in the target account's resources.json what awsx creates, each marked as awsx's", () => {
        assert.equal(newVpcPlan.ok, true);
        const resources = accountContents(newVpcPlan.stacks).get(`account-${targetAccountId}/resources.json`) as ResourceSummary[];
        const created = resources.filter((r) => r.createdBy);
        assert.ok(created.every((r) => r.createdBy === "awsx.ec2.Vpc Staging-fleet-network" && r.accountId === targetAccountId && r.region === "us-east-2"));
        assert.deepEqual(typeCounts(created), {
            "aws:ec2/vpc:Vpc": 1, "aws:ec2/internetGateway:InternetGateway": 1, "aws:ec2/subnet:Subnet": 4, "aws:ec2/routeTable:RouteTable": 4,
            "aws:ec2/routeTableAssociation:RouteTableAssociation": 4, "aws:ec2/eip:Eip": 1, "aws:ec2/natGateway:NatGateway": 1, "aws:ec2/route:Route": 4,
        });
        assert.ok(resources.some((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate" && !r.createdBy), "the program's own resources are listed as before");
        const pipelineAccount = accountContents(newVpcPlan.stacks).get("account-111111111111/resources.json") as ResourceSummary[];
        assert.ok(pipelineAccount.every((r) => !r.createdBy));
    });

    it("lists them in plan.txt with the component that creates them, and counts them", () => {
        const text = renderPlan(newVpcPlan);
        assert.match(text, /Account 222222222222: target Staging, 33 resources to create \(20 of them by awsx\), 6 policies/);
        assert.match(text, /\n {2}\+ aws\.ec2\.NatGateway +Staging-fleet-network-1 +us-east-2 {2}created by awsx\.ec2\.Vpc Staging-fleet-network {2}subnet=Staging-fleet-network-public-1 elasticIp=Staging-fleet-network-1\n/);
        assert.match(text, /\n {2}\+ aws\.ec2\.Route +Staging-fleet-network-private-2 +us-east-2 {2}created by awsx\.ec2\.Vpc Staging-fleet-network {2}.*natGateway=Staging-fleet-network-1\n/);
        assert.match(text, /\nNew VPCs, which awsx creates \(listed with their accounts' resources\):\n {2}target Staging: a new VPC over 2 zones: 1 NAT gateway, 1 elastic IP \(billed hourly\)\n/);
    });

    it("says in the terminal and in summary.md what of each account's new VPC is billed by the hour", () => {
        const line = "target Staging: a new VPC over 2 zones: 1 NAT gateway, 1 elastic IP (billed hourly)";
        assert.ok(renderBrief(newVpcPlan, undefined, "plan/plan.txt").split("\n").includes(`  ${line}`));
        const summary = renderSummary(newVpcPlan, planContents(newVpcPlan));
        assert.match(summary, /\| Account 222222222222 \(target Staging\) \| 33 \| 6 \|\n(\|.*\n)*\n- target Staging: a new VPC over 2 zones: 1 NAT gateway, 1 elastic IP \(billed hourly\)\n\n## Checks/);
    });

    it("puts each VPC's resources in its fleet target's account and region, and sums an account's VPCs in one line", () => {
        assert.equal(allInOne.ok, true);
        const contents = accountContents(allInOne.stacks);
        const createdIn = (account: string) => (contents.get(`account-${account}/resources.json`) as ResourceSummary[]).filter((r) => r.createdBy);
        assert.deepEqual([...new Set(createdIn(targetAccountId).map((r) => `${r.createdBy} ${r.region}`))],
            ["awsx.ec2.Vpc Staging-fleet-network us-east-2", "awsx.ec2.Vpc Canary-fleet-network us-east-2"]);
        assert.deepEqual([...new Set(createdIn("333333333333").map((r) => `${r.createdBy} ${r.region}`))], ["awsx.ec2.Vpc Production-fleet-network eu-west-1"]);
        assert.deepEqual(createdIn("111111111111"), [], "none in the pipeline account, whose provider the stack also has");
        const brief = renderBrief(allInOne, undefined, "plan/plan.txt").split("\n");
        assert.ok(brief.includes("  target Staging, target Canary: 2 new VPCs over 2 zones each: 2 NAT gateways, 2 elastic IPs (billed hourly)"), brief.join("\n"));
        assert.ok(brief.includes("  target Production: a new VPC over 2 zones: 1 NAT gateway, 1 elastic IP (billed hourly)"), brief.join("\n"));
    });

    it("shows nothing of the kind for the default VPC, which awsx only looks up", () => {
        assert.equal(defaultVpcPlan.ok, true);
        assert.ok(defaultVpcPlan.stacks[0].run!.resources.some((r) => r.type === "awsx:ec2:DefaultVpc"));
        const resources = [...accountContents(defaultVpcPlan.stacks)].filter(([file]) => file.endsWith("/resources.json")).flatMap(([, listed]) => listed as ResourceSummary[]);
        assert.ok(resources.length > 0 && resources.every((r) => !r.createdBy));
        assert.ok(!renderBrief(defaultVpcPlan, undefined, "plan/plan.txt").includes("new VPC"));
        assert.ok(!renderSummary(defaultVpcPlan, planContents(defaultVpcPlan)).includes("new VPC"));
    });
});
