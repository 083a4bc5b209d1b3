import * as assert from "assert";
import * as path from "path";
import { backendSettings, credentialsEnv, defaultBackendUrl } from "../../automation/environment";
import { DriverError } from "../../automation/errors";

const projectDir = path.resolve("/work/project");

describe("automation: backend, passphrase and credentials", () => {
    it("defaults to a file backend under the project's git-ignored .pulumi directory", () => {
        assert.strictEqual(defaultBackendUrl(projectDir), "file:///work/project/.pulumi/state");
        const settings = backendSettings({ projectDir }, { PULUMI_CONFIG_PASSPHRASE: "correct horse" });
        assert.strictEqual(settings.backendUrl, "file:///work/project/.pulumi/state");
        assert.strictEqual(settings.env.PULUMI_BACKEND_URL, settings.backendUrl);
        assert.strictEqual(settings.secretsProvider, "passphrase");
        assert.strictEqual(settings.env.PULUMI_CONFIG_PASSPHRASE, "correct horse");
    });

    it("refuses to start on a self-managed backend without a passphrase, saying how to set one", () => {
        for (const backendUrl of [undefined, "s3://state-bucket"]) {
            assert.throws(
                () => backendSettings({ projectDir, backendUrl }, {}),
                (error: unknown) => error instanceof DriverError && /export PULUMI_CONFIG_PASSPHRASE=/.test(error.message),
            );
        }
    });

    it("takes the passphrase from the options before the environment, and accepts a passphrase file", () => {
        const fromOption = backendSettings({ projectDir, passphrase: "given" }, { PULUMI_CONFIG_PASSPHRASE: "env" });
        assert.strictEqual(fromOption.env.PULUMI_CONFIG_PASSPHRASE, "given");
        const fromFile = backendSettings({ projectDir }, { PULUMI_CONFIG_PASSPHRASE_FILE: "/run/secrets/passphrase" });
        assert.strictEqual(fromFile.env.PULUMI_CONFIG_PASSPHRASE, undefined, "the CLI reads the file itself");
    });

    it("uses any backend URL given, and needs no passphrase on Pulumi Cloud", () => {
        const cloud = backendSettings({ projectDir, backendUrl: "https://api.pulumi.com" }, {});
        assert.strictEqual(cloud.env.PULUMI_BACKEND_URL, "https://api.pulumi.com");
        assert.strictEqual(cloud.secretsProvider, undefined);
        assert.strictEqual(cloud.env.PULUMI_CONFIG_PASSPHRASE, undefined);
        const kms = backendSettings({ projectDir, backendUrl: "s3://state", secretsProvider: "awskms://alias/pulumi" }, {});
        assert.strictEqual(kms.secretsProvider, "awskms://alias/pulumi");
    });

    it("rejects a backend that is not a URL, naming it", () => {
        assert.throws(() => backendSettings({ projectDir, backendUrl: "./state" }, {}), /backend URL "\.\/state" is not a URL/);
    });

    it("gives a stack exactly the credentials given for it, clearing the other kind", () => {
        assert.deepStrictEqual(credentialsEnv("accountA", { profile: "pipeline-admin" }), {
            AWS_PROFILE: "pipeline-admin",
            AWS_ACCESS_KEY_ID: "",
            AWS_SECRET_ACCESS_KEY: "",
            AWS_SESSION_TOKEN: "",
        });
        assert.deepStrictEqual(credentialsEnv("accountB", { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" }), {
            AWS_PROFILE: "",
            AWS_DEFAULT_PROFILE: "",
            AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
            AWS_SECRET_ACCESS_KEY: "secret",
            AWS_SESSION_TOKEN: "",
        });
    });

    it("rejects incomplete credentials, naming the stack", () => {
        assert.throws(() => credentialsEnv("accountB", { profile: "" }), /credentials for stack accountB/);
        assert.throws(
            () => credentialsEnv("accountB", { accessKeyId: "AKIAEXAMPLE" } as unknown as { profile: string }),
            /credentials for stack accountB/,
        );
    });
});
