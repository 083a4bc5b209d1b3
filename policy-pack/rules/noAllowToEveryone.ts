// A grant to "*" reaches every AWS account and anonymous callers: cross-account access names its accounts.
import { appliesToEveryone, declaredPolicies } from "./policyDocuments";
import { Rule, violation } from "./rule";

export const noAllowToEveryoneRule: Rule = {
    name: "no-allow-to-everyone",
    description: 'No policy statement allows Principal "*".',
    enforcement: "mandatory",
    scope: "resource",
    check: (resources) => declaredPolicies(resources).flatMap((policy) => policy.statements
        .filter((statement) => statement.effect === "Allow" && appliesToEveryone(statement))
        .map((statement) => violation(policy.resource, `${statement.label} of ${policy.field} allows Principal "*", that is anyone in any account; ` +
            'name the principals instead: a role ARN, or an account root narrowed to its roles with an "aws:PrincipalArn" condition'))),
};
