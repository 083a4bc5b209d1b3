// GitHub's own workflow parser (@actions/workflow-parser, from actions/languageservices: what the Actions
// extension of VS Code validates workflows with), run under Node for the tests: each problem it finds in a
// workflow file, with line and column. It checks the file against the workflow schema (keys, types, required
// fields), every `${{ }}` expression (syntax, and that each context it names is available where it is used:
// `secrets` in a job's `if`, or `matrix` outside a matrix job, are errors), and the jobs as a whole (`needs`
// naming a job that does not exist, cycles).
import * as esbuild from "esbuild";
import * as path from "node:path";
import { Module } from "node:module";
import type * as WorkflowParser from "@actions/workflow-parser";

/**
 * The package's published ES modules import its JSON schemas without an import attribute (they are built for
 * bundlers), which Node refuses with ERR_IMPORT_ATTRIBUTE_MISSING (actions/languageservices#387), and it has no
 * CommonJS entry. esbuild, already a development dependency (the policy pack's build), bundles it into one
 * CommonJS module, schemas included, loaded once.
 */
function loadParser(): typeof WorkflowParser {
    const { outputFiles } = esbuild.buildSync({
        stdin: { contents: `export * from "@actions/workflow-parser";`, resolveDir: __dirname, loader: "js" },
        bundle: true, platform: "node", format: "cjs", target: "node22", write: false, logLevel: "silent",
    });
    const bundle = new Module("@actions/workflow-parser (bundled)") as Module & { _compile(code: string, filename: string): void };
    // Node's built-in modules are all the bundle requires.
    bundle.filename = path.join(__dirname, "workflow-parser.bundle.cjs");
    bundle._compile(outputFiles[0].text, bundle.filename);
    return bundle.exports as typeof WorkflowParser;
}

let parser: typeof WorkflowParser | undefined;

/** Every problem GitHub's parser finds in a workflow file, as `<name> (Line: L, Col: C): <message>`; none for a valid workflow. */
export async function workflowProblems(name: string, content: string): Promise<string[]> {
    parser ??= loadParser();
    const { context, value } = parser.parseWorkflow({ name, content }, new parser.NoOperationTraceWriter());
    // The conversion checks what spans jobs (needs, outputs, matrices); it adds its errors to the same context.
    const template = value === undefined ? undefined : await parser.convertWorkflowTemplate(context, value);
    const problems = context.errors.getErrors().map((error) => error.message);
    const fromTemplate = (template?.errors ?? []).map((error) => error.Message).filter((message) => !problems.includes(message));
    return [...problems, ...fromTemplate];
}
