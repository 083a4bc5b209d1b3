// What a change does, against an earlier plan's folder (`npm run plan -- --against DIR`): per account
// the resources added, removed and changed (with the fields), the grants gained and lost, refusals
// that no longer hold first; the checks whose results changed. Both sides are plan folder contents
// (the earlier one read from its files), compared by what identifies each entry, so that files and
// checks other versions of the plan add are named, not mistaken for changes.
import { isRecord } from "../config/values";
import { className, ResourceSummary } from "./describe";
import { accountFileOf, checksFile, diffFile, grantsFile, reportFile, resourcesFile, summaryFile } from "./planFiles";
import { Grant, grantKey, grantsOf, grantSource, grantText, PlanContents } from "./grants";

export interface FieldChange {
    /** `properties.name`, `bucket-policy Statement[4].Action[3]`, `pipeline stages[2]`... */
    path: string;
    /** Absent when the field was added. */
    before?: unknown;
    /** Absent when the field was removed. */
    after?: unknown;
}

export interface ResourceChange {
    type: string;
    name: string;
    fields: FieldChange[];
}

export interface AccountDiff {
    account: string;
    resourcesAdded: ResourceSummary[];
    resourcesRemoved: ResourceSummary[];
    resourcesChanged: ResourceChange[];
    grantsGained: Grant[];
    grantsLost: Grant[];
}

export interface CheckChange {
    /** The `checks.json` section: `access`, `createTime`, `rules`, or one a newer plan adds. */
    section: string;
    /** The check in words: its hop, or the fields that identify it. */
    check: string;
    change: "now fails" | "refusal no longer checked" | "removed" | "changed" | "added";
    fields: FieldChange[];
    /** The entry as `checks.json` holds it: the earlier plan's for a check removed, this plan's for the others. */
    entry: unknown;
}

export interface PlanDiff {
    /** The earlier plan's folder, as given. */
    against: string;
    /** Accounts with a change, in the order of the new plan, then accounts only the earlier plan had. */
    accounts: AccountDiff[];
    /** Most serious first: checks that now fail, refusals no longer checked, then removed, changed, added. */
    checks: CheckChange[];
    verdict?: { before: boolean; after: boolean };
    /** Other files of the plan folder present in both plans whose contents differ. */
    otherFilesChanged: string[];
    /** Files and `checks.json` sections one plan has and the other has not: named, not compared. */
    notCompared: { earlier: string[]; now: string[] };
    /** How many changes in all (resources, grants, checks, other files); 0 when the plans are the same. */
    changes: number;
}

/** Files every plan writes that say nothing of their own: the report and summary are renderings, grants are derived. */
const derivedFiles = new Set([reportFile, summaryFile, grantsFile, diffFile]);

export function diffPlans(against: string, earlier: PlanContents, now: PlanContents): PlanDiff {
    const grants = { earlier: grantsOf(earlier), now: grantsOf(now) };
    const accounts = accountsOf(now, earlier)
        .map((account) => accountDiff(account, earlier, now, grants))
        .filter((a) => a.resourcesAdded.length + a.resourcesRemoved.length + a.resourcesChanged.length + a.grantsGained.length + a.grantsLost.length > 0);
    const [before, after] = [earlier.get(checksFile), now.get(checksFile)] as Record<string, unknown>[];
    const notCompared = { earlier: [] as string[], now: [] as string[] };
    const checks = checkChanges(before, after, notCompared);
    const verdict = typeof before.ok === "boolean" && typeof after.ok === "boolean" && before.ok !== after.ok ? { before: before.ok, after: after.ok } : undefined;
    const otherFilesChanged: string[] = [];
    const others = (contents: PlanContents) => [...contents.keys()].filter((file) => file !== checksFile && !derivedFiles.has(file) && !accountFileOf(file));
    for (const file of new Set([...others(earlier), ...others(now)])) {
        if (!earlier.has(file) || !now.has(file)) {
            (earlier.has(file) ? notCompared.earlier : notCompared.now).push(file);
        } else if (!same(earlier.get(file), now.get(file))) {
            otherFilesChanged.push(file);
        }
    }
    const changes = accounts.reduce((count, a) => count + a.resourcesAdded.length + a.resourcesRemoved.length + a.resourcesChanged.length + a.grantsGained.length + a.grantsLost.length, 0)
        + checks.length + (verdict ? 1 : 0) + otherFilesChanged.length;
    return { against, accounts, checks, verdict, otherFilesChanged, notCompared, changes };
}

