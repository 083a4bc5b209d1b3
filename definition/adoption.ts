// Adopting what `pulumi destroy` retained (the artifact stores' keys and buckets, with every bucket setting)
// when a destroyed stack is created again: each such resource is imported instead of created, by the id
// pulumi-aws 7.x imports it by. Names of buckets follow from config; a key's id only from its ARN.
import { kmsReference } from "./names";

/**
 * The import id of a resource of pulumi-aws 7.x (Terraform AWS provider 6.x) in `region`, declared with a provider
 * of `providerRegion`: its own id in the provider's region, and with `@<region>` in another, or the provider would
 * read it in its own region, not the resource's `region` input
 * ("How region works": https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/enhanced-region-support,
 * tested in pulumi-aws by pulumi/pulumi-aws#5523; without the suffix see pulumi/pulumi-aws#5697). The bare id is the one
 * the engine keeps in state: it imports again whenever the import id differs from the state's id
 * (pulumi/pulumi `pkg/resource/deploy/step_generator.go`), so a suffix where none is needed would plan an
 * import-replacement on every later update. A key's own id is its key id; a bucket's and each bucket setting's
 * (versioning, public access block, ownership controls, encryption, lifecycle, policy) is the bucket name, as each
 * resource's "Import" section in @pulumi/aws says.
 */
export function importId(id: string, region: string, providerRegion: string): string {
    return region === providerRegion ? id : `${id}@${region}`;
}

/** The key id in a key ARN (`arn:aws:kms:<region>:<account>:key/<key id>`), which a key is imported by. */
export function keyIdOf(keyArn: string): string {
    const reference = kmsReference(keyArn);
    if (reference?.kind !== "key") {
        throw new Error(`${keyArn} is not a key ARN`);
    }
    return reference.name;
}

/**
 * Inputs AWS does not report back, so an imported resource cannot match them: Terraform's own import tests
 * skip them (ImportStateVerifyIgnore in internal/service/kms/key_test.go and internal/service/s3/bucket_test.go
 * of hashicorp/terraform-provider-aws). An import whose inputs differ fails on Pulumi CLIs before the
 * change of pulumi/pulumi#19339 (later ones import, then update), so these stay as read.
 */
export const notReportedByAws = {
    key: ["deletionWindowInDays", "bypassPolicyLockoutSafetyCheck"],
    bucket: ["forceDestroy"],
};

/** Where a retained resource is, and the region of the provider that adopts it. */
export interface AdoptedIn {
    region: string;
    providerRegion: string;
}

/** The resource options that adopt the retained resource `id` instead of creating it. */
export function adoptionOptions(id: string, where: AdoptedIn, notReported: string[] = []): { import: string; ignoreChanges?: string[] } {
    return { import: importId(id, where.region, where.providerRegion), ...(notReported.length > 0 ? { ignoreChanges: notReported } : {}) };
}
