// What the command line prints, as pure functions of the driver's reports and events.

import { RoleArnCheck } from "./crossCheck";
import { DriverEvent, Operation, RunReport, StackResult, StackStatus } from "./driver";
import { ChangeCounts, ChangeOp, STEP_KINDS, StepKind } from "./stackWorkspace";

/** The four kinds always shown in the summary table, even at 0; any other kind only when it occurs. */
const ALWAYS_SHOWN: readonly StepKind[] = ["create", "update", "replace", "delete"];

/** The kinds of change that occurred beside the four, in the engine's order. */
function otherKinds(changes: ChangeCounts): ChangeOp[] {
    return (Object.keys(STEP_KINDS) as StepKind[]).filter((kind): kind is ChangeOp => kind !== "same" && !ALWAYS_SHOWN.includes(kind) && changes[kind] > 0);
}

/** `+3 ~1 +-0 -0 =2`: created, updated, replaced, deleted, then any other kind that occurred (Pulumi's own symbols). */
export function formatChanges(changes: ChangeCounts | undefined): string {
    if (changes === undefined) {
        return "-";
    }
    return [...ALWAYS_SHOWN, ...otherKinds(changes)].map((kind) => `${STEP_KINDS[kind]}${changes[kind]}`).join(" ");
}

/** `3 to create, 0 to update, 0 to replace, 0 to delete, 2 to import, 1 unchanged`: every kind that occurred, in words. */
export function describeChanges(changes: ChangeCounts): string {
    return [...ALWAYS_SHOWN, ...otherKinds(changes)].map((kind) => `${changes[kind]} to ${kind.replace(/-/g, " ")}`).concat(`${changes.same} unchanged`).join(", ");
}

/** `accountA → accountB + accountC`: phases in order, stacks of one phase together. */
export function formatPlan(operation: Operation, phases: readonly string[][]): string {
    return `${operation}: ${phases.map((phase) => phase.join(" + ")).join(" → ")}`;
}

/** One stack's preview: the counts, then one line per resource that would change, then what it could not know. */
export function formatPreview(result: StackResult): string[] {
    if (result.status !== "succeeded" || result.changes === undefined) {
        return [`${result.stack}: no preview (${result.status}${result.message === undefined ? "" : `: ${result.message.split("\n")[0]}`})`];
    }
    const header = `${result.stack}${result.newStack ? " (new stack)" : ""}: ${describeChanges(result.changes)}`;
    const resources = (result.resources ?? []).map(({ op, type, name }) => `    ${STEP_KINDS[op].padEnd(2)} ${type}  ${name}`);
    return [header, ...resources, ...(result.caveat === undefined ? [] : [`    note: ${result.caveat}`])];
}

/** The final table (stack, result, changes, seconds), then why each stack that did not succeed did not. */
export function formatSummaryTable(results: readonly StackResult[]): string[] {
    const rows = [
        ["stack", "result", "changes", "seconds"],
        ...results.map((result) => [result.stack, result.status, formatChanges(result.changes), result.seconds.toFixed(1)]),
    ];
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    const table = rows.map((row) =>
        row
            .map((cell, column) => (column === row.length - 1 ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
            .join("  "),
    );
    const reasons = results
        .filter((result) => result.message !== undefined)
        .map((result) => `${result.stack} ${result.status}: ${result.message!.replace(/\n/g, "\n    ")}`);
    return [...table, ...reasons];
}

export function formatRoleArnChecks(checks: readonly RoleArnCheck[]): string[] {
    if (checks.length === 0) {
        return [];
    }
    const failed = checks.some((check) => check.problem !== undefined);
    const compared = checks.some((check) => check.roleArn !== undefined);
    const header = failed
        ? "ROLE ARN CROSS-CHECK FAILED: a target stack does not export the role its pipeline stack assumes"
        : compared
          ? "Role ARN cross-check passed:"
          : "Role ARN cross-check: nothing to compare yet";
    const lines = checks.map((check) =>
        check.problem !== undefined
            ? `  FAIL  ${check.problem}`
            : check.pending !== undefined
              ? `  next  ${check.pending}`
              : `  ok    ${check.targetStack} ${check.target}: ${check.roleArn} (assumed by ${check.pipelineStack})`,
    );
    return [header, ...lines];
}

/** The last line: did the run do what was asked, and if not, which stacks and checks failed. */
export function formatOutcome(report: RunReport): string {
    if (report.interrupted) {
        const done = report.stacks.filter((s) => s.status === "succeeded").map((s) => s.stack);
        const stopped = report.stacks.filter((s) => s.status === "interrupted").map((s) => s.stack);
        return `Interrupted: ${done.length > 0 ? `${report.operation} finished for ${done.join(", ")}; ` : ""}` +
            `${stopped.length > 0 ? `stopped ${stopped.join(", ")}; ` : ""}nothing else started.`;
    }
    if (report.notApplied !== undefined) {
        const applied = report.stacks.filter((s) => s.status === "succeeded").map((s) => s.stack);
        return applied.length === 0
            ? `Nothing applied: ${report.notApplied}.`
            : `Stopped: ${report.notApplied}; applied only ${applied.join(", ")}.`;
    }
    if (report.ok) {
        return `${report.operation} succeeded for ${report.stacks.map((s) => s.stack).join(", ")}.`;
    }
    const failures = report.stacks
        .filter((s) => s.status === "failed" || s.status === "refused")
        .map((s) => `${s.stack} ${s.status}`);
    if (report.roleArnChecks.some((check) => check.problem !== undefined)) {
        failures.push("role ARN cross-check failed");
    }
    return `${report.operation} FAILED: ${failures.join("; ")}.`;
}

type BoardState = "waiting" | "running" | StackStatus;

/** Per-stack status while a run goes on, fed with the driver's events. */
export class StatusBoard {
    private readonly stacks = new Map<string, { state: BoardState; startedAt: number; resourcesDone: number }>();

    update(event: DriverEvent, now: number): void {
        if (event.type === "planned") {
            this.stacks.clear();
            event.phases.flat().forEach((stack) => this.stacks.set(stack, { state: "waiting", startedAt: now, resourcesDone: 0 }));
        } else if (event.type === "started") {
            this.stacks.set(event.stack, { state: "running", startedAt: now, resourcesDone: 0 });
        } else if (event.type === "progress") {
            const entry = this.stacks.get(event.stack);
            if (entry) {
                entry.resourcesDone = event.resourcesDone;
            }
        } else if (event.type === "finished") {
            const entry = this.stacks.get(event.result.stack);
            if (entry) {
                entry.state = event.result.status;
            }
        }
    }

    /** `status: accountA running 20s, 5 resources done | accountB waiting`, or undefined when nothing runs. */
    line(now: number): string | undefined {
        const entries = [...this.stacks.entries()];
        if (!entries.some(([, entry]) => entry.state === "running")) {
            return undefined;
        }
        const parts = entries.map(([stack, { state, startedAt, resourcesDone }]) =>
            state === "running"
                ? `${stack} running ${Math.round((now - startedAt) / 1000)}s, ${resourcesDone} resources done`
                : `${stack} ${state}`,
        );
        return `status: ${parts.join(" | ")}`;
    }
}
