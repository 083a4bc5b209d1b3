// The project's stacks as the driver sees them: each stack's role and which stacks of this project
// it reads through a StackReference. Read from the stack files offline, and through the Pulumi
// workspace where the CLI is present (stackDefinitionsThroughWorkspace), which sees what Pulumi
// adds to a stack's config (project-level values, ESC environments, stackConfigDir).

import * as path from "path";
import { configNamespace, DeployMode, deployModes } from "../config";
import { ProjectFile, projectStackName, qualifiedStackName, readProjectFile, readStackFile, stackFilesIn } from "../project/stackFiles";
import { runBounded } from "./bounded";
import { DriverError, messageOf, StackFailure } from "./errors";
import { StackWorkspace } from "./stackWorkspace";
import { isRecord } from "../config/values";

/** What a stack deploys, from its `cross-account-pipeline:deploy` config value. */
export type StackRole = DeployMode;

/** A stack of the project: its name (`accountA` for `Pulumi.accountA.yaml`), its role, and the stacks of this project it reads. */
export interface StackDefinition {
    name: string;
    role: StackRole;
    /**
     * Short names of the stacks of this project whose outputs this stack reads through a
     * StackReference: for a pipeline stack, its targets' `stack`. They must be up before it.
     */
    reads: string[];
    /** The organizations its StackReferences name (`<organization>/<project>/<stack>` in targets[].stack). */
    organizations?: string[];
}

/** A stack file's secrets settings (its `secretsprovider` and `encryptionsalt` lines), which decide whether it needs a passphrase. */
export interface StackSecrets {
    /** `secretsprovider:` of the stack file, if any (`passphrase`, `awskms://…`, …). */
    secretsProvider?: string;
    /** The file holds an `encryptionsalt:`: the stack was created with the passphrase provider. */
    hasEncryptionSalt: boolean;
}

/** The project: its name, its stacks' definitions and secrets settings, read from the files. */
export interface ProjectStacks {
    project: ProjectFile;
    definitions: StackDefinition[];
    secrets: Record<string, StackSecrets>;
    /** Each stack's file, where it is. */
    files: Record<string, string>;
    /** The stacks whose file imports ESC environments: only the Pulumi CLI knows their whole config. */
    importingEnvironments: string[];
}

const deployKey = `${configNamespace}:deploy`;
const targetsKey = `${configNamespace}:targets`;

/**
 * A stack's definition from its config (fully qualified keys, string values, objects as JSON);
 * the problems instead of throwing, so that all stacks are reported together.
 */
export function stackDefinition(
    stack: string,
    fileName: string,
    config: Record<string, string>,
    projectName: string,
): StackDefinition | string[] {
    const deploy = config[deployKey];
    if (!deployModes.includes(deploy as DeployMode)) {
        const found = deploy === undefined ? "is missing" : `is ${JSON.stringify(deploy)}`;
        return [`${fileName}: ${deployKey} ${found}; expected one of ${deployModes.join(", ")}`];
    }
    const role = deploy as DeployMode;
    // Only a pipeline stack reads other stacks: a target stack reads nothing (its `pipelineStack`
    // is no longer read), an `all` stack deploys its targets itself.
    if (role !== "pipeline") {
        return { name: stack, role, reads: [] };
    }
    let targets: unknown;
    try {
        targets = JSON.parse(config[targetsKey] ?? "[]");
    } catch {
        targets = []; // the program reports a malformed targets list, naming the key
    }
    const reads: string[] = [];
    const organizations = new Set<string>();
    const problems: string[] = [];
    (Array.isArray(targets) ? targets : []).forEach((target: unknown, index) => {
        const reference = isRecord(target) ? target.stack : undefined;
        if (reference === undefined) {
            return; // the program says that the target's stack is missing
        }
        if (typeof reference !== "string" || reference.split("/").some((segment) => segment === "") || reference.split("/").length > 3) {
            problems.push(
                `${fileName}: ${targetsKey}[${index}].stack is ${JSON.stringify(reference)}; ` +
                    `expected the target's stack, e.g. organization/${projectName}/accountB`,
            );
            return;
        }
        const name = projectStackName(reference, projectName);
        if (name !== undefined && !reads.includes(name)) {
            reads.push(name);
        }
        if (name !== undefined) {
            organizations.add(qualifiedStackName(reference)!.organization);
        }
    });
    return problems.length > 0 ? problems : { name: stack, role, reads, organizations: [...organizations] };
}

/** Every `Pulumi.<stack>.yaml` of the project (in its `stackConfigDir`), with the project's own config values under each. */
export function readProjectStacks(projectDir: string): ProjectStacks {
    let project: ProjectFile;
    let files: string[];
    try {
        project = readProjectFile(projectDir);
        files = stackFilesIn(project.stackConfigDir);
    } catch (error) {
        throw new DriverError(`cannot read the project in ${projectDir}: ${messageOf(error)}`);
    }
    if (files.length === 0) {
        throw new DriverError(`no stack files (Pulumi.<stack>.yaml) in ${project.stackConfigDir}`);
    }
    const result: ProjectStacks = { project, definitions: [], secrets: {}, files: {}, importingEnvironments: [] };
    const problems: string[] = [];
    for (const file of files) {
        try {
            // Its project is the one read above: not read again for each stack file.
            const stackFile = readStackFile(file, () => project);
            const parsed = stackDefinition(stackFile.stack, path.basename(file), stackFile.config, project.name);
            if (Array.isArray(parsed)) {
                problems.push(...parsed);
                continue;
            }
            result.definitions.push(parsed);
            result.secrets[parsed.name] = {
                ...(stackFile.secrets?.provider ? { secretsProvider: stackFile.secrets.provider } : {}),
                hasEncryptionSalt: Boolean(stackFile.secrets?.encryptionSalt),
            };
            result.files[parsed.name] = file;
            if (stackFile.importsEnvironments) {
                result.importingEnvironments.push(parsed.name);
            }
        } catch (error) {
            problems.push(messageOf(error));
        }
    }
    if (problems.length > 0) {
        throw new DriverError(problems.join("\n"));
    }
    return result;
}

/**
 * The definitions as Pulumi sees each stack's config. The file reader already reads a stack file as the CLI does
 * (project-level values under the stack's, stackConfigDir, yaml.v2 typing); only an ESC environment the file
 * imports adds what the file does not say, so those stacks' config comes from `pulumi config --json` through the
 * workspace (at most `concurrency` at a time), and every other stack costs no CLI command. A stack not in the
 * backend yet keeps its file's; when the workspace cannot give a stack's config, `note` says why.
 */
export async function stackDefinitionsThroughWorkspace(
    workspace: StackWorkspace,
    stacks: ProjectStacks,
    note: (stack: string, text: string) => void,
    concurrency: number,
): Promise<StackDefinition[]> {
    const problems: string[] = [];
    const definitions = await runBounded(stacks.definitions, concurrency, async (fromFile) => {
        if (!stacks.importingEnvironments.includes(fromFile.name)) {
            return fromFile;
        }
        let config: Record<string, string>;
        try {
            config = await (await workspace.openStack(fromFile.name, "select")).config();
        } catch (error) {
            if (!(error instanceof StackFailure && error.kind === "stack-not-found")) {
                note(fromFile.name, `config read from its stack file: the Pulumi CLI could not give it (${messageOf(error)})`);
            }
            return fromFile;
        }
        const parsed = stackDefinition(fromFile.name, `stack ${fromFile.name}`, config, stacks.project.name);
        if (Array.isArray(parsed)) {
            problems.push(...parsed);
            return fromFile;
        }
        return parsed;
    });
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
