// The pipeline of waves of docs/configuration.md is valid config, and the stage list it shows is the one the program declares.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseConfig } from "../config";
import { pipelineStages, StageDeclaration } from "../definition/pipeline";
import { programKeys, readStackFile } from "../project/stackFiles";
import { projectRoot } from "./fixtures";

const readme = fs.readFileSync(path.join(projectRoot, "docs", "configuration.md"), "utf8");

/** The text after `marker` up to the first blank line following it. */
function blockAfter(marker: string): string {
    const start = readme.indexOf(marker);
    assert.ok(start >= 0, `docs/configuration.md has ${marker}`);
    return readme.slice(start + marker.length).trimStart().split(/\n\s*\n/)[0];
}

/** "A", "A and B", "A, B and C". */
const listed = (names: string[]) => (names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`);

/** A stage as docs/configuration.md lists it: its actions by runOrder, parallel ones together. */
function stageLine(stage: StageDeclaration): string {
    const runOrders = [...new Set(stage.actions.map((a) => a.runOrder))];
    const steps = runOrders.map((order) => {
        const names = stage.actions.filter((a) => a.runOrder === order).map((a) => a.name);
        return names.length > 1 ? `${listed(names)} in parallel` : names[0];
    });
    return `- \`${stage.name}\`: ${steps.join(", then ")}`;
}

describe("the pipeline of waves of docs/configuration.md", () => {
    it("is valid config, and its stage list is the program's", () => {
        const example = readme.slice(readme.indexOf("<!-- waves example")).split("```yaml\n")[1].split("```")[0];
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "waves-readme-"));
        try {
            const file = path.join(dir, "Pulumi.waves.yaml");
            fs.writeFileSync(file, example);
            const config = parseConfig(programKeys(readStackFile(file)));
            assert.equal(config.targets.length, 6);
            assert.equal(pipelineStages(config).map(stageLine).join("\n"), blockAfter("<!-- waves stages -->"));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
