import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { asWritten, fileText } from "../offline-plan/accountFiles";
import type { PlanResult } from "../offline-plan/plan";
import { markerFile, PlanFolder, PlanFolderError, planContents, planFolderProblem, readPlanFolder, writePlan } from "../offline-plan/writePlan";
import { projectRoot } from "./fixtures";

// The folder's rules do not depend on what was planned: an empty plan writes checks.json, grants.json and plan.txt.
const emptyPlan: PlanResult = { stacks: [], disagreements: [], collisions: [], createTime: [], access: [], isolation: { findings: [], shapes: [] }, lifecycle: { comeBack: [] }, rules: [], quotas: [], namesChecked: 0, ok: true };

describe("the plan folder: the plan replaces only a folder it wrote itself", () => {
    let scratch: string;
    beforeEach(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), "plan-folder-"))));
    afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

    const write = (folder: string) => writePlan(folder, new Map([...planContents(emptyPlan), ["plan.txt", "the report"]]));
    const refused = (folder: string, why: RegExp) => assert.rejects(write(folder), (e: Error) =>
        e instanceof PlanFolderError && e.message.startsWith(`cannot write the plan to ${path.resolve(folder)}: `) && why.test(e.message));

    it("creates an absent folder and marks it with the list of what it wrote", async () => {
        const folder = path.join(scratch, "plan");
        assert.deepEqual(await write(folder), [path.join(folder, "checks.json"), path.join(folder, "grants.json"), path.join(folder, "plan.txt")]);
        const marker = fs.readFileSync(path.join(folder, markerFile), "utf8").split("\n");
        assert.match(marker[0], /^Written by `npm run plan` of cross-account-pipeline/);
        assert.deepEqual(marker.slice(1), ["checks.json", "grants.json", "plan.txt", ""]);
        assert.equal(fs.readFileSync(path.join(folder, "plan.txt"), "utf8"), "the report\n");
    });

    it("written in parts, lists every file from the start and ends as the same plan written at once", async () => {
        const [atOnce, inParts] = [path.join(scratch, "at-once"), path.join(scratch, "in-parts")];
        const contents = new Map<string, unknown>([["account-111111111111/resources.json", [{ name: "pipeline-key" }]], ...planContents(emptyPlan), ["plan.txt", "the report"]]);
        await writePlan(atOnce, contents);
        const folder = PlanFolder.open(inParts, [...contents.keys()]);
        const marked = fs.readFileSync(path.join(inParts, markerFile), "utf8");
        assert.equal(marked, fs.readFileSync(path.join(atOnce, markerFile), "utf8"), "the marker lists every file before any is written");
        assert.deepEqual(await folder.write(new Map([...contents].slice(0, 1))), [path.join(inParts, "account-111111111111/resources.json")]);
        assert.ok(!fs.existsSync(path.join(inParts, "checks.json")), "only the part given is written");
        await folder.write(new Map([...contents].slice(1)));
        for (const file of [markerFile, ...contents.keys()]) {
            assert.equal(fs.readFileSync(path.join(inParts, file), "utf8"), fs.readFileSync(path.join(atOnce, file), "utf8"), file);
        }
    });

    it("opened over an earlier plan, drops its verdict at once: a plan stopped before its own leaves a folder --against refuses", async () => {
        const account = "account-111111111111/resources.json";
        const contents = new Map<string, unknown>([[account, [{ name: "pipeline-key" }]], ...planContents(emptyPlan), ["plan.txt", "the report"]]);
        await writePlan(scratch, contents);
        const folder = PlanFolder.open(scratch, [...contents.keys()]);
        assert.deepEqual(["checks.json", "grants.json", "plan.txt"].filter((file) => fs.existsSync(path.join(scratch, file))), []);
        assert.ok(fs.existsSync(path.join(scratch, account)), "an account's file is kept, to be written over");
        await folder.write(new Map([[account, [{ name: "pipeline-bucket" }]]]));
        const read = readPlanFolder(scratch);
        assert.ok("problem" in read && /it has no checks\.json/.test(read.problem), JSON.stringify(read));
    });

    it("writes only the files it was opened with, which its marker lists", async () => {
        const folder = PlanFolder.open(scratch, ["checks.json"]);
        await assert.rejects(folder.write(new Map<string, unknown>([["checks.json", {}], ["plan.txt", "the report"]])), /was not opened with plan\.txt: its marker must list every file/);
        assert.ok(!fs.existsSync(path.join(scratch, "plan.txt")) && !fs.existsSync(path.join(scratch, "checks.json")), "nothing of the part is written");
    });

    it("opened, refuses a folder holding what the plan did not write before writing anything", () => {
        fs.writeFileSync(path.join(scratch, "notes.txt"), "mine");
        assert.throws(() => PlanFolder.open(scratch, ["checks.json"]), (e: Error) => e instanceof PlanFolderError && /notes\.txt/.test(e.message));
        assert.deepEqual(fs.readdirSync(scratch), ["notes.txt"]);
    });

    it("writes into an empty folder", async () => {
        await write(scratch);
        assert.ok(fs.existsSync(path.join(scratch, "checks.json")));
    });

    it("replaces what an earlier plan wrote, files and folders it no longer writes included", async () => {
        const folder = path.join(scratch, "plan");
        await write(folder);
        fs.mkdirSync(path.join(folder, "account-999999999999"));
        fs.writeFileSync(path.join(folder, "account-999999999999", "resources.json"), "[]");
        fs.appendFileSync(path.join(folder, markerFile), "account-999999999999/resources.json\n");
        fs.writeFileSync(path.join(folder, "plan.txt"), "an earlier report, longer than this one's\n");
        await write(folder);
        assert.deepEqual(fs.readdirSync(folder).sort(), [markerFile, "checks.json", "grants.json", "plan.txt"]);
        assert.equal(fs.readFileSync(path.join(folder, "plan.txt"), "utf8"), "the report\n", "a file both plans write holds this plan's text only");
    });

    it("refuses a file, and leaves it as it was", async () => {
        const notes = path.join(scratch, "notes.txt");
        fs.writeFileSync(notes, "mine");
        await refused(notes, /it is a file, not a folder/);
        assert.equal(fs.readFileSync(notes, "utf8"), "mine");
    });

    it("names the path and the reason when the folder cannot be made", async () => {
        const notes = path.join(scratch, "notes.txt");
        fs.writeFileSync(notes, "mine");
        await refused(path.join(notes, "plan"), new RegExp(`: ${notes.replace(/\./g, "\\.")}/plan: a part of the path is a file, not a folder$`));
    });

    it("refuses a folder holding files the plan did not write, naming them, and deletes nothing", async () => {
        fs.mkdirSync(path.join(scratch, "drafts"));
        fs.writeFileSync(path.join(scratch, "drafts", "a.json"), "{}");
        fs.writeFileSync(path.join(scratch, "notes.txt"), "mine");
        fs.mkdirSync(path.join(scratch, "empty"));
        await refused(scratch, /it holds files the plan did not write \(drafts\/a\.json, empty\/, notes\.txt\)/);
        assert.deepEqual(fs.readdirSync(scratch).sort(), ["drafts", "empty", "notes.txt"]);
    });

    it("refuses a plan folder to which a file was added, and keeps that file", async () => {
        await write(scratch);
        fs.writeFileSync(path.join(scratch, "review-notes.txt"), "mine");
        await refused(scratch, /files the plan did not write \(review-notes\.txt\)/);
        assert.equal(fs.readFileSync(path.join(scratch, "review-notes.txt"), "utf8"), "mine");
        assert.ok(fs.existsSync(path.join(scratch, "checks.json")));
    });

    it("does not take a marker of other content for its own", async () => {
        fs.writeFileSync(path.join(scratch, markerFile), "checks.json\n");
        fs.writeFileSync(path.join(scratch, "checks.json"), "mine");
        await refused(scratch, /files the plan did not write \(checks\.json\)/);
    });

    it("refuses a symbolic link", async () => {
        const link = path.join(scratch, "link");
        fs.mkdirSync(path.join(scratch, "target"));
        fs.symlinkSync(path.join(scratch, "target"), link);
        await refused(link, /it is a symbolic link/);
    });

    /** Runs `check` with the scratch folder as the current directory. */
    const fromScratch = async (check: () => void | Promise<void>) => {
        const cwd = process.cwd();
        process.chdir(scratch);
        try {
            await check();
        } finally {
            process.chdir(cwd);
        }
    };

    it("refuses the project directory and any folder above it, however they are named", () => fromScratch(() => {
        for (const folder of [projectRoot, path.dirname(projectRoot), path.join(projectRoot, "plan", "..")]) {
            assert.match(planFolderProblem(folder) ?? "", /(: it is|, and) the project directory or a folder above it/, folder);
        }
    }));

    it("refuses the current directory and any folder above it, even an empty one", () => fromScratch(async () => {
        await refused(".", /: it is the current directory or a folder above it/);
        await refused(path.parse(scratch).root, /: it is the current directory or a folder above it, and the project directory or a folder above it/);
    }));
});

describe("a plan folder file's content and text (offline-plan/accountFiles.ts)", () => {
    it("reads as the file reads back, and is written as the text it was made from", () => {
        const content = { b: [1, { c: undefined, d: "x" }], a: undefined, e: null };
        const written = asWritten(content);
        assert.deepEqual(written, { b: [1, { d: "x" }], e: null }, "no undefined fields, as JSON.parse of the file gives");
        assert.equal(fileText(written), JSON.stringify(content, null, 2));
        assert.deepEqual(JSON.parse(fileText(written)), written);
    });

    it("writes other JSON indented by two spaces, and text as it is", () => {
        assert.equal(fileText({ a: [1] }), "{\n  \"a\": [\n    1\n  ]\n}");
        assert.equal(fileText("PLAN OK"), "PLAN OK");
    });
});
