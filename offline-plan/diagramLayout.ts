// What makes a rendered diagram mislead, decided from its geometry (offline-plan/renderDiagram.ts measures
// it in the browser): an edge drawn through a node it does not connect, which reads as if that node were on
// the path; text drawn over text (edge labels, node labels, box titles); a node drawn outside its account's
// box or inside another's; boxes of different accounts overlapping.

export interface Point {
    x: number;
    y: number;
}

export interface Box extends Point {
    width: number;
    height: number;
}

/** A rendered flowchart as the browser laid it out, in the SVG's units. */
export interface DiagramGeometry {
    width: number;
    height: number;
    /** Each node by its Mermaid id, with its shape's bounding box. */
    nodes: { id: string; box: Box; text: string }[];
    /** Each edge's path, sampled every few units, from its source node to its target node. */
    edges: { id: string; from: string; to: string; points: Point[] }[];
    /** Each edge's label, where it has one. */
    labels: { edge: string; box: Box; text: string }[];
    /** Each subgraph (an account's box) by its Mermaid id, with its title. */
    boxes: { id: string; box: Box; title: Box; text: string }[];
}

/** Whether two boxes share more than their edges, allowing for `slack` units of overlap. */
function overlap(a: Box, b: Box, slack = 0.5): boolean {
    return a.x + slack < b.x + b.width && b.x + slack < a.x + a.width && a.y + slack < b.y + b.height && b.y + slack < a.y + a.height;
}

/** Whether the point is inside the box, `inset` units in from its outline (an edge may touch a node's outline). */
function inside(point: Point, box: Box, inset = 1): boolean {
    return point.x > box.x + inset && point.x < box.x + box.width - inset && point.y > box.y + inset && point.y < box.y + box.height - inset;
}

/** Whether `inner` lies within `outer`, allowing for `slack` units. */
function within(inner: Box, outer: Box, slack = 0.5): boolean {
    return inner.x >= outer.x - slack && inner.y >= outer.y - slack && inner.x + inner.width <= outer.x + outer.width + slack && inner.y + inner.height <= outer.y + outer.height + slack;
}

/**
 * Every way the layout misleads, in words; none for a faithful picture. `boxesOf` gives each node's boxes
 * (subgraphs) from the source, innermost first (`boxMembers`).
 */
export function layoutProblems(geometry: DiagramGeometry, boxesOf: Map<string, string[]>): string[] {
    const problems: string[] = [];
    const { nodes, edges, boxes } = geometry;
    const labels = geometry.labels.filter((label) => label.box.width > 0 && label.box.height > 0);
    const node = (id: string) => `${id} (${nodes.find((n) => n.id === id)?.text ?? "?"})`;
    for (const edge of edges) {
        for (const other of nodes) {
            if (other.id !== edge.from && other.id !== edge.to && edge.points.some((p) => inside(p, other.box))) {
                problems.push(`edge ${edge.from} -> ${edge.to} passes through node ${node(other.id)}`);
            }
        }
        for (const label of labels) {
            if (label.edge !== edge.id && edge.points.some((p) => inside(p, label.box))) {
                problems.push(`edge ${edge.from} -> ${edge.to} passes through the label "${label.text}" of edge ${label.edge}`);
            }
        }
        for (const box of boxes) {
            if (edge.points.some((p) => inside(p, box.title))) {
                problems.push(`edge ${edge.from} -> ${edge.to} passes through the title "${box.text}" of box ${box.id}`);
            }
        }
    }
    const texts = [
        ...labels.map((label) => ({ what: `label "${label.text}" of edge ${label.edge}`, box: label.box })),
        ...nodes.map((n) => ({ what: `node ${node(n.id)}`, box: n.box })),
        ...boxes.map((box) => ({ what: `title "${box.text}" of box ${box.id}`, box: box.title })),
    ];
    texts.forEach((a, i) => texts.slice(i + 1).forEach((b) => {
        if (overlap(a.box, b.box)) {
            problems.push(`${a.what} overlaps ${b.what}`);
        }
    }));
    for (const n of nodes) {
        const own = boxesOf.get(n.id) ?? [];
        for (const box of boxes) {
            if (own.includes(box.id) && !within(n.box, box.box)) {
                problems.push(`node ${node(n.id)} is drawn outside its box ${box.id}`);
            } else if (!own.includes(box.id) && overlap(n.box, box.box)) {
                problems.push(`node ${node(n.id)} is drawn in box ${box.id}, not its own`);
            }
        }
    }
    boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
        const nested = [...boxesOf.values()].some((own) => own.includes(a.id) && own.includes(b.id));
        if (!nested && overlap(a.box, b.box)) {
            problems.push(`box ${a.id} "${a.text}" overlaps box ${b.id} "${b.text}"`);
        }
    }));
    return problems;
}

/** Each node's subgraphs in a Mermaid flowchart's source, innermost first: the nodes declared between `subgraph` and `end`. */
export function boxMembers(source: string): Map<string, string[]> {
    const members = new Map<string, string[]>();
    const open: string[] = [];
    for (const line of source.split("\n").map((l) => l.trim())) {
        const subgraph = /^subgraph ([\w-]+)/.exec(line);
        const declared = /^([\w-]+)\s*[[({]/.exec(line);
        if (subgraph) {
            open.unshift(subgraph[1]);
        } else if (line === "end") {
            open.shift();
        } else if (declared && open.length > 0) {
            members.set(declared[1], [...open]);
        }
    }
    return members;
}
