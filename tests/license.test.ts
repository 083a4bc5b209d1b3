import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "./fixtures";
import { moduleGraph } from "./support/moduleGraph";

describe("what `pulumi up` runs", () => {
    let graph: Awaited<ReturnType<typeof moduleGraph>>;
    before(async () => {
        graph = await moduleGraph("index.ts");
    });

    it("never imports the AGPL IAM evaluator and policy parser, nor the plan, verification or tests", () => {
        for (const agpl of ["@cloud-copilot/iam-simulate", "@cloud-copilot/iam-policy"]) {
            assert.ok(!graph.packages.has(agpl), [...graph.packages].join(", "));
        }
        const outside = [...graph.files].filter((f) => /^(verification|offline-plan|evaluation|tests|policy-pack)\//.test(f));
        assert.deepEqual(outside, []);
    });

    it("imports only runtime dependencies of package.json", () => {
        const { dependencies } = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
        const builtins = new Set(["crypto", "fs", "path"]);
        assert.deepEqual([...graph.packages].filter((p) => !(p in dependencies) && !builtins.has(p) && !p.startsWith("node:")), []);
        assert.ok(graph.files.size > 10, "the crawl follows the program's modules");
    });
});
