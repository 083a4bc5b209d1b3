// The CrossGuard policy pack: `pulumi preview --policy-pack ./policy-pack` (see README.md).
// Only this file constructs the pack, which starts the analyzer server; tests import the rules.
import { PolicyPack } from "@pulumi/policy";
import { stackPolicy } from "./fromStackValidation";
import { rules } from "./rules";

new PolicyPack("cross-account-pipeline", { policies: rules.map(stackPolicy) });
