// The pipelines a stack declares: their account, their stages as definition/pipeline.ts declares
// them, and their artifact stores.
import { accountOfArn } from "../../definition/names";
import type { ActionDeclaration, StageDeclaration } from "../../definition/pipeline";
import { containsUnknown, knownString, resourcesOfType, RuleResource, valueAt } from "./rule";

export function pipelinesIn(resources: RuleResource[]): RuleResource[] {
    return resourcesOfType(resources, "aws:codepipeline/pipeline:Pipeline");
}

/** The pipeline account: the one its provider is pinned to, else the one its service role is in. */
export function pipelineAccountOf(pipeline: RuleResource): string | undefined {
    const roleArn = knownString(pipeline.props.roleArn);
    return pipeline.accountId ?? (roleArn ? accountOfArn(roleArn) : undefined);
}

/** The pipeline's stages, or undefined while a field the rules read is not known yet. */
export function stagesOf(pipeline: RuleResource): StageDeclaration[] | undefined {
    const stages = pipeline.props.stages;
    if (!Array.isArray(stages)) {
        return undefined;
    }
    const declared = stages.map((stage) => {
        const actions = valueAt(stage, "actions");
        return { name: valueAt(stage, "name"), actions: Array.isArray(actions) ? actions.map(actionDeclaration) : actions ?? [] };
    });
    return containsUnknown(declared) ? undefined : declared as StageDeclaration[];
}

/** An action as definition/pipeline.ts declares it, but for its configuration (no rule reads it); any field may be `unknown`. */
function actionDeclaration(action: unknown) {
    const field = (name: keyof ActionDeclaration) => valueAt(action, name);
    return {
        name: field("name"),
        category: field("category"),
        owner: field("owner"),
        provider: field("provider"),
        version: field("version"),
        // What CodePipeline assumes when runOrder is not given.
        runOrder: field("runOrder") ?? 1,
        inputArtifacts: field("inputArtifacts") ?? [],
        outputArtifacts: field("outputArtifacts") ?? [],
        roleArn: field("roleArn"),
        region: field("region"),
    };
}

/** Whether an action runs as a role of another account than the pipeline's. */
export function hasCrossAccountAction(stages: StageDeclaration[], pipelineAccountId: string): boolean {
    return stages.some((stage) => stage.actions.some((action) => {
        const account = action.roleArn === undefined ? undefined : accountOfArn(action.roleArn);
        return account !== undefined && account !== pipelineAccountId;
    }));
}

export interface ArtifactStore {
    pipeline: RuleResource;
    /** The store's position in the pipeline's `artifactStores`, counted from 1. */
    position: number;
    /** The bucket name; `unknown` in a preview. */
    location: unknown;
    /** `encryptionKey.id`; undefined when the store names no key (S3 then uses the AWS managed key aws/s3). */
    keyId: unknown;
    keyType: unknown;
}

/** The pipeline's artifact stores; none while the list itself is not known. */
export function artifactStoresOf(pipeline: RuleResource): ArtifactStore[] {
    const stores = pipeline.props.artifactStores;
    return Array.isArray(stores) ? stores.map((store, i) => ({
        pipeline,
        position: i + 1,
        location: valueAt(store, "location"),
        keyId: valueAt(store, "encryptionKey", "id"),
        keyType: valueAt(store, "encryptionKey", "type"),
    })) : [];
}

export function artifactStoresIn(resources: RuleResource[]): ArtifactStore[] {
    return pipelinesIn(resources).flatMap(artifactStoresOf);
}

/** How a message names a store. */
export function describeStore(store: ArtifactStore): string {
    const bucket = knownString(store.location);
    return `artifact store ${store.position}${bucket ? ` (bucket "${bucket}")` : ""}`;
}
