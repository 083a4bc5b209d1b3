// `pulumi up` after `pulumi destroy`: the retained key and buckets keep their fixed names, so a fresh stack
// adopts them (the `import` resource option, driven by `adoptRetained`) instead of failing to create them.
// What is imported, and by which id, is what the registration request carries to the engine.
import * as assert from "node:assert/strict";
import { adoptionOptions, importId, keyIdOf } from "../definition/adoption";
import { ProgramRun, runProgram } from "../evaluation/runProgram";
import { runPlan } from "../offline-plan/plan";
import { renderPlan } from "../offline-plan/report";
import { configured, problemsOf, qualifiedConfig, rawConfig, shipped } from "./fixtures";
import { europe, resourcesOf, runAllInOne, targetsOf } from "./support/stacks";

const keyArn = (region: string, id = "1234abcd-12ab-34cd-56ef-1234567890ab", account = "111111111111") => `arn:aws:kms:${region}:${account}:key/${id}`;
const homeKey = keyArn("us-east-2");
const europeKey = keyArn("eu-west-1", "5678abcd-12ab-34cd-56ef-1234567890ab");
const artifactBucket = (region: string) => `crossaccountpipeline-111111111111-${region}-artifacts`;
const sourceBucket = "crossaccountpipeline-111111111111-us-east-2-source";
/** The region of the pipeline account's provider in these stacks. */
const pipelineRegion = "us-east-2";

const bucketTypes = [
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
];

/** Every resource the run imports: `type name`, the import id and what it ignores, sorted. */
function imports(run: ProgramRun): [string, string, string[]][] {
    return run.resources.filter((r) => r.registration?.importId)
        .map((r): [string, string, string[]] => [`${r.type} ${r.name}`, r.registration!.importId!, r.registration!.ignoreChanges])
        .sort(([a], [b]) => a.localeCompare(b));
}

/** The import entries of a bucket and its six settings, as `imports` lists them. */
function bucketImports(component: string, bucket: string, region: string): [string, string, string[]][] {
    const names: Record<string, string> = {
        "aws:s3/bucket:Bucket": component,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": `${component}-lifecycle`,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": `${component}-ownership`,
        "aws:s3/bucketPolicy:BucketPolicy": `${component}-policy`,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": `${component}-public-access-block`,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": `${component}-encryption`,
        "aws:s3/bucketVersioning:BucketVersioning": `${component}-versioning`,
    };
    return bucketTypes.map((type) => [`${type} ${names[type]}`, importId(bucket, region, pipelineRegion), type === "aws:s3/bucket:Bucket" ? ["forceDestroy"] : []]);
}

const sorted = (entries: [string, string, string[]][]) => [...entries].sort(([a], [b]) => a.localeCompare(b));
const keyImport = (name: string, id: string, region: string): [string, string, string[]] =>
    [`aws:kms/key:Key ${name}`, importId(id, region, pipelineRegion), ["deletionWindowInDays", "bypassPolicyLockoutSafetyCheck"]];

