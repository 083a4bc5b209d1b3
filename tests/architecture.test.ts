// The layout shows the architecture: no module imports, directly or through others, a module that imports it back.
import * as assert from "node:assert/strict";
import { parseCircular } from "dpdm";
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
