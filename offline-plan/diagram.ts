// A picture of the trust: a Mermaid flowchart (GitHub, GitLab and most Markdown viewers render it)
// of the accounts, the roles and resources in each, and the edges the IAM evaluator allowed (the
// passing access checks). Each target's CodeDeploy application shows its region and the wave that
// deploys it; against an earlier plan, what is new and what is gone are marked. Accounts are drawn
// once for several only when everything drawn of them is the same but their names, and then no one
// account's names are shown; at most `maxGroups` account groups are drawn, so that the diagram stays
// readable at any number of targets.
//
// Mermaid lays a flowchart out with dagre: in columns, each edge's target after its source, and an edge
// that enters a node from far above or below crosses whatever else stands in that node's column. So
// every node has a column (`columnsOf`) and every edge spans the columns between its ends, and the nodes
// many edges fan out of or into stand alone in theirs: the pipeline role, and a pipeline account's
// artifact stores, drawn as one node in a box of their own past the target accounts, so that no
// account's box has to reach around another's. `npm run diagram` renders the diagram with Mermaid,
// and tests/diagramRender.test.ts checks the layout it gets.
import { accountOfArn, targetRoleKindOf } from "../definition/names";
import type { ResourceSummary } from "./describe";
import type { PlanContents } from "./grants";
import { entryOf } from "./maps";
import { accountFileOf, checksFile } from "./planFiles";

type NodeKind = "role" | "bucket" | "key" | "stores" | "deployment" | "build" | "pipeline";

/**
 * Against an earlier plan: whether a node, an edge or one of its actions is in both plans alike, only in
 * this one, only in the earlier one, or (a node) in both but drawn differently.
 */
type Change = "same" | "added" | "removed" | "changed";

/** A stage that deploys with CodeDeploy, as the pipeline orders them. */
export interface Wave {
    number: number;
    of: number;
    stage: string;
    approved: boolean;
}

interface DiagramNode {
    key: string;
    kind: NodeKind;
    account: string;
    /** What it is, in the words drawn for every account alike: `deploy role`, `artifact stores`, `CodeDeploy`. */
    what: string;
    /** Its names, a line each: left out where accounts drawn as one name theirs differently. */
    names: string[];
    /** What else is drawn of it that is not a name: its region, its fleet. Accounts drawn as one share these. */
    facts: string[];
    /** The waves that deploy it (a CodeDeploy application's deployment groups). */
    waves: Wave[];
    change: Change;
    /** For a node drawn differently in the earlier plan: its label there (`labelLines`). */
    before?: string[];
}

interface Edge {
    from: string;
    to: string;
    /** Each action drawn (`read`; `read in eu-west-1` into artifact stores), and whether it is new or gone. */
    labels: Map<string, Change>;
}

interface Graph {
    nodes: Map<string, DiagramNode>;
    edges: Map<string, Edge>;
    /** The accounts that hold a pipeline: their roles and resources frame the others. */
    pipelineAccounts: Set<string>;
    /** The accounts in the order the plan lists their resources. */
    accountOrder: string[];
}

interface AccessEntry {
    principal: string;
    action: string;
    resource: string;
    expect: string;
    ok: boolean;
}

type Stage = { name: string; actions: { actionTypeId: { category: string; provider: string }; roleArn?: string; region?: string; configuration?: Record<string, string> }[] };

/** The parts of a pipeline definition (`pipeline-<name>.json`, as get-pipeline prints it) the diagram reads. */
interface PipelineDefinition {
    pipeline: {
        name: string;
        artifactStore?: { location: string; encryptionKey?: { id: string } };
        artifactStores?: Record<string, { location: string; encryptionKey?: { id: string } }>;
        stages: Stage[];
    };
}

/** What an allowed action does, as the edge says it; actions not listed (logs, deployment configs) draw no edge. */
const edgeLabels: [RegExp, string][] = [
    [/^sts:AssumeRole$/, "assume"],
    [/^s3:GetObject(Version)?$/, "read"],
    [/^s3:PutObject$/, "write"],
    [/^kms:Decrypt$/, "decrypt"],
    [/^kms:(GenerateDataKey|Encrypt)/, "encrypt"],
    [/^codedeploy:/, "deploy"],
    [/^codebuild:StartBuild$/, "start build"],
    [/^codepipeline:StartPipelineExecution$/, "start"],
];

