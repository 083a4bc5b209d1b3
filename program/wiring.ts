// How a target gets the pipeline account's values: through a StackReference to the pipeline stack,
// or, in `deploy: all`, straight from the pipeline account's components.
import * as pulumi from "@pulumi/pulumi";
import type { PipelineAccount } from "../components/pipelineAccount";
import type { PipelineArtifacts } from "../components/targetAccount";

export interface StoreReference {
    bucketName: string;
    keyArn: string;
}

/** What the pipeline account publishes to its targets. */
export interface PublishedArtifacts {
    pipelineRoleArn: pulumi.Output<string>;
    /** Artifact stores by region. */
    artifactStores: pulumi.Output<Record<string, StoreReference>>;
    /** Where they come from, for error messages. */
    origin: string;
}

export function publishedByPipelineAccount(pipelineAccount: PipelineAccount): PublishedArtifacts {
    return {
        pipelineRoleArn: pipelineAccount.pipelineRoleArn,
        artifactStores: pulumi.all(pipelineAccount.artifactStores.map((store) =>
            pulumi.all([store.bucketName, store.keyArn]).apply(([bucketName, keyArn]) => [store.region, { bucketName, keyArn }] as const),
        )).apply((entries) => Object.fromEntries(entries)),
        origin: "this stack's pipeline account",
    };
}

export function publishedByPipelineStack(pipelineStack: string): PublishedArtifacts {
    const reference = new pulumi.StackReference(pipelineStack);
    const origin = `pipeline stack ${pipelineStack}`;
    return {
        pipelineRoleArn: pipelineStackOutput<string>(reference, "pipelineRoleArn", origin),
        artifactStores: pipelineStackOutput<Record<string, StoreReference>>(reference, "artifactStores", origin),
        origin,
    };
}

/**
 * An output of the pipeline stack. Before that stack's first `pulumi up`, a preview shows the
 * target's resources with these values unknown (as for any resource not created yet); an update fails clearly.
 */
function pipelineStackOutput<T>(reference: pulumi.StackReference, name: string, origin: string): pulumi.Output<T> {
    return reference.getOutput(name).apply((value: T | undefined): T => {
        if (value !== undefined) {
            return value;
        }
        if (pulumi.runtime.isDryRun()) {
            return pulumi.unknown as unknown as T;
        }
        throw new pulumi.RunError(`${origin} has no output "${name}": run \`pulumi up\` on the pipeline stack before its target stacks`);
    });
}

/** The artifact store a target in `region` uses; a clear error if the pipeline has none there yet. */
export function artifactsIn(published: PublishedArtifacts, region: string): PipelineArtifacts {
    const store = published.artifactStores.apply((stores) => {
        const found = stores?.[region];
        if (!found) {
            throw new pulumi.RunError(`${published.origin} has no artifact store in ${region} (it has: ${Object.keys(stores ?? {}).join(", ") || "none"}); ` +
                `add this target to the pipeline stack's targets and run \`pulumi up\` on the pipeline stack first`);
        }
        return found;
    });
    return { pipelineRoleArn: published.pipelineRoleArn, artifactBucketName: store.bucketName, artifactKeyArn: store.keyArn };
}
