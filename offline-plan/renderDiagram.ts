// The plan's diagram rendered as a Markdown viewer renders it: by Mermaid's own renderer (the `mermaid`
// package's browser build) in a headless Chromium, which lays the flowchart out from the text it measures.
// The Chromium is the one `@sparticuz/chromium` carries brotli-compressed inside its npm tarball, so that
// `npm ci` needs nothing but the npm registry (no browser download); puppeteer-core drives it. It is
// unpacked once into node_modules/.cache/, with the Open Sans fonts the package carries as the browser's
// only fonts: text measures the same on every machine, whatever fonts it has. Used by the layout tests
// (tests/diagramRender.test.ts) and by `npm run diagram` (offline-plan/diagramCli.ts); the plan never loads it.
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import puppeteer, { Browser, Page } from "puppeteer-core";
import type { DiagramGeometry } from "./diagramLayout";

export interface RenderedDiagram {
    /** The SVG Mermaid made, as a viewer shows it. */
    svg: string;
    geometry: DiagramGeometry;
}

export interface DiagramRenderer {
    /** The flowchart's SVG and its geometry as the browser laid it out. */
    render(source: string): Promise<RenderedDiagram>;
    /** The SVG as a PNG image, at its own size, as the same browser draws it. */
    png(svg: string): Promise<Buffer>;
    close(): Promise<void>;
}

const projectRoot = path.resolve(__dirname, "..");

/** The files of an uncompressed tar archive (ustar, as the package's fonts.tar.br is), by path. */
export function tarFiles(archive: Buffer): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    for (let offset = 0; offset + 512 <= archive.length;) {
        const header = archive.subarray(offset, offset + 512);
        const name = header.toString("latin1", 0, 100).replace(/\0.*$/s, "");
        if (name === "") {
            break; // the two zero blocks that end the archive
        }
        const size = parseInt(header.toString("latin1", 124, 136).replace(/\0.*$/s, "").trim() || "0", 8);
        const prefix = header.toString("latin1", 345, 500).replace(/\0.*$/s, "");
        // "0" or NUL: a regular file; folders and links have other types.
        if (header[156] === 0x30 || header[156] === 0) {
            files.set(prefix ? `${prefix}/${name}` : name, archive.subarray(offset + 512, offset + 512 + size));
        }
        offset += 512 + Math.ceil(size / 512) * 512;
    }
    return files;
}

/**
 * The Chromium binary and a fontconfig file naming only the package's fonts, unpacked under a folder
 * named for the package's version (about 3 s the first time). Unpacked into a folder of its own and
 * renamed: two processes unpacking at once leave one whole copy.
 */
function browserFiles(): { executable: string; fontConfig: string } {
    const packageDir = path.resolve(path.dirname(require.resolve("@sparticuz/chromium")), "..", "..");
    const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string };
    const dir = path.join(projectRoot, "node_modules", ".cache", `cross-account-pipeline-chromium-${version}`);
    const files = { executable: path.join(dir, "chromium"), fontConfig: path.join(dir, "fonts.conf") };
    if (fs.existsSync(files.fontConfig)) {
        return files;
    }
    const unpacking = `${dir}.${process.pid}`;
    fs.mkdirSync(path.join(unpacking, "fonts"), { recursive: true });
    const unpacked = (file: string) => zlib.brotliDecompressSync(fs.readFileSync(path.join(packageDir, "bin", file)));
    fs.writeFileSync(path.join(unpacking, "chromium"), unpacked("chromium.br"), { mode: 0o755 });
    for (const [name, content] of tarFiles(unpacked("fonts.tar.br"))) {
        if (name.endsWith(".ttf")) {
            fs.writeFileSync(path.join(unpacking, "fonts", path.basename(name)), content);
        }
    }
    // Written last: its presence says the folder is whole.
    fs.writeFileSync(path.join(unpacking, "fonts.conf"), [
        `<?xml version="1.0"?>`,
        `<!DOCTYPE fontconfig SYSTEM "fonts.dtd">`,
        `<fontconfig><dir>${path.join(dir, "fonts")}</dir><cachedir>${path.join(dir, "fontconfig-cache")}</cachedir></fontconfig>`,
        "",
    ].join("\n"));
    try {
        fs.renameSync(unpacking, dir);
    } catch (e) {
        fs.rmSync(unpacking, { recursive: true, force: true });
        if (!fs.existsSync(files.fontConfig)) {
            throw e;
        }
    }
    return files;
}

