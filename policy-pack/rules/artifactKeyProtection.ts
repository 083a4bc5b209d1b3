// The artifact key outlives mistakes: it rotates, and it cannot be deleted in passing (artifacts
// encrypted with a deleted key are lost, in every account that reads them).
import { kmsReference } from "../../definition/names";
import { artifactStoresIn, pipelinesIn } from "./pipelines";
import { knownString, resourcesOfType, Rule, RuleResource, RuleViolation, sourcesOf, unknown, violation } from "./rule";

/** AWS's longest pending-deletion window (and its default): the most time to cancel a scheduled deletion. */
export const requiredDeletionWindowDays = 30;

export const artifactKeyProtectionRule: Rule = {
    name: "artifact-key-protection",
    description: `Every KMS key of an artifact store rotates, waits ${requiredDeletionWindowDays} days before deletion, and is protected from \`pulumi destroy\`.`,
    enforcement: "mandatory",
    check: (resources) => artifactKeys(resources).flatMap(keyViolations),
};

const keyType = "aws:kms/key:Key";
const aliasType = "aws:kms/alias:Alias";

/**
 * The stack's keys that an artifact store names, by key ARN or through an alias ARN; in a preview, where
 * the stores are not known yet, the keys (or aliases) the engine says they are computed from.
 */
function artifactKeys(resources: RuleResource[]): RuleResource[] {
    const keys = resourcesOfType(resources, keyType);
    const keysNamed = (id: string | undefined) => (id ? keys.filter((key) => key.props.arn === id || key.props.keyId === id) : []);
    const keysBehind = (alias: RuleResource) => [...keysNamed(knownString(alias.props.targetKeyId)), ...sourcesOf(resources, alias, "targetKeyId", keyType)];
    const named = artifactStoresIn(resources).flatMap((store) => {
        const keyId = knownString(store.keyId);
        return keyId && kmsReference(keyId)?.kind === "alias"
            ? resourcesOfType(resources, aliasType).filter((alias) => alias.props.arn === keyId).flatMap(keysBehind)
            : keysNamed(keyId);
    });
    const computedFrom = pipelinesIn(resources).flatMap((pipeline) => [
        ...sourcesOf(resources, pipeline, "artifactStores", keyType),
        ...sourcesOf(resources, pipeline, "artifactStores", aliasType).flatMap(keysBehind),
    ]);
    return [...new Set([...named, ...computedFrom])];
}

function keyViolations(key: RuleResource): RuleViolation[] {
    const problems: string[] = [];
    const { enableKeyRotation, deletionWindowInDays } = key.props;
    if (enableKeyRotation !== true && enableKeyRotation !== unknown) {
        problems.push("does not rotate; set enableKeyRotation: true (rotation keeps old key material, so existing artifacts stay readable)");
    }
    if (typeof deletionWindowInDays === "number" && deletionWindowInDays < requiredDeletionWindowDays) {
        problems.push(`can be deleted ${deletionWindowInDays} days after a deletion is scheduled; set deletionWindowInDays: ${requiredDeletionWindowDays} to leave the most time to cancel it`);
    }
    if (key.protect === false) {
        problems.push("is not protected, so `pulumi destroy` or a replacement can schedule its deletion; declare it with the resource option protect: true (config cross-account-pipeline:protectArtifacts: true; false only to tear the pipeline down)");
    }
    return problems.map((problem) => violation(key, `artifact key "${key.name}" ${problem}`));
}
