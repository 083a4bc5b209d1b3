// A change against an earlier plan, as a reviewer of a pull request reads it: what fails and what the next
// `pulumi up` would replace or delete first; then the targets and stages that changed, targets that changed
// alike rolled into one line; then access gained and lost, one line per policy statement; then what else
// changed, the quotas (old and new figure) and the checks (old and new count). Every list is cut at a few
// entries, naming how many more there are, so that the review stays short whatever the size of the change:
// `diff.json` and `plan.txt` keep the whole detail.
import { accountOfArn } from "../definition/names";
import { isRecord } from "../config/values";
import { className, ResourceSummary } from "./describe";
import type { AccountDiff, CheckChange, FieldChange, PlanDiff } from "./diff";
import type { Grant, PlanContents } from "./grants";
import { opCounts, type LifecycleStep } from "./lifecycle";
import { accountFileOf, checksFile, resourcesFile } from "./planFiles";

export interface ReviewSection {
    title: string;
    /** Each starts with a sign: `!` fails or is refused, `±` replaced, `-` removed or lost, `+` added or gained, `~` changed. */
    lines: string[];
}

export interface Review {
    against: string;
    /** One line: what changed, by meaning. */
    headline: string;
    /** Most serious first; empty when nothing changed. */
    sections: ReviewSection[];
}

/** How many entries a list shows before "and N more". */
const shownEntries = 4;
/** How many lines a section shows before "and N more (diff.json)". */
const sectionLines = 12;

