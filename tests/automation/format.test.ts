import * as assert from "assert";
import { RunReport, StackResult } from "../../automation/driver";
import {
    formatChanges,
    formatOutcome,
    formatPlan,
    formatPreview,
    formatRoleArnChecks,
    formatSummaryTable,
    StatusBoard,
} from "../../automation/format";
import { changeCounts } from "../../automation/stackWorkspace";

const changes = (create: number, update = 0, replace = 0, deleted = 0) => changeCounts({ create, update, replace, delete: deleted });

const succeeded: StackResult = { stack: "accountA", role: "pipeline", status: "succeeded", seconds: 61.44, changes: changes(14) };
const failed: StackResult = {
    stack: "accountB",
    role: "target",
    status: "failed",
    seconds: 8.2,
    message: "AWS credentials for stack accountB are missing\nsecond line",
};

describe("automation: what the command line prints", () => {
    it("prints the final table with stack, result, changes and seconds, then why a stack failed", () => {
        assert.deepStrictEqual(formatSummaryTable([succeeded, failed]), [
            "stack     result     changes        seconds",
            "accountA  succeeded  +14 ~0 +-0 -0     61.4",
            "accountB  failed     -                  8.2",
            "accountB failed: AWS credentials for stack accountB are missing\n    second line",
        ]);
    });

    it("writes changes with Pulumi's symbols, every other kind that occurred after the four", () => {
        assert.strictEqual(formatChanges(changes(1, 2, 3, 4)), "+1 ~2 +-3 -4");
        assert.strictEqual(formatChanges(changeCounts({ import: 2, "import-replacement": 1, discard: 1, same: 5 })), "+0 ~0 +-0 -0 <1 =2 =>1");
        assert.strictEqual(formatChanges(undefined), "-");
    });

    it("writes the plan in order, stacks that run together joined", () => {
        assert.strictEqual(formatPlan("destroy", [["accountB", "accountC"], ["accountA"]]), "destroy: accountB + accountC → accountA");
    });

    it("lists a preview's counts and the resources that would change", () => {
        const preview: StackResult = {
            ...succeeded,
            changes: changes(1, 0, 1),
            resources: [
                { op: "create", type: "aws:kms/key:Key", name: "artifact-key" },
                { op: "replace", type: "aws:iam/role:Role", name: "pipeline-role" },
            ],
        };
        assert.deepStrictEqual(formatPreview(preview), [
            "accountA: 1 to create, 0 to update, 1 to replace, 0 to delete, 0 unchanged",
            "    +  aws:kms/key:Key  artifact-key",
            "    +- aws:iam/role:Role  pipeline-role",
        ]);
        assert.deepStrictEqual(formatPreview(failed), ["accountB: no preview (failed: AWS credentials for stack accountB are missing)"]);
    });

    it("counts and lists the steps beyond the four, as an adoption and a destroyed read show them", () => {
        const adopting: StackResult = {
            ...succeeded,
            changes: changeCounts({ create: 1, import: 2, "import-replacement": 1, discard: 1, "remove-pending-replace": 1, same: 3 }),
            resources: [
                { op: "import", type: "aws:kms/key:Key", name: "artifact-key" },
                { op: "import-replacement", type: "aws:s3/bucket:Bucket", name: "artifact-bucket" },
                { op: "discard", type: "aws:ssm/parameter:Parameter", name: "ami" },
            ],
        };
        assert.deepStrictEqual(formatPreview(adopting), [
            "accountA: 1 to create, 0 to update, 0 to replace, 0 to delete, 1 to discard, 1 to remove pending replace, 2 to import, " +
                "1 to import replacement, 3 unchanged",
            "    =  aws:kms/key:Key  artifact-key",
            "    => aws:s3/bucket:Bucket  artifact-bucket",
            "    <  aws:ssm/parameter:Parameter  ami",
        ]);
    });

    it("marks a new stack, and says what a preview could not know", () => {
        const provisional: StackResult = {
            ...succeeded,
            newStack: true,
            changes: changes(2),
            caveat: "computed from the current outputs of accountB, which has changes to apply",
        };
        assert.deepStrictEqual(formatPreview(provisional), [
            "accountA (new stack): 2 to create, 0 to update, 0 to replace, 0 to delete, 0 unchanged",
            "    note: computed from the current outputs of accountB, which has changes to apply",
        ]);
    });

    it("says loudly when the role ARN cross-check fails", () => {
        const lines = formatRoleArnChecks([
            { targetStack: "accountB", pipelineStack: "accountA", target: "Staging", roleArn: "arn:aws:iam::2:role/R" },
            { targetStack: "accountC", pipelineStack: "accountA", target: "Prod", problem: "accountC exports X but accountA assumes Y" },
        ]);
        assert.match(lines[0], /^ROLE ARN CROSS-CHECK FAILED/);
        assert.strictEqual(lines[1], "  ok    accountB Staging: arn:aws:iam::2:role/R (assumed by accountA)");
        assert.strictEqual(lines[2], "  FAIL  accountC exports X but accountA assumes Y");
        assert.deepStrictEqual(formatRoleArnChecks([]), []);
        const pending = formatRoleArnChecks([{ targetStack: "accountB", pipelineStack: "accountA", pending: "run accountA next" }]);
        assert.deepStrictEqual(pending, ["Role ARN cross-check: nothing to compare yet", "  next  run accountA next"]);
    });

    it("ends with which stacks and checks failed", () => {
        const report: RunReport = {
            operation: "up",
            ok: false,
            stacks: [succeeded, failed],
            roleArnChecks: [{ targetStack: "accountC", pipelineStack: "accountA", problem: "mismatch" }],
        };
        assert.strictEqual(formatOutcome(report), "up FAILED: accountB failed; role ARN cross-check failed.");
        assert.strictEqual(formatOutcome({ ...report, ok: true, stacks: [succeeded], roleArnChecks: [] }), "up succeeded for accountA.");
        assert.strictEqual(formatOutcome({ ...report, stacks: [failed], notApplied: "not confirmed" }), "Nothing applied: not confirmed.");
        assert.strictEqual(
            formatOutcome({ ...report, stacks: [succeeded, failed], notApplied: "not confirmed" }),
            "Stopped: not confirmed; applied only accountA.",
        );
    });

    it("keeps a status line per stack while stacks run", () => {
        const board = new StatusBoard();
        board.update({ type: "planned", operation: "up", phases: [["accountA"], ["accountB"]] }, 0);
        assert.strictEqual(board.line(0), undefined, "nothing runs yet");
        board.update({ type: "started", operation: "up", stack: "accountA" }, 1_000);
        board.update({ type: "progress", stack: "accountA", resourcesDone: 5 }, 5_000);
        assert.strictEqual(board.line(21_000), "status: accountA running 20s, 5 resources done | accountB waiting");
        board.update({ type: "finished", operation: "up", result: succeeded }, 30_000);
        board.update({ type: "started", operation: "up", stack: "accountB" }, 30_000);
        assert.strictEqual(board.line(33_000), "status: accountA succeeded | accountB running 3s, 0 resources done");
    });
});
