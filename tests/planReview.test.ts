// Reviewing a change: the grants of every policy, the diff against an earlier plan, the summary and its diagram.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { benchmarkStack } from "../offline-plan/bench";
import { accountsPerWave, trustDiagram } from "../offline-plan/diagram";
import { diffBlocks, diffPlans, fieldChanges, PlanDiff } from "../offline-plan/diff";
import { Grant, grantsOf, PlanContents } from "../offline-plan/grants";
import { PlanResult, runPlan } from "../offline-plan/plan";
import { accountTitle } from "../offline-plan/report";
import { reviewChanges } from "../offline-plan/review";
import { renderSummary } from "../offline-plan/summary";
import { planContents, readPlanFolder, writePlan } from "../offline-plan/writePlan";
import { readStackFile } from "../project/stackFiles";
import { configured, pipelineAccountId, projectRoot, shippedDeployRoleArn, shippedRolePaths, targetAccountId } from "./fixtures";
import type { PropertyBag } from "../evaluation/propertyBag";

const pipelineRole = `arn:aws:iam::${pipelineAccountId}:role/CrossAccountPipeline-CodePipelineService`;
const buildRole = `arn:aws:iam::${pipelineAccountId}:role/CrossAccountPipeline-CodeBuildService`;
const crossAccountRole = shippedDeployRoleArn;
const targetRoot = `arn:aws:iam::${targetAccountId}:root`;
/** The target roles' grant in the bucket and key policies: the target accounts' roots, narrowed to this pipeline's paths. */
const targetRolesStatement = { bucket: "AllowTargetRolesToReadArtifacts", key: "AllowTargetRolesToDecrypt" };
const pathPatterns = [`arn:aws:iam::*:role${shippedRolePaths.deploy}*`, `arn:aws:iam::*:role${shippedRolePaths.instance}*`];
const artifactObjects = `arn:aws:s3:::crossaccountpipeline-${pipelineAccountId}-us-east-2-artifacts/*`;
const bucketPolicyFile = `account-${pipelineAccountId}/policies/pipeline-us-east-2-bucket-policy.bucket-policy.json`;
const crossAccountPolicyFile = `account-${targetAccountId}/policies/Staging-cross-account-policy.identity-policy.json`;

/** A deep copy of plan contents with one JSON file edited, as another version of the stacks would have written it. */
function edited(contents: PlanContents, file: string, edit: (document: PropertyBag) => void): PlanContents {
    const copy: PlanContents = new Map([...contents].map(([f, value]) => [f, structuredClone(value)]));
    assert.ok(copy.has(file), file);
    edit(copy.get(file) as PropertyBag);
    return copy;
}

const statement = (document: PropertyBag, sid: string) => document.Statement.find((s: { Sid: string }) => s.Sid === sid);
const grantsMatching = (grants: Grant[], fields: Partial<Grant>) => grants.filter((g) => Object.entries(fields).every(([k, v]) => g[k as keyof Grant] === v));
const diffText = (planDiff: PlanDiff) => diffBlocks(planDiff, (account) => `account ${account}`).map((b) => [b.heading, ...b.lines].join("\n")).join("\n");

