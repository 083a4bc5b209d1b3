import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DriverError, plan, preview, up } from "../../automation";
import { exampleStackFiles, withFakeCli } from "./fakePulumi/fakeCli";

const repositoryDir = path.resolve(__dirname, "..", "..");

async function rejectsWith(run: Promise<unknown>, expected: RegExp): Promise<void> {
    await assert.rejects(run, (error: unknown) => error instanceof DriverError && expected.test(error.message));
}

describe("automation: the library's options", () => {
    it("plans the stacks by which reads which, whatever order they are named in", () =>
        withFakeCli(exampleStackFiles(), async (cli) => {
            const projectDir = cli.projectDir;
            assert.deepStrictEqual(plan({ projectDir, stacks: ["accountA", "accountC", "accountB"] }, "up"), [["accountB", "accountC"], ["accountA"]]);
            assert.deepStrictEqual(plan({ projectDir }, "destroy"), [["accountA"], ["accountB", "accountC"]]);
            assert.deepStrictEqual(plan({ projectDir, stacks: ["accountB"] }, "up"), [["accountB"]]);
            assert.deepStrictEqual(cli.invocations(), [], "planning ran the Pulumi CLI");
        }));

    it("rejects a directory that is not the Pulumi project", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "not-a-project-"));
        try {
            await rejectsWith(preview({ projectDir: dir }), /no Pulumi\.yaml in .*projectDir must be the Pulumi project's directory/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("rejects a concurrency below 1, credentials for an unknown stack, and incomplete credentials", async () => {
        await rejectsWith(preview({ projectDir: repositoryDir, concurrency: 0 }), /concurrency must be a whole number of at least 1, not 0/);
        await rejectsWith(
            up({ projectDir: repositoryDir, credentials: { accountZ: { profile: "z" } } }),
            /credentials given for unknown stack accountZ \(stacks: .*accountA/,
        );
        await rejectsWith(
            up({ projectDir: repositoryDir, credentials: { accountA: { profile: " " } } }),
            /credentials for stack accountA: expected \{ profile \}/,
        );
    });
});
