// The service's settings, from its environment: read and checked by env-schema against the JSON Schema
// below, every problem in one message, before anything starts.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import envSchema from "env-schema";

export interface ServiceSettings {
    port: number;
    host: string;
    /** The bearer token every route but /healthz requires. */
    token: string;
    /** The Pulumi project runs operate on (its Pulumi.yaml, stack files and policy pack). */
    projectDir: string;
    /** Where each run's request, events and report are appended, one file per run. */
    recordsDir: string;
    /** Plans that run at the same time, each in a process of its own. */
    planConcurrency: number;
    /** Plans that may wait for one of those; past that, 429. */
    planQueue: number;
    planTimeoutMs: number;
    /** A run still going this long after SIGTERM gets its CLIs stopped at once (the driver's `terminate`). */
    shutdownGraceMs: number;
    logLevel: string;
}

/** Settings that keep the service from starting; the message names each and what is expected. */
export class SettingsError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("; "));
        this.name = "SettingsError";
    }
}

/** A token shorter than this is refused: it must not be guessable (`openssl rand -hex 32` gives 64 characters). */
export const MIN_TOKEN_LENGTH = 32;

/**
 * Plans at a time when PIPELINE_SERVICE_PLAN_CONCURRENCY does not say: one per two cores. A plan's access checks
 * already run on every core (verification/parallelChecks.ts): on 2 cores, 2 plans at a time finish no more plans per
 * second than 1 (npm run bench:service), each taking twice as long.
 */
export function defaultPlanConcurrency(cores: number): number {
    return Math.max(1, Math.floor(cores / 2));
}

/** The environment the service reads, as JSON Schema: env-schema coerces and checks it. */
const environmentSchema = {
    type: "object",
    properties: {
        PORT: { type: "integer", minimum: 0, maximum: 65535, default: 8080 },
        HOST: { type: "string", minLength: 1, default: "127.0.0.1" },
        PIPELINE_SERVICE_TOKEN: { type: "string" },
        PIPELINE_SERVICE_TOKEN_FILE: { type: "string", minLength: 1 },
        PIPELINE_PROJECT_DIR: { type: "string", minLength: 1 },
        PIPELINE_SERVICE_RECORDS: { type: "string", minLength: 1 },
        PIPELINE_SERVICE_PLAN_CONCURRENCY: { type: "integer", minimum: 1, maximum: 64 },
        PIPELINE_SERVICE_PLAN_QUEUE: { type: "integer", minimum: 0, maximum: 1000, default: 8 },
        PIPELINE_SERVICE_PLAN_TIMEOUT_SECONDS: { type: "integer", minimum: 1, default: 120 },
        PIPELINE_SERVICE_SHUTDOWN_GRACE_SECONDS: { type: "integer", minimum: 0, default: 20 },
        LOG_LEVEL: { type: "string", enum: ["fatal", "error", "warn", "info", "debug", "trace", "silent"], default: "info" },
    },
} as const;

interface Environment {
    PORT: number;
    HOST: string;
    PIPELINE_SERVICE_TOKEN?: string;
    PIPELINE_SERVICE_TOKEN_FILE?: string;
    PIPELINE_PROJECT_DIR?: string;
    PIPELINE_SERVICE_RECORDS?: string;
    PIPELINE_SERVICE_PLAN_CONCURRENCY?: number;
    PIPELINE_SERVICE_PLAN_QUEUE: number;
    PIPELINE_SERVICE_PLAN_TIMEOUT_SECONDS: number;
    PIPELINE_SERVICE_SHUTDOWN_GRACE_SECONDS: number;
    LOG_LEVEL: string;
}

interface AjvProblem {
    instancePath: string;
    message?: string;
    params: Record<string, unknown>;
}

