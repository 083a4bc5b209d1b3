import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "./fixtures";

/** Every module `entry` loads, following relative imports; packages by name. */
function moduleGraph(entry: string): { files: Set<string>; packages: Set<string> } {
    const files = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
        if (files.has(file)) {
            return;
        }
        files.add(file);
        const source = fs.readFileSync(file, "utf8");
        for (const [, specifier] of source.matchAll(/(?:from|import|require\()\s*["']([^"']+)["']/g)) {
            if (specifier.startsWith(".")) {
                visit(`${path.resolve(path.dirname(file), specifier)}.ts`);
            } else {
                packages.add(specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/"));
            }
        }
    };
    visit(entry);
    return { files, packages };
}

describe("what `pulumi up` runs", () => {
    const graph = moduleGraph(path.join(projectRoot, "index.ts"));

    it("never imports the AGPL IAM evaluator, nor the plan, verification or tests", () => {
        assert.ok(!graph.packages.has("@cloud-copilot/iam-simulate"), [...graph.packages].join(", "));
        const outside = [...graph.files].map((f) => path.relative(projectRoot, f)).filter((f) => /^(verification|offline-plan|evaluation|tests|policy-pack)\//.test(f));
        assert.deepEqual(outside, []);
    });

    it("imports only runtime dependencies of package.json", () => {
        const { dependencies } = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
        const builtins = new Set(["crypto", "fs", "path"]);
        assert.deepEqual([...graph.packages].filter((p) => !(p in dependencies) && !builtins.has(p) && !p.startsWith("node:")), []);
        assert.ok(graph.files.size > 10, "the crawl follows the program's modules");
    });
});
