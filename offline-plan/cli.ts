// `npm run plan [-- [--out DIR] [--against DIR] [--verbose] [STACK_FILE ...]]`: the offline plan of the stacks in this project.
// Exit status: 0 the plan holds (and, with --against, nothing changed), 1 a check of a valid config failed, 2 the
// command line or an input is wrong (a config value the program refuses included), 3 the plan itself broke, 4 with
// --against: the plan holds and something changed.
import * as path from "path";
import { parseArgs } from "node:util";
import { readStackFile, stackFilesIn, StackFile, StackFileError, unreadableSecretProblems } from "../project/stackFiles";
import { diffPlans } from "./diff";
import type { PlanContents } from "./grants";
import { exitStatus } from "./command";
import { runPlan } from "./plan";
import { renderBrief, renderPlan, verdict } from "./report";
import { reviewChanges } from "./review";
import { renderSummary } from "./summary";
import { diffFile, planWideFiles, reportFile, summaryFile } from "./planFiles";
import { ConfiguredStack, shownPath, stackConfigs } from "./stackConfigs";
import { PlanFolder, PlanFolderError, planContents, planFolderProblem, readPlanFolder } from "./writePlan";

export { exitStatus } from "./command";

const usage = "usage: npm run plan [-- [--out DIR] [--against DIR] [--verbose] [STACK_FILE ...]]  (default: every Pulumi.<stack>.yaml here, output in plan/)";

const help = `${usage}

  --out DIR       write the plan folder there (default plan/); only a folder that is absent, empty, or one the plan wrote
  --against DIR   compare with an earlier plan's folder (its --out): per account the resources added, removed and
                  changed, the grants gained and lost, the checks whose results changed; into summary.md and diff.json
  --verbose, -v   print the whole report (each resource, who may do what, each rule), as plan/plan.txt holds it
  --help, -h      this text

exit status: 0 the plan holds (with --against: and nothing changed), 1 a check of a valid config failed, 2 a wrong
command line, stack file (a config value the program refuses, in it or in Pulumi.yaml, included), plan folder or
--against folder, 3 a bug in the plan, 4 with --against: the plan holds and something changed`;

/** The options `npm run plan` accepts, as node:util parseArgs reads them. */
const planOptions = {
    out: { type: "string" },
    against: { type: "string" },
    verbose: { type: "boolean", short: "v" },
    help: { type: "boolean", short: "h" },
} as const;

/** A wrong command line or input file: its message is all the user needs, without a stack trace. */
export class PlanInputError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("\n"));
        this.name = "PlanInputError";
    }
}

export interface PlanCommand {
    stackFiles: string[];
    outDir: string;
    /** The earlier plan's folder, as given. */
    against?: string;
    verbose: boolean;
    help: boolean;
}

export function parseArguments(argv: string[], projectDir: string): PlanCommand {
    let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof planOptions; allowPositionals: true }>>;
    try {
        parsed = parseArgs({ args: argv, options: planOptions, allowPositionals: true, strict: true });
    } catch (e) {
        throw new PlanInputError([`${argumentProblem(e as Error & { code?: string })}\n${usage}`]);
    }
    const { values, positionals } = parsed;
    for (const option of ["out", "against"] as const) {
        if (values[option] === "") {
            throw new PlanInputError([`--${option} needs a folder\n${usage}`]);
        }
    }
    const stackFiles = positionals.map((file) => path.resolve(file));
    if (stackFiles.length === 0 && !values.help) {
        stackFiles.push(...stackFilesIn(projectDir));
        if (stackFiles.length === 0) {
            throw new PlanInputError([`no stack files (Pulumi.<stack>.yaml) in ${projectDir}; name them on the command line\n${usage}`]);
        }
    }
    return {
        stackFiles,
        outDir: values.out ? path.resolve(values.out) : path.join(projectDir, "plan"),
        against: values.against,
        verbose: values.verbose ?? false,
        help: values.help ?? false,
    };
}

/** parseArgs's error in this command's words: the option, and what is wrong with it. */
function argumentProblem(e: Error & { code?: string }): string {
    const option = /'(?:-\w, )?(-[^' ]+)/.exec(e.message)?.[1] ?? "";
    const name = option.replace(/^-+/, "").replace(/=.*$/, "");
    const known = Object.entries(planOptions).find(([long, spec]) => long === name || ("short" in spec && spec.short === name));
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || !known) {
        return `unknown option ${option}`;
    }
    return known[1].type === "string" ? `--${known[0]} needs a folder` : `--${known[0]} takes no value`;
}

/**
 * The stack files with their config and the earlier plan to compare with, and every problem with them (a config
 * value included, once however many stacks read it), the plan folder or the earlier plan's folder, all together.
 * The earlier plan is read whole before anything is written, so `--against` may name the folder this plan replaces.
 */