export interface DiagramOptions {
    /** Account groups drawn at most, the box counting the others included; the pipeline's accounts come first. */
    maxGroups?: number;
    /** An earlier plan's folder contents: what is new since then and what is gone are marked. */
    earlier?: PlanContents;
}

export interface TrustDiagram {
    /** The Mermaid source, without the Markdown fence. */
    lines: string[];
    nodes: number;
}

/** The colours of GitHub's diffs: green for what is new, red for what is gone, yellow for what is drawn differently. */
const nodeStyles = {
    added: "fill:#dafbe1,stroke:#1a7f37,stroke-width:3px",
    removed: "fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:6 4",
    changed: "fill:#fff8c5,stroke:#9a6700,stroke-width:3px",
};
const edgeStyles = { added: "stroke:#1a7f37,stroke-width:3px,color:#1a7f37", removed: "stroke:#cf222e,stroke-width:2px,color:#cf222e" };
const changeMarks: Record<Change, string> = { same: "", added: "+ ", removed: "- ", changed: "~ " };

/**
 * The diagram of the plan folder's contents: its resources, pipeline definitions and the passing access
 * checks of `checks.json`; with `earlier`, of both plans, what only one of them has marked.
 */
export function trustDiagram(contents: PlanContents, accountTitle: (account: string) => string, options: DiagramOptions = {}): TrustDiagram {
    const maxGroups = options.maxGroups ?? 8;
    const graph = options.earlier ? comparedGraph(planGraph(options.earlier), planGraph(contents)) : planGraph(contents);
    const { nodes, edges } = graph;
    const columns = columnsOf(graph);

    // Each account's nodes and the edges that touch it, in the order they were drawn.
    const nodesOf = new Map<string, DiagramNode[]>();
    for (const node of nodes.values()) {
        entryOf(nodesOf, node.account, () => []).push(node);
    }
    const edgesOf = new Map<string, Edge[]>();
    for (const edge of edges.values()) {
        for (const account of new Set([nodes.get(edge.from)!.account, nodes.get(edge.to)!.account])) {
            entryOf(edgesOf, account, () => []).push(edge);
        }
    }
    const byShape = new Map<string, string[]>();
    const descriptions = new Map<string, string>();
    const describedAs = new Map<string, string>();
    for (const account of graph.accountOrder.filter((a) => nodesOf.has(a))) {
        const shape = shapeOf(account, nodes, nodesOf.get(account)!, edgesOf.get(account) ?? [], descriptions, describedAs);
        entryOf(byShape, shape, () => []).push(account);
    }
    // The accounts that hold a pipeline first: every other account's edges lead there.
    const holdsPipeline = (group: string[]) => graph.pipelineAccounts.has(group[0]);
    const groups = [...byShape.values()].sort((a, b) => Number(holdsPipeline(b)) - Number(holdsPipeline(a)));
    const drawn = groups.slice(0, groups.length > maxGroups ? maxGroups - 1 : groups.length);
    const hidden = groups.slice(drawn.length);
    const drawnAccounts = new Set(drawn.map((group) => group[0]));

    const ids = new Map<string, string>();
    const idOf = (key: string) => entryOf(ids, key, () => `n${ids.size + 1}`);
    const lines = ["flowchart LR"];
    const styles: string[] = [];
    let boxes = 0;
    // A box's title is one short line: Mermaid makes room for one line only, and a box is as wide as its
    // title. What else names the accounts is a caption in the box.
    const box = (title: string, caption: string[], members: DiagramNode[], change: Change, labelOf: (node: DiagramNode) => string) => {
        const id = `a${++boxes}`;
        lines.push(`  subgraph ${id}[${quoted(title)}]`);
        if (caption.length > 0) {
            lines.push(`    ${id}c[${quoted(caption.join("<br>"))}]`);
            styles.push(`  style ${id}c fill:none,stroke:none`);
        }
        for (const node of members) {
            lines.push(`    ${idOf(node.key)}${shapeText(node, labelOf(node))}`);
        }
        lines.push("  end");
        if (change !== "same") {
            styles.push(`  style ${id} ${nodeStyles[change]}`);
        }
    };
    for (const group of drawn) {
        const drawnNodes = nodesOf.get(group[0])!;
        const change = accountChange(drawnNodes);
        const labelOf = nodeLabels(group, drawnNodes, nodesOf, describedAs);
        const { title, caption } = groupTitle(group, accountTitle, change);
        // What other accounts reach in a pipeline account is drawn in a box of its own, past theirs.
        const shared = drawnNodes.filter((node) => columns.get(node.key) === Column.shared);
        box(title, caption, drawnNodes.filter((node) => !shared.includes(node)), change, labelOf);
        if (shared.length > 0) {
            box(`${changeMarks[change]}${group[0]}: what targets reach`, [], shared, change, labelOf);
        }
    }
    if (hidden.length > 0) {
        const count = hidden.reduce((sum, group) => sum + group.length, 0);
        lines.push(`  more[${quoted(`… ${count} more accounts<br>in ${hidden.length} other shapes:<br>see plan.txt`)}]`);
    }
    let link = 0;
    for (const edge of edges.values()) {
        const [from, to] = [nodes.get(edge.from)!, nodes.get(edge.to)!];
        if (!drawnAccounts.has(from.account) || !drawnAccounts.has(to.account)) {
            continue;
        }
        const change = edgeChange(edge);
        const length = Math.max(1, columns.get(edge.to)! - columns.get(edge.from)!);
        // Thick for what is new, dotted for what is gone: visible without the colours too.
        const arrow = change === "added" ? `${"=".repeat(length + 1)}>` : change === "removed" ? `-${".".repeat(length)}->` : `${"-".repeat(length + 1)}>`;
        lines.push(`  ${idOf(edge.from)} ${arrow}|${quoted(edgeText(edge))}| ${idOf(edge.to)}`);
        if (change === "added" || change === "removed") {
            styles.push(`  linkStyle ${link} ${edgeStyles[change]}`);
        }
        link++;
    }
    for (const change of ["added", "removed", "changed"] as const) {
        const changed = [...ids].filter(([key]) => nodes.get(key)!.change === change).map(([, id]) => id);
        if (changed.length > 0) {
            styles.push(`  classDef ${change} ${nodeStyles[change]}`, `  class ${changed.join(",")} ${change}`);
        }
    }
    if (options.earlier) {
        lines.push(`  legend[${quoted("against the earlier plan:<br>+ thick, green: new<br>- dotted, red: gone<br>~ yellow: drawn differently")}]`);
        styles.push("  style legend fill:none,stroke:#888");
    }
    lines.push(...styles);
    return { lines, nodes: ids.size + (hidden.length > 0 ? 1 : 0) + (options.earlier ? 1 : 0) };
}

