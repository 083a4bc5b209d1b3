// cross-account-pipeline: a CodePipeline in the pipeline account that deploys with CodeDeploy into
// target accounts. `deploy` picks what this stack declares: pipeline, target, or all.
import { PipelineAccount } from "./components/pipelineAccount";
import { TargetAccount } from "./components/targetAccount";
import { loadConfig } from "./config";
import { deployRoleArn } from "./definition/pipeline";
import { accountProviders } from "./program/providers";
import { artifactsIn, publishedByPipelineAccount, publishedByPipelineStack } from "./program/wiring";

// Config: validated as a whole before any resource is declared.
const config = loadConfig();

// Providers: one per account, each pinned to its account id.
const providers = accountProviders(config);

// The pipeline account: artifact stores, service roles, the pipeline.
const pipelineAccount = providers.pipeline && new PipelineAccount("pipeline", { config }, { provider: providers.pipeline });

// The target accounts: what the pipeline assumes and deploys into.
// Without the pipeline account here this is a target stack, and config requires its pipelineStack.
const published = pipelineAccount ? publishedByPipelineAccount(pipelineAccount) : publishedByPipelineStack(config.pipelineStack!);
const targetAccounts = providers.targets.map(({ target, provider }) => new TargetAccount(target.name, {
    target,
    artifacts: artifactsIn(published, target.region),
}, { provider }));

// Exports: the pipeline part, the target part, or both; a stack exports only what it deployed.
export = {
    ...(pipelineAccount ? {
        artifactBucketName: pipelineAccount.artifactStores[0].bucketName,
        artifactKeyArn: pipelineAccount.artifactStores[0].keyArn,
        pipelineRoleArn: pipelineAccount.pipelineRoleArn,
        pipelineName: pipelineAccount.pipelineName,
        ...(pipelineAccount.sourceBucketName ? { sourceBucketName: pipelineAccount.sourceBucketName } : {}),
        artifactStores: published.artifactStores,
        // The role each deploy action assumes, for checking against what the target stacks export.
        deployRoleArns: Object.fromEntries(config.targets.map((t) => [t.name, deployRoleArn(t)])),
    } : {}),
    ...(targetAccounts.length > 0 ? {
        targets: Object.fromEntries(targetAccounts.map((account) => [account.targetName, account.outputs])),
    } : {}),
};