function accountsOf(...plans: PlanContents[]): string[] {
    return [...new Set(plans.flatMap((contents) => [...contents.keys()].flatMap((file) => accountFileOf(file)?.account ?? [])))];
}

function accountDiff(account: string, earlier: PlanContents, now: PlanContents, grants: { earlier: Grant[]; now: Grant[] }): AccountDiff {
    const resourcesOf = (contents: PlanContents) => (contents.get(resourcesFile(account)) ?? []) as ResourceSummary[];
    const key = (r: { type: string; name: string }) => `${r.type} ${r.name}`;
    const [before, after] = [new Map(resourcesOf(earlier).map((r) => [key(r), r])), new Map(resourcesOf(now).map((r) => [key(r), r]))];
    const changed: ResourceChange[] = [];
    for (const [id, resource] of after) {
        const old = before.get(id);
        if (old) {
            const fields = [
                ...fieldChanges({ region: old.region, properties: old.properties }, { region: resource.region, properties: resource.properties }),
                ...documentChanges(account, resource, earlier, now),
            ];
            if (fields.length > 0) {
                changed.push({ type: resource.type, name: resource.name, fields });
            }
        }
    }
    const inAccount = (grants: Grant[]) => grants.filter((g) => g.account === account);
    const [grantsBefore, grantsAfter] = [inAccount(grants.earlier), inAccount(grants.now)];
    const [keysBefore, keysAfter] = [new Set(grantsBefore.map(grantKey)), new Set(grantsAfter.map(grantKey))];
    return {
        account,
        resourcesAdded: [...after.values()].filter((r) => !before.has(key(r))),
        resourcesRemoved: [...before.values()].filter((r) => !after.has(key(r))),
        resourcesChanged: changed,
        grantsGained: grantsAfter.filter((g) => !keysBefore.has(grantKey(g))),
        grantsLost: grantsBefore.filter((g) => !keysAfter.has(grantKey(g))),
    };
}

/** The changes in a resource's policy documents and, for a pipeline, its definition as get-pipeline prints it. */
function documentChanges(account: string, resource: ResourceSummary, earlier: PlanContents, now: PlanContents): FieldChange[] {
    const documents = (contents: PlanContents) => new Map([...contents].flatMap(([file, document]): (readonly [string, unknown])[] => {
        const found = accountFileOf(file);
        if (found?.account !== account) {
            return [];
        }
        if (found.file === "policy" && found.resourceName === resource.name) {
            return [[`${found.kind}-policy`, document] as const];
        }
        return found.file === "pipeline" && resource.type === "aws:codepipeline/pipeline:Pipeline" && found.pipelineName === resource.properties.name ? [["pipeline", document] as const] : [];
    }));
    const [before, after] = [documents(earlier), documents(now)];
    return [...new Set([...before.keys(), ...after.keys()])].flatMap((label) => fieldChanges(before.get(label) ?? {}, after.get(label) ?? {}, `${label}:`));
}

/**
 * Each field that differs, by path. Written here rather than taken from a deep-diff library because
 * it compares as IAM reads a policy: a list of strings is a set (an action added in the middle is
 * one action added, and `"s3:GetObject"` equals `["s3:GetObject"]`), and statements are matched by
 * Sid, so that removing one statement does not show every later one as changed.
 */
