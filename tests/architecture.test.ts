// The layout shows the architecture: no module imports, directly or through others, a module that imports it back.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCircular } from "dpdm";
import { projectRoot } from "./fixtures";
import { dependencyTree } from "./support/moduleGraph";

describe("the module graph", () => {
    it("has no import cycle, type-only imports included", async () => {
        const tree = await dependencyTree(["**/*.ts"]);
        const modules = Object.keys(tree);
        assert.ok(modules.includes("index.ts") && modules.includes("config/index.ts") && modules.some((m) => m.startsWith("automation/")),
            `the analysis covers the project's modules (saw ${modules.length})`);
        assert.deepEqual(parseCircular(tree).map((cycle) => cycle.join(" -> ")), []);
    });
});

describe("the project's documentation", () => {
    it("lives in the repository: nothing refers to a design note or folder outside it, and the architecture note is there", () => {
        const tracked = execFileSync("git", ["ls-files"], { cwd: projectRoot, encoding: "utf8" }).split("\n")
            .filter((file) => /\.(ts|md|ya?ml|json)$/.test(file) && !file.endsWith("package-lock.json") && file !== "tests/architecture.test.ts");
        assert.ok(tracked.includes("ARCHITECTURE.md") && tracked.length > 50, `the repository's files are listed (${tracked.length})`);
        const outside = tracked.filter((file) => /DESIGN\.md|\.\.\/shared\//.test(fs.readFileSync(path.join(projectRoot, file), "utf8")));
        assert.deepEqual(outside, []);
    });
});
