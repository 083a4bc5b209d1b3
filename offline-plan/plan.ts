// The offline plan: evaluate every stack, then verify what the accounts grant each other.
import { quotas, withinQuota } from "../definition/quotas";
import { DeclaredResource } from "../evaluation/mockCloud";
import { checkRules, Enforcement, RuleResource, RuleViolation } from "../policy-pack/rules";
import { nameChecks, quotaMeasurements, ResourceMeasurement } from "../policy-pack/rules/awsQuotas";
import { AccessFinding } from "../verification/evaluation";
import { Isolation, verifyAccounts } from "../verification/verify";
import { stackCollisions, stackDisagreements } from "./consistency";
import { accountContents } from "./accountFiles";
import { className } from "./describe";
import type { PlanContents } from "./grants";
import { comeBackProblems, LifecycleProblem, LifecycleStep, nextUp, opCounts } from "./lifecycle";
import { CreateTimeCheck, createTimeChecks } from "./createTime";
import { phaseTimer } from "./phases";
import { ruleResourcesOfDeclared } from "./ruleResources";
import type { ConfiguredStack } from "./stackConfigs";
import { evaluateStacks, PlannedStack } from "./stacks";

export interface PlanOptions {
    /** The stack files with their config, valid (stackConfigs). */
    stacks: ConfiguredStack[];
    progress?: (line: string) => void;
    /**
     * Called with the accounts' files of the plan folder (accountContents), which depend only on the evaluated stacks,
     * once the access checks have started: they can be written then, beside the checks' worker threads.
     */
    evaluated?: (accounts: PlanContents) => void;
    /** The earlier plan's folder (`--against`), as given, and its contents: what the next `pulumi up` does is replayed against it. */
    earlier?: { folder: string; contents: PlanContents };
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
    /** That no target account can change what another deploys, reach another's roles or the pipeline. */
    isolation: Isolation;
    /** The policy pack's rules (the walkthrough's artifact rules among them), over each stack. */
    rules: PlanRuleResult[];
    /** Tearing down and coming back, and, against an earlier plan, what the next `pulumi up` does to each resource. */
    lifecycle: { comeBack: LifecycleProblem[]; nextUp?: { against: string; steps: LifecycleStep[] } };
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
    const stacks = await evaluateStacks(options.stacks, progress);
    const resources = declaredResources(stacks);
    // Made once, for whoever needs them: the writer of the plan folder, and the replay of the next up.
    const accounts = options.evaluated || options.earlier ? accountContents(stacks) : undefined;
    releaseEvaluationGarbage();
    phases.end("evaluation");
    progress("checking that the stack files agree with each other");
    const disagreements = stackDisagreements(stacks);
    const collisions = stackCollisions(stacks);
    phases.end("agreement");
    progress("verifying the access chain with the IAM policy evaluator");
    // Started first: with enough checks, they run in worker threads on the other cores while this one goes on.
    const [{ access, isolation }, { createTime, rules, quotas: measured, namesChecked }] = await Promise.all([verifyAccounts(resources), (async () => {
        if (accounts) {
            options.evaluated?.(accounts);
        }
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
    const lifecycle = {
        comeBack: comeBackProblems(stacks),
        ...(options.earlier && accounts ? { nextUp: { against: options.earlier.folder, steps: nextUp(options.earlier.contents, accounts) } } : {}),
    };
    const checked = { stacks, disagreements, collisions, createTime, access, isolation, lifecycle, rules, quotas: measured, namesChecked };
    return { ...checked, ok: checkGroups(checked).every((group) => group.failures.length === 0) };
}

/**
 * Once the program has run for every stack, its garbage is collected with one full collection, so that the checks
 * and their worker thread start beside the heap that is still live (at 497 targets over 3 regions some 100 MB), not
 * beside what the evaluation left: the plan's peak memory 355 to 375 MB, instead of 380 to 430 MB without it (with
 * the heap growing by a quarter; 390 to 405 MB with three fifths, package.json). A
 * regular collection, not the last-resort one (V8's `CollectAllAvailableGarbage`: two to seven collections, and it
 * clears the compilation cache, compiled regular expressions among it, and drops the optimizing compiler's work in
 * progress): after that the checks ran 300 to 400 ms slower, for 10 to 20 MB less. Only where `gc` is exposed:
 * `npm run plan` runs Node with `--expose-gc` (package.json); elsewhere (tests, a program importing the plan)
 * nothing happens.
 */
function releaseEvaluationGarbage(): void {
    const { gc } = globalThis as { gc?: (options: { type: string; execution: string }) => void };
    gc?.({ type: "major", execution: "sync" });
}

/** A group of checks: how many passed, and each failure (and note) with its message. */
export interface CheckGroup {
    name: string;
    /** `14/14 checks as AWS makes them`, `yes`... */
    status: string;
    failures: { what: string; message?: string }[];
    /** Not failures: what could not be verified, advisory rules' warnings. */
    notes: { label: string; what: string; message?: string }[];
}

/** Every check of the plan, by group, in the order they run: the plan holds when none of them has a failure. */
export function checkGroups(result: Omit<PlanResult, "ok">): CheckGroup[] {
    const counted = (passed: number, total: number, unit: string) => `${passed}/${total} ${unit}`;
    const failedCreateTime = result.createTime.filter((c) => !c.ok);
    const failedAccess = result.access.filter((f) => !f.ok);
    const failedIsolation = result.isolation.findings.filter((f) => !f.ok);
    const mandatory = result.rules.filter((r) => r.enforcement === "mandatory");
    return [
        {
            name: "stacks evaluated", status: counted(result.stacks.filter((s) => !s.error).length, result.stacks.length, "stacks"),
            failures: result.stacks.filter((s) => s.error).map((s) => ({ what: `stack ${s.file.stack}: NOT EVALUATED`, message: s.error })), notes: [],
        },
        {
            name: "create time, in deployment order", status: counted(result.createTime.length - failedCreateTime.length, result.createTime.length, "checks as AWS makes them"),
            failures: failedCreateTime.map((c) => ({ what: `stack ${c.stack}, ${c.resource}: ${c.check}`, message: c.message })), notes: [],
        },
        {
            name: "access chain", status: counted(result.access.length - failedAccess.length, result.access.length, "checks as expected"),
            failures: failedAccess.map((f) => ({ what: f.check.hop, message: f.message })),
            notes: result.access.filter((f) => f.result === "NotVerified").map((f) => ({ label: "NOT VERIFIED", what: f.check.hop, message: f.message })),
        },
        {
            name: "isolation between accounts",
            status: `${counted(result.isolation.findings.length - failedIsolation.length, result.isolation.findings.length, "checks as expected")}, ` +
                `${shapeCount(result.isolation.shapes)}`,
            failures: failedIsolation.map((f) => ({ what: f.check.hop, message: f.message })),
            notes: result.isolation.findings.filter((f) => f.ok && f.check.exception).map((f) => ({ label: "EXCEPTION", what: f.check.hop, message: f.check.exception })),
        },
        {
            name: "policy rules", status: counted(result.rules.filter((r) => r.enforcement !== "mandatory" || r.violations.length === 0).length, result.rules.length, "rules pass"),
            failures: mandatory.flatMap((r) => r.violations.map((v) => ({ what: `${r.rule} (mandatory): stack ${v.stack}, ${v.resource.type} ${v.resource.name}`, message: v.message }))),
            notes: result.rules.filter((r) => r.enforcement !== "mandatory").flatMap((r) => r.violations.map((v) => ({ label: "warn", what: `${r.rule} (${r.enforcement}): stack ${v.stack}, ${v.resource.type} ${v.resource.name}`, message: v.message }))),
        },
        lifecycleGroup(result.lifecycle),
        { name: "stack files agree", status: result.disagreements.length === 0 ? "yes" : "NO", failures: result.disagreements.map((what) => ({ what })), notes: [] },
        { name: "no two stacks declare the same resources", status: result.collisions.length === 0 ? "yes" : "NO", failures: result.collisions.map((what) => ({ what })), notes: [] },
    ];
}

/** Tearing down and coming back, and what the next `pulumi up` would refuse: each a failure with its way out. */
function lifecycleGroup(lifecycle: PlanResult["lifecycle"]): CheckGroup {
    const refused = lifecycle.nextUp?.steps.filter((step) => step.problem) ?? [];
    const counts = lifecycle.nextUp && opCounts(lifecycle.nextUp.steps);
    return {
        name: "lifecycle",
        status: `destroy and come back: ${lifecycle.comeBack.length === 0 ? "yes" : "NO"}` +
            (lifecycle.nextUp ? `; the next up against ${lifecycle.nextUp.against}: ${counts || "no change"}${refused.length > 0 ? `, ${refused.length} refused` : ""}` : ""),
        failures: [
            ...lifecycle.comeBack.map((p) => ({ what: `stack ${p.stack}, ${p.what}: destroy and come back`, message: p.message })),
            ...refused.map((step) => ({ what: `the next up ${step.op === "import" ? "imports" : `${step.op}s`} ${className(step.type)} ${step.name} (account ${step.account})`, message: step.problem })),
        ],
        notes: [],
    };
}

/** `1 shape of target account (25 accounts)`: how many accounts the isolation checks cover, through how many. */
function shapeCount(shapes: Isolation["shapes"]): string {
    const accounts = shapes.reduce((count, shape) => count + shape.accounts.length, 0);
    return `${shapes.length} shape${shapes.length === 1 ? "" : "s"} of target account (${accounts} account${accounts === 1 ? "" : "s"})`;
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
