// Evaluates the real program for each stack file, in deployment order, feeding each target stack's
// StackReference with the outputs of the pipeline stack it names.
import { ConfigError, parseConfig, ProgramConfig } from "../config";
import { ProgramRun, runProgram } from "../evaluation/runProgram";
import { programKeys, referencedStackName, StackFile } from "../project/stackFiles";

export interface PlannedStack {
    file: StackFile;
    /** The stack's config as the program reads it; undefined when it is invalid. */
    config?: ProgramConfig;
    run?: ProgramRun;
    /** The program's error for this stack (invalid config, missing pipeline stack...). */
    error?: string;
}

/**
 * Pipeline and all-in-one stacks first, then target stacks (the order `pulumi up` must follow),
 * these in the order of their stages.
 */
export function deploymentOrder(files: StackFile[]): StackFile[] {
    const rank = (file: StackFile) => {
        const keys = programKeys(file);
        return keys.deploy === "target" ? 1 + stageIndex(keys) : 0;
    };
    return [...files].sort((a, b) => rank(a) - rank(b));
}

/** Where a target stack's target stands among its targets, from 0; unknown ones last. */
function stageIndex(keys: Record<string, string>): number {
    try {
        const names = (JSON.parse(keys.targets) as { name?: unknown }[]).map((t) => t.name);
        return names.includes(keys.target) ? names.indexOf(keys.target) : names.length;
    } catch {
        return Number.MAX_SAFE_INTEGER;
    }
}

export async function evaluateStacks(files: StackFile[], progress: (line: string) => void = () => undefined): Promise<PlannedStack[]> {
    const ordered = deploymentOrder(files);
    const outputsByStack = new Map<string, Record<string, unknown>>();
    const planned: PlannedStack[] = [];
    for (const [index, file] of ordered.entries()) {
        const keys = programKeys(file);
        progress(`[${index + 1}/${ordered.length}] evaluating stack ${file.stack} (deploy: ${keys.deploy ?? "?"}, ${file.file})`);
        let config: ProgramConfig | undefined;
        try {
            config = parseConfig(keys);
        } catch (e) {
            planned.push({ file, error: e instanceof ConfigError ? e.message : String(e) });
            continue;
        }
        const stackOutputs: Record<string, Record<string, unknown>> = {};
        if (config.pipelineStack) {
            const outputs = outputsByStack.get(referencedStackName(config.pipelineStack));
            if (!outputs) {
                planned.push({ file, config, error: `pipelineStack: "${config.pipelineStack}" is not among the planned stacks with a pipeline (${[...outputsByStack.keys()].join(", ") || "none"}); plan it together with its pipeline stack` });
                continue;
            }
            stackOutputs[config.pipelineStack] = outputs;
        }
        try {
            const run = await runProgram({ stack: file.stack, config: file.config, stackOutputs });
            outputsByStack.set(file.stack, run.outputs);
            planned.push({ file, config, run });
        } catch (e) {
            planned.push({ file, config, error: (e as Error).message });
        }
    }
    return planned;
}
