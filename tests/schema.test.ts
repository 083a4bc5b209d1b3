// Editor help and docs come from the config schema and cannot drift from it: the committed JSON Schema
// and the config reference's tables (docs/configuration.md) are what `npm run schema` generates, the shipped stack files name the schema
// and satisfy it, and a real JSON Schema validator flags the mistakes an editor should flag.
import Ajv from "ajv";
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { configKeys, configNamespace, ConfigError, parseConfig } from "../config";
import { parseProjectFile, parseStackFile, programKeys, readProjectFile, readStackFile, StackFileError, stackFilesIn, withProjectConfig } from "../project/stackFiles";
import { projectConfigDeclarations, projectFiles, withCurrentDeclarations } from "../schema/projectFile";
import { projectFileSchema, projectFileSchemaText, projectSchemaFile } from "../schema/projectFileSchema";
import { configReference, schemaFile, stackFileSchema, stackFileSchemaText } from "../schema/stackFileSchema";
import { projectRoot, stagingEntry } from "./fixtures";

const shippedStackFiles = [...stackFilesIn(projectRoot), ...stackFilesIn(path.join(projectRoot, "examples", "three-accounts"))];
const committedSchemaPath = path.join(projectRoot, schemaFile);
const validate = new Ajv({ allErrors: true }).compile(JSON.parse(fs.readFileSync(committedSchemaPath, "utf8")));

/** The generated schema of the `config:` map, and of each of this program's keys. */
const configMap = () => stackFileSchema().properties!.config as { properties: Record<string, Record<string, unknown>> };
const keySchemas = () => stackFileSchema().definitions as Record<string, Record<string, unknown>>;