/** `a, b, c, d and 96 more`: a list cut at `shown` entries. */
export function someOf(items: readonly string[], shown = shownEntries): string {
    return items.length <= shown ? items.join(", ") : `${items.slice(0, shown).join(", ")} and ${items.length - shown} more`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

// ---- targets and stages, from the pipelines as get-pipeline prints them -------------------------------------

/** A target as its pipeline deploys it: a CodeDeploy action, its stage, its account and region. */
export interface TargetView {
    pipeline: string;
    /** The action's name, or, for the `Deploy` action of a wave of one, its stage's (the wave's) name. */
    name: string;
    /** What it deploys to, whatever it and its stage are called: its account, application and deployment group. */
    id: string;
    stage: string;
    account: string;
    region: string;
}

interface PipelineView {
    name: string;
    account: string;
    stages: { name: string; actions: string[] }[];
    targets: TargetView[];
}

/** The pipelines of a plan folder: their stages and their CodeDeploy actions (the targets). */
export function pipelinesIn(contents: PlanContents): PipelineView[] {
    return [...contents].flatMap(([file, document]) => {
        const found = accountFileOf(file);
        const pipeline = isRecord(document) && isRecord(document.pipeline) ? document.pipeline : undefined;
        if (found?.file !== "pipeline" || !pipeline || !Array.isArray(pipeline.stages)) {
            return [];
        }
        const name = found.pipelineName;
        const home = ((contents.get(resourcesFile(found.account)) ?? []) as ResourceSummary[])
            .find((r) => r.type === "aws:codepipeline/pipeline:Pipeline" && r.properties.name === name)?.region ?? "its region";
        const stages = pipeline.stages.filter(isRecord).map((stage) => ({
            name: String(stage.name),
            actions: (Array.isArray(stage.actions) ? stage.actions : []).filter(isRecord),
        }));
        const targets = stages.flatMap((stage) => stage.actions
            .filter((action) => isRecord(action.actionTypeId) && action.actionTypeId.category === "Deploy" && action.actionTypeId.provider === "CodeDeploy")
            .map((action) => {
                const account = (typeof action.roleArn === "string" && accountOfArn(action.roleArn)) || found.account;
                const configuration = isRecord(action.configuration) ? action.configuration : {};
                return {
                    pipeline: name,
                    name: action.name === "Deploy" ? stage.name : String(action.name),
                    id: `${account}/${String(configuration.ApplicationName)}/${String(configuration.DeploymentGroupName)}`,
                    stage: stage.name,
                    account,
                    region: typeof action.region === "string" ? action.region : home,
                };
            }));
        return [{ name, account: found.account, stages: stages.map((stage) => ({ name: stage.name, actions: stage.actions.map((a) => String(a.name)) })), targets }];
    });
}

/**
 * Pipelines renamed: one pipeline of an account only the earlier plan has, and one of the same account only this
 * plan has. The earlier plan's pipelines are returned under their new names, so that what else changed compares.
 */
function pipelineRenames(earlier: PipelineView[], now: PipelineView[]): { renames: [string, string][]; earlier: PipelineView[] } {
    const names = new Set(now.map((p) => p.name));
    const renames = earlier.filter((p) => !names.has(p.name)).flatMap((old): [string, string][] => {
        const [gone, added] = [earlier.filter((p) => p.account === old.account && !names.has(p.name)), now.filter((p) => p.account === old.account && !earlier.some((e) => e.name === p.name))];
        return gone.length === 1 && added.length === 1 ? [[old.name, added[0].name]] : [];
    });
    const renamed = new Map(renames);
    return {
        renames,
        earlier: earlier.map((p) => {
            const name = renamed.get(p.name) ?? p.name;
            return { ...p, name, targets: p.targets.map((t) => ({ ...t, pipeline: name })) };
        }),
    };
}

type Stage = PipelineView["stages"][number];

/** Per pipeline of both plans, its stages only the earlier or only this plan has, and those renamed: the same actions under another name. */
function stageChanges(earlier: PipelineView[], now: PipelineView[]): { pipeline: string; added: Stage[]; removed: Stage[]; renamed: [Stage, Stage][] }[] {
    return now.flatMap((pipeline) => {
        const before = earlier.find((p) => p.name === pipeline.name);
        if (!before) {
            return [];
        }
        const names = (stages: Stage[]) => new Set(stages.map((s) => s.name));
        const [was, is] = [names(before.stages), names(pipeline.stages)];
        const gone = before.stages.filter((s) => !is.has(s.name));
        const added = pipeline.stages.filter((s) => !was.has(s.name));
        const actionsOf = (stage: Stage) => [...stage.actions].sort().join("\n");
        const renamed = added.flatMap((stage) => {
            const old = gone.find((g) => actionsOf(g) === actionsOf(stage));
            return old ? [[old, stage] as [Stage, Stage]] : [];
        });
        const [renamedFrom, renamedTo] = [new Set(renamed.map(([old]) => old)), new Set(renamed.map(([, stage]) => stage))];
        return [{ pipeline: pipeline.name, added: added.filter((s) => !renamedTo.has(s)), removed: gone.filter((s) => !renamedFrom.has(s)), renamed }];
    });
}

function stageLines(changes: ReturnType<typeof stageChanges>, pipelines: number): string[] {
    return changes.flatMap(({ pipeline, added, removed, renamed }) => {
        const of = pipelineOf(pipeline, pipelines);
        return [
            ...renamed.map(([old, stage]) => `~ stage ${old.name} renamed ${stage.name}${of}, the same ${plural(stage.actions.length, "action")}`),
            ...listed("+", "stage", added.map((s) => `${s.name} (${plural(s.actions.length, "action")})`), `added${of}`),
            ...listed("-", "stage", removed.map((s) => s.name), `removed${of}`),
        ];
    });
}

const pipelineOf = (name: string, pipelines: number) => (pipelines > 1 ? ` of pipeline ${name}` : "");

/** One line for a list of things of one kind: `+ stage Wave4 added`, `+ 10 stages added: Wave4, ... and 6 more`. */
function listed(sign: string, kind: string, items: string[], what: string): string[] {
    if (items.length === 0) {
        return [];
    }
    return [items.length === 1 ? `${sign} ${kind} ${items[0]} ${what}` : `${sign} ${items.length} ${kind}s ${what}: ${someOf(items)}`];
}

/** What a target brings with it in its own account: resources by type, and the statements its policies grant. */
function targetFootprint(account: AccountDiff | undefined, side: "added" | "removed"): { signature: string; text: string } {
    if (!account) {
        return { signature: "", text: "" };
    }
    const resources = side === "added" ? account.resourcesAdded : account.resourcesRemoved;
    const grants = side === "added" ? account.grantsGained : account.grantsLost;
    const types = new Map<string, number>();
    resources.forEach((r) => types.set(className(r.type), (types.get(className(r.type)) ?? 0) + 1));
    const statements = [...new Set(grants.map((g) => g.statement))].sort();
    const signature = JSON.stringify([[...types].sort(), statements]);
    const parts = [
        ...(resources.length > 0 ? [plural(resources.length, "resource")] : []),
        ...(grants.length > 0 ? [`${plural(grants.length, "grant")} from ${plural(statements.length, "statement")} (${someOf(statements, 6)})`] : []),
    ];
    return { signature, text: parts.join(", ") };
}

/** Counts by value, most first: `us-east-2 34, us-west-2 33`. */
function tally(values: string[]): string {
    const counts = new Map<string, number>();
    values.forEach((v) => counts.set(v, (counts.get(v) ?? 0) + 1));
    return [...counts].map(([v, n]) => `${v} ${n}`).join(", ");
}

/**
 * Targets added, removed and moved (to another account, region or stage; not the stage's own renaming), those
 * added, removed or moved alike in one line each.
 */
function targetLines(earlier: PipelineView[], now: PipelineView[], accounts: Map<string, AccountDiff>, stages: ReturnType<typeof stageChanges>): string[] {
    const key = (t: TargetView) => `${t.pipeline}\n${t.id}`;
    const [before, after] = [new Map(earlier.flatMap((p) => p.targets).map((t) => [key(t), t])), new Map(now.flatMap((p) => p.targets).map((t) => [key(t), t]))];
    const where = (t: TargetView) => `account ${t.account}, ${t.region}, stage ${t.stage}`;
    const alike = (sign: string, what: string, targets: TargetView[], side: "added" | "removed") => {
        const groups = new Map<string, { targets: TargetView[]; text: string }>();
        for (const target of targets) {
            const { signature, text } = targetFootprint(accounts.get(target.account), side);
            const group = groups.get(signature) ?? { targets: [], text };
            group.targets.push(target);
            groups.set(signature, group);
        }
        return [...groups.values()].flatMap(({ targets: group, text }) => group.length === 1
            ? [`${sign} target ${group[0].name} ${what}: ${where(group[0])}`, ...(text ? [`    in its account: ${text}`] : [])]
            : [
                `${sign} ${group.length} targets ${what} alike: ${someOf(group.map((t) => `${t.name} (${t.account})`))}`,
                ...(text ? [`    each in its own account: ${text}`] : []),
                `    regions: ${tally(group.map((t) => t.region))}; stages: ${someOf(tally(group.map((t) => t.stage)).split(", "), 8)}`,
            ]);
    };
    const renamedStage = new Map(stages.flatMap(({ pipeline, renamed }) => renamed.map(([old, stage]) => [`${pipeline}\n${old.name}`, stage.name] as const)));
    const movedAlike = new Map<string, string[]>();
    for (const t of after.values()) {
        const old = before.get(key(t));
        if (!old) {
            continue;
        }
        const was = { ...old, stage: renamedStage.get(`${old.pipeline}\n${old.stage}`) ?? old.stage };
        const changes = (["account", "region", "stage"] as const).filter((field) => was[field] !== t[field]).map((field) => `${field} ${old[field]} -> ${t[field]}`);
        if (changes.length > 0) {
            movedAlike.set(changes.join(", "), [...(movedAlike.get(changes.join(", ")) ?? []), t.name]);
        }
    }
    const moved = [...movedAlike].map(([change, names]) => `~ ${names.length === 1 ? `target ${names[0]}` : `${names.length} targets (${someOf(names)})`}: ${change}`);
    return [
        ...alike("-", "removed", [...before.values()].filter((t) => !after.has(key(t))), "removed"),
        ...moved,
        ...alike("+", "added", [...after.values()].filter((t) => !before.has(key(t))), "added"),
    ];
}

// ---- access, one line per policy statement -----------------------------------------------------------------

/** `bucket policy pipeline-us-west-2-bucket-policy`, from the grant's policy file or its managed policy attachment. */
function policyTitle(grant: Grant): string {
    const found = accountFileOf(grant.policy);
    return found?.file === "policy" ? `${grant.kind} policy ${found.resourceName}` : `managed policy ${grant.resource} (attached by ${grant.policy})`;
}

/** `StringEquals aws:resourceaccount` -> its values, from a grant's canonical conditions. */
function conditionValues(grant: Grant): Map<string, Set<string>> {
    return new Map((grant.conditions ?? []).map((condition) => {
        const [test, values = ""] = condition.split(" = ");
        return [test, new Set(values.split(" | "))] as const;
    }));
}

/** What a statement's grants changed: who, what, on what, and conditions whose values changed. */
function statementLine(account: string, gained: Grant[], lost: Grant[]): string {
    const sample = gained[0] ?? lost[0];
    const triple = (g: Grant) => JSON.stringify([g.principal, g.action, g.resource]);
    const [gainedTriples, lostTriples] = [new Set(gained.map(triple)), new Set(lost.map(triple))];
    const reconditioned = gained.filter((g) => lostTriples.has(triple(g)));
    const onlyGained = gained.filter((g) => !lostTriples.has(triple(g)));
    const onlyLost = lost.filter((g) => !gainedTriples.has(triple(g)));
    const describe = (grants: Grant[]) => {
        const principals = [...new Set(grants.map((g) => (g.via ? `${g.principal} (through ${g.via})` : g.principal)))];
        const actions = [...new Set(grants.map((g) => g.action))].sort();
        const resources = [...new Set(grants.map((g) => g.resource))];
        const conditions = [...new Set(grants.map((g) => (g.conditions ?? []).join(" and ")))];
        return `${principals.length === 1 ? principals[0] : `${principals.length} principals (${someOf(principals, 3)})`} ` +
            `${actions.length === 1 ? actions[0] : `${actions.length} actions (${someOf(actions, 6)})`} on ` +
            `${resources.length === 1 ? resources[0] : `${resources.length} resources (${someOf(resources, 2)})`}` +
            (conditions.length > 1 ? `, under ${conditions.length} sets of conditions` : conditions[0] ? ` if ${conditions[0]}` : "");
    };
    const conditionChanges = () => {
        const old = new Map(lost.map((g) => [triple(g), conditionValues(g)]));
        const deltas = new Map<string, { added: Set<string>; removed: Set<string> }>();
        for (const grant of reconditioned) {
            const [before, after] = [old.get(triple(grant))!, conditionValues(grant)];
            for (const test of new Set([...before.keys(), ...after.keys()])) {
                const delta = deltas.get(test) ?? { added: new Set(), removed: new Set() };
                [...(after.get(test) ?? [])].filter((v) => !before.get(test)?.has(v)).forEach((v) => delta.added.add(v));
                [...(before.get(test) ?? [])].filter((v) => !after.get(test)?.has(v)).forEach((v) => delta.removed.add(v));
                deltas.set(test, delta);
            }
        }
        return [...deltas].filter(([, d]) => d.added.size + d.removed.size > 0).map(([test, d]) =>
            `${test}${d.added.size > 0 ? ` + ${someOf([...d.added], 3)}` : ""}${d.removed.size > 0 ? ` - ${someOf([...d.removed], 3)}` : ""}`);
    };
    const sign = sample.effect === "Deny" ? (onlyLost.length > 0 || reconditioned.length > 0 ? "!" : "+") : onlyLost.length > 0 ? (onlyGained.length > 0 || reconditioned.length > 0 ? "~" : "-") : onlyGained.length > 0 && reconditioned.length === 0 ? "+" : "~";
    const verb = sample.effect === "Deny" ? ["now refuses", "no longer refuses"] : ["now allows", "no longer allows"];
    const parts = [
        ...(onlyGained.length > 0 ? [`${verb[0]} ${describe(onlyGained)}`] : []),
        ...(onlyLost.length > 0 ? [`${verb[1]} ${describe(onlyLost)}`] : []),
        ...(reconditioned.length > 0 ? [`condition ${conditionChanges().join("; ") || "changed"} (${describe(reconditioned)})`] : []),
    ];
    return `${sign} account ${account}, ${policyTitle(sample)}, statement ${sample.statement}: ${parts.join("; ")}`;
}

/**
 * `text` as the renamed pipelines and stages name it: the name as written, and in lower case as bucket names hold
 * it (`crossaccountpipeline-111111111111-us-east-2-artifacts`).
 */
function renamedText(text: string, renames: [string, string][]): string {
    return renames.reduce((renamed, [old, name]) => renamed.split(old).join(name).split(old.toLowerCase()).join(name.toLowerCase()), text);
}

/**
 * Access gained and lost in the accounts both plans have, a line per statement, refusals that no longer hold
 * first; statements that only name the renamed pipelines' and stages' resources and roles in one line.
 */
function accessLines(accounts: AccountDiff[], targetAccounts: Set<string>, renames: [string, string][]): string[] {
    const lines: string[] = [];
    let renamedOnly = 0;
    const sameOnceRenamed = (gained: Grant[], lost: Grant[]) => {
        const text = (grants: Grant[]) => grants.map((g) => JSON.stringify([g.principal, g.via, g.action, g.resource, g.conditions])).sort().join("\n");
        return renames.length > 0 && gained.length === lost.length && renamedText(text(lost), renames) === text(gained);
    };
    for (const account of accounts.filter((a) => !targetAccounts.has(a.account))) {
        const byStatement = new Map<string, { gained: Grant[]; lost: Grant[] }>();
        const add = (grant: Grant, side: "gained" | "lost") => {
            const id = JSON.stringify([grant.policy, grant.statement, grant.effect]);
            const entry = byStatement.get(id) ?? { gained: [], lost: [] };
            entry[side].push(grant);
            byStatement.set(id, entry);
        };
        account.grantsGained.forEach((g) => add(g, "gained"));
        account.grantsLost.forEach((g) => add(g, "lost"));
        for (const { gained, lost } of byStatement.values()) {
            if (sameOnceRenamed(gained, lost)) {
                renamedOnly++;
            } else {
                lines.push(statementLine(account.account, gained, lost));
            }
        }
    }
    const rank = (line: string) => "!-~+".indexOf(line[0]);
    const renamed = renamedOnly > 0 ? [`~ ${plural(renamedOnly, "policy statement")} only name${renamedOnly === 1 ? "s" : ""} what was renamed (${renames.map(([old, name]) => `${old} -> ${name}`).join(", ")}), granting the same`] : [];
    return [...lines.sort((a, b) => rank(a) - rank(b)), ...renamed];
}

// ---- the rest: other resource changes, quotas, check counts ------------------------------------------------

/**
 * Resources updated in the accounts both plans have whose own fields changed (their policies are in access, their
 * pipelines in targets and stages, their replacements in the next `pulumi up`).
 */
function otherChangeLines(accounts: AccountDiff[], targetAccounts: Set<string>, steps: LifecycleStep[]): string[] {
    const described = (f: FieldChange) => !/^[\w-]+-policy:/.test(f.path) && !f.path.startsWith("pipeline:");
    const replaced = new Set(steps.filter((step) => step.op !== "update").map((step) => JSON.stringify([step.account, step.type, step.name])));
    return accounts.filter((a) => !targetAccounts.has(a.account)).flatMap((account) => account.resourcesChanged.flatMap((r) => {
        if (replaced.has(JSON.stringify([account.account, r.type, r.name]))) {
            return [];
        }
        const fields = r.fields.filter(described);
        return fields.length === 0 ? [] : [`~ account ${account.account}, ${className(r.type)} ${r.name}: ${someOf(fields.map((f) => f.path), 3)}`];
    }));
}

interface QuotaEntry {
    quota: string;
    figure: number;
    limit: number;
    unit: string;
    subject: string;
}

/** Per quota, the largest figure before and after, when it moved: keyed by quota, so a figure that moves is one line. */
function quotaLines(earlier: PlanContents, now: PlanContents): string[] {
    const largest = (contents: PlanContents) => {
        const entries = ((contents.get(checksFile) as { quotas?: QuotaEntry[] } | undefined)?.quotas ?? []).filter((q) => typeof q.figure === "number");
        const byQuota = new Map<string, QuotaEntry>();
        entries.forEach((q) => (byQuota.get(q.quota)?.figure ?? -1) < q.figure && byQuota.set(q.quota, q));
        return byQuota;
    };
    const [before, after] = [largest(earlier), largest(now)];
    const percent = (q: QuotaEntry) => `${((q.figure / q.limit) * 100).toFixed(1)}%`;
    return [...new Set([...before.keys(), ...after.keys()])].flatMap((quota) => {
        const [b, a] = [before.get(quota), after.get(quota)];
        if (b && a && b.figure === a.figure) {
            return [];
        }
        const sign = a && b && a.figure < b.figure ? "-" : "+";
        const figure = (q?: QuotaEntry) => (q ? `${q.figure.toLocaleString("en-US")} (${percent(q)})` : "none");
        const q = a ?? b!;
        return [`${sign} ${quota}: ${figure(b)} -> ${figure(a)} of ${q.limit.toLocaleString("en-US")} ${q.unit}${a ? `, largest: ${a.subject}` : ""}`];
    });
}

/** Per section of checks.json, how many checks before and after and how many fail now, when that changed; refusals proven against another resource now. */
function checkCountLines(earlier: PlanContents, now: PlanContents, moved: CheckChange[]): string[] {
    const movedLines = [...new Set(moved.map((c) => c.section))].map((section) => {
        const inSection = moved.filter((c) => c.section === section);
        return `~ ${section}: ${plural(inSection.length, "refusal")} still proven, of what was renamed or moved, e.g. ${inSection[0].check}`;
    });
    return [...countLines(earlier, now), ...movedLines];
}

function countLines(earlier: PlanContents, now: PlanContents): string[] {
    const sections = ["createTime", "access", "isolation", "rules"];
    const counts = (contents: PlanContents, section: string) => {
        const entries = ((contents.get(checksFile) as Record<string, unknown> | undefined)?.[section] ?? []) as unknown[];
        const failing = entries.filter((e) => isRecord(e) && (e.ok === false || (Array.isArray(e.violations) && e.violations.length > 0))).length;
        return { all: entries.length, failing };
    };
    return sections.flatMap((section) => {
        const [b, a] = [counts(earlier, section), counts(now, section)];
        if (b.all === a.all && b.failing === a.failing) {
            return [];
        }
        const sign = a.failing > b.failing ? "!" : a.all >= b.all ? "+" : "-";
        return [`${sign} ${section}: ${b.all} -> ${a.all} checks, ${a.failing === 0 ? "all pass" : `${a.failing} failing`}`];
    });
}

// ---- the review ---------------------------------------------------------------------------------------------

/**
 * Refusals no longer checked, sorted: those that went with a removed target's account; those still proven for the
 * same principal and action against another resource (the approval now in another stage); and the rest, which
 * nothing proves any more.
 */
function droppedRefusals(planDiff: PlanDiff, plannedAccounts: Set<string>, renames: [string, string][]): { moved: CheckChange[]; unproven: CheckChange[] } {
    const asked = (change: CheckChange) => (isRecord(change.entry) ? JSON.stringify([change.section, change.entry.principal, change.entry.action]) : "");
    const renamed = (change: CheckChange) => `${change.section}\n${renames.reduce((text, [old, name]) => text.replace(new RegExp(`\\b${escaped(old)}\\b`, "g"), name), change.check)}`;
    const added = planDiff.checks.filter((c) => c.change === "added" && isRecord(c.entry) && c.entry.expect === "denied");
    const [sameAsk, sameWords] = [new Set(added.map(asked)), new Set(added.map((c) => `${c.section}\n${c.check}`))];
    const stillProven = (c: CheckChange) => sameAsk.has(asked(c)) || sameWords.has(renamed(c));
    const dropped = planDiff.checks.filter((c) => c.change === "refusal no longer checked" && [...c.check.matchAll(/\b\d{12}\b/g)].every(([id]) => plannedAccounts.has(id)));
    return { moved: dropped.filter(stillProven), unproven: dropped.filter((c) => !stillProven(c)) };
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * What fails: the verdict, what the next `pulumi up` would refuse, checks that now fail, refusals that nothing
 * proves any more though their account is still planned.
 */
function problemLines(planDiff: PlanDiff, steps: LifecycleStep[], unproven: CheckChange[]): string[] {
    const verdict = planDiff.verdict ? [`! verdict: ${planDiff.verdict.before ? "PLAN OK" : "PLAN FAILED"} -> ${planDiff.verdict.after ? "PLAN OK" : "PLAN FAILED"}`] : [];
    const refused = steps.filter((step) => step.problem).map((step) =>
        `! the next up would ${step.op} ${className(step.type)} ${step.name} (account ${step.account})${step.replacedBy ? `, as ${someOf(step.replacedBy.map((input) => input.split(":")[0]), 3)} changed` : ""}: ` +
        `REFUSED, ${/\bprotected\b/.test(step.problem!) ? "it is protected" : "see the lifecycle check"}`);
    const failing = planDiff.checks.filter((c) => c.change === "now fails").map((c) => `! ${c.section}: ${c.check} (now fails)`);
    return [...verdict, ...refused, ...failing, ...unproven.map((c) => `! ${c.section}: ${c.check} (refusal no longer checked)`)];
}

/** The next `pulumi up`: replacements, deletions and imports first (grouped by type when many), then creations and updates counted by type. */
function nextUpLines(steps: LifecycleStep[]): string[] {
    const serious = (["replace", "delete", "import"] as const).flatMap((op) => {
        const ofOp = steps.filter((s) => s.op === op);
        const sign = op === "replace" ? "±" : op === "delete" ? "-" : "=";
        const refused = (s: LifecycleStep) => (s.problem ? ": REFUSED" : "");
        if (ofOp.length <= shownEntries) {
            return ofOp.map((s) => `${s.problem ? "!" : sign} ${op} ${className(s.type)} ${s.name}, account ${s.account}${s.replacedBy ? ` (${s.replacedBy.join(", ")})` : ""}${refused(s)}`);
        }
        const byType = new Map<string, LifecycleStep[]>();
        ofOp.forEach((s) => byType.set(s.type, [...(byType.get(s.type) ?? []), s]));
        return [...byType].map(([type, group]) => {
            const refusals = group.filter((s) => s.problem).length;
            return `${refusals > 0 ? "!" : sign} ${op} ${group.length} ${className(type)}: ${someOf(group.map((s) => s.name), 3)}${refusals > 0 ? ` (${refusals} REFUSED)` : ""}`;
        });
    });
    const counted = (["create", "update"] as const).flatMap((op) => {
        const byType = new Map<string, number>();
        steps.filter((s) => s.op === op).forEach((s) => byType.set(s.type, (byType.get(s.type) ?? 0) + 1));
        return byType.size === 0 ? [] : [`${op === "create" ? "+" : "~"} ${op} ${[...byType].map(([type, n]) => `${n} ${className(type)}`).join(", ")}`];
    });
    return [...serious, ...counted];
}

/** The review of `planDiff`, with the next `pulumi up`'s steps (the plan's lifecycle). */
export function reviewChanges(planDiff: PlanDiff, earlier: PlanContents, now: PlanContents, steps: LifecycleStep[]): Review {
    const after = pipelinesIn(now);
    const { renames: pipelinesRenamed, earlier: before } = pipelineRenames(pipelinesIn(earlier), after);
    const stages = stageChanges(before, after);
    const renames = [...pipelinesRenamed, ...stages.flatMap(({ renamed }) => renamed.map(([old, stage]): [string, string] => [old.name, stage.name]))];
    const accounts = new Map(planDiff.accounts.map((a) => [a.account, a]));
    const accountsIn = (contents: PlanContents) => new Set([...contents.keys()].flatMap((file) => accountFileOf(file)?.account ?? []));
    const [accountsBefore, accountsAfter] = [accountsIn(earlier), accountsIn(now)];
    // Accounts that come or go with their targets: what happens in them is said on the target's line.
    const targetAccounts = new Set([...before, ...after].flatMap((p) => p.targets.map((t) => t.account)).filter((a) => accountsBefore.has(a) !== accountsAfter.has(a)));
    const refusals = droppedRefusals(planDiff, accountsAfter, renames);
    const sections: ReviewSection[] = [
        { title: "Fails or is refused", lines: problemLines(planDiff, steps, refusals.unproven) },
        { title: `Next \`pulumi up\`${steps.length > 0 ? `: ${opCounts(steps)}` : ""}`, lines: nextUpLines(steps) },
        {
            title: "Pipelines, targets and stages",
            lines: [...pipelinesRenamed.map(([old, name]) => `~ pipeline ${old} renamed ${name}`), ...targetLines(before, after, accounts, stages), ...stageLines(stages, after.length)],
        },
        { title: "Access gained and lost, by policy statement", lines: accessLines(planDiff.accounts, targetAccounts, renames) },
        { title: "Other changes", lines: [...otherChangeLines(planDiff.accounts, targetAccounts, steps), ...planDiff.otherFilesChanged.map((f) => `~ ${f}`)] },
        { title: "AWS quotas, the largest figure of each", lines: quotaLines(earlier, now) },
        { title: "Checks", lines: checkCountLines(earlier, now, refusals.moved) },
    ].filter((section) => section.lines.length > 0);
    const sameTarget = (a: TargetView) => (b: TargetView) => a.pipeline === b.pipeline && a.id === b.id;
    const targetsAdded = after.flatMap((p) => p.targets).filter((t) => !before.some((p) => p.targets.some(sameTarget(t)))).length;
    const targetsRemoved = before.flatMap((p) => p.targets).filter((t) => !after.some((p) => p.targets.some(sameTarget(t)))).length;
    const problems = sections.find((s) => s.title === "Fails or is refused")?.lines.filter((line) => !line.startsWith("! verdict")).length ?? 0;
    const statements = sections.find((s) => s.title.startsWith("Access"))?.lines.filter((line) => !line.includes("only name")).length ?? 0;
    const headline = planDiff.changes === 0 ? "no change" : [
        ...(problems > 0 ? [`${plural(problems, "problem")}`] : []),
        ...pipelinesRenamed.map(([old, name]) => `pipeline ${old} renamed ${name}`),
        ...(targetsAdded > 0 ? [`${plural(targetsAdded, "target")} added`] : []),
        ...(targetsRemoved > 0 ? [`${plural(targetsRemoved, "target")} removed`] : []),
        ...(steps.length > 0 ? [`next up: ${opCounts(steps)}`] : []),
        ...(statements > 0 ? [`access: ${plural(statements, "policy statement")} changed`] : []),
    ].join("; ") || plural(planDiff.changes, "change");
    return { against: planDiff.against, headline, sections };
}

/** The review as the terminal and plan.txt show it: each section cut at `sectionLines` lines. */
export function reviewLines(review: Review): string[] {
    return [
        `Changes against ${review.against}: ${review.headline}`,
        ...review.sections.flatMap((section) => [`  ${section.title}`, ...bounded(section.lines).map((line) => `    ${line}`)]),
        ...(review.sections.length > 0 ? ["  Every change, one by one: diff.json and plan.txt of the plan folder"] : []),
    ];
}

/** The review in Markdown: a `diff` block per section, which GitHub and GitLab colour by the lines' first sign. */
export function reviewMarkdown(review: Review): string[] {
    return [
        `## Changes against \`${review.against}\`: ${review.headline}`,
        "",
        ...review.sections.flatMap((section) => [`### ${section.title}`, "", "```diff", ...bounded(section.lines), "```", ""]),
        ...(review.sections.length > 0 ? ["Every change, one by one: `diff.json` and `plan.txt` of the plan folder.", ""] : []),
    ];
}

function bounded(lines: string[]): string[] {
    return lines.length <= sectionLines ? lines : [...lines.slice(0, sectionLines - 1), `  ... and ${lines.length - sectionLines + 1} more (diff.json)`];
}
