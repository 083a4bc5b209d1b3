// What makes a rendered diagram mislead, decided from its geometry; and the files the renderer unpacks.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { mermaidOf } from "../offline-plan/diagramCli";
import { boxMembers, DiagramGeometry, layoutProblems } from "../offline-plan/diagramLayout";
import { tarFiles } from "../offline-plan/renderDiagram";

const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });
const line = (from: [number, number], to: [number, number]) => Array.from({ length: 51 }, (_, i) => ({ x: from[0] + (to[0] - from[0]) * i / 50, y: from[1] + (to[1] - from[1]) * i / 50 }));

/** Two accounts side by side: a role on the left assumes a role on the right; another node stands below each. */
function twoAccounts(): DiagramGeometry {
    return {
        width: 600,
        height: 300,
        nodes: [
            { id: "n1", box: box(20, 40, 100, 40), text: "role A" },
            { id: "n2", box: box(20, 150, 100, 40), text: "bucket A" },
            { id: "n3", box: box(320, 40, 100, 40), text: "role B" },
            { id: "n4", box: box(320, 150, 100, 40), text: "role C" },
        ],
        edges: [{ id: "L_n1_n3_0", from: "n1", to: "n3", points: line([120, 60], [320, 60]) }],
        labels: [{ edge: "L_n1_n3_0", box: box(200, 50, 40, 20), text: "assume" }],
        boxes: [
            { id: "a1", box: box(10, 0, 130, 200), title: box(20, 5, 100, 20), text: "account A" },
            { id: "a2", box: box(300, 0, 130, 200), title: box(320, 5, 100, 20), text: "account B" },
        ],
    };
}
const members = new Map([["n1", ["a1"]], ["n2", ["a1"]], ["n3", ["a2"]], ["n4", ["a2"]]]);

describe("the layout of a rendered diagram", () => {
    it("finds nothing wrong with a faithful picture", () => {
        assert.deepEqual(layoutProblems(twoAccounts(), members), []);
    });

    it("finds an edge drawn through a node it does not connect, as if that node were on the path", () => {
        const geometry = twoAccounts();
        // The assume edge enters role B from below, across role C.
        geometry.edges[0].points = [...line([120, 60], [370, 230]), ...line([370, 230], [370, 80])];
        assert.deepEqual(layoutProblems(geometry, members), ["edge n1 -> n3 passes through node n4 (role C)"]);
    });

    it("lets an edge touch the outline of a node it passes, not cross into it", () => {
        const geometry = twoAccounts();
        geometry.edges[0].points = [...line([120, 60], [200, 150]), ...line([200, 150], [320, 150]), ...line([320, 150], [320, 80])];
        assert.deepEqual(layoutProblems(geometry, members), []);
    });

    it("finds text over text: labels over labels, nodes or titles, and edges through another edge's label or a box's title", () => {
        const geometry = twoAccounts();
        geometry.edges.push({ id: "L_n2_n4_0", from: "n2", to: "n4", points: line([120, 170], [320, 170]) });
        geometry.labels.push({ edge: "L_n2_n4_0", box: box(210, 60, 40, 20), text: "read" });
        assert.deepEqual(layoutProblems(geometry, members), [`label "assume" of edge L_n1_n3_0 overlaps label "read" of edge L_n2_n4_0`]);

        geometry.labels[1].box = box(100, 160, 40, 20);
        assert.deepEqual(layoutProblems(geometry, members), [`label "read" of edge L_n2_n4_0 overlaps node n2 (bucket A)`]);

        geometry.labels[1].box = box(200, 160, 40, 20);
        geometry.edges[0].points = [...line([120, 60], [220, 165]), ...line([220, 165], [320, 60])];
        assert.deepEqual(layoutProblems(geometry, members), [`edge n1 -> n3 passes through the label "read" of edge L_n2_n4_0`]);

        geometry.edges[0].points = [...line([120, 60], [350, 10]), ...line([350, 10], [370, 40])];
        assert.deepEqual(layoutProblems(geometry, members), [`edge n1 -> n3 passes through the title "account B" of box a2`]);
    });

    it("finds a node outside its account's box, or in another's, and boxes of different accounts overlapping", () => {
        const geometry = twoAccounts();
        geometry.nodes[3].box = box(320, 190, 100, 40);
        assert.deepEqual(layoutProblems(geometry, members), ["node n4 (role C) is drawn outside its box a2"]);

        geometry.nodes[3].box = box(320, 150, 100, 40);
        geometry.boxes[1].box = box(100, 0, 330, 200);
        assert.deepEqual(layoutProblems(geometry, members), [
            "node n1 (role A) is drawn in box a2, not its own",
            "node n2 (bucket A) is drawn in box a2, not its own",
            `box a1 "account A" overlaps box a2 "account B"`,
        ]);
    });

    it("reads each node's boxes from the Mermaid source, innermost first", () => {
        const source = ["flowchart LR", "  subgraph a1[\"A\"]", "    n1(\"role\")", "    subgraph a2[\"inner\"]", "      n2[(\"bucket\")]", "    end", "  end", "  more[\"…\"]", "  n1 -->|\"read\"| n2"].join("\n");
        assert.deepEqual([...boxMembers(source)], [["n1", ["a1"]], ["n2", ["a2", "a1"]]]);
    });
});

describe("what the renderer unpacks and reads", () => {
    it("reads the files of the tar archive of fonts the Chromium package carries", () => {
        const bin = path.resolve(path.dirname(require.resolve("@sparticuz/chromium")), "..", "..", "bin");
        const files = tarFiles(zlib.brotliDecompressSync(fs.readFileSync(path.join(bin, "fonts.tar.br"))));
        const regular = files.get("fonts/Open_Sans/OpenSans-Regular.ttf");
        assert.ok(regular && regular.length > 100_000, [...files.keys()].join(", "));
        // A TrueType font starts with its version, 1.0; the tar's folders are not files.
        assert.equal(regular.readUInt32BE(0), 0x00010000);
        assert.ok(![...files.keys()].some((name) => name.endsWith("/")));
    });

    it("finds the diagram in a plan's summary.md", () => {
        assert.equal(mermaidOf("# Plan\n\n```diff\n+ x\n```\n\n```mermaid\nflowchart LR\n  a --> b\n```\n\nThe end."), "flowchart LR\n  a --> b");
        assert.equal(mermaidOf("# Plan without a diagram"), undefined);
    });
});