/** The validator's complaints about a stack file's text, as "<instance path> <message>". */
function complaints(text: string): string[] {
    return validate(parseYaml(text)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}${e.params && "additionalProperty" in e.params ? ` ${e.params.additionalProperty}` : ""}`);
}

/** What the program says of a stack file's text, in this project (its shared values under it): its config problems, none when it accepts it. */
function programProblems(text: string): string[] {
    try {
        parseConfig(programKeys(withProjectConfig(parseStackFile("Pulumi.edited.yaml", text), readProjectFile(projectRoot))));
        return [];
    } catch (e) {
        if (e instanceof ConfigError) {
            return e.problems;
        }
        throw e;
    }
}

const shippedText = (file: string) => fs.readFileSync(path.join(projectRoot, file), "utf8");

/** A stack file of accountA with `lines` added to its config (two-space indented under `config:`). */
function accountAWith(...lines: string[]): string {
    return shippedText("Pulumi.accountA.yaml").replace("config:\n", `config:\n${lines.map((l) => `  ${l}\n`).join("")}`);
}

/** accountA's stack file setting its own targets: the shared Staging target with lines (`field: value`) added or replacing its fields. */
function stagingWith(...lines: string[]): string {
    const { name, ...fields } = stagingEntry();
    const written = new Set(lines.map((line) => line.split(":")[0]));
    const kept = Object.entries(fields).filter(([field]) => !written.has(field)).map(([field, value]) => `${field}: ${JSON.stringify(value)}`);
    return accountAWith("cross-account-pipeline:targets:", `  - name: ${name}`, ...[...lines, ...kept].map((line) => `    ${line}`));
}

describe("the stack files' JSON Schema", () => {
    it("is current: the committed file is what `npm run schema` generates from config/schema.ts", () => {
        assert.equal(fs.readFileSync(committedSchemaPath, "utf8"), stackFileSchemaText(), "run `npm run schema` and commit the result");
    });

    it("describes every key of the program's namespace, and no other", () => {
        assert.deepEqual(Object.keys(keySchemas()), configKeys);
        assert.deepEqual(Object.keys(configMap().properties), configKeys.flatMap((key) => [`${configNamespace}:${key}`, key]));
        for (const key of configKeys) {
            assert.deepEqual([configMap().properties[`${configNamespace}:${key}`], configMap().properties[key]], [{ $ref: `#/definitions/${key}` }, { $ref: `#/definitions/${key}` }]);
        }
    });

    it("has a description for every field, nested ones included", () => {
        const undescribed: string[] = [];
        const walk = (schema: Record<string, unknown>, at: string) => {
            for (const [name, field] of Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>)) {
                if (typeof field.description !== "string" || field.description.length === 0) {
                    undescribed.push(`${at}${name}`);
                }
                for (const inner of [field, field.items, ...((field.anyOf ?? field.oneOf ?? []) as unknown[])]) {
                    if (inner && typeof inner === "object") {
                        walk(inner as Record<string, unknown>, `${at}${name}.`);
                    }
                }
            }
        };
        walk({ properties: keySchemas() }, "");
        assert.deepEqual(undescribed, []);
    });

    describe("accepts", () => {
        for (const file of shippedStackFiles) {
            it(`the shipped ${path.relative(projectRoot, file)}`, () => assert.deepEqual(complaints(fs.readFileSync(file, "utf8")), []));
        }

        const valid: [string, string][] = [
            ["other namespaces' keys", accountAWith("aws:region: us-east-2", "aws:profile: pipeline-admin")],
            ["a number where Pulumi hands the program its text", accountAWith("cross-account-pipeline:artifactRetentionDays: 7", "cross-account-pipeline:protectArtifacts: false")],
            ["the same values quoted", accountAWith(`cross-account-pipeline:artifactRetentionDays: "7"`, `cross-account-pipeline:protectArtifacts: "false"`)],
            ["an extra action's version written as a number", accountAWith(
                "cross-account-pipeline:extraActions:",
                "  - {stage: Build, name: Checks, category: Test, provider: CodeBuild, version: 1, inputArtifacts: [SourceOutput], configuration: {ProjectName: Checks}}",
            )],
            ["fleet settings", stagingWith("fleet: {size: 2, vpc: new}")],
            ["Pulumi's own stack file keys", `secretsprovider: passphrase\nencryptionsalt: v1:abc\n${accountAWith()}`],
        ];
        for (const [name, text] of valid) {
            it(`${name}, as the program does`, () => {
                assert.deepEqual(complaints(text), []);
                assert.deepEqual(programProblems(text), []);
            });
        }
    });

    describe("flags what the program refuses, as an editor would", () => {
        const invalid: { name: string; text: string; complaint: RegExp }[] = [
            { name: "a misspelled key of the namespace", text: accountAWith("cross-account-pipeline:encryptonKey: x"), complaint: /^\/config must NOT have additional properties cross-account-pipeline:encryptonKey$/ },
            { name: "an unknown deploy mode", text: accountAWith("cross-account-pipeline:deploy: both").replace("  cross-account-pipeline:deploy: pipeline\n", ""), complaint: /^\/config\/cross-account-pipeline:deploy must be equal to one of the allowed values/ },
            { name: "a region that is no region name", text: accountAWith("cross-account-pipeline:region: us-east").replace("  cross-account-pipeline:region: us-east-2\n", ""), complaint: /cross-account-pipeline:region must match pattern/ },
            { name: "a target account id YAML reads as a number", text: stagingWith("accountId: 222222222222"), complaint: /targets\/0\/accountId must be string/ },
            { name: "a misspelled target field", text: stagingWith("acountId: x"), complaint: /targets\/0 must NOT have additional properties acountId/ },
            { name: "a target stack that is not a full stack name", text: stagingWith("stack: accountB"), complaint: /targets\/0\/stack must match pattern/ },
            { name: "a flag that is not true or false", text: accountAWith("cross-account-pipeline:protectArtifacts: maybe"), complaint: /protectArtifacts must be equal to one of the allowed values/ },
            {
                name: "an extra action's runOrder above CodePipeline's 999 and an empty configuration value",
                text: accountAWith("cross-account-pipeline:extraActions:", "  - {stage: Build, name: Checks, category: Test, provider: CodeBuild, inputArtifacts: [SourceOutput], runOrder: 1000, configuration: {ProjectName: \"\"}}"),
                complaint: /extraActions\/0\/runOrder must be <= 999/,
            },
            { name: "an instance tag key over 128 characters", text: stagingWith(`instanceTag: {key: ${"k".repeat(129)}, value: v}`), complaint: /targets\/0\/instanceTag\/key must NOT have more than 128 characters/ },
        ];
        for (const c of invalid) {
            it(c.name, () => {
                const found = complaints(c.text);
                assert.ok(found.some((complaint) => c.complaint.test(complaint)), `expected ${c.complaint} among:\n  ${found.join("\n  ")}`);
                assert.ok(programProblems(c.text).length > 0, "the program refuses it too");
            });
        }
    });
});

