// How the plan's process starts (offline-plan/preload.js): the same plan as through ts-node, and each of
// the preload's parts doing what it says without changing an answer.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MockCloud } from "../evaluation/mockCloud";
import { runProgram } from "../evaluation/runProgram";
import { planCommand } from "../offline-plan/command";
import { plan, planFolderDifferences } from "../offline-plan/comparePlans";
import { stackFilesIn } from "../project/stackFiles";
import { parsePhaseLines, phaseLinePrefix, phasesVariable, planPhases } from "../offline-plan/phases";
import { projectRoot, qualifiedConfig, shipped } from "./fixtures";
import { europe, production, runAllInOne, targetsOf } from "./support/stacks";

const preload = path.join(projectRoot, "offline-plan", "preload.js");
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: unknown };
const resourceClass = pulumi.Resource as unknown as { callsites: unknown };
const rpc = require("@pulumi/pulumi/runtime/rpc") as { transferProperties: unknown };

/** Runs `script` in a Node process started with the preload; its stdout, parsed as JSON. */
function withPreload(script: string): unknown {
    const run = spawnSync(process.execPath, ["--require", preload, "-e", script], { cwd: projectRoot, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout);
}

describe("the plan's process (offline-plan/preload.js)", () => {
    let scratch: string;
    before(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), "plan-process-"))));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("tells two plan folders apart by the files only one has and the files whose bytes differ", () => {
        const [before, after] = [path.join(scratch, "before"), path.join(scratch, "after")];
        for (const [folder, files] of [[before, { "checks.json": "{}", "plan.txt": "a", "account-1/resources.json": "[]" }], [after, { "checks.json": "{}", "plan.txt": "b", "summary.md": "s" }]] as const) {
            for (const [file, text] of Object.entries(files)) {
                fs.mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
                fs.writeFileSync(path.join(folder, file), text);
            }
        }
        assert.deepEqual(planFolderDifferences(before, after), ["only before: account-1/resources.json", "only after: summary.md", "differs: plan.txt"]);
        assert.deepEqual(planFolderDifferences(before, before), []);
    });

    it("writes byte for byte the plan folder that the plan run by ts-node writes, for the three-account example", function () {
        this.timeout(240_000);
        const stackFiles = stackFilesIn(path.join(projectRoot, "examples", "three-accounts"));
        // ts-node, as the project ran the plan before.
        const tsNode = { file: path.join(projectRoot, "node_modules", ".bin", "ts-node"), args: ["--transpile-only", "offline-plan/cli.ts"], cwd: projectRoot };
        const [withTsNode, withPreloadOut] = [path.join(scratch, "ts-node-plan"), path.join(scratch, "preload-plan")];
        assert.equal(plan(tsNode, stackFiles, withTsNode), 0);
        assert.equal(plan(planCommand(projectRoot), stackFiles, withPreloadOut), 0);
        assert.ok(fs.readdirSync(withPreloadOut).length > 3);
        assert.deepEqual(planFolderDifferences(withTsNode, withPreloadOut), []);
    });

    it("prints each phase's wall and CPU time, in order, only when asked (npm run bench reads them)", function () {
        this.timeout(120_000);
        const command = planCommand(projectRoot);
        const run = (env: NodeJS.ProcessEnv) => spawnSync(command.file, [...command.args, "--out", path.join(scratch, "phases"), shipped("accountA").file, shipped("accountB").file],
            { cwd: command.cwd, encoding: "utf8", env });
        const timed = run({ ...process.env, [phasesVariable]: "1" });
        assert.equal(timed.status, 0, timed.stderr);
        const phases = parsePhaseLines(timed.stderr);
        assert.deepEqual([...phases.keys()], planPhases.flatMap((phase) => [phase, `${phase} cpu`]));
        assert.ok([...phases.values()].every((ms) => Number.isInteger(ms) && ms >= 0), JSON.stringify([...phases]));
        const untimed = run(Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== phasesVariable)));
        assert.equal(untimed.status, 0, untimed.stderr);
        assert.ok(!untimed.stderr.includes(phaseLinePrefix), untimed.stderr);
    });

    it("runs the program without the runtime's bookkeeping for the engine (stack traces, source positions, promise leak entries) and with property Outputs made when read, and puts it back, after a failing run too", async () => {
        // Each place the run changes, watched: what was seen while the program declared its resources.
        const runtime = { limit: Error.stackTraceLimit, callsites: resourceClass.callsites, debuggablePromise: debuggable.debuggablePromise, transferProperties: rpc.transferProperties };
        const seen: { limit: number; callsites: boolean; promises: boolean; outputs: boolean }[] = [];
        const cloud = MockCloud.prototype.newResource;
        MockCloud.prototype.newResource = function (...args) {
            seen.push({ limit: Error.stackTraceLimit, callsites: resourceClass.callsites === runtime.callsites, promises: debuggable.debuggablePromise === runtime.debuggablePromise, outputs: rpc.transferProperties === runtime.transferProperties });
            return cloud.apply(this, args);
        };
        const putBack = () => {
            assert.equal(Error.stackTraceLimit, runtime.limit);
            assert.equal(resourceClass.callsites, runtime.callsites);
            assert.equal(debuggable.debuggablePromise, runtime.debuggablePromise);
            assert.equal(rpc.transferProperties, runtime.transferProperties);
        };
        try {
            await runProgram({ stack: "accountB", config: shipped("accountB").config });
            assert.ok(seen.length > 5 && seen.every((s) => s.limit === 0 && !s.callsites && !s.promises && !s.outputs), JSON.stringify(seen.slice(0, 3)));
            putBack();
            // An error the program raises while it runs carries its message and no frames.
            const failure = await runProgram({ stack: "broken", config: qualifiedConfig("accountB", { pipelineAccountId: "not an account" }) }).then(() => undefined, (e: Error) => e);
            assert.match(failure?.message ?? "", /pipelineAccountId/);
            assert.doesNotMatch(failure?.stack ?? "", /\n\s+at /);
            putBack();
            // Debugging promise leaks: the runtime as it is.
            seen.length = 0;
            process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
            await runProgram({ stack: "accountB", config: shipped("accountB").config });
            assert.ok(seen.length > 5 && seen.every((s) => s.limit === runtime.limit && s.callsites && s.promises && s.outputs));
        } finally {
            delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
            MockCloud.prototype.newResource = cloud;
        }
        putBack();
    });

    it("declares, without the runtime's bookkeeping, the same resources in the same order as with it", async function () {
        this.timeout(60_000);
        const targets = [targetsOf(shipped("accountA").config)[0], production, europe];
        const declared = async () => (await runAllInOne(targets)).resources.map((r) => [r.type, r.name, JSON.stringify(r.inputs)]);
        const lean = await declared();
        process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
        try {
            assert.deepEqual(lean, await declared());
        } finally {
            delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
        }
        assert.ok(lean.length > 40);
    });

    it("loads neither the TypeScript compiler nor @npmcli/arborist with @pulumi/pulumi, and serializes a function through the stand-ins of the modules that use them", function () {
        this.timeout(60_000);
        const found = withPreload(`
            const { deferredModules } = require(${JSON.stringify(preload)});
            const pulumi = require("@pulumi/pulumi");
            const loaded = () => Object.keys(require.cache).filter((f) => /node_modules\\/(typescript|@npmcli\\/arborist)\\//.test(f)).length;
            const before = loaded();
            const add = (a, b) => a + b;
            pulumi.runtime.serializeFunction(() => add(20, 22)).then((serialized) => {
                const after = loaded();
                // The real modules' functions: each loaded afresh, in place of its stand-in or of what the stand-in loaded.
                const names = Object.fromEntries(Object.keys(deferredModules).map((request) => {
                    delete require.cache[require.resolve(request)];
                    const real = require(request);
                    return [request, Object.keys(real).filter((name) => typeof real[name] === "function").sort()];
                }));
                console.log(JSON.stringify({ before, after, text: serialized.text, names, declared: deferredModules }));
            });
        `) as { before: number; after: number; text: string; names: Record<string, string[]>; declared: Record<string, string[]> };
        assert.equal(found.before, 0);
        assert.ok(found.after > 0, "serializing a function loads the real modules");
        assert.match(found.text, /return \(\) => add\(20, 22\);/);
        assert.match(found.text, /return \(a, b\) => a \+ b;/);
        // The stand-ins forward every function the real modules export.
        assert.deepEqual(found.names, Object.fromEntries(Object.entries(found.declared).map(([request, names]) => [request, [...names].sort()])));
    });

    it("answers localeCompare as V8 does, and throws where it throws", () => {
        const cases: [string, string, unknown, unknown][] = [
            ["a", "A", undefined, { sensitivity: "accent" }], ["IfExists", "ifexists", undefined, { sensitivity: "accent" }],
            ["é", "e", undefined, { sensitivity: "accent" }], ["é", "e", undefined, { sensitivity: "base" }], ["a", "A", "en", { sensitivity: "base" }],
            ["a", "A", undefined, { sensitivity: "case" }], ["a10", "a9", undefined, { numeric: true }], ["a10", "a9", undefined, { numeric: "false" }],
            ["a10", "a9", undefined, { numeric: false }], ["b", "a", "de", { caseFirst: "upper", sensitivity: "variant" }], ["ä", "z", "sv", {}],
            ["a", "b", undefined, undefined], ["a", "b", "en", undefined], ["a", "b", ["en"], { sensitivity: "base" }],
            ["a", "b", undefined, { sensitivity: "nonsense" }], ["a", "b", "not a locale!", { sensitivity: "base" }],
        ];
        const answer = (receiver: string, that: string, locales: unknown, options: unknown) => {
            try {
                return receiver.localeCompare(that, locales as string, options as Intl.CollatorOptions);
            } catch (e) {
                return (e as Error).name;
            }
        };
        // Twice each, so that the second answer comes from the collator it kept.
        const expected = [...cases, ...cases].map((c) => answer(...c));
        // JSON has no undefined: it travels as a marker.
        const found = withPreload(`
            const cases = JSON.parse(${JSON.stringify(JSON.stringify(cases, (_, v) => (v === undefined ? "(undefined)" : v)))}, (_, v) => (v === "(undefined)" ? undefined : v));
            const answer = ${answer.toString()};
            console.log(JSON.stringify([...cases, ...cases].map((c) => answer(...c))));
        `);
        assert.deepEqual(found, expected);
        assert.ok(expected.includes("RangeError"));
    });

    it("transpiles a TypeScript file again when it changes, and never serves another file's JavaScript", () => {
        const file = path.join(scratch, "changing.ts");
        const other = path.join(scratch, "other.ts");
        const load = () => withPreload(`console.log(JSON.stringify([require(${JSON.stringify(file)}).value, require(${JSON.stringify(other)}).value]))`);
        fs.writeFileSync(other, "export const value: number = 0;\n");
        fs.writeFileSync(file, "export const value: number = 1;\n");
        assert.deepEqual(load(), [1, 0]);
        fs.writeFileSync(file, "export const value: number = 2;\n");
        assert.deepEqual(load(), [2, 0]);
        fs.writeFileSync(file, "export const value: number = 0;\n");
        assert.deepEqual(load(), [0, 0]);
    });
});
