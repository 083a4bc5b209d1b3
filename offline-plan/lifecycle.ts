// What the operations after the first `pulumi up` do to the resources the stacks declare, replayed offline:
// tearing down and coming back (`npm run deploy -- --destroy`, then `--up`), and, against an earlier plan's
// folder, what the next `pulumi up` creates, updates, replaces, deletes and imports. A change that `pulumi up`
// would refuse, or one that would lose what a pipeline needs, is a problem of the plan, with the way out.
import { isManagedResource, keptByDestroy } from "../definition/engine";
import { replacedBy } from "../definition/replacement";
import type { DeclaredResource } from "../evaluation/mockCloud";
import { className, ResourceSummary } from "./describe";
import type { PlanContents } from "./grants";
import { accountFileOf, checksFile, planFormat, resourcesFile } from "./planFiles";
import type { PlannedStack } from "./stacks";

/** A change of the lifecycle that AWS or the engine would refuse, or that would lose data: what, why, and the way out. */
export interface LifecycleProblem {
    stack?: string;
    what: string;
    message: string;
}

/**
 * Bucket settings: each is put on the bucket (PutBucketPolicy, PutBucketVersioning, ...), so creating one the
 * bucket already has overwrites it with the same; nothing else of the program is created over what exists.
 */
const putOnTheBucket = new Set([
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketNotification:BucketNotification",
]);

/** Why creating a resource of `type` again fails, or goes wrong, while the one retained is still there. */
function againWhileRetained(type: string): string {
    switch (type) {
        case "aws:s3/bucket:Bucket":
            return "CreateBucket fails on it (BucketAlreadyOwnedByYou; in us-east-1 the new stack silently takes it over)";
        case "aws:kms/key:Key":
            return "a second key is created, and the retained one, which encrypts the artifacts, is left out of every policy the stack writes";
        default:
            return "its creation meets the one AWS still has";
    }
}

/**
 * Tearing down and coming back: `npm run deploy -- --destroy` runs `pulumi destroy --exclude-protected`, which keeps
 * the protected resources in the stack (keptByDestroy); a resource retained on delete but not kept stays in AWS and
 * leaves the stack, so the next `up` creates it again. That works for a bucket setting, which is put over itself; for
 * anything else it fails, so with protectArtifacts every such resource must be protected. Without protectArtifacts
 * (the teardown of docs/operations.md) the stack keeps nothing, and the next `up` adopts what was retained (`adoptRetained`).
 */
export function comeBackProblems(stacks: PlannedStack[]): LifecycleProblem[] {
    return stacks.flatMap((planned) => {
        if (!planned.run || planned.config?.protectArtifacts !== true) {
            return [];
        }
        const registered = planned.run.resources.filter((r) => r.registration);
        const kept = keptByDestroy(registered.map(engineResource));
        return registered
            .filter((r) => r.custom && isManagedResource(r.type) && r.registration!.retainOnDelete && !kept.has(r.registration!.urn) && !putOnTheBucket.has(r.type))
            .map((r) => ({
                stack: planned.file.stack,
                what: `${className(r.type)} ${r.name}`,
                message: `after \`npm run deploy -- --destroy\` (pulumi destroy --exclude-protected) it stays in AWS (retainOnDelete) but leaves the stack, ` +
                    `as it is not protected, and the next \`--up\` creates it again: ${againWhileRetained(r.type)}; protect it with the store it belongs to ` +
                    "(protectArtifacts), or stop retaining it",
            }));
    });
}

function engineResource(resource: DeclaredResource) {
    const { urn, protect, parentUrn, dependencies } = resource.registration!;
    return { urn, type: resource.type, protect, parent: parentUrn, dependencies };
}

/** What the next `pulumi up` does to one resource, against the earlier plan, as the engine decides it. */
export interface LifecycleStep {
    op: "create" | "import" | "update" | "replace" | "delete";
    account: string;
    type: string;
    name: string;
    region?: string;
    /** For a replacement: the inputs whose change replaces it, each `input: before -> after`. */
    replacedBy?: string[];
    /** Why `pulumi up` would refuse this step, or lose data with it, and the way out. */
    problem?: string;
}

/** Steps by how much a reviewer needs to see them: what replaces and deletes first. */
const opOrder: LifecycleStep["op"][] = ["replace", "delete", "import", "create", "update"];

