import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { benchmarkStack, writeStackFile } from "../offline-plan/bench";
import { planCommand } from "../offline-plan/command";
import { projectRoot } from "./fixtures";

// The command `npm run plan` runs (package.json), without npm.
const { file: program, args: cli } = planCommand(projectRoot);

describe("npm run plan, as a command", () => {
    let scratch: string;
    before(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"))));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("gets every byte and the verdict last through a pipe read slowly, however long the report", function () {
        this.timeout(240_000);
        const out = path.join(scratch, "out");
        const stackFile = writeStackFile(scratch, "many", benchmarkStack(25, 1).config);
        // Only the pipe buffers (64 KiB): its reader starts once the plan has written its folder, and the
        // plan exits at once after that if it does not wait for stdout to drain.
        const script = [
            "set -o pipefail",
            `"$0" "$@" --out "${out}" "${stackFile}" 2>/dev/null | {`,
            `  for i in $(seq 1200); do [ -e "${out}/plan.txt" ] && break; sleep 0.2; done; sleep 2; cat; }`,
        ].join("\n");
        const run = spawnSync("bash", ["-c", script, program, ...cli], { cwd: projectRoot, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        assert.equal(run.status, 0, run.stderr);
        const report = fs.readFileSync(path.join(out, "plan.txt"), "utf8");
        assert.ok(Buffer.byteLength(report) > 64 * 1024, `the report must exceed a pipe's buffer; it has ${Buffer.byteLength(report)} bytes`);
        assert.ok(run.stdout.startsWith(`${report}\n`), `received ${Buffer.byteLength(run.stdout)} bytes, the report alone has ${Buffer.byteLength(report)}`);
        assert.match(run.stdout.slice(report.length + 1), /^Wrote \d+ files to .*\nPLAN OK: 1 stacks, \d+ resources, \d+ create-time checks and \d+ access checks passed in [\d.]+ s\n$/);
    });

    it("reports every input problem together, exits 2 before planning, and touches nothing", function () {
        this.timeout(60_000);
        const notes = path.join(scratch, "notes.txt");
        fs.writeFileSync(notes, "mine");
        const secretStack = path.join(scratch, "Pulumi.secret.yaml");
        fs.writeFileSync(secretStack, "config:\n  cross-account-pipeline:pipelineAccountId:\n    secure: v1:abc\n");
        const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CROSS_ACCOUNT_PIPELINE_CONFIG_")));
        const run = spawnSync(program, [...cli, "--out", notes, scratch, secretStack], { cwd: projectRoot, encoding: "utf8", env });
        assert.equal(run.status, 2);
        assert.equal(run.stdout, "");
        const lines = run.stderr.trimEnd().split("\n");
        assert.deepEqual(lines.map((line) => line.slice(0, 60)), [
            `plan: cannot write the plan to ${notes}: it is a file, not a folder`,
            `plan: ${scratch}: is a directory; expected a stack file named Pulumi.<stack>.yaml`,
            `plan: ${secretStack}: cross-account-pipeline:pipelineAccountId is a secret`,
        ].map((line) => line.slice(0, 60)));
        assert.match(lines[2], /in the environment variable CROSS_ACCOUNT_PIPELINE_CONFIG_pipelineAccountId$/);
        assert.equal(fs.readFileSync(notes, "utf8"), "mine");
    });

    it("exits 2 with the usage on an unknown option", function () {
        this.timeout(60_000);
        const run = spawnSync(program, [...cli, "--outdir", "x"], { cwd: projectRoot, encoding: "utf8" });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /^plan: unknown option --outdir\nplan: usage: npm run plan/);
    });
});
