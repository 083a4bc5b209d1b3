// npm run deploy -- --preview | --up | --destroy | --refresh [--stack NAME ...] [--yes] ...
// Parses the arguments, asks before applying, prints every line prefixed with its stack, a
// status line while stacks run, and a final table; exits 0 when everything succeeded.
// `--plan [--json]` prints the phases instead, from the project's files alone, and runs nothing.

import * as path from "path";
import * as readline from "readline";
import type { DeployMode, ProgramConfig } from "../config";
import { partitionOf } from "../definition/names";
import { stackConfigs } from "../offline-plan/stackConfigs";
import { readStackFile, StackFile } from "../project/stackFiles";
import { DriverOptions, DriverError, RunReport, StackResult, destroy, plan, preview, refresh, up } from "./index";
import { DriverEvent, PhasePreview } from "./driver";
import { formatOutcome, formatPlan, formatPreview, formatRoleArnChecks, formatSummaryTable, StatusBoard } from "./format";
import { messageOf } from "./errors";
import { readProjectStacks } from "./stackFiles";

export type CliOperation = "preview" | "up" | "destroy" | "refresh";

export interface CliCommand {
    operation: CliOperation;
    stacks: string[];
    yes: boolean;
    force: boolean;
    concurrency?: number;
    backendUrl?: string;
    organization?: string;
    policyPack?: string;
    /** `--profile STACK=PROFILE`: the AWS profile each named stack runs with. */
    profiles: Record<string, string>;
    /** `--plan`: print the phases the operation would run, as a line or (`--json`) as JSON, and run nothing. */
    plan?: "text" | "json";
}

export type ParsedArguments = { help: true } | { help: false; command: CliCommand };

export class UsageError extends Error {}

export const USAGE = `usage: npm run deploy -- (--preview | --up | --destroy | --refresh) [options]

  --preview              show what every stack would change; changes nothing, leaves no file or stack record behind
  --up                   deploy phase by phase: the target stacks together, then the pipeline stacks that read them;
                         each phase is previewed with the policy pack first, and asked about unless --yes
  --destroy              destroy: the pipeline stacks, then the target stacks; protected resources are kept;
                         asks first unless --yes
  --refresh              refresh every stack's state from the cloud
  --stack NAME ...       only these stacks (repeatable; still in order); default: every Pulumi.<stack>.yaml
  --yes, -y              do not ask before applying (the previews still run, and a failed one stops the run)
  --force                with --destroy: destroy a target stack even while a pipeline stack that reads it has resources
  --concurrency N        at most N stacks at the same time (default 4)
  --backend URL          Pulumi backend (default: the one the Pulumi CLI uses: PULUMI_BACKEND_URL, backend.url in
                         Pulumi.yaml or pulumi login; if none, file://<project>/.pulumi/state)
  --org NAME             Pulumi Cloud organization of the stacks, each named NAME/<project>/<stack> (default: the one
                         targets[].stack names, else the CLI's default organization)
  --policy-pack DIR      the policy pack previews and updates run with (default: ./policy-pack)
  --profile STACK=NAME   STACK's AWS providers use the AWS profile NAME (repeatable); the Pulumi CLI itself (its
                         backend, its secrets provider) and any other stack use the shell's AWS credentials
  --plan                 print the phases the operation (default --up) would run, from the project's files alone,
                         and run nothing: no Pulumi CLI, no credentials
  --json                 with --plan: the phases as one line of JSON, {"operation", "phases": [[{"stack", "deploy",
                         "account", "region", "partition"}, ...], ...]}, each stack with the account its credentials
                         are for (a target stack's target account; the pipeline account for a pipeline or all stack)
  --help, -h             this text`;

const OPERATION_FLAGS: Record<string, CliOperation> = {
    "--preview": "preview",
    "--up": "up",
    "--destroy": "destroy",
    "--refresh": "refresh",
};

