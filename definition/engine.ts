// What the Pulumi engine does with a stack's resources and their options, where the program's plan and the
// automation driver both need to know it. Pure: over resources as the engine holds them in state.

/** A resource as a stack's state holds it, as far as these rules read it. */
export interface EngineResource {
    urn: string;
    type: string;
    protect?: boolean;
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    deletedWith?: string;
}

/**
 * The URNs `pulumi destroy --exclude-protected` keeps in the stack: each protected resource and what it cannot
 * lose, its parent, its dependencies (also per property) and what it is deleted with, transitively
 * (pulumi/pulumi#8359, #20120, #21612). Everything else is deleted, or, with `retainOnDelete`, left in the
 * cloud and removed from the stack.
 */
export function keptByDestroy(resources: readonly EngineResource[]): Set<string> {
    const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
    const kept = new Set<string>();
    const keep = (urn: string | undefined): void => {
        const resource = urn === undefined ? undefined : byUrn.get(urn);
        if (resource === undefined || kept.has(resource.urn)) {
            return;
        }
        kept.add(resource.urn);
        [resource.parent, resource.deletedWith, ...(resource.dependencies ?? []), ...Object.values(resource.propertyDependencies ?? {}).flat()].forEach(keep);
    };
    resources.filter((resource) => resource.protect).forEach((resource) => keep(resource.urn));
    return kept;
}

/** The stack and its providers, which a count of a stack's resources leaves out. */
export function isManagedResource(type: string): boolean {
    return type !== "pulumi:pulumi:Stack" && !type.startsWith("pulumi:providers:");
}
