// The public API of the automation driver: preview, deploy, destroy, refresh and read the
// outputs of every stack of the project, in the right order.

import * as fs from "fs";
import * as path from "path";
import {
    ConfirmApply,
    DriverEvent,
    DriverRequest,
    Operation,
    planPhases,
    RunReport,
    runOperation,
    upAfterConfirmation,
} from "./driver";
import { AwsCredentials, BackendOptions, backendSettings, credentialsEnv, defaultStateDir } from "./environment";
import { DriverError } from "./errors";
import { createPulumiWorkspace } from "./pulumiStacks";
import { readStackFiles, selectStacks } from "./stackFiles";
import { StackWorkspace } from "./stackWorkspace";

export { defaultBackendUrl } from "./environment";
export { DriverError } from "./errors";
export type { ConfirmApply, DriverEvent, Operation, RunReport, StackResult, StackStatus } from "./driver";
export type { AwsCredentials } from "./environment";
export type { FailureKind } from "./errors";
export type { RoleArnCheck } from "./crossCheck";
export type { StackDefinition, StackRole } from "./stackFiles";
export type { ChangeCounts, ResourceChange, StackOutputs } from "./stackWorkspace";

export const DEFAULT_CONCURRENCY = 4;

export interface DriverOptions extends BackendOptions {
    /** Stacks to run, by name; default: every `Pulumi.<stack>.yaml` in `projectDir`. Order comes from their roles. */
    stacks?: string[];
    /** AWS credentials per stack name; a stack without an entry uses the credentials of the environment. */
    credentials?: Record<string, AwsCredentials>;
    /** At most this many stacks of one phase (the target stacks) run at the same time; default 4. */
    concurrency?: number;
    /** Everything that happens while the run goes on, stack by stack. */
    onEvent?: (event: DriverEvent) => void;
}

export interface UpOptions extends DriverOptions {
    /** When given: preview every stack first, and apply only if this resolves true. */
    confirm?: ConfirmApply;
}

export interface DestroyOptions extends DriverOptions {
    /** Destroy a pipeline stack even while a target stack that reads it still has resources. */
    force?: boolean;
}

/** Shows what every stack would change; changes nothing. */
export async function preview(options: DriverOptions): Promise<RunReport> {
    const { workspace, request } = await prepare(options, "preview");
    return runOperation(workspace, request);
}

/** Deploys the pipeline stack, then the target stacks concurrently, then cross-checks the role ARNs. */
export async function up(options: UpOptions): Promise<RunReport> {
    const { workspace, request } = await prepare(options, "up");
    return options.confirm ? upAfterConfirmation(workspace, request, options.confirm) : runOperation(workspace, request);
}

/** Destroys the target stacks, then the pipeline stack (refused while a target stack still has resources, unless forced). */
export async function destroy(options: DestroyOptions): Promise<RunReport> {
    const { workspace, request } = await prepare(options, "destroy");
    return runOperation(workspace, { ...request, force: options.force === true });
}

/** Refreshes every stack's state from the cloud, in deployment order. */
export async function refresh(options: DriverOptions): Promise<RunReport> {
    const { workspace, request } = await prepare(options, "refresh");
    return runOperation(workspace, request);
}

/** Reads every stack's outputs (`StackResult.outputs`). */
export async function outputs(options: DriverOptions): Promise<RunReport> {
    const { workspace, request } = await prepare(options, "outputs");
    return runOperation(workspace, request);
}

/** The phases an operation would run, by stack name, without running anything (reads only the stack files). */
export function plan(options: Pick<DriverOptions, "projectDir" | "stacks">, operation: Operation): string[][] {
    const projectStacks = readStackFiles(options.projectDir);
    return planPhases(selectStacks(projectStacks, options.stacks), operation).map((phase) => phase.map((stack) => stack.name));
}

async function prepare(
    options: DriverOptions,
    operation: Operation,
): Promise<{ workspace: StackWorkspace; request: DriverRequest }> {
    const projectDir = path.resolve(options.projectDir);
    if (!fs.existsSync(path.join(projectDir, "Pulumi.yaml"))) {
        throw new DriverError(`no Pulumi.yaml in ${projectDir}: projectDir must be the Pulumi project's directory`);
    }
    const projectStacks = readStackFiles(projectDir);
    const stacks = selectStacks(projectStacks, options.stacks);
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new DriverError(`concurrency must be a whole number of at least 1, not ${concurrency}`);
    }
    const credentials = options.credentials ?? {};
    const unknownCredentialStacks = Object.keys(credentials).filter((name) => !projectStacks.some((s) => s.name === name));
    if (unknownCredentialStacks.length > 0) {
        throw new DriverError(
            `credentials given for unknown stack ${unknownCredentialStacks.join(", ")} ` +
                `(stacks: ${projectStacks.map((s) => s.name).join(", ")})`,
        );
    }
    const stackEnv = Object.fromEntries(
        Object.entries(credentials).map(([stackName, given]) => [stackName, credentialsEnv(stackName, given)]),
    );
    const backend = backendSettings({ ...options, projectDir }, process.env);
    const workspace = await createPulumiWorkspace({ projectDir, backend, stackEnv });
    if (options.backendUrl === undefined) {
        // A file backend needs its directory; only the default one is created, so that a mistyped
        // --backend path fails instead of starting an empty backend.
        fs.mkdirSync(defaultStateDir(projectDir), { recursive: true });
    }
    return { workspace, request: { operation, stacks, projectStacks, concurrency, onEvent: options.onEvent } };
}
