import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    backendChoice,
    backendEnv,
    checkBackendUrl,
    createdForTheRun,
    credentialsEnv,
    defaultBackendUrl,
    processEnv,
    readLogin,
    usesPassphrase,
} from "../../automation/environment";
import { DriverError } from "../../automation/errors";
import { driverCredentialsVariable } from "../../config";

const projectDir = path.resolve("/work/project");
const FILE = "file:///srv/state";
const CLOUD = "https://api.pulumi.com";

describe("automation: which backend", () => {
    it("takes the option as given, before anything the CLI would look at", () => {
        const choice = backendChoice({ backendUrl: "s3://state" }, { PULUMI_BACKEND_URL: FILE }, { login: { url: CLOUD, file: "c.json" } });
        assert.deepStrictEqual(choice, { chosen: true, source: "--backend / backendUrl", url: "s3://state" });
    });

    it("otherwise follows the CLI's own order: PULUMI_BACKEND_URL, backend.url in Pulumi.yaml, pulumi login, an access token", () => {
        const login = { url: CLOUD, file: "/home/u/.pulumi/credentials.json" };
        const all = { projectBackendUrl: "s3://project", login };
        assert.deepStrictEqual(backendChoice({}, { PULUMI_BACKEND_URL: FILE, PULUMI_ACCESS_TOKEN: "t" }, all), {
            chosen: true,
            source: "PULUMI_BACKEND_URL",
        });
        assert.deepStrictEqual(backendChoice({}, { PULUMI_ACCESS_TOKEN: "t" }, all), { chosen: true, source: "backend.url in Pulumi.yaml" });
        assert.deepStrictEqual(backendChoice({}, { PULUMI_ACCESS_TOKEN: "t" }, { login }), {
            chosen: true,
            source: "pulumi login (/home/u/.pulumi/credentials.json)",
        });
        assert.deepStrictEqual(backendChoice({}, { PULUMI_ACCESS_TOKEN: "t" }, {}), { chosen: true, source: "PULUMI_ACCESS_TOKEN (Pulumi Cloud)" });
        assert.deepStrictEqual(backendChoice({}, {}, {}), { chosen: false });
        assert.strictEqual(defaultBackendUrl(projectDir), "file:///work/project/.pulumi/state");
    });

    it("reads the backend `pulumi login` stored, where the CLI keeps it", () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-home-"));
        try {
            assert.strictEqual(readLogin({ PULUMI_HOME: home }), undefined, "no login file");
            fs.writeFileSync(path.join(home, "credentials.json"), JSON.stringify({ current: "s3://team-state", accounts: {} }));
            assert.deepStrictEqual(readLogin({ PULUMI_HOME: home }), { url: "s3://team-state", file: path.join(home, "credentials.json") });
            fs.writeFileSync(path.join(home, "credentials.json"), JSON.stringify({ accounts: {} }));
            assert.strictEqual(readLogin({ PULUMI_HOME: home }), undefined, "logged out");
        } finally {
            fs.rmSync(home, { recursive: true, force: true });
        }
    });

    it("rejects a backend that is not a URL, naming it", () => {
        assert.throws(() => checkBackendUrl("./state"), /backend URL "\.\/state" is not a URL/);
        checkBackendUrl("azblob://container");
    });
});

describe("automation: which stacks need a passphrase", () => {
    it("is decided by the stack file's provider, its salt, or the backend's default", () => {
        const plain = { hasEncryptionSalt: false };
        assert.strictEqual(usesPassphrase(plain, FILE), true, "a self-managed backend's default is the passphrase");
        assert.strictEqual(usesPassphrase(plain, CLOUD), false, "Pulumi Cloud's default is its own provider");
        assert.strictEqual(usesPassphrase({ hasEncryptionSalt: true }, CLOUD), true, "created with the passphrase on Pulumi Cloud");
        assert.strictEqual(usesPassphrase({ secretsProvider: "awskms://alias/pulumi", hasEncryptionSalt: false }, FILE), false);
        assert.strictEqual(usesPassphrase({ secretsProvider: "passphrase", hasEncryptionSalt: false }, CLOUD), true);
        assert.strictEqual(usesPassphrase(plain, FILE, "awskms://alias/pulumi"), false, "a new stack created with another provider");
    });

    it("stops the run only when a stack that needs it has no passphrase, naming the stacks", () => {
        assert.throws(
            () => backendEnv(FILE, {}, {}, ["accountA", "accountB"]),
            (error: unknown) =>
                error instanceof DriverError &&
                /^stacks accountA, accountB encrypt their secrets with a passphrase \(backend file:\/\/\/srv\/state\)/.test(error.message) &&
                /export PULUMI_CONFIG_PASSPHRASE=/.test(error.message),
        );
        assert.deepStrictEqual(backendEnv(CLOUD, {}, {}, []), { PULUMI_BACKEND_URL: CLOUD, PULUMI_SKIP_UPDATE_CHECK: "true" });
    });

    it("takes the passphrase from the options before the environment, and accepts a passphrase file", () => {
        assert.strictEqual(backendEnv(FILE, { passphrase: "given" }, { PULUMI_CONFIG_PASSPHRASE: "env" }, ["a"]).PULUMI_CONFIG_PASSPHRASE, "given");
        const fromFile = backendEnv(FILE, {}, { PULUMI_CONFIG_PASSPHRASE_FILE: "/run/secrets/passphrase" }, ["a"]);
        assert.strictEqual(fromFile.PULUMI_CONFIG_PASSPHRASE, undefined, "the CLI reads the file itself");
        assert.strictEqual(backendEnv(FILE, {}, { PULUMI_CONFIG_PASSPHRASE: "" }, ["a"]).PULUMI_CONFIG_PASSPHRASE, "", "an empty passphrase is one");
    });
});

