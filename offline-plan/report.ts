// The plan as a person reads it: per account what is created, who may do what, what was verified;
// in full (plan.txt, --verbose) or brief (the terminal: the counts, the quota headroom, what failed, what changed).
import { count, QuotaName, quotas, share } from "../definition/quotas";
import { targetsDeployedHere } from "../config";
import { AccessFinding } from "../verification/evaluation";
import { awsxCreatedResources, newVpcReport } from "./awsxVpc";
import { awsResources, awsResourcesByAccount, className, policyDocuments, summarize } from "./describe";
import { diffBlocks, diffHeadline, PlanDiff } from "./diff";
import { opCounts, stepLines } from "./lifecycle";
import { checkGroups, declaredResources, PlanResult } from "./plan";
import { Review, reviewLines, someOf } from "./review";

/**
 * The whole report: every resource per account, who may do what, every check and rule, and the changes against an
 * earlier plan: the review, then every change one by one.
 */
export function renderPlan(result: PlanResult, planDiff?: PlanDiff, review?: Review): string {
    const lines: string[] = [];
    const section = (title: string) => lines.push("", title, "=".repeat(title.length));

    section(deploymentOrderLine(result));
    lines.push(...warningLines(result), ...newVpcReport(result.stacks, accountTitle(result)));

    const title = accountTitle(result);
    for (const { account, resources, policies } of accountsOf(result)) {
        section(`Account ${account}: ${title(account)}, ${resourceCounts(resources)}, ${policies} policies`);
        for (const r of [...resources].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name))) {
            const properties = Object.entries(r.properties).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ");
            // "=" as `pulumi preview` marks an import.
            const [mark, adopts] = r.adopts ? ["=", `  adopts ${r.adopts}`] : ["+", ""];
            const createdBy = r.createdBy ? `  created by ${r.createdBy}` : "";
            lines.push(`  ${mark} ${className(r.type).padEnd(40)} ${r.name.padEnd(44)} ${r.region ?? ""}${adopts}${createdBy}  ${properties}`.trimEnd());
        }
    }

    section("Who may do what, in and across the accounts (verified with the IAM policy evaluator)");
    lines.push(...renderGrants(result.access));

    section("What no target account can do to another (verified with the IAM policy evaluator)");
    lines.push(...renderIsolation(result.isolation));

    section("AWS quotas: the largest figure of each, as a share of its limit (every figure in plan/checks.json)");
    lines.push(...renderQuotas(result));

    section("Checks");
    lines.push(...checkLines(result));

    section("Policy rules (the policy pack's, on each stack)");
    for (const rule of result.rules) {
        const verdict = rule.violations.length === 0 ? "pass" : rule.enforcement === "mandatory" ? "FAIL" : "warn";
        lines.push(`  ${verdict.padEnd(4)} ${rule.rule} (${rule.enforcement}): ${rule.description}`);
        lines.push(...rule.violations.map((v) => `         stack ${v.stack}, ${v.resource.type} ${v.resource.name}: ${v.message}`));
    }
    if (planDiff) {
        section(`Changes: ${diffHeadline(planDiff)}`);
        lines.push(...(review ? reviewLines(review) : []), "", "Every change, one by one:", ...nextUpLines(result), ...diffLines(planDiff, title));
    }
    return lines.join("\n");
}

/**
 * What the terminal shows by default, short whatever the number of accounts or the size of the change: the
 * order, the accounts (those alike in one line), the quota headroom, every check group with what failed (the
 * first few failures with their messages), and the review of the changes against an earlier plan.
 */
export function renderBrief(result: PlanResult, review: Review | undefined, listing: string): string {
    const lines = [
        deploymentOrderLine(result),
        ...warningLines(result),
        ...accountGroups(result).map((group) => `${group.text}: ${group.resources} resources, ${group.policies} policies${group.accounts.length > 1 ? " each" : ""}`),
        ...newVpcReport(result.stacks, accountTitle(result)),
        "AWS quotas, the largest figure of each as a share of its limit:",
        ...renderQuotas(result),
        "Checks:",
        ...checkLines(result, briefFailures),
        ...(review ? ["", ...reviewLines(review)] : []),
        "",
        `The whole listing (each resource, who may do what, each rule): ${listing}`,
    ];
    return lines.join("\n");
}

/** Failures the terminal and summary.md show per check group, each with its message; plan.txt has them all. */
export const briefFailures = 5;

