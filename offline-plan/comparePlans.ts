// `npm run compare-plans -- REF [--targets N] [--own-dependencies]`: whether this version of the plan writes byte
// for byte the plan folder that the version at git REF writes, for the same input: the shipped stack files, the
// three-account example and a generated `deploy: all` stack of N targets (25 by default). Each version runs as its
// own `npm run plan` does (package.json), with this project's node_modules, or, with --own-dependencies, with the
// packages REF's own lock file installs (`npm ci`): what upgrading a dependency changes. A tool for changes that
// must not change the plan (speed, refactoring, upgrades); it prints what differs and exits 1 if anything does.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { stackFilesIn } from "../project/stackFiles";
import { benchmarkStack, writeStackFile } from "./bench";
import { Command, planCommand } from "./command";
import { filesIn } from "./writePlan";

const projectRoot = path.resolve(__dirname, "..");

/** What differs between two plan folders: files (and empty folders) only in one, files whose bytes differ; in file order. */
export function planFolderDifferences(before: string, after: string): string[] {
    const [old, current] = [filesIn(before).sort(), filesIn(after).sort()];
    return [
        ...old.filter((file) => !current.includes(file)).map((file) => `only before: ${file}`),
        ...current.filter((file) => !old.includes(file)).map((file) => `only after: ${file}`),
        ...old.filter((file) => !file.endsWith("/") && current.includes(file) && !fs.readFileSync(path.join(before, file)).equals(fs.readFileSync(path.join(after, file))))
            .map((file) => `differs: ${file}`),
    ];
}

/** Plans `stackFiles` into `outDir` with a plan command; the exit status: 0 or 1, the plan holds or not. */
export function plan(command: Command, stackFiles: string[], outDir: string): number | null {
    const run = spawnSync(command.file, [...command.args, "--out", outDir, ...stackFiles], { cwd: command.cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (run.status !== 0 && run.status !== 1) {
        throw new Error(`the plan in ${command.cwd} could not run (exit ${run.status}): ${run.stderr.slice(-2000)}`);
    }
    return run.status;
}

const usage = "usage: npm run compare-plans -- REF [--targets N] [--own-dependencies]   " +
    "(REF: a git commit, branch or tag of this repository; N: 25 by default; --own-dependencies: REF with the packages its lock file installs)";

/** REF, `--targets N` and `--own-dependencies`, as node:util parseArgs reads them; undefined for a wrong command line. */
function parseArguments(argv: string[]): { ref: string; targets: number; ownDependencies: boolean } | undefined {
    try {
        const { values, positionals } = parseArgs({
            args: argv,
            options: { targets: { type: "string", default: "25" }, "own-dependencies": { type: "boolean", default: false } },
            allowPositionals: true,
            strict: true,
        });
        const targets = Number(values.targets);
        return positionals.length === 1 && /^[1-9]\d*$/.test(values.targets ?? "")
            ? { ref: positionals[0], targets, ownDependencies: values["own-dependencies"] === true }
            : undefined;
    } catch {
        return undefined;
    }
}

function main(): number {
    const parsed = parseArguments(process.argv.slice(2));
    if (!parsed) {
        console.error(usage);
        return 2;
    }
    const { ref, targets, ownDependencies } = parsed;
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "compare-plans-"));
    try {
        // The version at REF, as its files are in git, sharing this project's installed packages.
        const before = path.join(scratch, "before");
        fs.mkdirSync(before);
        const archive = spawnSync("git", ["archive", "--format=tar", ref], { cwd: projectRoot, maxBuffer: 1024 * 1024 * 1024 });
        if (archive.status !== 0) {
            console.error(`git archive ${ref}: ${archive.stderr.toString()}`);
            return 2;
        }
        spawnSync("tar", ["-x", "-C", before], { input: archive.stdout });
        if (ownDependencies) {
            const install = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: before, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
            if (install.status !== 0) {
                console.error(`npm ci at ${ref}: ${install.stderr.slice(-2000)}`);
                return 2;
            }
        } else {
            for (const modules of ["node_modules", path.join("policy-pack", "node_modules")]) {
                fs.symlinkSync(path.join(projectRoot, modules), path.join(before, modules), "dir");
            }
        }
        const generated = benchmarkStack(targets, 1);
        const inputs: [string, string[]][] = [
            ["the shipped stack files", stackFilesIn(projectRoot)],
            ["the three-account example", stackFilesIn(path.join(projectRoot, "examples", "three-accounts"))],
            [`a generated stack of ${targets} target${targets === 1 ? "" : "s"}`, [writeStackFile(scratch, generated.stack, generated.config)]],
        ];
        let differing = 0;
        for (const [index, [name, stackFiles]] of inputs.entries()) {
            const [beforeOut, afterOut] = [path.join(scratch, `before-${index}`), path.join(scratch, `after-${index}`)];
            const [beforeStatus, afterStatus] = [plan(planCommand(before), stackFiles, beforeOut), plan(planCommand(projectRoot), stackFiles, afterOut)];
            const differences = [
                ...(beforeStatus === afterStatus ? [] : [`exit status ${beforeStatus} before, ${afterStatus} after`]),
                ...planFolderDifferences(beforeOut, afterOut),
            ];
            console.log(`${name}: ${differences.length === 0 ? `the same ${filesIn(afterOut).length} files, byte for byte (exit ${afterStatus})` : "DIFFERENT"}`);
            differences.forEach((line) => console.log(`  ${line}`));
            differing += differences.length;
        }
        return differing === 0 ? 0 : 1;
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

if (require.main === module) {
    process.exitCode = main();
}