/** The diagram's graph of one plan folder's contents. */
function planGraph(contents: PlanContents): Graph {
    const resources = [...contents].flatMap(([file, value]) => (accountFileOf(file)?.file === "resources" ? value as ResourceSummary[] : []));
    const pipelines = [...contents].flatMap(([file, value]) => {
        const found = accountFileOf(file);
        return found?.file === "pipeline" ? [{ account: found.account, definition: value as PipelineDefinition }] : [];
    });
    const access = ((contents.get(checksFile) as { access?: AccessEntry[] } | undefined)?.access ?? [])
        .filter((entry) => entry.ok && entry.expect === "allowed");
    const facts = planFacts(resources, pipelines);
    const nodes = new Map<string, DiagramNode>();
    const edges = new Map<string, Edge>();
    // Thousands of checks name the same few hundred principals and resources: each drawn once.
    const drawnAs = new Map<string, DiagramNode | undefined>();
    const nodeFor = (value: string) => (drawnAs.has(value) ? drawnAs.get(value) : drawnAs.set(value, nodeOf(value, facts)).get(value));
    const deploymentGroups = new Map<string, Set<string>>();
    for (const entry of access) {
        const verb = edgeLabels.find(([pattern]) => pattern.test(entry.action))?.[1];
        const from = nodeFor(entry.principal);
        const to = nodeFor(entry.resource);
        if (!verb || !from || !to) {
            continue;
        }
        nodes.set(from.key, from).set(to.key, to);
        // Into a pipeline account's artifact stores, drawn as one node, each action says the store's region.
        const region = to.kind === "stores" ? facts.stores.get(/^arn:[\w-]+:s3:::([^/]+)/.exec(entry.resource)?.[1] ?? entry.resource)?.region : undefined;
        entryOf(edges, `${from.key} ${to.key}`, () => ({ from: from.key, to: to.key, labels: new Map() })).labels.set(region ? `${verb} in ${region}` : verb, "same");
        const group = /:deploymentgroup:[^/]+\/(.+)$/.exec(entry.resource)?.[1];
        if (to.kind === "deployment" && group) {
            entryOf(deploymentGroups, to.key, () => new Set()).add(group);
        }
    }
    // A CodeDeploy application is drawn with the deployment groups deployed to, and the waves that deploy them.
    for (const [key, groups] of deploymentGroups) {
        const node = nodes.get(key)!;
        node.names = [`${node.names[0]}: ${[...groups].sort().join(", ")}`];
        node.waves = [...groups].sort().flatMap((group) => facts.waves.get(`${key} ${group}`) ?? []).sort((a, b) => a.number - b.number);
    }
    // A pipeline is drawn with its stages, in order.
    for (const { account, definition: { pipeline } } of pipelines) {
        const node = [...nodes.values()].find((n) => n.kind === "pipeline" && n.account === account && n.names[0] === pipeline.name);
        if (node) {
            const stages = pipeline.stages.map((stage) => `${stage.name}${approved(stage) ? " (approved first)" : ""}`);
            node.names = [pipeline.name, `stages: ${stages.length <= 8 ? stages.join(", ") : `${[...stages.slice(0, 3), "…", ...stages.slice(-2)].join(", ")} (${stages.length} stages)`}`];
        }
    }
    const pipelineAccounts = new Set([...pipelines.map((p) => p.account), ...[...nodes.values()].filter((n) => n.kind === "pipeline").map((n) => n.account)]);
    const accountOrder = [...new Set([...resources.map((r) => r.accountId ?? ""), ...[...nodes.values()].map((n) => n.account)])];
    return { nodes, edges, pipelineAccounts, accountOrder };
}