export function fieldChanges(before: unknown, after: unknown, path = ""): FieldChange[] {
    const where = (key: string | number) => (typeof key === "number" ? `${path}[${key}]` : !path ? key : path.endsWith(":") ? `${path} ${key}` : `${path}.${key}`);
    if (isStringSet(before) && isStringSet(after) && (Array.isArray(before) || Array.isArray(after))) {
        const [b, a] = [new Set(listOf(before)), new Set(listOf(after))];
        return [
            ...[...b].filter((v) => !a.has(v)).map((v) => ({ path, before: v })),
            ...[...a].filter((v) => !b.has(v)).map((v) => ({ path, after: v })),
        ];
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        const bySid = (list: unknown[]) => list.every((s) => isRecord(s) && typeof s.Sid === "string")
            && new Set(list.map((s) => (s as Record<string, unknown>).Sid)).size === list.length;
        if (bySid(before) && bySid(after)) {
            const keyed = (list: unknown[]) => Object.fromEntries(list.map((s) => [(s as Record<string, unknown>).Sid, s]));
            return fieldChanges(keyed(before), keyed(after), path);
        }
        return Array.from({ length: Math.max(before.length, after.length) }, (_, i) => i).flatMap((i) =>
            i >= after.length ? [{ path: where(i), before: before[i] }] : i >= before.length ? [{ path: where(i), after: after[i] }] : fieldChanges(before[i], after[i], where(i)));
    }
    if (isRecord(before) && isRecord(after)) {
        return [...new Set([...Object.keys(before), ...Object.keys(after)])].flatMap((key) =>
            !(key in after) || after[key] === undefined ? (before[key] === undefined ? [] : [{ path: where(key), before: before[key] }])
                : !(key in before) || before[key] === undefined ? [{ path: where(key), after: after[key] }]
                    : fieldChanges(before[key], after[key], where(key)));
    }
    return before === after ? [] : [{ path: path || "(value)", before, after }];
}

const isStringSet = (value: unknown) => typeof value === "string" || (Array.isArray(value) && value.every((v) => typeof v === "string"));
const listOf = (value: unknown) => (Array.isArray(value) ? value as string[] : [value as string]);

function same(a: unknown, b: unknown): boolean {
    return fieldChanges(a, b).length === 0;
}

/**
 * The fields of a check that are its result rather than what it checks (a quota's `share` is its figure
 * as a percentage). Every other string field identifies the check, whatever section it is in: a section a
 * newer plan adds (quotas, sizes) compares the same way, numbers and lists being results.
 */
const resultFields = new Set(["ok", "result", "message", "violations", "description", "error", "share"]);

/**
 * Fields that describe a check in words without being what it checks: an access check's `hop` names the stage
 * and target it belongs to ("Wave3/Prod: ..."), so renaming a stage rewords every check of it while each still
 * asks the same principal, action and resource. Neither identity nor sameness looks at them.
 */
const describingFields = new Set(["hop"]);

/** Check entries compared by identity, section by section; sections only one plan has are named in `notCompared`. */
function checkChanges(before: Record<string, unknown>, after: Record<string, unknown>, notCompared: PlanDiff["notCompared"], prefix = ""): CheckChange[] {
    const changes: CheckChange[] = [];
    for (const section of new Set([...Object.keys(before), ...Object.keys(after)])) {
        const name = `${prefix}${section}`;
        const [b, a] = [before[section], after[section]];
        if (!prefix && section === "ok") {
            continue;
        }
        if (b === undefined || a === undefined) {
            (b === undefined ? notCompared.now : notCompared.earlier).push(`${checksFile} ${name}`);
        } else if (Array.isArray(b) && Array.isArray(a)) {
            changes.push(...entryChanges(name, b, a));
        } else if (isRecord(b) && isRecord(a)) {
            changes.push(...checkChanges(b, a, notCompared, `${name}.`));
        } else if (!same(b, a)) {
            changes.push({ section: name, check: name, change: "changed", fields: fieldChanges(b, a, name), entry: a });
        }
    }
    const rank: CheckChange["change"][] = ["now fails", "refusal no longer checked", "removed", "changed", "added"];
    return changes.sort((x, y) => rank.indexOf(x.change) - rank.indexOf(y.change));
}

