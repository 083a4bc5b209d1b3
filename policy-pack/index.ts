// The CrossGuard policy pack: `pulumi preview --policy-pack ./policy-pack` (see README.md). `npm run build`
// bundles this file and what it imports into bin/index.js, the entry point the CLI runs. Only this file
// constructs the pack, which starts the analyzer server; the offline plan and the tests import the rules.
import { PolicyPack } from "@pulumi/policy";
import { policyOf } from "./enginePolicies";
import { rules } from "./rules";

new PolicyPack("cross-account-pipeline", { policies: rules.map(policyOf) });