interface Store {
    account: string;
    region: string;
    bucket: string;
    key?: string;
}

interface PlanFacts {
    /** The buckets by name and the keys by ARN, which the nodes are named after. */
    buckets: Map<unknown, ResourceSummary>;
    keys: Map<unknown, ResourceSummary>;
    /** The artifact stores (a pipeline's bucket and key in a region), by bucket name and by key ARN. */
    stores: Map<string, Store>;
    /** The instance roles (ARNs) whose instances are a fleet this program declares. */
    fleets: Set<string>;
    /** Per deployment group (`codedeploy <account> <region> <application> <group>`), the wave that deploys it. */
    waves: Map<string, Wave>;
}

function planFacts(resources: ResourceSummary[], pipelines: { account: string; definition: PipelineDefinition }[]): PlanFacts {
    const [buckets, keys] = [new Map<unknown, ResourceSummary>(), new Map<unknown, ResourceSummary>()];
    for (const r of resources) {
        // The first of a name, as a search through the list would find.
        if (r.type === "aws:s3/bucket:Bucket" && !buckets.has(r.properties.bucket)) {
            buckets.set(r.properties.bucket, r);
        } else if (r.type === "aws:kms/key:Key" && !keys.has(r.properties.arn)) {
            keys.set(r.properties.arn, r);
        }
    }
    const stores = new Map<string, Store>();
    const waves = new Map<string, Wave>();
    for (const { account, definition: { pipeline } } of pipelines) {
        for (const { location, encryptionKey } of [...(pipeline.artifactStore ? [pipeline.artifactStore] : []), ...Object.values(pipeline.artifactStores ?? {})]) {
            const bucket = buckets.get(location);
            const store = { account: bucket?.accountId ?? account, region: bucket?.region ?? "", bucket: location, key: encryptionKey?.id };
            stores.set(location, store);
            if (store.key) {
                stores.set(store.key, store);
            }
        }
        const region = resources.find((r) => r.accountId === account && r.type === "aws:codepipeline/pipeline:Pipeline" && r.properties.name === pipeline.name)?.region;
        for (const [group, wave] of wavesOf(pipeline.stages, account, region)) {
            waves.set(group, wave);
        }
    }
    // A fleet's Auto Scaling group and its target's instance role are named after the target (components/targetAccount.ts, fleet.ts).
    const fleets = new Set(resources.filter((r) => r.type === "aws:autoscaling/group:Group" && r.name.endsWith("-fleet-auto-scaling-group")).flatMap((group) => {
        const role = resources.find((r) => r.accountId === group.accountId && r.type === "aws:iam/role:Role" && r.name === `${group.name.replace(/-fleet-auto-scaling-group$/, "")}-instance`);
        return typeof role?.properties.arn === "string" ? [role.properties.arn] : [];
    }));
    return { buckets, keys, stores, fleets, waves };
}