function entryChanges(section: string, before: unknown[], after: unknown[]): CheckChange[] {
    const keyed = (entries: unknown[]) => {
        const seen = new Map<string, number>();
        return new Map(entries.map((entry) => {
            const id = identityOf(entry);
            const count = (seen.get(id) ?? 0) + 1;
            seen.set(id, count);
            return [`${id}#${count}`, entry] as const;
        }));
    };
    const [b, a] = [keyed(before), keyed(after)];
    const changes: CheckChange[] = [];
    for (const [id, entry] of b) {
        if (!a.has(id)) {
            const refusal = isRecord(entry) && entry.expect === "denied";
            changes.push({ section, check: describeEntry(entry), change: refusal ? "refusal no longer checked" : "removed", fields: [], entry });
        }
    }
    for (const [id, entry] of a) {
        const old = b.get(id);
        const fields = old === undefined ? [] : fieldChanges(withoutDescription(old), withoutDescription(entry));
        if (old === undefined) {
            changes.push({ section, check: describeEntry(entry), change: failed(entry) ? "now fails" : "added", fields: [], entry });
        } else if (fields.length > 0) {
            changes.push({ section, check: describeEntry(entry), change: failed(entry) && !failed(old) ? "now fails" : "changed", fields, entry });
        }
    }
    return changes;
}

function withoutDescription(entry: unknown): unknown {
    return isRecord(entry) ? Object.fromEntries(Object.entries(entry).filter(([key]) => !describingFields.has(key))) : entry;
}

const failed = (entry: unknown) => isRecord(entry) && (entry.ok === false || (Array.isArray(entry.violations) && entry.violations.length > 0));

/** What identifies an entry: its string fields but the result's; a string entry is itself. */
function identityOf(entry: unknown): string {
    if (!isRecord(entry)) {
        return JSON.stringify(entry);
    }
    return JSON.stringify(Object.keys(entry).filter((k) => typeof entry[k] === "string" && !resultFields.has(k) && !describingFields.has(k)).sort().map((k) => [k, entry[k]]));
}

function describeEntry(entry: unknown): string {
    if (!isRecord(entry)) {
        return typeof entry === "string" ? entry : JSON.stringify(entry);
    }
    if (typeof entry.hop === "string") {
        return entry.hop;
    }
    return Object.keys(entry).filter((k) => typeof entry[k] === "string" && !resultFields.has(k)).map((k) => entry[k]).join(" · ");
}

/** A block of the rendered diff: a heading and its lines, each starting with `+`, `-`, `!` or `~`. */
export interface DiffBlock {
    heading: string;
    lines: string[];
}

const shown = (value: unknown) => {
    const text = JSON.stringify(value) ?? "undefined";
    return text.length > 160 ? `${text.slice(0, 157)}...` : text;
};

function fieldLine(field: FieldChange): string {
    if (!("before" in field)) {
        return `${field.path}: added ${shown(field.after)}`;
    }
    if (!("after" in field)) {
        return `${field.path}: removed ${shown(field.before)}`;
    }
    return `${field.path}: ${shown(field.before)} -> ${shown(field.after)}`;
}

/** At most this many changed fields per resource or check are listed; diff.json has them all. */
const fieldsShown = 12;

function fieldLines(fields: FieldChange[], indent: string): string[] {
    const lines = fields.slice(0, fieldsShown).map((f) => `${indent}${fieldLine(f)}`);
    return fields.length > fieldsShown ? [...lines, `${indent}... and ${fields.length - fieldsShown} more changed fields (diff.json)`] : lines;
}

