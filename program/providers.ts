// One explicit AWS provider per account, pinned to that account: a resource can never land in the
// wrong account, and credentials of any other account are refused before anything changes.
// The provider's module alone, like every AWS module here (docs/performance.md#the-plans-own-work): the package's index, not
// loaded, also registers how to rebuild an aws provider from a resource reference; nothing this program
// reads carries one (its stack outputs are plain values, and awsx's VPC outputs name no provider).
import { Provider, ProviderArgs } from "@pulumi/aws/provider";
import { targetsDeployedHere } from "../config";
import type { Credentials, ProgramConfig, TargetConfig } from "../config";

export interface AccountProviders {
    pipeline?: Provider;
    /** The targets this stack deploys, each with the provider of its account. */
    targets: { target: TargetConfig; provider: Provider }[];
}

export function providerArgs(accountId: string, region: string, credentials: Credentials, pipelineName: string): ProviderArgs {
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
    const pipeline = pipelineAccountProvider(config);
    return { pipeline, targets: targetsDeployedHere(config).map((target) => ({ target, provider: targetAccountProvider(config, target) })) };
}

/** The pipeline account's provider, unless this stack deploys a target alone (`deploy: target`). */
export function pipelineAccountProvider(config: ProgramConfig): Provider | undefined {
    return config.deploy === "target" ? undefined : new Provider("pipeline-account",
        providerArgs(config.pipelineAccountId, config.region, config.pipelineCredentials, config.pipelineName));
}

/** A target's provider, pinned to its account, in its region. */
export function targetAccountProvider(config: ProgramConfig, target: TargetConfig): Provider {
    return new Provider(`target-${target.name}`, providerArgs(target.accountId, target.region, target.credentials, config.pipelineName));
}
