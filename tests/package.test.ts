// The project as a package another Pulumi program depends on: `npm pack`, installed into an empty project without
// development dependencies, whose own program (plain JavaScript, its own providers) declares a pipeline from the
// library's exports under Pulumi's mocks.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { projectRoot } from "./fixtures";

/** The consumer's program: its own providers, the library's config, components and wiring, as index.ts uses them. */
const consumerProgram = `
const pulumi = require("@pulumi/pulumi");
const { Provider } = require("@pulumi/aws/provider");
const declared = [];
pulumi.runtime.setMocks({
    newResource: (args) => { declared.push(args.type); return { id: args.name + "-id", state: args.inputs }; },
    call: () => ({}),
}, "consumer", "dev", false);
const lib = require("cross-account-pipeline");
const config = lib.parseConfig({
    deploy: "all",
    region: "us-east-2",
    pipelineAccountId: "111111111111",
    targets: [{ name: "Staging", accountId: "222222222222", applicationName: "App", deploymentGroupName: "Group", stack: "acme/consumer/dev" }],
});
pulumi.runtime.runInPulumiStack(async () => {
    const pinned = (name, account) => new Provider(name, lib.providerArgs(account, config.region, {}, config.pipelineName));
    const targets = config.targets.map((target) => ({ target, provider: pinned("target-" + target.name, target.accountId) }));
    const applications = lib.declareApplications(targets);
    const accounts = targets.map(({ target, provider }) => new lib.TargetAccount(target.name, {
        target,
        pipeline: lib.pipelineAccountNames(config, target),
        applicationName: applications.get(target.name).applicationName,
        producesArtifacts: false,
    }, { provider }));
    new lib.PipelineAccount("pipeline", { config, actionRoles: lib.actionRolesDeclaredHere(config, accounts) }, { provider: pinned("pipeline", config.pipelineAccountId) });
    return {};
}).then(() => pulumi.runtime.disconnect()).then(() => {
    console.log(JSON.stringify(declared));
}, (error) => {
    console.error(error.stack || String(error));
    process.exitCode = 1;
});
`;

describe("the package (npm pack)", () => {
    it("has the README's example of a program of one's own type-check against the library's exports", () => {
        const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("## Use it from your own program"));
        const example = /```ts\n([\s\S]*?)```/.exec(section)![1].replace(/from "cross-account-pipeline"/g, `from "${path.join(projectRoot, "lib")}"`);
        const file = path.join(projectRoot, "tests", `.readme-example-${process.pid}.ts`);
        fs.writeFileSync(file, example);
        try {
            const program = ts.createProgram([file], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true, skipLibCheck: true });
            const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
            assert.deepEqual(problems, []);
        } finally {
            fs.rmSync(file, { force: true });
        }
    });

    let scratch: string;
    before(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), "package-"))));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("installs into an empty project without development dependencies, and that project declares a pipeline from its exports", function () {
        this.timeout(600_000);
        const run = (command: string, args: string[], cwd: string) => {
            const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
            assert.equal(result.status, 0, `${command} ${args.join(" ")}:\n${result.stdout}\n${result.stderr}`);
            return result.stdout;
        };
        // `npm pack` builds the library (prepack) and packs what package.json `files` names.
        const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", scratch], projectRoot)) as { filename: string; files: { path: string }[] }[];
        const files = packed[0].files.map((f) => f.path);
        assert.ok(files.includes("dist/lib.js") && files.includes("dist/lib.d.ts") && files.includes("LICENSE"), files.join(", "));
        assert.deepEqual(files.filter((f) => /^(tests|offline-plan|verification|evaluation|patches)\//.test(f)), [], "only what ships");

        const consumer = path.join(scratch, "consumer");
        fs.mkdirSync(consumer);
        fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
        run("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", path.join(scratch, packed[0].filename)], consumer);
        assert.ok(!fs.existsSync(path.join(consumer, "node_modules", "@cloud-copilot")), "the AGPL evaluator is not installed");
        assert.ok(!fs.existsSync(path.join(consumer, "node_modules", "cross-account-pipeline", "node_modules", "@pulumi", "pulumi")),
            "one @pulumi/pulumi for the consumer and the library");

        fs.writeFileSync(path.join(consumer, "program.js"), consumerProgram);
        const declared = JSON.parse(run(process.execPath, ["program.js"], consumer)) as string[];
        for (const type of ["cross-account-pipeline:target:TargetAccount", "cross-account-pipeline:pipeline:PipelineAccount", "aws:codepipeline/pipeline:Pipeline", "aws:kms/key:Key"]) {
            assert.ok(declared.includes(type), `${type} among ${declared.join(", ")}`);
        }
    });
});
