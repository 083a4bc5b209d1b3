// The public API of the automation driver: preview, deploy, destroy, refresh and read the
// outputs of every stack of the project, in the right order.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PulumiCommand } from "@pulumi/pulumi/automation";
import { ConfirmApply, DriverEvent, DriverRequest, Operation, planPhases, RunReport, runOperation } from "./driver";
import {
    AwsCredentials,
    BackendOptions,
    backendChoice,
    backendEnv,
    checkBackendUrl,
    createdForTheRun,
    credentialsEnv,
    defaultBackendUrl,
    defaultStateDir,
    isServiceBackend,
    processEnv,
    readLogin,
    usesPassphrase,
} from "./environment";
import { driverCredentialsVariable } from "../config";
import { DriverError } from "./errors";
import { backendUrlOfCli, CANCELLED_MARKER, createPulumiWorkspace, defaultOrganization, findPulumiCli } from "./pulumiStacks";
import { fullyQualified, organizationOfRun } from "./stackNames";
import { ProjectStacks, readProjectStacks, selectStacks, StackDefinition, stackDefinitionsThroughWorkspace } from "./stackFiles";
import { StackWorkspace } from "./stackWorkspace";

export { defaultBackendUrl } from "./environment";
export { DriverError } from "./errors";
export type { ConfirmApply, DriverEvent, Operation, PhasePreview, RunReport, StackResult, StackStatus } from "./driver";
export type { AwsCredentials } from "./environment";
export type { FailureKind } from "./errors";
export type { RoleArnCheck } from "./crossCheck";
export type { StackDefinition, StackRole } from "./stackFiles";
export type { ChangeCounts, ResourceChange, ResourceName, StackOutputs } from "./stackWorkspace";

export const DEFAULT_CONCURRENCY = 4;

export interface DriverOptions extends BackendOptions {
    /** Stacks to run, by name; default: every `Pulumi.<stack>.yaml` of the project. Order comes from which stack reads which. */
    stacks?: string[];
    /**
     * AWS credentials per stack name, for that stack's AWS providers only (not the Pulumi CLI's backend or secrets
     * provider); a stack without an entry, and the CLI itself, use the credentials of the environment.
     */
    credentials?: Record<string, AwsCredentials>;
    /** Extra environment variables per stack name, for that stack's whole Pulumi process: the CLI, the program, the providers. */
    environment?: Record<string, Record<string, string>>;
    /** At most this many stacks of one phase run at the same time; default 4. */
    concurrency?: number;
    /** The policy pack every preview and update runs with; default: the project's own `policy-pack/`. */
    policyPack?: string;
    /** Everything that happens while the run goes on, stack by stack. */
    onEvent?: (event: DriverEvent) => void;
    /**
     * Cancels the run: no stack or phase starts any more, and each running Pulumi CLI gets one SIGINT and stops at a
     * safe point, its state consistent; those stacks end `interrupted`. A service cancels a run with it.
     */
    signal?: AbortSignal;
    /**
     * After `signal`: stops the running Pulumi CLIs at once (a second signal each), which may leave pending operations
     * and a lock in their state; the command line's second Ctrl-C.
     */
    terminate?: AbortSignal;
}

export interface UpOptions extends DriverOptions {
    /**
     * Asked with each phase's previews before that phase is applied; resolves true to apply it.
     * Without it every phase is applied after its preview has passed.
     */
    confirm?: ConfirmApply;
}

export interface DestroyOptions extends DriverOptions {
    /** Destroy a stack even while a stack outside the run still reads it and has resources. */
    force?: boolean;
}

/** Shows what every stack would change; changes nothing and leaves the project's files as they were. */
export function preview(options: DriverOptions): Promise<RunReport> {
    return run(options, "preview");
}

/** Phase by phase (the stacks others read first): previews with the policy pack, asks if `confirm` is given, applies; then cross-checks the role ARNs. */
export function up(options: UpOptions): Promise<RunReport> {
    return run(options, "up", { confirm: options.confirm });
}

/** Destroys the stacks that read others first (keeping protected resources); refuses a stack still read by a stack outside the run that has resources, unless forced. */
export function destroy(options: DestroyOptions): Promise<RunReport> {
    return run(options, "destroy", { force: options.force === true });
}