/** Accounts alike (the same kind of account, with as many resources and policies) as one entry: `25 target accounts (Target01, ...)`. */
export function accountGroups(result: PlanResult): { text: string; accounts: string[]; resources: number; policies: number }[] {
    const title = accountTitle(result);
    const groups = new Map<string, { kind: string; titles: string[]; accounts: string[]; resources: number; policies: number }>();
    for (const { account, resources, policies } of accountsOf(result)) {
        const accountTitleText = title(account);
        const kind = /^target [^,]+$/.test(accountTitleText) ? "target" : accountTitleText;
        const key = JSON.stringify([kind, resources.length, policies]);
        const group = groups.get(key) ?? { kind, titles: [], accounts: [], resources: resources.length, policies };
        group.titles.push(accountTitleText.replace(/^target /, ""));
        group.accounts.push(account);
        groups.set(key, group);
    }
    return [...groups.values()].map((group) => ({
        ...group,
        text: group.accounts.length === 1
            ? `Account ${group.accounts[0]} (${title(group.accounts[0])})`
            : `${group.accounts.length} ${group.kind} accounts (${someOf(group.titles.map((t, i) => `${t} ${group.accounts[i]}`))})`,
    }));
}

/** Per quota, the largest figure the stacks declare, its share of the limit and what it is: the headroom a user has left. */
export function renderQuotas(result: PlanResult): string[] {
    const lines = (Object.keys(quotas) as QuotaName[]).map((quota) => {
        const { what, limit, unit } = quotas[quota];
        const largest = result.quotas.filter((q) => q.quota === quota).reduce<PlanResult["quotas"][number] | undefined>((a, b) => (a && a.figure >= b.figure ? a : b), undefined);
        if (!largest) {
            return `  ${"".padEnd(4)} ${what.padEnd(36)}      -  none declared`;
        }
        return `  ${(largest.ok ? "ok" : "OVER").padEnd(4)} ${what.padEnd(36)} ${share(largest).padStart(6)}  ${count(largest.figure)} of ${count(limit)} ${unit}: ${largest.subject}, stack ${largest.stack}`;
    });
    const over = result.quotas.filter((q) => !q.ok).length;
    return [...lines, `  ${result.quotas.length} figures measured${over > 0 ? `, ${over} over their limit` : ", all within their limits"}; ${result.namesChecked} names checked against their AWS naming rules (rule aws-quotas)`];
}

function deploymentOrderLine(result: PlanResult): string {
    return `Deployment order: ${result.stacks.map((s) => s.file.stack).join(", ")} (target stacks first: the pipeline assumes their roles)`;
}

function warningLines(result: PlanResult): string[] {
    return result.stacks.flatMap((stack) => (stack.run?.warnings ?? []).map((warning) => `  warning, stack ${stack.file.stack}: ${warning}`));
}

/** What the next `pulumi up` does, replacements first, ahead of the rest of the changes. */
function nextUpLines(result: PlanResult): string[] {
    const nextUp = result.lifecycle.nextUp;
    return nextUp && nextUp.steps.length > 0 ? [`  Next \`pulumi up\`: ${opCounts(nextUp.steps)}`, ...stepLines(nextUp.steps).map((line) => `    ${line}`)] : [];
}

function diffLines(planDiff: PlanDiff, title: (account: string) => string): string[] {
    return diffBlocks(planDiff, title).flatMap((block) => [`  ${block.heading}`, ...block.lines.map((line) => `    ${line}`)]);
}

/** Per account, in deployment order: the resources it would create (with what awsx's components create), and how many policy documents they carry. */
export function accountsOf(result: PlanResult): { account: string; resources: ReturnType<typeof summarize>[]; policies: number }[] {
    const created = awsxCreatedResources(result.stacks);
    return [...awsResourcesByAccount(declaredResources(result.stacks))].map(([account, resources]) => ({
        account,
        resources: [...resources.map(summarize), ...(created.get(account) ?? [])],
        policies: resources.reduce((count, resource) => count + policyDocuments(resource).length, 0),
    }));
}

/** `N resources to create` (and how many of them awsx's components create), and how many retained ones it adopts (imports) instead, if any. */
function resourceCounts(resources: ReturnType<typeof summarize>[]): string {
    const adopted = resources.filter((r) => r.adopts).length;
    const created = resources.filter((r) => r.createdBy).length;
    return `${resources.length - adopted} resources to create${created ? ` (${created} of them by awsx)` : ""}${adopted ? `, ${adopted} retained ones to adopt` : ""}`;
}

