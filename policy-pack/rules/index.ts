// The cross-account rules, each one implementation shared by the policy pack and the offline plan.
import { artifactBucketGuardsRule } from "./artifactBucketGuards";
import { artifactKeyProtectionRule } from "./artifactKeyProtection";
import { artifactStoreEncryptionRule } from "./artifactStoreEncryption";
import { awsQuotasRule, roleInlinePoliciesQuotaRule } from "./awsQuotas";
import { crossAccountActionsRule } from "./crossAccountActions";
import { noAllowToEveryoneRule } from "./noAllowToEveryone";
import { noUnconditionedForeignRootRule } from "./noUnconditionedForeignRoot";
import { noWildcardDeployPermissionsRule } from "./noWildcardDeployPermissions";
import { onlyProducersWriteRule } from "./onlyProducersWrite";
import { Enforcement, Rule, RuleResource, RuleViolation } from "./rule";

export type { Enforcement, ResourceRef, Rule, RuleResource, RuleScope, RuleViolation } from "./rule";
export { unknown } from "./rule";

export const rules: readonly Rule[] = [
    crossAccountActionsRule,
    artifactStoreEncryptionRule,
    artifactKeyProtectionRule,
    artifactBucketGuardsRule,
    noAllowToEveryoneRule,
    noUnconditionedForeignRootRule,
    onlyProducersWriteRule,
    noWildcardDeployPermissionsRule,
    awsQuotasRule,
    roleInlinePoliciesQuotaRule,
];

export interface RuleResult {
    rule: string;
    description: string;
    enforcement: Enforcement;
    /** Empty when the rule passes. */
    violations: RuleViolation[];
}

/** Every rule's result on the resources, in the order of `rules`. */
export function checkRules(resources: RuleResource[]): RuleResult[] {
    return rules.map((rule) => ({ rule: rule.name, description: rule.description, enforcement: rule.enforcement, violations: rule.check(resources) }));
}