const approved = (stage: Stage) => stage.actions.some((a) => a.actionTypeId.category === "Approval");

/**
 * The waves of a pipeline (its stages with a CodeDeploy action, in order) by the deployment group each
 * deploys (`codedeploy <account> <region> <application> <group>`).
 */
function wavesOf(stages: Stage[], pipelineAccount: string, pipelineRegion: string | undefined): Map<string, Wave> {
    const deploys = (stage: Stage) => stage.actions.filter((a) => a.actionTypeId.category === "Deploy" && a.actionTypeId.provider === "CodeDeploy");
    const waveStages = stages.filter((stage) => deploys(stage).length > 0);
    const waves = new Map<string, Wave>();
    waveStages.forEach((stage, index) => {
        const wave = { number: index + 1, of: waveStages.length, stage: stage.name, approved: approved(stage) };
        for (const action of deploys(stage)) {
            const account = action.roleArn ? accountOfArn(action.roleArn) : pipelineAccount;
            const { ApplicationName: application, DeploymentGroupName: group } = action.configuration ?? {};
            waves.set(`codedeploy ${account} ${action.region ?? pipelineRegion} ${application} ${group}`, wave);
        }
    });
    return waves;
}

/** The node a principal or resource ARN is drawn as; undefined for what the diagram leaves out. */
function nodeOf(value: string, facts: PlanFacts): DiagramNode | undefined {
    const account = accountOfArn(value);
    const node = (key: string, kind: NodeKind, owner: string, what: string, names: string[], more: string[] = []): DiagramNode =>
        ({ key, kind, account: owner, what, names, facts: more, waves: [], change: "same" });
    let match: RegExpExecArray | null;
    if ((match = /^arn:[\w-]+:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(value))) {
        const kind = targetRoleKindOf(value);
        return node(value, "role", account!, kind ? `${kind} role` : "role", [match[1]], facts.fleets.has(value) ? ["on its fleet's instances"] : []);
    }
    const bucketName = /^arn:[\w-]+:s3:::([^/]+)/.exec(value)?.[1];
    const store = facts.stores.get(bucketName ?? value);
    if (store) {
        // Every artifact store of the account, a region each: one node, so that the edges from every target
        // converge on it and on nothing else.
        const all = [...new Set(facts.stores.values())].filter((s) => s.account === store.account);
        return node(`stores ${store.account}`, "stores", store.account, "artifact stores", all.map((s) =>
            `${s.region}: bucket ${s.bucket}${s.key ? `, key ${facts.keys.get(s.key)?.name ?? s.key.split(":")[3]}` : ""}`));
    }
    if (bucketName) {
        const bucket = facts.buckets.get(bucketName);
        return node(`s3 ${bucketName}`, "bucket", bucket?.accountId ?? "", "bucket", [bucketName]);
    }
    if (/^arn:[\w-]+:kms:/.test(value)) {
        const key = facts.keys.get(value);
        return node(value, "key", account!, "key", [key ? key.name : value.split(":")[3]]);
    }
    if ((match = /^arn:[\w-]+:codedeploy:([\w-]+):\d{12}:(?:application:|deploymentgroup:)([^/]+)/.exec(value))) {
        return node(`codedeploy ${account} ${match[1]} ${match[2]}`, "deployment", account!, "CodeDeploy", [match[2]], [match[1]]);
    }
    if ((match = /^arn:[\w-]+:codebuild:[\w-]+:\d{12}:project\/(.+)$/.exec(value))) {
        return node(value, "build", account!, "CodeBuild", [match[1]]);
    }
    if ((match = /^arn:[\w-]+:codepipeline:[\w-]+:\d{12}:(.+)$/.exec(value))) {
        return node(value, "pipeline", account!, "pipeline", [match[1]]);
    }
    return undefined;
}

