// Stack files that disagree with each other: a target stack must describe its target exactly as the
// pipeline stack does, or the pipeline will assume a role or deploy to a group that does not exist.
import type { TargetConfig } from "../config";
import { referencedStackName } from "../project/stackFiles";
import type { PlannedStack } from "./stacks";

const comparedFields: (keyof TargetConfig)[] = [
    "accountId", "region", "applicationName", "deploymentGroupName", "deploymentConfigName",
    "crossAccountRoleName", "instanceRoleName",
];

export function stackDisagreements(stacks: PlannedStack[]): string[] {
    const problems: string[] = [];
    for (const targetStack of stacks) {
        const config = targetStack.config;
        if (config?.deploy !== "target" || !config.target || !config.pipelineStack) {
            continue;
        }
        const pipelineStack = stacks.find((s) => s.file.stack === referencedStackName(config.pipelineStack!) && s.config);
        if (!pipelineStack?.config) {
            continue;
        }
        const where = `${targetStack.file.file} and ${pipelineStack.file.file}`;
        for (const key of ["pipelineAccountId", "region", "pipelineName"] as const) {
            if (config[key] !== pipelineStack.config[key]) {
                problems.push(`${where} disagree on ${key}: "${config[key]}" in stack ${targetStack.file.stack}, "${pipelineStack.config[key]}" in stack ${pipelineStack.file.stack}`);
            }
        }
        const theirs = pipelineStack.config.targets.find((t) => t.name === config.target!.name);
        if (!theirs) {
            problems.push(`${where} disagree on targets: stack ${targetStack.file.stack} deploys target "${config.target.name}", which stack ${pipelineStack.file.stack} has no stage for; add it to that stack's targets`);
            continue;
        }
        for (const field of comparedFields) {
            if (config.target[field] !== theirs[field]) {
                problems.push(`${where} disagree on targets "${theirs.name}".${field}: "${String(config.target[field])}" in stack ${targetStack.file.stack}, "${String(theirs[field])}" in stack ${pipelineStack.file.stack}`);
            }
        }
    }
    return problems;
}
