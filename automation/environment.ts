// What each stack's Pulumi process is given: the backend the user chose, the secrets passphrase
// when a stack needs one, and the AWS credentials of the stack's account, for its AWS providers only.
// Pure functions over the options and process.env (and the login file the CLI keeps).

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { driverCredentialsVariable } from "../config";
import { DriverError } from "./errors";
import { StackSecrets } from "./stackFiles";

/**
 * One account's credentials, for the AWS providers of that stack's account only: a profile, or a role the provider
 * assumes (with the environment's credentials). The Pulumi CLI itself (its s3:// backend, its awskms:// secrets
 * provider) keeps the environment's credentials.
 */
export type AwsCredentials = { profile: string } | { assumeRoleArn: string };

export interface BackendOptions {
    projectDir: string;
    /** Any Pulumi backend URL; default: the one the user chose for the Pulumi CLI (see backendChoice). */
    backendUrl?: string;
    /** Passphrase of the passphrase secrets provider; default: PULUMI_CONFIG_PASSPHRASE from the environment. */
    passphrase?: string;
    /**
     * Secrets provider for stacks the driver creates; default: the stack file's `secretsprovider`,
     * else the backend's default (`passphrase` on a self-managed backend, the service's own on Pulumi Cloud).
     */
    secretsProvider?: string;
    /**
     * The organization of the stacks on Pulumi Cloud (every stack is opened as `<organization>/<project>/<stack>`);
     * default: the one targets[].stack names, else the CLI's default organization. A self-managed backend has one,
     * `organization`.
     */
    organization?: string;
}

/** How the backend was chosen; `url` when it is known without asking the CLI. */
export type BackendChoice =
    | { chosen: true; source: string; url?: string }
    | { chosen: false };

/** What the user told the Pulumi CLI about backends, besides the driver's own option. */
export interface BackendHints {
    /** `backend.url` of the project's Pulumi.yaml. */
    projectBackendUrl?: string;
    /** The `current` backend of the CLI's login file, with that file's path. */
    login?: { url: string; file: string };
}

/**
 * Which backend the user chose: the driver's option, then what the Pulumi CLI itself looks at, in
 * its order (pulumi/pulumi `pkg/workspace` GetCurrentCloudURL: PULUMI_BACKEND_URL, then
 * `backend.url` in Pulumi.yaml, then the `current` backend `pulumi login` stored), and last an
 * access token, with which the CLI logs in to Pulumi Cloud. Only the option's URL is taken as
 * given; for the others the CLI is asked (`pulumi whoami --json`), so that the URL is the one it uses.
 */
export function backendChoice(options: Pick<BackendOptions, "backendUrl">, env: NodeJS.ProcessEnv, hints: BackendHints): BackendChoice {
    if (options.backendUrl !== undefined) {
        return { chosen: true, source: "--backend / backendUrl", url: options.backendUrl };
    }
    if (env.PULUMI_BACKEND_URL) {
        return { chosen: true, source: "PULUMI_BACKEND_URL" };
    }
    if (hints.projectBackendUrl) {
        return { chosen: true, source: "backend.url in Pulumi.yaml" };
    }
    if (hints.login) {
        return { chosen: true, source: `pulumi login (${hints.login.file})` };
    }
    if (env.PULUMI_ACCESS_TOKEN) {
        return { chosen: true, source: "PULUMI_ACCESS_TOKEN (Pulumi Cloud)" };
    }
    return { chosen: false };
}

/**
 * The login file of the Pulumi CLI and its current backend, if any: `credentials.json` in
 * PULUMI_CREDENTIALS_PATH, else PULUMI_HOME, else `~/.pulumi` (the CLI's getCredsFilePath).
 */
export function readLogin(env: NodeJS.ProcessEnv): BackendHints["login"] {
    const folder = env.PULUMI_CREDENTIALS_PATH || env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");
    const file = path.join(folder, "credentials.json");
    try {
        const current = (JSON.parse(fs.readFileSync(file, "utf8")) as { current?: unknown }).current;
        return typeof current === "string" && current !== "" ? { url: current, file } : undefined;
    } catch {
        return undefined; // no login file, or one the CLI would not read either
    }
}

/** When no backend is chosen, state lives in the project, under `.pulumi/` (git-ignored), so a first run needs no Pulumi account. */
export function defaultStateDir(projectDir: string): string {
    return path.join(path.resolve(projectDir), ".pulumi", "state");
}

export function defaultBackendUrl(projectDir: string): string {
    return `file://${defaultStateDir(projectDir)}`;
}

/** Pulumi Cloud (or a self-hosted Pulumi service) is reached over HTTP(S); every other URL is a self-managed backend. */
/**
 * Creates the default file backend's directory; the function returned removes it again, with what the Pulumi CLI
 * wrote there (its meta.yaml, a temporary record's backups), when this run created it and no stack file of any
 * kind is in it at the end (a preview, a declined `--up`): such a run leaves the project as it found it. A stack
 * file in any of the CLI's forms (`.json`, `.json.gz`, `.json.zst`, ...) keeps it all.
 */