/**
 * Both plans in one graph: every node and edge of either, each action of an edge marked new (only in
 * this plan) or gone (only in the earlier one), and each node by the plans whose edges reach it.
 */
function comparedGraph(earlier: Graph, now: Graph): Graph {
    const edges = new Map<string, Edge>();
    for (const [id, edge] of now.edges) {
        const before = earlier.edges.get(id)?.labels;
        edges.set(id, { ...edge, labels: new Map([...edge.labels.keys()].map((label) => [label, before?.has(label) ? "same" : "added"])) });
    }
    for (const [id, edge] of earlier.edges) {
        const merged = entryOf(edges, id, () => ({ ...edge, labels: new Map() }));
        for (const label of edge.labels.keys()) {
            if (!merged.labels.has(label)) {
                merged.labels.set(label, "removed");
            }
        }
    }
    const nodes = new Map<string, DiagramNode>();
    for (const [key, node] of [...earlier.nodes, ...now.nodes]) {
        const before = earlier.nodes.get(key) && labelLines(earlier.nodes.get(key)!);
        const change = !before ? "added" : !now.nodes.has(key) ? "removed" : JSON.stringify(before) !== JSON.stringify(labelLines(node)) ? "changed" : "same";
        nodes.set(key, { ...node, change, ...(change === "changed" ? { before } : {}) });
    }
    return {
        nodes,
        edges,
        pipelineAccounts: new Set([...earlier.pipelineAccounts, ...now.pipelineAccounts]),
        accountOrder: [...new Set([...now.accountOrder, ...earlier.accountOrder])],
    };
}

/** An edge is new when it has a new action, gone when all its actions are. */
function edgeChange(edge: Edge): Change {
    const changes = new Set(edge.labels.values());
    return changes.has("added") ? "added" : changes.size === 1 && changes.has("removed") ? "removed" : "same";
}

/** An account is new or gone when all of its nodes are. */
function accountChange(nodes: DiagramNode[]): Change {
    const changes = new Set(nodes.map((node) => node.change));
    return changes.size === 1 ? [...changes][0] : "same";
}

/**
 * The edge's actions in a fixed order, each new one with +, each gone one with -; into artifact stores,
 * with their regions: `read, decrypt in eu-west-1`, or per region where the actions differ.
 */
function edgeText(edge: Edge): string {
    const byRegion = new Map<string, string[]>();
    for (const verb of edgeLabels.map(([, label]) => label)) {
        for (const [label, change] of edge.labels) {
            const [actionVerb, region] = label.split(" in ");
            if (actionVerb === verb) {
                entryOf(byRegion, region ?? "", () => []).push(`${changeMarks[change].trim()}${verb}`);
            }
        }
    }
    const texts = new Map<string, string[]>();
    for (const [region, verbs] of [...byRegion].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        entryOf(texts, verbs.join(", "), () => []).push(region);
    }
    return [...texts].map(([verbs, regions]) => (regions[0] === "" ? verbs : `${verbs} in ${regions.join(", ")}`)).join("; ");
}

