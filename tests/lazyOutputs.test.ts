// evaluation/runProgram.ts's transferWhenObserved, the stand-in for the runtime's transferProperties that makes a
// resource's property Outputs only when the program reads them: the same Outputs as the runtime's, settled the
// same way, whenever they are read.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { transferWhenObserved } from "../evaluation/runProgram";

type Resolver = (value: unknown, isKnown: boolean, isSecret: boolean, deps?: unknown[], error?: unknown) => void;
const rpc = require("@pulumi/pulumi/runtime/rpc") as { transferProperties(onto: object, label: string, props: object): Record<string, Resolver> };
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(promise: Promise<T>) => Promise<T> };
// The promise wrapper of a run without the runtime's bookkeeping (withoutEngineBookkeeping), for both: the runtime's
// own would keep the promises left pending here in its leak detector, and report them when the tests end.
const wrap = <T>(promise: Promise<T>) => promise.then((value) => value).catch((error) => {
    throw error;
});

/** The two ways of transferring, each onto an object of its own. */
const transfers = {
    runtime: (onto: Record<string, unknown>, props: Record<string, unknown>) => rpc.transferProperties(onto, "label", props),
    lazy: (onto: Record<string, unknown>, props: Record<string, unknown>) => transferWhenObserved(onto, "label", props, wrap),
};

/** An Output's internals (@internal in its typings). */
type OutputInternals = { promise(): Promise<unknown>; isKnown: Promise<boolean>; isSecret: Promise<boolean>; allResources(): Promise<Set<{ name: string }>> };

/** What an Output settles to: value, known, secret and the resources it depends on (by name, the resource itself "resource"), or its error. */
async function settled(output: unknown): Promise<unknown> {
    assert.ok(pulumi.Output.isInstance(output));
    const o = output as unknown as OutputInternals;
    try {
        return { value: await o.promise(), known: await o.isKnown, secret: await o.isSecret, resources: [...await o.allResources()].map((r) => (typeof r.name === "string" ? r.name : "resource")).sort() };
    } catch (e) {
        return { error: (e as Error).message };
    }
}

/** Whether a promise is still pending after some turns of the event loop. */
async function pending(output: unknown): Promise<boolean> {
    let done = false;
    (output as OutputInternals).promise().then(() => (done = true), () => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    return !done;
}

describe("a resource's property Outputs made when the program reads them (evaluation/runProgram.ts)", () => {
    const props = { arn: undefined, name: "given", tags: { a: "b" }, id: undefined, urn: undefined };
    const dependency = { name: "dependency" };
    const runtimeWrapper = debuggable.debuggablePromise;
    before(() => (debuggable.debuggablePromise = wrap));
    after(() => (debuggable.debuggablePromise = runtimeWrapper));

    it("puts the same properties on the resource, own and enumerable, and refuses one already there as the runtime does", () => {
        for (const transfer of Object.values(transfers)) {
            const onto: Record<string, unknown> = {};
            assert.deepEqual(Object.keys(transfer(onto, props)), ["arn", "name", "tags"]);
            assert.deepEqual(Object.keys(onto), ["arn", "name", "tags"]);
            assert.ok(Object.prototype.hasOwnProperty.call(onto, "arn"));
            assert.throws(() => transfer({ name: 1 }, props), /Property 'name' is already initialized on target 'label/);
        }
    });

    it("settles each Output as the runtime's, read before its registration returns or after, the first resolution winning", async () => {
        const outcomes = [];
        for (const transfer of Object.values(transfers)) {
            const [before, after]: Record<string, unknown>[] = [{}, {}];
            const [early, late] = [transfer(before, props), transfer(after, props)];
            const readEarly = before.arn;
            for (const resolvers of [early, late]) {
                resolvers.arn("arn:aws:iam::1:role/r", true, true, [dependency]);
                resolvers.arn("second", true, false, []);
                resolvers.name("given", false, false);
                resolvers.tags(undefined, true, false, [], undefined);
            }
            assert.equal(before.arn, readEarly, "the same Output on every read");
            outcomes.push(await Promise.all([readEarly, after.arn, before.name, after.name, after.tags].map(settled)));
        }
        assert.deepEqual(outcomes[1], outcomes[0]);
        assert.deepEqual(outcomes[0][1], { value: "arn:aws:iam::1:role/r", known: true, secret: true, resources: ["dependency", "resource"] });
    });

    it("rejects the Outputs of a failed registration, read or not, and leaves them pending on the engine going away (a gRPC error)", async () => {
        const grpcError = Object.assign(new Error("unavailable"), { code: 14, details: "", metadata: {} });
        for (const transfer of Object.values(transfers)) {
            const [failed, gone]: Record<string, unknown>[] = [{}, {}];
            const failing = transfer(failed, props);
            const read = failed.arn;
            const unhandled: unknown[] = [];
            const onRejection = (reason: unknown) => unhandled.push(reason);
            process.on("unhandledRejection", onRejection);
            try {
                for (const k of Object.keys(failing)) {
                    failing[k](undefined, true, false, [], new Error("refused"));
                }
                // Unread, the runtime's Outputs reject unhandled: the run fails with the first such rejection.
                await new Promise((resolve) => setTimeout(resolve, 20));
                assert.deepEqual(await settled(read), { error: "refused" });
                assert.deepEqual(await settled(failed.tags), { error: "refused" });
                assert.ok(unhandled.length > 0 && unhandled.every((e) => (e as Error).message === "refused"));
            } finally {
                process.off("unhandledRejection", onRejection);
            }
            const leaving = transfer(gone, props);
            leaving.arn(undefined, true, false, [], grpcError);
            assert.ok(await pending(gone.arn));
        }
    });

    it("lets the program replace a property by assigning it, before its Output is made or after", async () => {
        const outcomes = [];
        for (const transfer of Object.values(transfers)) {
            const onto: Record<string, unknown> = {};
            const resolvers = transfer(onto, props);
            onto.name = "assigned";
            const arn = onto.arn;
            onto.arn = "also assigned";
            resolvers.name("given", true, false);
            resolvers.arn("x", true, false);
            assert.deepEqual([onto.name, onto.arn], ["assigned", "also assigned"]);
            outcomes.push(await settled(arn));
        }
        assert.deepEqual(outcomes[1], outcomes[0]);
        assert.deepEqual(outcomes[0], { value: "x", known: true, secret: false, resources: ["assigned"] });
    });
});
