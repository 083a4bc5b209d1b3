// How one stack learns what another declared. Target stacks deploy first and read nothing: every
// name they need of the pipeline account follows from config. The pipeline stack reads, from each
// target's stack, the roles its actions assume (through a StackReference), and refuses to go
// on before that stack exists or when it disagrees. In `deploy: all` both sides are in one stack.
import * as pulumi from "@pulumi/pulumi";
import type { ActionRoles } from "../components/pipelineAccount";
import type { PipelineAccountNames, TargetAccount, TargetOutputs } from "../components/targetAccount";
import type { ProgramConfig, TargetConfig } from "../config";
import { arn, partitionOf, rolePaths, TargetRoleKind } from "../definition/names";
import {
    deployRoleArn, PipelineIdentity, pipelineRoleArn, producerRoleArn, producingTargetNames, storeNameForTargets, targetRoleArn,
} from "../definition/pipeline";
import { referencedStackName } from "../project/stackFiles";

/** The pipeline account as a target's policies name it, before any of it exists. */
export function pipelineAccountNames(config: ProgramConfig, target: TargetConfig): PipelineAccountNames {
    return {
        accountId: config.pipelineAccountId,
        accountRoot: arn.accountRoot(partitionOf(config.region), config.pipelineAccountId),
        pipelineRoleArn: pipelineRoleArn(config),
        store: storeNameForTargets(config, target.region),
        rolePaths: rolePaths(config.pipelineAccountId, config.pipelineName),
    };
}

/** The action roles a target's account has: its deploy role, and its producer role when its extra actions produce artifacts. */
type ActionRoleKind = Extract<TargetRoleKind, "deploy" | "producer">;
const exportedAs = { deploy: "crossAccountRoleArn", producer: "producerRoleArn" } as const satisfies Record<ActionRoleKind, keyof TargetOutputs>;

/** The kinds of action role a target has. */
function actionRoleKinds(producers: Set<string>, target: TargetConfig): ActionRoleKind[] {
    return producers.has(target.name) ? ["deploy", "producer"] : ["deploy"];
}

/**
 * The roles declared in this stack (`deploy: all`). CreatePipeline assumes each action role with the
 * policies it has at that moment, so the pipeline waits for every role and its policy.
 */
export function actionRolesDeclaredHere(pipeline: PipelineIdentity, targetAccounts: TargetAccount[]): ActionRoles {
    return {
        arnFor: Object.fromEntries(targetAccounts.flatMap((account) => [
            [deployRoleArn(pipeline, account.target), account.crossAccountRole.arn],
            ...(account.producerRole ? [[producerRoleArn(pipeline, account.target), account.producerRole.role.arn]] : []),
        ])),
        resources: targetAccounts.flatMap((account) => [
            account.crossAccountRole, account.crossAccountRolePolicy, ...(account.producerRole ? [account.producerRole.role, account.producerRole.policy] : []),
        ]),
    };
}

/**
 * The roles each target's stack exports (`targets.<name>.crossAccountRoleArn`, and `producerRoleArn` for a target
 * whose extra actions produce artifacts), one StackReference per stack.
 */
export function actionRolesFromTargetStacks(pipeline: PipelineIdentity & Pick<ProgramConfig, "extraActions">, targets: TargetConfig[]): ActionRoles {
    const references = new Map<string, pulumi.StackReference>();
    const referenceTo = (stack: string) => {
        const reference = references.get(stack) ?? new pulumi.StackReference(stack);
        references.set(stack, reference);
        return reference;
    };
    const producers = producingTargetNames(pipeline.extraActions);
    return {
        arnFor: Object.fromEntries(targets.flatMap((target) => actionRoleKinds(producers, target).map((kind) => {
            // Config requires `stack` on every target of a pipeline stack.
            const stack = target.stack!;
            return [targetRoleArn(pipeline, target, kind), referenceTo(stack).getOutput("targets").apply((exported: unknown) => {
                const roleArn = exportedRoleArn(exported, target.name, kind);
                if (roleArn === undefined && pulumi.runtime.isDryRun()) {
                    // Before the target stack's first `up`, a preview shows the pipeline with this value unknown.
                    return pulumi.unknown as unknown as string;
                }
                return checkedRoleArn(stack, pipeline, target, kind, roleArn);
            })];
        }))),
        resources: [],
    };
}

function exportedRoleArn(exported: unknown, targetName: string, kind: ActionRoleKind): string | undefined {
    const entry = (exported as Record<string, Partial<Record<string, unknown>> | undefined> | undefined)?.[targetName];
    const value = entry?.[exportedAs[kind]];
    return typeof value === "string" ? value : undefined;
}

/** The role a target stack exports, if it is the one this stack's config says; else one line saying what to do. */
export function checkedRoleArn(stack: string, pipeline: PipelineIdentity, target: TargetConfig, kind: ActionRoleKind, exported: string | undefined): string {
    const output = `targets.${target.name}.${exportedAs[kind]}`;
    if (exported === undefined) {
        const why = kind === "producer" ? ` (an extra action of target ${target.name} produces artifacts: the target stack declares its producer role once its config lists that action)` : "";
        throw new pulumi.RunError(`target stack ${stack} has no output ${output}${why}: run \`pulumi up -s ${referencedStackName(stack)}\` before the pipeline stack`);
    }
    const expected = targetRoleArn(pipeline, target, kind);
    if (exported !== expected) {
        const roleName = kind === "producer" ? "producerRoleName" : "crossAccountRoleName";
        const assuming = kind === "producer" ? `the extra actions of target ${target.name} that produce artifacts` : "the deploy action";
        throw new pulumi.RunError(`target stack ${stack} exports ${output} ${exported}, but this stack's config makes ${assuming} assume ${expected}: ` +
            `the two stack files disagree on target ${target.name} (accountId, region or ${roleName}, or the pipeline's pipelineAccountId or pipelineName, which make its path)`);
    }
    return exported;
}
