import * as path from "path";
import { configNamespace, DeployMode, deployModes } from "../config";
import { programKeys, readStackFile, referencedStackName, stackFilesIn, StackFile } from "../project/stackFiles";
import { DriverError } from "./errors";

/** What a stack deploys, from its `cross-account-pipeline:deploy` config value. */
export type StackRole = DeployMode;

/**
 * A stack of the project: its name (`accountA` for `Pulumi.accountA.yaml`), its role, and for a
 * target stack the short name of the pipeline stack it reads through its StackReference.
 */
export type StackDefinition =
    | { name: string; role: "pipeline" | "all" }
    | { name: string; role: "target"; pipelineStack: string };

const deployKey = `${configNamespace}:deploy`;
const pipelineStackKey = `${configNamespace}:pipelineStack`;

/** A stack file's role; the problems instead of throwing, so that all files are reported together. */
export function stackDefinition(file: StackFile): StackDefinition | string[] {
    const fileName = path.basename(file.file);
    const { deploy, pipelineStack } = programKeys(file);
    if (!deployModes.includes(deploy as DeployMode)) {
        const found = deploy === undefined ? "is missing" : `is ${JSON.stringify(deploy)}`;
        return [`${fileName}: ${deployKey} ${found}; expected one of ${deployModes.join(", ")}`];
    }
    if (deploy !== "target") {
        return { name: file.stack, role: deploy as "pipeline" | "all" };
    }
    if (!pipelineStack?.trim()) {
        return [
            `${fileName}: ${pipelineStackKey} is missing; a target stack names the pipeline stack it reads, ` +
                `e.g. organization/${configNamespace}/accountA`,
        ];
    }
    // Stacks of this project are selected by their short name, which works on every backend.
    return { name: file.stack, role: "target", pipelineStack: referencedStackName(pipelineStack) };
}

/** Every `Pulumi.<stack>.yaml` in the project directory, sorted by stack name. */
export function readStackFiles(projectDir: string): StackDefinition[] {
    let files: string[];
    try {
        files = stackFilesIn(projectDir);
    } catch (error) {
        throw new DriverError(`cannot read the project directory ${projectDir}: ${(error as Error).message}`);
    }
    if (files.length === 0) {
        throw new DriverError(`no stack files (Pulumi.<stack>.yaml) in ${projectDir}`);
    }
    const definitions: StackDefinition[] = [];
    const problems: string[] = [];
    for (const file of files) {
        let parsed: StackDefinition | string[];
        try {
            parsed = stackDefinition(readStackFile(file));
        } catch (error) {
            parsed = [(error as Error).message];
        }
        if (Array.isArray(parsed)) {
            problems.push(...parsed);
        } else {
            definitions.push(parsed);
        }
    }
    if (problems.length > 0) {
        throw new DriverError(problems.join("\n"));
    }
    return definitions;
}

/** The requested stacks (all when none are named); an unknown name is an error that lists the known ones. */
export function selectStacks(all: readonly StackDefinition[], requested: readonly string[] = []): StackDefinition[] {
    const known = new Set(all.map((stack) => stack.name));
    const unknown = requested.filter((name) => !known.has(name));
    if (unknown.length > 0) {
        throw new DriverError(
            `unknown stack ${unknown.map((name) => JSON.stringify(name)).join(", ")}: ` +
                `there is no Pulumi.<stack>.yaml for it (stacks: ${[...known].join(", ")})`,
        );
    }
    return requested.length === 0 ? [...all] : all.filter((stack) => requested.includes(stack.name));
}