export function parseArguments(argv: readonly string[]): ParsedArguments {
    let operation: CliOperation | undefined;
    const command: Omit<CliCommand, "operation"> = { stacks: [], yes: false, force: false, profiles: {} };
    let planOnly = false;
    let json = false;
    for (let index = 0; index < argv.length; index++) {
        const argument = argv[index];
        const equals = argument.startsWith("--") ? argument.indexOf("=") : -1;
        const flag = equals < 0 ? argument : argument.slice(0, equals);
        const inlineValue = equals < 0 ? undefined : argument.slice(equals + 1);
        const valueOf = (expected: string): string => {
            const value = inlineValue ?? (argv[index + 1]?.startsWith("-") ? undefined : argv[++index]);
            if (value === undefined || value === "") {
                throw new UsageError(`${flag} needs ${expected}`);
            }
            return value;
        };
        const noValue = (): void => {
            if (inlineValue !== undefined) {
                throw new UsageError(`${flag} takes no value`);
            }
        };
        switch (flag) {
            case "--help":
            case "-h":
                return { help: true };
            case "--preview":
            case "--up":
            case "--destroy":
            case "--refresh":
                noValue();
                if (operation !== undefined && operation !== OPERATION_FLAGS[flag]) {
                    throw new UsageError(`choose one of --preview, --up, --destroy, --refresh (got --${operation} and ${flag})`);
                }
                operation = OPERATION_FLAGS[flag];
                break;
            case "--stack":
                command.stacks.push(valueOf("a stack name"));
                // `--stack a b` names several stacks, like `--stack a --stack b`.
                while (inlineValue === undefined && index + 1 < argv.length && !argv[index + 1].startsWith("-")) {
                    command.stacks.push(argv[++index]);
                }
                break;
            case "--yes":
            case "-y":
                noValue();
                command.yes = true;
                break;
            case "--force":
                noValue();
                command.force = true;
                break;
            case "--plan":
                noValue();
                planOnly = true;
                break;
            case "--json":
                noValue();
                json = true;
                break;
            case "--concurrency": {
                const value = valueOf("a number");
                if (!/^[1-9][0-9]*$/.test(value)) {
                    throw new UsageError(`--concurrency expects a whole number of at least 1, got ${JSON.stringify(value)}`);
                }
                command.concurrency = Number(value);
                break;
            }
            case "--backend":
                command.backendUrl = valueOf("a backend URL");
                break;
            case "--org":
                command.organization = valueOf("an organization name");
                break;
            case "--policy-pack":
                command.policyPack = valueOf("a policy pack directory");
                break;
            case "--profile": {
                const value = valueOf("STACK=PROFILE");
                const match = /^([^=]+)=(.+)$/.exec(value);
                if (!match) {
                    throw new UsageError(`--profile expects STACK=PROFILE, got ${JSON.stringify(value)}`);
                }
                command.profiles[match[1]] = match[2];
                break;
            }
            default:
                throw new UsageError(
                    argument.startsWith("-") ? `unknown option ${JSON.stringify(flag)}` : `unexpected argument ${JSON.stringify(argument)}`,
                );
        }
    }
    if (json && !planOnly) {
        throw new UsageError("--json only applies to --plan");
    }
    if (planOnly) {
        // The order a deployment runs in, unless another operation is named.
        operation ??= "up";
        command.plan = json ? "json" : "text";
    }
    if (operation === undefined) {
        throw new UsageError("say what to do: --preview, --up, --destroy or --refresh");
    }
    if (command.force && operation !== "destroy") {
        throw new UsageError("--force only applies to --destroy");
    }
    return { help: false, command: { ...command, operation, stacks: [...new Set(command.stacks)] } };
}

/** What the command line needs from its surroundings; tests pass their own. */
export interface CliEnvironment {
    projectDir: string;
    write: (line: string) => void;
    ask: (question: string) => Promise<boolean>;
    /** Calls `handler` on each interrupt (Ctrl-C, SIGTERM) until the returned function is called. */
    onInterrupt?: (handler: () => void) => () => void;
}

/** The exit code of a run stopped by an interrupt, as a shell reports one killed by SIGINT. */
export const INTERRUPTED_EXIT_CODE = 130;

/** Signals within this long of the first interrupt are the same interrupt (as the Pulumi CLI wrapper counts them). */
const SAME_INTERRUPT_MS = 1000;

