// Writes the plan folder: per account the resources, each policy as its own file, the pipeline definition.
import * as fs from "fs";
import * as path from "path";
import { awsResources, getPipelineOutput, policyDocuments, summarize } from "./describe";
import { declaredResources, PlanResult } from "./plan";

export function writePlan(result: PlanResult, outDir: string): string[] {
    fs.rmSync(outDir, { recursive: true, force: true });
    const written: string[] = [];
    const write = (file: string, content: unknown) => {
        const full = path.join(outDir, file);
        fs.mkdirSync(path.dirname(full), { recursive: true });
        fs.writeFileSync(full, `${JSON.stringify(content, null, 2)}\n`);
        written.push(full);
    };
    const resources = awsResources(declaredResources(result.stacks));
    const accounts = [...new Set(resources.map((r) => r.accountId ?? "unknown"))];
    for (const account of accounts) {
        const mine = resources.filter((r) => (r.accountId ?? "unknown") === account);
        write(`account-${account}/resources.json`, mine.map(summarize));
        for (const resource of mine) {
            for (const { kind, document } of policyDocuments(resource)) {
                write(`account-${account}/policies/${resource.name}.${kind}.json`, document);
            }
            if (resource.type === "aws:codepipeline/pipeline:Pipeline") {
                write(`account-${account}/pipeline-${resource.inputs.name}.json`, getPipelineOutput(resource));
            }
        }
    }
    write("checks.json", {
        ok: result.ok,
        deploymentOrder: result.stacks.map((s) => s.file.stack),
        stackErrors: result.stacks.filter((s) => s.error).map((s) => ({ stack: s.file.stack, error: s.error })),
        warnings: result.stacks.flatMap((s) => (s.run?.warnings ?? []).map((warning) => ({ stack: s.file.stack, warning }))),
        disagreements: result.disagreements,
        collisions: result.collisions,
        createTime: result.createTime,
        rules: result.rules,
        access: result.access.map((f) => ({ hop: f.check.hop, principal: f.check.principal, action: f.check.action, resource: f.check.resource, expect: f.check.expect, result: f.result, ok: f.ok, message: f.message })),
    });
    return written;
}
