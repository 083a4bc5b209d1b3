// The documentation holds together: every relative link of every tracked Markdown file resolves to a file of the
// repository, every #anchor to a heading of the document it names (as GitHub derives a heading's anchor), and the
// README stays short enough to read (at most 25,000 characters). Links to the web (http, https, mailto) are not
// followed: the tests run without a network.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "./fixtures";

/** The README's budget, in characters (issue 24: a README a newcomer reads, the rest in documents by reader). */
const readmeLimit = 25_000;

/** `text` without fenced code blocks and inline code spans, whose brackets and hashes are not Markdown. */
function withoutCode(text: string): string {
    const lines: string[] = [];
    let fence: string | undefined;
    for (const line of text.split("\n")) {
        const opening = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
        if (opening && (fence === undefined || (opening[0] === fence[0] && opening.length >= fence.length))) {
            fence = fence === undefined ? opening : undefined;
            lines.push("");
            continue;
        }
        lines.push(fence === undefined ? line.replace(/(`+)[^`]*?\1/g, "") : "");
    }
    return lines.join("\n");
}

/** A heading's anchor as GitHub makes it: its text, lower case, without punctuation but `-` and `_`, spaces as `-`. */
function githubSlug(heading: string): string {
    return heading
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link's text
        .replace(/<[^>]+>/g, "") // inline HTML
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

/** The anchors of a Markdown document: its headings' slugs, a repeated one with -1, -2, ...; and explicit ids. */
function anchorsOf(markdown: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    const headingsOnly = markdown.split("\n");
    let fence: string | undefined;
    for (const line of headingsOnly) {
        const opening = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
        if (opening && (fence === undefined || (opening[0] === fence[0] && opening.length >= fence.length))) {
            fence = fence === undefined ? opening : undefined;
            continue;
        }
        if (fence !== undefined) {
            continue;
        }
        const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
        if (heading !== undefined) {
            const slug = githubSlug(heading);
            const count = seen.get(slug);
            anchors.add(count === undefined ? slug : `${slug}-${count + 1}`);
            seen.set(slug, (count ?? -1) + 1);
        }
        for (const [, id] of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) {
            anchors.add(id);
        }
    }
    return anchors;
}

/** The link targets of a Markdown document: inline links and images, and reference definitions. */
function linksOf(markdown: string): string[] {
    const text = withoutCode(markdown);
    const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
    const references = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]);
    return [...inline, ...references];
}

/** Every link of `files` (paths relative to `root`) that does not resolve, as `file: target (why)`. */
function brokenLinks(root: string, files: string[]): string[] {
    const anchorCache = new Map<string, Set<string>>();
    const anchorsIn = (file: string) => {
        if (!anchorCache.has(file)) {
            anchorCache.set(file, anchorsOf(fs.readFileSync(file, "utf8")));
        }
        return anchorCache.get(file)!;
    };
    const broken: string[] = [];
    for (const file of files) {
        const full = path.join(root, file);
        for (const target of linksOf(fs.readFileSync(full, "utf8"))) {
            if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
                continue; // http:, https:, mailto:: not followed offline
            }
            const [rawPath, anchor] = target.split("#", 2) as [string, string | undefined];
            const linkPath = decodeURIComponent(rawPath);
            const resolved = linkPath === "" ? full : path.resolve(path.dirname(full), linkPath);
            if (linkPath.startsWith("/") || path.relative(root, resolved).startsWith("..")) {
                broken.push(`${file}: ${target} (outside the repository)`);
                continue;
            }
            if (!fs.existsSync(resolved)) {
                broken.push(`${file}: ${target} (no such file)`);
                continue;
            }
            if (anchor !== undefined) {
                if (!resolved.endsWith(".md") || !fs.statSync(resolved).isFile()) {
                    broken.push(`${file}: ${target} (an anchor into a file that is not Markdown)`);
                } else if (!anchorsIn(resolved).has(anchor)) {
                    broken.push(`${file}: ${target} (no heading #${anchor} in ${path.relative(root, resolved)})`);
                }
            }
        }
    }
    return broken;
}

