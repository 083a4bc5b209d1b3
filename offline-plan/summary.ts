// `plan/summary.md`: one Markdown file a pull request can show as it is (GitHub's job summary, a
// comment): the verdict, per account the counts, the checks with failures first, the changes
// against an earlier plan, and the picture of the trust.
import { diffBlocks, diffHeadline, PlanDiff } from "./diff";
import { trustDiagram } from "./diagram";
import type { PlanContents } from "./grants";
import { opCounts, stepLines } from "./lifecycle";
import { checkGroups, PlanResult } from "./plan";
import { accountsOf, accountTitle, verdict } from "./report";

export function renderSummary(result: PlanResult, contents: PlanContents, planDiff?: PlanDiff, earlier?: PlanContents): string {
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
        "| account | what it is here | resources | policies |",
        "|---|---|---:|---:|",
        ...accountsOf(result).map(({ account, resources, policies }) => `| ${account} | ${cell(title(account))} | ${resources.length} | ${policies} |`),
        "",
        "## Checks",
        "",
    ];
    const groups = checkGroups(result);
    const failing = groups.filter((g) => g.failures.length > 0);
    for (const group of failing) {
        lines.push(`### FAILED: ${group.name} (${group.status})`, "");
        for (const failure of group.failures) {
            lines.push(`- **${cell(failure.what)}**${failure.message ? `\n  ${codeBlockSafe(failure.message)}` : ""}`);
        }
        lines.push("");
    }
    lines.push("| checks | result |", "|---|---|", ...[...failing, ...groups.filter((g) => g.failures.length === 0)]
        .map((g) => `| ${g.failures.length > 0 ? "❌" : "✅"} ${g.name} | ${g.status} |`), "");
    const notes = groups.flatMap((g) => g.notes);
    if (notes.length > 0) {
        lines.push(...notes.map((n) => `- ${n.label}: ${cell(n.what)}${n.message ? `: ${codeBlockSafe(n.message)}` : ""}`), "");
    }
    if (planDiff) {
        lines.push(`## Changes: ${cell(diffHeadline(planDiff))}`, "");
        const nextUp = result.lifecycle.nextUp;
        if (nextUp && nextUp.steps.length > 0) {
            lines.push(`### Next \`pulumi up\`: ${opCounts(nextUp.steps)}`, "", "```diff", ...stepLines(nextUp.steps), "```", "");
        }
        for (const block of diffBlocks(planDiff, title)) {
            // A `diff` block: GitHub and GitLab colour the lines that start with + and -.
            lines.push(`### ${block.heading}`, "", "```diff", ...block.lines, "```", "");
        }
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
