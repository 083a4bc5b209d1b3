// `npm run plan [-- [--out DIR] [STACK_FILE ...]]`: the offline plan of the stacks in this project.
// Exit status: 0 the plan holds, 1 it does not, 2 the command line or an input is wrong, 3 the plan itself broke.
import * as path from "path";
import { readStackFile, stackFilesIn, StackFile, StackFileError, unreadableSecretProblems } from "../project/stackFiles";
import { runPlan } from "./plan";
import { renderPlan, verdict } from "./report";
import { PlanFolderError, planFolderProblem, writePlan } from "./writePlan";

export const exitStatus = { ok: 0, planFailed: 1, badInput: 2, internalError: 3 } as const;

const usage = "usage: npm run plan [-- [--out DIR] [STACK_FILE ...]]  (default: every Pulumi.<stack>.yaml here, output in plan/)";

/** A wrong command line or input file: its message is all the user needs, without a stack trace. */
export class PlanInputError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("\n"));
        this.name = "PlanInputError";
    }
}

export function parseArguments(argv: string[], projectDir: string): { stackFiles: string[]; outDir: string } {
    let outDir = path.join(projectDir, "plan");
    const stackFiles: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--out") {
            const value = argv[++i];
            if (!value || value.startsWith("-")) {
                throw new PlanInputError([`--out needs a folder\n${usage}`]);
            }
            outDir = path.resolve(value);
        } else if (argv[i].startsWith("-")) {
            throw new PlanInputError([`unknown option ${argv[i]}\n${usage}`]);
        } else {
            stackFiles.push(path.resolve(argv[i]));
        }
    }
    if (stackFiles.length === 0) {
        stackFiles.push(...stackFilesIn(projectDir));
        if (stackFiles.length === 0) {
            throw new PlanInputError([`no stack files (Pulumi.<stack>.yaml) in ${projectDir}; name them on the command line\n${usage}`]);
        }
    }
    return { stackFiles, outDir };
}

/** The stack files, and every problem with them or with the plan folder, all together. */
export function readInputs(stackFiles: string[], outDir: string): StackFile[] {
    const problems: string[] = [];
    const folderProblem = planFolderProblem(outDir);
    if (folderProblem) {
        problems.push(folderProblem);
    }
    const files: StackFile[] = [];
    for (const file of stackFiles) {
        try {
            const read = readStackFile(file);
            problems.push(...unreadableSecretProblems(read));
            files.push(read);
        } catch (e) {
            if (!(e instanceof StackFileError)) {
                throw e;
            }
            problems.push(e.message);
        }
    }
    if (problems.length > 0) {
        throw new PlanInputError(problems);
    }
    return files;
}

async function main(): Promise<number> {
    const projectDir = path.resolve(__dirname, "..");
    const { stackFiles, outDir } = parseArguments(process.argv.slice(2), projectDir);
    const files = readInputs(stackFiles, outDir);
    const started = Date.now();
    const result = await runPlan({ stackFiles: files, progress: (line) => process.stderr.write(`${line}\n`) });
    const report = renderPlan(result);
    process.stdout.write(`${report}\n\n`);
    const written = writePlan(result, outDir, report);
    process.stdout.write(`Wrote ${written.length} files to ${path.relative(process.cwd(), outDir) || "."}/ (per account: resources.json, policies/, the pipeline as get-pipeline prints it; plan.txt: this report)\n`);
    process.stdout.write(`${verdict(result)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return result.ok ? exitStatus.ok : exitStatus.planFailed;
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
