// The bootstrap of one AWS account for the example workflows (../cross-account-pipeline.yml and its S3 variant): GitHub's
// OIDC identity provider and the deploy role the workflow's jobs of this account's stacks assume (each job in the
// environment named after its stack), allowed what those stacks declare in this account and nothing else (permissions.ts).
// One stack of this project per account, run once by an administrator of that account, and again when that account's
// stacks change (README.md beside the workflows).
// The modules it uses, not the package index, which loads every module (as the program's components do).
import * as iam from "@pulumi/aws/iam";
import { Provider } from "@pulumi/aws/provider";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { z } from "zod";
import { policySize, quotas } from "../../../definition/quotas";
import { accountScope, ScopeError } from "./accountStacks";
import { deployRoleName, deployRolePolicy, deployRoleTrustPolicy, githubIssuer, oidcProviderArn, parseStateBackend, secretsProviderProblems, stsAudience } from "./permissions";

/** The project whose stacks the role deploys: the repository's root, two folders up from examples/github-actions. */
const projectDir = path.resolve(__dirname, "..", "..", "..");

const settingsSchema = z.object({
    // owner@<id>/name@<id> for a repository with GitHub's immutable subject claims
    // (https://docs.github.com/en/actions/reference/security/oidc#immutable-subject-claims).
    repository: z.string().regex(/^[\w.-]+(@\d+)?\/[\w.-]+(@\d+)?$/, "expected the GitHub repository as owner/name"),
    accountId: z.string().regex(/^\d{12}$/, "expected the account's 12 digits, quoted"),
    stacks: z.array(z.string().regex(/^[\w.-]+$/, "expected a stack name of the project")).min(1, "expected the stacks this account's role deploys"),
    branch: z.string().regex(/^[^\s:]+$/, "expected a branch name").default("main"),
    createOidcProvider: z.enum(["true", "false"]).default("true"),
    stateBackend: z.string().optional(),
});

const config = new pulumi.Config();
const parsed = settingsSchema.safeParse({
    repository: config.get("repository"),
    accountId: config.get("accountId"),
    stacks: config.getObject("stacks"),
    branch: config.get("branch"),
    createOidcProvider: config.get("createOidcProvider"),
    stateBackend: config.get("stateBackend"),
});
if (!parsed.success) {
    throw new pulumi.RunError(`Invalid configuration of ${pulumi.getProject()}:\n` +
        parsed.error.issues.map((issue) => `  - ${issue.path.join(".")}: ${issue.message}`).join("\n"));
}
const settings = parsed.data;

let scope;
try {
    scope = accountScope(projectDir, settings.accountId, settings.stacks);
} catch (error) {
    throw error instanceof ScopeError ? new pulumi.RunError(`The stacks of account ${settings.accountId}:\n${error.message}`) : error;
}
const stateBackend = settings.stateBackend === undefined ? undefined : parseStateBackend(settings.stateBackend);
if (stateBackend && secretsProviderProblems(scope).length > 0) {
    throw new pulumi.RunError(secretsProviderProblems(scope).join("\n"));
}
const policy = JSON.stringify(deployRolePolicy(scope, stateBackend));
const size = policySize("roleInlinePolicies", policy);
if (size > quotas.roleInlinePolicies.limit) {
    throw new pulumi.RunError(`the deploy role's policy for ${settings.stacks.join(", ")} is ${size} characters; IAM allows ` +
        `${quotas.roleInlinePolicies.limit} for a role's inline policies (${quotas.roleInlinePolicies.source}): too many stacks for one role`);
}

// Every resource in this account only: the provider refuses credentials of any other.
const provider = new Provider("account", { region: scope.region, allowedAccountIds: [settings.accountId] });

// One provider per account for GitHub's issuer (IAM refuses a second with the same URL): an account that has it
// already sets createOidcProvider: false. AWS validates GitHub's tokens against its own trusted root CAs, so no
// thumbprint is given (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html).
const identityProvider = settings.createOidcProvider === "true"
    ? new iam.OpenIdConnectProvider("github", { url: `https://${githubIssuer}`, clientIdLists: [stsAudience] }, { provider })
    : undefined;

const role = new iam.Role("deploy", {
    name: deployRoleName,
    description: `GitHub Actions of ${settings.repository} on ${settings.branch}: deploys ${settings.stacks.join(", ")}, each in its environment`,
    assumeRolePolicy: JSON.stringify(deployRoleTrustPolicy(scope.partition, settings.accountId, settings.repository, settings.stacks, settings.branch)),
}, { provider, dependsOn: identityProvider ? [identityProvider] : [] });
new iam.RolePolicy("deploy", { role: role.name, name: "deploy", policy }, { provider });

export const roleArn = role.arn;
export const oidcProvider = identityProvider?.arn ?? oidcProviderArn(scope.partition, settings.accountId);
export const githubEnvironments = settings.stacks;