/** What an account is in this plan: `pipeline account`, `target Staging`...; an account only an earlier plan had is `not in this plan`. */
export function accountTitle(result: PlanResult): (account: string) => string {
    const planned = new Set(awsResourcesByAccount(declaredResources(result.stacks)).keys());
    return (account) => {
        const roles = result.stacks.flatMap(({ config }) => !config ? [] : [
            ...(config.deploy !== "target" && config.pipelineAccountId === account ? ["pipeline account"] : []),
            ...targetsDeployedHere(config).filter((t) => t.accountId === account).map((t) => `target ${t.name}`),
        ]);
        return [...new Set(roles)].join(", ") || (planned.has(account) ? "unknown" : "not in this plan");
    };
}

/** The check groups as lines: each group's count, then its failures (at most `shown` of a group) and notes, each with its message. */
function checkLines(result: PlanResult, shown = Infinity): string[] {
    const message = (text?: string) => (text ? text.split("\n").map((line) => `         ${line}`) : []);
    return checkGroups(result).flatMap((group) => [
        `  ${group.name}: ${group.status}`,
        ...group.failures.slice(0, shown).flatMap((f) => [`    FAIL ${f.what}`, ...message(f.message)]),
        ...(group.failures.length > shown ? [`    ... and ${group.failures.length - shown} more failures of ${group.name} (plan.txt)`] : []),
        ...group.notes.flatMap((n) => [`    ${n.label} ${n.what}`, ...message(n.message)]),
    ]);
}

/** Allowed hops grouped by principal, then the refusals that were proven. */
function renderGrants(findings: AccessFinding[]): string[] {
    const lines: string[] = [];
    const allowed = findings.filter((f) => f.ok && f.check.expect === "allowed");
    const byPrincipal = new Map<string, AccessFinding[]>();
    for (const f of allowed) {
        byPrincipal.set(f.check.principal, [...(byPrincipal.get(f.check.principal) ?? []), f]);
    }
    for (const [principal, grants] of byPrincipal) {
        lines.push(`  ${principal.replace(/^arn:[\w-]+:iam::(\d{12}):/, "$1 ")}`);
        const byResource = new Map<string, Set<string>>();
        for (const g of grants) {
            byResource.set(g.check.resource, (byResource.get(g.check.resource) ?? new Set()).add(g.check.action));
        }
        for (const [resource, actions] of byResource) {
            lines.push(`    -> ${[...actions].join(", ")} on ${resource}`);
        }
    }
    const refused = findings.filter((f) => f.ok && f.check.expect === "denied");
    if (refused.length > 0) {
        lines.push("  Refused, as they must be:");
        lines.push(...[...new Set(refused.map((f) => f.check.hop.replace(/^[^:]+: /, "")))].map((hop) => `    x ${hop}`));
    }
    return lines;
}

/** The shapes of target account and the account that stood for each, what was refused them, and the exceptions. */
function renderIsolation(isolation: PlanResult["isolation"]): string[] {
    const listed = (accounts: string[]) => (accounts.length <= 8 ? accounts.join(", ") : `${accounts.slice(0, 8).join(", ")} and ${accounts.length - 8} more`);
    const refused = [...new Set(isolation.findings.filter((f) => f.ok && f.check.expect === "denied").map((f) => f.check.hop.replace(/^account \d{12} \([^)]*\): /, "")))];
    const exceptions = isolation.findings.filter((f) => f.check.exception);
    return [
        ...isolation.shapes.map((shape) => `  checked through account ${shape.representative}, for ${shape.accounts.length} account${shape.accounts.length === 1 ? "" : "s"} ` +
            `of its shape (pipeline ${shape.pipeline}): ${listed(shape.accounts)}`),
        ...(refused.length > 0 ? ["  Refused, as they must be:", ...refused.map((hop) => `    x ${hop}`)] : []),
        ...(exceptions.length > 0 ? ["  Exceptions, by configuration:", ...exceptions.map((f) => `    ! ${f.check.exception}`)] : []),
    ];
}

/** The verdict line; a failed plan's refers to where its problems are listed (`where`). */
export function verdict(result: PlanResult, where = "see above"): string {
    const failures = checkGroups(result).reduce((count, group) => count + group.failures.length, 0);
    const resources = awsResources(declaredResources(result.stacks)).length;
    return result.ok
        ? `PLAN OK: ${result.stacks.length} stacks, ${resources} resources, ${result.createTime.length} create-time checks, ${result.access.length} access checks ` +
            `and ${result.isolation.findings.length} isolation checks passed`
        : `PLAN FAILED: ${failures} problem${failures === 1 ? "" : "s"} (${where})`;
}
