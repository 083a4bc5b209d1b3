// Cross-account artifacts need a key the target accounts can use: a customer managed key, named so
// that another account can resolve it.
import { kmsReference } from "../../definition/names";
import { ArtifactStore, artifactStoresOf, describeStore, hasCrossAccountAction, pipelineAccountOf, pipelinesIn, stagesOf } from "./pipelines";
import { Rule, RuleViolation, unknown, violation } from "./rule";

export const artifactStoreEncryptionRule: Rule = {
    name: "artifact-store-encryption",
    description: "A pipeline with a cross-account action encrypts every artifact store with a customer managed KMS key, named by key ARN or alias ARN.",
    enforcement: "mandatory",
    scope: "resource",
    check: (resources) => pipelinesIn(resources).flatMap((pipeline): RuleViolation[] => {
        const pipelineAccountId = pipelineAccountOf(pipeline);
        const stages = stagesOf(pipeline);
        if (!pipelineAccountId || !stages || !hasCrossAccountAction(stages, pipelineAccountId)) {
            return [];
        }
        return artifactStoresOf(pipeline).flatMap((store) => {
            const problem = keyProblem(store);
            return problem ? [violation(pipeline, `${describeStore(store)} ${problem}`)] : [];
        });
    }),
};

const fix = 'set its encryptionKey to {id: "<key ARN or alias ARN of a customer managed key>", type: "KMS"}';

function keyProblem(store: ArtifactStore): string | undefined {
    if (store.keyId === unknown || store.keyType === unknown) {
        return undefined;
    }
    if (store.keyId === undefined) {
        return `has no encryptionKey, so its artifacts are encrypted with the AWS managed key aws/s3, which no other account can use; ${fix}`;
    }
    const keyId = String(store.keyId);
    const reference = kmsReference(keyId);
    if (!reference) {
        return `names its key as "${keyId}", which another account cannot resolve (a bare key id or alias is looked up in the caller's account); ${fix}`;
    }
    if (reference.kind === "alias" && reference.name.startsWith("aws/")) {
        return `uses the AWS managed key ${keyId}, whose key policy cannot be changed to admit another account; ${fix}`;
    }
    if (store.keyType !== "KMS") {
        return `gives its encryptionKey the type "${String(store.keyType)}"; ${fix}`;
    }
    return undefined;
}