/**
 * Where a node stands, left to right. A pipeline account's roles that reach into other accounts stand
 * alone in the first column, and the next is left empty: their edges, which fan out to every target, bend
 * there. Then the pipeline account's other roles, its own resources, the other accounts' roles, their
 * resources, and last what other accounts reach in a pipeline account (its artifact stores).
 */
enum Column { pipelineRoleReachingOut = 0, pipelineRoles = 2, pipelineResources, targetRoles, targetResources, shared }

function columnsOf(graph: Graph): Map<string, Column> {
    const crossing = [...graph.edges.values()].filter((e) => graph.nodes.get(e.from)!.account !== graph.nodes.get(e.to)!.account);
    const [reachingOut, reached] = [new Set(crossing.map((e) => e.from)), new Set(crossing.map((e) => e.to))];
    return new Map([...graph.nodes.values()].map((node) => {
        const inPipelineAccount = graph.pipelineAccounts.has(node.account) && !reached.has(node.key);
        const column = node.kind === "role"
            ? (!inPipelineAccount ? Column.targetRoles : reachingOut.has(node.key) ? Column.pipelineRoleReachingOut : Column.pipelineRoles)
            : !graph.pipelineAccounts.has(node.account) ? Column.targetResources
            : reached.has(node.key) ? Column.shared : Column.pipelineResources;
        return [node.key, column];
    }));
}

/**
 * An account's shape: its nodes and edges, each end named by what it is when inside the account (what is
 * drawn of it but its names, and its own edges) and by its key when outside. Two targets that reach the
 * same pipeline resources in the same ways, with the same facts drawn (region, fleet), have the same
 * shape, whatever their names and account ids. `describedAs` keeps each node's description, by which
 * the nodes of accounts drawn as one correspond.
 */
function shapeOf(account: string, nodes: Map<string, DiagramNode>, inside: DiagramNode[], mine: Edge[], descriptions: Map<string, string>, describedAs: Map<string, string>): string {
    // A pipeline account has an edge from or to every target account: each edge is read once.
    const labels = new Map(mine.map((e) => [e, [...e.labels].map(([label, change]) => `${label}:${change}`).sort().join(",")]));
    const outside = (key: string) => (nodes.get(key)!.account === account ? `${nodes.get(key)!.kind}` : key);
    const own = new Map<string, string[]>(inside.map((node) => [node.key, []]));
    for (const e of mine) {
        own.get(e.from)?.push(`out ${labels.get(e)} ${outside(e.to)}`);
        own.get(e.to)?.push(`in ${labels.get(e)} ${outside(e.from)}`);
    }
    const local = new Map<string, string>();
    for (const node of inside) {
        // A node's description by a short name, the same for the same description in every account: a
        // pipeline account's nodes have an edge to each target, and the shape names each node at each edge.
        const description = JSON.stringify([node.kind, node.what, node.facts, node.change, own.get(node.key)!.sort()]);
        const name = entryOf(descriptions, description, () => `#${descriptions.size + 1}`);
        local.set(node.key, name);
        describedAs.set(node.key, name);
    }
    const end = (key: string) => local.get(key) ?? key;
    return [...[...local.values()].sort(), ...mine.map((e) => `${end(e.from)} -${labels.get(e)}-> ${end(e.to)}`).sort()].join("\n");
}

/** What a node's label says of it in one account: what it is, its names, its facts, its waves. */
function labelLines(node: DiagramNode): string[] {
    return [node.what, ...node.names, node.facts.join(" · "), ...node.waves.map(waveText)].filter((line) => line !== "");
}

function waveText(wave: Wave): string {
    return `wave ${wave.number} of ${wave.of}: ${wave.stage}${wave.approved ? ", approved first" : ""}`;
}

/**
 * The label of each node of a group of accounts drawn as one: its names where every account of the group
 * names its node of that description alike, and its waves where they are the same in each; otherwise how
 * many of the accounts each wave deploys. A node drawn differently in the earlier plan marks its lines
 * that are new with + and adds those that are gone, with -.
 */
