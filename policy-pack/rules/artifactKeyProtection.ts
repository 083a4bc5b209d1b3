// The artifact key outlives mistakes: it rotates, and it cannot be deleted in passing (artifacts
// encrypted with a deleted key are lost, in every account that reads them).
import { kmsReference } from "../../definition/names";
import { artifactStoresIn, pipelinesIn } from "./pipelines";
import { knownString, resourcesOfType, Rule, RuleResource, RuleViolation, sourcesOf, unknown, violation } from "./rule";

/** AWS's longest pending-deletion window (and its default): the most time to cancel a scheduled deletion. */
export const requiredDeletionWindowDays = 30;

export const artifactKeyProtectionRule: Rule = {
    name: "artifact-key-protection",
    description: `Every KMS key of an artifact store rotates, waits ${requiredDeletionWindowDays} days before deletion, and is never deleted by \`pulumi destroy\` (it is protected, or retained on delete).`,
    enforcement: "mandatory",
    scope: "stack",
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
    // Either option keeps a destroy from deleting the key: protect makes it fail, retainOnDelete makes it
    // leave the key in the account, on destroy and on replacement alike (the teardown of docs/operations.md:
    // protectArtifacts: false, then destroy): https://www.pulumi.com/docs/iac/concepts/resources/options/retainondelete/
    // Only a key known to have neither is reported; a pack is not told retainOnDelete (see RuleResource).
    if (key.protect === false && key.retainOnDelete === false) {
        problems.push("is neither protected nor retained on delete, so `pulumi destroy` or a replacement schedules its deletion; " +
            "declare it with the resource option retainOnDelete: true (destroy then leaves it in the account, with its bucket), " +
            "or protect: true (config cross-account-pipeline:protectArtifacts: true)");
    }
    return problems.map((problem) => violation(key, `artifact key "${key.name}" ${problem}`));
}
