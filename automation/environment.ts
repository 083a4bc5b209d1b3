// What each stack's Pulumi process is given: the backend, the secrets passphrase and the AWS
// credentials of the stack's account. Pure functions over the options and process.env.

import * as path from "path";
import { DriverError } from "./errors";

/** One account's credentials, handed to that stack's Pulumi process as the standard AWS variables. */
export type AwsCredentials = { profile: string } | { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export interface BackendOptions {
    projectDir: string;
    /** Any Pulumi backend URL; default: a file backend inside the project (see defaultBackendUrl). */
    backendUrl?: string;
    /** Passphrase of the passphrase secrets provider; default: PULUMI_CONFIG_PASSPHRASE from the environment. */
    passphrase?: string;
    /**
     * Secrets provider for stacks the driver creates; default: `passphrase` on a self-managed
     * backend, the service's own on Pulumi Cloud.
     */
    secretsProvider?: string;
}

export interface BackendSettings {
    backendUrl: string;
    /** Passed to `pulumi stack init`; undefined leaves the backend's default. */
    secretsProvider?: string;
    /** Environment of every stack's Pulumi process. */
    env: Record<string, string>;
}

/** State lives in the project, under `.pulumi/` (git-ignored), so a first run needs no Pulumi account. */
export function defaultStateDir(projectDir: string): string {
    return path.join(path.resolve(projectDir), ".pulumi", "state");
}

export function defaultBackendUrl(projectDir: string): string {
    return `file://${defaultStateDir(projectDir)}`;
}

export function backendSettings(options: BackendOptions, processEnv: NodeJS.ProcessEnv): BackendSettings {
    const backendUrl = options.backendUrl ?? defaultBackendUrl(options.projectDir);
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(backendUrl)) {
        throw new DriverError(
            `backend URL ${JSON.stringify(backendUrl)} is not a URL; expected e.g. file:///abs/path, s3://bucket, https://api.pulumi.com`,
        );
    }
    const selfManaged = !/^https?:\/\//i.test(backendUrl);
    const secretsProvider = options.secretsProvider ?? (selfManaged ? "passphrase" : undefined);
    // No "a new version is available" notice in every stack's output.
    const env: Record<string, string> = { PULUMI_BACKEND_URL: backendUrl, PULUMI_SKIP_UPDATE_CHECK: "true" };
    if (secretsProvider === "passphrase") {
        const passphrase = options.passphrase ?? processEnv.PULUMI_CONFIG_PASSPHRASE;
        if (passphrase !== undefined) {
            env.PULUMI_CONFIG_PASSPHRASE = passphrase;
        } else if (processEnv.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
            // No built-in default: a passphrase everyone knows would not protect the stacks' secrets.
            throw new DriverError(
                `the backend ${backendUrl} encrypts stack secrets with a passphrase, and none is set: ` +
                    "export PULUMI_CONFIG_PASSPHRASE=<passphrase> (or PULUMI_CONFIG_PASSPHRASE_FILE=<file holding it>) " +
                    "and keep it: the stacks' secrets cannot be read without it",
            );
        }
    }
    return { backendUrl, secretsProvider, env };
}

/**
 * The AWS variables for one stack. The other kind of credentials is cleared so that nothing
 * inherited from the shell competes with what was given for this account.
 */
export function credentialsEnv(stackName: string, credentials: AwsCredentials): Record<string, string> {
    if ("profile" in credentials && isFilled(credentials.profile)) {
        return { AWS_PROFILE: credentials.profile, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_SESSION_TOKEN: "" };
    }
    if ("accessKeyId" in credentials && isFilled(credentials.accessKeyId) && isFilled(credentials.secretAccessKey)) {
        return {
            AWS_PROFILE: "",
            AWS_DEFAULT_PROFILE: "",
            AWS_ACCESS_KEY_ID: credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
            AWS_SESSION_TOKEN: credentials.sessionToken ?? "",
        };
    }
    throw new DriverError(
        `credentials for stack ${stackName}: expected { profile } or { accessKeyId, secretAccessKey, sessionToken? } with non-empty values`,
    );
}

function isFilled(value: unknown): value is string {
    return typeof value === "string" && value.trim() !== "";
}