/** Runs the command line and returns its exit code: 0 all done, 1 something failed or was not applied, 2 bad usage or setup. */
export async function runCli(argv: readonly string[], environment: CliEnvironment): Promise<number> {
    const { write } = environment;
    let parsed: ParsedArguments;
    try {
        parsed = parseArguments(argv);
    } catch (error) {
        write(`deploy: ${messageOf(error)} (run with --help for usage)`);
        return 2;
    }
    if (parsed.help) {
        write(USAGE);
        return 0;
    }
    const { command } = parsed;
    if (command.plan !== undefined) {
        return printPhases(command, environment);
    }
    const printer = new RunPrinter(write);
    // The first interrupt lets every running update stop at a safe point and starts nothing more; a second stops them at once.
    const cancel = new AbortController();
    const terminate = new AbortController();
    // One Ctrl-C can arrive twice (npm passes it on to a script whose shell the terminal signalled too): signals
    // within a second of the first are that first interrupt.
    let interruptedAt = 0;
    const stopListening = environment.onInterrupt?.(() => {
        if (!cancel.signal.aborted) {
            interruptedAt = Date.now();
            write("Interrupted: nothing more starts, and each running Pulumi CLI stops at a safe point, its state consistent. " +
                "Interrupt again to stop them at once, which may leave pending operations and a lock in their state.");
            cancel.abort();
        } else if (!terminate.signal.aborted && Date.now() - interruptedAt >= SAME_INTERRUPT_MS) {
            write("Interrupted again: stopping the running Pulumi CLIs at once; their stacks may need `pulumi cancel` and `pulumi refresh` before the next run.");
            terminate.abort();
        }
    });
    const options: DriverOptions = {
        projectDir: environment.projectDir,
        stacks: command.stacks,
        backendUrl: command.backendUrl,
        organization: command.organization,
        policyPack: command.policyPack,
        concurrency: command.concurrency,
        credentials: Object.fromEntries(Object.entries(command.profiles).map(([stack, profile]) => [stack, { profile }])),
        onEvent: (event) => printer.onEvent(event),
        signal: cancel.signal,
        terminate: terminate.signal,
    };
    try {
        const report = await runCommand(command, options, environment, printer);
        if (report === undefined) {
            write("Nothing destroyed: not confirmed.");
            return 1;
        }
        printer.printReport(report);
        return report.interrupted ? INTERRUPTED_EXIT_CODE : report.ok ? 0 : 1;
    } catch (error) {
        // Setup problems (stack files, passphrase, Pulumi CLI) arrive as DriverError with a clear message.
        write(`deploy: ${error instanceof DriverError ? "" : "unexpected error: "}${messageOf(error)}`);
        return cancel.signal.aborted ? INTERRUPTED_EXIT_CODE : 2;
    } finally {
        stopListening?.();
        printer.stop();
    }
}

/** A stack of a phase as `--plan --json` prints it: what it deploys, and the account, region and partition its credentials are for. */
export interface PlannedStack {
    stack: string;
    deploy: DeployMode;
    /** The account the stack's credentials are for: a target stack's target account, else the pipeline account. */
    account: string;
    /** The stack's `region` (the pipeline's region). */
    region: string;
    /** The ARN partition of that region (`aws`, `aws-cn`, `aws-us-gov`, ...). */
    partition: string;
}

/**
 * The phases of `operation` for the command's stacks, each stack with where it deploys, read from the project's files alone.
 * Their config is parsed as the offline plan parses it (stackConfigs): a wrong value is reported once, where it is written
 * (`Pulumi.yaml:12:20` for the project's shared `targets`), with the stacks it affects, however many stacks read it.
 */
export function phasePlan(projectDir: string, operation: CliOperation, stacks: readonly string[]): PlannedStack[][] {
    const phases = plan({ projectDir, stacks: [...stacks] }, operation);
    const { project, files } = readProjectStacks(path.resolve(projectDir));
    const problems: string[] = [];
    const read: StackFile[] = [];
    for (const stack of phases.flat()) {
        try {
            read.push(readStackFile(files[stack], () => project));
        } catch (error) {
            problems.push(messageOf(error));
        }
    }
    const configured = stackConfigs(read);
    problems.push(...configured.problems);
    if (problems.length > 0) {
        throw new DriverError(problems.join("\n"));
    }
    const configs = new Map(configured.stacks.map(({ file, config }) => [file.stack, config]));
    return phases.map((phase) => phase.map((stack) => plannedStack(stack, configs.get(stack)!)));
}

function plannedStack(stack: string, config: ProgramConfig): PlannedStack {
    // A target stack's targets share one account (the config's rule); a pipeline or all stack runs with the pipeline account's.
    const account = config.deploy === "target" ? config.deployedTargets![0].accountId : config.pipelineAccountId;
    return { stack, deploy: config.deploy, account, region: config.region, partition: partitionOf(config.region) };
}

/** `--plan`: the phases, as the run would print them, or as JSON; exit 2 when the project's files cannot be planned. */
function printPhases(command: CliCommand, { projectDir, write }: CliEnvironment): number {
    try {
        const phases = phasePlan(projectDir, command.operation, command.stacks);
        write(command.plan === "json"
            ? JSON.stringify({ operation: command.operation, phases })
            : `Plan ${formatPlan(command.operation, phases.map((phase) => phase.map(({ stack }) => stack)))}`);
        return 0;
    } catch (error) {
        write(`deploy: ${messageOf(error)}`);
        return 2;
    }
}

