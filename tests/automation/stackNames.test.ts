import * as assert from "assert";
import { DriverError } from "../../automation/errors";
import { StackDefinition } from "../../automation/stackFiles";
import { organizationOfRun } from "../../automation/stackNames";

const pipeline = (name: string, ...organizations: string[]): StackDefinition => ({ name, role: "pipeline", reads: ["accountB"], organizations });
const target = (name: string): StackDefinition => ({ name, role: "target", reads: [] });

function refusal(run: () => unknown): string {
    try {
        run();
    } catch (error) {
        assert.ok(error instanceof DriverError, String(error));
        return error.message;
    }
    return assert.fail("no refusal");
}

describe("automation: the organization every stack is named in", () => {
    it("on Pulumi Cloud, is the one the pipeline stacks' references name, so the driver deploys what they read", () => {
        assert.strictEqual(organizationOfRun([pipeline("accountA", "acme"), target("accountB")], { service: true }), "acme");
    });

    it("on Pulumi Cloud without a named one, is left to the CLI's default organization, which short references mean", () => {
        assert.strictEqual(organizationOfRun([pipeline("accountA"), target("accountB")], { service: true }), undefined);
        assert.strictEqual(organizationOfRun([pipeline("accountA")], { service: true, option: "acme" }), "acme");
    });

    it("on a self-managed backend, is its only organization", () => {
        assert.strictEqual(organizationOfRun([pipeline("accountA", "organization")], { service: false }), "organization");
        assert.strictEqual(organizationOfRun([target("accountB")], { service: false }), "organization");
        assert.match(
            refusal(() => organizationOfRun([pipeline("accountA", "acme")], { service: false })),
            /^targets\[\]\.stack \(stack accountA reads stacks of organization acme\) names organization acme, but a self-managed backend has one organization, "organization"/,
        );
    });

    it("refuses references to two organizations, or one that --org contradicts, naming the stacks", () => {
        assert.match(
            refusal(() => organizationOfRun([pipeline("accountA", "acme"), pipeline("east", "globex")], { service: true })),
            /^stack accountA reads stacks of organization acme; stack east reads stacks of organization globex: one run deploys one project's stacks in one organization/,
        );
        assert.match(
            refusal(() => organizationOfRun([pipeline("accountA", "acme")], { service: true, option: "globex" })),
            /^stack accountA reads stacks of organization acme \(targets\[\]\.stack\), but the run deploys organization globex \(--org\)/,
        );
    });
});
