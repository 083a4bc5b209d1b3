// The plan's diagram as a viewer shows it: rendered by Mermaid's own renderer in a headless Chromium
// (offline-plan/renderDiagram.ts), its geometry checked (offline-plan/diagramLayout.ts): no edge through
// a node it does not connect, no text over text, every node in its own account's box.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { configNamespace } from "../config";
import { benchmarkStack } from "../offline-plan/bench";
import { DiagramOptions, trustDiagram } from "../offline-plan/diagram";
import { boxMembers, DiagramGeometry, layoutProblems } from "../offline-plan/diagramLayout";
import type { PlanContents } from "../offline-plan/grants";
import { runPlan } from "../offline-plan/plan";
import { DiagramRenderer, openRenderer } from "../offline-plan/renderDiagram";
import { accountTitle } from "../offline-plan/report";
import { planContents } from "../offline-plan/writePlan";
import { readStackFile, StackFile } from "../project/stackFiles";
import { configured, projectRoot } from "./fixtures";

const targetsKey = `${configNamespace}:targets`;

/** The three-account example's stack files, its targets edited; only the stacks of targets still there. */
function threeAccounts(edit: (targets: Record<string, unknown>[]) => Record<string, unknown>[] = (targets) => targets): StackFile[] {
    return ["staging", "production", "pipeline"].map((stack): StackFile => {
        const file = readStackFile(path.join(projectRoot, "examples", "three-accounts", `Pulumi.${stack}.yaml`));
        return { ...file, config: { ...file.config, [targetsKey]: JSON.stringify(edit(JSON.parse(file.config[targetsKey]))) } };
    }).filter((file) => {
        const target = file.config[`${configNamespace}:target`];
        return target === undefined || (JSON.parse(file.config[targetsKey]) as { name: string }[]).some((t) => t.name === target);
    });
}

interface Planned {
    contents: PlanContents;
    title: (account: string) => string;
}

async function plan(stackFiles: StackFile[]): Promise<Planned> {
    const result = await runPlan({ stacks: configured(stackFiles) });
    return { contents: planContents(result), title: accountTitle(result) };
}

/** The plans more than one test draws, each made once. */
const plans = new Map<string, Promise<Planned>>();
const planOnce = (name: string, stackFiles: () => StackFile[]) => plans.get(name) ?? plans.set(name, plan(stackFiles())).get(name)!;
const threeAccountPlan = () => planOnce("three accounts", () => threeAccounts());
const manyTargetsPlan = () => planOnce("25 targets in 3 regions, waves of 10", () => [benchmarkStack(25, 3, 10)]);

/** The diagram's text and what the browser drew of it, its layout problems included. */
interface Drawn {
    source: string;
    svg: string;
    geometry: DiagramGeometry;
    problems: string[];
    /** The text of the node whose text includes `text`; fails unless exactly one does. */
    node(text: string): { id: string; text: string };
    boxTitles: string[];
}