/** The settings from `env`; relative paths are relative to `cwd`. Throws SettingsError naming every problem. */
export function readSettings(env: NodeJS.ProcessEnv, cwd: string): ServiceSettings {
    let read: Environment;
    try {
        // Only the variables above are read; `env: false` keeps env-schema from reading process.env itself.
        read = envSchema<Environment>({ schema: environmentSchema, data: { ...env }, env: false });
    } catch (e) {
        const problems = ((e as { errors?: AjvProblem[] }).errors ?? []).map((problem) => environmentProblem(problem, env));
        throw new SettingsError(problems.length > 0 ? problems : [(e as Error).message]);
    }
    const problems: string[] = [];
    const projectDir = path.resolve(cwd, read.PIPELINE_PROJECT_DIR ?? ".");
    if (!fs.existsSync(path.join(projectDir, "Pulumi.yaml"))) {
        problems.push(`${projectDir} has no Pulumi.yaml; run the service in the Pulumi project its runs operate on, or name it in PIPELINE_PROJECT_DIR`);
    }
    let token = "";
    try {
        token = tokenOf(read.PIPELINE_SERVICE_TOKEN, read.PIPELINE_SERVICE_TOKEN_FILE, cwd);
    } catch (e) {
        problems.push(...(e as SettingsError).problems);
    }
    if (problems.length > 0) {
        throw new SettingsError(problems);
    }
    return {
        port: read.PORT,
        host: read.HOST,
        token,
        projectDir,
        recordsDir: path.resolve(cwd, read.PIPELINE_SERVICE_RECORDS ?? path.join(projectDir, ".service-runs")),
        planConcurrency: read.PIPELINE_SERVICE_PLAN_CONCURRENCY ?? defaultPlanConcurrency(os.availableParallelism()),
        planQueue: read.PIPELINE_SERVICE_PLAN_QUEUE,
        planTimeoutMs: read.PIPELINE_SERVICE_PLAN_TIMEOUT_SECONDS * 1000,
        shutdownGraceMs: read.PIPELINE_SERVICE_SHUTDOWN_GRACE_SECONDS * 1000,
        logLevel: read.LOG_LEVEL,
    };
}

/** `PORT must be integer, not "abc"`: a variable, what is wrong with it. */
function environmentProblem(problem: AjvProblem, env: NodeJS.ProcessEnv): string {
    const variable = problem.instancePath.replace(/^\//, "");
    const expected = Array.isArray(problem.params.allowedValues) ? `must be one of ${problem.params.allowedValues.join(", ")}` : problem.message ?? "is not valid";
    return `${variable} ${expected}, not ${JSON.stringify(env[variable])}`;
}

/** The token: from the variable or the file it names (its last line break dropped), exactly one of them, long enough. */
export function tokenOf(given: string | undefined, file: string | undefined, cwd: string): string {
    if (given !== undefined && file !== undefined) {
        throw new SettingsError(["both PIPELINE_SERVICE_TOKEN and PIPELINE_SERVICE_TOKEN_FILE are set; set one of them"]);
    }
    let token = given;
    if (file !== undefined) {
        const full = path.resolve(cwd, file);
        try {
            token = fs.readFileSync(full, "utf8").replace(/\r?\n$/, "");
        } catch (e) {
            throw new SettingsError([`PIPELINE_SERVICE_TOKEN_FILE ${full} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a file holding the token`]);
        }
    }
    if (token === undefined || token === "") {
        throw new SettingsError([
            "no token: set PIPELINE_SERVICE_TOKEN, or PIPELINE_SERVICE_TOKEN_FILE to a file holding it; every route but /healthz requires it " +
            "(generate one with `openssl rand -hex 32`)",
        ]);
    }
    if (/\s/.test(token)) {
        throw new SettingsError(["the token contains white space; expected one word (generate one with `openssl rand -hex 32`)"]);
    }
    if (token.length < MIN_TOKEN_LENGTH) {
        throw new SettingsError([
            `the token is ${token.length} characters long; expected at least ${MIN_TOKEN_LENGTH}, so that it cannot be guessed ` +
            "(generate one with `openssl rand -hex 32`)",
        ]);
    }
    return token;
}
