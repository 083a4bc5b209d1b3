// How long each phase of the plan takes, for `npm run bench`. With CROSS_ACCOUNT_PIPELINE_PLAN_PHASES
// set, the plan prints two lines per phase on stderr (`plan phase: <name> <ms>`, `plan phase: <name> cpu <ms>`),
// the last ones, writing (the report and what the plan folder still lacks once the checks are done), when the process exits. Without it, nothing.
import { performance } from "perf_hooks";

export const phasesVariable = "CROSS_ACCOUNT_PIPELINE_PLAN_PHASES";
export const phaseLinePrefix = "plan phase: ";

/**
 * In the order they end: loading is everything before the plan starts (Node, modules, the stack files).
 * The access checks start before the create-time checks and, when there are enough of them, run in worker
 * threads beside them and the rules: their phase is the time they take beyond those.
 */
export const planPhases = ["loading", "evaluation", "agreement", "create-time checks", "rules", "access checks", "writing"] as const;
export type PlanPhase = (typeof planPhases)[number];

/** The phase lines of a plan's stderr: milliseconds by phase (`<phase>` wall, `<phase> cpu`). */
export function parsePhaseLines(stderr: string): Map<string, number> {
    const found = new Map<string, number>();
    for (const line of stderr.split("\n")) {
        if (line.startsWith(phaseLinePrefix)) {
            const rest = line.slice(phaseLinePrefix.length);
            const cut = rest.lastIndexOf(" ");
            found.set(rest.slice(0, cut), Number(rest.slice(cut + 1)));
        }
    }
    return found;
}

export interface PhaseTimer {
    /** Ends the phase that was running and reports its duration. */
    end(phase: PlanPhase): void;
}

/** The timer `runPlan` reports to: printing when the variable is set, else one that does nothing. */
export function phaseTimer(): PhaseTimer {
    if (!process.env[phasesVariable]) {
        return { end: () => undefined };
    }
    const print = (phase: string, value: number) => process.stderr.write(`${phaseLinePrefix}${phase} ${value.toFixed(0)}\n`);
    // Loading: from the start of the process (performance's time origin) to now. CPU time (user and
    // system, of all its threads) beside the wall time: on a shared machine it varies less.
    let last = { wall: 0, cpu: 0 };
    const end = (phase: PlanPhase) => {
        const { user, system } = process.cpuUsage();
        const now = { wall: performance.now(), cpu: (user + system) / 1000 };
        print(phase, now.wall - last.wall);
        print(`${phase} cpu`, now.cpu - last.cpu);
        last = now;
    };
    end("loading");
    process.once("exit", () => end("writing"));
    return { end };
}
