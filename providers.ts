// One explicit AWS provider per account, pinned to that account: a resource can never land in the
// wrong account, and credentials of any other account are refused before anything changes.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Credentials, ProgramConfig } from "./config";

export interface AccountProviders {
    pipeline?: aws.Provider;
    /** Keyed by target name. */
    targets: Map<string, aws.Provider>;
}

export function providerArgs(accountId: string, region: string, credentials: Credentials, pipelineName: string): aws.ProviderArgs {
    return {
        region,
        allowedAccountIds: [accountId],
        ...(credentials.profile ? { profile: credentials.profile } : {}),
        ...(credentials.assumeRoleArn ? { assumeRoles: [{ roleArn: credentials.assumeRoleArn, sessionName: `${pipelineName}-deploy`.slice(0, 64) }] } : {}),
        defaultTags: { tags: { "managed-by": "cross-account-pipeline", pipeline: pipelineName } },
    };
}

/** Providers for the accounts this stack deploys into, according to `deploy`. */
export function accountProviders(config: ProgramConfig): AccountProviders {
    const pipeline = config.deploy === "target" ? undefined : new aws.Provider("pipeline-account",
        providerArgs(config.pipelineAccountId, config.region, config.pipelineCredentials, config.pipelineName));
    const targets = new Map(targetsDeployedHere(config).map((target) => [target.name, new aws.Provider(`target-${target.name}`,
        providerArgs(target.accountId, target.region, target.credentials, config.pipelineName))] as const));
    return { pipeline, targets };
}

/** The targets whose account resources this stack declares: one for a target stack, all for `all`. */
export function targetsDeployedHere(config: ProgramConfig) {
    switch (config.deploy) {
        case "pipeline": return [];
        case "target": return config.target ? [config.target] : [];
        case "all": return config.targets;
    }
}

export function providerFor(providers: AccountProviders, targetName: string): pulumi.ProviderResource {
    const provider = providers.targets.get(targetName);
    if (!provider) {
        throw new Error(`no provider for target ${targetName}`);
    }
    return provider;
}
