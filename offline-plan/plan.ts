// The offline plan: evaluate every stack, then verify what the accounts grant each other.
import { DeclaredResource } from "../evaluation/mockCloud";
import type { StackFile } from "../evaluation/stackFiles";
import { accountOfArn } from "../naming";
import { artifactRuleViolations } from "../pipelineDefinition";
import { AccessFinding, verifyAccess } from "../verification/accessChain";
import { stackDisagreements } from "./consistency";
import { evaluateStacks, PlannedStack } from "./stacks";

export interface PlanOptions {
    stackFiles: StackFile[];
    progress?: (line: string) => void;
}

export interface PlanResult {
    stacks: PlannedStack[];
    /** Stack files that describe the same target differently. */
    disagreements: string[];
    access: AccessFinding[];
    /** The walkthrough's artifact rules, per pipeline. */
    artifactRuleViolations: string[];
    ok: boolean;
}

export async function runPlan(options: PlanOptions): Promise<PlanResult> {
    const progress = options.progress ?? (() => undefined);
    const stacks = await evaluateStacks(options.stackFiles, progress);
    const resources = declaredResources(stacks);
    progress("checking that the stack files agree with each other");
    const disagreements = stackDisagreements(stacks);
    progress("verifying the access chain with the IAM policy evaluator");
    const access = await verifyAccess(resources);
    progress("checking the walkthrough's artifact rules");
    const artifactRules = pipelineArtifactRuleViolations(resources);
    const ok = stacks.every((s) => !s.error) && disagreements.length === 0 && access.every((f) => f.ok) && artifactRules.length === 0;
    return { stacks, disagreements, access, artifactRuleViolations: artifactRules, ok };
}

export function declaredResources(stacks: PlannedStack[]): DeclaredResource[] {
    return stacks.flatMap((s) => s.run?.resources ?? []);
}

function pipelineArtifactRuleViolations(resources: DeclaredResource[]): string[] {
    return resources.filter((r) => r.type === "aws:codepipeline/pipeline:Pipeline").flatMap((pipeline) => {
        const pipelineAccountId = pipeline.accountId ?? accountOfArn(pipeline.inputs.roleArn) ?? "";
        return artifactRuleViolations(pipeline.inputs.stages, pipelineAccountId).map((v) => `pipeline ${pipeline.inputs.name}: ${v}`);
    });
}
