// Evaluates the real program for each stack file, in the order `pulumi up` must follow: the target
// stacks first, then the pipeline stacks, each fed the outputs of the target stacks it names through
// its StackReferences.
import * as path from "path";
import { ProgramConfig } from "../config";
import { ProgramRun, projectName, runProgram } from "../evaluation/runProgram";
import { qualifiedStackName, StackFile } from "../project/stackFiles";
import type { ConfiguredStack } from "./stackConfigs";

export interface PlannedStack {
    file: StackFile;
    /** The stack's config as the program reads it. */
    config: ProgramConfig;
    run?: ProgramRun;
    /** Why the program was not evaluated for this stack, or its error (a stack file given twice, a target stack not planned...). */
    error?: string;
}

/**
 * Target stacks first, in the order of their stages, then pipeline and all-in-one stacks: the order
 * `pulumi up` must follow, since CreatePipeline assumes each target's role, which must exist by then.
 */
export function deploymentOrder(stacks: ConfiguredStack[]): ConfiguredStack[] {
    const rank = ({ config }: ConfiguredStack): [number, number] => config.deploy === "target" ? [0, firstStage(config)] : [1, 0];
    return [...stacks].sort((a, b) => {
        const [ra, rb] = [rank(a), rank(b)];
        return ra[0] - rb[0] || ra[1] - rb[1];
    });
}

/** Where a target stack's first target stands among its targets, from 0. */
function firstStage(config: ProgramConfig): number {
    const deployed = new Set((config.deployedTargets ?? []).map((target) => target.name));
    return config.targets.findIndex((target) => deployed.has(target.name));
}

/**
 * Stack files that cannot be planned with the others, with why: a file given twice, or a second
 * file for a stack name already taken (a project has one stack of a name, wherever its file lies).
 */
function duplicateStackFiles(files: StackFile[]): Map<StackFile, string> {
    const duplicates = new Map<StackFile, string>();
    const byName = new Map<string, StackFile>();
    for (const file of files) {
        const first = byName.get(file.stack);
        if (!first) {
            byName.set(file.stack, file);
        } else if (path.resolve(first.file) === path.resolve(file.file)) {
            duplicates.set(file, `stack file ${file.file} is given twice; plan it once`);
        } else {
            duplicates.set(file, `stack ${file.stack} is given twice, by ${first.file} and by ${file.file}: a project has one stack of a name, so its resources would be declared twice; plan one of them`);
        }
    }
    return duplicates;
}

export async function evaluateStacks(stacks: ConfiguredStack[], progress: (line: string) => void = () => undefined): Promise<PlannedStack[]> {
    const ordered = deploymentOrder(stacks);
    const duplicates = duplicateStackFiles(ordered.map((stack) => stack.file));
    const planned: PlannedStack[] = [];
    for (const [index, { file, config }] of ordered.entries()) {
        progress(`[${index + 1}/${ordered.length}] evaluating stack ${file.stack} (deploy: ${config.deploy}, ${file.file})`);
        const duplicate = duplicates.get(file);
        if (duplicate) {
            planned.push({ file, config, error: duplicate });
            continue;
        }
        const references = config.deploy === "pipeline" ? targetStackOutputs(config, planned) : { outputs: {}, problems: [] };
        if (references.problems.length > 0) {
            planned.push({ file, config, error: references.problems.join("\n") });
            continue;
        }
        try {
            const run = await runProgram({ stack: file.stack, config: file.config, stackOutputs: references.outputs });
            planned.push({ file, config, run });
        } catch (e) {
            planned.push({ file, config, error: (e as Error).message });
        }
    }
    return planned;
}

/**
 * What a pipeline stack's StackReferences read: the outputs of the target stack each `targets[].stack`
 * names, served under that name. Offline the organization cannot be checked (it depends on the
 * backend); the project must be this one, and the stack one planned (and so evaluated) before.
 */
function targetStackOutputs(config: ProgramConfig, evaluated: PlannedStack[]): { outputs: Record<string, Record<string, unknown>>; problems: string[] } {
    const outputs: Record<string, Record<string, unknown>> = {};
    const problems: string[] = [];
    config.targets.forEach((target, index) => {
        const key = `targets[${index}].stack`;
        const name = target.stack && qualifiedStackName(target.stack);
        if (!name) {
            return;
        }
        if (name.project !== projectName) {
            problems.push(`${key}: "${target.stack}" is a stack of project "${name.project}"; the stack that deploys target ${target.name} is a stack of this project, ${projectName}, e.g. "${name.organization}/${projectName}/${name.stack}"`);
            return;
        }
        const referenced = evaluated.find((s) => s.file.stack === name.stack);
        if (!referenced) {
            const targetStacks = evaluated.filter((s) => s.config.deploy === "target").map((s) => s.file.stack);
            problems.push(`${key}: "${target.stack}" is not among the planned target stacks (${targetStacks.join(", ") || "none"}); plan stack ${name.stack} together with this pipeline stack`);
        } else if (!referenced.run) {
            problems.push(`${key}: stack ${name.stack} could not be evaluated (see its error), so the role of target ${target.name} cannot be read from it`);
        } else {
            outputs[target.stack!] = referenced.run.outputs;
        }
    });
    return { outputs, problems };
}