/** Refreshes every stack's state from the cloud, in deployment order. */
export function refresh(options: DriverOptions): Promise<RunReport> {
    return run(options, "refresh");
}

/** Reads every stack's outputs (`StackResult.outputs`). */
export function outputs(options: DriverOptions): Promise<RunReport> {
    return run(options, "outputs");
}

/** Prepares and runs one operation; a second interrupt (`terminate`) reaches the CLIs still running. */
async function run(options: DriverOptions, operation: Operation, extra: Pick<DriverRequest, "confirm" | "force"> = {}): Promise<RunReport> {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "cross-account-pipeline-run-"));
    const terminate = () => {
        const signalled = workspace?.terminateRunning() ?? 0;
        options.onEvent?.({ type: "note", text: `terminating ${signalled} running Pulumi CLI${signalled === 1 ? "" : "s"} at once` });
    };
    // An operation the SDK starts after the abort would not hear it (it listens once the CLI runs): the wrapper
    // (pulumiInItsOwnGroup) refuses to start one once this file exists.
    const refuseNewOperations = () => fs.writeFileSync(path.join(runDir, CANCELLED_MARKER), "");
    let workspace: StackWorkspace | undefined;
    let cleanUp: (() => void) | undefined;
    options.signal?.addEventListener("abort", refuseNewOperations, { once: true });
    options.terminate?.addEventListener("abort", terminate, { once: true });
    try {
        const prepared = await prepare(options, operation, runDir);
        workspace = prepared.workspace;
        cleanUp = prepared.cleanUp;
        return await runOperation(workspace, { ...prepared.request, ...extra });
    } finally {
        cleanUp?.();
        options.signal?.removeEventListener("abort", refuseNewOperations);
        options.terminate?.removeEventListener("abort", terminate);
        fs.rmSync(runDir, { recursive: true, force: true });
    }
}

/** The phases an operation would run, by stack name, without running anything (reads only the project's files). */
export function plan(options: Pick<DriverOptions, "projectDir" | "stacks">, operation: Operation): string[][] {
    const { definitions } = readProjectStacks(path.resolve(options.projectDir));
    return planPhases(selectStacks(definitions, options.stacks), operation).map((phase) => phase.map((stack) => stack.name));
}

