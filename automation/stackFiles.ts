import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { DriverError } from "./errors";
import { isRecord } from "./values";

export const PROJECT_NAME = "cross-account-pipeline";

/** What a stack deploys, from its `cross-account-pipeline:deploy` config value. */
export type StackRole = "pipeline" | "target" | "all";
const STACK_ROLES: readonly StackRole[] = ["pipeline", "target", "all"];

/**
 * A stack of the project: its name (`accountA` for `Pulumi.accountA.yaml`), its role, and for a
 * target stack the short name of the pipeline stack it reads through its StackReference.
 */
export type StackDefinition =
    | { name: string; role: "pipeline" | "all" }
    | { name: string; role: "target"; pipelineStack: string };

const STACK_FILE = /^Pulumi\.(.+)\.ya?ml$/;
const DEPLOY_KEY = `${PROJECT_NAME}:deploy`;
const PIPELINE_STACK_KEY = `${PROJECT_NAME}:pipelineStack`;

/**
 * `organization/cross-account-pipeline/accountA` → `accountA`. Stacks of this project are
 * selected by their short name, which works on every backend.
 */
export function shortStackName(reference: string): string {
    return reference.split("/").pop() ?? reference;
}

/** Reads one stack file's role; returns the problems instead of throwing so that all files are reported together. */
export function parseStackFile(stackName: string, fileName: string, text: string): StackDefinition | string[] {
    let document: unknown;
    try {
        document = yaml.load(text);
    } catch (error) {
        return [`${fileName}: not valid YAML (${(error as Error).message.split("\n")[0]})`];
    }
    const config = isRecord(document) && isRecord(document.config) ? document.config : {};
    const deploy = config[DEPLOY_KEY];
    if (!STACK_ROLES.includes(deploy as StackRole)) {
        const found = deploy === undefined ? "is missing" : `is ${JSON.stringify(deploy)}`;
        return [`${fileName}: ${DEPLOY_KEY} ${found}; expected one of ${STACK_ROLES.join(", ")}`];
    }
    if (deploy !== "target") {
        return { name: stackName, role: deploy as "pipeline" | "all" };
    }
    const pipelineStack = config[PIPELINE_STACK_KEY];
    if (typeof pipelineStack !== "string" || pipelineStack.trim() === "") {
        return [
            `${fileName}: ${PIPELINE_STACK_KEY} is missing; a target stack names the pipeline stack it reads, ` +
                `e.g. organization/${PROJECT_NAME}/accountA`,
        ];
    }
    return { name: stackName, role: "target", pipelineStack: shortStackName(pipelineStack) };
}

/** Every `Pulumi.<stack>.yaml` in the project directory, sorted by stack name. */
export function readStackFiles(projectDir: string): StackDefinition[] {
    let fileNames: string[];
    try {
        fileNames = fs.readdirSync(projectDir).filter((name) => STACK_FILE.test(name)).sort();
    } catch (error) {
        throw new DriverError(`cannot read the project directory ${projectDir}: ${(error as Error).message}`);
    }
    if (fileNames.length === 0) {
        throw new DriverError(`no stack files (Pulumi.<stack>.yaml) in ${projectDir}`);
    }
    const definitions: StackDefinition[] = [];
    const problems: string[] = [];
    for (const fileName of fileNames) {
        const stackName = STACK_FILE.exec(fileName)![1];
        const parsed = parseStackFile(stackName, fileName, fs.readFileSync(path.join(projectDir, fileName), "utf8"));
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
