import * as codedeploy from "@pulumi/aws/codedeploy";
import * as pulumi from "@pulumi/pulumi";
import { targetAccountType } from "./targetAccount";

export interface CodeDeployApplicationArgs {
    applicationName: string;
    region: string;
    /**
     * The targets whose TargetAccount declared this application before it was shared (`<target>-application`):
     * their URNs are aliases, so an existing stack keeps its application instead of replacing it.
     */
    formerlyDeclaredBy: string[];
}

/**
 * A CodeDeploy application of a target account and region, declared once and shared by the targets whose
 * deployment groups belong to it (e.g. the staging and production groups of one application). Application
 * names are unique per account and region: a second declaration would fail with ApplicationAlreadyExistsException
 * (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateApplication.html).
 */
export class CodeDeployApplication extends pulumi.ComponentResource {
    readonly applicationName: pulumi.Output<string>;

    constructor(name: string, args: CodeDeployApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:target:CodeDeployApplication", name, {}, opts);
        const application = new codedeploy.Application(`${name}-application`, {
            name: args.applicationName,
            region: args.region,
            computePlatform: "Server",
        }, {
            parent: this,
            aliases: args.formerlyDeclaredBy.map((target) => ({
                name: `${target}-application`,
                parent: pulumi.createUrn(target, targetAccountType),
            })),
        });
        this.applicationName = application.name;
        this.registerOutputs({ applicationName: this.applicationName });
    }
}
