import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseConfig } from "../config";
import * as yaml from "yaml";
import { maxConfigFileBytes, parseStackFile, programKeys, readStackFile, StackFileError, unreadableSecretProblems } from "../project/stackFiles";
import { selfContainedStackDocument } from "./fixtures";

const namespace = "cross-account-pipeline";
const read = (yaml: string, environment: NodeJS.ProcessEnv = {}) => parseStackFile("Pulumi.test.yaml", yaml, environment);
/** The text the program receives for `value` written as the stack file's `key`. */
const passed = (value: string, key = "value") => read(`config:\n  ${namespace}:${key}: ${value}\n`).config[`${namespace}:${key}`];

/** The shipped pipeline stack, holding the values its project shares itself (as a stack may), so that its text is all the program reads. */
const accountA = yaml.stringify(selfContainedStackDocument("accountA"));
/** The shipped pipeline stack with one top-level line of its config replaced. */
const accountAWith = (key: string, value: string) => accountA.replace(new RegExp(`^  ${namespace}:${key}: .*$`, "m"), `  ${namespace}:${key}: ${value}`);

describe("stack files, read as the Pulumi CLI reads them", () => {
    describe("passes each top-level scalar as the text yaml.v2 and config.Value make of it", () => {
        // yaml.v2 types plain scalars by YAML 1.1 rules (resolve.go); the CLI passes a string as written,
        // anything else as its JSON text (config/object.go MarshalString), and a top-level null as "".
        const cases: [string, string, string][] = [
            ["1.11111111111e11", "111111111111", "a float, printed as Go's JSON prints it"],
            ["1.5e3", "1500", "a float"],
            ["TRUE", "true", "a YAML 1.1 boolean"],
            ["yes", "true", "a YAML 1.1 boolean"],
            ["Off", "false", "a YAML 1.1 boolean"],
            ["0x1F", "31", "a hexadecimal integer"],
            ["017", "15", "an octal integer (leading 0)"],
            ["0o17", "15", "an octal integer (0o)"],
            ["0b101", "5", "a binary integer"],
            ["1_000", "1000", "an integer with underscores"],
            ["08", "8", "not octal, so a float"],
            ["12345678901234567890", "12345678901234567890", "a uint64, exactly"],
            ["~", "", "a top-level null"],
            ["", "", "an empty value"],
            ["2001-12-14", "2001-12-14", "a timestamp stays its text"],
            ["1e400", "1e400", "a float out of range stays text"],
            ["\"TRUE\"", "TRUE", "quoted: a string"],
            ["'0x1F'", "0x1F", "quoted: a string"],
            ["!!str 017", "017", "tagged as a string"],
            ["[aws, 1_000, ~]", "[\"aws\",1000,null]", "a list, as JSON"],
        ];
        for (const [written, text, why] of cases) {
            it(`${written || "(nothing)"} → "${text}": ${why}`, () => assert.equal(passed(written), text));
        }
    });

    it("passes a list or an object as Go's JSON: its keys sorted, nested scalars typed, nested nulls kept", () => {
        const targets = passed("\n    - name: Staging\n      region: ~\n      accountId: 0x1F\n      requireApproval: yes\n      applicationName: \"017\"", "targets");
        assert.equal(targets, `[{"accountId":31,"applicationName":"017","name":"Staging","region":null,"requireApproval":true}]`);
    });

    it("gives the program what Pulumi gives it, so the program accepts or refuses the same values", () => {
        const program = (yaml: string) => parseConfig(programKeys(read(yaml)));
        assert.equal(program(accountAWith("pipelineAccountId", "1.11111111111e11")).pipelineAccountId, "111111111111");
        assert.equal(program(`${accountA}  ${namespace}:protectArtifacts: TRUE\n`).protectArtifacts, true);
        assert.equal(program(`${accountA}  ${namespace}:pipelineName: ~\n`).pipelineName, "CrossAccountPipeline");
        assert.throws(() => program(`${accountA}  ${namespace}:protectArtifacts: "TRUE"\n`), /protectArtifacts: "TRUE" is not valid; expected true or false/);
        assert.throws(() => program(accountA.replace(`accountId: "222222222222"`, "accountId: 222222222222")), /targets\[0\]\.accountId: 222222222222 is a number in YAML; quote it: "222222222222"/);
        assert.throws(() => program(accountA.replace("- name: Staging", "- name: n")), /targets\[0\]\.name: false is a boolean in YAML/);
    });

    it("merges << keys as yaml.v2 does: a key set before the merge is overwritten, earlier mappings of a list win", () => {
        const config = read(`config:\n  ${namespace}:a: {p: 1, <<: {p: 2, q: 2}}\n  ${namespace}:b: {<<: [{p: 1}, {p: 2, r: 3}], r: 4}\n`).config;
        assert.equal(config[`${namespace}:a`], `{"p":2,"q":2}`);
        assert.equal(config[`${namespace}:b`], `{"p":1,"r":4}`);
    });

    it("prefixes a key without a namespace with the project's name, as Pulumi does", () => {
        assert.deepEqual(read("config:\n  region: us-east-2\n  aws:region: eu-west-1\n").config, { [`${namespace}:region`]: "us-east-2", "aws:region": "eu-west-1" });
    });

    it("refuses a YAML alias bomb quickly, naming the file", () => {
        const levels = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        const bomb = levels.map((level, i) => `  ${namespace}:${level}: &${level} [${Array(9).fill(i === 0 ? "lol" : `*${levels[i - 1]}`).join(", ")}]`);
        assert.throws(() => read(`config:\n${bomb.join("\n")}\n`), (e: Error) =>
            e instanceof StackFileError && /^Pulumi\.test\.yaml: its YAML aliases expand beyond the limit/.test(e.message));
    });

    it("reads anchors used a few times", () => {
        const config = read(`config:\n  ${namespace}:app: &app WebApp\n  ${namespace}:targets: [{applicationName: *app}, {applicationName: *app}]\n`).config;
        assert.equal(config[`${namespace}:targets`], `[{"applicationName":"WebApp"},{"applicationName":"WebApp"}]`);
    });

    it("names the file and the key of a value Pulumi cannot pass, and the place of invalid YAML", () => {
        assert.throws(() => passed(".nan"), /^StackFileError: Pulumi\.test\.yaml: cross-account-pipeline:value: NaN cannot be passed to the program/);
        assert.throws(() => passed("!!int abc"), /^StackFileError: Pulumi\.test\.yaml: not valid YAML \(cannot decode !!str `abc` as a !!int at line 2/);
        assert.throws(() => read("config: [\n"), /^StackFileError: Pulumi\.test\.yaml: not valid YAML \(.* at line 2, column 1\)/);
        assert.throws(() => read("- config\n"), /^StackFileError: Pulumi\.test\.yaml: not a stack file; expected a YAML mapping with a config: key/);
    });

    describe("secrets", () => {
        const secret = "v1:Ym9ndXM=:c2VjcmV0";
        it("reports a secret of the program's namespace by file and key, with what to do, instead of a misread value", () => {
            const file = read(`config:\n  ${namespace}:pipelineAccountId:\n    secure: ${secret}\n  ${namespace}:targets: [{name: Staging, credentials: {profile: {secure: ${secret}}}}]\n`);
            assert.equal(file.config[`${namespace}:pipelineAccountId`], undefined);
            assert.deepEqual(unreadableSecretProblems(file), [`${namespace}:pipelineAccountId`, `${namespace}:targets`].map((key) =>
                `Pulumi.test.yaml: ${key} is a secret (secure:), which the offline plan cannot decrypt; keep secrets out of the keys this program reads, ` +
                `or give the plan its plaintext (as the program receives it: JSON for a list or an object) in the environment variable CROSS_ACCOUNT_PIPELINE_CONFIG_${key.split(":")[1]}`));
        });

        it("takes the plaintext of such a secret from CROSS_ACCOUNT_PIPELINE_CONFIG_<key>", () => {
            const file = read(`config:\n  ${namespace}:pipelineAccountId:\n    secure: ${secret}\n`, { CROSS_ACCOUNT_PIPELINE_CONFIG_pipelineAccountId: "111111111111" });
            assert.equal(file.config[`${namespace}:pipelineAccountId`], "111111111111");
            assert.deepEqual(unreadableSecretProblems(file), []);
        });

        it("leaves out a secret of another namespace, which the program does not read", () => {
            const file = read(`config:\n  aws:secretKey:\n    secure: ${secret}\n  ${namespace}:region: us-east-2\n`);
            assert.deepEqual(file.config, { [`${namespace}:region`]: "us-east-2" });
            assert.deepEqual(unreadableSecretProblems(file), []);
        });
    });

    describe("names the path of a file it cannot read, and what it expected", () => {
        let dir: string;
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("a directory", () => {
            assert.throws(() => readStackFile(dir), (e: Error) => e instanceof StackFileError
                && e.message === `${dir}: is a directory; expected a stack file named Pulumi.<stack>.yaml (to plan every stack file in it, name them: ${path.join(dir, "Pulumi.*.yaml")})`);
        });

        it("a missing file", () => {
            const missing = path.join(dir, "Pulumi.gone.yaml");
            assert.throws(() => readStackFile(missing), new RegExp(`^StackFileError: ${missing.replace(/\./g, "\\.")}: no such file; expected a stack file`));
        });

        // A named pipe and a device are tested through the plan's process (tests/planCli.test.ts), with a timeout: read
        // here, they would hold the test up rather than fail it if they were read as files again.
        it("a file larger than 1 MiB, and not one of exactly 1 MiB", () => {
            const config = `config:\n  ${namespace}:region: us-east-2\n`;
            const ofSize = (bytes: number) => {
                const file = path.join(dir, `Pulumi.size${bytes}.yaml`);
                fs.writeFileSync(file, `${config}#${"x".repeat(bytes - config.length - 2)}\n`);
                assert.equal(fs.statSync(file).size, bytes);
                return file;
            };
            assert.equal(maxConfigFileBytes, 1024 * 1024);
            assert.equal(readStackFile(ofSize(maxConfigFileBytes), () => undefined).config[`${namespace}:region`], "us-east-2");
            const larger = ofSize(maxConfigFileBytes + 1);
            assert.throws(() => readStackFile(larger, () => undefined), (e: Error) => e instanceof StackFileError
                && e.message === `${larger}: is 1,048,577 bytes, more than a config file holds (at most 1 MiB, 1,048,576 bytes); expected a stack file named Pulumi.<stack>.yaml`);
        });

        it("a file that is not named like a stack file", () => {
            const notes = path.join(dir, "notes.yaml");
            fs.writeFileSync(notes, "config: {}\n");
            assert.throws(() => readStackFile(notes), /notes\.yaml: not a stack file; expected a name like Pulumi\.<stack>\.yaml/);
        });
    });
});
