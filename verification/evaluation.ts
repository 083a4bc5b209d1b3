// One access check, decided by the IAM policy evaluator: the request, the policies that decide it, and
// the finding, which names the policy that refuses a request that should be allowed, or the one that
// lets in a request that should be refused.
import { createValidatedPolicy, validateIdentityPolicy, validateResourcePolicy, ValidatedPolicy } from "@cloud-copilot/iam-policy";
import { getDenialReasons, runSimulation } from "@cloud-copilot/iam-simulate";
import { accountOfArn } from "../definition/names";
import { PolicyDocument } from "../policies/document";

export type PolicyKind = "identity policy" | "trust policy" | "bucket policy" | "key policy";

export interface AccessCheck {
    /** Which link of the chain this is, in words: "Staging: pipeline role assumes the cross-account role". */
    hop: string;
    principal: string;
    action: string;
    resource: string;
    resourceAccount: string;
    context: Record<string, string>;
    expect: "allowed" | "denied";
    identityPolicies: { name: string; policy: PolicyDocument }[];
    resourcePolicy?: { kind: PolicyKind; policy: PolicyDocument };
    /** A check on an existing key, whose key policy this program does not declare: it cannot be evaluated. */
    unverifiedKey?: boolean;
    /** An access that crosses between target accounts on purpose (a producer's writes): why, as the plan lists it. */
    exception?: string;
}

export interface AccessFinding {
    check: AccessCheck;
    ok: boolean;
    /** The evaluator's verdict (Allowed, ImplicitlyDenied, ExplicitlyDenied), NotDeclared, or NotVerified for an external key policy. */
    result: string;
    /** For a failure: what exactly is wrong, naming the policy; for NotVerified: what must be granted. */
    message?: string;
}

/**
 * Each policy document validated once, as the evaluator validates it for every request it is given
 * (an identity policy as one, a trust, bucket or key policy as a resource policy), and handed to the
 * evaluator with that result, which it reuses (`ValidatedPolicy`): a policy is in hundreds of checks.
 * By the document object: the plan parses each policy once and never changes a document it checked.
 */
const validated = { identity: new WeakMap<PolicyDocument, ValidatedPolicy>(), resource: new WeakMap<PolicyDocument, ValidatedPolicy>() };
function validatedPolicy(kind: keyof typeof validated, policy: PolicyDocument): ValidatedPolicy {
    let found = validated[kind].get(policy);
    if (!found) {
        found = createValidatedPolicy(policy, kind === "identity" ? validateIdentityPolicy : validateResourcePolicy);
        validated[kind].set(policy, found);
    }
    return found;
}

/** One request, decided by the IAM evaluator; a finding that says which policy refuses it when it is not as expected. */
export async function evaluateCheck(check: AccessCheck): Promise<AccessFinding> {
    const principalAccount = accountOfArn(check.principal) ?? "";
    const response = await runSimulation({
        request: {
            principal: check.principal,
            action: check.action,
            resource: { resource: check.resource, accountId: check.resourceAccount },
            // The evaluator does not derive these from the request: give them as AWS would.
            contextVariables: {
                "aws:PrincipalArn": check.principal, "aws:PrincipalAccount": principalAccount,
                ...(check.resourceAccount ? { "aws:ResourceAccount": check.resourceAccount } : {}), ...check.context,
            },
        },
        identityPolicies: check.identityPolicies.map(({ name, policy }) => ({ name, policy: validatedPolicy("identity", policy) })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: check.resourcePolicy && validatedPolicy("resource", check.resourcePolicy.policy),
    }, {});
    if (response.resultType === "error") {
        return { check, ok: false, result: "EvaluationError", message: `the evaluator rejected the request or a policy: ${JSON.stringify(response.errors)}` };
    }
    const result = response.overallResult as string;
    const allowed = result === "Allowed";
    const ok = allowed === (check.expect === "allowed");
    if (ok) {
        return { check, ok, result };
    }
    if (allowed) {
        return { check, ok, result, message: `${check.principal} may ${check.action} on ${check.resource}, which must be refused` };
    }
    const analysis = response.resultType === "single" ? response.result.analysis : undefined;
    // A service principal (`codedeploy.amazonaws.com`) has no identity policy: only the resource policy decides.
    const servicePrincipal = !check.principal.startsWith("arn:");
    const denials = (analysis ? getDenialReasons(analysis) : []).filter((d) => !(servicePrincipal && d.policyType === "identity"));
    const culprits = [...new Set(denials.map((d) => d.policyType === "identity"
        ? `the identity policy of ${check.principal}`
        : d.policyType === "resource" ? `the ${check.resourcePolicy?.kind ?? "resource policy"} of ${check.resource}` : `a ${d.policyType} policy`))];
    const explicit = denials.some((d) => d.denialType === "Explicit");
    const how = culprits.length > 1 ? (explicit ? "deny" : "do not allow") : (explicit ? "denies" : "does not allow");
    return { check, ok, result, message: `${culprits.join(" and ") || "no policy"} ${how} ${check.action} by ${check.principal} on ${check.resource}` };
}
