// The plan as a person reads it: per account what is created, who may do what, what was verified.
import { count, QuotaName, quotas, share } from "../definition/quotas";
import { targetsDeployedHere } from "../program/providers";
import { AccessFinding } from "../verification/accessChain";
import { awsResources, summarize } from "./describe";
import { declaredResources, PlanResult } from "./plan";

export function renderPlan(result: PlanResult): string {
    const lines: string[] = [];
    const section = (title: string) => lines.push("", title, "=".repeat(title.length));

    section(`Deployment order: ${result.stacks.map((s) => s.file.stack).join(", ")} (target stacks first: the pipeline assumes their roles)`);
    for (const stack of result.stacks) {
        if (stack.error) {
            section(`Stack ${stack.file.stack}: NOT EVALUATED`);
            lines.push(...stack.error.split("\n"));
        }
        lines.push(...(stack.run?.warnings ?? []).map((warning) => `  warning, stack ${stack.file.stack}: ${warning}`));
    }

    const byAccount = new Map<string, ReturnType<typeof summarize>[]>();
    for (const resource of awsResources(declaredResources(result.stacks)).map(summarize)) {
        const account = resource.accountId ?? "unknown";
        byAccount.set(account, [...(byAccount.get(account) ?? []), resource]);
    }
    for (const [account, resources] of byAccount) {
        section(`Account ${account}: ${accountRole(result, account)}, ${resources.length} resources to create`);
        for (const r of [...resources].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name))) {
            const properties = Object.entries(r.properties).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ");
            lines.push(`  + ${className(r.type).padEnd(40)} ${r.name.padEnd(44)} ${r.region ?? ""}  ${properties}`.trimEnd());
        }
    }

    section("Who may do what, in and across the accounts (verified with the IAM policy evaluator)");
    lines.push(...renderGrants(result.access));

    section("AWS quotas: the largest figure of each, as a share of its limit (every figure in plan/checks.json)");
    lines.push(...renderQuotas(result));

    section("Checks");
    const createTimeFailures = result.createTime.filter((c) => !c.ok);
    lines.push(`  create time, in deployment order: ${result.createTime.length - createTimeFailures.length}/${result.createTime.length} checks as AWS makes them`);
    for (const c of createTimeFailures) {
        lines.push(`    FAIL stack ${c.stack}, ${c.resource}: ${c.check}`, `         ${c.message}`);
    }
    const failed = result.access.filter((f) => !f.ok);
    lines.push(`  access chain: ${result.access.length - failed.length}/${result.access.length} checks as expected`);
    for (const f of failed) {
        lines.push(`    FAIL ${f.check.hop}`, `         ${f.message}`);
    }
    for (const f of result.access.filter((f) => f.result === "NotVerified")) {
        lines.push(`    NOT VERIFIED ${f.check.hop}`, `         ${f.message}`);
    }
    lines.push(`  stack files agree: ${result.disagreements.length === 0 ? "yes" : "NO"}`);
    lines.push(...result.disagreements.map((d) => `    FAIL ${d}`));
    lines.push(`  no two stacks declare the same resources: ${result.collisions.length === 0 ? "yes" : "NO"}`);
    lines.push(...result.collisions.map((c) => `    FAIL ${c}`));

    section("Policy rules (the policy pack's, on each stack)");
    for (const rule of result.rules) {
        const verdict = rule.violations.length === 0 ? "pass" : rule.enforcement === "mandatory" ? "FAIL" : "warn";
        lines.push(`  ${verdict.padEnd(4)} ${rule.rule} (${rule.enforcement}): ${rule.description}`);
        lines.push(...rule.violations.map((v) => `         stack ${v.stack}, ${v.resource.type} ${v.resource.name}: ${v.message}`));
    }
    return lines.join("\n");
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

/** `aws:s3/bucketPolicy:BucketPolicy` → `aws.s3.BucketPolicy`, as the TypeScript SDK names it. */
function className(type: string): string {
    const parts = type.split(/[:/]/);
    return parts.length === 4 ? `${parts[0]}.${parts[1]}.${parts[3]}` : type;
}

function accountRole(result: PlanResult, account: string): string {
    const roles = result.stacks.flatMap(({ config }) => !config ? [] : [
        ...(config.deploy !== "target" && config.pipelineAccountId === account ? ["pipeline account"] : []),
        ...targetsDeployedHere(config).filter((t) => t.accountId === account).map((t) => `target ${t.name}`),
    ]);
    return [...new Set(roles)].join(", ") || "unknown";
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

export function verdict(result: PlanResult): string {
    const failures = result.stacks.filter((s) => s.error).length + result.disagreements.length + result.collisions.length
        + result.createTime.filter((c) => !c.ok).length + result.access.filter((f) => !f.ok).length
        + result.rules.filter((r) => r.enforcement === "mandatory").reduce((count, r) => count + r.violations.length, 0);
    const resources = awsResources(declaredResources(result.stacks)).length;
    return result.ok
        ? `PLAN OK: ${result.stacks.length} stacks, ${resources} resources, ${result.createTime.length} create-time checks and ${result.access.length} access checks passed`
        : `PLAN FAILED: ${failures} problem${failures === 1 ? "" : "s"} (see above)`;
}
