// The artifact and source buckets never expire a current object: CodeDeploy redeploys a deployment group's
// last successful revision from the artifact bucket on Auto Scaling scale-out, instance refresh and
// automatic rollback, however long ago that revision was deployed. Only deleted or replaced versions expire.
import * as assert from "node:assert/strict";
import { retentionRule } from "../components/encryptedBucket";
import { ProgramRun } from "../evaluation/runProgram";
import { shipped } from "./fixtures";
import { europe, resourcesOf, runAllInOne, targetsOf } from "./support/stacks";

describe("artifact retention", () => {
    it("keeps every current object and expires only noncurrent versions, their delete markers and unfinished uploads", () => {
        assert.deepEqual(retentionRule(45), {
            id: "expire-replaced-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: 45 },
            expiration: { expiredObjectDeleteMarker: true },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        });
    });

    describe("on every bucket of a pipeline in two regions", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runAllInOne([...targetsOf(shipped("accountA").config), europe], { artifactRetentionDays: 45 });
        });

        it("declares one lifecycle per bucket, none of whose rules expires or moves a current object", () => {
            const lifecycles = resourcesOf(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
            assert.deepEqual(lifecycles.map((l) => l.inputs.bucket).sort(), [
                "crossaccountpipeline-111111111111-eu-west-1-artifacts",
                "crossaccountpipeline-111111111111-us-east-2-artifacts",
                "crossaccountpipeline-111111111111-us-east-2-source",
            ]);
            for (const lifecycle of lifecycles) {
                for (const rule of lifecycle.inputs.rules) {
                    assert.equal(rule.expiration?.days, undefined, `${lifecycle.inputs.bucket}: no current object expires by age`);
                    assert.equal(rule.expiration?.date, undefined, `${lifecycle.inputs.bucket}: nor on a date`);
                    assert.equal(rule.transitions, undefined, `${lifecycle.inputs.bucket}: nor moves to another storage class`);
                    assert.equal(rule.noncurrentVersionExpiration.noncurrentDays, 45, "replaced versions expire after artifactRetentionDays");
                }
            }
        });

        it("keeps versioning on, without which a replaced artifact would be gone at once", () => {
            const versioning = resourcesOf(run, "aws:s3/bucketVersioning:BucketVersioning");
            assert.equal(versioning.length, 3);
            assert.ok(versioning.every((v) => v.inputs.versioningConfiguration.status === "Enabled"));
        });
    });
});
