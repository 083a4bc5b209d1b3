// `npm run diagram -- PLAN_DIR [--out FILE]`: the diagram of a plan folder's summary.md, rendered by Mermaid
// as a Markdown viewer renders it, into FILE (diagram.svg by default; a name ending in .png for a picture),
// and its layout checked: an edge through a node it does not connect, text over text, a node outside its
// account's box. Exit status: 0 rendered, 1 rendered with layout problems (listed), 2 a wrong command line or folder.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { boxMembers, layoutProblems } from "./diagramLayout";
import { summaryFile } from "./planFiles";
import { openRenderer } from "./renderDiagram";

const usage = "usage: npm run diagram -- PLAN_DIR [--out FILE]  (FILE: diagram.svg by default; .svg or .png)";

/** The Mermaid source of a summary.md: its one mermaid block. */
export function mermaidOf(summary: string): string | undefined {
    return /```mermaid\n([\s\S]*?)\n```/.exec(summary)?.[1];
}

async function main(): Promise<number> {
    let args: ReturnType<typeof parseArgs<{ options: { out: { type: "string" } }; allowPositionals: true }>>;
    try {
        args = parseArgs({ options: { out: { type: "string" } }, allowPositionals: true, strict: true });
    } catch (e) {
        process.stderr.write(`diagram: ${(e as Error).message}\n${usage}\n`);
        return 2;
    }
    const out = args.values.out ?? "diagram.svg";
    if (args.positionals.length !== 1 || !/\.(svg|png)$/.test(out)) {
        process.stderr.write(`${usage}\n`);
        return 2;
    }
    const summary = path.join(args.positionals[0], summaryFile);
    const source = fs.existsSync(summary) ? mermaidOf(fs.readFileSync(summary, "utf8")) : undefined;
    if (source === undefined) {
        process.stderr.write(`diagram: ${summary} is not a plan's summary with a diagram (npm run plan -- --out ${args.positionals[0]} writes one)\n`);
        return 2;
    }
    const started = Date.now();
    const renderer = await openRenderer();
    try {
        const opened = Date.now();
        const { svg, geometry } = await renderer.render(source);
        const rendered = Date.now();
        fs.writeFileSync(out, out.endsWith(".png") ? await renderer.png(svg) : svg);
        const problems = layoutProblems(geometry, boxMembers(source));
        process.stdout.write(`Rendered ${geometry.nodes.length} nodes, ${geometry.edges.length} edges and ${geometry.boxes.length} boxes, ${Math.round(geometry.width)} x ${Math.round(geometry.height)}, `
            + `in ${rendered - opened} ms (the browser and Mermaid started in ${opened - started} ms); wrote ${out}\n`);
        process.stdout.write(problems.length === 0 ? "Layout: no edge through a node it does not connect, no text over text, every node in its own box\n"
            : `Layout problems (${problems.length}):\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
        return problems.length === 0 ? 0 : 1;
    } finally {
        await renderer.close();
    }
}

if (require.main === module) {
    main().then((status) => {
        process.exitCode = status;
    }, (e: Error) => {
        process.stderr.write(`diagram: ${e.stack}\n`);
        process.exitCode = 3;
    });
}
