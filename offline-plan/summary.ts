// `plan/summary.md`: one Markdown file a pull request can show as it is (GitHub's job summary, a
// comment): the verdict, per account the counts, the checks with failures first, the changes
// against an earlier plan, and the picture of the trust.
import { newVpcLines } from "./awsxVpc";
import { trustDiagram } from "./diagram";
import type { PlanContents } from "./grants";
import { checkGroups, PlanResult } from "./plan";
import { accountGroups, accountTitle, briefFailures, verdict } from "./report";
import { Review, reviewMarkdown } from "./review";

/**
 * The summary, short enough for a pull-request comment (GitHub: 65,536 characters) whatever the number of
 * accounts and the size of the change: accounts alike in one row, at most a few failures per check group, the
 * review of the changes (review.ts), and a diagram of bounded size.
 */
export function renderSummary(result: PlanResult, contents: PlanContents, review?: Review, earlier?: PlanContents): string {
    const title = accountTitle(result);
    const lines: string[] = [
        `# Cross-account pipeline plan: ${result.ok ? "PLAN OK" : "PLAN FAILED"}`,
        "",
        `**${verdict(result, "see Checks")}**`,
        "",
        `Deployment order: ${result.stacks.map((s) => `\`${s.file.stack}\``).join(" → ")} (target stacks first, then the pipeline stacks that read them).`,
        "",
        "## Accounts",
        "",
        "| accounts | resources | policies |",
        "|---|---:|---:|",
        ...accountGroups(result).map((group) => `| ${cell(group.text)} | ${group.resources}${group.accounts.length > 1 ? " each" : ""} | ${group.policies}${group.accounts.length > 1 ? " each" : ""} |`),
        "",
        ...newVpcLines(result.stacks, title).flatMap((line, index, all) => [`- ${cell(line)}`, ...(index === all.length - 1 ? [""] : [])]),
        "## Checks",
        "",
    ];
    const groups = checkGroups(result);
    const failing = groups.filter((g) => g.failures.length > 0);
    for (const group of failing) {
        lines.push(`### FAILED: ${group.name} (${group.status})`, "");
        for (const failure of group.failures.slice(0, briefFailures)) {
            lines.push(`- **${cell(failure.what)}**${failure.message ? `\n  ${codeBlockSafe(failure.message)}` : ""}`);
        }
        if (group.failures.length > briefFailures) {
            lines.push(`- and ${group.failures.length - briefFailures} more (\`plan.txt\`)`);
        }
        lines.push("");
    }
    lines.push("| checks | result |", "|---|---|", ...[...failing, ...groups.filter((g) => g.failures.length === 0)]
        .map((g) => `| ${g.failures.length > 0 ? "❌" : "✅"} ${g.name} | ${g.status} |`), "");
    const notes = groups.flatMap((g) => g.notes);
    if (notes.length > 0) {
        lines.push(...notes.map((n) => `- ${n.label}: ${cell(n.what)}${n.message ? `: ${codeBlockSafe(n.message)}` : ""}`), "");
    }
    if (review) {
        lines.push(...reviewMarkdown(review));
    }
    const diagram = trustDiagram(contents, title, { earlier });
    lines.push(
        "## Who reaches what",
        "",
        "What the IAM policy evaluator allowed (the passing access checks): roles assume roles, read and write artifacts, " +
            "use the keys, start builds and pipelines, deploy. Accounts of the same shape are drawn once, with their count.",
        "",
        "```mermaid",
        ...diagram.lines,
        "```",
        "",
        "The whole listing (each resource, who may do what, each rule) is in `plan.txt`; every grant of every policy in `grants.json`.",
    );
    return lines.join("\n");
}

/** Text for a Markdown table cell or list item: no pipe or line break breaks it. */
function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A message as inline code, so that ARNs with `*` and `_` are shown as they are. */
function codeBlockSafe(text: string): string {
    const oneLine = text.replace(/\n/g, " ");
    return oneLine.includes("`") ? oneLine : `\`${oneLine}\``;
}
