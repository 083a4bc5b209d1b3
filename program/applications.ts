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
        const key = applicationKey(target);
        const group = groups.get(key) ?? { accountId: target.accountId, region: target.region, applicationName: target.applicationName, targets: [] };
        group.targets.push(target);
        groups.set(key, group);
    }
    return [...groups.values()];
}

const applicationKey = (target: TargetConfig) => `${target.accountId}/${target.region}/${target.applicationName}`;

/**
 * The application of each of `targets`, declared when the first target that belongs to it asks for it, with that
 * target's provider (any of them is pinned to the same account), and the same application for the others: so that a
 * program can declare each target whole (its provider, its application, its account) in a turn of its own
 * (declareInTurn). Asked in the order of `targets` (as index.ts and declareApplications do), each application is
 * declared by its group's first target, as before it was shared: the provider that declares it does not change.
 */
export function applicationsOnFirstUse(targets: TargetConfig[]): (target: TargetConfig, provider: Provider) => CodeDeployApplication {
    const groups = new Map(codeDeployApplications(targets).map((group) => [applicationKey(group.targets[0]), group]));
    const declared = new Map<string, CodeDeployApplication>();
    return (target, provider) => {
        const key = applicationKey(target);
        const group = groups.get(key);
        if (!group) {
            throw new Error(`the target ${target.name} is not one of the targets whose applications these are`);
        }
        let application = declared.get(key);
        if (!application) {
            application = new CodeDeployApplication(`${group.applicationName}-${group.accountId}-${group.region}`, {
                applicationName: group.applicationName,
                region: group.region,
                formerlyDeclaredBy: group.targets.map((t) => t.name),
            }, { provider });
            declared.set(key, application);
        }
        return application;
    };
}

/**
 * Declares each application this stack's targets need, once, with the provider of its first target (any of
 * them is pinned to the same account), and returns each target's application by target name.
 */
export function declareApplications(targets: { target: TargetConfig; provider: Provider }[]): Map<string, CodeDeployApplication> {
    const applicationOf = applicationsOnFirstUse(targets.map(({ target }) => target));
    return new Map(targets.map(({ target, provider }) => [target.name, applicationOf(target, provider)]));
}
