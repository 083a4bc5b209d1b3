// Each account's files of the plan folder, made from the evaluated stacks alone: its resources (with what awsx's
// components create for them), each policy, the
// pipeline as get-pipeline prints it. The plan writes them while its checks run, and replays the next `pulumi up`
// against an earlier plan's files of the same shape.
import { awsxCreatedResources } from "./awsxVpc";
import { awsResourcesByAccount, getPipelineOutput, policyDocuments, summarize } from "./describe";
import type { PlanContents } from "./grants";
import { pipelineFile, policyFile, resourcesFile } from "./planFiles";
import type { PlannedStack } from "./stacks";

/**
 * JSON content as it reads back from its file (no undefined fields), so that it compares equal to the same plan read
 * from its folder; made from the file's text, which is kept for the writer (fileText): each file is serialized once.
 */
export function asWritten(content: unknown): unknown {
    const text = JSON.stringify(content, null, 2);
    const written: unknown = JSON.parse(text);
    if (written instanceof Object) {
        textOf.set(written, text);
    }
    return written;
}

/** The text of each content asWritten made (contents are not changed once made). */
const textOf = new WeakMap<object, string>();

/** A file's text: a string as it is, JSON as asWritten wrote it, or indented by two spaces. */
export function fileText(content: unknown): string {
    if (typeof content === "string") {
        return content;
    }
    return (content instanceof Object ? textOf.get(content) : undefined) ?? JSON.stringify(content, null, 2);
}

/**
 * The plan folder's files of each account: its resources, each policy, the pipeline as get-pipeline
 * prints it. They depend only on the evaluated stacks, so the plan writes them while the checks run.
 */
export function accountContents(stacks: PlannedStack[]): PlanContents {
    const contents: PlanContents = new Map();
    const created = awsxCreatedResources(stacks);
    for (const [account, mine] of awsResourcesByAccount(stacks.flatMap((s) => s.run?.resources ?? []))) {
        contents.set(resourcesFile(account), asWritten([...mine.map(summarize), ...(created.get(account) ?? [])]));
        for (const resource of mine) {
            for (const { kind, document } of policyDocuments(resource)) {
                contents.set(policyFile(account, resource.name, kind), asWritten(document));
            }
            if (resource.type === "aws:codepipeline/pipeline:Pipeline") {
                contents.set(pipelineFile(account, resource.inputs.name), asWritten(getPipelineOutput(resource)));
            }
        }
    }
    return contents;
}

