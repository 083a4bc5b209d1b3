// Advisory: S3 and CodeDeploy permissions on every resource are far more than a deployment needs.
import { policiesOfKind } from "./policyDocuments";
import { Rule, violation } from "./rule";

export const noWildcardDeployPermissionsRule: Rule = {
    name: "no-wildcard-deploy-permissions",
    description: 'No identity policy allows S3 or CodeDeploy actions on Resource "*".',
    enforcement: "advisory",
    scope: "resource",
    check: (resources) => policiesOfKind(resources, "identity").flatMap((policy) => policy.statements.flatMap((statement) => {
        const actions = statement.actions.filter((action) => action === "*" || /^(s3|codedeploy):/i.test(action));
        if (statement.effect !== "Allow" || actions.length === 0 || !statement.resources.includes("*")) {
            return [];
        }
        return [violation(policy.resource, `${statement.label} of ${policy.field} allows ${actions.join(", ")} on Resource "*"; ` +
            "scope it to the artifact bucket and object ARNs, and to the CodeDeploy application, deployment group and deployment config ARNs")];
    })),
};
