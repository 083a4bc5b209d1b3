// The program's configuration as the rest of the code sees it: typed, defaulted, validated.
import type { ActionDeclaration } from "../definition/declarations";

export type DeployMode = "pipeline" | "target" | "all";
export const deployModes: readonly DeployMode[] = ["pipeline", "target", "all"];

/** How a provider gets credentials for one account; both absent means the ambient AWS credentials. */
export interface Credentials {
    profile?: string;
    assumeRoleArn?: string;
}

export interface InstanceTag {
    key: string;
    value: string;
}

export interface FleetConfig {
    /** Number of instances the Auto Scaling group keeps running. */
    size: number;
    instanceType: string;
    /** SSM parameter that names the AMI; the default is the latest Amazon Linux 2023. */
    amiParameter: string;
    /** `default` uses the account's default VPC; `new` creates a VPC for the fleet. */
    vpc: "default" | "new";
}

export interface TargetConfig {
    /** Also the pipeline stage name and the key of the `targets` output. */
    name: string;
    accountId: string;
    /** Region of the target's CodeDeploy resources; the pipeline region when absent in config. */
    region: string;
    applicationName: string;
    deploymentGroupName: string;
    deploymentConfigName: string;
    crossAccountRoleName: string;
    instanceRoleName: string;
    codeDeployServiceRoleName: string;
    instanceTag: InstanceTag;
    requireApproval: boolean;
    credentials: Credentials;
    fleet?: FleetConfig;
    /** The fully qualified name of the stack that deploys this target (deploy: target); read by the pipeline stack. */
    stack?: string;
}

export type SourceConfig =
    | { provider: "S3"; objectKey: string }
    | { provider: "CodeStarSourceConnection"; connectionArn: string; repository: string; branch: string };

export interface BuildConfig {
    image: string;
    computeType: string;
    /** Inline buildspec; the default passes the source through as the deployable artifact. */
    buildspec: string;
}

/** An extra action placed into an existing stage (Source, Build or a target's stage): an action as declared, less where it runs. */
export interface ExtraActionConfig extends Required<Omit<ActionDeclaration, "roleArn" | "region">> {
    stage: string;
    /** Name of the target whose account runs the action (with its role, in its region); absent means the pipeline account. */
    target?: string;
}

export interface ProgramConfig {
    deploy: DeployMode;
    region: string;
    pipelineAccountId: string;
    pipelineName: string;
    pipelineCredentials: Credentials;
    targets: TargetConfig[];
    /** With `deploy: target`: the entry of `targets` this stack deploys. */
    target?: TargetConfig;
    source: SourceConfig;
    build: BuildConfig;
    extraActions: ExtraActionConfig[];
    /** An existing customer managed key (key ARN or alias ARN) instead of the one this program creates. */
    encryptionKey?: string;
    artifactRetentionDays: number;
    protectArtifacts: boolean;
}

/** The raw config: each key's string value as Pulumi stores it (objects and lists as JSON). */
export type RawConfig = Record<string, string | undefined>;
