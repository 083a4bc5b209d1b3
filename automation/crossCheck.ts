import { StackOutputs } from "./stackWorkspace";
import { isRecord } from "../config/values";

/**
 * One target's role ARN compared across stacks: what the target stack exported as
 * `targets[target].crossAccountRoleArn` against what the pipeline stack assumes,
 * `deployRoleArns[target]`. `problem` is set when they do not agree.
 */
export interface RoleArnCheck {
    targetStack: string;
    pipelineStack: string;
    /** The target's name (the pipeline stage); absent when the stack exports no usable `targets`. */
    target?: string;
    roleArn?: string;
    /** The ARNs disagree, or one is missing: the run fails. */
    problem?: string;
    /** Not a failure: a pipeline stack outside the run has yet to read what this run changed; says what to run next. */
    pending?: string;
}

/** Compares a target (or `all`) stack's outputs with its pipeline stack's outputs. */
export function crossCheckRoleArns(
    targetStack: string,
    targetOutputs: StackOutputs,
    pipelineStack: string,
    pipelineOutputs: StackOutputs,
): RoleArnCheck[] {
    const base = { targetStack, pipelineStack };
    const targets = targetOutputs.targets;
    if (!isRecord(targets) || Object.keys(targets).length === 0) {
        return [{ ...base, problem: `${targetStack} exports no \`targets\` output` }];
    }
    const deployRoleArns = isRecord(pipelineOutputs.deployRoleArns) ? pipelineOutputs.deployRoleArns : {};
    return Object.entries(targets).map(([target, exported]) => {
        const exportedArn = isRecord(exported) ? exported.crossAccountRoleArn : undefined;
        const assumedArn = deployRoleArns[target];
        const check = { ...base, target };
        if (typeof exportedArn !== "string") {
            return { ...check, problem: `${targetStack} exports no targets.${target}.crossAccountRoleArn` };
        }
        if (typeof assumedArn !== "string") {
            return {
                ...check,
                problem: `pipeline stack ${pipelineStack} assumes no role for target ${target} (deployRoleArns.${target} is missing)`,
            };
        }
        if (exportedArn !== assumedArn) {
            return {
                ...check,
                problem:
                    `${targetStack} exports targets.${target}.crossAccountRoleArn = ${exportedArn}, ` +
                    `but pipeline stack ${pipelineStack} assumes deployRoleArns.${target} = ${assumedArn}`,
            };
        }
        return { ...check, roleArn: exportedArn };
    });
}
