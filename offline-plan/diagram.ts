// A picture of the trust: a Mermaid flowchart (GitHub, GitLab and most Markdown viewers render it)
// of the accounts, the roles and resources in each, and the edges the IAM evaluator allowed (the
// passing access checks). Accounts of the same shape (the same edges to the same resources outside
// them, e.g. 25 targets deploying from one pipeline) are drawn once, with their count, and at most
// `maxGroups` account groups are drawn, so that the diagram stays readable at any number of targets.
import { accountOfArn } from "../definition/names";
import type { ResourceSummary } from "./describe";
import type { PlanContents } from "./grants";
import { entryOf } from "./maps";
import { accountFileOf, checksFile } from "./planFiles";

type NodeKind = "role" | "bucket" | "key" | "deployment" | "build" | "pipeline";

interface DiagramNode {
    key: string;
    kind: NodeKind;
    account: string;
    label: string;
}

interface AccessEntry {
    principal: string;
    action: string;
    resource: string;
    expect: string;
    ok: boolean;
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

export interface DiagramLimits {
    /** Account groups drawn at most, the box counting the others included; the pipeline's accounts come first. */
    maxGroups: number;
}

export interface TrustDiagram {
    /** The Mermaid source, without the Markdown fence. */
    lines: string[];
    nodes: number;
}

/** The diagram of the plan folder's contents: its resources and the passing access checks of `checks.json`. */
export function trustDiagram(contents: PlanContents, accountTitle: (account: string) => string, limits: DiagramLimits = { maxGroups: 8 }): TrustDiagram {
    const resources = [...contents].flatMap(([file, value]) => (accountFileOf(file)?.file === "resources" ? value as ResourceSummary[] : []));
    const access = ((contents.get(checksFile) as { access?: AccessEntry[] } | undefined)?.access ?? [])
        .filter((entry) => entry.ok && entry.expect === "allowed");
    const nodes = new Map<string, DiagramNode>();
    const edges = new Map<string, Edge>();
    // Thousands of checks name the same few hundred principals and resources: each drawn once.
    const index = resourceIndex(resources);
    const drawnAs = new Map<string, DiagramNode | undefined>();
    const nodeFor = (value: string) => (drawnAs.has(value) ? drawnAs.get(value) : drawnAs.set(value, nodeOf(value, index)).get(value));
    for (const entry of access) {
        const label = edgeLabels.find(([pattern]) => pattern.test(entry.action))?.[1];
        const from = nodeFor(entry.principal);
        const to = nodeFor(entry.resource);
        if (!label || !from || !to) {
            continue;
        }
        nodes.set(from.key, from).set(to.key, to);
        const id = `${from.key} ${to.key}`;
        edges.set(id, { from: from.key, to: to.key, labels: (edges.get(id)?.labels ?? new Set<string>()).add(label) });
    }

    // Accounts in the order the plan lists them, grouped by shape.
    const accountOrder = [...new Set([...resources.map((r) => r.accountId ?? ""), ...[...nodes.values()].map((n) => n.account)])];
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
    for (const account of accountOrder.filter((a) => nodesOf.has(a))) {
        const shape = shapeOf(account, nodes, nodesOf.get(account)!, edgesOf.get(account) ?? [], descriptions);
        entryOf(byShape, shape, () => []).push(account);
    }
    // The accounts that hold a pipeline first: every other account's edges lead there.
    const holdsPipeline = (group: string[]) => nodesOf.get(group[0])!.some((n) => n.kind === "pipeline");
    const groups = [...byShape.values()].sort((a, b) => Number(holdsPipeline(b)) - Number(holdsPipeline(a)));
    const drawn = groups.slice(0, groups.length > limits.maxGroups ? limits.maxGroups - 1 : groups.length);
    const hidden = groups.slice(drawn.length);
    const drawnAccounts = new Set(drawn.map((group) => group[0]));

    const ids = new Map<string, string>();
    const idOf = (key: string) => entryOf(ids, key, () => `n${ids.size + 1}`);
    const lines = ["flowchart LR"];
    drawn.forEach((group, index) => {
        const names = group.map((account) => `${accountTitle(account)} (${account})`);
        const title = group.length === 1
            ? `${group[0]}: ${accountTitle(group[0])}`
            : `${group.length} accounts of the same shape, drawn once: ${group.length <= 4 ? names.join(", ") : `${names.slice(0, 3).join(", ")} … ${names[names.length - 1]}`}`;
        lines.push(`  subgraph a${index + 1}[${quoted(title)}]`);
        for (const node of nodesOf.get(group[0])!) {
            lines.push(`    ${idOf(node.key)}${shapeText(node)}`);
        }
        lines.push("  end");
    });
    if (hidden.length > 0) {
        const count = hidden.reduce((sum, group) => sum + group.length, 0);
        lines.push(`  more[${quoted(`… ${count} more accounts in ${hidden.length} other shapes: see plan.txt`)}]`);
    }
    for (const edge of edges.values()) {
        const [from, to] = [nodes.get(edge.from)!, nodes.get(edge.to)!];
        if (drawnAccounts.has(from.account) && drawnAccounts.has(to.account)) {
            const labels = edgeLabels.map(([, label]) => label).filter((label) => edge.labels.has(label));
            lines.push(`  ${idOf(edge.from)} -->|${quoted(labels.join(", "))}| ${idOf(edge.to)}`);
        }
    }
    return { lines, nodes: ids.size + (hidden.length > 0 ? 1 : 0) };
}

interface Edge {
    from: string;
    to: string;
    labels: Set<string>;
}

/** The buckets by name and the keys by ARN, which the nodes are named after. */
function resourceIndex(resources: ResourceSummary[]): { buckets: Map<unknown, ResourceSummary>; keys: Map<unknown, ResourceSummary> } {
    const [buckets, keys] = [new Map<unknown, ResourceSummary>(), new Map<unknown, ResourceSummary>()];
    for (const r of resources) {
        // The first of a name, as a search through the list would find.
        if (r.type === "aws:s3/bucket:Bucket" && !buckets.has(r.properties.bucket)) {
            buckets.set(r.properties.bucket, r);
        } else if (r.type === "aws:kms/key:Key" && !keys.has(r.properties.arn)) {
            keys.set(r.properties.arn, r);
        }
    }
    return { buckets, keys };
}

/** The node a principal or resource ARN is drawn as; undefined for what the diagram leaves out. */
function nodeOf(value: string, resources: ReturnType<typeof resourceIndex>): DiagramNode | undefined {
    const account = accountOfArn(value);
    let match: RegExpExecArray | null;
    if ((match = /^arn:[\w-]+:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(value))) {
        return { key: value, kind: "role", account: account!, label: match[1] };
    }
    if ((match = /^arn:[\w-]+:s3:::([^/]+)/.exec(value))) {
        const bucket = resources.buckets.get(match[1]);
        return { key: `s3 ${match[1]}`, kind: "bucket", account: bucket?.accountId ?? "", label: match[1] };
    }
    if (/^arn:[\w-]+:kms:/.test(value)) {
        const key = resources.keys.get(value);
        return { key: value, kind: "key", account: account!, label: key ? `key ${key.name}` : `key ${value.split(":")[3]}` };
    }
    if ((match = /^arn:[\w-]+:codedeploy:([\w-]+):\d{12}:(?:application:|deploymentgroup:)([^/]+)/.exec(value))) {
        return { key: `codedeploy ${account} ${match[1]} ${match[2]}`, kind: "deployment", account: account!, label: `CodeDeploy ${match[2]}` };
    }
    if ((match = /^arn:[\w-]+:codebuild:[\w-]+:\d{12}:project\/(.+)$/.exec(value))) {
        return { key: value, kind: "build", account: account!, label: `CodeBuild ${match[1]}` };
    }
    if ((match = /^arn:[\w-]+:codepipeline:[\w-]+:\d{12}:(.+)$/.exec(value))) {
        return { key: value, kind: "pipeline", account: account!, label: `pipeline ${match[1]}` };
    }
    return undefined;
}

/**
 * An account's shape: its edges, each end named by what it is when inside the account (its kind and
 * its own edges) and by its key when outside. Two targets that reach the same pipeline resources in
 * the same ways have the same shape, whatever their names and account ids.
 */
function shapeOf(account: string, nodes: Map<string, DiagramNode>, inside: DiagramNode[], mine: Edge[], descriptions: Map<string, string>): string {
    const labels = (e: { labels: Set<string> }) => [...e.labels].sort().join(",");
    const outside = (key: string) => (nodes.get(key)!.account === account ? `${nodes.get(key)!.kind}` : key);
    const local = new Map<string, string>();
    for (const node of inside) {
        const own = mine.flatMap((e) => [
            ...(e.from === node.key ? [`out ${labels(e)} ${outside(e.to)}`] : []),
            ...(e.to === node.key ? [`in ${labels(e)} ${outside(e.from)}`] : []),
        ]).sort();
        // A node's description by a short name, the same for the same description in every account: a
        // pipeline account's nodes have an edge to each target, and the shape names each node at each edge.
        const description = `${node.kind}(${own.join(";")})`;
        local.set(node.key, entryOf(descriptions, description, () => `#${descriptions.size + 1}`));
    }
    const end = (key: string) => local.get(key) ?? key;
    return mine.map((e) => `${end(e.from)} -${labels(e)}-> ${end(e.to)}`).sort().join("\n");
}

function shapeText(node: DiagramNode): string {
    const label = quoted(`${node.kind === "role" ? "role " : ""}${node.label}`);
    switch (node.kind) {
        case "role":
            return `(${label})`;
        case "bucket":
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