describe("the plan's diagram as Mermaid renders it", function () {
    // Starting the browser and loading Mermaid takes about 2 s (unpacking the browser, the first time, 3 s
    // more), each plan one to three, each diagram a few hundred milliseconds.
    this.timeout(120_000);
    let renderer: DiagramRenderer;
    before(async () => {
        renderer = await openRenderer();
    });
    after(async () => {
        await renderer?.close();
    });

    async function draw(planned: Planned, options: DiagramOptions = {}): Promise<Drawn> {
        const source = trustDiagram(planned.contents, planned.title, options).lines.join("\n");
        const { svg, geometry } = await renderer.render(source);
        return {
            source,
            svg,
            geometry,
            problems: layoutProblems(geometry, boxMembers(source)),
            node(text) {
                const found = geometry.nodes.filter((n) => n.text.includes(text));
                assert.equal(found.length, 1, `${found.length} nodes say ${text}: ${geometry.nodes.map((n) => n.text).join(" | ")}`);
                return found[0];
            },
            boxTitles: geometry.boxes.map((b) => b.text).sort(),
        };
    }

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

    it("draws the shipped stacks with the pipeline role's assume edge going to the deploy role and through nothing else", async () => {
        const drawn = await draw(await plan(["accountB", "accountA"].map((s) => readStackFile(path.join(projectRoot, `Pulumi.${s}.yaml`)))));
        assert.deepEqual(drawn.problems, []);
        const [pipelineRole, deployRole] = [drawn.node("CrossAccountPipeline-CodePipelineService"), drawn.node("CrossAccount_Role")];
        assert.deepEqual(drawn.geometry.edges.filter((e) => e.to === deployRole.id).map((e) => e.from), [pipelineRole.id]);
        assert.match(drawn.node("AccountBApplicationName").text, /us-east-2 ?wave 1 of 1: Staging/);
        assert.deepEqual(drawn.boxTitles, ["111111111111: pipeline account", "111111111111: what targets reach", "222222222222: target Staging"]);
    });

    it("draws the three-account example with each target's region and wave, and the approval before Production", async () => {
        const drawn = await draw(await threeAccountPlan());
        assert.deepEqual(drawn.problems, []);
        assert.match(drawn.node("WebApp-Staging").text, /us-east-2 ?wave 1 of 2: Staging$/);
        assert.match(drawn.node("WebApp-Production").text, /eu-west-1 ?wave 2 of 2: Production, approved first$/);
        assert.match(drawn.node("stages:").text, /stages: Source, Build, Staging, Production \(approved first\)/);
        assert.match(drawn.node("Staging-CodeDeployInstance").text, /on its fleet's instances/);
        assert.deepEqual(drawn.boxTitles, ["111111111111: pipeline account", "111111111111: what targets reach", "222222222222: target Staging", "333333333333: target Production"]);
    });

    it("draws two targets of one region apart when only one has a fleet, and as one, named by neither, when neither has", async () => {
        const sameRegion = (fleet: boolean) => threeAccounts((targets) => targets.map(({ region: _region, fleet: _fleet, ...target }) => ({ ...target, ...(fleet && target.name === "Staging" ? { fleet: true } : {}) })));
        const apart = await draw(await plan(sameRegion(true)));
        assert.deepEqual(apart.problems, []);
        assert.deepEqual(apart.boxTitles.filter((t) => /^\d{12}: target/.test(t)), ["222222222222: target Staging", "333333333333: target Production"]);
        assert.match(apart.node("Staging-CodeDeployInstance").text, /on its fleet's instances/);
        assert.doesNotMatch(apart.node("Production-CodeDeployInstance").text, /fleet/);

        const alike = await draw(await plan(sameRegion(false)));
        assert.deepEqual(alike.problems, []);
        assert.ok(alike.boxTitles.includes("2 accounts drawn as one"), alike.boxTitles.join(" | "));
        assert.equal(alike.node("target Staging (222222222222)").text, "target Staging (222222222222) target Production (333333333333)");
        // No node of the two says one account's names; the waves say how many of the two each deploys.
        assert.deepEqual(alike.geometry.nodes.filter((n) => /Staging|Production/.test(n.text) && !n.text.startsWith("target ") && !n.text.startsWith("pipeline")).map((n) => n.text), [
            "CodeDeploy one in each account us-east-2 accounts per wave, of 2: 1 Staging: 1 2 Production (approved first): 1",
        ]);
    });

    it("draws 25 targets over 3 regions in waves as a box per region, each with its region and how many accounts each wave deploys", async () => {
        const drawn = await draw(await manyTargetsPlan());
        assert.deepEqual(drawn.problems, []);
        assert.deepEqual(drawn.boxTitles, ["111111111111: pipeline account", "111111111111: what targets reach", "8 accounts drawn as one", "8 accounts drawn as one", "9 accounts drawn as one"]);
        assert.equal(drawn.node("us-east-2 accounts per wave").text,
            "CodeDeploy one in each account us-east-2 accounts per wave, of 4: 1 Target01: 1 2 Wave1: 3 3 Wave2: 3 4 Wave3 (approved first): 2");
        assert.match(drawn.node("us-west-2 accounts per wave").text, /: 2 Wave1: 4 3 Wave2: 3 4 Wave3 \(approved first\): 1$/);
        assert.equal(drawn.node("target Target03 (200000000003)").text, "target Target03 (200000000003) target Target06 (200000000006) … target Target24 (200000000024)");
        assert.ok(!drawn.geometry.nodes.some((n) => /Target\d\d-/.test(n.text)), "no node of a group says one account's role names");
    });

    describe("against an earlier plan", () => {
        let withProduction: Planned;
        let withoutProduction: Planned;
        before(async () => {
            [withProduction, withoutProduction] = [await threeAccountPlan(), await plan(threeAccounts((targets) => targets.filter((t) => t.name === "Staging")))];
        });

        it("marks a new target account, its edges, and what now draws differently", async () => {
            const drawn = await draw(withProduction, { earlier: withoutProduction.contents });
            assert.deepEqual(drawn.problems, []);
            assert.ok(drawn.boxTitles.includes("+ 333333333333: target Production"), drawn.boxTitles.join(" | "));
            const assume = drawn.geometry.labels.filter((l) => l.text === "+assume");
            assert.equal(assume.length, 1);
            assert.match(drawn.svg, new RegExp(`id="diagram-${assume[0].edge}"[^>]*style="[^"]*stroke:#1a7f37`));
            assert.match(drawn.node("WebApp-Staging").text, /\+ wave 1 of 2: Staging - wave 1 of 1: Staging$/);
            assert.match(drawn.node("against the earlier plan").text, /\+ thick, green: new/);
        });

        it("marks a target added to 25 over 3 regions, its fan-out from the pipeline role clear of the pipeline account's other roles", async () => {
            // The earlier plan, as one without Target25 would have written it: none of its account's files or checks.
            const now = await manyTargetsPlan();
            const earlier: PlanContents = new Map([...now.contents].filter(([file]) => !file.startsWith("account-200000000025/")).map(([file, value]) => [file, structuredClone(value)]));
            const checks = earlier.get("checks.json") as { access: { principal: string; resource: string }[] };
            checks.access = checks.access.filter((a) => ![a.principal, a.resource].some((arn) => arn.includes(":200000000025:")));
            const drawn = await draw(now, { earlier });
            assert.deepEqual(drawn.problems, []);
            assert.ok(drawn.boxTitles.includes("+ 200000000025: target Target25"), drawn.boxTitles.join(" | "));
            assert.match(drawn.node("Group25").text, /^\+ CodeDeploy App25: Group25 us-east-2 wave 4 of 4: Wave3, approved first$/);
        });

        it("marks a target account that is gone, dotted, and its edges", async () => {
            const drawn = await draw(withoutProduction, { earlier: withProduction.contents });
            assert.deepEqual(drawn.problems, []);
            assert.ok(drawn.boxTitles.includes("- 333333333333: not in this plan"), drawn.boxTitles.join(" | "));
            const assume = drawn.geometry.labels.filter((l) => l.text === "-assume");
            assert.equal(assume.length, 1);
            assert.match(drawn.svg, new RegExp(`id="diagram-${assume[0].edge}"[^>]*edge-pattern-dotted`));
        });
    });

    it("draws the accounts past the most groups in one box that counts them, clear of the edges", async () => {
        const drawn = await draw(await manyTargetsPlan(), { maxGroups: 3 });
        assert.deepEqual(drawn.problems, []);
        assert.match(drawn.node("more accounts").text, /^… 16 more accounts in 2 other shapes: see plan\.txt$/);
    });
});