describe("automation: credentials", () => {
    it("gives a stack's credentials to its AWS providers only, through the program's variable, not AWS_PROFILE", () => {
        assert.deepStrictEqual(credentialsEnv("accountA", { profile: "pipeline-admin" }), {
            [driverCredentialsVariable]: JSON.stringify({ profile: "pipeline-admin" }),
        });
        assert.deepStrictEqual(credentialsEnv("accountB", { assumeRoleArn: "arn:aws:iam::222222222222:role/Deployer" }), {
            [driverCredentialsVariable]: JSON.stringify({ assumeRoleArn: "arn:aws:iam::222222222222:role/Deployer" }),
        });
    });

    it("refuses incomplete credentials, and sends static keys to the stack's process environment, naming the stack", () => {
        assert.throws(() => credentialsEnv("accountB", { profile: "" }), /^DriverError: credentials for stack accountB: expected \{ profile \} or \{ assumeRoleArn \}/);
        assert.throws(
            () => credentialsEnv("accountB", { profile: "a", assumeRoleArn: "arn:aws:iam::222222222222:role/D" } as unknown as { profile: string }),
            /credentials for stack accountB: expected \{ profile \} or \{ assumeRoleArn \}/,
        );
        assert.throws(
            () => credentialsEnv("accountB", { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s" } as unknown as { profile: string }),
            /static keys go in the stack's process environment: environment: \{ accountB: \{ AWS_ACCESS_KEY_ID/,
        );
        assert.throws(() => processEnv("accountB", { "AWS KEY": "x" }), /environment for stack accountB: "AWS KEY"/);
    });
});


describe("automation: the default backend's folder, created for a run", () => {
    const withProject = (test: (project: string, stateDir: string) => void) => {
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "default-backend-"));
        try {
            test(project, path.join(project, ".pulumi", "state"));
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    };
    const write = (file: string) => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, "");
    };

    it("is removed with what the CLI left in it when no stack is in it at the end", () => withProject((project, stateDir) => {
        const cleanUp = createdForTheRun(stateDir);
        write(path.join(stateDir, ".pulumi", "meta.yaml"));
        write(path.join(stateDir, ".pulumi", "backups", "cross-account-pipeline", "accountB", "accountB.1.json.bak"));
        fs.mkdirSync(path.join(stateDir, ".pulumi", "stacks", "cross-account-pipeline"), { recursive: true });
        cleanUp();
        assert.ok(!fs.existsSync(path.join(project, ".pulumi")));
    }));

    it("is kept when a stack file of any form is in it, and never touched when it was there before", () => withProject((project, stateDir) => {
        for (const stackFile of ["accountB.json", "accountB.json.gz", "accountB.json.zst"]) {
            const cleanUp = createdForTheRun(stateDir);
            write(path.join(stateDir, ".pulumi", "stacks", "cross-account-pipeline", stackFile));
            cleanUp();
            assert.ok(fs.existsSync(path.join(stateDir, ".pulumi", "stacks", "cross-account-pipeline", stackFile)), stackFile);
            fs.rmSync(path.join(project, ".pulumi"), { recursive: true });
        }
        fs.mkdirSync(stateDir, { recursive: true });
        createdForTheRun(stateDir)();
        assert.ok(fs.existsSync(stateDir));
    }));
});