function readInputs(stackFiles: string[], outDir: string, against?: string): { stacks: ConfiguredStack[]; earlier?: PlanContents } {
    const problems: string[] = [];
    const folderProblem = planFolderProblem(outDir);
    if (folderProblem) {
        problems.push(folderProblem);
    }
    const earlier = against === undefined ? undefined : readPlanFolder(against);
    if (earlier && "problem" in earlier) {
        problems.push(earlier.problem);
    }
    const files: StackFile[] = [];
    for (const file of stackFiles) {
        try {
            const read = readStackFile(file);
            const secrets = unreadableSecretProblems(read);
            problems.push(...secrets);
            // A config without its secrets would be reported for what it lacks: checked once they are given.
            if (secrets.length === 0) {
                files.push(read);
            }
        } catch (e) {
            if (!(e instanceof StackFileError)) {
                throw e;
            }
            problems.push(e.message);
        }
    }
    const configured = stackConfigs(files);
    problems.push(...configured.problems);
    if (problems.length > 0) {
        throw new PlanInputError(problems);
    }
    return { stacks: configured.stacks, earlier: earlier && "contents" in earlier ? earlier.contents : undefined };
}

async function main(): Promise<number> {
    const projectDir = path.resolve(__dirname, "..");
    const command = parseArguments(process.argv.slice(2), projectDir);
    if (command.help) {
        process.stdout.write(`${help}\n`);
        return exitStatus.ok;
    }
    const { stacks, earlier } = readInputs(command.stackFiles, command.outDir, command.against);
    const started = Date.now();
    // The accounts' files depend only on the evaluated stacks: they are written while the checks run.
    let accountFiles: { accounts: PlanContents; folder: PlanFolder; written: Promise<string[]> } | undefined;
    const result = await runPlan({
        stacks,
        ...(earlier ? { earlier: { folder: command.against!, contents: earlier } } : {}),
        progress: (line) => process.stderr.write(`${line}\n`),
        evaluated: (accounts) => {
            const folder = PlanFolder.open(command.outDir, [...accounts.keys(), ...planWideFiles(earlier !== undefined)]);
            const written = folder.write(accounts);
            // Awaited once the checks are done; a failure meanwhile is not an unhandled rejection.
            written.catch(() => undefined);
            accountFiles = { accounts, folder, written };
        },
    });
    if (!accountFiles) {
        throw new Error("the plan never reported its evaluated stacks");
    }
    const { accounts, folder, written } = accountFiles;
    const contents = planContents(result, accounts);
    const planDiff = earlier && diffPlans(command.against!, earlier, contents);
    const review = planDiff && reviewChanges(planDiff, earlier!, contents, result.lifecycle.nextUp?.steps ?? []);
    const report = renderPlan(result, planDiff, review);
    contents.set(reportFile, report);
    contents.set(summaryFile, renderSummary(result, contents, review, earlier));
    if (planDiff) {
        contents.set(diffFile, planDiff);
    }
    const out = shownPath(command.outDir);
    process.stdout.write(`${command.verbose ? report : renderBrief(result, review, `${out}/plan.txt, ${out}/summary.md, or --verbose`)}\n\n`);
    await written;
    await folder.write(new Map([...contents].filter(([file]) => !accounts.has(file))));
    process.stdout.write(`Wrote ${contents.size} files to ${out}/ (per account: resources.json, policies/, the pipeline as get-pipeline prints it; `
        + `grants.json: who may do what, by policy; summary.md: the verdict, checks${planDiff ? ", changes" : ""} and a diagram; plan.txt: the whole report)\n`);
    const changes = review ? `; against ${review.against}: ${review.headline}` : "";
    process.stdout.write(`${verdict(result)} in ${((Date.now() - started) / 1000).toFixed(1)} s${changes}\n`);
    return !result.ok ? exitStatus.planFailed : planDiff && planDiff.changes > 0 ? exitStatus.changed : exitStatus.ok;
}

// No process.exit: on a pipe, stdout is written asynchronously once the pipe is full, and exiting
// would cut the report and the verdict. The exit status is set, and Node exits once everything is out.
if (require.main === module) {
    main().then((status) => {
        process.exitCode = status;
    }, (e: Error) => {
        const input = e instanceof PlanInputError || e instanceof PlanFolderError;
        process.stderr.write(input ? `plan: ${e.message.replace(/\n/g, "\nplan: ")}\n` : `plan: internal error (a bug in the plan, not in your input):\n${e.stack}\n`);
        process.exitCode = input ? exitStatus.badInput : exitStatus.internalError;
    });
}