describe("reviewing a change: grants, the access diff, the summary", () => {
    let shipped: PlanResult;
    let contents: PlanContents;
    let scratch: string;
    before(async () => {
        shipped = await runPlan({ stacks: configured(["accountB", "accountA"].map((s) => readStackFile(path.join(projectRoot, `Pulumi.${s}.yaml`)))) });
        contents = planContents(shipped);
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "plan-review-"));
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    describe("grants.json: every grant of every policy the plan writes", () => {
        it("names the role of an identity policy as its principal, and resolves a key policy's * to its key", () => {
            const grants = contents.get("grants.json") as Grant[];
            assert.deepEqual(grantsOf(contents), grants);
            const reads = grantsMatching(grants, { policy: crossAccountPolicyFile, action: "s3:GetObject" });
            assert.deepEqual(reads.map((g) => [g.kind, g.principal, g.resource, g.statement]), [["identity", crossAccountRole, artifactObjects, "ReadArtifacts"]]);
            const keyArn = (contents.get(`account-${pipelineAccountId}/resources.json`) as { type: string; properties: { arn?: string } }[])
                .find((r) => r.type === "aws:kms/key:Key")!.properties.arn;
            assert.deepEqual(grantsMatching(grants, { kind: "key", statement: targetRolesStatement.key }).map((g) => [g.principal, g.action, g.resource]).sort(),
                ["kms:Decrypt", "kms:DescribeKey"].map((action) => [targetRoot, action, keyArn]));
        });

        it("turns an account root narrowed by aws:PrincipalArn into the roles it names, through that root", () => {
            const grants = contents.get("grants.json") as Grant[];
            const trust = grantsMatching(grants, { kind: "trust", resource: crossAccountRole });
            assert.deepEqual(trust.map((g) => [g.principal, g.via, g.action, g.conditions]), [[pipelineRole, `arn:aws:iam::${pipelineAccountId}:root`, "sts:AssumeRole", undefined]]);
            const pipelineRoles = grantsMatching(grants, { kind: "key", statement: "AllowPipelineRolesToUseTheKey", action: "kms:Decrypt" });
            assert.deepEqual(pipelineRoles.map((g) => [g.principal, g.via]).sort(), [[buildRole, `arn:aws:iam::${pipelineAccountId}:root`], [pipelineRole, `arn:aws:iam::${pipelineAccountId}:root`]]);
        });

        it("keeps the other conditions, canonical, and service principals as such", () => {
            const service = grantsMatching(contents.get("grants.json") as Grant[], { kind: "trust", principal: "Service:codedeploy.amazonaws.com" });
            assert.equal(service.length, 1);
            assert.deepEqual(service[0].conditions, [
                `ArnLike aws:sourcearn = arn:aws:codedeploy:us-east-2:${targetAccountId}:deploymentgroup:AccountBApplicationName/AccountBApplicationGroupName`,
                `StringEquals aws:sourceaccount = ${targetAccountId}`,
            ]);
            const denies = grantsMatching(contents.get("grants.json") as Grant[], { policy: bucketPolicyFile, effect: "Deny", statement: "DenyInsecureConnections" });
            assert.ok(denies.length > 0 && denies.every((g) => g.principal === "*" && g.conditions?.[0] === "Bool aws:securetransport = false"));
        });

        it("does not narrow by a pattern, and writes NotAction and managed policy attachments as what they are", () => {
            const widened = edited(contents, bucketPolicyFile, (document) => {
                const narrowed = statement(document, targetRolesStatement.bucket);
                narrowed.Condition = { ArnLike: { "aws:PrincipalArn": [`arn:aws:iam::${targetAccountId}:role/*`] } };
                document.Statement.push({ Sid: "AllButDelete", Effect: "Allow", Principal: { AWS: crossAccountRole }, NotAction: "s3:DeleteObject", Resource: artifactObjects });
            });
            const grants = grantsOf(widened).filter((g) => g.policy === bucketPolicyFile);
            assert.deepEqual(grantsMatching(grants, { statement: targetRolesStatement.bucket, action: "s3:ListBucket", resource: artifactObjects.slice(0, -2) }).map((g) => [g.principal, g.conditions]),
                [[targetRoot, [`ArnLike aws:principalarn = arn:aws:iam::${targetAccountId}:role/*`]]]);
            assert.deepEqual(grantsMatching(grants, { statement: "AllButDelete" }).map((g) => g.action), ["NOT s3:DeleteObject"]);
            const managed = grantsMatching(grantsOf(contents), { kind: "managed" });
            assert.deepEqual(managed.map((g) => [g.principal, g.resource]), [[`arn:aws:iam::${targetAccountId}:role/Staging-CodeDeployService`, "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRole"]]);
        });

        it("is the same whatever order the files are read in, and whatever statement holds a grant twice", () => {
            const reversed: PlanContents = new Map([...contents].reverse());
            assert.deepEqual(JSON.stringify(grantsOf(reversed)), JSON.stringify(contents.get("grants.json")));
            const twice = (order: string[]) => grantsOf(edited(contents, crossAccountPolicyFile, (document) => {
                document.Statement.push(...order.map((Sid) => ({ Sid, Effect: "Allow", Action: "s3:DeleteObject", Resource: artifactObjects })));
            })).filter((g) => g.action === "s3:DeleteObject");
            assert.deepEqual(twice(["Second", "First"]).map((g) => g.statement), ["First"]);
            assert.deepEqual(twice(["First", "Second"]), twice(["Second", "First"]));
        });
    });

    describe("the access diff (--against)", () => {
        it("shows no change between a plan and the same plan read back from its folder", async () => {
            const folder = path.join(scratch, "same");
            await writePlan(folder, contents);
            const read = readPlanFolder(folder);
            assert.ok("contents" in read, JSON.stringify(read));
            const planDiff = diffPlans(folder, read.contents, contents);
            assert.deepEqual({ changes: planDiff.changes, accounts: planDiff.accounts, checks: planDiff.checks, notCompared: planDiff.notCompared }, {
                changes: 0, accounts: [], checks: [], notCompared: { earlier: [], now: [] },
            });
            assert.deepEqual(diffBlocks(planDiff, String), []);
        });

        it("reads an earlier plan's folder only when the plan wrote it: its marker, and checks.json as a plan writes it", async () => {
            const folder = path.join(scratch, "not-quite");
            await writePlan(folder, new Map([["checks.json", "[]"]]));
            assert.deepEqual(readPlanFolder(folder), { problem: `--against ${folder}: ${folder} is not a plan folder (its checks.json is not the object a plan writes); name the folder an earlier \`npm run plan\` wrote, e.g. its --out` });
            fs.rmSync(path.join(folder, ".cross-account-pipeline-plan"));
            assert.match((readPlanFolder(folder) as { problem: string }).problem, /is not a plan folder \(it has no \.cross-account-pipeline-plan marker\)/);
            assert.match((readPlanFolder(path.join(scratch, "absent")) as { problem: string }).problem, /is not a plan folder \(it does not exist\)/);
        });

        it("shows a grant gained when a role's inline policy is widened, though no resource was added", () => {
            const earlier = edited(contents, crossAccountPolicyFile, (document) => {
                statement(document, "ReadArtifacts").Action = ["s3:GetObject"];
            });
            const planDiff = diffPlans("base", earlier, contents);
            const [account] = planDiff.accounts;
            assert.equal(planDiff.accounts.length, 1);
            assert.equal(account.account, targetAccountId);
            assert.deepEqual(account.grantsGained.map((g) => [g.principal, g.action, g.resource, g.policy]), [[crossAccountRole, "s3:GetObjectVersion", artifactObjects, crossAccountPolicyFile]]);
            assert.deepEqual([account.grantsLost, account.resourcesAdded, account.resourcesRemoved], [[], [], []]);
            assert.deepEqual(account.resourcesChanged.map((r) => [r.name, r.fields]), [["Staging-cross-account-policy", [{ path: "identity-policy: Statement.ReadArtifacts.Action", after: "s3:GetObjectVersion" }]]]);
            assert.equal(planDiff.changes, 2);
            assert.match(diffText(planDiff), /Grants gained:\n {2}\+ arn:aws:iam::222222222222:role\/cross-account-pipeline\/111111111111\/CrossAccountPipeline\/deploy\/CrossAccount_Role may s3:GetObjectVersion on arn:aws:s3:::crossaccountpipeline-111111111111-us-east-2-artifacts\/\* if StringEquals aws:resourceaccount = 111111111111 {2}\[identity policy account-222222222222\/policies\/Staging-cross-account-policy\.identity-policy\.json, statement ReadArtifacts\]/);
            // The review: one line for the statement, its condition with it; the policy's resource is no other change.
            const review = reviewChanges(planDiff, earlier, contents, []);
            assert.deepEqual(review.sections.map((section) => [section.title, section.lines]), [["Access gained and lost, by policy statement", [
                `+ account ${targetAccountId}, identity policy Staging-cross-account-policy, statement ReadArtifacts: now allows ${crossAccountRole} s3:GetObjectVersion on ${artifactObjects} ` +
                    "if StringEquals aws:resourceaccount = 111111111111",
            ]]]);
            assert.equal(review.headline, "access: 1 policy statement changed");
        });

        it("shows a bucket policy that lets one more account's pipeline roles in as grants gained, and one that lets them out as grants lost", () => {
            const otherRoot = "arn:aws:iam::333333333333:root";
            const widened = edited(contents, bucketPolicyFile, (document) => {
                statement(document, targetRolesStatement.bucket).Principal.AWS.push(otherRoot);
            });
            const gained = diffPlans("base", contents, widened).accounts[0];
            assert.equal(gained.account, pipelineAccountId);
            const condition = `ArnLike aws:principalarn = ${pathPatterns.join(" | ")}`;
            assert.deepEqual(gained.grantsGained.filter((g) => g.resource === artifactObjects).map((g) => [g.principal, g.action, g.conditions]).sort(),
                ["s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"].map((action) => [otherRoot, action, [condition]]));
            const lost = diffPlans("base", widened, contents).accounts[0];
            assert.ok(lost.grantsLost.length > 0 && lost.grantsLost.every((g) => g.principal === otherRoot));
        });

        it("shows a condition narrowed or widened as a change of the grant", () => {
            const codedeployTrust = `account-${targetAccountId}/policies/Staging-codedeploy.trust-policy.json`;
            const loosened = edited(contents, codedeployTrust, (document) => {
                document.Statement[0].Condition.ArnLike["aws:SourceArn"] = `arn:aws:codedeploy:us-east-2:${targetAccountId}:deploymentgroup:*`;
            });
            const [account] = diffPlans("base", contents, loosened).accounts;
            assert.deepEqual([account.grantsGained.length, account.grantsLost.length], [1, 1]);
            assert.match(account.grantsGained[0].conditions![0], /deploymentgroup:\*$/);
        });

        it("lists refusals that no longer hold first: a Deny removed, and a refusal check that now fails", () => {
            const withoutGuard = edited(contents, bucketPolicyFile, (document) => {
                document.Statement = document.Statement.filter((s: { Sid: string }) => s.Sid !== "DenyInsecureConnections");
            });
            const failing = edited(withoutGuard, "checks.json", (checks) => {
                const refusal = checks.access.find((a: { hop: string }) => a.hop === "Staging/Deploy: plain-HTTP reads are refused");
                Object.assign(refusal, { ok: false, result: "Allowed", message: "allowed" });
                checks.ok = false;
            });
            const planDiff = diffPlans("base", contents, failing);
            const text = diffText(planDiff);
            const account = planDiff.accounts.find((a) => a.account === pipelineAccountId)!;
            assert.ok(account.grantsLost.length > 0 && account.grantsLost.every((g) => g.effect === "Deny"));
            assert.match(text, new RegExp(`^Account ${pipelineAccountId} \\(account ${pipelineAccountId}\\)\\nRefusals that no longer hold:\\n  ! \\* is refused s3:\\* on `, "m"));
            assert.deepEqual(planDiff.verdict, { before: true, after: false });
            assert.deepEqual(planDiff.checks.map((c) => [c.section, c.check, c.change]), [["access", "Staging/Deploy: plain-HTTP reads are refused", "now fails"]]);
            assert.match(text, /Checks\n! verdict: PLAN OK -> PLAN FAILED\n! access: Staging\/Deploy: plain-HTTP reads are refused \(now fails\)\n {4}result: "ExplicitlyDenied" -> "Allowed"\n {4}ok: true -> false\n {4}message: added "allowed"/);
        });

        it("names what one plan has and the other has not (a newer plan's sections and files) without counting it, and compares what both have", () => {
            const newer = edited(contents, "checks.json", (checks) => {
                checks.budgets = [{ budget: "monthly cost", resource: "Staging-cross-account-policy", used: 900, limit: 10240, ok: true }];
            });
            newer.set("budgets.json", { roles: 3 });
            const planDiff = diffPlans("base", contents, newer);
            assert.deepEqual(planDiff.notCompared, { earlier: [], now: ["checks.json budgets", "budgets.json"] });
            assert.equal(planDiff.changes, 0);

            const grown = edited(newer, "checks.json", (checks) => (checks.budgets[0].used = 9000));
            grown.set("budgets.json", { roles: 4 });
            const both = diffPlans("base", newer, grown);
            assert.deepEqual(both.checks.map((c) => [c.section, c.check, c.change, c.fields]), [
                ["budgets", "monthly cost · Staging-cross-account-policy", "changed", [{ path: "used", before: 900, after: 9000 }]],
            ]);
            assert.deepEqual(both.otherFilesChanged, ["budgets.json"]);
            assert.equal(both.changes, 2);
        });

        it("shows resources added, removed and changed with their fields, and a refusal check no longer made", () => {
            const earlier = edited(contents, `account-${targetAccountId}/resources.json`, (resources) => {
                resources.find((r: { name: string }) => r.name === "AccountBApplicationName-222222222222-us-east-2-application").properties.name = "OldName";
                resources.push({ type: "aws:s3/bucket:Bucket", name: "gone", accountId: targetAccountId, region: "us-east-2", properties: { bucket: "gone" } });
            });
            const removedCheck = edited(contents, "checks.json", (checks) => {
                checks.access = checks.access.filter((a: { hop: string }) => a.hop !== "Staging/Deploy: the instance role cannot write artifacts");
            });
            const planDiff = diffPlans("base", earlier, removedCheck);
            const [account] = planDiff.accounts;
            assert.deepEqual(account.resourcesRemoved.map((r) => r.name), ["gone"]);
            assert.deepEqual(account.resourcesChanged.map((r) => [r.name, r.fields]), [["AccountBApplicationName-222222222222-us-east-2-application", [{ path: "properties.name", before: "OldName", after: "AccountBApplicationName" }]]]);
            assert.deepEqual(planDiff.checks.map((c) => c.change), ["refusal no longer checked"]);
        });

        it("shows a target added: its account's resources, and the pipeline account's policies granting its roles though no resource is added there", async function () {
            this.timeout(120_000);
            // One after the other: Pulumi's runtime mocks are global to the process.
            const one = await runPlan({ stacks: configured([benchmarkStack(1, 1)]) });
            const two = await runPlan({ stacks: configured([benchmarkStack(2, 1)]) });
            const planDiff = diffPlans("base", planContents(one), planContents(two));
            const target02 = planDiff.accounts.find((a) => a.account === "200000000002")!;
            assert.ok(target02.resourcesAdded.some((r) => r.type === "aws:iam/role:Role" && r.properties.name === "Target02-CrossAccount"));
            const pipeline = planDiff.accounts.find((a) => a.account === pipelineAccountId)!;
            assert.deepEqual(pipeline.resourcesAdded, []);
            // The new account's root joins the one grant of the bucket and key policies; the pipeline role may assume in one more account.
            const newRoot = "arn:aws:iam::200000000002:root";
            const gained = (kind: string) => pipeline.grantsGained.filter((g) => g.kind === kind).map((g) => [g.principal, g.action, g.conditions ?? []]);
            assert.ok(gained("key").some(([principal, action]) => principal === newRoot && action === "kms:Decrypt"), JSON.stringify(gained("key")));
            assert.ok(gained("bucket").some(([principal, action]) => principal === newRoot && action === "s3:GetObject"), JSON.stringify(gained("bucket")));
            assert.ok(gained("identity").some(([principal, action, conditions]) => principal === pipelineRole && action === "sts:AssumeRole"
                && (conditions as string[]).some((c) => c.startsWith("StringEquals aws:resourceaccount") && c.includes("200000000002"))), JSON.stringify(gained("identity")));
            // Only the pipeline role's assume grant is lost, for its wider condition: a condition is part of a grant.
            assert.deepEqual(pipeline.grantsLost.map((g) => [g.principal, g.action, g.conditions]), [[pipelineRole, "sts:AssumeRole", ["StringEquals aws:resourceaccount = 200000000001"]]]);
            assert.ok(planDiff.checks.some((c) => c.change === "added" && c.check === "Target02/Deploy: the pipeline role assumes the cross-account role"));
        });

        it("compares lists of strings as sets and statements by Sid, as IAM reads them", () => {
            assert.deepEqual(fieldChanges({ Action: "s3:GetObject" }, { Action: ["s3:GetObject"] }), []);
            assert.deepEqual(fieldChanges(
                { Statement: [{ Sid: "A", Action: ["a", "c"] }, { Sid: "B", Action: "x" }] },
                { Statement: [{ Sid: "B", Action: "x" }, { Sid: "A", Action: ["a", "b", "c"] }] },
            ), [{ path: "Statement.A.Action", after: "b" }]);
        });
    });

    describe("summary.md", () => {
        it("holds the verdict, the counts per account, the checks and a diagram of the verified edges", () => {
            const summary = renderSummary(shipped, contents);
            assert.match(summary, /^# Cross-account pipeline plan: PLAN OK\n\n\*\*PLAN OK: 2 stacks, \d+ resources/);
            assert.match(summary, new RegExp(`\\| Account ${targetAccountId} \\(target Staging\\) \\| 9 \\| 5 \\|`));
            assert.match(summary, /\| ✅ access chain \| \d+\/\d+ checks as expected \|/);
            const mermaid = /```mermaid\n([\s\S]*?)\n```/.exec(summary)![1].split("\n");
            assert.equal(mermaid[0], "flowchart LR");
            const node = (role: string, name: string) => new RegExp(`^\\s+(n\\d+)\\("${role}<br>${name}"\\)$`).exec(mermaid.find((l) => l.includes(`("${role}<br>${name}")`))!)![1];
            // The pipeline role stands alone in the first column, an empty one after it, the target's roles in the fifth: the edge spans four.
            assert.ok(mermaid.includes(`  ${node("role", "CrossAccountPipeline-CodePipelineService")} ----->|"assume"| ${node("deploy role", "CrossAccount_Role")}`));
            assert.deepEqual(mermaid.filter((l) => l.includes("subgraph")),
                [`  subgraph a1["${pipelineAccountId}: pipeline account"]`, `  subgraph a2["${pipelineAccountId}: what targets reach"]`, `  subgraph a3["${targetAccountId}: target Staging"]`]);
            assert.ok(mermaid.some((l) => /^ {4}n\d+\["CodeDeploy<br>AccountBApplicationName: AccountBApplicationGroupName<br>us-east-2<br>wave 1 of 1: Staging"\]$/.test(l)), mermaid.join("\n"));
            assert.ok(!summary.includes("## Changes"));
        });

        it("puts failures first, each with its message, and with --against holds the diff in diff blocks", async () => {
            const failed = await runPlan({ stacks: configured([readStackFile(path.join(projectRoot, "Pulumi.accountA.yaml"))]) });
            const failedContents = planContents(failed);
            const summary = renderSummary(failed, failedContents, reviewChanges(diffPlans("plan-base", contents, failedContents), contents, failedContents, []));
            assert.match(summary, /^# Cross-account pipeline plan: PLAN FAILED/);
            const failure = summary.indexOf("### FAILED: stacks evaluated (0/1 stacks)");
            assert.ok(failure > 0 && failure < summary.indexOf("| checks | result |"), summary);
            assert.match(summary, /- \*\*stack accountA: NOT EVALUATED\*\*\n {2}`targets\[0\]\.stack: "organization\/cross-account-pipeline\/accountB" is not among the planned target stacks/);
            assert.match(summary, /\| checks \| result \|\n\|---\|---\|\n\| ❌ stacks evaluated/);
            assert.match(summary, /## Changes against `plan-base`: /);
            assert.match(summary, /### Fails or is refused\n\n```diff\n! verdict: PLAN OK -> PLAN FAILED\n/);
            assert.match(summary, /### Pipelines, targets and stages\n\n```diff\n- target Staging removed: account 222222222222, us-east-2, stage Staging/);
        });

        it("draws 25 targets of the same shape once, with their count and no one account's names, within a bound of nodes and lines", async function () {
            this.timeout(240_000);
            const many = await runPlan({ stacks: configured([benchmarkStack(25, 1)]) });
            const diagram = trustDiagram(planContents(many), accountTitle(many));
            assert.ok(diagram.nodes <= 20 && diagram.lines.length <= 40, `${diagram.nodes} nodes, ${diagram.lines.length} lines`);
            assert.ok(diagram.lines.includes("  subgraph a3[\"25 accounts drawn as one\"]"), diagram.lines.join("\n"));
            assert.ok(diagram.lines.includes("    a3c[\"target Target01 (200000000001)<br>target Target02 (200000000002)<br>… target Target25 (200000000025)\"]"), diagram.lines.join("\n"));
            assert.ok(diagram.lines.some((l) => /^ {4}n\d+\("deploy role<br>one in each account"\)$/.test(l)), diagram.lines.join("\n"));
            assert.ok(!diagram.lines.some((l) => /Target\d\d-/.test(l)), "no node of the group says one account's role names");
            // Mermaid's flowchart grammar, the forms the diagram uses.
            const label = "\"[^\"]*\"";
            const grammar = new RegExp(`^(flowchart LR|  subgraph a\\d+\\[${label}\\]|  end|    a\\d+c\\[${label}\\]|    n\\d+(\\(${label}\\)|\\[\\(${label}\\)\\]|\\{\\{${label}\\}\\}|\\[${label}\\])`
                + `|  n\\d+ (-{2,}>|={2,}>|-\\.+->)\\|"[-+a-z0-9 ,;]+"\\| n\\d+|  more\\[${label}\\]|  style a\\d+c fill:none,stroke:none)$`);
            assert.deepEqual(diagram.lines.filter((line) => !grammar.test(line)), []);

            // One target of another shape (its instance role reads nothing), and room for two groups only.
            const otherShape = planContents(many);
            const checks = otherShape.get("checks.json") as { access: { principal: string }[] };
            checks.access = checks.access.filter((a) => a.principal !== `arn:aws:iam::200000000005:role${shippedRolePaths.instance}Target05-CodeDeployInstance`);
            const three = trustDiagram(otherShape, accountTitle(many));
            assert.ok(three.lines.includes("  subgraph a4[\"200000000005: target Target05\"]"), three.lines.join("\n"));
            assert.ok(three.lines.includes("  subgraph a3[\"24 accounts drawn as one\"]"), three.lines.join("\n"));
            const capped = trustDiagram(otherShape, accountTitle(many), { maxGroups: 2 });
            assert.match(capped.lines[1], /^ {2}subgraph a1\["111111111111: pipeline account"\]$/);
            assert.ok(capped.lines.includes("  more[\"… 25 more accounts<br>in 2 other shapes:<br>see plan.txt\"]"), capped.lines.join("\n"));
            assert.ok(capped.nodes < diagram.nodes);
        });

        it("counts the accounts each wave of a group deploys, waves in a row deploying as many in one line, an approved wave apart", () => {
            const wave = (number: number, stage: string, approved = false) => ({ number, of: 27, stage, approved });
            assert.deepEqual(accountsPerWave([
                { wave: wave(3, "Wave2"), accounts: 16 }, { wave: wave(1, "Canary"), accounts: 1 }, { wave: wave(2, "Wave1"), accounts: 16 },
                ...[4, 5, 6, 7].map((n) => ({ wave: wave(n, `Target0${n}`), accounts: 1 })), { wave: wave(8, "Last", true), accounts: 1 },
            ]), [
                "accounts per wave, of 27:",
                "1 Canary: 1",
                "2 Wave1: 16",
                "3 Wave2: 16",
                "4 to 7 (Target04 … Target07): 1 each",
                "8 Last (approved first): 1",
            ]);
        });
    });
});
