import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { licensesNote } from "../scripts/licenses";
import { projectRoot } from "./fixtures";

describe("LICENSE and LICENSES.md", () => {
    it("has the Apache License 2.0 that package.json names", () => {
        const { license } = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { license: string };
        assert.equal(license, "Apache-2.0");
        const text = fs.readFileSync(path.join(projectRoot, "LICENSE"), "utf8");
        assert.match(text, /^\s*Apache License\s+Version 2\.0, January 2004/);
        assert.match(text, /END OF TERMS AND CONDITIONS/);
    });

    it("is current: the committed LICENSES.md is what `npm run licenses` writes from package-lock.json", () => {
        assert.equal(fs.readFileSync(path.join(projectRoot, "LICENSES.md"), "utf8"), licensesNote(), "run `npm run licenses` and commit the result");
    });

    it("names every runtime dependency's license, and the AGPL packages only among what the plan and tests use", () => {
        const note = licensesNote();
        const [ships, devOnly] = note.split("## What only the offline plan, the service and the tests use");
        assert.doesNotMatch(ships, /AGPL/);
        assert.match(devOnly, /\| AGPL-3\.0-or-later \| 3 \| @cloud-copilot\/iam-policy@[\d.]+, @cloud-copilot\/iam-simulate@[\d.]+/);
        assert.doesNotMatch(ships, /\(none declared\)/, "a runtime dependency declares no license");
    });
});