describe("the documentation", () => {
    const markdown = execFileSync("git", ["ls-files", "*.md"], { cwd: projectRoot, encoding: "utf8" })
        .split("\n").filter((file) => file !== "" && !file.split("/").includes("node_modules"));

    it("is the tracked Markdown files, the README and the documents by reader among them", () => {
        for (const file of ["README.md", "ARCHITECTURE.md", "CHANGELOG.md", "docs/operations.md", "docs/configuration.md", "docs/review.md", "docs/security.md", "docs/performance.md"]) {
            assert.ok(markdown.includes(file), `${file} is tracked (saw ${markdown.join(", ")})`);
        }
    });

    it("has every relative link resolve to a file of the repository, and every #anchor to a heading of the document it names", () => {
        const links = markdown.flatMap((file) => linksOf(fs.readFileSync(path.join(projectRoot, file), "utf8")));
        assert.ok(links.filter((l) => !/^https?:/.test(l)).length > 100, `the links are found (${links.length})`);
        assert.deepEqual(brokenLinks(projectRoot, markdown), []);
    });

    it("has every document#anchor that the code cites in a message or a comment name a heading of that document", () => {
        const code = execFileSync("git", ["ls-files", "*.ts", "*.js", "*.yml", "*.yaml", ".ci/run"], { cwd: projectRoot, encoding: "utf8" })
            .split("\n").filter((file) => file !== "" && file !== "tests/docs.test.ts" && !file.split("/").includes("node_modules"));
        const cited = code.flatMap((file) => [...fs.readFileSync(path.join(projectRoot, file), "utf8").matchAll(/\b((?:docs\/)?[\w-]+\.md)#([\w-]+)/g)]
            .map(([, document, anchor]) => ({ file, document, anchor })));
        assert.ok(cited.length >= 3, `the code's citations are found (${cited.length})`);
        const broken = cited.filter(({ document, anchor }) => !fs.existsSync(path.join(projectRoot, document)) || !anchorsOf(fs.readFileSync(path.join(projectRoot, document), "utf8")).has(anchor))
            .map(({ file, document, anchor }) => `${file}: ${document}#${anchor}`);
        assert.deepEqual(broken, []);
    });

    it("keeps the README at most 25,000 characters", () => {
        const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8");
        const characters = [...readme].length;
        assert.ok(characters <= readmeLimit, `README.md has ${characters} characters; move the detail into a document of docs/`);
    });

    describe("the checker", () => {
        let scratch: string;
        before(() => {
            scratch = fs.mkdtempSync(path.join(os.tmpdir(), "docs-links-"));
            fs.mkdirSync(path.join(scratch, "docs"));
            fs.writeFileSync(path.join(scratch, "README.md"), [
                "# Title", "", "## Try it: no account", "", "## Notes", "", "## Notes", "",
                "[ok](docs/guide.md#a-section_with-dashes) [ok](#try-it-no-account) [ok](#notes-1) [ok](docs/) [web](https://example.com/x#y)",
                "[broken file](docs/missing.md) [broken anchor](docs/guide.md#no-such-section) [broken here](#notes-2)",
                "`[in code](nowhere.md)`", "```", "[in a block](nowhere.md)", "```", "[outside](../elsewhere.md)", "",
            ].join("\n"));
            fs.writeFileSync(path.join(scratch, "docs", "guide.md"), "# Guide\n\n## A section_with-dashes!\n\n[back](../README.md#title)\n");
        });
        after(() => fs.rmSync(scratch, { recursive: true, force: true }));

        it("finds a made-up broken file, anchor and outside link, and nothing else", () => {
            assert.deepEqual(brokenLinks(scratch, ["README.md", "docs/guide.md"]), [
                "README.md: docs/missing.md (no such file)",
                "README.md: docs/guide.md#no-such-section (no heading #no-such-section in docs/guide.md)",
                "README.md: #notes-2 (no heading #notes-2 in README.md)",
                "README.md: ../elsewhere.md (outside the repository)",
            ]);
        });

        it("derives anchors as GitHub does", () => {
            assert.equal(githubSlug("Comparing with an earlier plan: `--against DIR`"), "comparing-with-an-earlier-plan---against-dir");
            assert.equal(githubSlug("What awsx's VPC creates"), "what-awsxs-vpc-creates");
            assert.equal(githubSlug("Many targets: waves and AWS quotas"), "many-targets-waves-and-aws-quotas");
            assert.deepEqual([...anchorsOf("# A\n## B\n## B\n```\n## C\n```\n## B\n")], ["a", "b", "b-1", "b-2"]);
        });
    });
});
