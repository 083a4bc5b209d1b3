// The pipeline's structure as CodePipeline declares it: stages, actions, artifact stores.

export interface ActionDeclaration {
    name: string;
    category: string;
    owner: string;
    provider: string;
    version: string;
    runOrder: number;
    inputArtifacts?: string[];
    outputArtifacts?: string[];
    configuration?: Record<string, string>;
    /** The role the action runs as; another account's role makes the action cross-account. */
    roleArn?: string;
    /** Set only when the action runs outside the pipeline's region. */
    region?: string;
}

export interface StageDeclaration {
    name: string;
    actions: ActionDeclaration[];
}

export interface ArtifactStoreDeclaration {
    location: string;
    type: "S3";
    encryptionKey: { id: string; type: "KMS" };
    /** Set only for a cross-region pipeline, where every store names its region. */
    region?: string;
}
