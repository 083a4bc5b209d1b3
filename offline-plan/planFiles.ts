// The names of the plan folder's files, made and read in one place: the writer names them, and the
// grants, the diff and the diagram find an account's resources, policies and pipeline by them.

/** The plan folder's files besides the accounts': what was checked, who may do what, the report, the summary, the changes. */
export const checksFile = "checks.json";

/**
 * What a plan folder holds, as `checks.json` says in `planFormat`: 2, each resource's summary in resources.json holds
 * every replacing input the program declares for it (definition/replacement.ts). A folder without it (written before)
 * may lack some: a property it does not hold was not recorded, not absent, and the next plan cannot tell it changed.
 */
export const planFormat = 2;
export const grantsFile = "grants.json";
export const reportFile = "plan.txt";
export const summaryFile = "summary.md";
export const diffFile = "diff.json";

/** The files besides the accounts' that a plan writes, in the order it writes them: diff.json only when it compares with an earlier plan. */
export function planWideFiles(compared: boolean): string[] {
    return [checksFile, grantsFile, reportFile, summaryFile, ...(compared ? [diffFile] : [])];
}

/** `account-<id>/resources.json`: the account's resources. */
export const resourcesFile = (account: string) => `account-${account}/resources.json`;

/** `account-<id>/policies/<resource>.<kind>-policy.json`: one policy document of a resource (`kind`: trust, identity, bucket, key). */
export const policyFile = (account: string, resourceName: string, kind: string) => `account-${account}/policies/${resourceName}.${kind}-policy.json`;

/** `account-<id>/pipeline-<name>.json`: a pipeline as get-pipeline prints it. */
export const pipelineFile = (account: string, pipelineName: string) => `account-${account}/pipeline-${pipelineName}.json`;

/** A per-account file of the plan folder, by what its name says. */
export type AccountFile =
    | { account: string; file: "resources" }
    | { account: string; file: "policy"; resourceName: string; kind: string }
    | { account: string; file: "pipeline"; pipelineName: string };

const accountFile = /^account-([^/]+)\/(?:(resources)\.json|policies\/(.+)\.(\w+)-policy\.json|pipeline-(.+)\.json)$/;

/** What a plan folder file is, when it is one of an account's; undefined for the others (checks.json, plan.txt, ...). */
export function accountFileOf(file: string): AccountFile | undefined {
    const match = accountFile.exec(file);
    if (!match) {
        return undefined;
    }
    const [, account, resources, resourceName, kind, pipelineName] = match;
    return resources ? { account, file: "resources" }
        : resourceName !== undefined ? { account, file: "policy", resourceName, kind }
        : { account, file: "pipeline", pipelineName };
}
