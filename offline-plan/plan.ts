// The offline plan: evaluate every stack, then verify what the accounts grant each other.
import { quotas, withinQuota } from "../definition/quotas";
import { DeclaredResource } from "../evaluation/mockCloud";
import type { StackFile } from "../project/stackFiles";
import { checkRules, Enforcement, RuleResource, RuleViolation } from "../policy-pack/rules";
import { nameChecks, quotaMeasurements, ResourceMeasurement } from "../policy-pack/rules/awsQuotas";
import { verifyAccess } from "../verification/accessChain";
import { AccessFinding } from "../verification/evaluation";
import { stackCollisions, stackDisagreements } from "./consistency";
import { CreateTimeCheck, createTimeChecks } from "./createTime";
import { phaseTimer } from "./phases";
import { ruleResourcesOfDeclared } from "./ruleResources";
import { evaluateStacks, PlannedStack } from "./stacks";

export interface PlanOptions {
    stackFiles: StackFile[];
    progress?: (line: string) => void;
}

export interface PlanResult {
    /** In deployment order: target stacks first, then pipeline stacks. */
    stacks: PlannedStack[];
    /** Stack files that describe the same target differently. */
    disagreements: string[];
    /** Stacks that would declare the same resources. */
    collisions: string[];
    /** What AWS checks when each resource is created, replayed in deployment order. */
    createTime: CreateTimeCheck[];
    access: AccessFinding[];
    /** The policy pack's rules (the walkthrough's artifact rules among them), over each stack. */
    rules: PlanRuleResult[];
    /** Every policy size and pipeline count against its AWS quota, per stack: the rule aws-quotas fails those over it. */
    quotas: PlanQuota[];
    /** How many declared names were checked against their AWS naming rules (aws-quotas reports the broken ones). */
    namesChecked: number;
    ok: boolean;
}

export interface PlanQuota extends ResourceMeasurement {
    stack: string;
    limit: number;
    ok: boolean;
}

export interface PlanRuleResult {
    rule: string;
    description: string;
    enforcement: Enforcement;
    violations: (RuleViolation & { stack: string })[];
}

export async function runPlan(options: PlanOptions): Promise<PlanResult> {
    const progress = options.progress ?? (() => undefined);
    const phases = phaseTimer();
    const stacks = await evaluateStacks(options.stackFiles, progress);
    const resources = declaredResources(stacks);
    phases.end("evaluation");
    progress("checking that the stack files agree with each other");
    const disagreements = stackDisagreements(stacks);
    const collisions = stackCollisions(stacks);
    phases.end("agreement");
    progress("verifying the access chain with the IAM policy evaluator");
    // Started first: with enough checks, they run in worker threads on the other cores while this one goes on.
    const [access, { createTime, rules, quotas: measured, namesChecked }] = await Promise.all([verifyAccess(resources), (async () => {
        progress(`replaying creation in deployment order (${stacks.map((s) => s.file.stack).join(", ")}) against what AWS checks at create time`);
        const replayed = await createTimeChecks(stacks.filter((s) => s.run).map((s) => ({ stack: s.file.stack, resources: s.run!.resources })));
        phases.end("create-time checks");
        progress("checking the policy pack's rules on each stack");
        const ruleResources = stackRuleResources(stacks);
        const ruleResults = stackRuleResults(ruleResources);
        const measurements = stackQuotas(ruleResources);
        phases.end("rules");
        return { createTime: replayed, rules: ruleResults, ...measurements };
    })()]);
    phases.end("access checks");
    const ok = stacks.every((s) => !s.error) && disagreements.length === 0 && collisions.length === 0 && createTime.every((c) => c.ok)
        && access.every((f) => f.ok) && rules.every((r) => r.enforcement === "advisory" || r.violations.length === 0);
    return { stacks, disagreements, collisions, createTime, access, rules, quotas: measured, namesChecked, ok };
}

/** One evaluated stack's resources as the policy pack sees them under `pulumi preview`. */
export interface StackRuleResources {
    stack: string;
    resources: RuleResource[];
}

/** Each evaluated stack's resources as the policy pack sees them: what its rules and quotas read. */
export function stackRuleResources(stacks: PlannedStack[]): StackRuleResources[] {
    return stacks.filter((s) => s.run).map((s) => ({ stack: s.file.stack, resources: ruleResourcesOfDeclared(s.run!.resources) }));
}

/** The quota figures of each stack, as the rule aws-quotas measures them under `pulumi preview`. */
export function stackQuotas(perStack: StackRuleResources[]): { quotas: PlanQuota[]; namesChecked: number } {
    return {
        quotas: perStack.flatMap(({ stack, resources }) => quotaMeasurements(resources).map((m) => ({ stack, ...m, limit: quotas[m.quota].limit, ok: withinQuota(m) }))),
        namesChecked: perStack.reduce((checked, { resources }) => checked + nameChecks(resources).length, 0),
    };
}

/** Each rule over each stack on its own, as `pulumi preview --policy-pack` sees one stack at a time. */
export function stackRuleResults(perStack: StackRuleResources[]): PlanRuleResult[] {
    const results = perStack.map(({ stack, resources }) => ({ stack, results: checkRules(resources) }));
    const [first] = results;
    return (first?.results ?? []).map((result, index) => ({
        rule: result.rule,
        description: result.description,
        enforcement: result.enforcement,
        violations: results.flatMap(({ stack, results: found }) => found[index].violations.map((v) => ({ ...v, stack }))),
    }));
}

export function declaredResources(stacks: PlannedStack[]): DeclaredResource[] {
    return stacks.flatMap((s) => s.run?.resources ?? []);
}
