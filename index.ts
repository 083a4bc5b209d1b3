// cross-account-pipeline: a CodePipeline in the pipeline account that deploys with CodeDeploy into
// target accounts. `deploy` picks what this stack declares: pipeline, target, or all.
// Made of the library's exports (lib.ts), as a platform team's own program would be. It exports an async
// function, which `pulumi up` calls and awaits (the Node.js language host does so with a program that
// exports one), so that its targets can be declared one per turn of the event loop.
import {
    actionRolesDeclaredHere, actionRolesFromTargetStacks, applicationsOnFirstUse, declareInTurn, loadConfig, PipelineAccount, pipelineAccountNames,
    pipelineAccountProvider, producingTargetNames, TargetAccount, targetAccountProvider, targetsDeployedHere,
} from "./lib";

export = async () => {
    // Config: validated as a whole before any resource is declared.
    const config = loadConfig();

    // Providers: one per account, each pinned to its account id (a target's, with the target below).
    const pipelineProvider = pipelineAccountProvider(config);

    // The target accounts first: what the pipeline assumes and deploys into. They need nothing of the
    // pipeline account but the names config gives it, so a target stack deploys before the pipeline stack.
    // One target per turn of the event loop, so that each one's registrations go out while the next is
    // declared: its provider, its CodeDeploy application (once per account and region, shared by the
    // deployment groups of the targets that name it), its account.
    const targets = targetsDeployedHere(config);
    const applicationOf = applicationsOnFirstUse(targets);
    const producers = producingTargetNames(config.extraActions);
    const targetAccounts = await declareInTurn(targets, (target) => {
        const provider = targetAccountProvider(config, target);
        return new TargetAccount(target.name, {
            target,
            pipeline: pipelineAccountNames(config, target),
            applicationName: applicationOf(target, provider).applicationName,
            producesArtifacts: producers.has(target.name),
        }, { provider });
    });

    // The pipeline account: artifact stores, service roles, the pipeline, created after the roles its
    // actions assume (read from each target's stack, or declared above in `deploy: all`).
    const pipelineAccount = pipelineProvider && new PipelineAccount("pipeline", {
        config,
        actionRoles: config.deploy === "all" ? actionRolesDeclaredHere(config, targetAccounts) : actionRolesFromTargetStacks(config, config.targets),
    }, { provider: pipelineProvider });

    // Exports: the pipeline part, the target part, or both; a stack exports only what it deployed.
    return {
        ...(pipelineAccount ? {
            artifactBucketName: pipelineAccount.artifactStores[0].bucketName,
            artifactKeyArn: pipelineAccount.artifactStores[0].keyArn,
            pipelineRoleArn: pipelineAccount.pipelineRoleArn,
            pipelineName: pipelineAccount.pipelineName,
            ...(pipelineAccount.sourceBucketName ? { sourceBucketName: pipelineAccount.sourceBucketName } : {}),
            artifactStores: pipelineAccount.storesByRegion,
            // The role each deploy action assumes, as read from (and checked against) the target stacks.
            deployRoleArns: pipelineAccount.deployRoleArns,
        } : {}),
        ...(targetAccounts.length > 0 ? {
            targets: Object.fromEntries(targetAccounts.map((account) => [account.target.name, account.outputs])),
        } : {}),
    };
};
