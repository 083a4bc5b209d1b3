// The library: what a platform team's own Pulumi program imports to declare this pipeline with its own providers
// (`import { ... } from "cross-account-pipeline"`, package.json `exports`, built into dist/ by `npm run build`).
// The shipped program (index.ts) is made of exactly these. README, "Use it from your own program", shows how.

// Config: a stack's raw config (strings) or the program's own values, validated as a whole into a ProgramConfig.
export { ConfigError, loadConfig, parseConfig, targetsDeployedHere } from "./config";
export type {
    BuildConfig, ConfigInput, Credentials, DeployMode, ExtraActionConfig, FleetConfig, InstanceTag, ProgramConfig, RawConfig, SourceConfig,
    TargetConfig, WaveConfig,
} from "./config";

// Providers: one per account, pinned to it (a program may bring its own, as long as each is pinned to its account).
export { accountProviders, pipelineAccountProvider, providerArgs, targetAccountProvider } from "./program/providers";
export type { AccountProviders } from "./program/providers";

// Components: the target account's side, the pipeline account's side, and what they are made of.
export { TargetAccount, targetAccountType } from "./components/targetAccount";
export type { PipelineAccountNames, TargetAccountArgs, TargetOutputs } from "./components/targetAccount";
export { PipelineAccount } from "./components/pipelineAccount";
export type { ActionRoles, PipelineAccountArgs } from "./components/pipelineAccount";
export { ArtifactStore } from "./components/artifactStore";
export type { ArtifactStoreArgs } from "./components/artifactStore";
export { CodeDeployApplication } from "./components/codeDeployApplication";
export type { CodeDeployApplicationArgs } from "./components/codeDeployApplication";
export { DeliveryPipeline } from "./components/deliveryPipeline";
export type { DeliveryPipelineArgs } from "./components/deliveryPipeline";
export { EncryptedBucket } from "./components/encryptedBucket";
export type { EncryptedBucketArgs } from "./components/encryptedBucket";
export { Fleet } from "./components/fleet";
export type { FleetArgs } from "./components/fleet";
export { PipelineRoles } from "./components/pipelineRoles";
export type { PipelineRolesArgs } from "./components/pipelineRoles";
export { S3SourceTrigger } from "./components/sourceTrigger";
export type { S3SourceTriggerArgs } from "./components/sourceTrigger";

// Wiring: the names each side knows of the other, the applications shared by targets, the roles the pipeline assumes.
export { applicationsOnFirstUse, declareApplications } from "./program/applications";
export { actionRolesDeclaredHere, actionRolesFromTargetStacks, pipelineAccountNames } from "./program/wiring";
export { producingTargetNames } from "./definition/pipeline";
export { declareInTurn } from "./program/inTurn";