async function prepare(
    options: DriverOptions,
    operation: Operation,
    runDir: string,
): Promise<{ workspace: StackWorkspace; request: DriverRequest; cleanUp: () => void }> {
    const emit = options.onEvent ?? (() => undefined);
    const given = path.resolve(options.projectDir);
    if (!fs.existsSync(path.join(given, "Pulumi.yaml"))) {
        throw new DriverError(`no Pulumi.yaml in ${given}: projectDir must be the Pulumi project's directory`);
    }
    // The real path: the Pulumi CLI finds its project from its working directory with no symbolic link in it
    // (os.Getwd, with PWD set to the same path below), and keys the project's selected stack by that path.
    const projectDir = fs.realpathSync(given);
    // Everything that can be checked without the Pulumi CLI, first.
    const fromFiles = readProjectStacks(projectDir);
    const requested = selectStacks(fromFiles.definitions, options.stacks).map((stack) => stack.name);
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new DriverError(`concurrency must be a whole number of at least 1, not ${concurrency}`);
    }
    const stackEnv = stackEnvironments(options, fromFiles);
    const policyPack = path.resolve(projectDir, options.policyPack ?? "policy-pack");
    if (operation === "preview" || operation === "up") {
        if (!fs.existsSync(path.join(policyPack, "PulumiPolicy.yaml"))) {
            throw new DriverError(`policy pack ${policyPack} not found (no PulumiPolicy.yaml there); pass its directory with --policy-pack`);
        }
    }
    if (options.backendUrl !== undefined) {
        checkBackendUrl(options.backendUrl);
    }

    const { requiredPulumiVersion } = fromFiles.project;
    const pulumiCommand = await findPulumiCli(requiredPulumiVersion === undefined ? undefined : { file: path.join(projectDir, "Pulumi.yaml"), range: requiredPulumiVersion });
    const { url: backendUrl, source } = await chooseBackend(options, fromFiles, pulumiCommand);
    const organization =
        organizationOfRun(fromFiles.definitions, { option: options.organization, service: isServiceBackend(backendUrl) }) ??
        (await defaultOrganization(pulumiCommand, projectDir, { PULUMI_BACKEND_URL: backendUrl, PULUMI_SKIP_UPDATE_CHECK: "true" }));
    emit({ type: "backend", url: backendUrl, source, stacks: fullyQualified(organization, fromFiles.project.name, "<stack>") });
    const secretsProviders = Object.fromEntries(
        fromFiles.definitions.map(({ name }) => [name, options.secretsProvider ?? fromFiles.secrets[name].secretsProvider]),
    );
    const needPassphrase = requested.filter((name) => usesPassphrase(fromFiles.secrets[name], backendUrl, secretsProviders[name]));
    const env = { ...backendEnv(backendUrl, options, process.env, needPassphrase), PWD: projectDir };
    let cleanUp = () => undefined as void;
    if (backendUrl === defaultBackendUrl(projectDir)) {
        // A file backend needs its directory; only the default one is created, so that a mistyped
        // backend path fails instead of starting an empty backend.
        cleanUp = createdForTheRun(defaultStateDir(projectDir));
    }
    const workspace = createPulumiWorkspace(pulumiCommand, {
        projectDir,
        backendUrl,
        env,
        stackEnv,
        secretsProviders,
        policyPacks: [policyPack],
        stackFiles: fromFiles.files,
        runDir,
        organization,
        projectName: fromFiles.project.name,
    });
    let projectStacks: StackDefinition[];
    try {
        projectStacks = await stackDefinitionsThroughWorkspace(workspace, fromFiles, (stack, text) => emit({ type: "note", stack, text }), concurrency);
        // What Pulumi adds to the config (an ESC environment's targets) must read the same organization.
        organizationOfRun(projectStacks, { option: organization, service: isServiceBackend(backendUrl) }, "as the stack files, --org or the CLI's default chose it");
    } catch (error) {
        cleanUp();
        throw error;
    }
    const stacks = projectStacks.filter((stack) => requested.includes(stack.name));
    return {
        workspace,
        request: { operation, stacks, projectStacks, concurrency, onEvent: options.onEvent, signal: options.signal, terminate: options.terminate },
        cleanUp,
    };
}

/** The backend the user chose (the option, or what the Pulumi CLI is set to use), else the project's own file backend. */
async function chooseBackend(
    options: DriverOptions,
    { project }: ProjectStacks,
    pulumiCommand: PulumiCommand,
): Promise<{ url: string; source: string }> {
    const projectDir = path.resolve(options.projectDir);
    const choice = backendChoice(options, process.env, { projectBackendUrl: project.backendUrl, login: readLogin(process.env) });
    if (!choice.chosen) {
        return { url: defaultBackendUrl(projectDir), source: "none chosen, so the project's own (git-ignored)" };
    }
    const url = choice.url ?? (await backendUrlOfCli(pulumiCommand, projectDir, { PULUMI_SKIP_UPDATE_CHECK: "true" }));
    checkBackendUrl(url);
    return { url, source: choice.source };
}

function stackEnvironments(options: DriverOptions, stacks: ProjectStacks): Record<string, Record<string, string>> {
    const names = stacks.definitions.map((s) => s.name);
    const credentials = options.credentials ?? {};
    const environment = options.environment ?? {};
    for (const [option, given] of [["credentials", credentials], ["environment", environment]] as const) {
        const unknown = Object.keys(given).filter((name) => !names.includes(name));
        if (unknown.length > 0) {
            throw new DriverError(`${option} given for unknown stack ${unknown.join(", ")} (stacks: ${names.join(", ")})`);
        }
    }
    return Object.fromEntries(
        names.map((name) => [name, {
            ...(environment[name] ? processEnv(name, environment[name]) : {}),
            // A stack without credentials gets none, whatever the shell holds: it uses the environment's AWS credentials.
            ...(credentials[name] ? credentialsEnv(name, credentials[name]) : { [driverCredentialsVariable]: "" }),
        }]),
    );
}
