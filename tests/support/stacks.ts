// The shipped stack files, evaluated with the real program under mocks, and configs derived from them.
import { configNamespace } from "../../config";
import { ProgramRun, runProgram } from "../../evaluation/runProgram";
import { qualifiedConfig, shipped, targetStackName } from "../fixtures";

export const targetsOf = (config: Record<string, string>) => JSON.parse(config[`${configNamespace}:targets`]) as Record<string, unknown>[];

/** accountB, then accountA reading accountB's outputs through its StackReference: the order they deploy. */
export async function runShippedStacks(): Promise<{ pipeline: ProgramRun; target: ProgramRun }> {
    const b = shipped("accountB");
    const target = await runProgram({ stack: b.stack, config: b.config });
    const a = shipped("accountA");
    const pipeline = await runProgram({ stack: a.stack, config: a.config, stackOutputs: { [targetStackName]: target.outputs } });
    return { pipeline, target };
}

/** The pipeline account and the given targets in one `deploy: all` stack. */
export function runAllInOne(targets: Record<string, unknown>[], extra: Record<string, unknown> = {}): Promise<ProgramRun> {
    return runProgram({ stack: "all", config: qualifiedConfig("accountA", { deploy: "all", targets, ...extra }) });
}

export const production = { name: "Production", accountId: "333333333333", applicationName: "ProductionApp", deploymentGroupName: "ProductionFleet", requireApproval: true };
export const europe = { name: "Europe", accountId: "444444444444", region: "eu-west-1", applicationName: "EuropeApp", deploymentGroupName: "EuropeFleet" };

export function resourcesOf(run: ProgramRun, type: string) {
    return run.resources.filter((r) => r.type === type);
}
