// The plan's diagram as a viewer shows it: rendered by Mermaid's own renderer in a headless Chromium
// (offline-plan/renderDiagram.ts), its geometry checked (offline-plan/diagramLayout.ts).
import * as assert from "node:assert/strict";
import { boxMembers, layoutProblems } from "../offline-plan/diagramLayout";
import { DiagramRenderer, openRenderer } from "../offline-plan/renderDiagram";

describe("rendering a diagram with Mermaid", function () {
    // Starting the browser and loading Mermaid takes about 2 s; unpacking the browser, the first time, 3 s more.
    this.timeout(60_000);
    let renderer: DiagramRenderer;
    before(async () => {
        renderer = await openRenderer();
    });
    after(async () => {
        await renderer?.close();
    });

    it("measures what the browser laid out: nodes as wide as their text, edges from source to target, labels, boxes", async () => {
        const source = [
            "flowchart LR",
            "  subgraph a1[\"111111111111: pipeline account\"]",
            "    n1(\"role\")",
            "  end",
            "  subgraph a2[\"222222222222: target Staging\"]",
            "    n2(\"deploy role with a much longer name\")",
            "  end",
            "  n1 -->|\"assume\"| n2",
        ].join("\n");
        const { svg, geometry } = await renderer.render(source);
        assert.match(svg, /^<svg id="diagram"/);
        const [short, long] = ["n1", "n2"].map((id) => geometry.nodes.find((n) => n.id === id)!);
        assert.equal(short.text, "role");
        assert.ok(long.box.width > short.box.width + 50, `${long.box.width} vs ${short.box.width}: text is measured with a real font`);
        assert.deepEqual(geometry.edges.map((e) => [e.id, e.from, e.to]), [["L_n1_n2_0", "n1", "n2"]]);
        const [start, end] = [geometry.edges[0].points[0], geometry.edges[0].points.at(-1)!];
        assert.ok(start.x >= short.box.x + short.box.width - 2 && end.x <= long.box.x + 2, `from ${JSON.stringify(start)} to ${JSON.stringify(end)}`);
        assert.deepEqual(geometry.labels.map((l) => [l.edge, l.text]), [["L_n1_n2_0", "assume"]]);
        assert.deepEqual(geometry.boxes.map((b) => [b.id, b.text]).sort(), [["a1", "111111111111: pipeline account"], ["a2", "222222222222: target Staging"]]);
        assert.deepEqual(layoutProblems(geometry, boxMembers(source)), []);

        const png = await renderer.png(svg);
        assert.equal(png.toString("latin1", 1, 4), "PNG");
        assert.equal(png.readUInt32BE(16), Math.ceil(geometry.width));
    });
});
