// How one stack learns what another declared. Target stacks deploy first and read nothing: every
// name they need of the pipeline account follows from config. The pipeline stack reads, from each
// target's stack, the role its deploy action assumes (through a StackReference), and refuses to go
// on before that stack exists or when it disagrees. In `deploy: all` both sides are in one stack.
import * as pulumi from "@pulumi/pulumi";
import type { ActionRoles } from "../components/pipelineAccount";
import type { PipelineAccountNames, TargetAccount } from "../components/targetAccount";
import type { ProgramConfig, TargetConfig } from "../config";
import { arn, partitionOf, rolePaths } from "../definition/names";
import { deployRoleArn, PipelineIdentity, pipelineRoleArn, storeNameForTargets } from "../definition/pipeline";
import { referencedStackName } from "../project/stackFiles";

/** The pipeline account as a target's policies name it, before any of it exists. */
export function pipelineAccountNames(config: ProgramConfig, target: TargetConfig): PipelineAccountNames {
    return {
        accountRoot: arn.accountRoot(partitionOf(config.region), config.pipelineAccountId),
        pipelineRoleArn: pipelineRoleArn(config),
        store: storeNameForTargets(config, target.region),
        rolePaths: rolePaths(config.pipelineAccountId, config.pipelineName),
    };
}

/**
 * The roles declared in this stack (`deploy: all`). CreatePipeline assumes each action role with the
 * policies it has at that moment, so the pipeline waits for every role and its policy.
 */
export function actionRolesDeclaredHere(targetAccounts: TargetAccount[]): ActionRoles {
    return {
        arnByTarget: Object.fromEntries(targetAccounts.map((account) => [account.targetName, account.crossAccountRole.arn])),
        resources: targetAccounts.flatMap((account) => [account.crossAccountRole, account.crossAccountRolePolicy]),
    };
}

/** The roles each target's stack exports (`targets.<name>.crossAccountRoleArn`), one StackReference per stack. */
export function actionRolesFromTargetStacks(pipeline: PipelineIdentity, targets: TargetConfig[]): ActionRoles {
    const references = new Map<string, pulumi.StackReference>();
    const referenceTo = (stack: string) => {
        const reference = references.get(stack) ?? new pulumi.StackReference(stack);
        references.set(stack, reference);
        return reference;
    };
    return {
        arnByTarget: Object.fromEntries(targets.map((target) => {
            // Config requires `stack` on every target of a pipeline stack.
            const stack = target.stack!;
            return [target.name, referenceTo(stack).getOutput("targets").apply((exported: unknown) => {
                const roleArn = exportedRoleArn(exported, target.name);
                if (roleArn === undefined && pulumi.runtime.isDryRun()) {
                    // Before the target stack's first `up`, a preview shows the pipeline with this value unknown.
                    return pulumi.unknown as unknown as string;
                }
                return checkedRoleArn(stack, pipeline, target, roleArn);
            })];
        })),
        resources: [],
    };
}

function exportedRoleArn(exported: unknown, targetName: string): string | undefined {
    const entry = (exported as Record<string, { crossAccountRoleArn?: unknown } | undefined> | undefined)?.[targetName];
    return typeof entry?.crossAccountRoleArn === "string" ? entry.crossAccountRoleArn : undefined;
}

/** The role a target stack exports, if it is the one this stack's config says; else one line saying what to do. */
export function checkedRoleArn(stack: string, pipeline: PipelineIdentity, target: TargetConfig, exported: string | undefined): string {
    if (exported === undefined) {
        throw new pulumi.RunError(`target stack ${stack} has no output targets.${target.name}: run \`pulumi up -s ${referencedStackName(stack)}\` before the pipeline stack`);
    }
    const expected = deployRoleArn(pipeline, target);
    if (exported !== expected) {
        throw new pulumi.RunError(`target stack ${stack} exports targets.${target.name}.crossAccountRoleArn ${exported}, but this stack's config makes the deploy action assume ${expected}: ` +
            `the two stack files disagree on target ${target.name} (accountId, region or crossAccountRoleName, or the pipeline's pipelineAccountId or pipelineName, which make its path)`);
    }
    return exported;
}
