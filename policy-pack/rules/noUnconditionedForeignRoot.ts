// Trusting another account's root trusts whoever that account's administrators let in; the grant
// must say which of its principals it is for.
import { accountRootOf, Condition, policiesOfKind, Statement } from "./policyDocuments";
import { Rule, violation } from "./rule";

export const noUnconditionedForeignRootRule: Rule = {
    name: "no-unconditioned-foreign-root",
    description: "No trust, key or bucket policy trusts another account's root without a condition narrowing it to some of that account's principals.",
    enforcement: "mandatory",
    scope: "resource",
    check: (resources) => policiesOfKind(resources, "trust", "key", "bucket").flatMap((policy) => {
        const ownAccount = policy.resource.accountId;
        // Without the policy's own account, "another account" cannot be told.
        if (!ownAccount) {
            return [];
        }
        return policy.statements.filter((statement) => statement.effect === "Allow" && !isNarrowed(statement)).flatMap((statement) =>
            foreignRoots(statement, ownAccount).map((account) => violation(policy.resource,
                `${statement.label} of ${policy.field} trusts the root of account ${account}, so any principal that account allows gets in; ` +
                `name the role instead, or add a condition that narrows it, e.g. {ArnEquals: {"aws:PrincipalArn": ["arn:aws:iam::${account}:role/<role>"]}}`)));
    }),
};

function foreignRoots(statement: Statement, ownAccount: string): string[] {
    return [...new Set(statement.principals.map(accountRootOf).filter((account): account is string => account !== undefined && account !== ownAccount))];
}

// Condition keys that pick out principals of the trusted account (lower case, as parsed).
const narrowingKeys = ["aws:principalarn", "aws:principalorgid", "aws:principalorgpaths", "aws:userid", "aws:username", "sts:externalid"];
const narrows = (condition: Condition) => narrowingKeys.includes(condition.key) || condition.key.startsWith("aws:principaltag/");

function isNarrowed(statement: Statement): boolean {
    return statement.conditions.some(narrows);
}