function nodeLabels(group: string[], drawnNodes: DiagramNode[], nodesOf: Map<string, DiagramNode[]>, describedAs: Map<string, string>): (node: DiagramNode) => string {
    const counterparts = (node: DiagramNode, account: string) => nodesOf.get(account)!.filter((n) => describedAs.get(n.key) === describedAs.get(node.key));
    const alike = (node: DiagramNode, part: (n: DiagramNode) => string[]) => new Set(group.map((account) => JSON.stringify(counterparts(node, account).map(part).sort()))).size === 1;
    const labels = new Map(drawnNodes.map((node) => {
        const names = alike(node, (n) => n.names) ? node.names : ["one in each account"];
        let waves = node.waves.map(waveText);
        if (!alike(node, (n) => n.waves.map(waveText))) {
            const counts = new Map<string, { wave: Wave; accounts: number }>();
            for (const account of group) {
                for (const wave of new Map(counterparts(node, account).flatMap((n) => n.waves).map((w) => [waveText(w), w])).values()) {
                    entryOf(counts, waveText(wave), () => ({ wave, accounts: 0 })).accounts++;
                }
            }
            waves = accountsPerWave([...counts.values()]);
        }
        const lines = [...names, node.facts.join(" · "), ...waves].filter((line) => line !== "");
        const { before } = node;
        const marked = !before ? lines : [...lines.map((line) => (before.includes(line) ? line : `+ ${line}`)), ...before.filter((line) => !labelLines(node).includes(line)).map((line) => `- ${line}`)];
        return [node.key, [`${changeMarks[node.change]}${node.what}`, ...marked].join("<br>")];
    }));
    return (node) => labels.get(node.key)!;
}

/**
 * How many accounts of a group each wave deploys, a short line each, in the pipeline's order; three or more
 * waves in a row that deploy as many accounts each, none approved first, in one line.
 */
export function accountsPerWave(counts: { wave: Wave; accounts: number }[]): string[] {
    const sorted = [...counts].sort((a, b) => a.wave.number - b.wave.number);
    const lines = [`accounts per wave, of ${sorted[0].wave.of}:`];
    for (let first = 0; first < sorted.length;) {
        let last = first;
        const joins = (next: { wave: Wave; accounts: number }) => next.wave.number === sorted[last].wave.number + 1 && next.accounts === sorted[first].accounts && !next.wave.approved;
        while (!sorted[first].wave.approved && last + 1 < sorted.length && joins(sorted[last + 1])) {
            last++;
        }
        if (last - first >= 2) {
            lines.push(`${sorted[first].wave.number} to ${sorted[last].wave.number} (${sorted[first].wave.stage} … ${sorted[last].wave.stage}): ${sorted[first].accounts} each`);
        } else {
            last = first;
            const { wave, accounts } = sorted[first];
            lines.push(`${wave.number} ${wave.stage}${wave.approved ? " (approved first)" : ""}: ${accounts}`);
        }
        first = last + 1;
    }
    return lines;
}

/**
 * The title of an account's box, one short line, and the caption under it: the account and what it is
 * here, or for several accounts, how many, and which.
 */
function groupTitle(group: string[], accountTitle: (account: string) => string, change: Change): { title: string; caption: string[] } {
    const mark = changeMarks[change];
    if (group.length === 1) {
        const roles = accountTitle(group[0]).split(", ");
        return roles.length === 1 ? { title: `${mark}${group[0]}: ${roles[0]}`, caption: [] } : { title: `${mark}${group[0]}`, caption: roles };
    }
    const names = group.map((account) => `${accountTitle(account)} (${account})`);
    return { title: `${mark}${group.length} accounts drawn as one`, caption: group.length <= 3 ? names : [names[0], names[1], `… ${names[names.length - 1]}`] };
}

function shapeText(node: DiagramNode, text: string): string {
    const label = quoted(text);
    switch (node.kind) {
        case "role":
            return `(${label})`;
        case "bucket":
        case "stores":
            return `[(${label})]`;
        case "key":
            return `{{${label}}}`;
        default:
            return `[${label}]`;
    }
}

/** A Mermaid label in quotes; a quote inside it as Mermaid's entity. */
function quoted(text: string): string {
    return `"${text.replace(/"/g, "#quot;")}"`;
}
