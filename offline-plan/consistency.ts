// Stack files that disagree with each other or collide: a target stack must describe its target
// exactly as the pipeline stack does, or the pipeline will assume a role or deploy to a group that
// does not exist; and no two stacks may declare the same resources.
import type { ProgramConfig, TargetConfig } from "../config";
import { codeDeployApplications } from "../program/applications";
import { targetsDeployedHere } from "../config";
import { qualifiedStackName } from "../project/stackFiles";
import type { PlannedStack } from "./stacks";

const comparedFields: (keyof TargetConfig)[] = [
    "accountId", "region", "applicationName", "deploymentGroupName", "deploymentConfigName",
    "crossAccountRoleName", "instanceRoleName", "producerRoleName",
];

type Evaluated = PlannedStack & { config: ProgramConfig };

export function stackDisagreements(stacks: PlannedStack[]): string[] {
    const evaluated = stacks.filter((s): s is Evaluated => s.config !== undefined);
    const problems: string[] = [];
    const referenced = new Set<PlannedStack>();
    for (const pipelineStack of evaluated.filter((s) => s.config.deploy === "pipeline")) {
        for (const target of pipelineStack.config.targets) {
            const name = target.stack && qualifiedStackName(target.stack);
            const targetStack = name && evaluated.find((s) => s.file.stack === name.stack);
            // A stack that is not planned, or of another project, is the pipeline stack's own error.
            if (!targetStack) {
                continue;
            }
            referenced.add(targetStack);
            problems.push(...targetDisagreements(pipelineStack, target, targetStack));
        }
    }
    for (const targetStack of evaluated.filter((s) => s.config.deploy === "target" && !referenced.has(s))) {
        const { config } = targetStack;
        const names = targetsDeployedHere(config).map((t) => `"${t.name}"`).join(", ");
        problems.push(`stack ${targetStack.file.stack} deploys target ${names} of pipeline ${config.pipelineName} (account ${config.pipelineAccountId}), ` +
            `but no planned pipeline stack names it in targets[].stack; plan it together with its pipeline stack`);
    }
    return problems;
}

/**
 * CodePipeline names a pipeline uniquely per account and region, but IAM names are account-wide: the pipeline's
 * roles (`<pipelineName>-CodePipelineService` and the others) and its target roles' paths
 * (`/cross-account-pipeline/<account>/<pipelineName>/...`) name no region, so pipelines of one name in two
 * regions of one account would declare the same roles, and assume each other's target roles.
 */
function oneNameInTwoRegions(pipeline: string, declaring: { stack: string; region: string }[]): string[] {
    const regions = [...new Set(declaring.map((d) => d.region))];
    return regions.length < 2 ? [] : [
        `stacks ${declaring.map((d) => `${d.stack} (${d.region})`).join(" and ")} both deploy ${pipeline}: its IAM roles and its target roles' paths are ` +
        `named by account and pipelineName, not region, so they would be the same roles; give each region's pipeline its own pipelineName`,
    ];
}

/** How a target stack differs from the pipeline stack's entry for the target it is named for. */
function targetDisagreements(pipelineStack: Evaluated, target: TargetConfig, targetStack: Evaluated): string[] {
    const where = `${targetStack.file.file} and ${pipelineStack.file.file}`;
    const config = targetStack.config;
    if (config.deploy !== "target") {
        return [`stack ${pipelineStack.file.stack} names stack ${targetStack.file.stack} as the stack of target "${target.name}" (targets[].stack), but that stack is deploy: ${config.deploy}, not deploy: target`];
    }
    const deployed = targetsDeployedHere(config);
    const entry = deployed.find((t) => t.name === target.name);
    if (!entry) {
        return [`stack ${pipelineStack.file.stack} names stack ${targetStack.file.stack} as the stack of target "${target.name}" (targets[].stack), ` +
            `but that stack deploys target ${deployed.map((t) => `"${t.name}"`).join(", ")}`];
    }
    const problems: string[] = [];
    for (const key of ["pipelineAccountId", "region", "pipelineName"] as const) {
        if (config[key] !== pipelineStack.config[key]) {
            problems.push(`${where} disagree on ${key}: "${config[key]}" in stack ${targetStack.file.stack}, "${pipelineStack.config[key]}" in stack ${pipelineStack.file.stack}`);
        }
    }
    for (const field of comparedFields) {
        if (entry[field] !== target[field]) {
            problems.push(`${where} disagree on targets "${target.name}".${field}: "${String(entry[field])}" in stack ${targetStack.file.stack}, "${String(target[field])}" in stack ${pipelineStack.file.stack}`);
        }
    }
    return problems;
}

/**
 * Stacks that would declare the same resources in one account: two stacks deploying one target (the
 * same cross-account role), two stacks deploying one pipeline, two stacks declaring one CodeDeploy
 * application for different targets of it (the second CreateApplication fails with ApplicationAlreadyExistsException,
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateApplication.html), or pipelines of one
 * name in two regions of one account (below). Each is named with what they share and how to part them.
 */
export function stackCollisions(stacks: PlannedStack[]): string[] {
    const declaredBy = new Map<string, string[]>();
    const declare = (what: string, stack: string) => declaredBy.set(what, [...(declaredBy.get(what) ?? []), stack]);
    const applications = new Map<string, { stack: string; targets: string[] }[]>();
    const stacksOfTarget = new Map<string, number>();
    const pipelineRegions = new Map<string, { stack: string; region: string }[]>();
    for (const { file, config } of stacks) {
        if (!config) {
            continue;
        }
        if (config.deploy !== "target") {
            declare(`pipeline ${config.pipelineName} in account ${config.pipelineAccountId} (${config.region})`, file.stack);
            const named = `pipeline ${config.pipelineName} in account ${config.pipelineAccountId}`;
            pipelineRegions.set(named, [...(pipelineRegions.get(named) ?? []), { stack: file.stack, region: config.region }]);
        }
        for (const target of targetsDeployedHere(config)) {
            declare(`target ${target.name}'s roles in account ${target.accountId} (role ${target.crossAccountRoleName})`, file.stack);
            stacksOfTarget.set(target.name, (stacksOfTarget.get(target.name) ?? 0) + 1);
        }
        for (const application of codeDeployApplications(targetsDeployedHere(config))) {
            const what = `CodeDeploy application ${application.applicationName} in account ${application.accountId} (${application.region})`;
            applications.set(what, [...(applications.get(what) ?? []), { stack: file.stack, targets: application.targets.map((t) => t.name) }]);
        }
    }
    const collision = (what: string, declaring: string[], fix: string) =>
        `stacks ${declaring.join(" and ")} both deploy ${what}: the same resources would be declared twice in one account; ${fix}`;
    return [
        ...[...declaredBy].filter(([, declaring]) => declaring.length > 1).map(([what, declaring]) => collision(what, declaring, "deploy it from one stack only")),
        ...[...pipelineRegions].flatMap(([what, declaring]) => oneNameInTwoRegions(what, declaring)),
        // One target deployed twice is named above; an application collides on its own when stacks declare it for different targets.
        ...[...applications].filter(([, declaring]) => declaring.length > 1).flatMap(([what, declaring]) => {
            const targets = [...new Set(declaring.flatMap((d) => d.targets))];
            return targets.every((name) => (stacksOfTarget.get(name) ?? 0) > 1) ? [] : [collision(what, declaring.map((d) => d.stack),
                `deploy targets ${targets.join(", ")} from one stack (target: [${targets.join(", ")}])`)];
        }),
    ];
}