/** The report, or undefined when a destroy was not confirmed. */
async function runCommand(
    command: CliCommand,
    options: DriverOptions,
    environment: CliEnvironment,
    printer: RunPrinter,
): Promise<RunReport | undefined> {
    switch (command.operation) {
        case "preview": {
            const report = await preview(options);
            printer.printPreviews(report.stacks);
            return report;
        }
        case "up": {
            // Each phase is previewed once the stacks it reads are up, so a preview never shows
            // changes computed from outputs that are about to change; hence one question per phase.
            const confirm = async (phase: PhasePreview): Promise<boolean> => {
                printer.printPreviews(phase.stacks);
                const stacks = phase.stacks.map((s) => s.stack).join(", ");
                if (phase.later.length > 0) {
                    const later = phase.later.map((stacksOfPhase) => stacksOfPhase.join(", ")).join(", then ");
                    printer.line(`Next: ${later}, previewed against what this phase changes, and asked about then.`);
                }
                return environment.ask(`Apply phase ${phase.phase} of ${phase.phaseCount} (${stacks})? [y/N] `);
            };
            return up({ ...options, confirm: command.yes ? undefined : confirm });
        }
        case "destroy": {
            const order = plan(options, "destroy").map((phase) => phase.join(", ")).join(", then ");
            const question = `Destroy every resource of ${order}, keeping the protected ones? [y/N] `;
            if (!command.yes && !(await environment.ask(question))) {
                return undefined;
            }
            return destroy({ ...options, force: command.force });
        }
        case "refresh":
            return refresh(options);
    }
}

/** Prints the run as it goes: `[stack] line`, a periodic status line, then the summary. */
class RunPrinter {
    private readonly board = new StatusBoard();
    private prefixWidth = 0;
    private readonly heartbeat: NodeJS.Timeout;

    constructor(private readonly write: (line: string) => void) {
        this.heartbeat = setInterval(() => {
            const status = this.board.line(Date.now());
            if (status !== undefined) {
                this.write(status);
            }
        }, 15_000);
        this.heartbeat.unref();
    }

    onEvent(event: DriverEvent): void {
        this.board.update(event, Date.now());
        switch (event.type) {
            case "planned":
                this.prefixWidth = Math.max(0, ...event.phases.flat().map((stack) => stack.length));
                this.write(`Plan ${formatPlan(event.operation, event.phases)}`);
                break;
            case "started":
                this.writeFor(event.stack, `${event.operation} started`);
                break;
            case "output":
                if (event.line.trim() !== "") {
                    this.writeFor(event.stack, event.line);
                }
                break;
            case "finished": {
                const { stack, status, seconds, message } = event.result;
                const duration = status === "skipped" ? "" : ` after ${seconds.toFixed(1)}s`;
                const detail = message === undefined ? "" : `: ${message.split("\n")[0]}`;
                this.writeFor(stack, `${event.operation} ${status}${duration}${detail}`);
                break;
            }
            case "progress":
                break; // shown by the periodic status line
            case "backend":
                this.write(`Backend: ${event.url} (${event.source})`);
                this.write(`Stacks: ${event.stacks}`);
                break;
            case "note":
                this.write(`note: ${event.stack === undefined ? "" : `${event.stack}: `}${event.text}`);
                break;
        }
    }

    line(text: string): void {
        this.write(text);
    }

    printPreviews(previews: readonly StackResult[]): void {
        this.write("");
        previews.flatMap(formatPreview).forEach((line) => this.write(line));
    }

    printReport(report: RunReport): void {
        this.write("");
        [...formatSummaryTable(report.stacks), ...formatRoleArnChecks(report.roleArnChecks), formatOutcome(report)].forEach(
            (line) => this.write(line),
        );
    }

    stop(): void {
        clearInterval(this.heartbeat);
    }

    private writeFor(stack: string, text: string): void {
        this.write(`[${stack.padEnd(this.prefixWidth)}] ${text}`);
    }
}

function askOnTerminal(question: string): Promise<boolean> {
    return new Promise((resolve) => {
        const prompt = readline.createInterface({ input: process.stdin, output: process.stdout });
        prompt.on("close", () => resolve(false)); // end of input counts as "no"
        prompt.question(question, (answer) => {
            resolve(/^y(es)?$/i.test(answer.trim()));
            prompt.close();
        });
    });
}

/** SIGINT (a terminal's Ctrl-C), SIGTERM (a CI runner's cancel) and SIGHUP: handled, so that Node does not exit and leave the CLIs it runs behind. */
export function onProcessInterrupt(handler: () => void): () => void {
    // SIGHUP: the terminal closed; Node would exit, and the CLIs die mid-update on their closed output.
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    signals.forEach((signal) => process.on(signal, handler));
    return () => signals.forEach((signal) => process.off(signal, handler));
}

if (require.main === module) {
    runCli(process.argv.slice(2), {
        projectDir: path.resolve(__dirname, ".."),
        write: (line) => console.log(line),
        ask: askOnTerminal,
        onInterrupt: onProcessInterrupt,
    }).then((exitCode) => {
        process.exitCode = exitCode;
    }, (error: Error) => {
        console.error(`deploy: internal error (a bug in the driver, not in your stacks): ${error.stack}`);
        process.exitCode = 3;
    });
}