/** `1 to replace, 3 to create`: the steps by kind, most serious first. */
export function opCounts(steps: LifecycleStep[]): string {
    return opOrder.map((op) => [op, steps.filter((s) => s.op === op).length] as const).filter(([, n]) => n > 0).map(([op, n]) => `${n} to ${op}`).join(", ");
}

/**
 * The steps as a reviewer reads them, replacements first: every replacement, deletion and import with what it is,
 * and creations and updates counted by type (adding a hundred targets creates a thousand resources of a dozen types).
 */
export function stepLines(steps: LifecycleStep[]): string[] {
    const listed = steps.filter((s) => s.op === "replace" || s.op === "delete" || s.op === "import").map((s) => {
        const sign = s.problem ? "!" : s.op === "replace" ? "±" : s.op === "delete" ? "-" : "=";
        const why = s.replacedBy ? ` (${s.replacedBy.join(", ")})` : "";
        return `${sign} ${s.op} ${className(s.type)} ${s.name}, account ${s.account}${s.region ? ` (${s.region})` : ""}${why}${s.problem ? ": REFUSED" : ""}`;
    });
    const counted = (["create", "update"] as const).flatMap((op) => {
        const byType = new Map<string, number>();
        steps.filter((s) => s.op === op).forEach((s) => byType.set(s.type, (byType.get(s.type) ?? 0) + 1));
        return [...byType].map(([type, n]) => `${op === "create" ? "+" : "~"} ${op} ${n} ${className(type)}`);
    });
    return [...listed, ...counted];
}

/**
 * What the next `pulumi up` does, resource by resource, when the stacks were last deployed as the earlier plan
 * shows them: a resource only this plan declares is created (or imported, when it adopts one); one only the earlier
 * plan declared is deleted; one whose replacing inputs changed (replacingInputs) is replaced; one whose properties
 * changed otherwise is updated. Protected resources cannot be deleted or replaced by an update: such a step is a
 * problem, with the way out; so is adopting a resource the earlier plan does not show, which would not exist.
 */
export function nextUp(earlier: PlanContents, now: PlanContents): LifecycleStep[] {
    const accountsOf = (contents: PlanContents) => [...contents.keys()].flatMap((file) => accountFileOf(file)?.account ?? []);
    const accounts = [...new Set([...accountsOf(now), ...accountsOf(earlier)])];
    const format = (earlier.get(checksFile) as { planFormat?: unknown } | undefined)?.planFormat;
    const recordsEveryInput = typeof format === "number" && format >= planFormat;
    const steps = accounts.flatMap((account) => accountSteps(account, earlier, now, recordsEveryInput));
    return steps.sort((a, b) => opOrder.indexOf(a.op) - opOrder.indexOf(b.op));
}

const keyOf = (r: Pick<ResourceSummary, "type" | "name">) => `${r.type} ${r.name}`;

/** A resource's policy documents and, for a pipeline, its definition, as the plan folder holds them. */
function documentsOf(contents: PlanContents, account: string, resource: ResourceSummary): string {
    const files = [...contents.keys()].filter((file) => {
        const of = accountFileOf(file);
        return of?.account === account && ((of.file === "policy" && of.resourceName === resource.name)
            || (of.file === "pipeline" && of.pipelineName === resource.properties.name && resource.type === "aws:codepipeline/pipeline:Pipeline"));
    });
    return JSON.stringify(files.sort().map((file) => contents.get(file)));
}

/**
 * `recordsEveryInput`: the earlier plan's summaries hold every replacing input declared (planFormat); an older plan's
 * may not, so its resources are compared on the properties it holds: one it did not record is not taken for a change.
 */