// Pulumi gives a key without a namespace the project's name, this program's namespace
// (stackConfigNamespacedWithProject in pulumi/pulumi sdk/go/common/workspace/loaders.go).
describe("the stack files' JSON Schema, for keys written without the namespace", () => {
    it("accepts this program's keys", () => {
        assert.deepEqual(complaints(shippedText("Pulumi.accountA.yaml").replace(/cross-account-pipeline:/g, "")), []);
    });

    it("checks their values as with the namespace", () => {
        assert.ok(complaints(accountAWith("artifactRetentionDays: 0")).some((c) => /^\/config\/artifactRetentionDays /.test(c)), complaints(accountAWith("artifactRetentionDays: 0")).join("; "));
    });

    it("flags a key this program does not have", () => {
        assert.deepEqual(complaints(accountAWith("encryptonKey: x")), ["/config must NOT have additional properties encryptonKey"]);
    });
});

describe("each shipped stack file", () => {
    for (const file of shippedStackFiles) {
        it(`${path.relative(projectRoot, file)} names the committed JSON Schema on its first line, by a path relative to itself`, () => {
            const [firstLine] = fs.readFileSync(file, "utf8").split("\n");
            const named = /^# yaml-language-server: \$schema=(\S+)$/.exec(firstLine)?.[1];
            assert.ok(named, `first line: ${firstLine}`);
            assert.equal(path.resolve(path.dirname(file), named), committedSchemaPath);
        });
    }
});

describe("the config reference (docs/configuration.md)", () => {
    const readme = fs.readFileSync(path.join(projectRoot, "docs", "configuration.md"), "utf8");

    it("is what `npm run schema` generates from config/schema.ts", () => {
        assert.ok(readme.includes(configReference()), "run `npm run schema` and commit docs/configuration.md");
    });

    it("lists every key and every target field once, with its default", () => {
        const rows = readme.split("\n").filter((line) => /^\| `\w+` \|/.test(line)).map((line) => line.split(" | ")[0].slice(3, -1));
        const targetFields = Object.keys((keySchemas().targets.items as { properties: object }).properties);
        assert.deepEqual(rows, [...configKeys, ...targetFields]);
        assert.ok(readme.includes("| `artifactRetentionDays` | `30` |") && readme.includes("| `deploymentConfigName` | `CodeDeployDefault.OneAtATime` |"));
    });
});

describe("the project files (Pulumi.yaml)", () => {
    for (const file of projectFiles) {
        const text = shippedText(file);
        const project = readProjectFile(path.dirname(path.join(projectRoot, file)));

        it(`${file} declares the program's scalar keys as config/schema.ts does`, () => {
            assert.equal(text, withCurrentDeclarations(text), "run `npm run schema` and commit the result");
            const declared = (parseYaml(text) as { config: Record<string, unknown> }).config;
            assert.deepEqual(Object.fromEntries(Object.keys(projectConfigDeclarations()).map((key) => [key, declared[key]])), JSON.parse(JSON.stringify(projectConfigDeclarations())));
            assert.deepEqual(Object.keys(projectConfigDeclarations()), ["deploy", "region", "pipelineAccountId", "pipelineName", "artifactRetentionDays", "buildLogRetentionDays", "protectArtifacts"]);
        });

        // The CLI refuses a stack lacking a declared key of the project's namespace that has neither a
        // default nor a value (workspace mergeConfig): every stack of the project must set those.
        it(`${file}: every stack of its project sets each declared key that has no default`, () => {
            const required = Object.entries(projectConfigDeclarations()).filter(([, declaration]) => declaration.default === undefined).map(([key]) => `${configNamespace}:${key}`);
            const stacks = stackFilesIn(project.stackConfigDir).map((file) => readStackFile(file));
            assert.ok(stacks.length >= 2);
            for (const stack of stacks) {
                assert.deepEqual(required.filter((key) => !(key in stack.config)), [], stack.file);
            }
        });

        it(`${file}: its stacks get the shared targets and provider setting from it, and a key a stack sets wins`, () => {
            for (const stack of stackFilesIn(project.stackConfigDir).map((file) => readStackFile(file))) {
                assert.equal(stack.config[`${configNamespace}:targets`], project.config[`${configNamespace}:targets`], stack.file);
                assert.equal(stack.config["pulumi:disable-default-providers"], '["aws"]', stack.file);
            }
            const edited = withProjectConfig(parseStackFile("Pulumi.edited.yaml", "config:\n  cross-account-pipeline:pipelineName: Mine\n  cross-account-pipeline:targets: []\n"), project);
            assert.equal(edited.config[`${configNamespace}:pipelineName`], "Mine");
            assert.equal(edited.config[`${configNamespace}:targets`], "[]");
            assert.equal(edited.config[`${configNamespace}:protectArtifacts`], "true", "a declared default reaches the program as text, as the CLI passes it");
        });
    }
});