export function createdForTheRun(stateDir: string): () => void {
    const created = fs.mkdirSync(stateDir, { recursive: true });
    if (created === undefined) {
        return () => undefined;
    }
    return () => {
        const stacksDir = path.join(stateDir, ".pulumi", "stacks");
        const holdsAStack = fs.existsSync(stacksDir) &&
            fs.readdirSync(stacksDir, { recursive: true, withFileTypes: true }).some((entry) => !entry.isDirectory());
        if (!holdsAStack) {
            fs.rmSync(created, { recursive: true, force: true });
        }
    };
}

export function isServiceBackend(backendUrl: string): boolean {
    return /^https?:\/\//i.test(backendUrl);
}

export function checkBackendUrl(backendUrl: string): void {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(backendUrl)) {
        throw new DriverError(
            `backend URL ${JSON.stringify(backendUrl)} is not a URL; expected e.g. file:///abs/path, s3://bucket, https://api.pulumi.com`,
        );
    }
}

/**
 * Whether a stack's secrets are encrypted with a passphrase: its file's `secretsprovider`, else
 * its `encryptionsalt` (written by the passphrase provider), else the provider a new stack gets.
 */
export function usesPassphrase(secrets: StackSecrets, backendUrl: string, secretsProvider?: string): boolean {
    const provider =
        secrets.secretsProvider && secrets.secretsProvider !== "default"
            ? secrets.secretsProvider
            : secrets.hasEncryptionSalt
              ? "passphrase"
              : (secretsProvider ?? "default");
    return provider === "passphrase" || (provider === "default" && !isServiceBackend(backendUrl));
}

/**
 * The environment every stack's Pulumi process gets: the backend, and the passphrase when one is
 * given. `needPassphrase` are the stacks of the run that use the passphrase provider; without a
 * passphrase for them the run does not start.
 */
export function backendEnv(
    backendUrl: string,
    options: Pick<BackendOptions, "passphrase">,
    env: NodeJS.ProcessEnv,
    needPassphrase: readonly string[],
): Record<string, string> {
    // No "a new version is available" notice in every stack's output.
    const result: Record<string, string> = { PULUMI_BACKEND_URL: backendUrl, PULUMI_SKIP_UPDATE_CHECK: "true" };
    const passphrase = options.passphrase ?? env.PULUMI_CONFIG_PASSPHRASE;
    if (passphrase !== undefined) {
        result.PULUMI_CONFIG_PASSPHRASE = passphrase;
    } else if (needPassphrase.length > 0 && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
        // No built-in default: a passphrase everyone knows would not protect the stacks' secrets.
        const several = needPassphrase.length > 1;
        throw new DriverError(
            `${several ? "stacks" : "stack"} ${needPassphrase.join(", ")} ${several ? "encrypt their" : "encrypts its"} secrets with a passphrase ` +
                `(backend ${backendUrl}), and none is set: export PULUMI_CONFIG_PASSPHRASE=<passphrase> ` +
                "(or PULUMI_CONFIG_PASSPHRASE_FILE=<file holding it>) and keep it: the stacks' secrets cannot be read without it",
        );
    }
    return result;
}

/**
 * What gives one stack's AWS providers their credentials: the program's driverCredentialsVariable, which only the
 * program reads (config/index.ts), not AWS_PROFILE, which the Pulumi CLI would use for its backend and secrets
 * provider too. Static keys are refused here: as provider inputs they would be kept in the stack's state; a stack's
 * process environment (`environment`) takes them, for the CLI and the providers alike.
 */
export function credentialsEnv(stackName: string, credentials: AwsCredentials): Record<string, string> {
    const given = credentials as Record<string, unknown>;
    const kinds = ["profile", "assumeRoleArn"].filter((kind) => isFilled(given[kind]));
    if (kinds.length === 1 && Object.keys(given).length === 1) {
        return { [driverCredentialsVariable]: JSON.stringify({ [kinds[0]]: given[kinds[0]] }) };
    }
    const keys = "accessKeyId" in given ? "; static keys go in the stack's process environment: environment: { " +
        `${stackName}: { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } }, which the Pulumi CLI's backend uses too` : "";
    throw new DriverError(`credentials for stack ${stackName}: expected { profile } or { assumeRoleArn } with a non-empty value${keys}`);
}

/** Extra variables of each named stack's Pulumi process (`environment`): names must be environment variable names. */
export function processEnv(stackName: string, variables: Record<string, string>): Record<string, string> {
    const bad = Object.entries(variables).find(([name, value]) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || typeof value !== "string");
    if (bad) {
        throw new DriverError(`environment for stack ${stackName}: ${JSON.stringify(bad[0])} = ${JSON.stringify(bad[1])}; expected variable names and string values`);
    }
    return variables;
}

function isFilled(value: unknown): value is string {
    return typeof value === "string" && value.trim() !== "";
}