function accountSteps(account: string, earlierContents: PlanContents, nowContents: PlanContents, recordsEveryInput: boolean): LifecycleStep[] {
    const before = (earlierContents.get(resourcesFile(account)) ?? []) as ResourceSummary[];
    const after = (nowContents.get(resourcesFile(account)) ?? []) as ResourceSummary[];
    const earlier = new Map(before.map((r) => [keyOf(r), r]));
    const later = new Set(after.map(keyOf));
    const step = (op: LifecycleStep["op"], r: ResourceSummary, extra: Partial<LifecycleStep> = {}): LifecycleStep =>
        ({ op, account, type: r.type, name: r.name, ...(r.region ? { region: r.region } : {}), ...extra });
    const steps: LifecycleStep[] = [];
    for (const resource of after) {
        const old = earlier.get(keyOf(resource));
        if (resource.adopts !== undefined) {
            const problem = adoptionProblem(resource, old, before);
            if (!old || problem) {
                steps.push(step("import", resource, problem ? { problem } : {}));
            }
            continue;
        }
        if (!old) {
            steps.push(step("create", resource));
            continue;
        }
        const properties = recordsEveryInput ? resource.properties : Object.fromEntries(Object.entries(resource.properties).filter(([key]) => key in old.properties));
        const replacing = replacedBy(resource.type, { ...old.properties, region: old.region }, { ...properties, region: resource.region })
            .map((input) => `${input}: ${shown(input === "region" ? old.region : old.properties[input])} -> ${shown(input === "region" ? resource.region : resource.properties[input])}`);
        if (replacing.length > 0) {
            const problem = old.protect || resource.protect ? protectedReplacement(resource, replacing) : undefined;
            steps.push(step("replace", resource, { replacedBy: replacing, ...(problem ? { problem } : {}) }));
        } else if (JSON.stringify(old.properties) !== JSON.stringify(properties)
            || documentsOf(earlierContents, account, old) !== documentsOf(nowContents, account, resource)) {
            steps.push(step("update", resource));
        }
    }
    for (const old of before.filter((r) => !later.has(keyOf(r)))) {
        steps.push(step("delete", old, old.protect ? { problem: protectedDeletion(old) } : {}));
    }
    return steps;
}

const shown = (value: unknown) => (value === undefined ? "(none)" : typeof value === "string" ? value : JSON.stringify(value));

/** The physical id a resource is imported by: a bucket's (and each bucket setting's) name, a key's id. */
function physicalId(resource: ResourceSummary): string | undefined {
    const { bucket, arn } = resource.properties as { bucket?: unknown; arn?: unknown };
    if (typeof bucket === "string") {
        return bucket;
    }
    return typeof arn === "string" && resource.type === "aws:kms/key:Key" ? arn.replace(/^.*:key\//, "") : undefined;
}

/**
 * Adopting is importing what `pulumi destroy` retained: what the earlier plan declared. An id it never declared
 * (a store of another pipelineName, after pipelineName changed with adoptRetained still set) does not exist, and
 * the import fails; one other than what the stack holds under that name would replace it.
 */
function adoptionProblem(resource: ResourceSummary, old: ResourceSummary | undefined, before: ResourceSummary[]): string | undefined {
    const id = resource.adopts!.replace(/@[a-z0-9-]+$/, "");
    if (old) {
        const held = physicalId(old);
        return held === undefined || held === id ? undefined
            : `imports ${id}, but the earlier plan declared ${held} here: the import would replace what the stack holds. ` +
                "adoptRetained is for re-creating a destroyed stack: remove it once the stack has adopted its store";
    }
    return before.some((r) => r.type === resource.type && physicalId(r) === id) ? undefined
        : `imports ${id}, which the earlier plan does not declare: it would exist only if a destroy of this pipeline had retained it. ` +
            "Name in adoptRetained the retained key of this pipelineName's store, or remove adoptRetained to create the store";
}

function protectedReplacement(resource: ResourceSummary, replacing: string[]): string {
    return `${className(resource.type)} ${resource.name} is protected, and ${replacing.join(", ")} replaces it: \`pulumi up\` stops at it ` +
        "(\"cannot be deleted because it is protected\"). Keep what it was (a pipelineName names the artifact stores, their keys and buckets); " +
        "to move to the new value, deploy a new pipeline stack beside this one, then destroy this one, which retains its store";
}

function protectedDeletion(resource: ResourceSummary): string {
    const region = resource.region ? ` in ${resource.region}` : "";
    return `${className(resource.type)} ${resource.name}${region} is protected, and no stack declares it any more ` +
        `(an artifact store is declared while a target deploys in its region): \`pulumi up\` stops at it. Keep a target${region} ` +
        "until the store may go; then set protectArtifacts: false and `pulumi up` (or `pulumi state unprotect` it) before the update that removes it. " +
        "The key and buckets are retained in AWS (docs/operations.md#deleting-the-retained-resources-by-hand)";
}
