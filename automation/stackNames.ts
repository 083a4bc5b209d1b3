// Every stack the driver opens, creates or removes is named in full, `<organization>/<project>/<stack>`: a short
// name means "in the default organization" to the Pulumi CLI, which on Pulumi Cloud need not be the organization
// the pipeline stack's StackReferences (targets[].stack) read. One run deploys the stacks of one project in one
// organization.

import { DriverError } from "./errors";
import { StackDefinition } from "./stackFiles";

/** A self-managed backend (file, S3, Azure Blob, GCS) has this one organization (pulumi/pulumi pkg/backend/diy/store.go). */
export const SELF_MANAGED_ORGANIZATION = "organization";

export interface OrganizationChoice {
    /** `organization` / `--org`, if given. */
    option?: string;
    /** The backend is Pulumi Cloud (or another service), which has organizations. */
    service: boolean;
}

/**
 * The organization of the run's stacks: the one given, else the one the pipeline stacks' references name, else on a
 * self-managed backend its only one; undefined on a service backend when neither says (then the CLI's default
 * organization, which is what short references resolve to). A contradiction is a DriverError naming both sides.
 */
export function organizationOfRun(definitions: readonly StackDefinition[], choice: OrganizationChoice, chosenBy = "--org"): string | undefined {
    const named = new Map<string, string[]>();
    for (const definition of definitions) {
        for (const organization of definition.organizations ?? []) {
            named.set(organization, [...(named.get(organization) ?? []), definition.name]);
        }
    }
    const readers = (organization: string) => `stack ${named.get(organization)!.join(", ")} reads stacks of organization ${organization}`;
    if (choice.option !== undefined) {
        const other = [...named.keys()].find((organization) => organization !== choice.option);
        if (other !== undefined) {
            throw new DriverError(`${readers(other)} (targets[].stack), but the run deploys organization ${choice.option} (${chosenBy}): name one organization in both`);
        }
    }
    if (named.size > 1) {
        throw new DriverError(
            `${[...named.keys()].map(readers).join("; ")}: one run deploys one project's stacks in one organization; make targets[].stack name the same one`,
        );
    }
    const organization = choice.option ?? [...named.keys()][0];
    if (!choice.service) {
        if (organization !== undefined && organization !== SELF_MANAGED_ORGANIZATION) {
            const source = choice.option !== undefined ? "--org" : `targets[].stack (${readers(organization)})`;
            throw new DriverError(
                `${source} names organization ${organization}, but a self-managed backend has one organization, ` +
                `"${SELF_MANAGED_ORGANIZATION}": use ${SELF_MANAGED_ORGANIZATION}/<project>/<stack>`,
            );
        }
        return SELF_MANAGED_ORGANIZATION;
    }
    return organization;
}

/** `<organization>/<project>/<stack>`. */
export function fullyQualified(organization: string, project: string, stack: string): string {
    return `${organization}/${project}/${stack}`;
}
