// The walkthrough's limits on cross-account actions, checked by the program's own implementation.
import { artifactRuleViolations } from "../../definition/pipeline";
import { pipelineAccountOf, pipelinesIn, stagesOf } from "./pipelines";
import { Rule, violation } from "./rule";

export const crossAccountActionsRule: Rule = {
    name: "cross-account-actions",
    description: "An action consumes an artifact only if it runs in the pipeline account, or the artifact was produced in the pipeline account " +
        "or by an earlier action in the consuming action's account; no Jenkins action runs with a role of another account.",
    enforcement: "mandatory",
    scope: "resource",
    check: (resources) => pipelinesIn(resources).flatMap((pipeline) => {
        const pipelineAccountId = pipelineAccountOf(pipeline);
        const stages = stagesOf(pipeline);
        // Without both, which action runs in which account cannot be told.
        if (!pipelineAccountId || !stages) {
            return [];
        }
        return artifactRuleViolations(stages, pipelineAccountId).map((message) => violation(pipeline, message));
    }),
};