// A shared scalar for every stack is a `value:` in the key's declaration in Pulumi.yaml; `npm run schema` regenerates
// the type, description and default of each declaration and keeps everything else.
describe("npm run schema, on a Pulumi.yaml its user edited", () => {
    const description = (key: string) => projectConfigDeclarations()[key].description;
    const project = (...configLines: string[]) => ["name: cross-account-pipeline", "runtime: nodejs", "config:", ...configLines.map((line) => `  ${line}`), ""].join("\n");
    const regenerated = (text: string) => {
        const once = withCurrentDeclarations(text);
        assert.equal(withCurrentDeclarations(once), once, "a second run changes nothing");
        return once;
    };
    const configOf = (text: string) => (parseYaml(text) as { config: Record<string, unknown> }).config;

    it("keeps a value: set for every stack, and leaves out the program's default, which the CLI refuses beside it", () => {
        const text = regenerated(project(
            "# every stack's pipeline",
            "pipelineName: { type: string, description: words of an older schema, default: CrossAccountPipeline, value: Shared }",
        ));
        assert.match(text, /\n {2}# every stack's pipeline\n {2}pipelineName: \{ type: string, description: .*, value: Shared \}\n/);
        assert.deepEqual(configOf(text).pipelineName, { type: "string", description: description("pipelineName"), value: "Shared" });
        const read = parseProjectFile("Pulumi.yaml", text);
        assert.equal(read.config[`${configNamespace}:pipelineName`], "Shared", "and every stack of the project reads it");
        assert.equal(read.config[`${configNamespace}:protectArtifacts`], "true", "a declaration without a value keeps the program's default");
    });

    it("keeps a declaration written in block style so, with the user's fields, and makes a plain value (Pulumi's shorthand) the value", () => {
        const text = regenerated(project(
            "protectArtifacts:",
            "  type: boolean",
            "  value: false",
            "  secret: false",
            "artifactRetentionDays: 7",
        ));
        assert.match(text, /\n {2}protectArtifacts:\n {4}type: boolean\n {4}description: .*\n {4}value: false\n {4}secret: false\n/);
        assert.deepEqual(configOf(text).artifactRetentionDays, { type: "integer", description: description("artifactRetentionDays"), value: 7 });
        assert.equal(parseProjectFile("Pulumi.yaml", text).config[`${configNamespace}:artifactRetentionDays`], "7");
    });

    it("adds a declaration the file lacks, drops the generated fields of a key the program no longer has, and leaves other entries alone", () => {
        const text = regenerated(project(
            "retiredKey: { type: string, description: a key the program no longer has }",
            "renamedKey: { type: string, description: another, value: kept }",
            "aws:region: { value: us-east-2 }",
            "targets: { value: [] }",
        ));
        const config = configOf(text);
        assert.ok(!("retiredKey" in config));
        assert.deepEqual(config.renamedKey, { value: "kept" });
        assert.deepEqual([config["aws:region"], config.targets], [{ value: "us-east-2" }, { value: [] }]);
        assert.deepEqual(Object.keys(config).filter((key) => key in projectConfigDeclarations()), Object.keys(projectConfigDeclarations()));
    });

    it("a value and a default together are refused by the plan, as by the Pulumi CLI, naming where", () => {
        assert.throws(() => parseProjectFile("Pulumi.yaml", project("pipelineName: { type: string, default: A, value: B }")), (e: Error) => e instanceof StackFileError
            && e.message === `Pulumi.yaml:4:17: config pipelineName has both a default and a value, which the Pulumi CLI refuses ("cannot have both a 'default' and 'value' attribute"); expected one: value: to set it for every stack`);
    });
});

describe("the project files' JSON Schema", () => {
    const committedProjectSchema = path.join(projectRoot, projectSchemaFile);
    const validateProject = new Ajv({ allErrors: true }).compile(JSON.parse(fs.readFileSync(committedProjectSchema, "utf8")));
    const shippedProject = shippedText("Pulumi.yaml");

    /** The validator's complaints about a project file's text, as "<instance path> <message>". */
    function projectComplaints(text: string): string[] {
        return validateProject(parseYaml(text)) ? [] : (validateProject.errors ?? []).map((e) => `${e.instancePath} ${e.message}${e.params && "additionalProperty" in e.params ? ` ${e.params.additionalProperty}` : ""}`);
    }

    /** What the program says of the shipped pipeline stack in a project of this Pulumi.yaml: the problems of its config or of the project file; none when it accepts it. */
    function programProblems(text: string): string[] {
        try {
            const stack = parseStackFile(path.join(projectRoot, "Pulumi.accountA.yaml"), shippedText("Pulumi.accountA.yaml"));
            parseConfig(programKeys(withProjectConfig(stack, parseProjectFile("Pulumi.yaml", text))));
            return [];
        } catch (e) {
            if (e instanceof ConfigError) {
                return e.problems;
            }
            if (e instanceof StackFileError) {
                return [e.message];
            }
            throw e;
        }
    }

    /** The shipped Pulumi.yaml with `lines` added at the top of its config (two-space indented under `config:`). */
    const projectWith = (...lines: string[]) => shippedProject.replace("\nconfig:\n", `\nconfig:\n${lines.map((l) => `  ${l}\n`).join("")}`);

    it("is current: the committed file is what `npm run schema` generates from config/schema.ts", () => {
        assert.equal(fs.readFileSync(committedProjectSchema, "utf8"), projectFileSchemaText(), "run `npm run schema` and commit the result");
    });

    it("describes every key of the program's namespace, with its namespace or without, and no other", () => {
        const config = projectFileSchema().properties!.config as { properties: Record<string, unknown> };
        assert.deepEqual(Object.keys(config.properties), configKeys.flatMap((key) => [`${configNamespace}:${key}`, key]));
    });

    for (const file of projectFiles) {
        it(`${file} names it on its first line, by a path relative to itself`, () => {
            const [firstLine] = shippedText(file).split("\n");
            const named = /^# yaml-language-server: \$schema=(\S+)$/.exec(firstLine)?.[1];
            assert.ok(named, `first line: ${firstLine}`);
            assert.equal(path.resolve(path.dirname(path.join(projectRoot, file)), named), committedProjectSchema);
        });
    }

    describe("accepts", () => {
        for (const file of projectFiles) {
            it(`the shipped ${file}`, () => assert.deepEqual(projectComplaints(shippedText(file)), []));
        }

        const valid: [string, string][] = [
            ["a value every stack gets, in a declaration", projectWith("pipelineName: { type: string, description: one for all, value: Shared }").replace(/\n {2}pipelineName: \{ type: string, description: "pipeline name.*\n/, "\n")],
            ["a plain value, Pulumi's shorthand for a default", projectWith("artifactRetentionDays: 7").replace(/\n {2}artifactRetentionDays: \{.*\n/, "\n")],
            ["another namespace's value", projectWith("aws:region: { value: us-east-2 }", "aws:profile: pipeline-admin")],
        ];
        for (const [name, text] of valid) {
            it(`${name}, as the program does`, () => {
                assert.deepEqual(projectComplaints(text), []);
                assert.deepEqual(programProblems(text), []);
            });
        }
    });

    describe("flags what the program refuses, as an editor would", () => {
        const invalid: { name: string; text: string; complaint: RegExp }[] = [
            { name: "a shared target's account id YAML reads as a number", text: shippedProject.replace(`accountId: "222222222222"`, "accountId: 222222222222"), complaint: /^\/config\/targets\/value\/0\/accountId must be string$/ },
            { name: "a shared pipeline name that is no pipeline name", text: projectWith("pipelineName: { type: string, value: Shared Pipeline }").replace(/\n {2}pipelineName: \{ type: string, description: "pipeline name.*\n/, "\n"), complaint: /^\/config\/pipelineName\/value must match pattern/ },
            { name: "a misspelled key of the namespace", text: projectWith("pipelineNmae: { value: Shared }"), complaint: /^\/config must NOT have additional properties pipelineNmae$/ },
            { name: "a declaration with both a default and a value", text: projectWith("pipelineName: { type: string, default: A, value: B }").replace(/\n {2}pipelineName: \{ type: string, description: "pipeline name.*\n/, "\n"), complaint: /^\/config\/pipelineName must NOT be valid$/ },
            { name: "a project named otherwise, whose keys the program does not read", text: shippedProject.replace("name: cross-account-pipeline", "name: my-pipeline"), complaint: /^\/name must be equal to constant$/ },
        ];
        for (const c of invalid) {
            it(c.name, () => {
                const found = projectComplaints(c.text);
                assert.ok(found.some((complaint) => c.complaint.test(complaint)), `expected ${c.complaint} among:\n  ${found.join("\n  ")}`);
                assert.ok(programProblems(c.text).length > 0, "the program refuses it too");
            });
        }
    });
});
