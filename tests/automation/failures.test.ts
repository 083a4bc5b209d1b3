import * as assert from "assert";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { StackFailure } from "../../automation/errors";
import { describeFailure, summarizeErrorOutput } from "../../automation/failures";

// The Automation API builds its errors from the CLI's output with these (internal, untyped) helpers;
// using them makes the tests see exactly what a real run throws.
const { CommandResult } = require("@pulumi/pulumi/automation/cmd") as {
    CommandResult: new (stdout: string, stderr: string, code: number) => unknown;
};
const { createCommandError } = require("@pulumi/pulumi/automation/errors") as { createCommandError: (result: unknown) => Error };

function commandError(stderr: string, stdout = ""): Error {
    return createCommandError(new CommandResult(stdout, stderr, 255));
}

const context = { stack: "accountB", backendUrl: "file:///work/project/.pulumi/state" };

describe("automation: clear messages for failures", () => {
    it("explains how to install a missing Pulumi CLI", async () => {
        const error = await PulumiCommand.get({ root: "/nonexistent/pulumi-root" }).then(
            () => assert.fail("found a Pulumi CLI that does not exist"),
            (thrown: unknown) => thrown,
        );
        const failure = describeFailure(error, context);
        assert.strictEqual(failure.kind, "pulumi-cli-missing");
        assert.match(failure.message, /Pulumi CLI was not found/);
        assert.match(failure.message, /get\.pulumi\.com/);
    });

    it("explains a concurrent update, on Pulumi Cloud and on a file backend", () => {
        const cloud = commandError("error: [409] Conflict: Another update is currently in progress.");
        assert.strictEqual(cloud.name, "ConcurrentUpdateError");
        const diy = commandError("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end");
        for (const error of [cloud, diy]) {
            const failure = describeFailure(error, context);
            assert.strictEqual(failure.kind, "concurrent-update");
            assert.match(failure.message, /another update of stack accountB is in progress/);
            assert.match(failure.message, /pulumi cancel --stack accountB/);
        }
    });

    it("knows UpdatePipeline's AssumeRole failure, which a role created moments before causes, and no other", () => {
        const updatePipeline =
            "  aws:codepipeline/pipeline:Pipeline (pipeline):\n" +
            "    error:   sdk-v2/provider2.go:572: sdk.helper_schema: updating CodePipeline Pipeline (crossaccountpipeline): operation error " +
            "CodePipeline: UpdatePipeline, https response error StatusCode: 400, RequestID: 0f3c, InvalidStructureException: Pipeline role " +
            "arn:aws:iam::111111111111:role/crossaccountpipeline/CodePipeline_Service_Role is not authorized to perform AssumeRole on action role " +
            "arn:aws:iam::444444444444:role/cross-account-pipeline/CrossAccount_Role: provider=aws@7.48.0";
        const failure = describeFailure(commandError("error: update failed", updatePipeline), { ...context, stack: "accountA" });
        assert.strictEqual(failure.kind, "role-not-yet-assumable");
        assert.match(failure.message, /^stack accountA: UpdatePipeline could not assume an action role \(error: .*444444444444.*\): a role created or changed moments before may not have propagated/);

        // CreatePipeline's is retried by the provider itself; an access denial is no propagation delay.
        const createPipeline = updatePipeline.replace("UpdatePipeline", "CreatePipeline").replace("updating", "creating");
        const denied = "    error: updating CodePipeline Pipeline (x): operation error CodePipeline: UpdatePipeline, https response error StatusCode: 400, " +
            "AccessDeniedException: User: arn:aws:sts::111111111111:assumed-role/Deployer/me is not authorized to perform: codepipeline:UpdatePipeline";
        for (const stdout of [createPipeline, denied]) {
            assert.strictEqual(describeFailure(commandError("error: update failed", stdout), context).kind, "command-failed", stdout);
        }
    });

    it("explains a stack that does not exist yet, naming the backend", () => {
        const error = commandError("error: no stack named 'accountB' found");
        assert.strictEqual(error.name, "StackNotFoundError");
        const failure = describeFailure(error, context);
        assert.strictEqual(failure.kind, "stack-not-found");
        assert.match(failure.message, /stack accountB does not exist yet in the backend file:\/\/\/work\/project\/\.pulumi\/state/);
        assert.match(failure.message, /--up --stack accountB/);
    });

    it("explains missing, expired or wrong-account AWS credentials", () => {
        const outputs = [
            "  pulumi:providers:aws (target):\n    error: pulumi:providers:aws resource 'target' has a problem: No valid credential sources found.",
            "    error: unable to validate AWS credentials.\n    Details: failed to get shared config profile, accountB-admin",
            "    error: configuring provider: AWS account ID not allowed: 333333333333",
            "    error: operation error STS: GetCallerIdentity, api error ExpiredToken: The security token included in the request is expired",
        ];
        for (const stdout of outputs) {
            const failure = describeFailure(commandError("error: update failed", stdout), context);
            assert.strictEqual(failure.kind, "credentials", stdout);
            assert.match(failure.message, /AWS credentials for stack accountB/);
            assert.match(failure.message, /--profile accountB=<profile>/);
        }
    });

    it("explains a missing or wrong secrets passphrase", () => {
        const missing = commandError(
            "error: getting secrets manager: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables",
        );
        const wrong = commandError("error: incorrect passphrase");
        for (const error of [missing, wrong]) {
            const failure = describeFailure(error, context);
            assert.strictEqual(failure.kind, "passphrase");
            assert.match(failure.message, /set PULUMI_CONFIG_PASSPHRASE/);
        }
    });

    it("explains a protected resource an operation would delete, in the current CLI's words and the old ones", () => {
        const urn = "urn:pulumi:accountA::cross-account-pipeline::cross-account-pipeline:components:ArtifactStore$aws:kms/key:Key::artifact-key";
        // What current CLIs print (the engine's step generator; the line break is theirs).
        const current =
            `    error: resource "${urn}" cannot be deleted\n` +
            "    because it is protected. To unprotect the resource, either remove the `protect` flag from the resource in your " +
            "Pulumi program and run `pulumi up`, or use the command:\n" +
            `    \`pulumi state unprotect '${urn}'\``;
        const old = `    error: Preview failed: unable to delete resource "${urn}"\n    as it is currently marked for protection. To unprotect the resource, ...`;
        for (const stdout of [current, old]) {
            const failure = describeFailure(commandError("error: update failed", stdout), { ...context, stack: "accountA" });
            assert.strictEqual(failure.kind, "protected-resource", stdout);
            assert.match(failure.message, /would delete or replace the protected resource aws:kms\/key:Key artifact-key/);
            assert.match(failure.message, /protectArtifacts: false, then up/);
            assert.ok(failure.message.includes(`pulumi state unprotect --stack accountA '${urn}'`), failure.message);
        }
    });

    it("keeps only the error lines of any other failure: no exit code, no stack trace", () => {
        const error = commandError(
            "error: update failed",
            "Updating (accountB):\n  aws:iam:Role (CrossAccount_Role):\n    error: creating IAM Role: EntityAlreadyExists\n    error: update failed\n",
        );
        const failure = describeFailure(error, context);
        assert.strictEqual(failure.kind, "command-failed");
        assert.strictEqual(failure.message, "error: creating IAM Role: EntityAlreadyExists\nerror: update failed");
        assert.doesNotMatch(failure.message, /code:|stdout:|\bat /);
    });

    it("passes a StackFailure through unchanged, and falls back to the first line of an unknown error", () => {
        const failure = new StackFailure("credentials", "already clear");
        assert.strictEqual(describeFailure(failure, context), failure);
        assert.strictEqual(summarizeErrorOutput("\n  something odd happened\n    at Object.<anonymous> (x.js:1:1)"), "something odd happened");
        assert.strictEqual(describeFailure(commandError("plugin crashed unexpectedly"), context).message, "plugin crashed unexpectedly");
    });
});