describe("re-creating a destroyed stack: adopting what `pulumi destroy` retained", () => {
    describe("import ids (pure)", () => {
        it("are the id the engine stores in the provider's region, and the id with @<region> only in another", () => {
            assert.equal(importId("my-bucket", "us-east-2", "us-east-2"), "my-bucket");
            assert.equal(importId("my-bucket", "eu-west-1", "us-east-2"), "my-bucket@eu-west-1");
            assert.equal(keyIdOf(homeKey), "1234abcd-12ab-34cd-56ef-1234567890ab");
            assert.throws(() => keyIdOf("arn:aws:kms:us-east-2:111111111111:alias/x"), /is not a key ARN/);
            assert.deepEqual(adoptionOptions("my-bucket", { region: "us-east-2", providerRegion: "us-east-2" }), { import: "my-bucket" });
            assert.deepEqual(adoptionOptions("k", { region: "eu-west-1", providerRegion: "us-east-2" }, ["forceDestroy"]), { import: "k@eu-west-1", ignoreChanges: ["forceDestroy"] });
        });
    });

    describe("without adoptRetained", () => {
        it("declares every resource afresh: nothing is imported", async () => {
            const a = shipped("accountA");
            const b = shipped("accountB");
            const target = await runProgram({ stack: "accountB", config: b.config });
            const pipeline = await runProgram({ stack: "accountA", config: a.config, stackOutputs: { "organization/cross-account-pipeline/accountB": target.outputs } });
            assert.deepEqual([...imports(target), ...imports(pipeline)], []);
            assert.ok(pipeline.resources.filter((r) => r.registration).every((r) => r.registration!.ignoreChanges.length === 0));
        });
    });

    describe("the pipeline stack with adoptRetained for its region", () => {
        let run: ProgramRun;
        before(async () => {
            const b = shipped("accountB");
            const target = await runProgram({ stack: "accountB", config: b.config });
            run = await runProgram({
                stack: "accountA",
                config: qualifiedConfig("accountA", { adoptRetained: { "us-east-2": homeKey } }),
                stackOutputs: { "organization/cross-account-pipeline/accountB": target.outputs },
            });
        });

        it("imports exactly the retained key, the artifact bucket and the source bucket, each setting by its bucket's name", () => {
            assert.deepEqual(imports(run), sorted([
                keyImport("pipeline-us-east-2-key", "1234abcd-12ab-34cd-56ef-1234567890ab", "us-east-2"),
                ...bucketImports("pipeline-us-east-2-bucket", artifactBucket("us-east-2"), "us-east-2"),
                ...bucketImports("pipeline-source", sourceBucket, "us-east-2"),
            ]));
        });

        it("creates the rest: the alias (which destroy deleted), roles, project, pipeline and trigger", () => {
            const created = (type: string) => resourcesOf(run, type).every((r) => r.registration!.importId === undefined);
            for (const type of ["aws:kms/alias:Alias", "aws:iam/role:Role", "aws:codebuild/project:Project", "aws:codepipeline/pipeline:Pipeline", "aws:cloudwatch/eventRule:EventRule"]) {
                assert.ok(resourcesOf(run, type).length > 0 && created(type), type);
            }
        });

        it("uses the adopted key everywhere: outputs, alias, bucket encryption, pipeline", () => {
            assert.equal(run.outputs.artifactKeyArn, homeKey);
            assert.equal(resourcesOf(run, "aws:kms/alias:Alias")[0].inputs.targetKeyId, "1234abcd-12ab-34cd-56ef-1234567890ab");
            const encryption = resourcesOf(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
                .find((r) => r.inputs.bucket === artifactBucket("us-east-2"))!;
            assert.equal(encryption.inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId, homeKey);
            assert.equal(resourcesOf(run, "aws:codepipeline/pipeline:Pipeline")[0].inputs.artifactStores[0].encryptionKey.id, homeKey);
        });

        it("keeps protecting and retaining what it adopted", () => {
            const [key] = resourcesOf(run, "aws:kms/key:Key");
            assert.deepEqual([key.registration!.protect, key.registration!.retainOnDelete], [true, true]);
            assert.ok(run.resources.filter((r) => r.registration?.importId).every((r) => r.registration!.retainOnDelete));
        });

        it("shows in the plan what is adopted, with its id, next to what is created", async () => {
            const result = await runPlan({ stacks: configured([
                shipped("accountB"),
                { ...shipped("accountA"), config: qualifiedConfig("accountA", { adoptRetained: { "us-east-2": homeKey } }) },
            ]) });
            assert.equal(result.ok, true);
            const text = renderPlan(result);
            assert.match(text, /Account 111111111111: pipeline account, \d+ resources to create, 15 retained ones to adopt/);
            assert.match(text, new RegExp(`= aws\\.kms\\.Key +pipeline-us-east-2-key +us-east-2  adopts 1234abcd-12ab-34cd-56ef-1234567890ab  `));
            assert.match(text, new RegExp(`= aws\\.s3\\.BucketPolicy +pipeline-source-policy +us-east-2  adopts ${sourceBucket}  `));
            assert.match(text, /\+ aws\.kms\.Alias +pipeline-us-east-2-key-alias/);
        });
    });

    describe("several regions", () => {
        const targets = () => [...targetsOf(shipped("accountA").config), europe];

        it("adopts only the regions named: a store added since the destroy is created", async () => {
            const run = await runAllInOne(targets(), { adoptRetained: { "us-east-2": homeKey } });
            assert.ok(imports(run).length > 0 && imports(run).every(([, id]) => !id.includes("@")), "the provider's region: bare ids");
            assert.deepEqual(resourcesOf(run, "aws:kms/key:Key").filter((k) => k.region === "eu-west-1").map((k) => k.registration!.importId), [undefined]);
        });

        it("adopts each region's store in its region", async () => {
            const run = await runAllInOne(targets(), { adoptRetained: { "us-east-2": homeKey, "eu-west-1": europeKey } });
            const europeImports = imports(run).filter(([, id]) => id.endsWith("@eu-west-1"));
            assert.deepEqual(europeImports, sorted([
                keyImport("pipeline-eu-west-1-key", "5678abcd-12ab-34cd-56ef-1234567890ab", "eu-west-1"),
                ...bucketImports("pipeline-eu-west-1-bucket", artifactBucket("eu-west-1"), "eu-west-1"),
            ]));
            assert.equal(run.outputs.artifactStores["eu-west-1"].keyArn, europeKey);
        });
    });

    it("with encryptionKey in the pipeline region, adopts the buckets and imports no key there", async () => {
        const existing = keyArn("us-east-2", "feedface-12ab-34cd-56ef-1234567890ab");
        const run = await runAllInOne(targetsOf(shipped("accountA").config), { encryptionKey: existing, adoptRetained: { "us-east-2": existing } });
        assert.deepEqual(imports(run), sorted([
            ...bucketImports("pipeline-us-east-2-bucket", artifactBucket("us-east-2"), "us-east-2"),
            ...bucketImports("pipeline-source", sourceBucket, "us-east-2"),
        ]));
        assert.deepEqual(resourcesOf(run, "aws:kms/key:Key"), []);
    });

    describe("config refuses what cannot be adopted, naming the key", () => {
        const cases: { name: string; overrides: Record<string, unknown>; problem: string }[] = [
            {
                name: "a region without an artifact store",
                overrides: { adoptRetained: { "eu-west-1": keyArn("eu-west-1") } },
                problem: `adoptRetained.eu-west-1: "eu-west-1" is not a region this pipeline has an artifact store in; expected one of: us-east-2`,
            },
            {
                name: "an alias ARN, which does not give the key id",
                overrides: { adoptRetained: { "us-east-2": "arn:aws:kms:us-east-2:111111111111:alias/CrossAccountPipeline-Key" } },
                problem: `adoptRetained.us-east-2: "arn:aws:kms:us-east-2:111111111111:alias/CrossAccountPipeline-Key" is an alias ARN; importing a key needs its key id, ` +
                    "expected the key ARN of the retained key, arn:<partition>:kms:us-east-2:111111111111:key/<key id>",
            },
            {
                name: "a key of another account",
                overrides: { adoptRetained: { "us-east-2": keyArn("us-east-2", undefined, "222222222222") } },
                problem: `adoptRetained.us-east-2: "${keyArn("us-east-2", undefined, "222222222222")}" is a key of account 222222222222 in us-east-2; ` +
                    "expected the key ARN of the retained key, arn:<partition>:kms:us-east-2:111111111111:key/<key id>",
            },
            {
                name: "a key of another region",
                overrides: { adoptRetained: { "us-east-2": keyArn("us-west-2") } },
                problem: `adoptRetained.us-east-2: "${keyArn("us-west-2")}" is a key of account 111111111111 in us-west-2; ` +
                    "expected the key ARN of the retained key, arn:<partition>:kms:us-east-2:111111111111:key/<key id>",
            },
            {
                name: "something that is not a key ARN",
                overrides: { adoptRetained: { "us-east-2": "1234abcd-12ab-34cd-56ef-1234567890ab" } },
                problem: `adoptRetained.us-east-2: "1234abcd-12ab-34cd-56ef-1234567890ab" is not a key ARN; expected e.g. "arn:aws:kms:us-east-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"`,
            },
            {
                name: "another key than encryptionKey where the store uses encryptionKey",
                overrides: { encryptionKey: keyArn("us-east-2", "feedface-12ab-34cd-56ef-1234567890ab"), adoptRetained: { "us-east-2": homeKey } },
                problem: `adoptRetained.us-east-2: "${homeKey}": the store of the pipeline region is encrypted with encryptionKey, which this program never creates or retains; ` +
                    `expected "${keyArn("us-east-2", "feedface-12ab-34cd-56ef-1234567890ab")}"`,
            },
            {
                name: "a list instead of an object",
                overrides: { adoptRetained: [homeKey] },
                problem: `adoptRetained: ["${homeKey}"] is not valid; expected an object of region: key ARN`,
            },
        ];
        for (const { name, overrides, problem } of cases) {
            it(name, () => assert.deepEqual(problemsOf(rawConfig("accountA", overrides)), [problem]));
        }

        it("in a target stack, which retains nothing", () => {
            assert.deepEqual(problemsOf(rawConfig("accountB", { adoptRetained: { "us-east-2": homeKey } })), [
                "adoptRetained: a target stack retains nothing on destroy, so it adopts nothing; expected adoptRetained only in the pipeline stack (deploy: pipeline or all)",
            ]);
        });

        it("an unknown region", () => {
            assert.deepEqual(problemsOf(rawConfig("accountA", { adoptRetained: { "mars-1": homeKey } })), [
                `adoptRetained.mars-1: not an AWS region name; expected regions such as "us-east-2" as keys`,
            ]);
        });
    });
});

