// The artifacts of a region are shared by every target of that region: a target account that may write them
// can change what the others deploy. Only the principals that produce artifacts may write: in another account,
// the producer roles of an extra action with output artifacts, under their own path; never a deploy or instance role.
import { accountOfArn, targetRoleKindOf } from "../../definition/names";
import { pipelinesIn, stagesOf } from "./pipelines";
import { accountRootOf, conditionValues, coversAction, DeclaredPolicy, policiesOfKind, Statement } from "./policyDocuments";
import { knownString, resourcesOfType, Rule, RuleResource, RuleViolation, violation } from "./rule";

export const onlyProducersWriteRule: Rule = {
    name: "only-producers-write-artifacts",
    description: "No bucket or key policy lets another account's principals change objects or encrypt, but the producer roles of accounts where " +
        "an action produces artifacts; no role under a pipeline's deploy or instance path is allowed either.",
    enforcement: "mandatory",
    scope: "stack",
    check: (resources) => [...resourcePolicyViolations(resources), ...identityPolicyViolations(resources)],
};

/** The requests that change what a deployment fetches, or encrypt with a key: one statement allowing any of them writes. */
const writes = [
    "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ReplicateObject", "s3:RestoreObject",
    "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptTo", "kms:CreateGrant",
];

function writesOf(statement: Statement): string[] {
    return statement.effect === "Allow" ? writes.filter((action) => coversAction(statement, action)) : [];
}

const producerOnly = "grant writes only to the producer path (arn:<partition>:iam::<account>:role/cross-account-pipeline/<pipeline account>/<pipeline>/producer/*) " +
    "of the accounts whose extra actions produce artifacts; deploy and instance roles only read";

function resourcePolicyViolations(resources: RuleResource[]): RuleViolation[] {
    const producers = producingAccounts(resources);
    return policiesOfKind(resources, "bucket", "key").flatMap((policy) => {
        const ownAccount = policy.resource.accountId;
        // Without the policy's own account, "another account" cannot be told.
        return ownAccount === undefined ? [] : policy.statements.flatMap((statement) => {
            const written = writesOf(statement);
            const foreign = foreignPrincipals(statement, ownAccount);
            if (written.length === 0 || foreign.length === 0) {
                return [];
            }
            const problem = foreignWriteProblem(statement, foreign, producers);
            return problem ? [violation(policy.resource, `${statement.label} of ${policy.field} allows ${written.join(", ")} to ${problem}; ${producerOnly}`)] : [];
        });
    });
}

/** The principals of another account than `ownAccount` a statement names (`*` for anyone), with the account each is in. */
function foreignPrincipals(statement: Statement, ownAccount: string): { principal: string; account?: string }[] {
    return statement.principals.filter((p) => p.type === "AWS" || p.type === "*").flatMap((p) => {
        const account = accountRootOf(p) ?? accountOfArn(p.value);
        return account === ownAccount ? [] : [{ principal: p.value, account }];
    });
}

/** What is wrong with a write to these principals of other accounts, or undefined when they are producer roles of producing accounts. */
function foreignWriteProblem(statement: Statement, foreign: { principal: string; account?: string }[], producers: Set<string> | undefined): string | undefined {
    const narrowedTo = conditionValues(statement, ["ArnLike", "ArnEquals"], "aws:PrincipalArn");
    const narrowedToProducers = narrowedTo !== undefined && narrowedTo.length > 0 && narrowedTo.every((pattern) => targetRoleKindOf(pattern) === "producer");
    const notProducers = foreign.filter(({ principal }) => targetRoleKindOf(principal) !== "producer" && !narrowedToProducers);
    if (notProducers.length > 0) {
        const named = narrowedTo ? ` (aws:PrincipalArn ${narrowedTo.join(", ")})` : "";
        return `${notProducers.map(({ principal }) => principal).join(", ")}${named}, which are not only producer roles`;
    }
    const producingNothing = producers === undefined ? [] : [...new Set(foreign.map(({ account }) => account ?? "*"))].filter((account) => !producers.has(account));
    return producingNothing.length > 0
        ? `the producer roles of account ${producingNothing.join(", ")}, where no action of the stack's pipeline produces artifacts`
        : undefined;
}

/**
 * The accounts where an action of a pipeline of the stack produces artifacts (the account of its role), or
 * undefined when the stack declares no pipeline or a pipeline's stages are not known yet: then only the path is checked.
 */
function producingAccounts(resources: RuleResource[]): Set<string> | undefined {
    const pipelines = pipelinesIn(resources);
    const stages = pipelines.map(stagesOf);
    if (pipelines.length === 0 || stages.some((s) => s === undefined)) {
        return undefined;
    }
    return new Set(stages.flatMap((list) => list!.flatMap((stage) => stage.actions))
        .filter((action) => (action.outputArtifacts ?? []).length > 0 && action.roleArn !== undefined)
        .flatMap((action) => accountOfArn(action.roleArn!) ?? []));
}

/** A deploy or instance role whose own policies let it write: that is a producer's, and only in another role. */
function identityPolicyViolations(resources: RuleResource[]): RuleViolation[] {
    const readingRoles = new Map(resourcesOfType(resources, "aws:iam/role:Role").flatMap((role) => {
        const kind = targetRoleKindOf(knownString(role.props.path) ?? "");
        const name = knownString(role.props.name);
        return name !== undefined && (kind === "deploy" || kind === "instance") ? [[name, kind] as const] : [];
    }));
    return policiesOfKind(resources, "identity").flatMap((policy) => {
        const kind = readingRoles.get(roleNameOf(policy) ?? "");
        return kind === undefined ? [] : policy.statements.flatMap((statement) => {
            const written = writesOf(statement);
            return written.length === 0 ? [] : [violation(policy.resource,
                `${statement.label} of ${policy.field} lets ${roleNameOf(policy)}, a role under the ${kind} path, ${written.join(", ")}; ` +
                "a deploy or instance role only reads and decrypts artifacts: give writes to the target's producer role (an extra action with outputArtifacts)")];
        });
    });
}

/** The role an identity policy is of: the role itself for its inline policies, the role a RolePolicy names. */
function roleNameOf(policy: DeclaredPolicy): string | undefined {
    return policy.resource.type === "aws:iam/role:Role" ? knownString(policy.resource.props.name) : knownString(policy.resource.props.role);
}