export async function openRenderer(): Promise<DiagramRenderer> {
    const { executable, fontConfig } = browserFiles();
    const browser: Browser = await puppeteer.launch({
        executablePath: executable,
        headless: "shell",
        // As root (CI), Chromium's sandbox cannot start; the page renders only the diagram given here.
        args: ["--no-sandbox", "--disable-gpu", "--font-render-hinting=none"],
        env: { ...process.env, FONTCONFIG_FILE: fontConfig },
    });
    try {
        const page: Page = await browser.newPage();
        await page.setContent("<!doctype html><html><body style=\"margin: 0; background: white\"></body></html>");
        await page.addScriptTag({ path: require.resolve("mermaid/dist/mermaid.min.js") });
        await page.evaluate(() => (globalThis as unknown as MermaidPage).mermaid.initialize({ startOnLoad: false }));
        return {
            render: (source) => page.evaluate(renderInPage, source),
            png: async (svg) => {
                await page.evaluate((markup: string) => {
                    document.body.innerHTML = markup;
                }, svg);
                const size = await page.evaluate(() => {
                    const root = document.querySelector("svg")!;
                    const { width, height } = root.viewBox.baseVal;
                    root.setAttribute("width", String(width));
                    root.style.maxWidth = "none";
                    return { width: Math.ceil(width), height: Math.ceil(height) };
                });
                await page.setViewport(size);
                return Buffer.from(await (await page.$("svg"))!.screenshot({ type: "png" }));
            },
            close: () => browser.close(),
        };
    } catch (e) {
        await browser.close();
        throw e;
    }
}

interface MermaidPage {
    mermaid: {
        initialize(config: object): void;
        render(id: string, source: string): Promise<{ svg: string }>;
    };
}

/**
 * Runs in the page: Mermaid renders the source, the SVG is put in the page at its own size (one unit a
 * pixel), and each node, edge, label and box is measured. Self-contained: puppeteer sends its text.
 */
async function renderInPage(source: string): Promise<{ svg: string; geometry: DiagramGeometry }> {
    const { svg } = await (globalThis as unknown as MermaidPage).mermaid.render("diagram", source);
    document.body.innerHTML = svg;
    const root = document.querySelector("svg")!;
    const { width, height } = root.viewBox.baseVal;
    root.setAttribute("width", String(width));
    root.style.maxWidth = "none";
    const box = (element: Element) => {
        const r = element.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
    };
    // A label is HTML in a foreignObject: its text as shown, a line break a space.
    const text = (element: Element) => (element.querySelector<HTMLElement>("foreignObject div")?.innerText ?? element.textContent ?? "").replace(/\s+/g, " ").trim();
    // Mermaid's ids: `diagram-flowchart-<node>-<n>` for a node, `diagram-<subgraph>` for a box, `L_<from>_<to>_<n>` for an edge.
    const nodes = [...root.querySelectorAll("g.node")].map((node) => ({ id: /^diagram-flowchart-(.+)-\d+$/.exec(node.id)![1], box: box(node), text: text(node) }));
    const edges = [...root.querySelectorAll<SVGPathElement>("path.flowchart-link")].map((edge) => {
        const [, from, to] = /^L_(.+?)_(.+)_\d+$/.exec(edge.dataset.id!)!;
        const matrix = edge.getScreenCTM()!;
        const length = edge.getTotalLength();
        const points = [];
        for (let at = 0; at <= length; at += 2) {
            const p = edge.getPointAtLength(at);
            points.push({ x: matrix.a * p.x + matrix.c * p.y + matrix.e, y: matrix.b * p.x + matrix.d * p.y + matrix.f });
        }
        return { id: edge.dataset.id!, from, to, points };
    });
    const labels = [...root.querySelectorAll<SVGGElement>("g.edgeLabel g.label")].map((label) => ({ edge: label.dataset.id!, box: box(label), text: text(label) }));
    const boxes = [...root.querySelectorAll("g.cluster")].map((cluster) => ({
        id: cluster.id.replace(/^diagram-/, ""),
        box: box(cluster.querySelector("rect")!),
        title: box(cluster.querySelector(".cluster-label")!),
        text: text(cluster.querySelector(".cluster-label")!),
    }));
    return { svg, geometry: { width, height, nodes, edges, labels, boxes } };
}
