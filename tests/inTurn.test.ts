// The program declares its targets one per turn of the event loop (program/inTurn.ts): each target's registrations go
// out (under the mocks: settle) before the next target is declared.
import * as assert from "node:assert/strict";
import { declareInTurn } from "../program/inTurn";
import { runAllInOne } from "./support/stacks";

const threeTargets = ["Alpha", "Beta", "Gamma"].map((name, i) => ({
    name, accountId: `20000000000${i}`, applicationName: "App", deploymentGroupName: "Group",
}));

describe("targets declared one per turn of the event loop (program/inTurn.ts)", () => {
    it("returns what was declared of each item, in order, giving the event loop a turn after each", async () => {
        const events: string[] = [];
        const declared = await declareInTurn(["a", "b"], (item) => {
            events.push(`declare ${item}`);
            setImmediate(() => events.push(`turn after ${item}`));
            return item.toUpperCase();
        });
        assert.deepEqual(declared, ["A", "B"]);
        assert.deepEqual(events, ["declare a", "turn after a", "declare b", "turn after b"]);
    });

    it("registers every resource of a target (its provider and application too) before the next target's account is declared", async () => {
        const run = await runAllInOne(threeTargets);
        const order = run.resources.map((r) => r.name);
        const targetAccount = (name: string) => order.indexOf(name);
        const accountOf = (name: string) => threeTargets.find((t) => t.name === name)!.accountId;
        const isOf = (name: string, resource: string) => resource === `target-${name}` || resource.startsWith(`${name}-`) || resource.startsWith(`App-${accountOf(name)}-`);
        const lastOf = (name: string) => Math.max(...order.flatMap((n, i) => (isOf(name, n) ? [i] : [])));
        assert.ok(lastOf("Alpha") > 0 && lastOf("Beta") > 0, "the targets' resources were registered");
        assert.ok(lastOf("Alpha") < targetAccount("Beta"), `Alpha's resources registered after Beta's account: ${order.join(", ")}`);
        assert.ok(lastOf("Beta") < targetAccount("Gamma"), `Beta's resources registered after Gamma's account: ${order.join(", ")}`);
    });
});
