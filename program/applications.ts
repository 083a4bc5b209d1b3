// CodeDeploy applications, one per account, region and name, shared by the targets (deployment groups) that
// name it: the staging and production groups of one application in one account are one application.
import type { Provider } from "@pulumi/aws/provider";
import { CodeDeployApplication } from "../components/codeDeployApplication";
import type { TargetConfig } from "../config";

/** One CodeDeploy application and the targets whose deployment groups belong to it, in stage order. */
export interface ApplicationGroup {
    accountId: string;
    region: string;
    applicationName: string;
    targets: TargetConfig[];
}

/** The applications the given targets need, each once: targets of one name in one account and region share it. */
export function codeDeployApplications(targets: TargetConfig[]): ApplicationGroup[] {
    const groups = new Map<string, ApplicationGroup>();
    for (const target of targets) {
        const key = `${target.accountId}/${target.region}/${target.applicationName}`;
        const group = groups.get(key) ?? { accountId: target.accountId, region: target.region, applicationName: target.applicationName, targets: [] };
        group.targets.push(target);
        groups.set(key, group);
    }
    return [...groups.values()];
}

/**
 * Declares each application this stack's targets need, once, with the provider of its first target (any of
 * them is pinned to the same account), and returns each target's application by target name.
 */
export function declareApplications(targets: { target: TargetConfig; provider: Provider }[]): Map<string, CodeDeployApplication> {
    const providerOf = new Map(targets.map(({ target, provider }) => [target, provider]));
    const byTarget = new Map<string, CodeDeployApplication>();
    for (const group of codeDeployApplications(targets.map(({ target }) => target))) {
        const provider = providerOf.get(group.targets[0]);
        const application = new CodeDeployApplication(`${group.applicationName}-${group.accountId}-${group.region}`, {
            applicationName: group.applicationName,
            region: group.region,
            formerlyDeclaredBy: group.targets.map((t) => t.name),
        }, { provider });
        group.targets.forEach((t) => byTarget.set(t.name, application));
    }
    return byTarget;
}
