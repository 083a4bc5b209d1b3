// `npm run plan [-- --out DIR] [STACK_FILE ...]`: the offline plan of the stacks in this project.
import * as path from "path";
import { readStackFile, stackFilesIn } from "../project/stackFiles";
import { runPlan } from "./plan";
import { renderPlan, verdict } from "./report";
import { writePlan } from "./writePlan";

const usage = "usage: npm run plan [-- [--out DIR] [STACK_FILE ...]]  (default: every Pulumi.<stack>.yaml here, output in plan/)";

export function parseArguments(argv: string[], projectDir: string): { stackFiles: string[]; outDir: string } {
    let outDir = path.join(projectDir, "plan");
    const stackFiles: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--out") {
            if (!argv[i + 1]) {
                throw new Error(`--out needs a directory\n${usage}`);
            }
            outDir = path.resolve(argv[++i]);
        } else if (argv[i].startsWith("-")) {
            throw new Error(`unknown option ${argv[i]}\n${usage}`);
        } else {
            stackFiles.push(path.resolve(argv[i]));
        }
    }
    return { stackFiles: stackFiles.length > 0 ? stackFiles : stackFilesIn(projectDir), outDir };
}

async function main(): Promise<number> {
    const projectDir = path.resolve(__dirname, "..");
    const { stackFiles, outDir } = parseArguments(process.argv.slice(2), projectDir);
    const started = Date.now();
    const result = await runPlan({ stackFiles: stackFiles.map(readStackFile), progress: (line) => process.stderr.write(`${line}\n`) });
    process.stdout.write(`${renderPlan(result)}\n\n`);
    const written = writePlan(result, outDir);
    process.stdout.write(`Wrote ${written.length} files to ${path.relative(process.cwd(), outDir) || "."}/ (per account: resources.json, policies/, the pipeline as get-pipeline prints it)\n`);
    process.stdout.write(`${verdict(result)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return result.ok ? 0 : 1;
}

main().then((code) => process.exit(code), (e: Error) => {
    process.stderr.write(`plan: ${e.message}\n`);
    process.exit(2);
});
