// Both proofs over one set of declared resources, in one pass of the evaluator: the access chain (what the
// pipeline needs, and that outsiders stay out) and the isolation of the target accounts from each other.
import type { DeclaredResource } from "../evaluation/mockCloud";
import { accessChecks } from "./accessChain";
import type { AccessFinding } from "./evaluation";
import { AccountShape, isolationChecks } from "./isolation";
import { accessModel } from "./model";
import { evaluateChecks } from "./parallelChecks";

export interface Isolation {
    findings: AccessFinding[];
    /** The shapes of target account the findings cover, each checked through one account. */
    shapes: AccountShape[];
}

export async function verifyAccounts(resources: DeclaredResource[]): Promise<{ access: AccessFinding[]; isolation: Isolation }> {
    const model = accessModel(resources);
    const chain = accessChecks(model);
    const apart = isolationChecks(model);
    // One list, so that the worker threads share both.
    const findings = await evaluateChecks([...chain.checks, ...apart.checks]);
    return {
        access: [...chain.missing, ...chain.warnings, ...findings.slice(0, chain.checks.length)],
        isolation: { findings: findings.slice(chain.checks.length), shapes: apart.shapes },
    };
}