/** The diff as headed blocks, most serious first in each; `accountTitle` names an account ("pipeline account"...). */
export function diffBlocks(planDiff: PlanDiff, accountTitle: (account: string) => string): DiffBlock[] {
    const blocks: DiffBlock[] = [];
    const grantLine = (sign: string, g: Grant) => `${sign} ${grantText(g)}  [${grantSource(g)}]`;
    const resourceLine = (sign: string, r: ResourceSummary) => `${sign} ${className(r.type)} ${r.name}${r.region ? ` (${r.region})` : ""}`;
    for (const account of planDiff.accounts) {
        const lines: string[] = [];
        const group = (title: string, entries: string[]) => entries.length > 0 && lines.push(`${title}:`, ...entries.map((e) => `  ${e}`));
        const [denies, allows] = [(gs: Grant[]) => gs.filter((g) => g.effect === "Deny"), (gs: Grant[]) => gs.filter((g) => g.effect !== "Deny")];
        group("Refusals that no longer hold", denies(account.grantsLost).map((g) => grantLine("!", g)));
        group("Grants gained", allows(account.grantsGained).map((g) => grantLine("+", g)));
        group("Grants lost", allows(account.grantsLost).map((g) => grantLine("-", g)));
        group("Refusals added", denies(account.grantsGained).map((g) => grantLine("+", g)));
        group("Resources added", account.resourcesAdded.map((r) => resourceLine("+", r)));
        group("Resources removed", account.resourcesRemoved.map((r) => resourceLine("-", r)));
        if (account.resourcesChanged.length > 0) {
            lines.push("Resources changed:", ...account.resourcesChanged.flatMap((r) => [`  ~ ${className(r.type)} ${r.name}`, ...fieldLines(r.fields, "      ")]));
        }
        blocks.push({ heading: `Account ${account.account} (${accountTitle(account.account)})`, lines });
    }
    const checkLines = [
        ...(planDiff.verdict ? [`${planDiff.verdict.after ? "+" : "!"} verdict: ${planDiff.verdict.before ? "PLAN OK" : "PLAN FAILED"} -> ${planDiff.verdict.after ? "PLAN OK" : "PLAN FAILED"}`] : []),
        ...planDiff.checks.flatMap((c) => {
            const sign = c.change === "added" ? "+" : c.change === "changed" ? "~" : c.change === "removed" ? "-" : "!";
            return [`${sign} ${c.section}: ${c.check} (${c.change})`, ...fieldLines(c.fields, "    ")];
        }),
    ];
    if (checkLines.length > 0) {
        blocks.push({ heading: "Checks", lines: checkLines });
    }
    if (planDiff.otherFilesChanged.length > 0) {
        blocks.push({ heading: "Other files of the plan folder", lines: planDiff.otherFilesChanged.map((f) => `~ ${f}`) });
    }
    return blocks;
}

/** How many changes against the earlier plan: "no change against DIR", "1 change against DIR", "3 changes ...". */
export function changeCount(planDiff: PlanDiff): string {
    return `${planDiff.changes === 0 ? "no change" : `${planDiff.changes} change${planDiff.changes === 1 ? "" : "s"}`} against ${planDiff.against}`;
}

/** One line: how many changes, and what was not compared. */
export function diffHeadline(planDiff: PlanDiff): string {
    const counted = planDiff.changes === 0 ? `${changeCount(planDiff)}: the same resources, grants and check results` : changeCount(planDiff);
    return counted + notComparedText(planDiff);
}

function notComparedText(planDiff: PlanDiff): string {
    const { earlier, now } = planDiff.notCompared;
    if (earlier.length + now.length === 0) {
        return "";
    }
    const parts = [...(now.length ? [`only in this plan: ${now.join(", ")}`] : []), ...(earlier.length ? [`only in the earlier plan: ${earlier.join(", ")}`] : [])];
    return ` (not compared, as one plan has them and the other has not, e.g. written by another version of the plan: ${parts.join("; ")})`;
}
